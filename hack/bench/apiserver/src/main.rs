//! End-to-end apiserver benchmark: starts kube-apiserver (as a child process, so its memory can
//! be read) on the embedded store and on etcd, drives it over HTTPS with concurrent clients, and
//! prints pod create/get/list/watch figures against upstream's SLOs and raw etcd (plain puts,
//! and puts guarded on the key's absence as a create issues them), with the CPU each process
//! (apiserver, etcd, this client) spent per create and per raw write.
//!
//! Usage: `bench-apiserver [--backend embedded|etcd|both] [--pods N] [--clients N] [--watchers N]
//! [--watch-events N] [--secs N] [--rss-pods N,N,...] [--rss-clients N] [--rss-only]`. Build the
//! server beside it first: `cargo build --release -p apiserver --bin kube-apiserver -p bench-apiserver`.
//!
//! With `--rss-pods 10000,50000` a separate server per backend is filled to each count in turn
//! and its resident memory read at every step, with the memory per pod beyond the pod's JSON.

use std::io::BufRead;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, anyhow, bail};
use apiserver::storage::etcd3::local::EtcdServer;
use bytes::Bytes;
use clap::Parser;
use client::rest::SkipVerify;
use etcd_client::{Compare, CompareOp, Txn, TxnOp};
use http::{Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::client::conn::http2::SendRequest;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::ServerName;

/// The bearer token the benchmark's token file grants `system:masters`.
const TOKEN: &str = "benchtoken";
/// Namespace the create/get/list phases fill.
const NAMESPACE: &str = "bench";
/// Namespace the watch phase writes to, so watchers see only their own events.
const WATCH_NAMESPACE: &str = "bench-watch";
/// Namespace the memory phase fills.
const RSS_NAMESPACE: &str = "bench-rss";
/// How long the server is left alone before its memory is read: past tokio's 10 s keep-alive of
/// idle blocking threads, whose stacks and start-up work otherwise count as stored data.
const RSS_SETTLE: Duration = Duration::from_secs(11);
/// After that, the memory is read once two readings this far apart agree within 1%...
const RSS_STABLE_GAP: Duration = Duration::from_secs(2);
/// ...or this much later at the most.
const RSS_SETTLE_MAX: Duration = Duration::from_secs(40);
/// Upstream's latency SLO for single-object calls.
const SLO_SINGLE: Duration = Duration::from_secs(1);
/// Upstream's latency SLO for cluster-scoped / namespace lists.
const SLO_LIST: Duration = Duration::from_secs(30);
/// Goal: p99 of single-object calls at the configured concurrency.
const GOAL_P99: Duration = Duration::from_millis(50);
/// Goal: etcd-backed creates reach this share of raw etcd puts.
const GOAL_ETCD_SHARE: f64 = 0.5;
/// Goal: apiserver memory per stored pod beyond the pod's JSON size.
const GOAL_OVERHEAD_BYTES: f64 = 1024.0;
/// Streams multiplexed on one HTTP/2 connection; below hyper's default stream limit.
const STREAMS_PER_CONN: usize = 100;
/// Clients sharing one HTTP/2 connection (client-go shares one per process).
const CLIENTS_PER_CONN: usize = 8;
/// The longest the watch phase waits for every watcher to see every event.
const WATCH_LIMIT: Duration = Duration::from_secs(300);

/// Command-line settings.
#[derive(Debug, Parser)]
#[command(name = "bench-apiserver", about = "Benchmarks kube-apiserver end to end over HTTPS.")]
struct Config {
    /// Storage backend(s) to run against.
    #[arg(long, default_value = "both", value_parser = ["embedded", "etcd", "both"])]
    backend: String,
    /// Pods created (and then listed) per backend.
    #[arg(long, default_value_t = 10_000)]
    pods: u64,
    /// Concurrent clients for creates, gets and the raw etcd baseline.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Concurrent watchers in the watch phase.
    #[arg(long, default_value_t = 1_000)]
    watchers: usize,
    /// Pods created while the watchers watch; each watcher must receive all of them.
    #[arg(long, default_value_t = 1_000)]
    watch_events: u64,
    /// Seconds spent on the get phase and on the raw etcd put baseline.
    #[arg(long, default_value_t = 5)]
    secs: u64,
    /// Pod counts at which a separate server's memory is read, comma-separated (e.g.
    /// `10000,50000`); the server is filled to each in turn. Empty skips the memory phase.
    #[arg(long, value_delimiter = ',')]
    rss_pods: Vec<u64>,
    /// Concurrent clients creating the memory phase's pods.
    #[arg(long, default_value_t = 256)]
    rss_clients: usize,
    /// Run only the memory phase (needs --rss-pods).
    #[arg(long)]
    rss_only: bool,
}

/// HTTP/2 connections to the apiserver; callers pick one by index so load spreads evenly.
#[derive(Clone)]
struct Api {
    conns: Arc<Vec<SendRequest<Full<Bytes>>>>,
    base: String,
}

impl Api {
    async fn connect(addr: SocketAddr, conns: usize) -> Result<Api> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()?
            .dangerous()
            // The self-signed serving certificate is accepted: the benchmark measures the server, not PKI.
            .with_custom_certificate_verifier(Arc::new(SkipVerify::new(provider)))
            .with_no_client_auth();
        let mut tls = tls;
        tls.alpn_protocols = vec![b"h2".to_vec()];
        let connector = tokio_rustls::TlsConnector::from(Arc::new(tls));
        let mut senders = Vec::with_capacity(conns);
        for _ in 0..conns.max(1) {
            let tcp = tokio::net::TcpStream::connect(addr).await.context("connecting")?;
            tcp.set_nodelay(true)?;
            let stream = connector
                .connect(ServerName::try_from("localhost")?, tcp)
                .await
                .context("TLS handshake")?;
            let (sender, conn) = hyper::client::conn::http2::Builder::new(TokioExecutor::new())
                .initial_stream_window_size(4 << 20)
                .initial_connection_window_size(64 << 20)
                .max_frame_size(1 << 20)
                .handshake(TokioIo::new(stream))
                .await
                .context("HTTP/2 handshake")?;
            tokio::spawn(async move {
                let _ = conn.await;
            });
            senders.push(sender);
        }
        Ok(Api { conns: Arc::new(senders), base: format!("https://{addr}") })
    }

    async fn send(
        &self,
        pick: usize,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<hyper::Response<Incoming>> {
        let mut sender = self.conns[pick % self.conns.len()].clone();
        let mut req = Request::builder()
            .method(method)
            .uri(format!("{}{path}", self.base))
            .header(header::AUTHORIZATION, format!("Bearer {TOKEN}"))
            .header(header::ACCEPT, "application/json");
        if body.is_some() {
            req = req.header(header::CONTENT_TYPE, "application/json");
        }
        let req = req.body(Full::new(body.unwrap_or_default()))?;
        sender.ready().await?;
        Ok(sender.send_request(req).await?)
    }

    /// Sends a request and reads the whole response; non-2xx answers are errors.
    async fn call(
        &self,
        pick: usize,
        method: Method,
        path: &str,
        body: Option<Bytes>,
    ) -> Result<Bytes> {
        let resp = self.send(pick, method.clone(), path, body).await?;
        let status = resp.status();
        let bytes = resp.into_body().collect().await?.to_bytes();
        if !status.is_success() {
            bail!("{method} {path}: {status}: {}", String::from_utf8_lossy(&bytes));
        }
        Ok(bytes)
    }
}

/// A realistic pod: two containers with resources, env, ports and probes, plus labels.
fn pod(namespace: &str, name: &str, n: u64) -> Bytes {
    let body = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": {
                "app": "bench-web",
                "tier": "frontend",
                "shard": format!("s{}", n % 16),
                "app.kubernetes.io/version": "1.27.3",
            },
            "annotations": {"bench.example.com/owner": "team-platform"},
        },
        "spec": {
            "containers": [
                {
                    "name": "web",
                    "image": "registry.k8s.io/nginx:1.27.3",
                    "ports": [
                        {"name": "http", "containerPort": 8080, "protocol": "TCP"},
                        {"name": "metrics", "containerPort": 9090, "protocol": "TCP"},
                    ],
                    "env": [
                        {"name": "LOG_LEVEL", "value": "info"},
                        {"name": "CACHE_SIZE", "value": "256"},
                        {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
                    ],
                    "resources": {
                        "requests": {"cpu": "250m", "memory": "256Mi"},
                        "limits": {"cpu": "1", "memory": "512Mi"},
                    },
                    "livenessProbe": {
                        "httpGet": {"path": "/healthz", "port": 8080},
                        "initialDelaySeconds": 10,
                        "periodSeconds": 10,
                    },
                    "readinessProbe": {
                        "httpGet": {"path": "/ready", "port": "http"},
                        "periodSeconds": 5,
                    },
                },
                {
                    "name": "log-shipper",
                    "image": "registry.k8s.io/busybox:1.36",
                    "command": ["sh", "-c", "tail -F /var/log/app/access.log"],
                    "env": [{"name": "SHIP_TO", "value": "logs.example.com:514"}],
                    "resources": {
                        "requests": {"cpu": "10m", "memory": "16Mi"},
                        "limits": {"cpu": "100m", "memory": "64Mi"},
                    },
                },
            ],
            "restartPolicy": "Always",
            "terminationGracePeriodSeconds": 30,
        },
    });
    Bytes::from(serde_json::to_vec(&body).unwrap_or_default())
}

