//! Runs the shared conformance suite against a real etcd, one private server per test, and
//! the etcd-specific cases: prefixes, revisions, TLS, failures of servers and members.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use super::super::suite::{Store, next_event};
use super::super::{ListOptions, Storage, StorageError, WatchEvent};
use super::local::{EtcdCluster, EtcdServer, TlsFiles, mint_ca, mint_leaf};
use super::{Etcd3, Etcd3Config, Etcd3Error, normalize_prefix, prefix_range_end};

async fn start_server() -> EtcdServer {
    EtcdServer::start(&[]).await.unwrap_or_else(|e| panic!("{e}"))
}

/// A configuration for `server` under `prefix`, as the shared suite expects it: a small
/// per-watcher buffer (the slow-consumer case).
fn suite_config(server: &EtcdServer, prefix: &str) -> Etcd3Config {
    Etcd3Config { watch_buffer: 64, ..server.config(prefix) }
}

/// A store on its own etcd, so revisions and compaction are the test's alone.
async fn fresh() -> (Store, EtcdServer) {
    let server = start_server().await;
    let store = Etcd3::connect(suite_config(&server, "/registry")).await.expect("connect");
    (Arc::new(store), server)
}

super::super::suite::storage_suite!(fresh().await);

#[test]
fn test_prefix_range_end() {
    assert_eq!(prefix_range_end(b"/registry/pods/"), b"/registry/pods0".to_vec());
    assert_eq!(prefix_range_end(b"a\xff"), b"b".to_vec());
    assert_eq!(prefix_range_end(b"\xff\xff"), vec![0]);
    assert_eq!(prefix_range_end(b""), vec![0]);
}

#[test]
fn test_normalize_prefix() {
    for (input, want) in [
        ("/registry", "/registry"),
        ("registry", "/registry"),
        ("/registry/", "/registry"),
        ("//a//b/", "/a/b"),
        ("/", ""),
        ("", ""),
    ] {
        assert_eq!(normalize_prefix(input), want, "{input:?}");
    }
}

// Bad TLS settings fail the connect at once, before anything is dialled, with upstream's
// wording where upstream has one.
#[tokio::test]
async fn test_etcd_bad_config() {
    let none = Etcd3Config { endpoints: vec![], ..Etcd3Config::default() };
    assert_eq!(Etcd3::connect(none).await.unwrap_err(), Etcd3Error::NoEndpoints);
    let dir = tempfile::tempdir().unwrap();
    let files = TlsFiles::mint(dir.path()).unwrap();
    let tls = |ca: Option<&PathBuf>, cert: Option<&PathBuf>, key: Option<&PathBuf>| Etcd3Config {
        endpoints: vec!["https://127.0.0.1:1".to_string()],
        ca_file: ca.cloned(),
        cert_file: cert.cloned(),
        key_file: key.cloned(),
        dial_timeout: Duration::from_millis(300),
        ..Etcd3Config::default()
    };
    let config_error = |config: Etcd3Config| async move {
        match Etcd3::connect(config).await.unwrap_err() {
            Etcd3Error::TlsConfig(message) => message,
            other => panic!("{other:?}"),
        }
    };
    let cert = &files.client_cert_file;
    let key = &files.client_key_file;
    assert_eq!(
        config_error(tls(Some(&files.ca_file), Some(cert), None)).await,
        format!("KeyFile and CertFile must both be present[key: , cert: {}]", cert.display())
    );
    assert_eq!(
        config_error(tls(None, None, Some(key))).await,
        format!("KeyFile and CertFile must both be present[key: {}, cert: ]", key.display())
    );
    // The pairing is checked even when no endpoint uses TLS, as upstream does.
    let plain = Etcd3Config {
        endpoints: vec!["http://127.0.0.1:1".to_string()],
        ..tls(None, Some(cert), None)
    };
    assert!(config_error(plain).await.starts_with("KeyFile and CertFile must both be present"));
    let missing = dir.path().join("missing.crt");
    let message = config_error(tls(Some(&missing), None, None)).await;
    assert!(message.starts_with("failed to read etcd CA file"), "{message}");
    assert!(message.contains(&missing.display().to_string()), "{message}");
    let empty = dir.path().join("empty.crt");
    std::fs::write(&empty, "not a certificate\n").unwrap();
    let message = config_error(tls(Some(&empty), None, None)).await;
    assert!(message.starts_with("no PEM certificates found in etcd CA file"), "{message}");
    let message = config_error(tls(Some(&files.ca_file), Some(&empty), Some(key))).await;
    assert!(message.contains("etcd client certificate file"), "{message}");
    // A certificate where the key belongs holds no private key.
    let message = config_error(tls(Some(&files.ca_file), Some(cert), Some(cert))).await;
    assert!(message.starts_with("invalid etcd client key file"), "{message}");
    let message = config_error(tls(Some(&files.ca_file), Some(cert), Some(&missing))).await;
    assert!(message.starts_with("failed to read etcd client key file"), "{message}");
    let bad_url = Etcd3Config {
        endpoints: vec!["http://bad host:2379".to_string()],
        dial_timeout: Duration::from_millis(300),
        ..Etcd3Config::default()
    };
    let err = Etcd3::connect(bad_url).await.unwrap_err();
    assert!(matches!(err, Etcd3Error::InvalidEndpoint { .. }), "{err:?}");
}

