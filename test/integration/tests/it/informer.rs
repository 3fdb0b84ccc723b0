//! The shared informer and its reflector against a real server through the events client-go's
//! are built to survive: an apiserver restart with changes made while it was down, watches the
//! server ends (`timeoutSeconds`), 410 Gone for a resourceVersion older than the watch cache
//! keeps, and watches resuming from a compacted revision (the embedded store compacted while
//! the server is stopped, and etcd compacted while it serves).
//!
//! The informer lists and watches through a [`Probe`]: it records every call and every 410,
//! and can hold new watches at a gate so a test decides when the reflector reconnects.

use std::collections::BTreeMap;
use std::future::Future;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::{Context as _, bail, ensure};
use apiserver::storage::Storage as _;
use apiserver::storage::cacher::CacherOptions;
use clap::Parser as _;
use client::cache::{
    Backoff, BoxFuture, DeltaObject, ListOptions, ListWatchError, ListerWatcher, ObjectList,
    ReflectorError, ReflectorOptions, ResourceEventHandler, SharedIndexInformer,
    SharedIndexInformerOptions, ViaMetadata, WatchEvent, WatchStream,
};
use client::config::ResolvedConfig;
use client::rest::{Api, Client, Config, DeleteParams, Patch, PatchParams, PostParams};
use k8s_openapi::api::core::v1::ConfigMap;
use serde_json::json;
use tokio_util::sync::CancellationToken;

use crate::ADMIN_TOKEN;

/// How long a test waits for the informer to converge after the last change.
const CONVERGE: Duration = Duration::from_secs(30);
/// How often conditions are polled.
const POLL: Duration = Duration::from_millis(50);
/// The namespace the tests' config maps live in.
const NS: &str = "default";
/// The most events the tests' watch caches keep (upstream's window keeps 75 s of events, which
/// a test cannot outrun; see [`Site::start`]).
const WINDOW: usize = 1024;
/// More events than the watch cache's window keeps, so a watch from before them is too old.
const PAST_WINDOW: usize = 1100;

