//! The Kubernetes protobuf wire format of the built-in kinds
//! (`application/vnd.kubernetes.protobuf`, k8s.io/apimachinery `runtime/serializer/protobuf`):
//! the `k8s\0` magic and `runtime.Unknown` envelope around the object's message, converted to
//! and from the object's JSON form through a generated table of every built-in message.
//! Custom resources have no protobuf form.

mod decode;
mod encode;
mod generated;
mod table;
#[cfg(test)]
mod tests;
pub(crate) mod timefmt;
mod wire;

use serde_json::{Map, Value};

use wire::{Reader, WireValue, put_bytes};

/// The media type of the protobuf format.
pub const CONTENT_TYPE: &str = "application/vnd.kubernetes.protobuf";

/// The four bytes every protobuf-encoded object starts with.
pub const MAGIC: [u8; 4] = *b"k8s\x00";

/// Bounds recursion on hostile input (JSONSchemaProps nests legitimately, but not this deep).
const MAX_DEPTH: usize = 100;

/// Errors from protobuf encoding and decoding.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProtobufError {
    /// No bytes at all.
    #[error("empty data")]
    EmptyData,
    /// The data does not start with the magic prefix.
    #[error(
        "provided data does not appear to be a protobuf message, expected prefix [107 56 115 0]"
    )]
    NotProtobuf,
    /// The magic prefix and nothing after it.
    #[error("empty body")]
    EmptyBody,
    /// Bytes that are not a valid message of the expected type.
    #[error("{0}")]
    Malformed(String),
    /// The envelope names no kind.
    #[error("Object 'Kind' is missing in protobuf envelope")]
    MissingKind,
    /// A kind with no protobuf form: not built in (custom resources), or unknown. A server
    /// answers 415 for such a request body and 406 for such a response.
    #[error("no kind \"{kind}\" is registered for version \"{api_version}\"")]
    UnknownKind {
        /// The object's apiVersion.
        api_version: String,
        /// The object's kind.
        kind: String,
    },
    /// The envelope's raw bytes use a content encoding this codec does not read.
    #[error("unsupported content encoding {0:?}")]
    UnsupportedEncoding(String),
    /// The JSON does not fit the kind's message.
    #[error("unable to encode as protobuf: {0}")]
    Encode(String),
}

/// Kinds of meta.k8s.io/v1 that upstream registers in every group version (and `Status` and the
/// discovery documents as unversioned `v1`), so they are found under any apiVersion.
const META_KINDS: &[&str] = &[
    "Status",
    "WatchEvent",
    "DeleteOptions",
    "ListOptions",
    "GetOptions",
    "CreateOptions",
    "UpdateOptions",
    "PatchOptions",
    "APIVersions",
    "APIGroupList",
    "APIGroup",
    "APIResourceList",
];

fn lookup(api_version: &str, kind: &str) -> Option<u16> {
    let find = |av: &str| {
        generated::KINDS
            .binary_search_by(|(a, k, _)| (*a, *k).cmp(&(av, kind)))
            .ok()
            .map(|i| generated::KINDS[i].2)
    };
    find(api_version)
        .or_else(|| if META_KINDS.contains(&kind) { find("meta.k8s.io/v1") } else { None })
}

/// Whether `apiVersion`/`kind` is a built-in kind with a protobuf form.
pub fn is_protobuf_kind(api_version: &str, kind: &str) -> bool {
    lookup(api_version, kind).is_some()
}

/// Decodes a protobuf body (magic, `runtime.Unknown` envelope, message) into the object's JSON
/// form, with `kind` and `apiVersion` from the envelope.
pub fn decode(data: &[u8]) -> Result<Value, ProtobufError> {
    decode_at_depth(data, 0)
}