// Over TLS with a client certificate: writes, reads, lists and watches work, through an
// https:// endpoint and through a bare host:port (TLS because the files are set).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_tls() {
    let server = EtcdServer::start_tls(&[]).await.unwrap_or_else(|e| panic!("{e}"));
    assert!(server.endpoint().starts_with("https://127.0.0.1:"), "{}", server.endpoint());
    let s = Etcd3::connect(server.config("/registry")).await.unwrap();
    let mut w = s.watch("/pods", 0, true).await.unwrap();
    let r = s.create("/pods/ns/a", b"a".to_vec()).await.unwrap();
    let kv = s.get("/pods/ns/a").await.unwrap().unwrap();
    assert_eq!((kv.value.as_ref(), kv.mod_revision), (&b"a"[..], r));
    match next_event(&mut w).await {
        WatchEvent::Added(e) => assert_eq!((&*e.key, e.revision), ("/pods/ns/a", r)),
        other => panic!("{other:?}"),
    }
    let r2 = s.update("/pods/ns/a", Some(r), b"b".to_vec()).await.unwrap();
    match next_event(&mut w).await {
        WatchEvent::Modified(e) => assert_eq!((e.revision, e.value.as_ref()), (r2, &b"b"[..])),
        other => panic!("{other:?}"),
    }
    let bare = server.endpoint().trim_start_matches("https://").to_string();
    let config = Etcd3Config { endpoints: vec![bare], ..server.config("/registry") };
    let s2 = Etcd3::connect(config).await.unwrap();
    let list = s2.list("/pods", ListOptions::recursive()).await.unwrap();
    assert_eq!(list.items.len(), 1);
    assert_eq!((list.items[0].value.as_ref(), list.revision), (&b"b"[..], r2));
}

// A TLS setup etcd does not accept fails the connect quickly with the TLS error, well before
// the dial timeout, and a TLS/plain mismatch does not hang either.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_tls_refused() {
    let server = EtcdServer::start_tls(&[]).await.unwrap_or_else(|e| panic!("{e}"));
    let dial = Duration::from_secs(8);
    let connect = |config: Etcd3Config| async move {
        let started = Instant::now();
        let err = Etcd3::connect(Etcd3Config { dial_timeout: dial, ..config }).await.unwrap_err();
        (err, started.elapsed())
    };
    let handshake = |err: Etcd3Error| match err {
        Etcd3Error::TlsHandshake { endpoints, detail } => {
            assert_eq!(endpoints, server.endpoint());
            detail
        }
        other => panic!("{other:?}"),
    };
    // etcd's certificate is not signed by the CA the client trusts.
    let dir = tempfile::tempdir().unwrap();
    let (other_ca, _) = mint_ca("some-other-ca").unwrap();
    let other_ca_file = dir.path().join("other-ca.crt");
    std::fs::write(&other_ca_file, other_ca).unwrap();
    let (err, took) =
        connect(Etcd3Config { ca_file: Some(other_ca_file), ..server.config("/r") }).await;
    assert!(took < dial / 2, "{took:?}");
    let detail = handshake(err.clone());
    assert!(detail.contains("invalid peer certificate: UnknownIssuer"), "{detail}");
    assert!(err.to_string().starts_with("TLS handshake with etcd at https://127.0.0.1:"), "{err}");
    // No client certificate: etcd requires one and ends the handshake with an alert.
    let no_client_cert = Etcd3Config { cert_file: None, key_file: None, ..server.config("/r") };
    let (err, took) = connect(no_client_cert).await;
    assert!(took < dial / 2, "{took:?}");
    let detail = handshake(err);
    assert!(detail.contains("received fatal alert"), "{detail}");
    // A client certificate from a CA etcd does not trust.
    let (_, other_issuer) = mint_ca("another-client-ca").unwrap();
    let (cert, key) = mint_leaf(&other_issuer, "stranger", false).unwrap();
    let (cert_file, key_file) = (dir.path().join("s.crt"), dir.path().join("s.key"));
    std::fs::write(&cert_file, cert).unwrap();
    std::fs::write(&key_file, key).unwrap();
    let stranger =
        Etcd3Config { cert_file: Some(cert_file), key_file: Some(key_file), ..server.config("/r") };
    let (err, took) = connect(stranger).await;
    assert!(took < dial / 2, "{took:?}");
    assert!(handshake(err).contains("received fatal alert"));
    // Without a CA file https:// trusts the system's bundle, which does not hold the minted CA.
    let system = Etcd3Config { ca_file: None, ..server.config("/r") };
    let (err, took) = connect(system).await;
    assert!(took < dial / 2, "{took:?}");
    if super::tls::system_roots(&super::tls::system_bundle_candidates()).is_some() {
        assert!(handshake(err).contains("invalid peer certificate: UnknownIssuer"));
    } else {
        assert!(matches!(err, Etcd3Error::TlsConfig(_)), "{err:?}");
    }
    // Plain HTTP to the TLS port: no answer, bounded by the dial timeout.
    let plain = Etcd3Config {
        endpoints: vec![server.endpoint().replacen("https://", "http://", 1)],
        dial_timeout: Duration::from_secs(1),
        ..server.config("/r")
    };
    let started = Instant::now();
    let err = Etcd3::connect(plain).await.unwrap_err();
    assert!(matches!(err, Etcd3Error::Unreachable { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    // TLS to a plain port: the answer is not TLS.
    let plain_server = start_server().await;
    let tls_to_plain = Etcd3Config {
        endpoints: vec![plain_server.endpoint().replacen("http://", "https://", 1)],
        ..server.config("/r")
    };
    let (err, took) = connect(tls_to_plain).await;
    assert!(took < dial / 2, "{took:?}");
    let Etcd3Error::TlsHandshake { detail, .. } = err else { panic!("{err:?}") };
    assert!(!detail.is_empty());
}

#[tokio::test]
async fn test_etcd_unreachable() {
    let port = super::local::free_port().expect("a free loopback port");
    let config = Etcd3Config {
        endpoints: vec![format!("http://127.0.0.1:{port}")],
        dial_timeout: Duration::from_millis(300),
        ..Etcd3Config::default()
    };
    let started = Instant::now();
    let err = Etcd3::connect(config).await.unwrap_err();
    assert!(matches!(err, Etcd3Error::Unreachable { .. }), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(5), "{:?}", started.elapsed());
    let storage: StorageError = err.into();
    assert!(matches!(storage, StorageError::Unavailable(_)), "{storage:?}");
}

// Two stores on one etcd with different prefixes do not see each other, and keys are stored
// under the prefix.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_prefix_isolation() {
    let server = EtcdServer::start(&[]).await.unwrap_or_else(|e| panic!("{e}"));
    let a = Etcd3::connect(suite_config(&server, "/registry")).await.unwrap();
    let b = Etcd3::connect(suite_config(&server, "/other/")).await.unwrap();
    let raw = Etcd3::connect(suite_config(&server, "")).await.unwrap();
    let rx = a.create("/pods/ns/x", b"a".to_vec()).await.unwrap();
    b.create("/pods/ns/x", b"b".to_vec()).await.unwrap();
    assert_eq!(a.get("/pods/ns/x").await.unwrap().unwrap().value, &b"a"[..]);
    assert_eq!(b.get("/pods/ns/x").await.unwrap().unwrap().value, &b"b"[..]);
    assert_eq!(a.count("/pods").await.unwrap(), 1);
    for (prefix, value) in [("/registry", "a"), ("/other", "b")] {
        let all = raw.list(prefix, ListOptions::recursive()).await.unwrap();
        let got: Vec<(&str, &[u8])> =
            all.items.iter().map(|kv| (kv.key.as_str(), kv.value.as_ref())).collect();
        let key = format!("{prefix}/pods/ns/x");
        assert_eq!(got, [(key.as_str(), value.as_bytes())]);
    }
    let mut w = a.watch("/pods", 0, true).await.unwrap();
    b.create("/pods/ns/y", b"b".to_vec()).await.unwrap();
    let r = a.create("/pods/ns/y", b"a".to_vec()).await.unwrap();
    match next_event(&mut w).await {
        WatchEvent::Added(e) => assert_eq!((&*e.key, e.revision), ("/pods/ns/x", rx)),
        other => panic!("{other:?}"),
    }
    match next_event(&mut w).await {
        WatchEvent::Added(e) => assert_eq!((&*e.key, e.revision), ("/pods/ns/y", r)),
        other => panic!("{other:?}"),
    }
}

// Revisions are etcd's own: a fresh etcd starts at 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_revisions_are_etcds() {
    let server = EtcdServer::start(&[]).await.unwrap_or_else(|e| panic!("{e}"));
    let s = Etcd3::connect(server.config("/registry")).await.unwrap();
    assert_eq!(s.current_revision().await.unwrap(), 1);
    assert_eq!(s.create("/pods/ns/a", b"a".to_vec()).await.unwrap(), 2);
    s.create("/pods/ns/b", b"b".to_vec()).await.unwrap();
    s.compact(3).await.unwrap();
    assert_eq!(s.compacted_revision().await.unwrap(), 3);
    let err = s.watch("/pods", 2, true).await.unwrap_err();
    assert_eq!(err.to_string(), "too old resource version: 2 (3)");
}