/// Polls `check` until it reports `Ok(())` or `limit` passes; `Err(why)` and errors mean "not
/// yet" and the last reason is in the failure.
async fn eventually<F, Fut>(limit: Duration, what: &str, mut check: F) -> anyhow::Result<()>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = anyhow::Result<Result<(), String>>>,
{
    let deadline = Instant::now() + limit;
    loop {
        let why = match check().await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(why)) => why,
            Err(err) => format!("{err:#}"),
        };
        if Instant::now() >= deadline {
            bail!("{what}: not within {limit:?}: {why}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// One cluster's files (certificates, token file, data) and the flags its servers run with,
/// so a server can be stopped and started again on the same data.
struct Site {
    dir: tempfile::TempDir,
    extra: Vec<String>,
}

impl Site {
    fn new(extra: &[&str]) -> anyhow::Result<Site> {
        let dir = tempfile::tempdir()?;
        std::fs::write(
            dir.path().join("tokens.csv"),
            format!("{ADMIN_TOKEN},admin,admin-uid,\"system:masters\"\n"),
        )?;
        Ok(Site { dir, extra: extra.iter().map(|s| s.to_string()).collect() })
    }

    fn data_dir(&self) -> std::path::PathBuf {
        self.dir.path().join("data")
    }

    /// Starts a server on `port` (0: any free port). A port just released by a stopped server
    /// is retried for a while.
    async fn start(&self, port: u16) -> anyhow::Result<apiserver::Running> {
        let path = |p: &str| self.dir.path().join(p).display().to_string();
        let mut args = vec![
            "kube-apiserver".to_string(),
            format!("--secure-port={port}"),
            "--bind-address=127.0.0.1".to_string(),
            format!("--cert-dir={}", path("certs")),
            format!("--data-dir={}", path("data")),
            format!("--token-auth-file={}", path("tokens.csv")),
            "--shutdown-timeout=1s".to_string(),
        ];
        args.extend(self.extra.iter().cloned());
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            let mut options = apiserver::Options::try_parse_from(&args)?;
            options.watch_cache_options =
                Some(CacherOptions { history_max_capacity: WINDOW, ..CacherOptions::default() });
            match apiserver::start(options).await {
                Ok(running) => return Ok(running),
                // The port a stopped server held may take a moment to be free again.
                Err(_) if port != 0 && Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(err) => return Err(err).context("starting the apiserver"),
            }
        }
    }

    /// An unthrottled admin client of the server at `addr`.
    fn client(&self, addr: SocketAddr) -> anyhow::Result<Client> {
        let resolved = ResolvedConfig {
            server: format!("https://{addr}"),
            namespace: NS.into(),
            ca_data: Some(std::fs::read(self.dir.path().join("certs").join("apiserver.crt"))?),
            token: Some(ADMIN_TOKEN.into()),
            ..Default::default()
        };
        let config =
            Config { qps: 0.0, timeout: Some(Duration::from_secs(30)), ..Config::default() };
        Ok(Client::new(&resolved, config)?)
    }
}

fn config_map(name: &str, value: &str) -> ConfigMap {
    serde_json::from_value(json!({
        "metadata": {"name": name, "labels": {"suite": "informer"}},
        "data": {"value": value}
    }))
    .expect("config map")
}

fn key_of(cm: &ConfigMap) -> String {
    format!(
        "{}/{}",
        cm.metadata.namespace.as_deref().unwrap_or_default(),
        cm.metadata.name.as_deref().unwrap_or_default()
    )
}

fn rv_of(cm: &ConfigMap) -> String {
    cm.metadata.resource_version.clone().unwrap_or_default()
}

fn value_of(cm: &ConfigMap) -> String {
    cm.data.as_ref().and_then(|d| d.get("value")).cloned().unwrap_or_default()
}

async fn create(api: &Api<ConfigMap>, name: &str, value: &str) -> anyhow::Result<()> {
    api.create(&PostParams::default(), &config_map(name, value))
        .await
        .with_context(|| format!("creating {name}"))?;
    Ok(())
}

async fn set(api: &Api<ConfigMap>, name: &str, value: &str) -> anyhow::Result<()> {
    api.patch(name, &PatchParams::default(), &Patch::Merge(json!({"data": {"value": value}})))
        .await
        .with_context(|| format!("patching {name}"))?;
    Ok(())
}

async fn delete(api: &Api<ConfigMap>, name: &str) -> anyhow::Result<()> {
    api.delete(name, &DeleteParams::default()).await.with_context(|| format!("deleting {name}"))?;
    Ok(())
}

/// `count` patches spread over the config maps `names`, one writer per object: the server
/// answers an unconditional update with 409 after 16 lost compare-and-swaps in a row, which
/// many writers on one object can reach.
async fn churn(api: &Api<ConfigMap>, names: &[String], count: usize) -> anyhow::Result<()> {
    let mut writers = Vec::new();
    for (i, name) in names.iter().enumerate() {
        let (api, name) = (api.clone(), name.clone());
        let share = count / names.len() + usize::from(i < count % names.len());
        writers.push(tokio::spawn(async move {
            for n in 0..share {
                set(&api, &name, &format!("churn-{n}")).await?;
            }
            Ok::<_, anyhow::Error>(())
        }));
    }
    for w in writers {
        w.await??;
    }
    Ok(())
}

/// The server's current state: key -> (resourceVersion, value), and the list's version.
async fn fresh_list(
    api: &Api<ConfigMap>,
) -> anyhow::Result<(BTreeMap<String, (String, String)>, String)> {
    let list = api.list(&ListOptions::default()).await.context("fresh list")?;
    let items = list.items.iter().map(|cm| (key_of(cm), (rv_of(cm), value_of(cm)))).collect();
    Ok((items, list.resource_version))
}

/// One watch call as the reflector made it and what its stream delivered.
#[derive(Debug, Clone)]
struct WatchCall {
    opts: ListOptions,
    /// Events (bookmarks included) the stream delivered.
    events: usize,
    /// The resourceVersion of the last of them.
    last_rv: Option<String>,
    /// How the stream ended: `None` while open, `Some("")` at a clean end, else the error.
    end: Option<String>,
}

#[derive(Debug, Default)]
struct ProbeLog {
    lists: Vec<ListOptions>,
    watches: Vec<WatchCall>,
    /// Messages of every 410 seen: ERROR events on watch streams and failed calls.
    gone: Vec<String>,
}

/// A [`ListerWatcher`] in front of the REST one: records every call, every watch stream's
/// progress and every 410, and holds new watches while its gate is closed.
struct Probe {
    inner: Api<ConfigMap>,
    log: Arc<Mutex<ProbeLog>>,
    gate: tokio::sync::watch::Sender<bool>,
    held: Arc<AtomicUsize>,
}

/// Counts a watch call waiting at the gate for as long as it waits (also when the reflector
/// gives up on it).
struct Held(Arc<AtomicUsize>);

impl Drop for Held {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Probe {
    fn new(inner: Api<ConfigMap>) -> Arc<Probe> {
        Arc::new(Probe {
            inner,
            log: Arc::default(),
            gate: tokio::sync::watch::Sender::new(true),
            held: Arc::default(),
        })
    }

    fn log(&self) -> MutexGuard<'_, ProbeLog> {
        self.log.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn lists(&self) -> usize {
        self.log().lists.len()
    }

    fn watches(&self) -> Vec<WatchCall> {
        self.log().watches.clone()
    }

    fn gone(&self) -> Vec<String> {
        self.log().gone.clone()
    }

    /// New watch calls wait until [`Probe::open`].
    fn close(&self) {
        self.gate.send_replace(false);
    }

    fn open(&self) {
        self.gate.send_replace(true);
    }

    /// Watch calls waiting at the closed gate.
    fn held(&self) -> usize {
        self.held.load(Ordering::SeqCst)
    }

    /// Waits until the reflector's current watch has ended and its next one waits at the gate.
    async fn wait_held(&self, limit: Duration) -> anyhow::Result<()> {
        eventually(limit, "the reflector's next watch waits at the gate", || async {
            Ok(if self.held() > 0 { Ok(()) } else { Err(format!("{:?}", self.watches())) })
        })
        .await
    }

    fn note_gone(&self, err: &ListWatchError) {
        if err.is_gone() {
            self.log().gone.push(err.to_string());
        }
    }
}

impl ListerWatcher<ConfigMap> for Probe {
    fn list(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'_, Result<ObjectList<ConfigMap>, ListWatchError>> {
        Box::pin(async move {
            self.log().lists.push(opts.clone());
            let res = ListerWatcher::list(&self.inner, opts).await;
            if let Err(err) = &res {
                self.note_gone(err);
            }
            res
        })
    }

    fn watch(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'_, Result<Box<dyn WatchStream<ConfigMap>>, ListWatchError>> {
        Box::pin(async move {
            let mut gate = self.gate.subscribe();
            if !*gate.borrow_and_update() {
                self.held.fetch_add(1, Ordering::SeqCst);
                let _held = Held(self.held.clone());
                let _ = gate.wait_for(|open| *open).await;
            }
            let index = {
                let mut log = self.log();
                log.watches.push(WatchCall {
                    opts: opts.clone(),
                    events: 0,
                    last_rv: None,
                    end: None,
                });
                log.watches.len() - 1
            };
            match ListerWatcher::watch(&self.inner, opts).await {
                Ok(inner) => Ok(Box::new(ProbeStream { inner, log: self.log.clone(), index })
                    as Box<dyn WatchStream<ConfigMap>>),
                Err(err) => {
                    self.note_gone(&err);
                    self.log().watches[index].end = Some(err.to_string());
                    Err(err)
                }
            }
        })
    }
}

struct ProbeStream {
    inner: Box<dyn WatchStream<ConfigMap>>,
    log: Arc<Mutex<ProbeLog>>,
    index: usize,
}

impl WatchStream<ConfigMap> for ProbeStream {
    fn next(&mut self) -> BoxFuture<'_, Option<Result<WatchEvent<ConfigMap>, ListWatchError>>> {
        Box::pin(async move {
            let item = self.inner.next().await;
            let mut log = self.log.lock().unwrap_or_else(|e| e.into_inner());
            let rv = match &item {
                None => {
                    log.watches[self.index].end = Some(String::new());
                    None
                }
                Some(Err(err)) => {
                    log.watches[self.index].end = Some(err.to_string());
                    None
                }
                Some(Ok(
                    WatchEvent::Added(o) | WatchEvent::Modified(o) | WatchEvent::Deleted(o),
                )) => Some(rv_of(o)),
                Some(Ok(WatchEvent::Bookmark { resource_version, .. })) => {
                    Some(resource_version.clone())
                }
                Some(Ok(WatchEvent::Error(status))) => {
                    if status.code == Some(410) {
                        log.gone.push(status.message.clone().unwrap_or_default());
                    }
                    None
                }
            };
            if let Some(Err(err)) = &item
                && err.is_gone()
            {
                log.gone.push(err.to_string());
            }
            if let Some(rv) = rv {
                let call = &mut log.watches[self.index];
                call.events += 1;
                call.last_rv = Some(rv);
            }
            item
        })
    }
}

/// What the handler was told, and the state those notifications add up to.
#[derive(Debug, Default)]
struct Recorded {
    /// key -> (resourceVersion, value), built from the notifications alone.
    model: BTreeMap<String, (String, String)>,
    added: Vec<String>,
    /// (key, new value).
    updated: Vec<(String, String)>,
    /// (key, whether the deletion came as a tombstone).
    deleted: Vec<(String, bool)>,
}

#[derive(Debug, Default)]
struct Recorder(Mutex<Recorded>);

impl Recorder {
    fn lock(&self) -> MutexGuard<'_, Recorded> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }
}

impl ResourceEventHandler<ConfigMap> for Recorder {
    fn on_add(&self, obj: Arc<ConfigMap>, _is_in_initial_list: bool) {
        let mut r = self.lock();
        r.added.push(key_of(&obj));
        r.model.insert(key_of(&obj), (rv_of(&obj), value_of(&obj)));
    }

    fn on_update(&self, _old: Arc<ConfigMap>, new: Arc<ConfigMap>) {
        let mut r = self.lock();
        r.updated.push((key_of(&new), value_of(&new)));
        r.model.insert(key_of(&new), (rv_of(&new), value_of(&new)));
    }

    fn on_delete(&self, obj: DeltaObject<ConfigMap>) {
        let (key, tombstone) = match &obj {
            DeltaObject::Object(o) => (key_of(o), false),
            DeltaObject::Tombstone(t) => (t.key.clone(), true),
        };
        let mut r = self.lock();
        r.model.remove(&key);
        r.deleted.push((key, tombstone));
    }
}

/// A running informer over a [`Probe`], with a [`Recorder`] as its one handler.
struct Watching {
    informer: Arc<SharedIndexInformer<ConfigMap>>,
    probe: Arc<Probe>,
    recorder: Arc<Recorder>,
    stop: CancellationToken,
    task: tokio::task::JoinHandle<()>,
}

/// Reflector options for tests: quick backoff, and watches the server ends after
/// `min_watch_timeout` to 2x that.
fn reflector_options(min_watch_timeout: Duration) -> ReflectorOptions {
    ReflectorOptions {
        min_watch_timeout,
        backoff: Backoff {
            initial: Duration::from_millis(100),
            factor: 2.0,
            jitter: 0.5,
            cap: Duration::from_secs(1),
            steps: None,
            reset_after: Duration::from_secs(10),
        },
        ..ReflectorOptions::default()
    }
}

impl Watching {
    /// Starts an informer on the config maps of [`NS`] and waits for its initial sync.
    async fn start(api: &Api<ConfigMap>, options: ReflectorOptions) -> anyhow::Result<Watching> {
        let probe = Probe::new(api.clone());
        let lw: Arc<dyn ListerWatcher<ConfigMap>> = probe.clone();
        let informer = Arc::new(SharedIndexInformer::with_options::<ViaMetadata>(
            lw,
            SharedIndexInformerOptions { reflector: options, ..Default::default() },
        ));
        let recorder = Arc::new(Recorder::default());
        informer.add_event_handler(recorder.clone())?;
        let stop = CancellationToken::new();
        let task = tokio::spawn({
            let (informer, stop) = (informer.clone(), stop.clone());
            async move { informer.run(stop).await }
        });
        let synced =
            tokio::time::timeout(CONVERGE, informer.wait_for_sync(&stop)).await.unwrap_or(false);
        ensure!(synced, "the informer did not sync within {CONVERGE:?}");
        Ok(Watching { informer, probe, recorder, stop, task })
    }

    /// key -> (resourceVersion, value) of the informer's cache.
    fn store(&self) -> BTreeMap<String, (String, String)> {
        self.informer
            .get_store()
            .list()
            .iter()
            .map(|cm| (key_of(cm), (rv_of(cm), value_of(cm))))
            .collect()
    }

    /// Waits until the cache and the state the handler's notifications add up to both equal
    /// a fresh list from the server.
    async fn converged(&self, api: &Api<ConfigMap>) -> anyhow::Result<()> {
        eventually(CONVERGE, "the informer matches a fresh list", || async {
            let (want, _) = fresh_list(api).await?;
            let store = self.store();
            if store != want {
                return Ok(Err(format!("cache {store:?}\n  != list {want:?}")));
            }
            let model = self.recorder.lock().model.clone();
            if model != want {
                return Ok(Err(format!("handler's view {model:?}\n  != list {want:?}")));
            }
            Ok(Ok(()))
        })
        .await
    }

    async fn stop(self) -> anyhow::Result<()> {
        self.stop.cancel();
        tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .context("the informer did not stop")??;
        ensure!(self.informer.is_stopped());
        Ok(())
    }
}

fn names(prefix: &str, range: std::ops::Range<usize>) -> Vec<String> {
    range.map(|i| format!("{prefix}-{i:02}")).collect()
}

fn key(name: &str) -> String {
    format!("{NS}/{name}")
}

/// Checks the handler was told of each change: adds of `added`, updates of `updated` to the
/// value given, deletes (as objects or tombstones) of `deleted`.
fn assert_notified(
    recorder: &Recorder,
    added: &[String],
    updated: &[(String, &str)],
    deleted: &[String],
) {
    let r = recorder.lock();
    for name in added {
        assert!(r.added.contains(&key(name)), "no add for {name}: {:?}", r.added);
    }
    for (name, value) in updated {
        assert!(
            r.updated.iter().any(|(k, v)| *k == key(name) && v == value),
            "no update of {name} to {value}: {:?}",
            r.updated
        );
    }
    for name in deleted {
        assert!(
            r.deleted.iter().any(|(k, _)| *k == key(name)),
            "no delete of {name}: {:?}",
            r.deleted
        );
    }
}

/// client-go's informer across an apiserver restart: the watch breaks, reconnects are refused
/// while the server is down (another apiserver of the cluster keeps writing), and once the
/// server is back on the same address and data the reflector's resumed watch is too old for
/// the fresh watch cache (410), so it relists; the cache ends equal to a fresh LIST and the
/// handlers were told of every add, update and delete, those made during the outage included
/// (deletions noticed only by the relist arrive as `DeletedFinalStateUnknown`).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn informer_relists_after_apiserver_restart_and_matches_fresh_list() -> anyhow::Result<()> {
    let site = Site::new(&[])?;
    let first = site.start(0).await?;
    let addr = first.addr;
    let api = Api::<ConfigMap>::namespaced(site.client(addr)?, NS);
    let initial = names("cm", 0..20);
    for name in &initial {
        create(&api, name, "v0").await?;
    }
    let w = Watching::start(&api, reflector_options(Duration::ZERO)).await?;
    w.converged(&api).await?;
    assert_eq!(w.store().len(), 20);

    // Changes while the server is up arrive as watch events.
    for name in &initial[0..5] {
        set(&api, name, "up").await?;
    }
    for name in &initial[18..20] {
        delete(&api, name).await?;
    }
    let up_added = names("up", 0..3);
    for name in &up_added {
        create(&api, name, "v0").await?;
    }
    w.converged(&api).await?;
    assert_eq!(w.probe.lists(), 1, "changes over a live watch need no relist");

    // The outage: this server stops; another one on the same data makes changes meanwhile.
    first.shutdown().await;
    let other = site.start(0).await?;
    let other_api = Api::<ConfigMap>::namespaced(site.client(other.addr)?, NS);
    for name in &initial[5..8] {
        set(&other_api, name, "outage").await?;
    }
    for name in &initial[8..11] {
        delete(&other_api, name).await?;
    }
    let outage_added = names("out", 0..3);
    for name in &outage_added {
        create(&other_api, name, "v0").await?;
    }
    other.shutdown().await;
    assert!(
        w.store().contains_key(&key(&initial[8])),
        "the informer cannot know of a deletion made while its server was down"
    );

    // Back on the same address and data, and more changes after the restart.
    let second = site.start(addr.port()).await?;
    assert_eq!(second.addr, addr);
    let api = Api::<ConfigMap>::namespaced(site.client(addr)?, NS);
    for name in &initial[11..13] {
        set(&api, name, "after").await?;
    }
    for name in &initial[13..15] {
        delete(&api, name).await?;
    }
    let after_added = names("after", 0..2);
    for name in &after_added {
        create(&api, name, "v0").await?;
    }
    w.converged(&api).await?;

    let (list, _) = fresh_list(&api).await?;
    assert_eq!(list.len(), 20 - 2 + 3 - 3 + 3 - 2 + 2);
    assert_eq!(w.store()[&key(&initial[5])].1, "outage");
    assert!(w.probe.lists() >= 2, "the restart must cost a relist: {:?}", w.probe.log().lists);
    let added: Vec<String> = [&up_added[..], &outage_added, &after_added].concat();
    let mut updated: Vec<(String, &str)> =
        initial[0..5].iter().map(|n| (n.clone(), "up")).collect();
    updated.extend(initial[5..8].iter().map(|n| (n.clone(), "outage")));
    updated.extend(initial[11..13].iter().map(|n| (n.clone(), "after")));
    let deleted: Vec<String> =
        [&initial[8..11], &initial[13..15], &initial[18..20]].concat().to_vec();
    assert_notified(&w.recorder, &added, &updated, &deleted);
    w.stop().await?;
    second.shutdown().await;
    Ok(())
}

