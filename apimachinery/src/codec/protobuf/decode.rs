//! Protobuf wire bytes of a built-in message to the object's JSON form, as Go's protobuf
//! unmarshalling followed by `encoding/json` would produce it.

use std::collections::BTreeMap;

use serde_json::{Map, Number, Value};

use super::generated::MESSAGES;
use super::table::{Card, Field, Message, OMITEMPTY, POINTER, Special, Ty};
use super::timefmt::{GO_ZERO_UNIX, base64_encode, format_duration, format_rfc3339};
use super::wire::{Reader, WireValue};
use super::{MAX_DEPTH, ProtobufError};

/// What was read for one field.
enum Acc {
    Single(Value),
    Repeated(Vec<Value>),
    Map(BTreeMap<String, Value>),
}

fn message(idx: u16) -> Result<&'static Message, ProtobufError> {
    MESSAGES
        .get(usize::from(idx))
        .ok_or_else(|| ProtobufError::Malformed(format!("no message {idx}")))
}

/// Decodes one message's bytes into its JSON form.
pub(super) fn decode_message(idx: u16, data: &[u8], depth: usize) -> Result<Value, ProtobufError> {
    if depth > MAX_DEPTH {
        return Err(ProtobufError::Malformed("exceeded maximum nesting depth".into()));
    }
    let msg = message(idx)?;
    match msg.special {
        Special::Time | Special::MicroTime => {
            if data.is_empty() {
                return Ok(Value::Null);
            }
            let (mut secs, mut nanos) = (0i64, 0i64);
            let mut r = Reader::new(data);
            while let Some((tag, v)) = r.next_field()? {
                match (tag, v) {
                    (1, WireValue::Varint(n)) => secs = n as i64,
                    (2, WireValue::Varint(n)) => nanos = i64::from(n as i32),
                    _ => {}
                }
            }
            if msg.special == Special::Time {
                // Upstream drops the nanoseconds of a Time read from protobuf.
                return Ok(if secs == GO_ZERO_UNIX {
                    Value::Null
                } else {
                    Value::String(format_rfc3339(secs, None))
                });
            }
            let total = i128::from(secs) * 1_000_000_000 + i128::from(nanos);
            let secs = total.div_euclid(1_000_000_000) as i64;
            let micros = (total.rem_euclid(1_000_000_000) / 1000) as u32;
            if secs == GO_ZERO_UNIX && micros == 0 {
                return Ok(Value::Null);
            }
            Ok(Value::String(format_rfc3339(secs, Some(micros))))
        }
        Special::Duration => {
            let mut nanos = 0i64;
            let mut r = Reader::new(data);
            while let Some((tag, v)) = r.next_field()? {
                if let (1, WireValue::Varint(n)) = (tag, v) {
                    nanos = n as i64;
                }
            }
            Ok(Value::String(format_duration(nanos)))
        }
        Special::Quantity => {
            let mut s = String::new();
            let mut r = Reader::new(data);
            while let Some((tag, v)) = r.next_field()? {
                if let (1, WireValue::Bytes(b)) = (tag, v) {
                    s = String::from_utf8_lossy(b).into_owned();
                }
            }
            Ok(Value::String(if s.is_empty() { "0".to_string() } else { s }))
        }
        Special::IntOrString => {
            let (mut ty, mut int_val, mut str_val) = (0i64, 0i32, String::new());
            let mut r = Reader::new(data);
            while let Some((tag, v)) = r.next_field()? {
                match (tag, v) {
                    (1, WireValue::Varint(n)) => ty = n as i64,
                    (2, WireValue::Varint(n)) => int_val = n as i32,
                    (3, WireValue::Bytes(b)) => str_val = String::from_utf8_lossy(b).into_owned(),
                    _ => {}
                }
            }
            Ok(if ty == 1 { Value::String(str_val) } else { Value::from(int_val) })
        }
        Special::RawJson => {
            let mut raw: &[u8] = &[];
            let mut r = Reader::new(data);
            while let Some((tag, v)) = r.next_field()? {
                if let (1, WireValue::Bytes(b)) = (tag, v) {
                    raw = b;
                }
            }
            raw_to_json(raw, depth)
        }
        Special::StringArray => {
            let mut items = Vec::new();
            let mut r = Reader::new(data);
            while let Some((tag, v)) = r.next_field()? {
                if let (1, WireValue::Bytes(b)) = (tag, v) {
                    items.push(Value::String(String::from_utf8_lossy(b).into_owned()));
                }
            }
            Ok(Value::Array(items))
        }
        Special::PropsOrArray | Special::PropsOrBool | Special::PropsOrStringArray => {
            let fields = decode_fields(msg, data, depth)?;
            Ok(union_json(msg, fields))
        }
        Special::None => {
            let fields = decode_fields(msg, data, depth)?;
            let mut out = Map::new();
            for (field, acc) in msg.fields.iter().zip(fields) {
                match field_json(field, acc, depth)? {
                    // An embedded struct (no JSON name of its own, `json:",inline"`): its
                    // fields are the parent's.
                    Some(Value::Object(inner)) if field.json.is_empty() => out.extend(inner),
                    Some(_) if field.json.is_empty() => {}
                    Some(v) => {
                        out.insert(field.json.to_string(), v);
                    }
                    None => {}
                }
            }
            Ok(Value::Object(out))
        }
    }
}

