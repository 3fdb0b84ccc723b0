//! The health endpoints ask the storage: with etcd gone, `etcd` (and `etcd-readiness`) fail
//! and `/healthz` and `/readyz` answer 500, while checks that do not need it still pass. And
//! `componentstatuses`, which probes the components on every read.

use std::time::Duration;

use apiserver::storage::etcd3::local::EtcdServer;
use apiserver::storage::etcd3::{Etcd3, Etcd3Config};

use super::*;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn test_health_checks_ask_etcd() {
    let etcd = EtcdServer::start(&[]).await.unwrap();
    let config =
        Etcd3Config { request_timeout: Duration::from_secs(3), ..etcd.config("/registry") };
    let storage = Arc::new(Etcd3::connect(config).await.unwrap());
    let s = Server::with_storage(storage, tempfile::tempdir().unwrap()).await;
    let r = s.get("/readyz?verbose").await;
    assert_eq!(r.code, 200);
    let text = String::from_utf8_lossy(&r.raw).to_string();
    assert!(text.contains("[+]etcd ok\n[+]etcd-readiness ok\n"), "{text}");

    drop(etcd);
    let r = s.get("/healthz?verbose").await;
    assert_eq!(r.code, 500);
    let text = String::from_utf8_lossy(&r.raw).to_string();
    assert!(text.contains("[+]ping ok\n[+]log ok\n[-]etcd failed: reason withheld\n"), "{text}");
    assert!(text.ends_with("healthz check failed\n"), "{text}");
    let r = s.get("/readyz").await;
    assert_eq!(r.code, 500);
    let r = s.get("/readyz/etcd-readiness").await;
    assert_eq!(
        (r.code.as_u16(), r.raw.as_ref()),
        (500, &b"internal server error: etcd-readiness failed"[..])
    );
    let r = s.get("/livez/ping").await;
    assert_eq!((r.code.as_u16(), r.raw.as_ref()), (200, &b"ok"[..]));
}

#[tokio::test]
async fn test_component_statuses_are_probed() {
    let s = Server::new().await;
    let r = s.get("/api/v1/componentstatuses").await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(warnings(&r), ["v1 ComponentStatus is deprecated in v1.19+"]);
    assert_eq!(r.body["kind"], "ComponentStatusList");
    let names: Vec<&str> = r.body["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["scheduler", "controller-manager", "etcd-0"]);
    for item in r.body["items"].as_array().unwrap() {
        let condition = &item["conditions"][0];
        assert_eq!(condition["type"], "Healthy");
        if condition["status"] == "False" {
            let message = condition["message"].as_str().unwrap();
            assert!(message.starts_with("Get \"https://127.0.0.1:102"), "{message}");
        }
    }
    let r = s.get("/api/v1/componentstatuses/etcd-0").await;
    assert_eq!(
        r.body["conditions"],
        json!([{"type": "Healthy", "status": "True", "message": "ok"}])
    );
    let r = s.get("/api/v1/componentstatuses/nope").await;
    assert_status(&r, 500, "InternalError", "Internal error occurred: Component not found: nope");
    let r = s.post("/api/v1/componentstatuses", &json!({"metadata": {"name": "x"}})).await;
    assert_eq!(r.code, 405, "{:?}", r.body);
}