/// client-go's reflector when the server ends a watch at its `timeoutSeconds`: it watches
/// again from the last resourceVersion it saw, without relisting, and loses no event written
/// across the reconnects.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_rewatches_from_last_resource_version_when_server_closes_watch()
-> anyhow::Result<()> {
    let site = Site::new(&[])?;
    let server = site.start(0).await?;
    let api = Api::<ConfigMap>::namespaced(site.client(server.addr)?, NS);
    let all = names("cm", 0..5);
    for name in &all {
        create(&api, name, "v0").await?;
    }
    // The server ends every watch after 2 or 3 seconds.
    let w = Watching::start(&api, reflector_options(Duration::from_secs(2))).await?;
    let deadline = Instant::now() + Duration::from_secs(40);
    let mut writes = 0usize;
    while w.probe.watches().len() < 4 {
        ensure!(Instant::now() < deadline, "fewer than 3 watches ended: {:?}", w.probe.watches());
        set(&api, &all[writes % all.len()], &format!("w{writes}")).await?;
        writes += 1;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    w.converged(&api).await?;
    let watches = w.probe.watches();
    assert_eq!(w.probe.lists(), 1, "a watch the server ended needs no relist: {watches:?}");
    assert!(w.probe.gone().is_empty(), "{:?}", w.probe.gone());
    for pair in watches.windows(2) {
        let (before, after) = (&pair[0], &pair[1]);
        assert_eq!(
            before.end.as_deref(),
            Some(""),
            "a new watch opened before the last ended: {watches:?}"
        );
        let timeout = before.opts.timeout_seconds.context("watch without timeoutSeconds")?;
        assert!((2..4).contains(&timeout), "timeoutSeconds {timeout}");
        let resumed_from = before.last_rv.as_ref().unwrap_or(&before.opts.resource_version);
        assert_eq!(
            &after.opts.resource_version, resumed_from,
            "a watch resumes from the last version the previous one delivered: {watches:?}"
        );
    }
    // Every write was delivered as an update, in order, to the handler.
    let updates = w.recorder.lock().updated.len();
    assert_eq!(updates, writes, "one update per write");
    w.stop().await?;
    server.shutdown().await;
    Ok(())
}

/// client-go's reflector when its watch resumes from a resourceVersion the watch cache no
/// longer holds: the server answers with an ERROR event, 410 Gone "too old resource version",
/// and the reflector relists and resumes; the cache then equals a fresh LIST, with the object
/// deleted meanwhile gone (a tombstone to the handler) and the one created meanwhile added.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_relists_after_410_too_old_resource_version() -> anyhow::Result<()> {
    let site = Site::new(&[])?;
    let server = site.start(0).await?;
    let api = Api::<ConfigMap>::namespaced(site.client(server.addr)?, NS);
    let all = names("cm", 0..4);
    for name in &all {
        create(&api, name, "v0").await?;
    }
    let w = Watching::start(&api, reflector_options(Duration::from_secs(2))).await?;
    w.converged(&api).await?;
    // Hold the reconnect after the server ends the current watch, then write more events
    // than the watch cache keeps.
    w.probe.close();
    w.probe.wait_held(Duration::from_secs(10)).await?;
    let last_seen = w.informer.last_sync_resource_version();
    churn(&api, &all[..3], PAST_WINDOW).await?;
    delete(&api, &all[3]).await?;
    create(&api, "created-meanwhile", "v0").await?;
    expect_watch_gone(&api, &last_seen).await?;

    let lists_before = w.probe.lists();
    w.probe.open();
    w.converged(&api).await?;
    let gone = w.probe.gone();
    assert!(
        gone.iter().any(|m| m.starts_with("too old resource version")),
        "the resumed watch must have been refused with 410: {gone:?}"
    );
    assert!(w.probe.lists() > lists_before, "a 410 must cause a relist");
    assert_notified(&w.recorder, &["created-meanwhile".into()], &[], &[all[3].clone()]);
    let deleted = w.recorder.lock().deleted.clone();
    assert!(
        deleted.iter().any(|(k, tombstone)| *k == key(&all[3]) && *tombstone),
        "a deletion noticed by a relist is a tombstone: {deleted:?}"
    );
    w.stop().await?;
    server.shutdown().await;
    Ok(())
}