fn decode_at_depth(data: &[u8], depth: usize) -> Result<Value, ProtobufError> {
    if data.is_empty() {
        return Err(ProtobufError::EmptyData);
    }
    let Some(body) = data.strip_prefix(&MAGIC) else {
        return Err(ProtobufError::NotProtobuf);
    };
    if body.is_empty() {
        return Err(ProtobufError::EmptyBody);
    }
    let (mut api_version, mut kind) = (String::new(), String::new());
    let (mut raw, mut encoding): (&[u8], String) = (&[], String::new());
    let mut r = Reader::new(body);
    while let Some((tag, v)) = r.next_field()? {
        match (tag, v) {
            (1, WireValue::Bytes(tm)) => {
                let mut tr = Reader::new(tm);
                while let Some((t, tv)) = tr.next_field()? {
                    match (t, tv) {
                        (1, WireValue::Bytes(b)) => api_version = utf8(b),
                        (2, WireValue::Bytes(b)) => kind = utf8(b),
                        _ => {}
                    }
                }
            }
            (2, WireValue::Bytes(b)) => raw = b,
            (3, WireValue::Bytes(b)) => encoding = utf8(b),
            (4, WireValue::Bytes(_)) => {}
            (1..=4, _) => return Err(ProtobufError::Malformed("wrong wireType in Unknown".into())),
            _ => {}
        }
    }
    if !encoding.is_empty() {
        return Err(ProtobufError::UnsupportedEncoding(encoding));
    }
    if kind.is_empty() {
        return Err(ProtobufError::MissingKind);
    }
    let Some(idx) = lookup(&api_version, &kind) else {
        return Err(ProtobufError::UnknownKind { api_version, kind });
    };
    let fields = decode::decode_message(idx, raw, depth)?;
    // Go's JSON writes TypeMeta first: kind, then apiVersion.
    let mut out = Map::new();
    out.insert("kind".into(), Value::String(kind));
    if !api_version.is_empty() {
        out.insert("apiVersion".into(), Value::String(api_version));
    }
    if let Value::Object(fields) = fields {
        out.extend(fields);
    }
    Ok(Value::Object(out))
}