// A server that goes away turns reads and writes into Unavailable, and ends watches with an
// error instead of leaving them hanging.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_server_gone() {
    let server = EtcdServer::start(&[]).await.unwrap_or_else(|e| panic!("{e}"));
    let config =
        Etcd3Config { request_timeout: Duration::from_secs(2), ..suite_config(&server, "/r") };
    let s = Etcd3::connect(config).await.unwrap();
    s.create("/pods/ns/a", b"a".to_vec()).await.unwrap();
    let mut w = s.watch("/pods", 0, true).await.unwrap();
    assert!(matches!(next_event(&mut w).await, WatchEvent::Added(_)));
    drop(server);
    match next_event(&mut w).await {
        WatchEvent::Error(StorageError::Unavailable(_)) => {}
        other => panic!("{other:?}"),
    }
    let err = s.get("/pods/ns/a").await.unwrap_err();
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
    let err = s.create("/pods/ns/b", b"b".to_vec()).await.unwrap_err();
    assert!(matches!(err, StorageError::Unavailable(_)), "{err:?}");
}

// Lists and snapshots bigger than gRPC's default 4 MiB message still come back whole.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_large_list() {
    let server = EtcdServer::start(&[]).await.unwrap_or_else(|e| panic!("{e}"));
    let s = Etcd3::connect(suite_config(&server, "/registry")).await.unwrap();
    let big = vec![b'x'; 1024 * 1024];
    for i in 0..6 {
        s.create(&format!("/configmaps/ns/c{i}"), big.clone()).await.unwrap();
    }
    let r = s.list("/configmaps", ListOptions::recursive()).await.unwrap();
    assert_eq!(r.items.len(), 6);
    assert!(r.items.iter().all(|kv| kv.value == big));
    let mut w = s.watch("/configmaps", 0, true).await.unwrap();
    for i in 0..6 {
        match next_event(&mut w).await {
            WatchEvent::Added(e) => assert_eq!(&*e.key, format!("/configmaps/ns/c{i}")),
            other => panic!("{other:?}"),
        }
    }
}

// Mirrors RunOptionalTestProgressNotify: with progress notification on, an idle watcher
// learns the current revision.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_progress_notify() {
    let server = EtcdServer::start(&["--experimental-watch-progress-notify-interval=200ms"])
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let config = Etcd3Config { progress_notify: true, ..suite_config(&server, "/registry") };
    let s = Etcd3::connect(config).await.unwrap();
    let r1 = s.create("/pods/ns/a", b"a".to_vec()).await.unwrap();
    let mut w = s.watch("/pods", r1, true).await.unwrap();
    let r2 = s.create("/other/x", b"x".to_vec()).await.unwrap();
    loop {
        match next_event(&mut w).await {
            WatchEvent::Bookmark { revision } if revision == r2 => break,
            WatchEvent::Bookmark { revision } => assert!(revision >= r1 && revision < r2),
            other => panic!("{other:?}"),
        }
    }
}

