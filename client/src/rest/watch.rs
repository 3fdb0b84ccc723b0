//! Decoding a JSON watch stream into [`WatchEvent`]s. Events are JSON objects written one after
//! another (the server ends each with a newline, but chunk boundaries fall anywhere), so bytes
//! are buffered until a whole object has arrived.

use std::collections::VecDeque;
use std::fmt;

use apimachinery::errors::StatusError;
use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use serde::de::{self, DeserializeOwned, Error as _, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::time::Instant;

use super::error::{BoxError, Error};
use crate::cache::WatchEvent;

/// The annotation a bookmark carries at the end of a streaming list's initial events.
pub const INITIAL_EVENTS_END_ANNOTATION: &str = "k8s.io/initial-events-end";

/// Splits a byte stream into complete JSON values, whatever the chunking.
#[derive(Debug, Default)]
pub(crate) struct FrameDecoder {
    buf: Vec<u8>,
}

impl FrameDecoder {
    /// Adds a chunk and returns every value completed by it. A malformed value is returned as
    /// an error and the buffer dropped, since nothing after it can be trusted.
    pub(crate) fn push(&mut self, chunk: &[u8]) -> Vec<Result<Value, serde_json::Error>> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut consumed = 0;
        let mut values = serde_json::Deserializer::from_slice(&self.buf).into_iter::<Value>();
        loop {
            match values.next() {
                None => {
                    consumed = values.byte_offset();
                    break;
                }
                Some(Ok(v)) => {
                    out.push(Ok(v));
                    consumed = values.byte_offset();
                }
                Some(Err(e)) if e.is_eof() => break,
                Some(Err(e)) => {
                    out.push(Err(e));
                    self.buf.clear();
                    return out;
                }
            }
        }
        self.buf.drain(..consumed);
        out
    }

    /// Like [`FrameDecoder::push`], but each completed frame is read as a [`RawFrame`] (its
    /// object left as JSON text, borrowed from the buffer) and handed to `decode`. The first
    /// malformed frame or failed `decode` is the last result, and the buffer is dropped.
    pub(crate) fn push_raw<R>(
        &mut self,
        chunk: &[u8],
        mut decode: impl FnMut(RawFrame<'_>) -> Result<R, Error>,
    ) -> Vec<Result<R, Error>> {
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        let mut consumed = 0;
        let mut frames = serde_json::Deserializer::from_slice(&self.buf).into_iter::<RawFrame>();
        loop {
            match frames.next() {
                None => {
                    consumed = frames.byte_offset();
                    break;
                }
                Some(Ok(frame)) => {
                    let event = decode(frame);
                    let failed = event.is_err();
                    out.push(event);
                    if failed {
                        self.buf.clear();
                        return out;
                    }
                    consumed = frames.byte_offset();
                }
                Some(Err(e)) if e.is_eof() => break,
                Some(Err(source)) => {
                    out.push(Err(Error::Decode { what: "a watch event".into(), source }));
                    self.buf.clear();
                    return out;
                }
            }
        }
        self.buf.drain(..consumed);
        out
    }

    /// Whether a partial value is buffered.
    pub(crate) fn has_partial(&self) -> bool {
        self.buf.iter().any(|b| !b.is_ascii_whitespace())
    }
}

/// One frame of a watch stream with its object left undecoded: what [`FrameDecoder::push_raw`]
/// reads. Any JSON value is a frame; one that is not an object (or lacks a string `type`) has
/// the empty type, which [`decode_control_event`] refuses as the typed decoding does.
#[derive(Debug, Default)]
pub(crate) struct RawFrame<'a> {
    /// `type`, or empty when absent or not a string.
    pub(crate) kind: String,
    /// `object`, when present.
    pub(crate) object: Option<&'a RawValue>,
}

/// The keys of a frame that matter, read without allocating.
enum FrameField {
    Type,
    Object,
    Other,
}