fn utf8(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn type_meta(obj: &Value) -> Result<(&str, &str), ProtobufError> {
    let Value::Object(o) = obj else {
        return Err(ProtobufError::Encode("the object is not a JSON object".into()));
    };
    let api_version = o.get("apiVersion").and_then(Value::as_str).unwrap_or_default();
    let kind = o.get("kind").and_then(Value::as_str).unwrap_or_default();
    if kind.is_empty() {
        return Err(ProtobufError::MissingKind);
    }
    Ok((api_version, kind))
}

/// Encodes an object's JSON form (which carries `apiVersion` and `kind`) as a protobuf body.
pub fn encode(obj: &Value) -> Result<Vec<u8>, ProtobufError> {
    let (api_version, kind) = type_meta(obj)?;
    let Some(idx) = lookup(api_version, kind) else {
        return Err(ProtobufError::UnknownKind {
            api_version: api_version.to_string(),
            kind: kind.to_string(),
        });
    };
    let mut raw = Vec::new();
    encode::encode_message(idx, obj, 0, &mut raw)?;
    Ok(envelope(api_version, kind, &raw))
}

/// A message's bytes `raw` in the `runtime.Unknown` envelope, after the magic.
fn envelope(api_version: &str, kind: &str, raw: &[u8]) -> Vec<u8> {
    let mut tm = Vec::new();
    put_bytes(&mut tm, 1, api_version.as_bytes());
    put_bytes(&mut tm, 2, kind.as_bytes());
    let mut out = Vec::with_capacity(raw.len() + tm.len() + 16);
    out.extend_from_slice(&MAGIC);
    put_bytes(&mut out, 1, &tm);
    put_bytes(&mut out, 2, raw);
    // Upstream writes the empty contentEncoding and contentType too.
    put_bytes(&mut out, 3, b"");
    put_bytes(&mut out, 4, b"");
    out
}

/// Writes a list's protobuf body one item at a time, so that the list is never held whole as
/// JSON: the bytes are those [`encode`] writes for the list with all its items.
pub struct ListEncoder {
    list: u16,
    item: u16,
    items_tag: u32,
    items: Vec<u8>,
}

impl ListEncoder {
    /// Starts a list of kind `kind`. Fails for kinds without a protobuf form, and for list
    /// messages whose `items` is not their last field in number order.
    pub fn new(api_version: &str, kind: &str) -> Result<ListEncoder, ProtobufError> {
        let Some(list) = lookup(api_version, kind) else {
            return Err(ProtobufError::UnknownKind {
                api_version: api_version.to_string(),
                kind: kind.to_string(),
            });
        };
        let msg = &generated::MESSAGES[usize::from(list)];
        let not_a_list = || ProtobufError::Encode(format!("{kind} is not a list"));
        let items = msg.fields.iter().find(|f| f.json == "items").ok_or_else(not_a_list)?;
        let table::Ty::Message(item) = items.ty else { return Err(not_a_list()) };
        if items.card != table::Card::Repeated || msg.fields.iter().any(|f| f.tag > items.tag) {
            return Err(not_a_list());
        }
        Ok(ListEncoder { list, item, items_tag: items.tag, items: Vec::new() })
    }

    /// Appends one item (in its JSON form; its apiVersion and kind are not written).
    pub fn push(&mut self, item: &Value) -> Result<(), ProtobufError> {
        let mut m = Vec::new();
        encode::encode_message(self.item, item, 1, &mut m)?;
        put_bytes(&mut self.items, self.items_tag, &m);
        Ok(())
    }

    /// The whole body of `list` (its apiVersion, kind, and every member but `items`, which is
    /// ignored) with the items pushed.
    pub fn finish(self, list: &Value) -> Result<Vec<u8>, ProtobufError> {
        let (api_version, kind) = type_meta(list)?;
        if lookup(api_version, kind) != Some(self.list) {
            return Err(ProtobufError::Encode(format!("{kind} is not the list started")));
        }
        let mut head = list.clone();
        if let Some(m) = head.as_object_mut() {
            m.shift_remove("items");
        }
        let mut raw = Vec::new();
        encode::encode_message(self.list, &head, 0, &mut raw)?;
        raw.extend_from_slice(&self.items);
        Ok(envelope(api_version, kind, &raw))
    }
}

/// Encodes one watch event as a frame of a protobuf watch stream: a 4-byte big-endian length,
/// then a bare `meta.v1.WatchEvent` message (no envelope) whose `object` holds the object's
/// full protobuf encoding (with envelope).
pub fn encode_watch_event(event_type: &str, object: &Value) -> Result<Vec<u8>, ProtobufError> {
    let inner = encode(object)?;
    let mut msg = Vec::with_capacity(inner.len() + event_type.len() + 16);
    put_bytes(&mut msg, 1, event_type.as_bytes());
    let mut raw_ext = Vec::with_capacity(inner.len() + 8);
    put_bytes(&mut raw_ext, 1, &inner);
    put_bytes(&mut msg, 2, &raw_ext);
    let len = u32::try_from(msg.len())
        .map_err(|_| ProtobufError::Encode("watch event larger than 4 GiB".into()))?;
    let mut out = Vec::with_capacity(msg.len() + 4);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&msg);
    Ok(out)
}

/// Decodes one watch event message (a frame's payload, without its length prefix) into its type
/// and object.
pub fn decode_watch_event(message: &[u8]) -> Result<(String, Value), ProtobufError> {
    let (mut event_type, mut raw): (String, &[u8]) = (String::new(), &[]);
    let mut r = Reader::new(message);
    while let Some((tag, v)) = r.next_field()? {
        match (tag, v) {
            (1, WireValue::Bytes(b)) => event_type = utf8(b),
            (2, WireValue::Bytes(ext)) => {
                let mut er = Reader::new(ext);
                while let Some((t, ev)) = er.next_field()? {
                    if let (1, WireValue::Bytes(b)) = (t, ev) {
                        raw = b;
                    }
                }
            }
            _ => {}
        }
    }
    Ok((event_type, decode::raw_to_json(raw, 0)?))
}
