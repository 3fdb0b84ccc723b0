//! Serialization of API objects (k8s.io/apimachinery `runtime/serializer` and `util/yaml`):
//! JSON and YAML encoding and decoding of typed and unstructured objects, strict decoding with
//! unknown/duplicate field reports, multi-document streams, the meta.k8s.io types the server
//! renders (Table, PartialObjectMetadata), and media-type negotiation.

pub mod checked;
pub mod media;
pub mod meta;
pub mod protobuf;
pub mod scan;
pub mod strict;
#[cfg(test)]
mod tests;
pub mod tracked;
pub mod yaml;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::unstructured::Unstructured;

pub use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
pub use media::{
    AcceptClause, DefaultEndpointRestrictions, EndpointRestrictions, MediaType, MediaTypeError,
    MediaTypeOptions, NegotiationError, ResourceEndpointRestrictions, ResponseTarget,
    SerializerInfo, negotiate_input_serializer, negotiate_media_type_options,
    negotiate_output_media_type, negotiate_output_media_type_stream, parse_accept,
    parse_media_type, standard_serializers,
};
pub use meta::{
    PartialObjectMetadata, PartialObjectMetadataList, Table, TableColumnDefinition, TableOptions,
    TableRow, TableRowCondition,
};
pub use strict::{RawNode, StrictDecodingError, TypeSchema, schema_for};
pub use tracked::{Seen, decode_json_tracked};
pub use yaml::{split_yaml_documents, to_yaml, to_yaml_preserve_order, yaml_to_json};

/// Errors from encoding and decoding.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// Malformed JSON, or JSON that does not fit the target type.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
    /// Malformed YAML.
    #[error("{0}")]
    Yaml(String),
    /// The object has no `kind` (upstream's wording).
    #[error("Object 'Kind' is missing in '{0}'")]
    MissingKind(String),
    /// The document is not a JSON object.
    #[error("unable to decode {0} into an object")]
    NotAnObject(String),
}

/// A wire format for request and response bodies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `application/json`.
    Json,
    /// `application/yaml`.
    Yaml,
}

impl Format {
    /// The format for a media type (`application/json`, `application/yaml`, and the patch
    /// types, which are JSON or YAML); None for others such as protobuf.
    pub fn for_media_type(media_type: &str) -> Option<Format> {
        let essence = parse_media_type(media_type).ok()?.essence();
        match essence.as_str() {
            "application/json"
            | "application/json-patch+json"
            | "application/merge-patch+json"
            | "application/strategic-merge-patch+json" => Some(Format::Json),
            "application/yaml" | "application/apply-patch+yaml" => Some(Format::Yaml),
            _ => None,
        }
    }
}

/// Parses a document of either format into a JSON value. YAML is converted like
/// `yaml.YAMLToJSON` (an empty document is `null`).
pub fn decode_value(data: &[u8], format: Format) -> Result<Value, CodecError> {
    match format {
        Format::Json => Ok(serde_json::from_slice(data)?),
        Format::Yaml => {
            yaml_to_json(std::str::from_utf8(data).map_err(|e| CodecError::Yaml(e.to_string()))?)
        }
    }
}

/// Decodes a typed object (unknown fields are ignored, the last of duplicate fields wins).
pub fn decode<T: DeserializeOwned>(data: &[u8], format: Format) -> Result<T, CodecError> {
    match format {
        Format::Json => Ok(serde_json::from_slice(data)?),
        Format::Yaml => Ok(serde_json::from_value(decode_value(data, format)?)?),
    }
}

/// Decodes an unstructured object; it must be a JSON object with a `kind`.
pub fn decode_unstructured(data: &[u8], format: Format) -> Result<Unstructured, CodecError> {
    let v = decode_value(data, format)?;
    into_unstructured(v, data)
}

fn into_unstructured(v: Value, data: &[u8]) -> Result<Unstructured, CodecError> {
    let Value::Object(object) = v else {
        return Err(CodecError::NotAnObject(String::from_utf8_lossy(data).into_owned()));
    };
    let u = Unstructured { object };
    if u.kind().is_empty() {
        return Err(CodecError::MissingKind(String::from_utf8_lossy(data).into_owned()));
    }
    Ok(u)
}

fn parse_raw(data: &[u8], format: Format) -> Result<(RawNode, Vec<String>), CodecError> {
    match format {
        Format::Json => Ok((serde_json::from_slice::<RawNode>(data)?, Vec::new())),
        Format::Yaml => {
            let text = std::str::from_utf8(data).map_err(|e| CodecError::Yaml(e.to_string()))?;
            let (v, dups) = yaml::yaml_document_to_json(text)?;
            let mut pre = Vec::new();
            if !dups.is_empty() {
                pre.push(format!("yaml: unmarshal errors:\n  {}", dups.join("\n  ")));
            }
            Ok((RawNode::from_value(&v.unwrap_or(Value::Null)), pre))
        }
    }
}

fn finish_strict(mut pre: Vec<String>, more: Vec<String>) -> Option<StrictDecodingError> {
    pre.extend(more);
    (!pre.is_empty()).then_some(StrictDecodingError { errors: pre })
}

