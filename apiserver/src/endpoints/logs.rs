//! `GET pods/<name>/log`: checks the PodLogOptions and the container, finds the pod's node and
//! relays the kubelet's `/containerLogs/<namespace>/<pod>/<container>` stream (upstream's
//! `LogREST` over `LogLocation`). A pod without a node has no logs yet: an empty answer.

use std::convert::Infallible;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use apimachinery::errors::StatusError;
use apimachinery::errors::field::{Error as FieldError, ErrorList, Path as FieldPath};
use apimachinery::schema::{GroupKind, GroupResource};
use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode, header};
use http_body_util::BodyExt;
use hyper::body::{Frame, Incoming};
use serde_json::Value;

use super::{ApiServer, Body, Ctx};
use crate::registry::Store;

/// The largest kubelet error body relayed into a `Status` message.
const MAX_ERROR_BODY: usize = 1024;

/// A relayed body (a kubelet's, a proxied target's) as ours: a broken stream just ends.
pub(super) struct Relay(pub(super) Incoming);

impl hyper::body::Body for Relay {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        match Pin::new(&mut self.0).poll_frame(cx) {
            Poll::Ready(Some(Ok(frame))) => Poll::Ready(Some(Ok(frame))),
            Poll::Ready(Some(Err(e))) => {
                tracing::debug!(error = %e, "relayed stream broke");
                Poll::Ready(None)
            }
            Poll::Ready(None) => Poll::Ready(None),
            Poll::Pending => Poll::Pending,
        }
    }
}

/// PodLogOptions from the query, validated as upstream's `ValidatePodLogOptions`.
struct LogOptions {
    container: String,
    /// The kubelet query, in upstream's order.
    params: Vec<(String, String)>,
    insecure_backend: bool,
}

pub(super) fn parse_bool(v: &str) -> Result<bool, StatusError> {
    match v {
        "1" | "t" | "T" | "true" | "TRUE" | "True" => Ok(true),
        "0" | "f" | "F" | "false" | "FALSE" | "False" => Ok(false),
        _ => Err(StatusError::new_bad_request(&format!(
            "strconv.ParseBool: parsing {v:?}: invalid syntax"
        ))),
    }
}

fn parse_int(v: &str) -> Result<i64, StatusError> {
    v.parse().map_err(|_| {
        StatusError::new_bad_request(&format!("strconv.ParseInt: parsing {v:?}: invalid syntax"))
    })
}

fn log_options(ctx: &Ctx, name: &str) -> Result<LogOptions, StatusError> {
    let flag = |k: &str| ctx.param(k).map(parse_bool).transpose().map(|b| b.unwrap_or(false));
    let int = |k: &str| ctx.param(k).map(parse_int).transpose();
    let (follow, previous, timestamps) = (flag("follow")?, flag("previous")?, flag("timestamps")?);
    let insecure_backend = flag("insecureSkipTLSVerifyBackend")?;
    let (since_seconds, tail_lines, limit_bytes) =
        (int("sinceSeconds")?, int("tailLines")?, int("limitBytes")?);
    let since_time = match ctx.param("sinceTime") {
        Some(t) => Some(t.parse::<jiff::Timestamp>().map_err(|_| {
            StatusError::new_bad_request(&format!(
                "parsing time {t:?} as \"2006-01-02T15:04:05Z07:00\": cannot parse {t:?} as \"2006\""
            ))
        })?),
        None => None,
    };
    let stream = ctx.param("stream").map(str::to_string);

    let mut errs = ErrorList::new();
    if let Some(n) = tail_lines
        && n < 0
    {
        errs.push(FieldError::invalid(
            &FieldPath::new("tailLines"),
            n,
            "must be greater than or equal to 0",
        ));
    }
    if let Some(n) = limit_bytes
        && n < 1
    {
        errs.push(FieldError::invalid(&FieldPath::new("limitBytes"), n, "must be greater than 0"));
    }
    match (since_seconds, since_time) {
        (Some(_), Some(_)) => errs.push(FieldError::forbidden(
            &FieldPath::new(""),
            "at most one of `sinceTime` or `sinceSeconds` may be specified",
        )),
        (Some(n), None) if n < 1 => errs.push(FieldError::invalid(
            &FieldPath::new("sinceSeconds"),
            n,
            "must be greater than 0",
        )),
        _ => {}
    }
    if let Some(s) = &stream {
        if !matches!(s.as_str(), "All" | "Stdout" | "Stderr") {
            errs.push(FieldError::not_supported(
                &FieldPath::new("stream"),
                s.as_str(),
                &["All", "Stderr", "Stdout"],
            ));
        } else if s != "All" && tail_lines.is_some() {
            errs.push(FieldError::forbidden(
                &FieldPath::new(""),
                "`tailLines` and specific `stream` are mutually exclusive for now",
            ));
        }
    }
    if !errs.is_empty() {
        let kind = GroupKind { group: String::new(), kind: "PodLogOptions".into() };
        return Err(StatusError::new_invalid(&kind, name, &errs));
    }

    let mut params = Vec::new();
    let mut add = |k: &str, v: String| params.push((k.to_string(), v));
    if follow {
        add("follow", "true".into());
    }
    if previous {
        add("previous", "true".into());
    }
    if timestamps {
        add("timestamps", "true".into());
    }
    if let Some(n) = since_seconds {
        add("sinceSeconds", n.to_string());
    }
    if let Some(t) = since_time {
        add("sinceTime", jiff::Timestamp::from_second(t.as_second()).unwrap_or(t).to_string());
    }
    if let Some(n) = tail_lines {
        add("tailLines", n.to_string());
    }
    if let Some(n) = limit_bytes {
        add("limitBytes", n.to_string());
    }
    if let Some(s) = stream {
        add("stream", s);
    }
    // url.Values.Encode sorts by key.
    params.sort();
    Ok(LogOptions {
        container: ctx.param("container").unwrap_or("").to_string(),
        params,
        insecure_backend,
    })
}

