//! Watch responses: a chunked stream of `{"type": ..., "object": ...}` lines, with bookmarks,
//! the end-of-initial-events marker, timeouts, and an end when the server shuts down.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use apimachinery::codec::media::ResponseTarget;
use apimachinery::errors::StatusError;
use apimachinery::runtime::ResourceInfo;
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::Frame;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::resource::{Output, error_status, served, table};
use super::{ApiServer, Body, Ctx};
use crate::registry::{Store, StoreEvent, WatchParams};

/// A response body fed from a channel; the stream ends when the sender is dropped.
struct ChannelBody {
    rx: mpsc::Receiver<Bytes>,
}

/// The most bytes of queued events joined into one body frame.
const FRAME_BYTES: usize = 64 * 1024;

impl hyper::body::Body for ChannelBody {
    type Data = Bytes;
    type Error = Infallible;

    /// The next event line, joined with those already queued behind it (a watcher that fell
    /// behind catches up in a few large frames rather than one small frame per event).
    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        let first = match self.rx.poll_recv(cx) {
            Poll::Ready(Some(b)) => b,
            Poll::Ready(None) => return Poll::Ready(None),
            Poll::Pending => return Poll::Pending,
        };
        let mut queued = Vec::new();
        let mut len = first.len();
        while len < FRAME_BYTES {
            let Ok(next) = self.rx.try_recv() else { break };
            len += next.len();
            queued.push(next);
        }
        if queued.is_empty() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        // Sized exactly: a frame of a few small lines does not hold a large buffer while it
        // waits to be sent.
        let mut buf = bytes::BytesMut::with_capacity(len);
        buf.extend_from_slice(&first);
        for line in &queued {
            buf.extend_from_slice(line);
        }
        let frame = buf.freeze();
        Poll::Ready(Some(Ok(Frame::data(frame))))
    }
}

/// The watch timeout when the client gives none: upstream picks a random time between the
/// minimum request timeout (30 minutes) and twice that.
fn default_timeout() -> Duration {
    let jitter = u64::from(uuid::Uuid::new_v4().as_bytes()[0]) * 1800 / 255;
    Duration::from_secs(1800 + jitter)
}

fn bookmark_object(info: &ResourceInfo, revision: u64, end: bool) -> Value {
    let mut metadata = json!({"resourceVersion": revision.to_string(), "creationTimestamp": null});
    if end {
        metadata["annotations"] = json!({"k8s.io/initial-events-end": "true"});
    }
    json!({"kind": info.kind, "apiVersion": info.api_version(), "metadata": metadata})
}