/// Where the server runs: a child process (memory readable) or, when the binary is missing, this
/// process.
enum Process {
    Child(Child),
    InProcess(apiserver::Running),
}

/// A running apiserver and what it needs to stay alive.
struct Server {
    process: Option<Process>,
    addr: SocketAddr,
    _dir: tempfile::TempDir,
}

impl Server {
    async fn start(etcd: Option<&EtcdServer>) -> Result<Server> {
        let dir = tempfile::tempdir().context("temporary directory")?;
        let tokens = dir.path().join("tokens.csv");
        std::fs::write(&tokens, format!("{TOKEN},admin,1,\"system:masters\"\n"))?;
        let mut args = vec![
            "kube-apiserver".to_string(),
            "--secure-port=0".into(),
            "--bind-address=127.0.0.1".into(),
            format!("--cert-dir={}", dir.path().join("certs").display()),
            format!("--data-dir={}", dir.path().join("data").display()),
            format!("--token-auth-file={}", tokens.display()),
        ];
        if let Some(etcd) = etcd {
            args.push(format!("--etcd-servers={}", etcd.endpoint()));
        }
        match server_binary() {
            Some(binary) => {
                let (process, addr) = spawn_child(&binary, &args[1..]).await?;
                Ok(Server { process: Some(Process::Child(process)), addr, _dir: dir })
            }
            None => {
                eprintln!(
                    "kube-apiserver binary not found beside this one: running in-process \
                     (memory figures then include the benchmark's own client)"
                );
                let options = apiserver::Options::try_parse_from(&args)?;
                let running = apiserver::start(options).await.map_err(|e| anyhow!("{e}"))?;
                let addr = running.addr;
                Ok(Server { process: Some(Process::InProcess(running)), addr, _dir: dir })
            }
        }
    }

    /// Resident memory of the server process in bytes.
    fn rss(&self) -> Option<u64> {
        let status = match &self.process {
            Some(Process::Child(child)) => format!("/proc/{}/status", child.id()),
            _ => "/proc/self/status".to_string(),
        };
        let text = std::fs::read_to_string(status).ok()?;
        let line = text.lines().find(|l| l.starts_with("VmRSS:"))?;
        let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
        Some(kib * 1024)
    }