// A progress request never reports a revision the watch has not delivered: etcd versions
// that would (before 3.4.31, 3.5.0 to 3.5.12) are not asked at all, newer ones are.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_progress_request() {
    let server = start_server().await;
    let s = Etcd3::connect(server.config("/registry")).await.unwrap();
    let status = s.members.all()[0].maintenance.clone().status().await.unwrap();
    let supported = super::progress::version_supports_progress_request(status.version());
    let first = s.current_revision().await.unwrap();
    let mut last = first;
    for i in 0..300 {
        last = s.create(&format!("/pods/ns/p{i}"), vec![b'x'; 512]).await.unwrap();
    }
    // Started far behind, the watch catches up in batches while progress is requested.
    let mut w = s.watch("/pods", first, true).await.unwrap();
    // An etcd that would answer wrongly is not asked: the request says so.
    assert_eq!(s.request_progress().await.is_ok(), supported);
    let mut delivered = first;
    while delivered < last {
        match next_event(&mut w).await {
            WatchEvent::Added(e) => delivered = e.revision,
            WatchEvent::Bookmark { revision } => {
                assert!(revision <= delivered, "bookmark at {revision} after only {delivered}");
            }
            other => panic!("{other:?}"),
        }
        let _ = s.request_progress().await;
    }
    // An idle watch: a bookmark at the current revision exactly when etcd is asked.
    let mut idle = s.watch("/idle", last, true).await.unwrap();
    let _ = s.request_progress().await;
    let answer = tokio::time::timeout(Duration::from_secs(1), idle.recv()).await;
    if supported {
        assert!(
            matches!(answer, Ok(Some(WatchEvent::Bookmark { revision })) if revision == last),
            "{answer:?}"
        );
    } else {
        assert!(answer.is_err(), "etcd {} was asked: {answer:?}", status.version());
    }
}

async fn start_cluster() -> EtcdCluster {
    EtcdCluster::start(3).await.unwrap_or_else(|e| panic!("{e}"))
}

// The suite's basic cases hold against a 3-member cluster reached through all endpoints.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_cluster_smoke() {
    let cluster = start_cluster().await;
    assert_eq!(cluster.endpoints().len(), 3);
    let store = |prefix: &str| {
        let config = Etcd3Config { watch_buffer: 64, ..cluster.config(prefix) };
        async move { Arc::new(Etcd3::connect(config).await.expect("connect")) as Store }
    };
    super::super::suite::test_create(store("/create").await).await;
    super::super::suite::test_get(store("/get").await).await;
    super::super::suite::test_list(store("/list").await).await;
    super::super::suite::test_watch(store("/watch").await).await;
    super::super::suite::test_watch_from_non_zero(store("/watch2").await).await;
    super::super::suite::test_guaranteed_update(store("/update").await).await;
}

/// Collects a watch's events until every revision in `want` was seen; when the watch ends
/// with an error it is resumed from the last revision delivered, as a caller would. Returns
/// every revision delivered, in order.
async fn follow(s: &Etcd3, mut w: super::super::Watch, mut last: u64, want: &[u64]) -> Vec<u64> {
    let mut seen = Vec::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let missing: Vec<u64> = want.iter().copied().filter(|r| !seen.contains(r)).collect();
        if missing.is_empty() {
            return seen;
        }
        assert!(Instant::now() < deadline, "watch saw {seen:?}, still missing {missing:?}");
        match tokio::time::timeout(Duration::from_secs(10), w.recv()).await {
            Ok(Some(WatchEvent::Added(e))) => {
                // Strictly increasing: nothing twice, nothing out of order.
                assert!(e.revision > last, "out of order: {} after {last}", e.revision);
                last = e.revision;
                seen.push(e.revision);
            }
            Ok(Some(WatchEvent::Error(StorageError::Unavailable(_)))) | Ok(None) => {
                w = loop {
                    match s.watch("/pods", last, true).await {
                        Ok(w) => break w,
                        Err(StorageError::Unavailable(_)) => {
                            assert!(Instant::now() < deadline, "watch never resumed");
                            tokio::time::sleep(Duration::from_millis(50)).await;
                        }
                        Err(e) => panic!("{e:?}"),
                    }
                };
            }
            Ok(Some(other)) => panic!("{other:?}"),
            Err(_) => panic!("watch stalled after {seen:?}, missing {missing:?}"),
        }
    }
}