/// A watch from `rv` is refused with 410 Gone: the precondition of the relist tests, checked
/// on the server itself.
async fn expect_watch_gone(api: &Api<ConfigMap>, rv: &str) -> anyhow::Result<()> {
    let opts = ListOptions { resource_version: rv.to_string(), ..Default::default() };
    let first = match ListerWatcher::watch(api, opts).await {
        Err(err) => Some(Err(err)),
        Ok(mut stream) => tokio::time::timeout(Duration::from_secs(10), stream.next())
            .await
            .context("no event on a watch from an old version")?,
    };
    match first {
        Some(Ok(WatchEvent::Error(status))) if status.code == Some(410) => Ok(()),
        Some(Err(err)) if err.is_gone() => Ok(()),
        other => bail!("a watch from {rv} should be gone (410), got {other:?}"),
    }
}

/// The server's current resourceVersion.
async fn current_revision(api: &Api<ConfigMap>) -> anyhow::Result<u64> {
    let (_, rv) = fresh_list(api).await?;
    rv.parse().with_context(|| format!("list resourceVersion {rv:?}"))
}

/// client-go's reflector when storage compacted past the version its watch resumes from
/// (the apiserver's compactor, or `etcdctl compact`): with no watch cache in between the
/// 410 comes from storage, and the reflector relists and converges. The embedded store is
/// compacted while the server is stopped (the server offers no compaction of its own);
/// before that, a restart without compaction shows the watch resuming with no relist.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_relists_when_watch_resumes_from_compacted_revision() -> anyhow::Result<()> {
    let site = Site::new(&["--watch-cache=false"])?;
    let server = site.start(0).await?;
    let addr = server.addr;
    let api = Api::<ConfigMap>::namespaced(site.client(addr)?, NS);
    let all = names("cm", 0..4);
    for name in &all {
        create(&api, name, "v0").await?;
    }
    let w = Watching::start(&api, reflector_options(Duration::ZERO)).await?;
    // An event on the watch, so its end is not taken for a failed watch (one that ends within
    // a second having delivered nothing makes the reflector relist).
    set(&api, &all[0], "watched").await?;
    w.converged(&api).await?;

    // A restart with the history intact: the watch resumes where it was, no relist.
    w.probe.close();
    server.shutdown().await;
    w.probe.wait_held(Duration::from_secs(10)).await?;
    let server = site.start(addr.port()).await?;
    let api = Api::<ConfigMap>::namespaced(site.client(addr)?, NS);
    w.probe.open();
    set(&api, &all[0], "resumed").await?;
    w.converged(&api).await?;
    assert_eq!(w.probe.lists(), 1, "an uncompacted resume needs no relist");
    assert!(w.probe.gone().is_empty(), "{:?}", w.probe.gone());

    // Stop again with the reconnect held; write many revisions past the informer's version,
    // compact them away, and let the reflector resume.
    w.probe.close();
    server.shutdown().await;
    w.probe.wait_held(Duration::from_secs(10)).await?;
    let last_seen = w.informer.last_sync_resource_version();
    let server = site.start(addr.port()).await?;
    let api = Api::<ConfigMap>::namespaced(site.client(addr)?, NS);
    churn(&api, &all[..3], 200).await?;
    delete(&api, &all[3]).await?;
    create(&api, "created-meanwhile", "v0").await?;
    let revision = current_revision(&api).await?;
    server.shutdown().await;
    compact_embedded(&site.data_dir(), revision).await?;
    let server = site.start(addr.port()).await?;
    let api = Api::<ConfigMap>::namespaced(site.client(addr)?, NS);
    expect_watch_gone(&api, &last_seen).await?;

    w.probe.open();
    w.converged(&api).await?;
    let gone = w.probe.gone();
    assert!(!gone.is_empty(), "the resumed watch must have been refused with 410");
    assert_eq!(w.probe.lists(), 2, "one relist after the compaction");
    assert_notified(&w.recorder, &["created-meanwhile".into()], &[], &[all[3].clone()]);
    w.stop().await?;
    server.shutdown().await;
    Ok(())
}

