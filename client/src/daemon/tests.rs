//! Daemon plumbing tests: health output named after k8s.io/apiserver's healthz_test.go cases,
//! the endpoint served on 127.0.0.1:0 and queried with the crate's own REST client, and the
//! signal handler (real signals go to a child copy of this test binary).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use http_body_util::BodyExt;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::registry::Registry;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio_util::sync::CancellationToken;

use super::serving::self_signed_cert_key;
use super::signal::shutdown_on_signals;
use super::*;
use crate::config::ResolvedConfig;
use crate::rest::{Client, Request};

fn bad() -> Arc<dyn HealthCheck> {
    named_check("bad", || Err("this will fail".into()))
}

async fn get(checks: &HealthChecks, target: &str) -> Option<(u16, String, Option<String>)> {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let resp = checks.handle(path, query)?;
    let status = resp.status().as_u16();
    let content_type =
        resp.headers().get("content-type").and_then(|v| v.to_str().ok()).map(str::to_string);
    let body = resp.into_body().collect().await.expect("body").to_bytes();
    Some((status, String::from_utf8_lossy(&body).into_owned(), content_type))
}

/// Mirrors TestMultipleChecks (with TestInstallHandler's and TestInstallPathHandler's paths).
#[tokio::test]
async fn test_multiple_checks() {
    let cases: &[(&str, &str, u16, bool)] = &[
        ("/healthz?verbose", "[+]ping ok\nhealthz check passed\n", 200, false),
        ("/healthz?exclude=dontexist", "ok", 200, false),
        ("/healthz?exclude=bad", "ok", 200, true),
        (
            "/healthz?verbose=true&exclude=bad",
            "[+]ping ok\n[+]bad excluded: ok\nhealthz check passed\n",
            200,
            true,
        ),
        (
            "/healthz?verbose=true&exclude=dontexist",
            "[+]ping ok\nwarn: some health checks cannot be excluded: no matches for \"dontexist\"\nhealthz check passed\n",
            200,
            false,
        ),
        (
            "/healthz?verbose&exclude=b&exclude=a&exclude=b",
            "[+]ping ok\nwarn: some health checks cannot be excluded: no matches for \"a\",\"b\"\nhealthz check passed\n",
            200,
            false,
        ),
        ("/healthz", "ok", 200, false),
        ("/healthz/ping", "ok", 200, false),
        (
            "/healthz?verbose",
            "[+]ping ok\n[-]bad failed: reason withheld\nhealthz check failed\n",
            500,
            true,
        ),
        ("/healthz/ping", "ok", 200, true),
        ("/healthz/bad", "internal server error: this will fail\n", 500, true),
        (
            "/healthz",
            "[+]ping ok\n[-]bad failed: reason withheld\nhealthz check failed\n",
            500,
            true,
        ),
    ];
    for (target, want, status, add_bad) in cases {
        let mut checks = vec![ping()];
        if *add_bad {
            checks.push(bad());
        }
        let hc = HealthChecks::new("/healthz", checks);
        let (got_status, body, content_type) = get(&hc, target).await.expect(target);
        assert_eq!((got_status, body.as_str()), (*status, *want), "{target}");
        assert_eq!(content_type.as_deref(), Some("text/plain; charset=utf-8"), "{target}");
    }
    let hc = HealthChecks::new("/healthz", vec![ping()]);
    assert!(get(&hc, "/healthz/").await.is_none());
    assert!(get(&hc, "/healthz/nope").await.is_none());
    assert!(get(&hc, "/healthzz").await.is_none());
}

