//! Building responses: JSON and text bodies, `Status` errors with upstream's shape.

use apimachinery::errors::StatusError;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::{BodyExt, Empty, Full};
use serde_json::{Map, Value, json};

use super::Body;

/// A complete body.
pub fn full(bytes: impl Into<Bytes>) -> Body {
    Full::new(bytes.into()).boxed()
}

/// An empty body.
pub fn empty() -> Body {
    Empty::new().boxed()
}

/// A response with a body and content type.
pub fn bytes(
    code: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
    etag: Option<String>,
) -> Response<Body> {
    let mut r = Response::new(full(body));
    *r.status_mut() = code;
    if let Ok(v) = HeaderValue::from_str(content_type) {
        r.headers_mut().insert(header::CONTENT_TYPE, v);
    }
    if let Some(etag) = etag
        && let Ok(v) = HeaderValue::from_str(&etag)
    {
        r.headers_mut().insert(header::ETAG, v);
    }
    r
}

/// A JSON response.
pub fn json(code: StatusCode, value: &Value) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    bytes(code, "application/json", body, None)
}

/// A 200 JSON response with a specific content type (aggregated discovery).
pub fn json_with_type(value: &Value, content_type: &str) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    bytes(StatusCode::OK, content_type, body, None)
}

/// A plain-text response.
pub fn text(code: StatusCode, text: &str) -> Response<Body> {
    let mut r = bytes(code, "text/plain; charset=utf-8", text.to_string(), None);
    r.headers_mut().insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    r
}

/// The `Status` object of an error, fields in upstream's order.
pub fn status_json(err: &StatusError) -> Value {
    let status = serde_json::to_value(err.status()).unwrap_or_else(|_| json!({}));
    let mut out = Map::new();
    out.insert("kind".into(), json!("Status"));
    out.insert("apiVersion".into(), json!("v1"));
    out.insert("metadata".into(), status.get("metadata").cloned().unwrap_or_else(|| json!({})));
    for field in ["status", "message", "reason", "details", "code"] {
        if let Some(v) = status.get(field) {
            out.insert(field.into(), v.clone());
        }
    }
    Value::Object(out)
}

/// An error response: its code and its `Status` body.
pub fn status_response(err: &StatusError) -> Response<Body> {
    let code = u16::try_from(err.code())
        .ok()
        .and_then(|c| StatusCode::from_u16(c).ok())
        .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let mut r = json(code, &status_json(err));
    if let Some(secs) = err.status().details.as_ref().and_then(|d| d.retry_after_seconds)
        && let Ok(v) = HeaderValue::from_str(&secs.to_string())
    {
        r.headers_mut().insert(header::RETRY_AFTER, v);
    }
    r
}