    /// The server's process id when it runs as a child.
    fn pid(&self) -> Option<u32> {
        match &self.process {
            Some(Process::Child(child)) => Some(child.id()),
            _ => None,
        }
    }

    fn in_process(&self) -> bool {
        matches!(self.process, Some(Process::InProcess(_)))
    }

    async fn stop(mut self) {
        match self.process.take() {
            Some(Process::Child(mut child)) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            Some(Process::InProcess(running)) => running.shutdown().await,
            None => {}
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(Process::Child(child)) = &mut self.process {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

/// `kube-apiserver` from the same target directory as this binary.
fn server_binary() -> Option<PathBuf> {
    let exe = std::env::current_exe().ok()?;
    let candidate = exe.parent()?.join("kube-apiserver");
    candidate.is_file().then_some(candidate)
}

/// Starts the binary and reads its stderr until it reports the address it serves on.
async fn spawn_child(binary: &Path, args: &[String]) -> Result<(Child, SocketAddr)> {
    let mut child = Command::new(binary)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {}", binary.display()))?;
    let stderr = child.stderr.take().context("child stderr")?;
    let (tx, rx) = std::sync::mpsc::channel::<std::result::Result<SocketAddr, String>>();
    // The reader keeps draining after the address so a chatty server never blocks on the pipe.
    std::thread::spawn(move || {
        let mut tail = Vec::new();
        let mut sent = false;
        for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
            if !sent {
                if let Some(rest) = line.split("serving on https://").nth(1) {
                    let parsed = rest.trim().parse::<SocketAddr>().map_err(|e| e.to_string());
                    let _ = tx.send(parsed);
                    sent = true;
                } else {
                    tail.push(line);
                }
            }
        }
        if !sent {
            let _ = tx.send(Err(format!("exited before serving: {}", tail.join("\n"))));
        }
    });
    let got = tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(120)))
        .await?
        .map_err(|_| anyhow!("kube-apiserver did not report its address within 120 s"));
    match got {
        Ok(Ok(addr)) => Ok((child, addr)),
        Ok(Err(why)) => {
            let _ = child.kill();
            let _ = child.wait();
            bail!("kube-apiserver: {why}")
        }
        Err(e) => {
            let _ = child.kill();
            let _ = child.wait();
            Err(e)
        }
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted.get(idx).copied().unwrap_or(Duration::ZERO)
}

fn fmt_dur(d: Duration) -> String {
    let us = d.as_secs_f64() * 1e6;
    if us < 1_000.0 {
        format!("{us:.1} µs")
    } else if us < 1_000_000.0 {
        format!("{:.2} ms", us / 1_000.0)
    } else {
        format!("{:.2} s", us / 1e6)
    }
}

fn fmt_bytes(b: f64) -> String {
    if b.abs() < 1024.0 {
        format!("{b:.0} B")
    } else if b.abs() < 1024.0 * 1024.0 {
        format!("{:.1} KiB", b / 1024.0)
    } else if b.abs() < 1024.0 * 1024.0 * 1024.0 {
        format!("{:.1} MiB", b / 1024.0 / 1024.0)
    } else {
        format!("{:.2} GiB", b / 1024.0 / 1024.0 / 1024.0)
    }
}

fn p50_p99(sorted: &[Duration]) -> String {
    format!("{} / {}", fmt_dur(percentile(sorted, 0.50)), fmt_dur(percentile(sorted, 0.99)))
}

/// What the create phase measured.
struct Created {
    elapsed: Duration,
    /// Sorted.
    latencies: Vec<Duration>,
    /// Summed size of the stored pods as the server returned them.
    bytes: u64,
}

/// Creates `count` pods in `namespace` from `clients` concurrent clients.
async fn create_pods(api: &Api, namespace: &str, count: u64, clients: usize) -> Result<Created> {
    create_pod_range(api, namespace, 0, count, clients).await
}

/// Creates pods numbered `first..end` in `namespace` from `clients` concurrent clients.
async fn create_pod_range(
    api: &Api,
    namespace: &str,
    first: u64,
    end: u64,
    clients: usize,
) -> Result<Created> {
    let next = Arc::new(AtomicU64::new(first));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let api = api.clone();
        let next = Arc::clone(&next);
        let namespace = namespace.to_string();
        tasks.push(tokio::spawn(async move {
            let path = format!("/api/v1/namespaces/{namespace}/pods");
            let (mut lat, mut bytes) = (Vec::new(), 0u64);
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= end {
                    return Ok::<_, anyhow::Error>((lat, bytes));
                }
                let body = pod(&namespace, &format!("pod-{n:07}"), n);
                let t = Instant::now();
                let got = api.call(c / CLIENTS_PER_CONN, Method::POST, &path, Some(body)).await?;
                lat.push(t.elapsed());
                bytes += got.len() as u64;
            }
        }));
    }
    let (mut latencies, mut bytes) = (Vec::new(), 0);
    for t in tasks {
        let (lat, b) = t.await??;
        latencies.extend(lat);
        bytes += b;
    }
    let elapsed = started.elapsed();
    latencies.sort();
    Ok(Created { elapsed, latencies, bytes })
}