/// Serves `?watch=true` and `/watch/` requests.
pub(super) async fn serve(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    out: &Output,
    store: &Arc<Store>,
    info: &ResourceInfo,
    namespace: &str,
) -> Result<Response<Body>, StatusError> {
    let mut params = WatchParams::from_query(&ctx.query)?;
    // Plain JSON objects are encoded once per storage event for every watcher of this
    // group/version and kind (watchers of other versions of the same storage differ).
    let memo_key = (matches!(out.target, ResponseTarget::Object) && !out.yaml)
        .then(|| format!("json:{}/{}", info.api_version(), info.kind));
    params.memo_key.clone_from(&memo_key);
    let predicate = crate::conversion::predicate(info, &params.list)?;
    let ns = (!namespace.is_empty()).then_some(namespace);
    // A watch of one object comes as a field selector on the name (or the legacy
    // /watch/<resource>/<name> path).
    let name = (!ctx.info.name.is_empty()).then_some(ctx.info.name.as_str());
    let mut events = store.watch(ns, name, &params, predicate).await?;
    let timeout = params.timeout_seconds.map(Duration::from_secs).unwrap_or_else(default_timeout);
    let (tx, rx) = mpsc::channel::<Bytes>(8);
    let mut shutdown = server.shutdown.clone();
    let labels = crate::metrics::request_labels(&ctx.info, ctx.method.as_str(), false, false);
    let metrics = Arc::clone(&server.metrics);
    let in_flight = metrics.long_running(labels.clone());
    let started = std::time::Instant::now();
    let sent = server.metrics.watch_events(&info.group, &info.resource);
    let info = info.clone();
    let out = out.clone();
    let yaml = out.yaml;
    tokio::spawn(async move {
        let _in_flight = in_flight;
        let deadline = tokio::time::sleep(timeout);
        tokio::pin!(deadline);
        let mut first_row = true;
        loop {
            let ev = tokio::select! {
                ev = events.recv() => ev,
                _ = &mut deadline => None,
                _ = shutdown.wait_for(|s| *s) => None,
            };
            let Some(ev) = ev else { break };
            let (kind, object, end) = match ev {
                StoreEvent::Encoded(line) => {
                    if tx.send(line).await.is_err() {
                        break;
                    }
                    sent.inc();
                    continue;
                }
                StoreEvent::Object { kind, object, memo: Some(memo) } if memo_key.is_some() => {
                    let key = memo_key.as_deref().unwrap_or_default();
                    let line = memo.get_or_make(key, || {
                        let event = json!({"type": kind, "object": served(object, &info)});
                        let mut line = serde_json::to_vec(&event).unwrap_or_default();
                        line.push(b'\n');
                        Bytes::from(line)
                    });
                    if tx.send(line).await.is_err() {
                        break;
                    }
                    sent.inc();
                    continue;
                }
                StoreEvent::Object { kind, object, .. } => {
                    let object = match &out.target {
                        ResponseTarget::Table { version } => {
                            let rv = object
                                .pointer("/metadata/resourceVersion")
                                .cloned()
                                .unwrap_or(Value::Null);
                            let t = table(
                                out.columns.as_deref(),
                                &info,
                                &[object],
                                &out.include_object,
                                version,
                                json!({"resourceVersion": rv}),
                                first_row,
                            );
                            first_row = false;
                            t
                        }
                        ResponseTarget::PartialObjectMetadata { version }
                        | ResponseTarget::PartialObjectMetadataList { version } => json!({
                            "kind": "PartialObjectMetadata",
                            "apiVersion": format!("meta.k8s.io/{version}"),
                            "metadata": object.get("metadata").cloned().unwrap_or(json!({})),
                        }),
                        ResponseTarget::Object => served(object, &info),
                    };
                    (kind, object, false)
                }
                StoreEvent::Bookmark { revision, initial_events_end } => {
                    if !params.bookmarks && !initial_events_end {
                        continue;
                    }
                    ("BOOKMARK", bookmark_object(&info, revision, initial_events_end), false)
                }
                StoreEvent::Error(e) => ("ERROR", error_status(&e), true),
            };
            let event = json!({"type": kind, "object": object});
            let mut line = if yaml {
                apimachinery::codec::encode_yaml(&event).unwrap_or_default().into_bytes()
            } else {
                serde_json::to_vec(&event).unwrap_or_default()
            };
            line.push(b'\n');
            if tx.send(Bytes::from(line)).await.is_err() || end {
                break;
            }
            sent.inc();
        }
        // Upstream counts a watch in the request metrics when it ends.
        metrics.observe(&labels, StatusCode::OK.as_u16(), started.elapsed());
    });
    let mut r = Response::new(ChannelBody { rx }.boxed());
    *r.status_mut() = StatusCode::OK;
    let ct = if yaml { "application/yaml" } else { "application/json" };
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(ct));
    Ok(r)
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use http_body_util::BodyExt;
    use tokio::sync::mpsc;

    use super::{ChannelBody, FRAME_BYTES};

    async fn next_frame(body: &mut ChannelBody) -> Option<Bytes> {
        body.frame().await.map(|f| f.unwrap().into_data().unwrap())
    }

    /// Lines already queued go out in one frame, in order and whole, up to the frame size; a
    /// line alone is sent as it is; the body ends when the sender is gone.
    #[tokio::test]
    async fn queued_lines_share_a_frame() {
        let (tx, rx) = mpsc::channel(8);
        let mut body = ChannelBody { rx };
        for line in ["{\"a\":1}\n", "{\"b\":2}\n", "{\"c\":3}\n"] {
            tx.send(Bytes::from_static(line.as_bytes())).await.unwrap();
        }
        let joined = next_frame(&mut body).await.unwrap();
        assert_eq!(&joined[..], b"{\"a\":1}\n{\"b\":2}\n{\"c\":3}\n");

        let big = Bytes::from(vec![b'x'; FRAME_BYTES - 10]);
        tx.send(big.clone()).await.unwrap();
        tx.send(Bytes::from_static(b"0123456789abc\n")).await.unwrap();
        tx.send(Bytes::from_static(b"last\n")).await.unwrap();
        // The frame stops growing once it reaches the limit: the last line waits for the next.
        let first = next_frame(&mut body).await.unwrap();
        assert_eq!(first.len(), FRAME_BYTES - 10 + 14);
        assert_eq!(&first[..FRAME_BYTES - 10], &big[..]);
        assert_eq!(&next_frame(&mut body).await.unwrap()[..], b"last\n");

        tx.send(Bytes::from_static(b"alone\n")).await.unwrap();
        assert_eq!(&next_frame(&mut body).await.unwrap()[..], b"alone\n");
        drop(tx);
        assert_eq!(next_frame(&mut body).await, None);
    }
}