/// Compacts the embedded store in `dir` at `revision` while no server has it open.
async fn compact_embedded(dir: &Path, revision: u64) -> anyhow::Result<()> {
    let store = apiserver::storage::Embedded::open(dir)?;
    store.compact(revision).await?;
    assert_eq!(store.compacted_revision().await?, revision);
    store.close().await;
    Ok(())
}

/// As [`reflector_relists_when_watch_resumes_from_compacted_revision`] on etcd, compacted
/// while the apiserver serves (as its compactor or an operator does).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_relists_when_watch_resumes_from_compacted_revision_etcd() -> anyhow::Result<()> {
    let etcd = apiserver::storage::etcd3::local::EtcdServer::start(&[])
        .await
        .map_err(|e| anyhow::anyhow!(e))?;
    let site = Site::new(&["--watch-cache=false", &format!("--etcd-servers={}", etcd.endpoint())])?;
    let server = site.start(0).await?;
    let api = Api::<ConfigMap>::namespaced(site.client(server.addr)?, NS);
    let all = names("cm", 0..4);
    for name in &all {
        create(&api, name, "v0").await?;
    }
    let w = Watching::start(&api, reflector_options(Duration::from_secs(2))).await?;
    w.converged(&api).await?;
    w.probe.close();
    w.probe.wait_held(Duration::from_secs(10)).await?;
    let last_seen = w.informer.last_sync_resource_version();
    churn(&api, &all[..3], 200).await?;
    delete(&api, &all[3]).await?;
    create(&api, "created-meanwhile", "v0").await?;
    let revision = current_revision(&api).await?;
    let storage = apiserver::storage::etcd3::Etcd3::connect(etcd.config("/registry"))
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    storage.compact(revision).await?;
    expect_watch_gone(&api, &last_seen).await?;

    w.probe.open();
    w.converged(&api).await?;
    assert!(!w.probe.gone().is_empty(), "the resumed watch must have been refused with 410");
    assert_eq!(w.probe.lists(), 2, "one relist after the compaction");
    assert_notified(&w.recorder, &["created-meanwhile".into()], &[], &[all[3].clone()]);
    w.stop().await?;
    server.shutdown().await;
    Ok(())
}