// Killing a member while a watch and writes run: writes succeed again within a deadline,
// reads agree with every acknowledged write, and the watch either continues or ends with
// Unavailable and resumes from its last revision without losing an event. Writes that failed
// as Unavailable may still have landed; the watch may show those too, but nothing else.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_cluster_member_killed() {
    for victim in [0, 1] {
        let mut cluster = start_cluster().await;
        let config =
            Etcd3Config { request_timeout: Duration::from_secs(3), ..cluster.config("/registry") };
        let s = Arc::new(Etcd3::connect(config).await.unwrap());
        let start = s.current_revision().await.unwrap();
        let w = s.watch("/pods", start, true).await.unwrap();
        let killed = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let writer = {
            let s = s.clone();
            let killed = killed.clone();
            tokio::spawn(async move {
                let mut acked = Vec::new();
                let mut failed = Vec::new();
                let mut i = 0;
                let mut since_kill_ok = 0;
                let deadline = Instant::now() + Duration::from_secs(30);
                // Keep writing until 20 writes after the kill have succeeded.
                while since_kill_ok < 20 {
                    assert!(
                        Instant::now() < deadline,
                        "writes did not recover: {} failed",
                        failed.len()
                    );
                    let key = format!("/pods/ns/k{i}");
                    i += 1;
                    match s.create(&key, key.clone().into_bytes()).await {
                        Ok(r) => {
                            acked.push((key, r));
                            if killed.load(std::sync::atomic::Ordering::SeqCst) {
                                since_kill_ok += 1;
                            }
                        }
                        Err(StorageError::Unavailable(_)) => failed.push(key),
                        Err(e) => panic!("{key}: {e:?}"),
                    }
                    tokio::task::yield_now().await;
                }
                (acked, failed)
            })
        };
        // Let some writes through, then kill a member.
        let t = Instant::now();
        while s.count("/pods").await.unwrap_or(0) < 5 {
            assert!(t.elapsed() < Duration::from_secs(20));
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        assert!(cluster.kill(victim));
        killed.store(true, std::sync::atomic::Ordering::SeqCst);
        let (acked, failed) = writer.await.unwrap();
        // Every acknowledged write reads back, singly and in a list.
        for (key, r) in &acked {
            let kv = s.get(key).await.unwrap().unwrap_or_else(|| panic!("{key} lost"));
            assert_eq!((kv.value.as_ref(), kv.mod_revision), (key.as_bytes(), *r));
        }
        let list = s.list("/pods", ListOptions::recursive()).await.unwrap();
        for (key, _) in &acked {
            assert!(list.items.iter().any(|kv| &kv.key == key), "{key} not listed");
        }
        let mut landed = Vec::new();
        for key in &failed {
            if let Some(kv) = s.get(key).await.unwrap() {
                landed.push(kv.mod_revision);
            }
        }
        let revs: Vec<u64> = acked.iter().map(|(_, r)| *r).collect();
        let seen = follow(&s, w, start, &revs).await;
        for r in seen.iter().filter(|r| !revs.contains(r)) {
            assert!(landed.contains(r), "revision {r} was neither acknowledged nor a failed write");
        }
    }
}

/// A TCP relay in front of an etcd endpoint that, once told to, goes on passing requests to
/// etcd but throws its answers away: requests land and their senders never learn it.
struct AnswerDropper {
    endpoint: String,
    dropping: Arc<AtomicBool>,
    dropped: Arc<AtomicUsize>,
    relay: tokio::task::JoinHandle<()>,
}

impl Drop for AnswerDropper {
    fn drop(&mut self) {
        // The connections' tasks belong to the relay's task and end with it.
        self.relay.abort();
    }
}

impl AnswerDropper {
    async fn start(upstream: &str) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let endpoint = format!("http://{}", listener.local_addr().expect("local address"));
        let upstream = upstream.trim_start_matches("http://").to_string();
        let dropping = Arc::new(AtomicBool::new(false));
        let dropped = Arc::new(AtomicUsize::new(0));
        let (flag, count) = (dropping.clone(), dropped.clone());
        let relay = tokio::spawn(async move {
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((client, _)) = listener.accept().await {
                let Ok(server) = tokio::net::TcpStream::connect(&upstream).await else {
                    continue;
                };
                connections.spawn(relay(client, server, flag.clone(), count.clone()));
            }
        });
        AnswerDropper { endpoint, dropping, dropped, relay }
    }

    /// From now on, etcd's answers are thrown away.
    fn drop_answers(&self) {
        self.dropping.store(true, Ordering::SeqCst);
    }

    /// How many bytes of answers were thrown away.
    fn dropped(&self) -> usize {
        self.dropped.load(Ordering::SeqCst)
    }
}

async fn relay(
    client: tokio::net::TcpStream,
    server: tokio::net::TcpStream,
    dropping: Arc<AtomicBool>,
    dropped: Arc<AtomicUsize>,
) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let requests = async {
        let _ = tokio::io::copy(&mut client_read, &mut server_write).await;
    };
    let answers = async {
        let mut buf = vec![0; 16 * 1024];
        loop {
            let n = match server_read.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if dropping.load(Ordering::SeqCst) {
                dropped.fetch_add(n, Ordering::SeqCst);
            } else if client_write.write_all(&buf[..n]).await.is_err() {
                return;
            }
        }
    };
    tokio::join!(requests, answers);
}

/// The relay's place among a store's members, and the direct endpoint's.
const RELAY: usize = 0;
const DIRECT: usize = 1;

/// A store reaching `server` through `dropper` and directly, in that order. A third of the
/// request timeout (one attempt of a write) leaves the test time to act while an attempt
/// waits for its lost answer.
async fn through_dropper(server: &EtcdServer, dropper: &AnswerDropper) -> Etcd3 {
    let config = Etcd3Config {
        endpoints: vec![dropper.endpoint.clone(), server.endpoint().to_string()],
        request_timeout: Duration::from_secs(9),
        ..server.config("/registry")
    };
    Etcd3::connect(config).await.expect("connect")
}

/// Makes cheap reads until `s` last picked member `last`, so the next request goes to the
/// member after it (members are taken in turn).
async fn align(s: &Etcd3, last: usize) {
    for _ in 0..10 {
        s.current_revision().await.unwrap();
        if s.members.last_picked() == last {
            return;
        }
    }
    panic!("member {last} was never picked");
}

/// Polls `s` until `key` is gone; the revision it is gone at.
async fn wait_until_gone(s: &Etcd3, key: &str) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(10);
    while s.get(key).await.unwrap().is_some() {
        assert!(Instant::now() < deadline, "{key} was never deleted");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    s.current_revision().await.unwrap()
}