/// Random gets of the created pods for `secs` seconds; returns sorted latencies.
async fn get_pods(api: &Api, pods: u64, clients: usize, secs: u64) -> Result<Vec<Duration>> {
    let deadline = Instant::now() + Duration::from_secs(secs);
    let mut tasks = Vec::new();
    for c in 0..clients {
        let api = api.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            let mut x =
                0x9e37_79b9_7f4a_7c15u64 ^ (c as u64 + 1).wrapping_mul(0x2545_f491_4f6c_dd1d);
            while Instant::now() < deadline {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let path = format!("/api/v1/namespaces/{NAMESPACE}/pods/pod-{:07}", x % pods);
                let t = Instant::now();
                api.call(c / CLIENTS_PER_CONN, Method::GET, &path, None).await?;
                lat.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    lat.sort();
    Ok(lat)
}

/// Lists every pod of the bench namespace a few times; returns sorted latencies and the size.
async fn list_pods(api: &Api, pods: u64) -> Result<(Vec<Duration>, u64)> {
    let repeats = if pods > 20_000 { 3 } else { 5 };
    let mut lat = Vec::new();
    let mut size = 0;
    for i in 0..repeats {
        let t = Instant::now();
        let body =
            api.call(0, Method::GET, &format!("/api/v1/namespaces/{NAMESPACE}/pods"), None).await?;
        lat.push(t.elapsed());
        size = body.len() as u64;
        if i == 0 {
            let list: serde_json::Value = serde_json::from_slice(&body)?;
            let items = list["items"].as_array().map_or(0, Vec::len) as u64;
            if items != pods {
                bail!("list returned {items} pods, want {pods}");
            }
        }
    }
    lat.sort();
    Ok((lat, size))
}

/// What the watch phase measured.
struct Watched {
    watchers: usize,
    events: u64,
    /// From the first create until the last watcher had every event; `None` when the phase hit
    /// its time limit.
    all_delivered: Option<Duration>,
    /// From the first create until the last create returned.
    creates: Duration,
    /// Events received over all watchers.
    delivered: u64,
    /// Watches the server ended early that were resumed from their last resourceVersion.
    reopened: u64,
}

/// One line of a watch stream, reduced to what a watcher resumes from. The rest of the object is
/// skipped (still checked to be JSON): decoding every event into a tree made the bench client,
/// not the server, the limit of the watch phase.
#[derive(serde::Deserialize)]
struct WatchLine {
    #[serde(rename = "type")]
    kind: String,
    object: WatchObject,
}

#[derive(serde::Deserialize)]
struct WatchObject {
    metadata: Option<WatchMeta>,
    /// A `Status` object's code (ERROR events).
    code: Option<u16>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct WatchMeta {
    resource_version: Option<String>,
}

/// `watchers` watches on an empty namespace, then `events` creates into it.
async fn watch_pods(
    api: &Api,
    addr: SocketAddr,
    watchers: usize,
    events: u64,
    clients: usize,
) -> Result<Watched> {
    let list = api
        .call(0, Method::GET, &format!("/api/v1/namespaces/{WATCH_NAMESPACE}/pods"), None)
        .await?;
    let list: serde_json::Value = serde_json::from_slice(&list)?;
    let rv =
        list["metadata"]["resourceVersion"].as_str().context("list without resourceVersion")?;
    let rv = rv.to_string();
    let wapi = Api::connect(addr, watchers.div_ceil(STREAMS_PER_CONN)).await?;
    let delivered = Arc::new(AtomicU64::new(0));
    let reopened = Arc::new(AtomicU64::new(0));
    let (ready_tx, mut ready_rx) = tokio::sync::mpsc::channel::<()>(watchers.max(1));
    let mut tasks = Vec::new();
    for i in 0..watchers {
        let (wapi, ready, delivered, reopened) =
            (wapi.clone(), ready_tx.clone(), Arc::clone(&delivered), Arc::clone(&reopened));
        let mut rv = rv.clone();
        tasks.push(tokio::spawn(async move {
            let mut ready = Some(ready);
            let mut seen = 0u64;
            // A watcher the server ends (it fell behind, or the watch timed out) resumes from
            // the last resourceVersion it saw, as a reflector does; the reopenings are counted.
            loop {
                let path = format!(
                    "/api/v1/namespaces/{WATCH_NAMESPACE}/pods?watch=true&resourceVersion={rv}"
                );
                let resp = wapi.send(i / STREAMS_PER_CONN, Method::GET, &path, None).await?;
                if resp.status() != StatusCode::OK {
                    bail!("watch: {}", resp.status());
                }
                if let Some(ready) = ready.take() {
                    let _ = ready.send(()).await;
                }
                let mut body = resp.into_body();
                let mut line = Vec::new();
                while seen < events {
                    let Some(frame) = body.frame().await else { break };
                    let Some(data) = frame?.into_data().ok() else { continue };
                    for chunk in data.split_inclusive(|b| *b == b'\n') {
                        line.extend_from_slice(chunk);
                        if line.last() != Some(&b'\n') {
                            continue;
                        }
                        let event: WatchLine = serde_json::from_slice(&line)?;
                        line.clear();
                        if event.kind == "ERROR" {
                            if event.object.code == Some(410) {
                                bail!("watch resumed too late: {rv} is out of the window");
                            }
                            continue;
                        }
                        if let Some(v) = event.object.metadata.and_then(|m| m.resource_version) {
                            rv = v;
                        }
                        seen += 1;
                        delivered.fetch_add(1, Ordering::Relaxed);
                    }
                }
                if seen >= events {
                    return Ok(Instant::now());
                }
                reopened.fetch_add(1, Ordering::Relaxed);
            }
        }));
    }
    drop(ready_tx);
    let mut ready = 0;
    while ready < watchers && ready_rx.recv().await.is_some() {
        ready += 1;
    }
    if ready < watchers {
        bail!("only {ready} of {watchers} watches opened");
    }
    let started = Instant::now();
    create_pods(api, WATCH_NAMESPACE, events, clients).await?;
    let creates = started.elapsed();
    let collect = async {
        let mut last = started;
        for t in tasks {
            last = last.max(t.await??);
        }
        Ok::<_, anyhow::Error>(last)
    };
    // Progress on stderr while the watchers drain, so a slow phase shows its pace.
    let progress = {
        let delivered = Arc::clone(&delivered);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(20));
            tick.tick().await;
            loop {
                tick.tick().await;
                let n = delivered.load(Ordering::Relaxed);
                eprintln!("  {:.0} s: {n} events delivered", started.elapsed().as_secs_f64());
            }
        })
    };
    let all_delivered = match tokio::time::timeout(WATCH_LIMIT, collect).await {
        Ok(last) => Some(last? - started),
        Err(_) => None,
    };
    progress.abort();
    let delivered = delivered.load(Ordering::Relaxed);
    let reopened = reopened.load(Ordering::Relaxed);
    Ok(Watched { watchers, events, all_delivered, creates, delivered, reopened })
}

