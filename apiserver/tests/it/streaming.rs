//! `pods/exec`, `attach` and `portforward` (upstream's streamLocation and upgrade-aware proxy):
//! the checks before a kubelet is dialled, the refusal of requests that do not upgrade, the
//! kubelet path and query, and the joined connection after the kubelet switches protocols,
//! against a small TLS server standing in for a kubelet and the handler served over HTTP/1.1.

use std::sync::Mutex;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::*;

const PODS: &str = "/api/v1/namespaces/default/pods";

/// A kubelet that switches protocols for any path but `/refuse/...` and then echoes, and
/// records each request head.
async fn streaming_kubelet() -> (u16, Arc<Mutex<Vec<String>>>) {
    let (acceptor, listener, port) = tls_listener().await;
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let (acceptor, log) = (acceptor.clone(), log.clone());
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(stream).await else { return };
                let head = read_head(&mut tls).await;
                log.lock().unwrap().push(head.clone());
                if head.contains("/refuse/") {
                    let body = "no such container";
                    let answer = format!(
                        "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain\r\nContent-Length: {}\r\n\r\n{body}",
                        body.len()
                    );
                    let _ = tls.write_all(answer.as_bytes()).await;
                    return;
                }
                let switch = "HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\n\
                              Upgrade: SPDY/3.1\r\nX-Stream-Protocol-Version: v4.channel.k8s.io\r\n\r\n";
                if tls.write_all(switch.as_bytes()).await.is_err() {
                    return;
                }
                let mut buf = [0u8; 1024];
                while let Ok(n) = tls.read(&mut buf).await {
                    if n == 0 || tls.write_all(&buf[..n]).await.is_err() {
                        return;
                    }
                    let _ = tls.flush().await;
                }
            });
        }
    });
    (port, seen)
}

/// Reads an HTTP head (through the blank line).
async fn read_head<S: tokio::io::AsyncRead + Unpin>(s: &mut S) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match s.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => break,
        }
    }
    String::from_utf8_lossy(&head).into_owned()
}

/// The server's handler on a loopback port over plain HTTP/1.1 with upgrades, as the HTTPS
/// server runs it.
async fn serve(s: &Server) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    let api = s.api();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let api = api.clone();
            tokio::spawn(async move {
                let service = service_fn(move |req| {
                    let api = api.clone();
                    async move {
                        Ok::<_, std::convert::Infallible>(
                            endpoints::handle(api, req, UserInfo::anonymous()).await,
                        )
                    }
                });
                let _ = Builder::new(TokioExecutor::new())
                    .serve_connection_with_upgrades(TokioIo::new(stream), service)
                    .await;
            });
        }
    });
    port
}