/// An error the reflector reported: its message and, for a refused list, the HTTP status.
type Reported = (String, Option<i32>);

/// client-go's reflector when its list is refused (here a label selector the server cannot
/// parse, 400): each attempt is reported to the watch error handler as "failed to list", the
/// reflector keeps retrying with backoff, and the informer never claims to be synced.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflector_reports_refused_list_and_informer_never_syncs() -> anyhow::Result<()> {
    let site = Site::new(&[])?;
    let server = site.start(0).await?;
    let api = Api::<ConfigMap>::namespaced(site.client(server.addr)?, NS);
    create(&api, "present", "v0").await?;
    let errors: Arc<Mutex<Vec<Reported>>> = Arc::default();
    let mut options = reflector_options(Duration::ZERO);
    options.tweak_list_options = Some(Arc::new(|o: &mut ListOptions| {
        o.label_selector = "suite in (informer".into();
    }));
    options.watch_error_handler = Some(Arc::new({
        let errors = errors.clone();
        move |_name: &str, err: &ReflectorError| {
            let code = match err {
                ReflectorError::List { source, .. } => source.code(),
                _ => None,
            };
            errors.lock().unwrap_or_else(|e| e.into_inner()).push((err.to_string(), code));
        }
    }));
    let probe = Probe::new(api.clone());
    let lw: Arc<dyn ListerWatcher<ConfigMap>> = probe.clone();
    let informer = Arc::new(SharedIndexInformer::with_options::<ViaMetadata>(
        lw,
        SharedIndexInformerOptions { reflector: options, ..Default::default() },
    ));
    let stop = CancellationToken::new();
    let task = tokio::spawn({
        let (informer, stop) = (informer.clone(), stop.clone());
        async move { informer.run(stop).await }
    });
    eventually(CONVERGE, "three failed lists reported", || async {
        let n = errors.lock().unwrap_or_else(|e| e.into_inner()).len();
        Ok(if n >= 3 { Ok(()) } else { Err(format!("{n} reported")) })
    })
    .await?;
    assert!(!informer.has_synced());
    assert!(informer.get_store().is_empty());
    assert!(probe.watches().is_empty(), "no watch without a list");
    let (first, code) = errors.lock().unwrap_or_else(|e| e.into_inner())[0].clone();
    assert!(first.starts_with("failed to list "), "{first}");
    assert_eq!(code, Some(400), "{first}");
    stop.cancel();
    tokio::time::timeout(Duration::from_secs(10), task).await??;
    server.shutdown().await;
    Ok(())
}