// A delete whose answer is lost after it landed is tried again; the retry finds the key gone
// (or already created again by someone else) and recognises the first attempt's deletion in
// the key's history: the caller gets the key's last state at the deletion's revision, as the
// first attempt would have answered, never NotFound or a conflict, and a later incarnation of
// the key is left alone. Guarded and unguarded deletes alike.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_delete_answer_lost() {
    let server = start_server().await;
    let other = Etcd3::connect(server.config("/registry")).await.unwrap();
    for (guarded, recreate) in [(true, false), (true, true), (false, false), (false, true)] {
        let case = format!("guarded={guarded} recreate={recreate}");
        let dropper = AnswerDropper::start(server.endpoint()).await;
        let s = Arc::new(through_dropper(&server, &dropper).await);
        let key = format!("/pods/ns/{guarded}-{recreate}");
        let created = s.create(&key, b"old".to_vec()).await.unwrap();
        // The delete's transaction goes through the relay; an unguarded delete first reads
        // the key, directly.
        align(&s, if guarded { DIRECT } else { RELAY }).await;
        dropper.drop_answers();
        let delete = {
            let (s, key) = (s.clone(), key.clone());
            tokio::spawn(async move { s.delete(&key, guarded.then_some(created)).await })
        };
        let deleted_at = wait_until_gone(&other, &key).await;
        assert!(!delete.is_finished(), "{case}: the answer was not lost");
        // Something else is written before the retry, so the deletion is not the latest write.
        let later = if recreate {
            other.create(&key, b"new".to_vec()).await.unwrap()
        } else {
            other.create(&format!("{key}-later"), b"x".to_vec()).await.unwrap()
        };
        let kv = delete.await.unwrap().unwrap_or_else(|e| panic!("{case}: {e:?}"));
        assert!(dropper.dropped() > 0, "{case}");
        assert_eq!(
            (kv.key.as_str(), kv.value.as_ref(), kv.create_revision, kv.mod_revision),
            (key.as_str(), &b"old"[..], created, deleted_at),
            "{case}"
        );
        assert!(deleted_at < later, "{case}");
        let now = other.get(&key).await.unwrap().map(|kv| (kv.value.to_vec(), kv.mod_revision));
        if recreate {
            assert_eq!(now, Some((b"new".to_vec(), later)), "{case}");
        } else {
            assert_eq!(now, None, "{case}");
        }
    }
}

// A compaction whose answer is lost after it landed is tried again, finds its revision
// compacted, and counts as done; reads below it are expired.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_compact_answer_lost() {
    let server = start_server().await;
    let other = Etcd3::connect(server.config("/registry")).await.unwrap();
    let dropper = AnswerDropper::start(server.endpoint()).await;
    let s = Arc::new(through_dropper(&server, &dropper).await);
    let mut revisions = Vec::new();
    for i in 0..6 {
        revisions.push(s.create(&format!("/pods/ns/p{i}"), vec![b'x'; 1024]).await.unwrap());
    }
    let target = revisions[4];
    align(&s, DIRECT).await;
    dropper.drop_answers();
    let compact = {
        let s = s.clone();
        tokio::spawn(async move { s.compact(target).await })
    };
    let deadline = Instant::now() + Duration::from_secs(10);
    while other.compacted_revision().await.unwrap() != target {
        assert!(Instant::now() < deadline, "the compaction never landed");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(!compact.is_finished(), "the answer was not lost");
    compact.await.unwrap().unwrap();
    assert!(dropper.dropped() > 0);
    assert_eq!(s.compacted_revision().await.unwrap(), target);
    let below = ListOptions { revision: Some(target - 1), ..ListOptions::recursive() };
    let err = s.list("/pods", below).await.unwrap_err();
    assert!(matches!(err, StorageError::ResourceExpired { .. }), "{err:?}");
    let at = ListOptions { revision: Some(target), ..ListOptions::recursive() };
    assert_eq!(s.list("/pods", at).await.unwrap().items.len(), 5);
}

// The history check behind a retried delete: it recognises a deletion of exactly the guarded
// state and nothing else, and with that history compacted away the outcome is unknown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_delete_history_check() {
    let server = start_server().await;
    let s = Etcd3::connect(server.config("/registry")).await.unwrap();
    let check = |key: &'static str, after: u64| {
        let s = &s;
        async move {
            let after = i64::try_from(after).unwrap();
            s.deleted_after(&s.etcd_key(key), after, s.deadline()).await
        }
    };
    // Deleted from the guarded state: recognised, with what the delete answered.
    let r = s.create("/pods/ns/a", b"a".to_vec()).await.unwrap();
    let deleted = s.delete("/pods/ns/a", Some(r)).await.unwrap();
    s.create("/pods/ns/a", b"again".to_vec()).await.unwrap();
    assert_eq!(check("/pods/ns/a", r).await.unwrap(), Some(deleted));
    // Changed first and deleted later: no deletion of the state at the first revision, but
    // one of the later state.
    let r1 = s.create("/pods/ns/b", b"b1".to_vec()).await.unwrap();
    let r2 = s.update("/pods/ns/b", Some(r1), b"b2".to_vec()).await.unwrap();
    let deleted = s.delete("/pods/ns/b", None).await.unwrap();
    assert_eq!(check("/pods/ns/b", r1).await.unwrap(), None);
    assert_eq!(check("/pods/ns/b", r2).await.unwrap(), Some(deleted));
    // A revision the key never held: its next change deletes another state.
    s.create("/pods/ns/c", b"c".to_vec()).await.unwrap();
    let unrelated = s.create("/pods/ns/x", b"x".to_vec()).await.unwrap();
    s.delete("/pods/ns/c", None).await.unwrap();
    assert_eq!(check("/pods/ns/c", unrelated).await.unwrap(), None);
    // A revision yet to come: the key never held it.
    let future = s.current_revision().await.unwrap() + 100;
    assert_eq!(check("/pods/ns/c", future).await.unwrap(), None);
    // The history is gone, compacted past the deletion or just at it (which drops the
    // deletion's tombstone): the outcome cannot be told, and that is said at once.
    let rd = s.create("/pods/ns/d", b"d".to_vec()).await.unwrap();
    s.delete("/pods/ns/d", None).await.unwrap();
    let re = s.create("/pods/ns/e", b"e".to_vec()).await.unwrap();
    let deleted = s.delete("/pods/ns/e", None).await.unwrap();
    s.compact(deleted.mod_revision).await.unwrap();
    for (key, r) in [("/pods/ns/d", rd), ("/pods/ns/e", re)] {
        let started = Instant::now();
        let err = check(key, r).await.unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(2), "{:?}", started.elapsed());
        let StorageError::Unavailable(message) = &err else { panic!("{err:?}") };
        let want =
            format!("the outcome of a delete of {key} is unknown: its history was compacted");
        assert_eq!(message, &want);
    }
}

