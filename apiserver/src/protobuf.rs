//! The Kubernetes protobuf wire format for built-in kinds, as the handlers use it (the codec
//! itself is `apimachinery::codec::protobuf`).

use apimachinery::codec::protobuf as pb;

/// Whether responses can be written in protobuf.
pub const ENCODE_SUPPORTED: bool = true;

/// Decodes a protobuf request body into JSON.
pub fn decode(data: &[u8]) -> Result<serde_json::Value, String> {
    pb::decode(data).map_err(|e| e.to_string())
}

/// Encodes an object (with its apiVersion and kind) as protobuf; custom resources and kinds
/// without a protobuf form fail, and the caller answers in JSON instead.
pub fn encode(obj: &serde_json::Value) -> Result<Vec<u8>, String> {
    pb::encode(obj).map_err(|e| e.to_string())
}
