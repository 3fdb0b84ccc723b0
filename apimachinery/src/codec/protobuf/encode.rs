//! An object's JSON form to protobuf wire bytes, as gogo's generated marshalling of the Go
//! struct decoded from that JSON writes them: fields in number order, non-pointer fields always
//! (zero or not), pointer fields only when set, map entries sorted by key.

use serde_json::Value;

use super::generated::MESSAGES;
use super::table::{Card, Field, Message, POINTER, Special, Ty};
use super::timefmt::{GO_ZERO_UNIX, base64_decode, parse_duration, parse_rfc3339};
use super::wire::{FIXED64, put_bytes, put_key, put_varint, put_varint_field};
use super::{MAX_DEPTH, ProtobufError};

fn message(idx: u16) -> Result<&'static Message, ProtobufError> {
    MESSAGES.get(usize::from(idx)).ok_or_else(|| ProtobufError::Encode(format!("no message {idx}")))
}

fn type_error(msg: &Message, what: &str, v: &Value) -> ProtobufError {
    let short = msg.name.rsplit('.').next().unwrap_or(msg.name);
    ProtobufError::Encode(format!("{short}: expected {what}, got {v}"))
}

/// Encodes `v` as message `idx`; `null` encodes the Go zero value.
pub(super) fn encode_message(
    idx: u16,
    v: &Value,
    depth: usize,
    out: &mut Vec<u8>,
) -> Result<(), ProtobufError> {
    if depth > MAX_DEPTH {
        return Err(ProtobufError::Encode("exceeded maximum nesting depth".into()));
    }
    let msg = message(idx)?;
    match msg.special {
        Special::Time | Special::MicroTime => {
            let (secs, nanos) = match v {
                Value::Null => return Ok(()),
                Value::String(s) => {
                    parse_rfc3339(s).ok_or_else(|| type_error(msg, "an RFC 3339 time", v))?
                }
                _ => return Err(type_error(msg, "an RFC 3339 time", v)),
            };
            if secs == GO_ZERO_UNIX && nanos == 0 {
                return Ok(());
            }
            // Time keeps seconds only on the wire; MicroTime keeps microseconds.
            let nanos = if msg.special == Special::Time { 0 } else { nanos / 1000 * 1000 };
            put_varint_field(out, 1, secs as u64);
            put_varint_field(out, 2, u64::from(nanos));
        }
        Special::Duration => {
            let nanos = match v {
                Value::Null => 0,
                Value::String(s) => {
                    parse_duration(s).ok_or_else(|| type_error(msg, "a duration", v))?
                }
                _ => return Err(type_error(msg, "a duration", v)),
            };
            put_varint_field(out, 1, nanos as u64);
        }
        Special::Quantity => {
            let s = match v {
                Value::Null => String::new(),
                Value::String(s) => s.clone(),
                Value::Number(n) => n.to_string(),
                _ => return Err(type_error(msg, "a quantity", v)),
            };
            put_bytes(out, 1, s.as_bytes());
        }
        Special::IntOrString => {
            let (ty, int_val, str_val) = match v {
                Value::Null => (0, 0, ""),
                Value::String(s) => (1, 0, s.as_str()),
                Value::Number(n) => {
                    let i = n
                        .as_i64()
                        .and_then(|i| i32::try_from(i).ok())
                        .ok_or_else(|| type_error(msg, "an int32 or a string", v))?;
                    (0, i, "")
                }
                _ => return Err(type_error(msg, "an int or a string", v)),
            };
            put_varint_field(out, 1, ty);
            put_varint_field(out, 2, int_val as i64 as u64);
            put_bytes(out, 3, str_val.as_bytes());
        }
        Special::RawJson => {
            if !v.is_null() {
                let raw =
                    serde_json::to_vec(v).map_err(|e| ProtobufError::Encode(e.to_string()))?;
                put_bytes(out, 1, &raw);
            }
        }
        Special::StringArray => match v {
            Value::Null => {}
            Value::Array(items) => {
                for item in items {
                    let Value::String(s) = item else {
                        return Err(type_error(msg, "a string", item));
                    };
                    put_bytes(out, 1, s.as_bytes());
                }
            }
            _ => return Err(type_error(msg, "an array of strings", v)),
        },
        Special::PropsOrArray | Special::PropsOrStringArray | Special::PropsOrBool => {
            encode_union(msg, v, depth, out)?;
        }
        Special::None => {
            let empty = serde_json::Map::new();
            let obj = match v {
                Value::Object(o) => o,
                Value::Null => &empty,
                _ => return Err(type_error(msg, "an object", v)),
            };
            let mut fields: Vec<&Field> = msg.fields.iter().collect();
            fields.sort_by_key(|f| f.tag);
            for field in fields {
                // An embedded struct (`json:",inline"`) reads its fields from the parent's.
                let value = if field.json.is_empty() { Some(v) } else { obj.get(field.json) };
                encode_field(msg, field, value, depth, out)?;
            }
        }
    }
    Ok(())
}