impl<'de> Deserialize<'de> for FrameField {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FieldVisitor;
        impl Visitor<'_> for FieldVisitor {
            type Value = FrameField;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("field identifier")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<FrameField, E> {
                Ok(match v {
                    "type" => FrameField::Type,
                    "object" => FrameField::Object,
                    _ => FrameField::Other,
                })
            }
        }
        deserializer.deserialize_identifier(FieldVisitor)
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for RawFrame<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct FrameVisitor;
        impl<'de> Visitor<'de> for FrameVisitor {
            type Value = RawFrame<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a watch event")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawFrame<'de>, A::Error> {
                let mut frame = RawFrame::default();
                while let Some(field) = map.next_key::<FrameField>()? {
                    match field {
                        // A later key wins, as when the frame is read into a map.
                        FrameField::Type => {
                            let kind: &RawValue = map.next_value()?;
                            frame.kind =
                                serde_json::from_str::<String>(kind.get()).unwrap_or_default();
                        }
                        FrameField::Object => {
                            let object: &RawValue = map.next_value()?;
                            frame.object = Some(object);
                        }
                        FrameField::Other => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                Ok(frame)
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RawFrame<'de>, A::Error> {
                while seq.next_element::<IgnoredAny>()?.is_some() {}
                Ok(RawFrame::default())
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<RawFrame<'de>, E> {
                Ok(RawFrame::default())
            }
            fn visit_i64<E: de::Error>(self, _: i64) -> Result<RawFrame<'de>, E> {
                Ok(RawFrame::default())
            }
            fn visit_u64<E: de::Error>(self, _: u64) -> Result<RawFrame<'de>, E> {
                Ok(RawFrame::default())
            }
            fn visit_f64<E: de::Error>(self, _: f64) -> Result<RawFrame<'de>, E> {
                Ok(RawFrame::default())
            }
            fn visit_str<E: de::Error>(self, _: &str) -> Result<RawFrame<'de>, E> {
                Ok(RawFrame::default())
            }
            fn visit_unit<E: de::Error>(self) -> Result<RawFrame<'de>, E> {
                Ok(RawFrame::default())
            }
        }
        deserializer.deserialize_any(FrameVisitor)
    }
}

fn invalid(message: String) -> Error {
    Error::Decode { what: "a watch event".into(), source: serde_json::Error::custom(message) }
}

/// Turns one decoded `{"type": ..., "object": ...}` frame into an event.
pub(crate) fn decode_event<T: DeserializeOwned>(mut frame: Value) -> Result<WatchEvent<T>, Error> {
    let kind = frame.get("type").and_then(Value::as_str).unwrap_or("").to_string();
    let object = frame.get_mut("object").map(Value::take).unwrap_or(Value::Null);
    let typed = |object: Value| {
        serde_json::from_value::<T>(object)
            .map_err(|source| Error::Decode { what: format!("a {kind} watch event"), source })
    };
    match kind.as_str() {
        "ADDED" => Ok(WatchEvent::Added(typed(object)?)),
        "MODIFIED" => Ok(WatchEvent::Modified(typed(object)?)),
        "DELETED" => Ok(WatchEvent::Deleted(typed(object)?)),
        other => decode_control_event(other, object),
    }
}

/// The events that carry no object of the watched kind: `BOOKMARK` and `ERROR`; any other
/// type but `ADDED`, `MODIFIED` and `DELETED` is refused.
pub(crate) fn decode_control_event<T>(kind: &str, object: Value) -> Result<WatchEvent<T>, Error> {
    match kind {
        "BOOKMARK" => {
            let meta = object.get("metadata");
            let resource_version = meta
                .and_then(|m| m.get("resourceVersion"))
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_string();
            let initial_events_end = meta
                .and_then(|m| m.pointer("/annotations/k8s.io~1initial-events-end"))
                .and_then(Value::as_str)
                == Some("true");
            Ok(WatchEvent::Bookmark { resource_version, initial_events_end })
        }
        "ERROR" => {
            let status = match StatusError::from_value(object) {
                Ok(s) => s.into_status(),
                Err(e) => serde_json::from_value::<Status>(e.0).map_err(|source| {
                    Error::Decode { what: "an ERROR watch event".into(), source }
                })?,
            };
            Ok(WatchEvent::Error(Box::new(status)))
        }
        other => Err(invalid(format!("got invalid watch event type: {other}"))),
    }
}

/// Turns a chunk of a watch body into the events it completes; stops at the first error.
pub(crate) type FramesFn<T> = fn(&mut FrameDecoder, &[u8]) -> Vec<Result<WatchEvent<T>, Error>>;