/// How the etcd baseline writes each key.
#[derive(Clone, Copy, PartialEq)]
enum RawWrite {
    /// A plain put.
    Put,
    /// A transaction that puts the key only if it does not exist: what every apiserver create
    /// asks of etcd (upstream's included), so AlreadyExists is decided by etcd.
    Create,
}

/// Raw etcd writes of `size`-byte values from `clients` tasks for `secs` seconds: plain puts
/// are the ceiling an etcd-backed create can approach, guarded puts what etcd itself spends on
/// one.
async fn etcd_puts(
    endpoint: &str,
    clients: usize,
    secs: u64,
    size: usize,
    write: RawWrite,
) -> Result<(f64, Vec<Duration>)> {
    let client = etcd_client::Client::connect([endpoint], None).await?;
    let value: Arc<Vec<u8>> = Arc::new(vec![b'x'; size]);
    let deadline = Instant::now() + Duration::from_secs(secs);
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..clients {
        let mut kv = client.kv_client();
        let (value, next) = (Arc::clone(&value), Arc::clone(&next));
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let n = next.fetch_add(1, Ordering::Relaxed);
                let key = format!(
                    "/baseline/{}/p{n:08}",
                    if write == RawWrite::Put { "put" } else { "create" }
                );
                let t = Instant::now();
                match write {
                    RawWrite::Put => {
                        kv.put(key, value.as_slice(), None).await?;
                    }
                    RawWrite::Create => {
                        let absent = Compare::create_revision(key.clone(), CompareOp::Equal, 0);
                        let txn = Txn::new().when([absent]).and_then([TxnOp::put(
                            key,
                            value.as_slice(),
                            None,
                        )]);
                        if !kv.txn(txn).await?.succeeded() {
                            bail!("raw etcd create found its key taken");
                        }
                    }
                }
                lat.push(t.elapsed());
            }
            Ok::<_, anyhow::Error>(lat)
        }));
    }
    let mut lat = Vec::new();
    for t in tasks {
        lat.extend(t.await??);
    }
    let rate = lat.len() as f64 / started.elapsed().as_secs_f64();
    lat.sort();
    Ok((rate, lat))
}

/// CPU time (user + system) a process has used so far, from `/proc/<pid>/stat`; `None` for
/// no process or when it cannot be read.
fn cpu_time(pid: Option<u32>) -> Option<Duration> {
    let path = match pid {
        Some(pid) => format!("/proc/{pid}/stat"),
        None => return None,
    };
    let stat = std::fs::read_to_string(path).ok()?;
    // Fields after the parenthesised command name; utime and stime are fields 14 and 15.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // /proc reports in USER_HZ, which Linux fixes at 100 for user space.
    Some(Duration::from_millis(ticks * 10))
}

/// CPU used per operation by the processes of a phase: the apiserver, etcd and this client.
#[derive(Default, Clone, Copy)]
struct CpuSplit {
    server: Option<Duration>,
    etcd: Option<Duration>,
    client: Option<Duration>,
}

/// Reads the CPU clocks of the apiserver, etcd and this process, runs a phase, and returns
/// what each used per operation (`ops` of them).
struct CpuMeter {
    pids: [Option<u32>; 3],
    start: [Option<Duration>; 3],
}

impl CpuMeter {
    fn start(server: Option<u32>, etcd: Option<u32>) -> CpuMeter {
        let pids = [server, etcd, Some(std::process::id())];
        CpuMeter { pids, start: pids.map(cpu_time) }
    }

    fn per_op(&self, ops: u64) -> CpuSplit {
        let used = |i: usize| {
            let (a, b) = (self.start[i]?, cpu_time(self.pids[i])?);
            Some(b.saturating_sub(a) / u32::try_from(ops.max(1)).unwrap_or(u32::MAX))
        };
        CpuSplit { server: used(0), etcd: used(1), client: used(2) }
    }
}

/// Everything measured on one backend.
struct Figures {
    backend: &'static str,
    in_process: bool,
    created: Created,
    gets: Vec<Duration>,
    list: (Vec<Duration>, u64),
    watched: Watched,
    rss_idle: Option<u64>,
    rss_loaded: Option<u64>,
    rss_end: Option<u64>,
    /// Raw etcd puts and creates (etcd backend only).
    etcd: Option<RawEtcd>,
    /// CPU per create in the create phase.
    create_cpu: CpuSplit,
}

/// One raw etcd baseline: rate, sorted latencies and CPU per write.
struct Raw {
    rate: f64,
    latencies: Vec<Duration>,
    cpu: CpuSplit,
}

/// The etcd baselines, measured in the same run as the apiserver's figures.
struct RawEtcd {
    /// Plain puts of the created pods' size: the goal's baseline.
    put: Raw,
    /// Puts guarded on the key's absence, as an apiserver create issues them.
    create: Raw,
}