async fn setup(s: &Server, kubelet_port: u16) {
    let r = s.post("/api/v1/nodes", &json!({"metadata": {"name": "n1"}})).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let status = json!({"status": {
        "addresses": [{"type": "InternalIP", "address": "127.0.0.1"}],
        "daemonEndpoints": {"kubeletEndpoint": {"Port": kubelet_port}}}});
    let r = s.patch("/api/v1/nodes/n1/status", "application/merge-patch+json", &status).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    for (name, node, containers) in
        [("p", "n1", &["app"][..]), ("two", "n1", &["a", "b"][..]), ("free", "", &["app"][..])]
    {
        let containers: Vec<Value> =
            containers.iter().map(|c| json!({"name": c, "image": "x"})).collect();
        let mut pod = json!({"metadata": {"name": name}, "spec": {"containers": containers}});
        if !node.is_empty() {
            pod["spec"]["nodeName"] = json!(node);
        }
        let r = s.post(PODS, &pod).await;
        assert_eq!(r.code, 201, "{:?}", r.body);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_exec_attach_and_port_forward_are_checked_before_the_kubelet() {
    let s = Server::new().await;
    let (port, seen) = streaming_kubelet().await;
    setup(&s, port).await;
    let cases = [
        ("POST", "p/exec?command=ls&stdout=true", 400, "Upgrade request required"),
        ("GET", "p/attach?stdout=1", 400, "Upgrade request required"),
        ("POST", "p/portforward?ports=8080", 400, "Upgrade request required"),
        (
            "POST",
            "two/exec?command=ls",
            400,
            "a container name must be specified for pod two, choose one of: [a b]",
        ),
        ("POST", "p/exec?command=ls&container=c", 400, "container c is not valid for pod p"),
        ("POST", "free/exec?command=ls", 400, "pod free does not have a host assigned"),
        ("POST", "missing/exec?command=ls", 404, "pods \"missing\" not found"),
        (
            "POST",
            "p/exec?command=ls&stdin=maybe",
            400,
            "strconv.ParseBool: parsing \"maybe\": invalid syntax",
        ),
    ];
    for (method, path, code, message) in cases {
        let r = s.call(method, &format!("{PODS}/{path}"), &[], b"").await;
        assert_eq!((r.code.as_u16(), r.body["message"].as_str()), (code, Some(message)), "{path}");
    }
    assert!(seen.lock().unwrap().is_empty(), "nothing reaches the kubelet");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_exec_is_joined_to_the_kubelet_after_it_switches_protocols() {
    let s = Server::new().await;
    let (kubelet_port, seen) = streaming_kubelet().await;
    setup(&s, kubelet_port).await;
    let port = serve(&s).await;
    let upgrade = |path: &str| {
        format!(
            "POST {PODS}/{path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: Bearer secret\r\n\
             Connection: Upgrade\r\nUpgrade: SPDY/3.1\r\n\
             X-Stream-Protocol-Version: v4.channel.k8s.io\r\nContent-Length: 0\r\n\r\n"
        )
    };

    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    let path = "p/exec?command=sh&command=-c&command=echo+hi&stdout=true&stderr=true&tty=false";
    conn.write_all(upgrade(path).as_bytes()).await.unwrap();
    let head = read_head(&mut conn).await;
    assert!(head.starts_with("HTTP/1.1 101 Switching Protocols\r\n"), "{head}");
    assert!(head.to_ascii_lowercase().contains("upgrade: spdy/3.1"), "{head}");
    assert!(head.contains("v4.channel.k8s.io"), "{head}");
    conn.write_all(b"ping over the stream").await.unwrap();
    let mut echoed = [0u8; 20];
    tokio::time::timeout(std::time::Duration::from_secs(10), conn.read_exact(&mut echoed))
        .await
        .expect("echo in time")
        .unwrap();
    assert_eq!(&echoed, b"ping over the stream");

    let asked = seen.lock().unwrap()[0].clone();
    assert!(
        asked.starts_with(
            "POST /exec/default/p/app?command=sh&command=-c&command=echo+hi&error=1&output=1 \
             HTTP/1.1\r\n"
        ),
        "{asked}"
    );
    let lower = asked.to_ascii_lowercase();
    assert!(!lower.contains("authorization"), "credentials are not passed on: {asked}");
    assert!(lower.contains(&format!("host: 127.0.0.1:{kubelet_port}")), "{asked}");

    // Port forwarding goes to the pod, and a kubelet's refusal comes back as it answered.
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    conn.write_all(upgrade("p/portforward?ports=8080&ports=9090").as_bytes()).await.unwrap();
    assert!(read_head(&mut conn).await.starts_with("HTTP/1.1 101 "));
    assert!(seen.lock().unwrap()[1].starts_with("POST /portForward/default/p?port=8080%2C9090 "));
    let r = s
        .post(
            PODS,
            &json!({"metadata": {"name": "refuse"},
        "spec": {"nodeName": "n1", "containers": [{"name": "app", "image": "x"}]}}),
        )
        .await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    conn.write_all(upgrade("refuse/attach?stdout=true").as_bytes()).await.unwrap();
    let head = read_head(&mut conn).await;
    assert!(head.starts_with("HTTP/1.1 404 Not Found\r\n"), "{head}");
    let mut body = [0u8; 17];
    conn.read_exact(&mut body).await.unwrap();
    assert_eq!(&body, b"no such container");

    // A kubelet that cannot be reached: the dial error, as a plain error's 500.
    let status = json!({"status": {"daemonEndpoints": {"kubeletEndpoint": {"Port": 1}}}});
    let r = s.patch("/api/v1/nodes/n1/status", "application/merge-patch+json", &status).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let mut conn = tokio::net::TcpStream::connect(("127.0.0.1", port)).await.unwrap();
    conn.write_all(upgrade("p/exec?command=ls&stdout=1").as_bytes()).await.unwrap();
    let head = read_head(&mut conn).await;
    assert!(head.starts_with("HTTP/1.1 500 "), "{head}");
    let length: usize = head
        .lines()
        .find_map(|l| l.to_ascii_lowercase().strip_prefix("content-length: ").map(str::to_string))
        .and_then(|n| n.trim().parse().ok())
        .expect("a length");
    let mut body = vec![0u8; length];
    conn.read_exact(&mut body).await.unwrap();
    let status: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        status["message"],
        "error dialing backend: dial tcp 127.0.0.1:1: connect: connection refused"
    );
    assert!(status.get("reason").is_none(), "{status}");
}