/// The apiextensions unions: an array or `bool` selects the other member, an object the schema.
fn encode_union(
    msg: &Message,
    v: &Value,
    depth: usize,
    out: &mut Vec<u8>,
) -> Result<(), ProtobufError> {
    let field = |tag: u32| msg.fields.iter().find(|f| f.tag == tag);
    let schema_tag = if msg.special == Special::PropsOrBool { 2 } else { 1 };
    match (msg.special, v) {
        (_, Value::Null) => {}
        (Special::PropsOrBool, Value::Bool(b)) => put_varint_field(out, 1, u64::from(*b)),
        (Special::PropsOrBool, Value::Object(_)) => {
            put_varint_field(out, 1, 1);
            if let Some(f) = field(schema_tag) {
                encode_field(msg, f, Some(v), depth, out)?;
            }
        }
        (_, Value::Array(_)) if msg.special != Special::PropsOrBool => {
            if let Some(f) = field(2) {
                encode_field(msg, f, Some(v), depth, out)?;
            }
        }
        (_, Value::Object(_)) => {
            if let Some(f) = field(schema_tag) {
                encode_field(msg, f, Some(v), depth, out)?;
            }
        }
        _ => return Err(type_error(msg, "a schema", v)),
    }
    Ok(())
}

fn encode_field(
    msg: &Message,
    field: &Field,
    v: Option<&Value>,
    depth: usize,
    out: &mut Vec<u8>,
) -> Result<(), ProtobufError> {
    let v = v.filter(|v| !v.is_null());
    match field.card {
        Card::Single => match v {
            Some(v) => encode_value(msg, field, field.tag, v, depth, out),
            // A nil Go slice (`Verbs`) or `[]byte` is not written; other non-pointer fields are.
            None if field.flags & POINTER == 0 && !is_slice(field.ty)? => {
                encode_value(msg, field, field.tag, &Value::Null, depth, out)
            }
            None => Ok(()),
        },
        Card::Repeated => match v {
            None => Ok(()),
            Some(Value::Array(items)) => {
                for item in items {
                    encode_value(msg, field, field.tag, item, depth, out)?;
                }
                Ok(())
            }
            Some(other) => Err(type_error(msg, &format!("an array for {}", field.json), other)),
        },
        Card::Map => match v {
            None => Ok(()),
            Some(Value::Object(entries)) => {
                let mut keys: Vec<&String> = entries.keys().collect();
                keys.sort();
                for key in keys {
                    let mut entry = Vec::new();
                    put_bytes(&mut entry, 1, key.as_bytes());
                    encode_value(msg, field, 2, &entries[key.as_str()], depth, &mut entry)?;
                    put_bytes(out, field.tag, &entry);
                }
                Ok(())
            }
            Some(other) => Err(type_error(msg, &format!("an object for {}", field.json), other)),
        },
    }
}

fn is_slice(ty: Ty) -> Result<bool, ProtobufError> {
    Ok(match ty {
        Ty::Bytes => true,
        Ty::Message(idx) => message(idx)?.special == Special::StringArray,
        _ => false,
    })
}

/// Writes one value under `tag`; `null` writes the zero value.
fn encode_value(
    msg: &Message,
    field: &Field,
    tag: u32,
    v: &Value,
    depth: usize,
    out: &mut Vec<u8>,
) -> Result<(), ProtobufError> {
    let what = |t: &str| format!("{t} for {}", field.json);
    match field.ty {
        Ty::String => match v {
            Value::Null => put_bytes(out, tag, b""),
            Value::String(s) => put_bytes(out, tag, s.as_bytes()),
            _ => return Err(type_error(msg, &what("a string"), v)),
        },
        Ty::Bytes => match v {
            Value::Null => {}
            Value::String(s) => {
                let b = base64_decode(s).ok_or_else(|| type_error(msg, &what("base64"), v))?;
                put_bytes(out, tag, &b);
            }
            _ => return Err(type_error(msg, &what("a base64 string"), v)),
        },
        Ty::Bool => match v {
            Value::Null => put_varint_field(out, tag, 0),
            Value::Bool(b) => put_varint_field(out, tag, u64::from(*b)),
            _ => return Err(type_error(msg, &what("a boolean"), v)),
        },
        Ty::Int32 | Ty::Int64 => {
            let n = match v {
                Value::Null => 0,
                Value::Number(n) => {
                    n.as_i64().ok_or_else(|| type_error(msg, &what("an integer"), v))?
                }
                _ => return Err(type_error(msg, &what("an integer"), v)),
            };
            if field.ty == Ty::Int32 && i32::try_from(n).is_err() {
                return Err(type_error(msg, &what("an int32"), v));
            }
            put_varint_field(out, tag, n as u64);
        }
        Ty::Double => {
            let x = match v {
                Value::Null => 0.0,
                Value::Number(n) => {
                    n.as_f64().ok_or_else(|| type_error(msg, &what("a number"), v))?
                }
                _ => return Err(type_error(msg, &what("a number"), v)),
            };
            put_key(out, tag, FIXED64);
            out.extend_from_slice(&x.to_bits().to_le_bytes());
        }
        Ty::Message(idx) => {
            let mut inner = Vec::new();
            encode_message(idx, v, depth + 1, &mut inner)?;
            put_key(out, tag, super::wire::LEN);
            put_varint(out, inner.len() as u64);
            out.extend_from_slice(&inner);
        }
    }
    Ok(())
}