async fn run_backend(backend: &'static str, config: &Config) -> Result<Figures> {
    let etcd = if backend == "etcd" { Some(start_etcd().await?) } else { None };
    eprintln!("[{backend}] starting kube-apiserver");
    let server = Server::start(etcd.as_ref()).await?;
    let api = Api::connect(server.addr, config.clients.div_ceil(CLIENTS_PER_CONN)).await?;
    for ns in [NAMESPACE, WATCH_NAMESPACE] {
        let body =
            serde_json::json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": ns}});
        api.call(0, Method::POST, "/api/v1/namespaces", Some(Bytes::from(body.to_string())))
            .await?;
    }
    // Let start-up work (OpenAPI documents, bootstrap objects) finish before the idle reading.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let rss_idle = server.rss();
    eprintln!("[{backend}] creating {} pods with {} clients", config.pods, config.clients);
    let meter = CpuMeter::start(server.pid(), etcd.as_ref().map(EtcdServer::pid));
    let created = create_pods(&api, NAMESPACE, config.pods, config.clients).await?;
    let create_cpu = meter.per_op(config.pods);
    tokio::time::sleep(Duration::from_secs(1)).await;
    let rss_loaded = server.rss();
    eprintln!("[{backend}] getting pods for {} s", config.secs);
    let gets = get_pods(&api, config.pods.max(1), config.clients, config.secs).await?;
    eprintln!("[{backend}] listing {} pods", config.pods);
    let list = list_pods(&api, config.pods).await?;
    eprintln!("[{backend}] {} watchers x {} events", config.watchers, config.watch_events);
    let watched =
        watch_pods(&api, server.addr, config.watchers, config.watch_events, config.clients).await?;
    let rss_end = server.rss();
    let in_process = server.in_process();
    drop(api);
    server.stop().await;
    let etcd_figures = match etcd {
        Some(etcd) => {
            drop(etcd);
            let size = (created.bytes / created.latencies.len().max(1) as u64) as usize;
            let mut raw = Vec::new();
            for (write, what) in [(RawWrite::Put, "puts"), (RawWrite::Create, "creates")] {
                // Each baseline gets an etcd of its own, as fresh as the one the apiserver's
                // creates ran on: the rate of etcd's creates falls after other writes to the
                // same etcd (here from 9-10 k/s to 5-6 k/s after a round of puts) while its
                // puts hold theirs.
                let etcd = start_etcd().await?;
                eprintln!("[{backend}] raw etcd {what} of {size} B for {} s", config.secs);
                let meter = CpuMeter::start(None, Some(etcd.pid()));
                let (rate, latencies) =
                    etcd_puts(etcd.endpoint(), config.clients, config.secs, size, write).await?;
                let cpu = meter.per_op(latencies.len() as u64);
                raw.push(Raw { rate, latencies, cpu });
            }
            let create = raw.pop().expect("two baselines");
            let put = raw.pop().expect("two baselines");
            Some(RawEtcd { put, create })
        }
        None => None,
    };
    Ok(Figures {
        backend,
        in_process,
        created,
        gets,
        list,
        watched,
        rss_idle,
        rss_loaded,
        rss_end,
        etcd: etcd_figures,
        create_cpu,
    })
}

/// The server's memory with some number of pods stored.
struct RssPoint {
    pods: u64,
    rss: Option<u64>,
    /// Average size of the stored pods so far, as the server returned them.
    pod_bytes: f64,
    /// How long creating this step's pods took.
    elapsed: Duration,
}

/// What the memory phase measured on one backend.
struct RssFigures {
    backend: &'static str,
    in_process: bool,
    /// Clients that created the pods (and warmed the server up).
    clients: usize,
    idle: Option<u64>,
    points: Vec<RssPoint>,
}

/// A private etcd with room for the largest runs.
async fn start_etcd() -> Result<EtcdServer> {
    EtcdServer::start(&["--quota-backend-bytes=8589934592"])
        .await
        .map_err(|e| anyhow!("starting etcd: {e}"))
}

/// Fills a fresh server to each of `config.rss_pods` in turn and reads its memory at each step.
async fn run_rss(backend: &'static str, config: &Config) -> Result<RssFigures> {
    let etcd = if backend == "etcd" { Some(start_etcd().await?) } else { None };
    eprintln!("[{backend}] starting kube-apiserver for the memory phase");
    let server = Server::start(etcd.as_ref()).await?;
    let clients = config.rss_clients.max(1);
    let api = Api::connect(server.addr, clients.div_ceil(CLIENTS_PER_CONN)).await?;
    let body = serde_json::json!({
        "apiVersion": "v1", "kind": "Namespace", "metadata": {"name": RSS_NAMESPACE}
    });
    api.call(0, Method::POST, "/api/v1/namespaces", Some(Bytes::from(body.to_string()))).await?;
    warm_up(&api, clients).await?;
    let idle = settled_rss(&server).await;
    let mut sizes = config.rss_pods.clone();
    sizes.sort_unstable();
    sizes.dedup();
    let (mut stored, mut bytes) = (0u64, 0u64);
    let mut points = Vec::new();
    for size in sizes.into_iter().filter(|n| *n > 0) {
        eprintln!("[{backend}] creating pods {stored}..{size} with {clients} clients");
        let created = create_pod_range(&api, RSS_NAMESPACE, stored, size, clients).await?;
        bytes += created.bytes;
        stored = size;
        points.push(RssPoint {
            pods: size,
            rss: settled_rss(&server).await,
            pod_bytes: bytes as f64 / size as f64,
            elapsed: created.elapsed,
        });
    }
    let in_process = server.in_process();
    drop(api);
    server.stop().await;
    Ok(RssFigures { backend, in_process, clients, idle, points })
}