/// Mirrors TestInstallPathHandler: other paths name themselves in the last line, and a path
/// without checks serves ping.
#[tokio::test]
async fn test_install_path_handler() {
    let hc = HealthChecks::new("/readyz", Vec::new());
    assert_eq!(
        get(&hc, "/readyz?verbose").await.map(|r| r.1),
        Some("[+]ping ok\nreadyz check passed\n".into())
    );
    let stop = CancellationToken::new();
    let hc = HealthChecks::new("/livez", vec![ping(), shutdown_check(stop.clone())]);
    assert_eq!(get(&hc, "/livez").await.map(|r| r.0), Some(200));
    stop.cancel();
    assert_eq!(
        get(&hc, "/livez").await.map(|r| (r.0, r.1)),
        Some((500, "[+]ping ok\n[-]shutdown failed: reason withheld\nlivez check failed\n".into()))
    );
    assert_eq!(
        get(&hc, "/livez/shutdown").await.map(|r| r.1),
        Some("internal server error: process is shutting down\n".into())
    );
}

/// A GET over TLS or plain TCP that returns the status and body exactly as served.
async fn raw_get(addr: SocketAddr, ca_pem: Option<&str>, path: &str) -> (u16, String) {
    let tcp = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let request = format!("GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n");
    let mut raw = Vec::new();
    match ca_pem {
        Some(pem) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                roots.add(c.expect("cert")).expect("root");
            }
            let config = rustls::ClientConfig::builder_with_provider(Arc::new(
                rustls::crypto::ring::default_provider(),
            ))
            .with_safe_default_protocol_versions()
            .expect("versions")
            .with_root_certificates(roots)
            .with_no_client_auth();
            let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
            let mut tls = connector
                .connect(ServerName::try_from("localhost").expect("name"), tcp)
                .await
                .expect("handshake");
            tls.write_all(request.as_bytes()).await.expect("write");
            let _ = tls.read_to_end(&mut raw).await;
        }
        None => {
            let mut tcp = tcp;
            tcp.write_all(request.as_bytes()).await.expect("write");
            tcp.read_to_end(&mut raw).await.expect("read");
        }
    }
    let text = String::from_utf8_lossy(&raw).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").expect("response");
    let status = head.split(' ').nth(1).and_then(|s| s.parse().ok()).expect("status");
    (status, body.to_string())
}

fn loopback(tls: ServingTls) -> ServingOptions {
    ServingOptions {
        bind_address: IpAddr::from([127, 0, 0, 1]),
        port: 0,
        tls,
        shutdown_timeout: Duration::from_secs(5),
    }
}

fn in_memory() -> ServingTls {
    ServingTls::SelfSigned {
        cert_dir: None,
        pair_name: "test-daemon".into(),
        public_address: "localhost".into(),
        alternate_dns: Vec::new(),
        alternate_ips: Vec::new(),
    }
}

fn rest_client(server: &Server) -> Client {
    let scheme = if server.certificate_pem().is_some() { "https" } else { "http" };
    Client::try_default(&ResolvedConfig {
        server: format!("{scheme}://{}", server.local_addr()),
        ca_data: server.certificate_pem().map(|p| p.as_bytes().to_vec()),
        ..Default::default()
    })
    .expect("client")
}