/// Every container name of the pod, init containers first (`VisitContainers` order).
fn container_names(pod: &Value) -> Vec<String> {
    ["initContainers", "containers", "ephemeralContainers"]
        .iter()
        .flat_map(|k| {
            pod.pointer(&format!("/spec/{k}"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default()
        })
        .filter_map(|c| c["name"].as_str().map(str::to_string))
        .collect()
}

/// Upstream's `validateContainer`: the named container must exist; with none named, a pod of
/// one container means that one.
fn validate_container(container: &str, pod: &Value, name: &str) -> Result<String, StatusError> {
    if !container.is_empty() {
        if container_names(pod).iter().any(|c| c == container) {
            return Ok(container.to_string());
        }
        return Err(StatusError::new_bad_request(&format!(
            "container {container} is not valid for pod {name}"
        )));
    }
    let containers = pod.pointer("/spec/containers").and_then(Value::as_array);
    match containers.map(Vec::len).unwrap_or(0) {
        1 => Ok(containers.and_then(|c| c[0]["name"].as_str()).unwrap_or_default().to_string()),
        0 => Err(StatusError::new_bad_request(&format!(
            "a container name must be specified for pod {name}"
        ))),
        _ => Err(StatusError::new_bad_request(&format!(
            "a container name must be specified for pod {name}, choose one of: [{}]",
            container_names(pod).join(" ")
        ))),
    }
}

fn text_response(code: StatusCode, body: Body) -> Response<Body> {
    let mut r = Response::new(body);
    *r.status_mut() = code;
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain"));
    r
}

/// `GET pods/<name>/log`.
pub(super) async fn serve(
    server: &Arc<ApiServer>,
    ctx: &Ctx,
    pods: &Arc<Store>,
    namespace: &str,
    name: &str,
) -> Result<Response<Body>, StatusError> {
    let opts = log_options(ctx, name)?;
    let pod = pods.get(namespace, name).await?;
    let container = validate_container(&opts.container, &pod, name)?;
    let node_name = pod.pointer("/spec/nodeName").and_then(Value::as_str).unwrap_or("");
    if node_name.is_empty() {
        let empty = http_body_util::Empty::new().map_err(|e| match e {}).boxed();
        return Ok(text_response(StatusCode::OK, empty));
    }
    let nodes = server
        .registry
        .store("", "nodes")
        .ok_or_else(|| StatusError::new_internal_error("no nodes store"))?;
    let node = nodes.get("", node_name).await?;
    let info = server.kubelets.connection_info(&node)?;
    let kubelet = server.kubelets.client(&info, opts.insecure_backend)?;
    let path = format!("/containerLogs/{namespace}/{name}/{container}");
    let mut req = client::rest::Request::get(path);
    for (k, v) in &opts.params {
        req = req.query(k, v.clone());
    }
    let resp = kubelet
        .send_streaming_unchecked(req)
        .await
        .map_err(|e| StatusError::new_internal_error(e.to_string()))?;
    let status = resp.status();
    if !status.is_success() {
        // upstream's GenericHttpResponseChecker: the kubelet's words become the message.
        let body = resp.into_body().collect().await.map(|b| b.to_bytes()).unwrap_or_default();
        let text = String::from_utf8_lossy(&body[..body.len().min(MAX_ERROR_BODY)]).to_string();
        let gr = GroupResource { group: String::new(), resource: "pods/log".into() };
        return Err(StatusError::new_generic_server_response(
            status.as_u16() as i32,
            "",
            &gr,
            name,
            &text,
            0,
            false,
        ));
    }
    Ok(text_response(StatusCode::OK, Relay(resp.into_body()).boxed()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn containers_are_chosen_as_upstream() {
        let one = json!({"spec": {"containers": [{"name": "app"}]}});
        assert_eq!(validate_container("", &one, "p").unwrap(), "app");
        let many = json!({"spec": {"initContainers": [{"name": "init"}],
            "containers": [{"name": "a"}, {"name": "b"}]}});
        assert_eq!(
            validate_container("", &many, "p").unwrap_err().message(),
            "a container name must be specified for pod p, choose one of: [init a b]"
        );
        assert_eq!(validate_container("init", &many, "p").unwrap(), "init");
        assert_eq!(
            validate_container("c", &many, "p").unwrap_err().message(),
            "container c is not valid for pod p"
        );
        let none = json!({"spec": {}});
        assert_eq!(
            validate_container("", &none, "p").unwrap_err().message(),
            "a container name must be specified for pod p"
        );
    }
}