/// The JSON of the apiextensions union types, as their Go `MarshalJSON` writes it.
fn union_json(msg: &Message, fields: Vec<Option<Acc>>) -> Value {
    let mut by_tag: BTreeMap<u32, Acc> = BTreeMap::new();
    for (f, acc) in msg.fields.iter().zip(fields) {
        if let Some(acc) = acc {
            by_tag.insert(f.tag, acc);
        }
    }
    let schema_tag = if msg.special == Special::PropsOrBool { 2 } else { 1 };
    let schema = match by_tag.remove(&schema_tag) {
        Some(Acc::Single(v)) => Some(v),
        _ => None,
    };
    match msg.special {
        Special::PropsOrBool => match schema {
            Some(s) => s,
            None => {
                let allows = matches!(by_tag.get(&1), Some(Acc::Single(Value::Bool(true))));
                Value::Bool(allows)
            }
        },
        _ => match by_tag.remove(&2) {
            Some(Acc::Repeated(items)) if !items.is_empty() => Value::Array(items),
            _ => schema.unwrap_or(Value::Null),
        },
    }
}

/// Embedded JSON, or a nested protobuf object when the bytes carry the envelope's magic.
pub(super) fn raw_to_json(raw: &[u8], depth: usize) -> Result<Value, ProtobufError> {
    if raw.is_empty() {
        return Ok(Value::Null);
    }
    if raw.starts_with(&super::MAGIC) {
        return super::decode_at_depth(raw, depth + 1);
    }
    serde_json::from_slice(raw).map_err(|e| ProtobufError::Malformed(format!("embedded JSON: {e}")))
}

fn decode_fields(
    msg: &Message,
    data: &[u8],
    depth: usize,
) -> Result<Vec<Option<Acc>>, ProtobufError> {
    let mut accs: Vec<Option<Acc>> = msg.fields.iter().map(|_| None).collect();
    let mut r = Reader::new(data);
    while let Some((tag, wv)) = r.next_field()? {
        // Unknown fields are skipped, as gogo's generated code does.
        let Some(pos) = msg.fields.iter().position(|f| f.tag == tag) else { continue };
        let field = &msg.fields[pos];
        match field.card {
            Card::Single => accs[pos] = Some(Acc::Single(scalar(field.ty, wv, depth, msg)?)),
            Card::Repeated => {
                let slot = accs[pos].get_or_insert_with(|| Acc::Repeated(Vec::new()));
                let Acc::Repeated(list) = slot else { continue };
                match (field.ty, wv) {
                    // Packed numbers: a run of varints in one length-delimited value.
                    (Ty::Int32 | Ty::Int64 | Ty::Bool, WireValue::Bytes(b)) => {
                        let mut pr = Reader::new(b);
                        while !pr.at_end() {
                            let n = pr.varint()?;
                            list.push(scalar(field.ty, WireValue::Varint(n), depth, msg)?);
                        }
                    }
                    (Ty::Double, WireValue::Bytes(b)) => {
                        for chunk in b.chunks(8) {
                            let mut a = [0u8; 8];
                            if chunk.len() != 8 {
                                return Err(ProtobufError::Malformed("unexpected EOF".into()));
                            }
                            a.copy_from_slice(chunk);
                            let v = WireValue::Fixed64(u64::from_le_bytes(a));
                            list.push(scalar(field.ty, v, depth, msg)?);
                        }
                    }
                    _ => list.push(scalar(field.ty, wv, depth, msg)?),
                }
            }
            Card::Map => {
                let WireValue::Bytes(entry) = wv else {
                    return Err(wrong_wire(msg, field));
                };
                let (mut key, mut value) = (String::new(), None);
                let mut er = Reader::new(entry);
                while let Some((etag, ev)) = er.next_field()? {
                    match (etag, ev) {
                        (1, WireValue::Bytes(b)) => key = String::from_utf8_lossy(b).into_owned(),
                        (2, v) => value = Some(scalar(field.ty, v, depth, msg)?),
                        _ => {}
                    }
                }
                let value = match value {
                    Some(v) => v,
                    None => zero_value(field.ty, depth)?,
                };
                let slot = accs[pos].get_or_insert_with(|| Acc::Map(BTreeMap::new()));
                if let Acc::Map(m) = slot {
                    m.insert(key, value);
                }
            }
        }
    }
    Ok(accs)
}