/// The endpoint over HTTPS with a certificate minted in memory: health paths, named checks,
/// metrics from the caller's registry, 404 elsewhere, and graceful shutdown.
#[tokio::test]
async fn serves_health_and_metrics_over_https() {
    let mut registry = Registry::default();
    let requests = Counter::<u64>::default();
    registry.register("test_requests", "Requests seen by the test.", requests.clone());
    requests.inc_by(3);
    let healthy = Arc::new(AtomicBool::new(true));
    let flag = healthy.clone();
    let endpoints = Endpoints {
        healthz: vec![
            ping(),
            named_check("etcd", move || {
                if flag.load(Ordering::SeqCst) { Ok(()) } else { Err("etcd is down".into()) }
            }),
        ],
        readyz: vec![named_check("informer-sync", || Ok(()))],
        livez: Vec::new(),
        metrics: Some(Arc::new(registry)),
    };
    let stop = CancellationToken::new();
    let server =
        Server::start(&loopback(in_memory()), endpoints, stop.clone()).await.expect("start");
    let pem = server.certificate_pem().expect("https").to_string();
    assert_eq!(pem.matches("BEGIN CERTIFICATE").count(), 2, "the certificate and its CA");
    let client = rest_client(&server);

    let body = |r: crate::rest::Response| String::from_utf8_lossy(&r.body).into_owned();
    assert_eq!(body(client.send(Request::get("/healthz")).await.expect("healthz")), "ok");
    assert_eq!(
        body(client.send(Request::get("/readyz?verbose")).await.expect("readyz")),
        "[+]informer-sync ok\nreadyz check passed\n"
    );
    assert_eq!(body(client.send(Request::get("/livez/ping")).await.expect("livez")), "ok");
    let metrics = client.send(Request::get("/metrics")).await.expect("metrics");
    assert_eq!(metrics.headers["content-type"], "text/plain; version=0.0.4; charset=utf-8");
    assert!(body(metrics).contains("test_requests_total 3\n"));

    healthy.store(false, Ordering::SeqCst);
    assert_eq!(
        raw_get(server.local_addr(), Some(&pem), "/healthz").await,
        (500, "[+]ping ok\n[-]etcd failed: reason withheld\nhealthz check failed\n".into())
    );
    assert_eq!(
        raw_get(server.local_addr(), Some(&pem), "/healthz/etcd").await,
        (500, "internal server error: etcd is down\n".into())
    );
    assert_eq!(
        raw_get(server.local_addr(), Some(&pem), "/configz").await,
        (404, "404 page not found\n".into())
    );
    let err = client.send(Request::get("/healthz")).await.expect_err("unhealthy");
    assert_eq!(err.code(), Some(500));

    let addr = server.local_addr();
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), server.stopped()).await.expect("stops");
    assert!(tokio::net::TcpStream::connect(addr).await.is_err(), "no longer listening");
}

/// Plain HTTP when configured, and no /metrics without a registry.
#[tokio::test]
async fn serves_plain_http() {
    let stop = CancellationToken::new();
    let server = Server::start(&loopback(ServingTls::Insecure), Endpoints::default(), stop.clone())
        .await
        .expect("start");
    assert_eq!(server.certificate_pem(), None);
    let client = rest_client(&server);
    let r = client.send(Request::get("/healthz?verbose")).await.expect("healthz");
    assert_eq!(r.body, "[+]ping ok\nhealthz check passed\n");
    assert_eq!(raw_get(server.local_addr(), None, "/metrics").await.0, 404);
    stop.cancel();
    server.stopped().await;
}

/// A request in flight when shutdown starts still gets its answer.
#[tokio::test]
async fn shutdown_lets_requests_finish() {
    let entered = Arc::new(AtomicUsize::new(0));
    let counter = entered.clone();
    let endpoints = Endpoints {
        healthz: vec![named_check("slow", move || {
            counter.fetch_add(1, Ordering::SeqCst);
            std::thread::sleep(Duration::from_millis(300));
            Ok(())
        })],
        ..Endpoints::default()
    };
    let stop = CancellationToken::new();
    let server = Server::start(&loopback(ServingTls::Insecure), endpoints, stop.clone())
        .await
        .expect("start");
    let addr = server.local_addr();
    let request = tokio::spawn(async move { raw_get(addr, None, "/healthz").await });
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while entered.load(Ordering::SeqCst) == 0 {
        assert!(tokio::time::Instant::now() < deadline, "request never arrived");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stop.cancel();
    assert_eq!(request.await.expect("request"), (200, "ok".into()));
    server.stopped().await;
}

/// `--cert-dir`: the pair is minted into `<dir>/<pair>.crt|.key` (key private), reused on the
/// next start, and a half pair is refused with client-go's message.
#[tokio::test]
async fn self_signed_pair_in_cert_dir() {
    let dir = tempfile::tempdir().expect("tempdir");
    let tls = ServingTls::SelfSigned {
        cert_dir: Some(dir.path().join("pki")),
        pair_name: "kube-scheduler".into(),
        public_address: "localhost".into(),
        alternate_dns: vec!["scheduler.test".into()],
        alternate_ips: Vec::new(),
    };
    let stop = CancellationToken::new();
    let first = Server::start(&loopback(tls.clone()), Endpoints::default(), stop.clone())
        .await
        .expect("start");
    let cert = dir.path().join("pki/kube-scheduler.crt");
    let key = dir.path().join("pki/kube-scheduler.key");
    let written = std::fs::read_to_string(&cert).expect("cert written");
    assert_eq!(Some(written.as_str()), first.certificate_pem());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).expect("key").permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    rest_client(&first).send(Request::get("/healthz")).await.expect("trusted");
    let second = Server::start(&loopback(tls.clone()), Endpoints::default(), stop.clone())
        .await
        .expect("restart");
    assert_eq!(second.certificate_pem(), Some(written.as_str()), "reused, not minted again");
    stop.cancel();

    std::fs::remove_file(&key).expect("remove key");
    let err = Server::start(&loopback(tls), Endpoints::default(), CancellationToken::new())
        .await
        .expect_err("half a pair");
    assert_eq!(
        err.to_string(),
        format!("error reading {}, certificate and key must be supplied as a pair", key.display())
    );
    let nameless = ServingTls::SelfSigned {
        cert_dir: Some(dir.path().to_path_buf()),
        pair_name: String::new(),
        public_address: "localhost".into(),
        alternate_dns: Vec::new(),
        alternate_ips: Vec::new(),
    };
    let err = Server::start(&loopback(nameless), Endpoints::default(), CancellationToken::new())
        .await
        .expect_err("no pair name");
    assert_eq!(err.to_string(), "PairName is required if CertDirectory is set");
}