/// Decodes a typed object and reports strict problems (unknown fields found through `T`'s JSON
/// Schema, duplicate fields) the way the apiserver's strict serializer does. The object is
/// returned along with them so fieldValidation=Warn can proceed; Strict rejects on `Some`.
pub fn decode_strict<T>(
    data: &[u8],
    format: Format,
) -> Result<(T, Option<StrictDecodingError>), CodecError>
where
    T: DeserializeOwned + schemars::JsonSchema + 'static,
{
    let (raw, pre) = parse_raw(data, format)?;
    let obj: T = serde_json::from_value(raw.to_value())?;
    let schema = schema_for::<T>();
    Ok((obj, finish_strict(pre, strict::strict_errors(&raw, Some(&schema)))))
}

/// Strict problems of a document for a typed target, without decoding it.
pub fn strict_check<T: schemars::JsonSchema + 'static>(
    data: &[u8],
    format: Format,
) -> Result<Option<StrictDecodingError>, CodecError> {
    let (raw, pre) = parse_raw(data, format)?;
    Ok(finish_strict(pre, strict::strict_errors(&raw, Some(&schema_for::<T>()))))
}

/// Decodes an unstructured object strictly: only duplicate fields can be reported, since
/// there is no schema.
pub fn decode_unstructured_strict(
    data: &[u8],
    format: Format,
) -> Result<(Unstructured, Option<StrictDecodingError>), CodecError> {
    let (raw, pre) = parse_raw(data, format)?;
    let u = into_unstructured(raw.to_value(), data)?;
    Ok((u, finish_strict(pre, strict::strict_errors(&raw, None))))
}

/// Encodes compact JSON (what the apiserver writes, without a trailing newline).
pub fn encode_json<T: Serialize + ?Sized>(obj: &T) -> Result<String, CodecError> {
    Ok(serde_json::to_string(obj)?)
}

/// Encodes indented JSON (`pretty=1`, `kubectl -o json`): two-space indent plus a newline.
pub fn encode_json_pretty<T: Serialize + ?Sized>(obj: &T) -> Result<String, CodecError> {
    let mut s = serde_json::to_string_pretty(obj)?;
    s.push('\n');
    Ok(s)
}

/// Encodes YAML as `kubectl get -o yaml` prints it.
pub fn encode_yaml<T: Serialize + ?Sized>(obj: &T) -> Result<String, CodecError> {
    Ok(to_yaml(&serde_json::to_value(obj)?))
}

/// True when the data looks like JSON (first non-space byte is `{`), as upstream guesses.
pub fn is_json_buffer(data: &[u8]) -> bool {
    data.iter().find(|b| !b.is_ascii_whitespace()).is_some_and(|b| *b == b'{')
}

/// Splits a stream of JSON or YAML documents into values like upstream's `YAMLOrJSONDecoder`:
/// a stream starting with `{` is read as concatenated JSON objects and falls back to YAML after
/// the first object; otherwise it is split on `---` lines. Empty documents are dropped.
pub fn decode_documents(data: &[u8]) -> Result<Vec<Value>, CodecError> {
    let text = std::str::from_utf8(data).map_err(|e| CodecError::Yaml(e.to_string()))?;
    let mut out = Vec::new();
    let mut yaml_from = 0;
    let mut json_err: Option<CodecError> = None;
    if is_json_buffer(data) {
        let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
        let mut consumed = 0;
        loop {
            match stream.next() {
                None => return Ok(out),
                Some(Ok(v)) => {
                    out.push(v);
                    consumed = stream.byte_offset();
                }
                Some(Err(e)) => {
                    if out.len() > 1 {
                        return Err(e.into());
                    }
                    json_err = Some(CodecError::Json(e));
                    break;
                }
            }
        }
        // Rewind to after the last object and skip the rest of its line, then read YAML.
        let rest = text.get(consumed..).unwrap_or("");
        let mut skip = 0;
        for (i, c) in rest.char_indices() {
            if !c.is_whitespace() {
                break;
            }
            skip = i + c.len_utf8();
            if c == '\n' {
                break;
            }
        }
        yaml_from = consumed + skip;
    }
    let rest = text.get(yaml_from..).unwrap_or("");
    let docs = match split_yaml_documents(rest) {
        Ok(d) => d,
        Err(e) => return Err(json_err.unwrap_or(e)),
    };
    for doc in docs {
        match yaml::yaml_document_to_json(&doc) {
            Ok((Some(v), _)) if !v.is_null() => out.push(v),
            Ok(_) => {}
            Err(e) => return Err(json_err.unwrap_or(e)),
        }
    }
    Ok(out)
}

/// Decodes a stream of objects (as `kubectl apply -f` reads files): each document must be an
/// object with a `kind`, and lists (`kind: List` or any `*List` with `items`) are flattened into
/// their items, recursively.
pub fn decode_objects(data: &[u8]) -> Result<Vec<Unstructured>, CodecError> {
    let mut out = Vec::new();
    for v in decode_documents(data)? {
        let raw = serde_json::to_vec(&v)?;
        let u = into_unstructured(v, &raw)?;
        flatten_into(u, &mut out)?;
    }
    Ok(out)
}

fn flatten_into(u: Unstructured, out: &mut Vec<Unstructured>) -> Result<(), CodecError> {
    let is_list = u.kind().ends_with("List") && u.is_list();
    if !is_list {
        out.push(u);
        return Ok(());
    }
    let list = u.to_list().map_err(CodecError::Yaml)?;
    for item in list.items {
        if item.kind().is_empty() {
            let raw = serde_json::to_string(&item.object)?;
            return Err(CodecError::MissingKind(raw));
        }
        flatten_into(item, out)?;
    }
    Ok(())
}
