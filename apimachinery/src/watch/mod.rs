//! Watch events (k8s.io/apimachinery `pkg/watch` and `metav1.WatchEvent`): the event types,
//! the `{"type":"ADDED","object":{...}}` wire form, and encoding/decoding of stream lines.

use std::fmt;
use std::str::FromStr;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// The type of a watch event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum EventType {
    /// An object was created (or is listed in the initial state).
    #[serde(rename = "ADDED")]
    Added,
    /// An object was changed.
    #[serde(rename = "MODIFIED")]
    Modified,
    /// An object was deleted; the object is its last state.
    #[serde(rename = "DELETED")]
    Deleted,
    /// A progress marker: only `metadata.resourceVersion` (and annotations) are meaningful.
    #[serde(rename = "BOOKMARK")]
    Bookmark,
    /// The watch failed; the object is a `Status`.
    #[serde(rename = "ERROR")]
    Error,
}

impl EventType {
    /// The wire string (`ADDED`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::Added => "ADDED",
            EventType::Modified => "MODIFIED",
            EventType::Deleted => "DELETED",
            EventType::Bookmark => "BOOKMARK",
            EventType::Error => "ERROR",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = WatchError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "ADDED" => Ok(EventType::Added),
            "MODIFIED" => Ok(EventType::Modified),
            "DELETED" => Ok(EventType::Deleted),
            "BOOKMARK" => Ok(EventType::Bookmark),
            "ERROR" => Ok(EventType::Error),
            other => Err(WatchError::InvalidType(other.to_string())),
        }
    }
}

/// Errors decoding a watch stream.
#[derive(Debug, thiserror::Error)]
pub enum WatchError {
    /// The event's `type` is not one of the known types (client-go's wording).
    #[error("got invalid watch event type: {0}")]
    InvalidType(String),
    /// The line is not a watch event, or its object does not decode.
    #[error("{0}")]
    Json(#[from] serde_json::Error),
}

/// `metav1.WatchEvent`: one event on the wire, generic over the object representation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchEvent<T = Value> {
    /// The event type.
    #[serde(rename = "type")]
    pub type_: EventType,
    /// The object (a `Status` for `ERROR` events).
    pub object: T,
}

impl<T> WatchEvent<T> {
    /// Builds an event.
    pub fn new(type_: EventType, object: T) -> Self {
        Self { type_, object }
    }
}

impl WatchEvent<Value> {
    /// An `ERROR` event carrying a Status.
    pub fn error(status: &Status) -> Result<Self, WatchError> {
        Ok(Self { type_: EventType::Error, object: serde_json::to_value(status)? })
    }

    /// The Status of an `ERROR` event; None for other event types.
    pub fn status(&self) -> Option<Result<Status, WatchError>> {
        (self.type_ == EventType::Error).then(|| Ok(Status::deserialize(&self.object)?))
    }

    /// Decodes the object into a typed event.
    pub fn into_event<T: DeserializeOwned>(self) -> Result<Event<T>, WatchError> {
        Ok(match self.type_ {
            EventType::Error => Event::Error(serde_json::from_value(self.object)?),
            EventType::Added => Event::Added(serde_json::from_value(self.object)?),
            EventType::Modified => Event::Modified(serde_json::from_value(self.object)?),
            EventType::Deleted => Event::Deleted(serde_json::from_value(self.object)?),
            EventType::Bookmark => Event::Bookmark(serde_json::from_value(self.object)?),
        })
    }
}

/// A decoded watch event, with `ERROR` events carrying their Status.
#[derive(Debug, Clone, PartialEq)]
#[allow(clippy::large_enum_variant)] // Objects are usually at least as large as a Status.
pub enum Event<T> {
    /// `ADDED`.
    Added(T),
    /// `MODIFIED`.
    Modified(T),
    /// `DELETED`.
    Deleted(T),
    /// `BOOKMARK`.
    Bookmark(T),
    /// `ERROR`.
    Error(Status),
}

impl<T> Event<T> {
    /// The event type.
    pub fn event_type(&self) -> EventType {
        match self {
            Event::Added(_) => EventType::Added,
            Event::Modified(_) => EventType::Modified,
            Event::Deleted(_) => EventType::Deleted,
            Event::Bookmark(_) => EventType::Bookmark,
            Event::Error(_) => EventType::Error,
        }
    }
}