/// `--tls-cert-file`/`--tls-private-key-file`, and their read errors.
#[tokio::test]
async fn certificate_files() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (cert_pem, key_pem) =
        self_signed_cert_key("daemon.test", &[IpAddr::from([127, 0, 0, 1])], &[]).expect("mint");
    let (cert_file, key_file) = (dir.path().join("tls.crt"), dir.path().join("tls.key"));
    std::fs::write(&cert_file, &cert_pem).expect("write");
    std::fs::write(&key_file, &key_pem).expect("write");
    let stop = CancellationToken::new();
    let tls = ServingTls::Files { cert_file: cert_file.clone(), key_file: key_file.clone() };
    let server =
        Server::start(&loopback(tls), Endpoints::default(), stop.clone()).await.expect("start");
    assert_eq!(server.certificate_pem(), Some(cert_pem.as_str()));
    rest_client(&server).send(Request::get("/livez")).await.expect("served");
    stop.cancel();

    let missing = ServingTls::Files { cert_file: dir.path().join("nope.crt"), key_file };
    let err = Server::start(&loopback(missing), Endpoints::default(), CancellationToken::new())
        .await
        .expect_err("missing");
    assert!(err.to_string().starts_with("failed to read "), "{err}");
    let garbage = dir.path().join("garbage.key");
    std::fs::write(&garbage, "not a key").expect("write");
    let bad = ServingTls::Files { cert_file, key_file: garbage };
    let err = Server::start(&loopback(bad), Endpoints::default(), CancellationToken::new())
        .await
        .expect_err("bad key");
    assert!(err.to_string().starts_with("failed to parse serving key"), "{err}");
}

/// The minted certificate covers the host and the alternates, and chains to the CA that
/// follows it.
#[tokio::test]
async fn self_signed_certificate_names() {
    let (cert_pem, key_pem) = self_signed_cert_key(
        "10.0.0.7",
        &[IpAddr::from([127, 0, 0, 1])],
        &["localhost".into(), "node.test".into()],
    )
    .expect("mint");
    let chain: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem.as_bytes())
        .collect::<Result<_, _>>()
        .expect("chain");
    assert_eq!(chain.len(), 2);
    let server_config = {
        let key =
            rustls::pki_types::PrivateKeyDer::from_pem_slice(key_pem.as_bytes()).expect("key");
        rustls::ServerConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_no_client_auth()
        .with_single_cert(chain.clone(), key)
        .expect("config")
    };
    let mut roots = rustls::RootCertStore::empty();
    roots.add(chain[1].clone()).expect("ca");
    let client_config = Arc::new(
        rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()
        .expect("versions")
        .with_root_certificates(roots)
        .with_no_client_auth(),
    );
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(server_config));
    for (name, ok) in [
        ("localhost", true),
        ("node.test", true),
        ("127.0.0.1", true),
        ("10.0.0.7", true),
        ("other.test", false),
    ] {
        let (a, b) = tokio::io::duplex(64 * 1024);
        let acceptor = acceptor.clone();
        let serve = tokio::spawn(async move { acceptor.accept(b).await.map(|_| ()) });
        let connector = tokio_rustls::TlsConnector::from(client_config.clone());
        let got = connector.connect(ServerName::try_from(name.to_string()).expect("name"), a).await;
        assert_eq!(got.is_ok(), ok, "{name}: {:?}", got.err());
        let _ = serve.await;
    }
}