fn wrong_wire(msg: &Message, field: &Field) -> ProtobufError {
    ProtobufError::Malformed(format!("wrong wireType for field {} of {}", field.json, msg.name))
}

fn scalar(ty: Ty, wv: WireValue<'_>, depth: usize, msg: &Message) -> Result<Value, ProtobufError> {
    let bad = || ProtobufError::Malformed(format!("wrong wireType in {}", msg.name));
    Ok(match (ty, wv) {
        (Ty::String, WireValue::Bytes(b)) => Value::String(String::from_utf8_lossy(b).into_owned()),
        (Ty::Bytes, WireValue::Bytes(b)) => Value::String(base64_encode(b)),
        (Ty::Bool, WireValue::Varint(n)) => Value::Bool(n != 0),
        (Ty::Int32, WireValue::Varint(n)) => Value::from(n as i32),
        (Ty::Int64, WireValue::Varint(n)) => Value::from(n as i64),
        (Ty::Double, WireValue::Fixed64(n)) => Number::from_f64(f64::from_bits(n))
            .map(Value::Number)
            .ok_or_else(|| ProtobufError::Malformed("non-finite double".into()))?,
        (Ty::Message(idx), WireValue::Bytes(b)) => decode_message(idx, b, depth + 1)?,
        _ => return Err(bad()),
    })
}

/// A Go zero value's JSON: what a non-pointer field absent from the wire marshals to.
fn zero_value(ty: Ty, depth: usize) -> Result<Value, ProtobufError> {
    Ok(match ty {
        Ty::String => Value::String(String::new()),
        Ty::Bytes => Value::Null,
        Ty::Bool => Value::Bool(false),
        Ty::Int32 | Ty::Int64 => Value::from(0),
        Ty::Double => Value::from(0.0),
        Ty::Message(idx) => match message(idx)?.special {
            // A nil Go slice.
            Special::StringArray => Value::Null,
            _ => decode_message(idx, &[], depth + 1)?,
        },
    })
}

fn is_zero_scalar(v: &Value) -> bool {
    match v {
        Value::String(s) => s.is_empty(),
        Value::Bool(b) => !b,
        Value::Number(n) => n.as_f64() == Some(0.0),
        Value::Null => true,
        Value::Array(a) => a.is_empty(),
        Value::Object(_) => false,
    }
}

/// Applies Go's JSON rules to one field: `omitempty` drops zero scalars of non-pointer fields
/// (pointers on the wire were set, so they stay); structs are never omitted; absent non-pointer
/// fields marshal their zero value. Absent lists and maps are left out.
fn field_json(
    field: &Field,
    acc: Option<Acc>,
    depth: usize,
) -> Result<Option<Value>, ProtobufError> {
    let omitempty = field.flags & OMITEMPTY != 0;
    let pointer = field.flags & POINTER != 0;
    let struct_like = match field.ty {
        Ty::Message(idx) => message(idx)?.special != Special::StringArray,
        _ => false,
    };
    Ok(match acc {
        Some(Acc::Single(v)) => {
            if omitempty && !pointer && !struct_like && is_zero_scalar(&v) {
                None
            } else {
                Some(v)
            }
        }
        Some(Acc::Repeated(list)) => Some(Value::Array(list)),
        Some(Acc::Map(m)) => Some(Value::Object(m.into_iter().collect())),
        None => {
            if pointer || field.card != Card::Single {
                None
            } else if struct_like {
                Some(zero_value(field.ty, depth)?)
            } else if omitempty {
                None
            } else {
                Some(zero_value(field.ty, depth)?)
            }
        }
    })
}
