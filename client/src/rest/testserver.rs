//! A scripted HTTP/1.1 server on a random loopback port for unit tests: each request is
//! recorded and answered by a handler function.

use std::convert::Infallible;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::{HeaderMap, Response, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

use crate::config::ResolvedConfig;
use crate::rest::{Client, Config};

/// A request as the server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Recorded {
    pub method: String,
    /// Path and query.
    pub uri: String,
    pub headers: HeaderMap,
    pub body: Bytes,
}

type Handler = dyn Fn(&Recorded) -> Response<Full<Bytes>> + Send + Sync;

/// The running server.
pub(crate) struct TestServer {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TestServer {
    /// Starts a server answering with `handler`.
    pub(crate) async fn start(
        handler: impl Fn(&Recorded) -> Response<Full<Bytes>> + Send + Sync + 'static,
    ) -> TestServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests: Arc<Mutex<Vec<Recorded>>> = Arc::default();
        let handler: Arc<Handler> = Arc::new(handler);
        let recorded = requests.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else { return };
                let handler = handler.clone();
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let handler = handler.clone();
                        let recorded = recorded.clone();
                        async move {
                            let (parts, body) = req.into_parts();
                            let body =
                                body.collect().await.map(|b| b.to_bytes()).unwrap_or_default();
                            let r = Recorded {
                                method: parts.method.to_string(),
                                uri: parts
                                    .uri
                                    .path_and_query()
                                    .map(|p| p.to_string())
                                    .unwrap_or_default(),
                                headers: parts.headers,
                                body,
                            };
                            recorded.lock().expect("lock").push(r.clone());
                            Ok::<_, Infallible>(handler(&r))
                        }
                    });
                    let _ =
                        http1::Builder::new().serve_connection(TokioIo::new(stream), service).await;
                });
            }
        });
        TestServer { url, requests, task }
    }

    /// A client for this server with `config`.
    pub(crate) fn client(&self, config: Config) -> Client {
        Client::new(&ResolvedConfig { server: self.url.clone(), ..Default::default() }, config)
            .expect("client")
    }

    /// A client with throttling off.
    pub(crate) fn unthrottled(&self) -> Client {
        self.client(Config { qps: 0.0, ..Config::default() })
    }

    /// The requests seen so far.
    pub(crate) fn seen(&self) -> Vec<Recorded> {
        self.requests.lock().expect("lock").clone()
    }
}

/// A response with a status, headers and body.
pub(crate) fn reply(
    status: u16,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    let mut b = Response::builder().status(StatusCode::from_u16(status).expect("status"));
    for (k, v) in headers {
        b = b.header(*k, *v);
    }
    b.body(Full::new(body.into())).expect("response")
}

/// A JSON response.
pub(crate) fn json(status: u16, value: &serde_json::Value) -> Response<Full<Bytes>> {
    reply(status, &[("content-type", "application/json")], value.to_string())
}