/// The first signal cancels the token, the second exits.
#[tokio::test]
async fn first_signal_cancels_second_exits() {
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let token = CancellationToken::new();
    let exited = Arc::new(AtomicBool::new(false));
    let flag = exited.clone();
    let watcher = tokio::spawn(shutdown_on_signals(rx, token.clone(), move || {
        flag.store(true, Ordering::SeqCst)
    }));
    tx.send(()).await.expect("first");
    tokio::time::timeout(Duration::from_secs(5), token.cancelled()).await.expect("cancelled");
    assert!(!exited.load(Ordering::SeqCst));
    tx.send(()).await.expect("second");
    watcher.await.expect("watcher");
    assert!(exited.load(Ordering::SeqCst));

    // No signal ever: closing the channel ends the watcher without cancelling.
    let (tx, rx) = tokio::sync::mpsc::channel(2);
    let token = CancellationToken::new();
    drop(tx);
    shutdown_on_signals(rx, token.clone(), || panic!("no exit")).await;
    assert!(!token.is_cancelled());
}

const CHILD_ENV: &str = "K8S_RS_SIGNAL_TEST_CHILD";

/// Run by [`signals_stop_then_kill_the_process`] in a child process: installs the handler,
/// reports, waits for the token, reports again, then pretends to drain for a long time.
#[test]
#[ignore = "helper run in a child process by signals_stop_then_kill_the_process"]
fn signal_child() {
    if std::env::var_os(CHILD_ENV).is_none() {
        return;
    }
    let token = setup_signal_handler().expect("handler");
    let again = setup_signal_handler().expect("again");
    println!("child: ready");
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("rt");
    runtime.block_on(token.cancelled());
    assert!(again.is_cancelled(), "every caller gets the one token");
    println!("child: stopping");
    std::thread::sleep(Duration::from_secs(60));
    println!("child: drained");
}

/// Mirrors SetupSignalHandler's contract with real signals: SIGTERM starts the shutdown, a
/// following SIGINT ends the process with exit code 1.
#[test]
fn signals_stop_then_kill_the_process() {
    use std::io::BufRead;
    let exe = std::env::current_exe().expect("test binary");
    let mut child = std::process::Command::new(exe)
        .args([
            "--exact",
            "daemon::tests::signal_child",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env(CHILD_ENV, "1")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("child");
    let (lines_tx, lines_rx) = std::sync::mpsc::channel::<String>();
    let stdout = child.stdout.take().expect("stdout");
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = lines_tx.send(line);
        }
    });
    let wait_for = |marker: &str| loop {
        match lines_rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.contains(marker) => return,
            Ok(_) => {}
            Err(e) => panic!("child never printed {marker:?}: {e}"),
        }
    };
    let signal = |name: &str| {
        let status = std::process::Command::new("kill")
            .args([format!("-{name}"), child.id().to_string()])
            .status()
            .expect("kill");
        assert!(status.success());
    };
    wait_for("child: ready");
    signal("TERM");
    wait_for("child: stopping");
    signal("INT");
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(std::time::Instant::now() < deadline, "child did not exit");
        std::thread::sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(1));
    assert!(!lines_rx.try_iter().any(|l| l.contains("child: drained")));
}