/// Brings the server to its working size without storing pods: one pod, so what is built once
/// per resource on first use (the schemas the field manager derives, the watch cache) counts as
/// idle; then a burst of creates of that same pod from every client, which go through decoding,
/// defaulting, validation and field management before storage refuses them, so connection
/// buffers and per-thread allocator heaps have grown to the load before the idle reading.
async fn warm_up(api: &Api, clients: usize) -> Result<()> {
    let pods = format!("/api/v1/namespaces/{RSS_NAMESPACE}/pods");
    api.call(0, Method::POST, &pods, Some(pod(RSS_NAMESPACE, "warm-up", 0))).await?;
    let mut tasks = Vec::new();
    for c in 0..clients {
        let (api, pods) = (api.clone(), pods.clone());
        tasks.push(tokio::spawn(async move {
            for _ in 0..4 {
                let body = pod(RSS_NAMESPACE, "warm-up", 0);
                let resp = api.send(c / CLIENTS_PER_CONN, Method::POST, &pods, Some(body)).await?;
                let status = resp.status();
                resp.into_body().collect().await?;
                if status != StatusCode::CONFLICT {
                    bail!("warm-up create: {status}, want 409 Conflict");
                }
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for t in tasks {
        t.await??;
    }
    Ok(())
}

/// The server's memory once it has stopped changing (see [`RSS_SETTLE`]).
async fn settled_rss(server: &Server) -> Option<u64> {
    let started = Instant::now();
    tokio::time::sleep(RSS_SETTLE).await;
    let mut last = server.rss()?;
    loop {
        tokio::time::sleep(RSS_STABLE_GAP).await;
        let now = server.rss()?;
        if now.abs_diff(last) * 100 <= last || started.elapsed() >= RSS_SETTLE_MAX {
            return Some(now);
        }
        last = now;
    }
}

fn report_rss(f: &RssFigures) {
    let rss = |r: Option<u64>| r.map_or("n/a".to_string(), |b| fmt_bytes(b as f64));
    let who = if f.in_process { " (in-process, includes client)" } else { "" };
    println!("\n## kube-apiserver memory on the {} backend{who}\n", f.backend);
    println!(
        "RSS idle (after warm-up: one pod stored, {} rejected creates of it): {}\n",
        4 * f.clients,
        rss(f.idle)
    );
    let head = [
        "pods stored",
        "created in",
        "RSS",
        "pod JSON (avg)",
        "per pod beyond JSON",
        "since previous step",
    ];
    let mut rows = Vec::new();
    let mut prev: Option<(u64, u64, f64)> = f.idle.map(|idle| (0, idle, 0.0));
    for p in &f.points {
        let beyond = match (f.idle, p.rss) {
            (Some(idle), Some(now)) => {
                Some((now as f64 - idle as f64) / p.pods as f64 - p.pod_bytes)
            }
            _ => None,
        };
        // Between two steps the fixed costs (windows, caches that are full) cancel out.
        let marginal = match (prev, p.rss) {
            (Some((pods, before, before_json)), Some(now)) if p.pods > pods => {
                let step_json = (p.pod_bytes * p.pods as f64 - before_json * pods as f64)
                    / (p.pods - pods) as f64;
                Some((now as f64 - before as f64) / (p.pods - pods) as f64 - step_json)
            }
            _ => None,
        };
        let cell = |v: Option<f64>| v.map_or("n/a".to_string(), fmt_bytes);
        let verdict = |v: Option<f64>| match v {
            Some(o) if o < GOAL_OVERHEAD_BYTES => " (PASS)",
            Some(_) => " (FAIL)",
            None => "",
        };
        rows.push(vec![
            p.pods.to_string(),
            fmt_dur(p.elapsed),
            rss(p.rss),
            fmt_bytes(p.pod_bytes),
            format!("{}{}", cell(beyond), verdict(beyond)),
            cell(marginal),
        ]);
        prev = p.rss.map(|r| (p.pods, r, p.pod_bytes));
    }
    print_rows(&head, &rows);
    println!(
        "\nGoal: < {} of memory per stored pod beyond its JSON.",
        fmt_bytes(GOAL_OVERHEAD_BYTES)
    );
}

/// One printed row: figure, ours, baseline, ratio.
type Row = [String; 4];

fn ratio(ours: f64, base: f64) -> String {
    if base > 0.0 { format!("x{:.3}", ours / base) } else { String::new() }
}

fn report(f: &Figures, config: &Config) {
    let clients = config.clients;
    let pods = f.created.latencies.len() as u64;
    let pod_bytes = f.created.bytes as f64 / pods.max(1) as f64;
    let create_rate = pods as f64 / f.created.elapsed.as_secs_f64();
    let create_p99 = percentile(&f.created.latencies, 0.99);
    let get_p99 = percentile(&f.gets, 0.99);
    let list_max = f.list.0.last().copied().unwrap_or_default();
    let slo = |d: Duration, slo: Duration| ratio(d.as_secs_f64(), slo.as_secs_f64());
    let mut rows: Vec<Row> = Vec::new();
    let base_rate = f.etcd.as_ref().map_or(0.0, |e| e.put.rate);
    let raw_cell = |raw: &Raw, what: &str| {
        format!("{:.0} /s raw etcd {what} ({})", raw.rate, p50_p99(&raw.latencies))
    };
    rows.push([
        format!("create throughput, {clients} clients ({pods} pods)"),
        format!("{create_rate:.0} /s"),
        f.etcd.as_ref().map_or("-".to_string(), |e| raw_cell(&e.put, "put")),
        ratio(create_rate, base_rate),
    ]);
    if let Some(e) = &f.etcd {
        rows.push([
            "create throughput against etcd's own create".into(),
            format!("{create_rate:.0} /s"),
            raw_cell(&e.create, "create (put if absent)"),
            ratio(create_rate, e.create.rate),
        ]);
    }
    rows.push([
        format!("create latency p50/p99, {clients} clients"),
        p50_p99(&f.created.latencies),
        "1 s (SLO)".into(),
        slo(create_p99, SLO_SINGLE),
    ]);
    let us = |d: Option<Duration>| d.map_or("n/a".to_string(), |d| format!("{}", d.as_micros()));
    let c = &f.create_cpu;
    let put_cell = match &f.etcd {
        Some(e) => format!(
            "etcd / client per raw put: {} / {} us, per raw create: {} / {} us",
            us(e.put.cpu.etcd),
            us(e.put.cpu.client),
            us(e.create.cpu.etcd),
            us(e.create.cpu.client)
        ),
        None => String::new(),
    };
    rows.push([
        "CPU per create: apiserver / etcd / bench client".into(),
        format!("{} / {} / {} us", us(c.server), us(c.etcd), us(c.client)),
        put_cell,
        String::new(),
    ]);
    rows.push([
        format!("get latency p50/p99, {clients} clients ({} gets)", f.gets.len()),
        p50_p99(&f.gets),
        "1 s (SLO)".into(),
        slo(get_p99, SLO_SINGLE),
    ]);
    rows.push([
        format!("list {pods} pods p50/max ({} lists)", f.list.0.len()),
        format!("{} / {}", fmt_dur(percentile(&f.list.0, 0.5)), fmt_dur(list_max)),
        "30 s (SLO)".into(),
        slo(list_max, SLO_LIST),
    ]);
    rows.push([
        format!("list {pods} pods payload"),
        fmt_bytes(f.list.1 as f64),
        String::new(),
        String::new(),
    ]);
    let w = &f.watched;
    let watch_cell = match w.all_delivered {
        _ if w.watchers == 0 => "skipped (--watchers 0)".to_string(),
        Some(d) => format!(
            "{}, {:.0} events/s delivered, {} watches resumed",
            fmt_dur(d),
            w.delivered as f64 / d.as_secs_f64(),
            w.reopened
        ),
        None => format!(
            "not done in {} s: {} of {} events, {} watches resumed",
            WATCH_LIMIT.as_secs(),
            w.delivered,
            w.watchers as u64 * w.events,
            w.reopened
        ),
    };
    rows.push([
        format!("watch: {} watchers x {} events, all delivered", w.watchers, w.events),
        watch_cell,
        String::new(),
        String::new(),
    ]);
    rows.push([
        format!("watch: the {} creates took", w.events),
        fmt_dur(w.creates),
        String::new(),
        String::new(),
    ]);
    rows.push([
        "pod JSON size (as stored, avg)".into(),
        fmt_bytes(pod_bytes),
        String::new(),
        String::new(),
    ]);
    let rss = |r: Option<u64>| r.map_or("n/a".to_string(), |b| fmt_bytes(b as f64));
    let who = if f.in_process { " (in-process, includes client)" } else { "" };
    rows.push([format!("apiserver RSS idle{who}"), rss(f.rss_idle), String::new(), String::new()]);
    rows.push([
        format!("apiserver RSS with {pods} pods"),
        rss(f.rss_loaded),
        String::new(),
        String::new(),
    ]);
    rows.push([
        "apiserver RSS after get/list/watch".into(),
        rss(f.rss_end),
        String::new(),
        String::new(),
    ]);
    println!("\n## kube-apiserver on the {} backend\n", f.backend);
    print_table(&rows);
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    println!("\nGoals:");
    let worst = create_p99.max(get_p99);
    println!(
        "- p99 < {} single-object at {clients} clients: create {}, get {} -> {}",
        fmt_dur(GOAL_P99),
        fmt_dur(create_p99),
        fmt_dur(get_p99),
        verdict(worst < GOAL_P99)
    );
    if let Some(e) = &f.etcd {
        let share = create_rate / base_rate.max(f64::MIN_POSITIVE);
        println!(
            "- etcd-backed create >= {:.0}% of raw etcd put: {:.0}% -> {} ({:.0}% of raw etcd create)",
            GOAL_ETCD_SHARE * 100.0,
            share * 100.0,
            verdict(share >= GOAL_ETCD_SHARE),
            create_rate / e.create.rate.max(f64::MIN_POSITIVE) * 100.0
        );
    }
    // The RSS readings above come from a server that also served the load phases (its
    // allocator keeps what they used), so the memory goal is judged by the memory phase.
    println!("- < 1 KiB memory per stored pod beyond its JSON: see the memory phase (--rss-pods)");
}

fn print_table(rows: &[Row]) {
    let rows: Vec<Vec<String>> = rows.iter().map(|r| r.to_vec()).collect();
    print_rows(&["figure", "ours", "baseline", "ratio"], &rows);
}

/// Prints a Markdown table; every row has as many cells as `head`.
fn print_rows(head: &[&str], rows: &[Vec<String>]) {
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            rows.iter()
                .filter_map(|r| r.get(i))
                .map(|c| c.chars().count())
                .chain([head[i].chars().count()])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: &mut dyn Iterator<Item = &str>| {
        let mut s = String::from("|");
        for (cell, w) in cells.zip(&widths) {
            s.push_str(&format!(" {cell:<w$} |"));
        }
        s
    };
    println!("{}", line(&mut head.iter().copied()));
    let mut rule = String::from("|");
    for w in &widths {
        rule.push_str(&format!("{}|", "-".repeat(w + 2)));
    }
    println!("{rule}");
    for r in rows {
        println!("{}", line(&mut r.iter().map(String::as_str)));
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let config = Config::parse();
    if config.clients == 0 || config.pods == 0 {
        bail!("--clients and --pods must be at least 1");
    }
    if config.rss_only && !config.rss_pods.iter().any(|n| *n > 0) {
        bail!("--rss-only needs --rss-pods with at least one count above 0");
    }
    let backends: &[&'static str] = match config.backend.as_str() {
        "embedded" => &["embedded"],
        "etcd" => &["etcd"],
        _ => &["embedded", "etcd"],
    };
    if !config.rss_only {
        println!(
            "bench-apiserver: {} pods, {} clients, {} watchers x {} events, {} s gets/baseline",
            config.pods, config.clients, config.watchers, config.watch_events, config.secs
        );
        for backend in backends {
            let figures = run_backend(backend, &config)
                .await
                .with_context(|| format!("{backend} backend"))?;
            report(&figures, &config);
        }
        println!(
            "\nratio is ours / baseline: below 1 is better for latencies (share of the SLO used), \
             above 1 better for throughput."
        );
    }
    if config.rss_pods.iter().any(|n| *n > 0) {
        for backend in backends {
            let figures = run_rss(backend, &config)
                .await
                .with_context(|| format!("{backend} backend, memory phase"))?;
            report_rss(&figures);
        }
    }
    Ok(())
}