impl<T: Serialize> Event<T> {
    /// The wire form of this event.
    pub fn to_watch_event(&self) -> Result<WatchEvent<Value>, WatchError> {
        let object = match self {
            Event::Added(o) | Event::Modified(o) | Event::Deleted(o) | Event::Bookmark(o) => {
                serde_json::to_value(o)?
            }
            Event::Error(s) => serde_json::to_value(s)?,
        };
        Ok(WatchEvent { type_: self.event_type(), object })
    }
}

#[derive(Deserialize)]
struct RawEvent {
    #[serde(rename = "type", default)]
    type_: String,
    #[serde(default)]
    object: Value,
}

/// Decodes one line (one JSON document) of a watch stream. An unknown `type` is rejected with
/// client-go's message.
pub fn decode_event_line(line: &str) -> Result<WatchEvent<Value>, WatchError> {
    let raw: RawEvent = serde_json::from_str(line.trim())?;
    Ok(WatchEvent { type_: raw.type_.parse()?, object: raw.object })
}

/// Decodes one line into a typed event.
pub fn decode_event<T: DeserializeOwned>(line: &str) -> Result<Event<T>, WatchError> {
    decode_event_line(line)?.into_event()
}

/// Encodes an event as one line of a JSON watch stream (compact JSON plus `\n`).
pub fn encode_event_line<T: Serialize>(event: &WatchEvent<T>) -> Result<String, WatchError> {
    let mut s = serde_json::to_string(event)?;
    s.push('\n');
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use k8s_openapi::api::core::v1::Pod;
    use serde_json::json;

    #[test]
    fn test_event_type_strings() {
        for (t, s) in [
            (EventType::Added, "ADDED"),
            (EventType::Modified, "MODIFIED"),
            (EventType::Deleted, "DELETED"),
            (EventType::Bookmark, "BOOKMARK"),
            (EventType::Error, "ERROR"),
        ] {
            assert_eq!(serde_json::to_value(t).unwrap(), json!(s));
            assert_eq!(s.parse::<EventType>().unwrap(), t);
            assert_eq!(t.to_string(), s);
        }
        assert_eq!(
            "added".parse::<EventType>().unwrap_err().to_string(),
            "got invalid watch event type: added"
        );
    }

    #[test]
    fn test_decode_event_line() {
        let e = decode_event_line(
            r#"{"type":"ADDED","object":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p"}}}"#,
        )
        .unwrap();
        assert_eq!(e.type_, EventType::Added);
        assert_eq!(e.object["metadata"]["name"], json!("p"));
        assert!(e.status().is_none());
        let err = decode_event_line(r#"{"type":"CHANGED","object":{}}"#).unwrap_err();
        assert_eq!(err.to_string(), "got invalid watch event type: CHANGED");
        assert_eq!(
            decode_event_line(r#"{"object":{}}"#).unwrap_err().to_string(),
            "got invalid watch event type: "
        );
        assert!(decode_event_line("not json").is_err());
    }

    #[test]
    fn test_error_event_carries_status() {
        let line = r#"{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}"#;
        let e = decode_event_line(line).unwrap();
        let status = e.status().unwrap().unwrap();
        assert_eq!(status.code, Some(410));
        assert_eq!(status.reason.as_deref(), Some("Expired"));
        match decode_event::<Pod>(line).unwrap() {
            Event::Error(s) => {
                assert_eq!(s.message.as_deref(), Some("too old resource version: 1 (5)"))
            }
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn test_encode_round_trip() {
        let mut pod = Pod::default();
        pod.metadata.name = Some("p".into());
        let ev = Event::Modified(pod.clone()).to_watch_event().unwrap();
        let line = encode_event_line(&ev).unwrap();
        assert!(line.starts_with(r#"{"type":"MODIFIED","object":{"#));
        assert!(line.ends_with("}\n"));
        assert_eq!(decode_event::<Pod>(&line).unwrap(), Event::Modified(pod));
        let bookmark = r#"{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"12","annotations":{"k8s.io/initial-events-end":"true"}}}}"#;
        match decode_event::<Pod>(bookmark).unwrap() {
            Event::Bookmark(p) => assert_eq!(p.metadata.resource_version.as_deref(), Some("12")),
            other => panic!("unexpected {other:?}"),
        }
        let st = Status { code: Some(500), ..Default::default() };
        let ev = WatchEvent::error(&st).unwrap();
        assert_eq!(ev.type_, EventType::Error);
        assert_eq!(ev.object["code"], json!(500));
    }
}
