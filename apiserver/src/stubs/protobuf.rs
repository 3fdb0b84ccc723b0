//! The Kubernetes protobuf wire format (not yet available: requests in it are refused).

/// Whether responses can be written in protobuf.
pub const ENCODE_SUPPORTED: bool = false;

/// Decodes a protobuf request body into JSON.
pub fn decode(_data: &[u8]) -> Result<serde_json::Value, String> {
    Err("the protobuf encoding is not supported yet".into())
}

/// Encodes an object as protobuf.
pub fn encode(_obj: &serde_json::Value) -> Result<Vec<u8>, String> {
    Err("the protobuf encoding is not supported yet".into())
}