/// Which member a cluster test kills.
#[derive(Debug, Clone, Copy)]
enum Victim {
    /// The member the store sent its latest request to.
    InUse,
    /// Any member.
    Random,
}

/// The cluster's index of the member `victim` names for store `s`.
fn choose_victim(victim: Victim, cluster: &EtcdCluster, s: &Etcd3) -> usize {
    match victim {
        Victim::InUse => {
            let endpoint = &s.members.all()[s.members.last_picked()].endpoint;
            (0..cluster.size())
                .find(|&i| cluster.endpoint(i) == Some(endpoint.as_str()))
                .expect("the member in use is running")
        }
        Victim::Random => usize::from(uuid::Uuid::new_v4().as_bytes()[0]) % cluster.size(),
    }
}

/// One delete of a cluster test and what it answered.
struct DeleteOutcome {
    key: String,
    created: u64,
    after_kill: bool,
    result: Result<super::super::KeyValue, StorageError>,
}

// Killing a member (the one in use, or any) while deletes stream in, guarded and unguarded,
// two at a time: deletes succeed again within a deadline; no delete reports NotFound or a
// conflict (every key exists and nothing else touches them); every acknowledged delete removed
// its key at the revision it reported and answered the key's last state; a delete reported
// unavailable either left its key as it was or removed it; and the history holds exactly one
// deletion per removed key and nothing else (no delete applied twice).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_cluster_member_killed_deletes() {
    const KEYS: usize = 240;
    const DELETERS: usize = 2;
    for victim in [Victim::InUse, Victim::Random] {
        let mut cluster = start_cluster().await;
        let config =
            Etcd3Config { request_timeout: Duration::from_secs(5), ..cluster.config("/registry") };
        let s = Arc::new(Etcd3::connect(config).await.unwrap());
        let mut creators = tokio::task::JoinSet::new();
        for c in 0..8 {
            let s = s.clone();
            creators.spawn(async move {
                let mut created = Vec::new();
                for i in (c..KEYS).step_by(8) {
                    let key = format!("/pods/ns/k{i:03}");
                    created.push((
                        i,
                        key.clone(),
                        s.create(&key, key.clone().into()).await.unwrap(),
                    ));
                }
                created
            });
        }
        let mut keys = Vec::new();
        while let Some(created) = creators.join_next().await {
            keys.extend(created.unwrap());
        }
        keys.sort();
        let keys = Arc::new(keys);
        let start = s.current_revision().await.unwrap();
        let done = Arc::new(AtomicUsize::new(0));
        let killed = Arc::new(AtomicBool::new(false));
        let mut deleters = tokio::task::JoinSet::new();
        for d in 0..DELETERS {
            let (s, keys, done, killed) = (s.clone(), keys.clone(), done.clone(), killed.clone());
            deleters.spawn(async move {
                let mut outcomes = Vec::new();
                for (i, key, created) in keys.iter().filter(|(i, ..)| i % DELETERS == d) {
                    // Every other delete of a deleter is guarded by the key's revision.
                    let guard = (i / DELETERS).is_multiple_of(2).then_some(*created);
                    let after_kill = killed.load(Ordering::SeqCst);
                    let result = s.delete(key, guard).await;
                    done.fetch_add(1, Ordering::SeqCst);
                    outcomes.push(DeleteOutcome {
                        key: key.clone(),
                        created: *created,
                        after_kill,
                        result,
                    });
                }
                outcomes
            });
        }
        let t = Instant::now();
        while done.load(Ordering::SeqCst) < 40 {
            assert!(t.elapsed() < Duration::from_secs(30), "deletes do not progress");
            tokio::time::sleep(Duration::from_millis(2)).await;
        }
        let index = choose_victim(victim, &cluster, &s);
        assert!(cluster.kill(index));
        killed.store(true, Ordering::SeqCst);
        let mut outcomes = Vec::new();
        while let Some(joined) = deleters.join_next().await {
            outcomes.extend(joined.unwrap());
        }
        let case = format!("{victim:?} (member {index})");
        let mut removed = std::collections::BTreeMap::new();
        let mut since_kill_ok = 0;
        for o in &outcomes {
            let now = s.get(&o.key).await.unwrap();
            match &o.result {
                Ok(kv) => {
                    assert_eq!(
                        (kv.key.as_str(), kv.value.as_ref(), kv.create_revision),
                        (o.key.as_str(), o.key.as_bytes(), o.created),
                        "{case}"
                    );
                    assert!(kv.mod_revision > start, "{case}: {} at {}", o.key, kv.mod_revision);
                    assert!(now.is_none(), "{case}: {} acknowledged but still there", o.key);
                    removed.insert(o.key.clone(), Some(kv.mod_revision));
                    since_kill_ok += usize::from(o.after_kill);
                }
                Err(StorageError::Unavailable(_)) => match now {
                    None => {
                        removed.insert(o.key.clone(), None);
                    }
                    Some(kv) => assert_eq!(
                        (kv.value.as_ref(), kv.mod_revision),
                        (o.key.as_bytes(), o.created),
                        "{case}: {} changed by a failed delete",
                        o.key
                    ),
                },
                Err(e) => panic!("{case}: delete of existing {} answered {e:?}", o.key),
            }
        }
        assert!(since_kill_ok >= 20, "{case}: deletes did not recover: {since_kill_ok}");
        // One revision per deletion, and the history shows which.
        let end = s.current_revision().await.unwrap();
        assert_eq!(end - start, removed.len() as u64, "{case}");
        let mut w = s.watch("/pods", start, true).await.unwrap();
        let mut seen = std::collections::BTreeSet::new();
        for _ in 0..removed.len() {
            match next_event(&mut w).await {
                WatchEvent::Deleted(e) => {
                    assert!(seen.insert(e.key.to_string()), "{case}: {} deleted twice", e.key);
                    let reported = removed.get(&*e.key).unwrap_or_else(|| {
                        panic!("{case}: {} deleted at {} by nobody", e.key, e.revision)
                    });
                    if let Some(r) = reported {
                        assert_eq!(e.revision, *r, "{case}: {}", e.key);
                    }
                    assert_eq!(e.value.as_ref(), e.key.as_bytes(), "{case}");
                }
                other => panic!("{case}: {other:?}"),
            }
        }
    }
}