/// [`FramesFn`] of typed objects: each frame is read as JSON, then decoded.
fn typed_frames<T: DeserializeOwned>(
    decoder: &mut FrameDecoder,
    chunk: &[u8],
) -> Vec<Result<WatchEvent<T>, Error>> {
    let mut out = Vec::new();
    for value in decoder.push(chunk) {
        let event = value
            .map_err(|source| Error::Decode { what: "a watch event".into(), source })
            .and_then(decode_event::<T>);
        let failed = event.is_err();
        out.push(event);
        if failed {
            break;
        }
    }
    out
}

/// The events of one watch, read as they arrive. `next` returns `None` once the server ends
/// the stream (or the watch's `timeoutSeconds` passes); a reflector then watches again from
/// the last resourceVersion it saw.
pub struct EventStream<T> {
    body: BoxBody<Bytes, BoxError>,
    decoder: FrameDecoder,
    frames: FramesFn<T>,
    pending: VecDeque<Result<WatchEvent<T>, Error>>,
    deadline: Option<Instant>,
    done: bool,
    url: String,
}

impl<T> std::fmt::Debug for EventStream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EventStream")
            .field("pending", &self.pending.len())
            .field("done", &self.done)
            .finish_non_exhaustive()
    }
}

impl<T: DeserializeOwned> EventStream<T> {
    pub(crate) fn new(body: hyper::body::Incoming, url: String) -> Self {
        let mut s = Self::from_body(body.map_err(|e| Box::new(e) as BoxError).boxed());
        s.url = url;
        s
    }

    pub(crate) fn from_body(body: BoxBody<Bytes, BoxError>) -> Self {
        EventStream {
            body,
            decoder: FrameDecoder::default(),
            frames: typed_frames::<T>,
            pending: VecDeque::new(),
            deadline: None,
            done: false,
            url: String::new(),
        }
    }

    /// Ends the stream at `deadline` even if the server has not (client-go bounds a watch
    /// by its `timeoutSeconds` the same way).
    pub(crate) fn with_deadline(mut self, deadline: Option<Instant>) -> Self {
        self.deadline = deadline;
        self
    }
}

impl<T> EventStream<T> {
    /// The same stream with its frames decoded by `frames` into events of `U`; for a stream
    /// nothing has been read from yet.
    pub(crate) fn with_frames<U>(self, frames: FramesFn<U>) -> EventStream<U> {
        EventStream {
            body: self.body,
            decoder: self.decoder,
            frames,
            pending: VecDeque::new(),
            deadline: self.deadline,
            done: self.done,
            url: self.url,
        }
    }

    /// The next event; `None` at the end of the stream. A malformed event or a broken
    /// connection yields one error, then the end.
    pub async fn next(&mut self) -> Option<Result<WatchEvent<T>, Error>> {
        loop {
            if let Some(e) = self.pending.pop_front() {
                return Some(e);
            }
            if self.done {
                return None;
            }
            let frame = match self.deadline {
                Some(deadline) => {
                    match tokio::time::timeout_at(deadline, self.body.frame()).await {
                        Ok(f) => f,
                        Err(_) => {
                            self.done = true;
                            return None;
                        }
                    }
                }
                None => self.body.frame().await,
            };
            match frame {
                None => {
                    self.done = true;
                    if self.decoder.has_partial() {
                        return Some(Err(invalid(
                            "the watch stream ended inside an event".to_string(),
                        )));
                    }
                }
                Some(Err(e)) => {
                    self.done = true;
                    // A dropped connection ends a watch quietly, as a server-side close does.
                    if super::client::is_connection_lost(e.as_ref()) {
                        return None;
                    }
                    return Some(Err(Error::Transport {
                        op: "Get".into(),
                        url: self.url.clone(),
                        source: e,
                    }));
                }
                Some(Ok(frame)) => {
                    let Ok(data) = frame.into_data() else { continue };
                    for event in (self.frames)(&mut self.decoder, &data) {
                        let failed = event.is_err();
                        self.pending.push_back(event);
                        if failed {
                            self.done = true;
                            break;
                        }
                    }
                }
            }
        }
    }
}
