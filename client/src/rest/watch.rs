//! Decoding a JSON watch stream into [`WatchEvent`]s. Events are JSON objects written one after
//! another (the server ends each with a newline, but chunk boundaries fall anywhere), so bytes
//! are buffered until a whole object has arrived.

use std::collections::VecDeque;

use apimachinery::errors::StatusError;
use bytes::Bytes;
use http_body_util::BodyExt;
use http_body_util::combinators::BoxBody;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;
use serde::de::{DeserializeOwned, Error as _};
use serde_json::Value;
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

    /// Whether a partial value is buffered.
    pub(crate) fn has_partial(&self) -> bool {
        self.buf.iter().any(|b| !b.is_ascii_whitespace())
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

/// The events of one watch, read as they arrive. `next` returns `None` once the server ends
/// the stream (or the watch's `timeoutSeconds` passes); a reflector then watches again from
/// the last resourceVersion it saw.
pub struct EventStream<T> {
    body: BoxBody<Bytes, BoxError>,
    decoder: FrameDecoder,
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
                    for value in self.decoder.push(&data) {
                        let event = value
                            .map_err(|source| Error::Decode {
                                what: "a watch event".into(),
                                source,
                            })
                            .and_then(decode_event::<T>);
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