// Killing a member (the one a compaction was just sent to, or any) while that compaction runs,
// in a stream of compactions at ever newer revisions between writes: compactions succeed again
// within a deadline, one tried again after its answer was lost counts as done, and afterwards
// the compaction point is the newest compaction that landed: reads below any acknowledged
// compaction are expired, reads at the compaction point work, and compacting again at an
// older point changes nothing.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_etcd_cluster_member_killed_compaction() {
    for victim in [Victim::InUse, Victim::Random] {
        let mut cluster = start_cluster().await;
        let config =
            Etcd3Config { request_timeout: Duration::from_secs(5), ..cluster.config("/registry") };
        let s = Arc::new(Etcd3::connect(config).await.unwrap());
        // Told when the third compaction has gone to its member.
        let (in_flight, sent) = tokio::sync::oneshot::channel();
        let killed = Arc::new(AtomicBool::new(false));
        let compactor = {
            let (s, killed) = (s.clone(), killed.clone());
            tokio::spawn(async move {
                let (mut acked, mut failed) = (Vec::new(), Vec::new());
                let mut in_flight = Some(in_flight);
                let mut since_kill_ok = 0;
                let deadline = Instant::now() + Duration::from_secs(60);
                let mut i = 0;
                while since_kill_ok < 5 {
                    assert!(Instant::now() < deadline, "compactions did not recover");
                    // Some history to compact away; a write may fail while the member dies.
                    let mut target = None;
                    for _ in 0..20 {
                        i += 1;
                        let key = format!("/pods/ns/p{i}");
                        match s.create(&key, vec![b'x'; 1024]).await {
                            Ok(r) => target = Some(r),
                            Err(StorageError::Unavailable(_)) => {}
                            Err(e) => panic!("{key}: {e:?}"),
                        }
                    }
                    let Some(target) = target else { continue };
                    let after_kill = killed.load(Ordering::SeqCst);
                    let picks = s.members.picks();
                    let compaction = {
                        let s = s.clone();
                        tokio::spawn(async move { s.compact(target).await })
                    };
                    if in_flight.is_some() && acked.len() + failed.len() == 2 {
                        while s.members.picks() == picks {
                            tokio::task::yield_now().await;
                        }
                        if let Some(tx) = in_flight.take() {
                            let _ = tx.send(());
                        }
                    }
                    match compaction.await.unwrap() {
                        Ok(()) => {
                            acked.push(target);
                            since_kill_ok += usize::from(after_kill);
                        }
                        Err(StorageError::Unavailable(_)) => failed.push(target),
                        Err(e) => panic!("compaction at {target}: {e:?}"),
                    }
                }
                (acked, failed)
            })
        };
        tokio::time::timeout(Duration::from_secs(30), sent)
            .await
            .expect("compactions do not progress")
            .unwrap();
        let index = choose_victim(victim, &cluster, &s);
        assert!(cluster.kill(index));
        killed.store(true, Ordering::SeqCst);
        let (acked, failed) = compactor.await.unwrap();
        let case = format!("{victim:?} (member {index})");
        let newest = *acked.iter().max().unwrap();
        let point = s.compacted_revision().await.unwrap();
        assert!(point == newest || (point > newest && failed.contains(&point)), "{case}: {point}");
        for t in &acked {
            let below = ListOptions { revision: Some(t - 1), ..ListOptions::recursive() };
            let err = s.list("/pods", below).await.unwrap_err();
            assert!(matches!(err, StorageError::ResourceExpired { .. }), "{case}: {err:?}");
        }
        let at = ListOptions { revision: Some(point), ..ListOptions::recursive() };
        s.list("/pods", at).await.unwrap_or_else(|e| panic!("{case}: {e:?}"));
        let err = s.watch("/pods", point - 1, true).await.unwrap_err();
        assert_eq!(err.to_string(), format!("too old resource version: {} ({point})", point - 1));
        s.compact(acked[0]).await.unwrap();
        assert_eq!(s.compacted_revision().await.unwrap(), point, "{case}");
    }
}
