//! Informer benchmark: one kube-apiserver on the embedded store holding N pods, and pod
//! informers run against it in turn, each in its own child process (this binary re-executed)
//! so their memory figures are their own: the client's `SharedIndexInformer` caching typed
//! pods (`ours`), the same informer caching `Compact<Pod>`s, each pod kept as its JSON
//! (`ours-compact`), and, as the baseline, kube-rs' watcher and reflector store (`kube-rs`).
//! Prints time to sync, memory per cached pod, and update events delivered while a writer
//! patches pods at a fixed rate, with their lag; the goals compare `ours-compact` with
//! kube-rs, the typed figures beside them.
//!
//! Usage: `bench-informer [--pods N] [--clients N] [--rate N] [--secs N]
//! [--informers ours|ours-compact|kube-rs|both] [--drop-managed-fields]` (`both`, the default,
//! runs all three); a quick run: `--pods 2000 --secs 5`. Build the server beside it first (a
//! `--bin` filter applies to every `-p`, so two commands):
//! `cargo build --release -p apiserver --bin kube-apiserver` and
//! `cargo build --release -p bench-informer`.

use std::collections::BTreeMap;
use std::io::BufRead as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, Result, anyhow, bail, ensure};
use base64::Engine as _;
use clap::{Args, Parser, Subcommand};
use client::cache::{
    BoxFuture, Compact, ListOptions, ListWatchError, ListerWatcher, ObjectList,
    ResourceEventHandler, SharedIndexInformer, ViaMetadata, WatchStream,
};
use client::config::ResolvedConfig;
use client::rest::{Api, Client, Patch, PatchParams, PostParams};
use futures::StreamExt as _;
use k8s_openapi::api::core::v1::{Namespace, Pod};
use kube::runtime::WatchStreamExt as _;
use tokio::io::{AsyncBufReadExt as _, AsyncWriteExt as _, BufReader};
use tokio_util::sync::CancellationToken;

/// The bearer token the benchmark's token file grants `system:masters`.
const TOKEN: &str = "benchtoken";
/// The namespace holding the pods.
const NAMESPACE: &str = "bench";
/// Annotation the writer sets to the time (Unix nanoseconds) it sent the patch.
const SENT: &str = "bench.k8s.io/sent";
/// Annotation of the one patch made right after a sync, to time the first live event.
const CANARY: &str = "bench.k8s.io/canary";
/// Clients sharing one connection while creating pods.
const CLIENTS_PER_CONN: usize = 8;
/// Patches in flight at most; beyond that the writer falls behind its rate (and says so).
const MAX_IN_FLIGHT: usize = 512;
/// Goal: our memory per cached pod at most this share of kube-rs'.
const GOAL_MEMORY_SHARE: f64 = 0.5;
/// The longest a child may take to sync.
const CHILD_LIMIT: Duration = Duration::from_secs(600);
/// After the writer stops, a child reports once this long passes with no new update.
const IDLE_LIMIT: Duration = Duration::from_secs(10);

#[derive(Debug, Parser)]
#[command(
    name = "bench-informer",
    about = "Benchmarks the client's SharedIndexInformer against kube-rs' reflector.",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
    #[command(flatten)]
    config: Config,
}

/// Command-line settings of a run.
#[derive(Debug, Args)]
struct Config {
    /// Pods the server holds (and each informer caches).
    #[arg(long, default_value_t = 50_000)]
    pods: u64,
    /// Concurrent clients creating the pods.
    #[arg(long, default_value_t = 64)]
    clients: usize,
    /// Patches per second the writer sends during the event phase.
    #[arg(long, default_value_t = 1_000)]
    rate: u64,
    /// Seconds the writer patches for.
    #[arg(long, default_value_t = 10)]
    secs: u64,
    /// Which informers to measure: one, or `both` for ours (typed and compact) and kube-rs.
    #[arg(long, default_value = "both", value_parser = ["ours", "ours-compact", "kube-rs", "both"])]
    informers: String,
    /// Every informer drops `managedFields` before caching (a transform in ours, re-encoding
    /// compact pods; `modify` in kube-rs), as controllers that never read them usually do.
    #[arg(long)]
    drop_managed_fields: bool,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs one informer and reports to the parent over stdout (started by the benchmark).
    #[command(hide = true)]
    Child(ChildArgs),
}

#[derive(Debug, Clone, Args)]
struct ChildArgs {
    /// `ours`, `ours-compact` or `kube-rs`.
    #[arg(long, value_parser = ["ours", "ours-compact", "kube-rs"])]
    informer: String,
    /// The server URL (ours).
    #[arg(long)]
    server: String,
    /// The CA that signed the serving certificate, PEM (ours).
    #[arg(long)]
    ca_file: PathBuf,
    /// A kubeconfig for the same server and user (kube-rs).
    #[arg(long)]
    kubeconfig: PathBuf,
    /// The pods' namespace.
    #[arg(long)]
    namespace: String,
    /// How many pods a full cache holds.
    #[arg(long)]
    pods: u64,
    /// Drop `managedFields` before caching.
    #[arg(long)]
    drop_managed_fields: bool,
}

fn unix_nanos() -> u128 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_nanos())
}

/// A `/proc/self/status` figure in bytes (`VmRSS`, `VmHWM`).
fn proc_status(field: &str) -> Option<u64> {
    let text = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = text.lines().find(|l| l.starts_with(field))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

fn rss() -> u64 {
    proc_status("VmRSS:").unwrap_or(0)
}

// Counts the bytes this process has live on the heap, so a cache's footprint can be read
// without the allocator's retained free memory that RSS includes. Both informers pay the same
// small cost per allocation.
#[global_allocator]
static HEAP: &stats_alloc::StatsAlloc<std::alloc::System> = &stats_alloc::INSTRUMENTED_SYSTEM;

/// Bytes allocated and not yet freed.
fn heap_live() -> u64 {
    let s = HEAP.stats();
    s.bytes_allocated.saturating_sub(s.bytes_deallocated) as u64
}

/// Leaves `managedFields` out of a cached pod (what `--drop-managed-fields` applies).
fn drop_managed_fields(pod: &mut Pod) {
    pod.metadata.managed_fields = None;
}

/// The part of a pod the recorder reads: what a compact pod's handler decodes.
#[derive(Debug, Default, serde::Deserialize)]
struct Annotated {
    #[serde(default)]
    metadata: AnnotatedMeta,
}

#[derive(Debug, Default, serde::Deserialize)]
struct AnnotatedMeta {
    #[serde(default)]
    annotations: Option<BTreeMap<String, String>>,
}

// ---------------------------------------------------------------------------------------------
// The child: one informer.

/// What the informer's handler saw: when the canary arrived, and when each writer patch was
/// sent and when it arrived.
#[derive(Debug, Default)]
struct Recorder {
    canary: OnceLock<Instant>,
    /// (arrival, sent) in Unix nanoseconds.
    events: Mutex<Vec<(u128, u128)>>,
    /// Full lists started (the first one included): a watch the server ended for falling
    /// behind, or resumed too late, costs a relist.
    lists: AtomicU64,
}

impl Recorder {
    fn saw(&self, pod: &Pod) {
        self.saw_annotations(pod.metadata.annotations.as_ref());
    }

    /// A compact pod: only its annotations are decoded.
    fn saw_compact(&self, pod: &Compact<Pod>) {
        match pod.decode_as::<Annotated>() {
            Ok(a) => self.saw_annotations(a.metadata.annotations.as_ref()),
            Err(err) => eprintln!("decoding {}/{}: {err}", pod.namespace(), pod.name()),
        }
    }

    fn saw_annotations(&self, annotations: Option<&BTreeMap<String, String>>) {
        let Some(annotations) = annotations else { return };
        if annotations.contains_key(CANARY) {
            let _ = self.canary.set(Instant::now());
        }
        if let Some(sent) = annotations.get(SENT).and_then(|s| s.parse::<u128>().ok()) {
            self.events.lock().unwrap_or_else(|e| e.into_inner()).push((unix_nanos(), sent));
        }
    }

    /// Events of patches sent at or after `since` (earlier stamps are left on pods by an
    /// earlier writer and come back with any later change, such as the canary).
    fn since(&self, since: u128) -> Vec<(u128, u128)> {
        let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        events.iter().filter(|(_, sent)| *sent >= since).copied().collect()
    }

    fn count_since(&self, since: u128) -> usize {
        let events = self.events.lock().unwrap_or_else(|e| e.into_inner());
        events.iter().filter(|(_, sent)| *sent >= since).count()
    }
}

/// One of our REST lister-watchers (typed or compact), counting the lists it starts (first
/// pages) in the recorder.
struct CountingLw<L> {
    inner: L,
    recorder: Arc<Recorder>,
}

impl<T, L: ListerWatcher<T>> ListerWatcher<T> for CountingLw<L> {
    fn list(&self, opts: ListOptions) -> BoxFuture<'_, Result<ObjectList<T>, ListWatchError>> {
        if opts.continue_token.is_empty() {
            self.recorder.lists.fetch_add(1, Ordering::Relaxed);
        }
        ListerWatcher::<T>::list(&self.inner, opts)
    }

    fn watch(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'_, Result<Box<dyn WatchStream<T>>, ListWatchError>> {
        ListerWatcher::<T>::watch(&self.inner, opts)
    }
}

/// Our informer's handler: live adds and updates go to the recorder.
struct OursHandler(Arc<Recorder>);

impl ResourceEventHandler<Pod> for OursHandler {
    fn on_add(&self, obj: Arc<Pod>, is_in_initial_list: bool) {
        if !is_in_initial_list {
            self.0.saw(&obj);
        }
    }
    fn on_update(&self, _old: Arc<Pod>, new: Arc<Pod>) {
        self.0.saw(&new);
    }
}

impl ResourceEventHandler<Compact<Pod>> for OursHandler {
    fn on_add(&self, obj: Arc<Compact<Pod>>, is_in_initial_list: bool) {
        if !is_in_initial_list {
            self.0.saw_compact(&obj);
        }
    }
    fn on_update(&self, _old: Arc<Compact<Pod>>, new: Arc<Compact<Pod>>) {
        self.0.saw_compact(&new);
    }
}

/// A running informer of any kind.
enum Running {
    Ours {
        informer: Arc<SharedIndexInformer<Pod>>,
        stop: CancellationToken,
        task: tokio::task::JoinHandle<()>,
    },
    OursCompact {
        informer: Arc<SharedIndexInformer<Compact<Pod>>>,
        stop: CancellationToken,
        task: tokio::task::JoinHandle<()>,
    },
    KubeRs {
        store: kube::runtime::reflector::Store<Pod>,
        task: tokio::task::JoinHandle<()>,
    },
}

impl Running {
    fn len(&self) -> usize {
        match self {
            Running::Ours { informer, .. } => informer.get_store().len(),
            Running::OursCompact { informer, .. } => informer.get_store().len(),
            Running::KubeRs { store, .. } => store.len(),
        }
    }

    async fn stop(self) {
        match self {
            Running::Ours { stop, task, .. } | Running::OursCompact { stop, task, .. } => {
                stop.cancel();
                let _ = task.await;
            }
            Running::KubeRs { task, .. } => task.abort(),
        }
    }
}

/// Our pod API, once it has made its first request.
async fn our_api(args: &ChildArgs) -> Result<Api<Pod>> {
    let resolved = ResolvedConfig {
        server: args.server.clone(),
        namespace: args.namespace.clone(),
        ca_data: Some(std::fs::read(&args.ca_file)?),
        token: Some(TOKEN.into()),
        ..Default::default()
    };
    // No client-side throttling: kube-rs has none either.
    let config = client::rest::Config { qps: 0.0, ..Default::default() };
    let api = Api::<Pod>::namespaced(Client::new(&resolved, config)?, &args.namespace);
    api.list(&ListOptions { limit: 1, ..Default::default() }).await.context("first request")?;
    Ok(api)
}

/// Our client and informer of typed pods; returns once the informer has synced. `ready` is
/// called once the client has made its first request, so the memory baseline includes a ready
/// client.
async fn start_ours(
    args: &ChildArgs,
    recorder: Arc<Recorder>,
    ready: impl FnOnce(),
) -> Result<Running> {
    let api = our_api(args).await?;
    ready();
    let lw: Arc<dyn ListerWatcher<Pod>> =
        Arc::new(CountingLw { inner: api, recorder: recorder.clone() });
    let informer = Arc::new(SharedIndexInformer::new::<ViaMetadata>(lw, Duration::ZERO));
    if args.drop_managed_fields {
        informer.set_transform(|pod: Arc<Pod>| {
            let mut pod = Arc::unwrap_or_clone(pod);
            drop_managed_fields(&mut pod);
            Ok(Arc::new(pod))
        })?;
    }
    informer.add_event_handler(OursHandler(recorder))?;
    let (stop, task) = run_synced(&informer).await?;
    Ok(Running::Ours { informer, stop, task })
}

/// Runs `informer` in a task and waits until it has synced: its stop token and task.
async fn run_synced<T: Send + Sync + 'static>(
    informer: &Arc<SharedIndexInformer<T>>,
) -> Result<(CancellationToken, tokio::task::JoinHandle<()>)> {
    let stop = CancellationToken::new();
    let task = tokio::spawn({
        let (informer, stop) = (informer.clone(), stop.clone());
        async move { informer.run(stop).await }
    });
    ensure!(informer.wait_for_sync(&stop).await, "the informer stopped before syncing");
    Ok((stop, task))
}

/// Our client and informer of compact pods (each kept as its JSON); as [`start_ours`].
async fn start_ours_compact(
    args: &ChildArgs,
    recorder: Arc<Recorder>,
    ready: impl FnOnce(),
) -> Result<Running> {
    let api = our_api(args).await?;
    ready();
    let lw: Arc<dyn ListerWatcher<Compact<Pod>>> =
        Arc::new(CountingLw { inner: api.compact(), recorder: recorder.clone() });
    let informer = Arc::new(SharedIndexInformer::new::<ViaMetadata>(lw, Duration::ZERO));
    if args.drop_managed_fields {
        // The JSON is re-encoded without them: a full decode and encode per object.
        informer.set_transform(|pod: Arc<Compact<Pod>>| {
            let mut decoded = pod.decode()?;
            drop_managed_fields(&mut decoded);
            Ok(Arc::new(Compact::from_object(&decoded)?))
        })?;
    }
    informer.add_event_handler(OursHandler(recorder))?;
    let (stop, task) = run_synced(&informer).await?;
    Ok(Running::OursCompact { informer, stop, task })
}

/// kube-rs' client (from a kubeconfig), watcher and reflector store; returns once the store
/// is ready.
async fn start_kube_rs(
    args: &ChildArgs,
    recorder: Arc<Recorder>,
    ready: impl FnOnce(),
) -> Result<Running> {
    use kube::runtime::watcher;
    let kubeconfig = kube::config::Kubeconfig::read_from(&args.kubeconfig)?;
    let config = kube::Config::from_custom_kubeconfig(
        kubeconfig,
        &kube::config::KubeConfigOptions::default(),
    )
    .await?;
    let api: kube::Api<Pod> =
        kube::Api::namespaced(kube::Client::try_from(config)?, &args.namespace);
    api.list(&kube::api::ListParams::default().limit(1)).await.context("first request")?;
    ready();
    let (store, writer) = kube::runtime::reflector::store::<Pod>();
    // The first list at resourceVersion "0" with pages of 500, as client-go's reflector (and
    // ours) asks for it.
    let config = watcher::Config::default().any_semantic();
    let drop_fields = args.drop_managed_fields;
    let stream = watcher::watcher(api, config)
        .default_backoff()
        .modify(move |pod: &mut Pod| {
            if drop_fields {
                drop_managed_fields(pod);
            }
        })
        .reflect(writer);
    let task = tokio::spawn(async move {
        let mut stream = std::pin::pin!(stream);
        while let Some(event) = stream.next().await {
            match event {
                Ok(watcher::Event::Apply(pod)) => recorder.saw(&pod),
                Ok(watcher::Event::Init) => {
                    recorder.lists.fetch_add(1, Ordering::Relaxed);
                }
                Ok(_) => {}
                Err(err) => eprintln!("kube-rs watcher: {err}"),
            }
        }
    });
    store.wait_until_ready().await.map_err(|e| anyhow!("kube-rs store: {e}"))?;
    Ok(Running::KubeRs { store, task })
}

/// Waits for `cond`, polling, up to `limit`.
async fn wait_until(limit: Duration, what: &str, cond: impl Fn() -> bool) -> Result<()> {
    let deadline = Instant::now() + limit;
    while !cond() {
        if Instant::now() >= deadline {
            bail!("{what}: not within {limit:?}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(())
}

fn percentile(sorted: &[u64], p: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// The child's side of the protocol. Lines to the parent: `SYNCED secs`, `LIVE secs`,
/// `MEMORY base synced peak objects heap_base heap_synced`, then (after `EXPECT n since_ns` from the parent)
/// `EVENTS count first_ns last_ns p50_us p99_us max_us rss relists`; a `DONE` line from the parent
/// ends the child after `MEMORY`.
async fn child(args: ChildArgs) -> Result<()> {
    let mut stdin = BufReader::new(tokio::io::stdin()).lines();
    let say = |line: String| println!("{line}");
    let recorder = Arc::new(Recorder::default());
    let (base, heap_base) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
    let started = Arc::new(OnceLock::<Instant>::new());
    let ready = {
        let (base, heap_base, started) = (base.clone(), heap_base.clone(), started.clone());
        move || {
            base.store(rss(), Ordering::SeqCst);
            heap_base.store(heap_live(), Ordering::SeqCst);
            let _ = started.set(Instant::now());
        }
    };
    let running = match args.informer.as_str() {
        "ours" => start_ours(&args, recorder.clone(), ready).await?,
        "ours-compact" => start_ours_compact(&args, recorder.clone(), ready).await?,
        _ => start_kube_rs(&args, recorder.clone(), ready).await?,
    };
    let want = args.pods as usize;
    wait_until(CHILD_LIMIT, "the cache holds every pod", || running.len() >= want).await?;
    let t0 = *started.get().context("never ready")?;
    ensure!(running.len() == want, "the cache holds {} pods, want {want}", running.len());
    say(format!("SYNCED {}", t0.elapsed().as_secs_f64()));
    let canary = &recorder.canary;
    wait_until(Duration::from_secs(60), "the canary event", || canary.get().is_some()).await?;
    let live = canary.get().map(|t| t.duration_since(t0)).unwrap_or_default();
    say(format!("LIVE {}", live.as_secs_f64()));
    // Let the list's transient buffers go before reading the cache's footprint.
    tokio::time::sleep(Duration::from_secs(1)).await;
    let peak = proc_status("VmHWM:").unwrap_or(0);
    say(format!(
        "MEMORY {} {} {peak} {} {} {}",
        base.load(Ordering::SeqCst),
        rss(),
        running.len(),
        heap_base.load(Ordering::SeqCst),
        heap_live()
    ));
    let lists_before = recorder.lists.load(Ordering::Relaxed);
    let line = stdin.next_line().await?.unwrap_or_default();
    if let Some(rest) = line.strip_prefix("EXPECT ") {
        let words: Vec<String> = rest.split_whitespace().map(String::from).collect();
        let (n, since): (usize, u128) = (num(&words, 0)?, num(&words, 1)?);
        // Updates lost to a relist (which delivers only each pod's latest state) never
        // arrive: stop once nothing has arrived for a while.
        let (mut seen, mut progress) = (recorder.count_since(since), Instant::now());
        while seen < n && progress.elapsed() < IDLE_LIMIT {
            tokio::time::sleep(Duration::from_millis(20)).await;
            let now = recorder.count_since(since);
            if now > seen {
                (seen, progress) = (now, Instant::now());
            }
        }
        let relists = recorder.lists.load(Ordering::Relaxed) - lists_before;
        let events = recorder.since(since);
        let mut lags: Vec<u64> =
            events.iter().map(|(at, sent)| (at.saturating_sub(*sent) / 1_000) as u64).collect();
        lags.sort_unstable();
        let first = events.iter().map(|e| e.0).min().unwrap_or(0);
        let last = events.iter().map(|e| e.0).max().unwrap_or(0);
        say(format!(
            "EVENTS {} {first} {last} {} {} {} {} {relists}",
            events.len(),
            percentile(&lags, 0.5),
            percentile(&lags, 0.99),
            lags.last().copied().unwrap_or(0),
            rss()
        ));
    }
    running.stop().await;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// The parent: server, pods, children, writer, table.

/// A serving CA and a certificate for 127.0.0.1 signed by it: (CA PEM, cert PEM, key PEM).
fn serving_certificates() -> Result<(String, String, String)> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    };
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name.push(DnType::CommonName, "bench-informer-ca");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate()?;
    let ca_pem = ca.self_signed(&ca_key)?.pem();
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])?;
    leaf.distinguished_name.push(DnType::CommonName, "kube-apiserver");
    let leaf_key = KeyPair::generate()?;
    let leaf_pem = leaf.signed_by(&leaf_key, &issuer)?.pem();
    Ok((ca_pem, leaf_pem, leaf_key.serialize_pem()))
}

/// Where the server runs: a child process, or this process when the binary is missing.
enum Process {
    Child(std::process::Child),
    InProcess(apiserver::Running),
}

/// A running apiserver, its files and its CA.
struct Server {
    process: Option<Process>,
    addr: SocketAddr,
    dir: tempfile::TempDir,
}

impl Server {
    async fn start() -> Result<Server> {
        let dir = tempfile::tempdir().context("temporary directory")?;
        let (ca, cert, key) = serving_certificates()?;
        let file = |name: &str, contents: &str| -> Result<PathBuf> {
            let path = dir.path().join(name);
            std::fs::write(&path, contents)?;
            Ok(path)
        };
        file("ca.crt", &ca)?;
        let cert = file("apiserver.crt", &cert)?;
        let key = file("apiserver.key", &key)?;
        let tokens = file("tokens.csv", &format!("{TOKEN},admin,1,\"system:masters\"\n"))?;
        let args = vec![
            "kube-apiserver".to_string(),
            "--secure-port=0".into(),
            "--bind-address=127.0.0.1".into(),
            format!("--tls-cert-file={}", cert.display()),
            format!("--tls-private-key-file={}", key.display()),
            format!("--data-dir={}", dir.path().join("data").display()),
            format!("--token-auth-file={}", tokens.display()),
        ];
        match server_binary() {
            Some(binary) => {
                let (child, addr) = spawn_server(&binary, &args[1..]).await?;
                Ok(Server { process: Some(Process::Child(child)), addr, dir })
            }
            None => {
                eprintln!("kube-apiserver binary not found beside this one: running it in-process");
                let options = <apiserver::Options as Parser>::try_parse_from(&args)?;
                let running = apiserver::start(options).await.map_err(|e| anyhow!("{e}"))?;
                let addr = running.addr;
                Ok(Server { process: Some(Process::InProcess(running)), addr, dir })
            }
        }
    }

    fn ca_file(&self) -> PathBuf {
        self.dir.path().join("ca.crt")
    }

    fn url(&self) -> String {
        format!("https://{}", self.addr)
    }

    fn in_process(&self) -> bool {
        matches!(self.process, Some(Process::InProcess(_)))
    }

    fn resolved(&self) -> Result<ResolvedConfig> {
        Ok(ResolvedConfig {
            server: self.url(),
            namespace: NAMESPACE.into(),
            ca_data: Some(std::fs::read(self.ca_file())?),
            token: Some(TOKEN.into()),
            ..Default::default()
        })
    }

    /// A kubeconfig for kube-rs: the server, its CA and the token.
    fn write_kubeconfig(&self) -> Result<PathBuf> {
        let ca = std::fs::read(self.ca_file())?;
        let ca = base64::engine::general_purpose::STANDARD.encode(ca);
        let yaml = format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: bench\n  cluster:\n    server: {}\n    certificate-authority-data: {ca}\nusers:\n- name: admin\n  user:\n    token: {TOKEN}\ncontexts:\n- name: bench\n  context:\n    cluster: bench\n    user: admin\n    namespace: {NAMESPACE}\ncurrent-context: bench\n",
            self.url()
        );
        let path = self.dir.path().join("kubeconfig");
        std::fs::write(&path, yaml)?;
        Ok(path)
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

/// Starts the server binary and reads its stderr until it reports the address it serves on.
async fn spawn_server(binary: &Path, args: &[String]) -> Result<(std::process::Child, SocketAddr)> {
    let mut child = std::process::Command::new(binary)
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
        for line in std::io::BufReader::new(stderr).lines().map_while(std::io::Result::ok) {
            if sent {
                continue;
            }
            if let Some(rest) = line.split("serving on https://").nth(1) {
                let _ = tx.send(rest.trim().parse::<SocketAddr>().map_err(|e| e.to_string()));
                sent = true;
            } else {
                tail.push(line);
            }
        }
        if !sent {
            let _ = tx.send(Err(format!("exited before serving: {}", tail.join("\n"))));
        }
    });
    let got =
        tokio::task::spawn_blocking(move || rx.recv_timeout(Duration::from_secs(120))).await?;
    match got {
        Ok(Ok(addr)) => Ok((child, addr)),
        Ok(Err(why)) => {
            let _ = child.kill();
            let _ = child.wait();
            bail!("kube-apiserver: {why}")
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            bail!("kube-apiserver did not report its address within 120 s")
        }
    }
}

/// A realistic pod: two containers with resources, env, ports and probes, plus labels.
fn pod(name: &str, n: u64) -> Result<Pod> {
    let body = serde_json::json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": name,
            "namespace": NAMESPACE,
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
    Ok(serde_json::from_value(body)?)
}

fn pod_name(n: u64) -> String {
    format!("pod-{n:07}")
}

/// Pod APIs over `conns` separate clients (each its own connection).
fn pod_apis(server: &Server, conns: usize) -> Result<Vec<Api<Pod>>> {
    let resolved = server.resolved()?;
    let config = client::rest::Config {
        qps: 0.0,
        timeout: Some(Duration::from_secs(60)),
        ..Default::default()
    };
    (0..conns.max(1))
        .map(|_| Ok(Api::<Pod>::namespaced(Client::new(&resolved, config.clone())?, NAMESPACE)))
        .collect()
}

/// Creates `count` pods from `clients` concurrent tasks; returns the time taken and the
/// average size of a pod as the server returned it (JSON).
async fn create_pods(apis: &[Api<Pod>], count: u64, clients: usize) -> Result<(Duration, f64)> {
    let next = Arc::new(AtomicU64::new(0));
    let started = Instant::now();
    let mut tasks = Vec::new();
    for c in 0..clients {
        let api = apis[(c / CLIENTS_PER_CONN) % apis.len()].clone();
        let next = next.clone();
        tasks.push(tokio::spawn(async move {
            let mut bytes = 0u64;
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= count {
                    return Ok::<_, anyhow::Error>(bytes);
                }
                let created = api.create(&PostParams::default(), &pod(&pod_name(n), n)?).await?;
                if n.is_multiple_of(64) {
                    // A sample is enough for the average size.
                    bytes += serde_json::to_vec(&created)?.len() as u64 * 64;
                }
            }
        }));
    }
    let mut bytes = 0;
    for t in tasks {
        bytes += t.await??;
    }
    Ok((started.elapsed(), bytes as f64 / count.max(1) as f64))
}

/// What the writer did.
struct Written {
    ok: u64,
    failed: u64,
    /// Latencies of the successful patches in microseconds, sorted.
    latencies: Vec<u64>,
    elapsed: Duration,
    started_ns: u128,
}

/// Patches pods round-robin at `rate` per second for `secs` seconds, each patch stamping
/// [`SENT`] with its send time.
async fn write_at_rate(apis: &[Api<Pod>], pods: u64, rate: u64, secs: u64) -> Result<Written> {
    let total = rate * secs;
    let slots = Arc::new(tokio::sync::Semaphore::new(MAX_IN_FLIGHT));
    let started = Instant::now();
    let started_ns = unix_nanos();
    let mut tick = tokio::time::interval(Duration::from_millis(1));
    let mut issued = 0u64;
    // Each patch answers with its latency in microseconds, or `None` when it failed.
    let mut tasks = tokio::task::JoinSet::new();
    while issued < total {
        tick.tick().await;
        let due = ((started.elapsed().as_secs_f64() * rate as f64) as u64).min(total);
        while issued < due {
            let slot = slots.clone().acquire_owned().await?;
            let api = apis[issued as usize % apis.len()].clone();
            let name = pod_name(issued % pods);
            tasks.spawn(async move {
                let sent = Instant::now();
                let stamp = unix_nanos().to_string();
                let patch = serde_json::json!({"metadata": {"annotations": {SENT: stamp}}});
                let res = api.patch(&name, &PatchParams::default(), &Patch::Merge(patch)).await;
                drop(slot);
                match res {
                    Ok(_) => Some(sent.elapsed().as_micros() as u64),
                    Err(err) => {
                        eprintln!("patch {name}: {err}");
                        None
                    }
                }
            });
            issued += 1;
        }
    }
    let (mut latencies, mut failed) = (Vec::new(), 0);
    while let Some(done) = tasks.join_next().await {
        match done? {
            Some(us) => latencies.push(us),
            None => failed += 1,
        }
    }
    latencies.sort_unstable();
    Ok(Written {
        ok: latencies.len() as u64,
        failed,
        latencies,
        elapsed: started.elapsed(),
        started_ns,
    })
}

/// One informer's figures.
#[derive(Debug, Default, Clone)]
struct Figures {
    sync: Duration,
    live: Duration,
    rss_base: u64,
    heap_base: u64,
    heap_synced: u64,
    rss_synced: u64,
    rss_peak: u64,
    objects: u64,
    /// From the event phase.
    events: Option<Events>,
}

#[derive(Debug, Default, Clone)]
struct Events {
    written: u64,
    write_failed: u64,
    write_secs: f64,
    received: u64,
    /// From the writer's start to the last event received.
    span_secs: f64,
    lag_p50_us: u64,
    lag_p99_us: u64,
    lag_max_us: u64,
    rss_end: u64,
    /// Lists the informer started during the event phase.
    relists: u64,
    /// The writer's patch latencies (sent to answered): the server's share of the lag.
    patch_p50_us: u64,
    patch_p99_us: u64,
}

/// Lines from a child's stdout, with a time limit per line.
struct ChildIo {
    child: tokio::process::Child,
    lines: tokio::io::Lines<BufReader<tokio::process::ChildStdout>>,
    stdin: tokio::process::ChildStdin,
}

impl ChildIo {
    async fn expect(&mut self, tag: &str) -> Result<Vec<String>> {
        let line = tokio::time::timeout(CHILD_LIMIT, self.lines.next_line())
            .await
            .with_context(|| format!("waiting for {tag}"))??
            .with_context(|| format!("the child exited before {tag}"))?;
        let mut words = line.split_whitespace().map(String::from);
        ensure!(words.next().as_deref() == Some(tag), "expected {tag}, got {line:?}");
        Ok(words.collect())
    }

    async fn send(&mut self, line: &str) -> Result<()> {
        self.stdin.write_all(format!("{line}\n").as_bytes()).await?;
        self.stdin.flush().await?;
        Ok(())
    }
}

fn num<T: std::str::FromStr>(words: &[String], i: usize) -> Result<T> {
    words.get(i).and_then(|w| w.parse().ok()).with_context(|| format!("field {i} of {words:?}"))
}

/// Runs one informer in a child process: sync, canary, memory, and with `events` the write
/// phase.
async fn run_child(
    informer: &str,
    server: &Server,
    kubeconfig: &Path,
    apis: &[Api<Pod>],
    config: &Config,
    events: bool,
) -> Result<Figures> {
    let exe = std::env::current_exe()?;
    let mut child = tokio::process::Command::new(exe)
        .arg("child")
        .arg(format!("--informer={informer}"))
        .arg(format!("--server={}", server.url()))
        .arg(format!("--ca-file={}", server.ca_file().display()))
        .arg(format!("--kubeconfig={}", kubeconfig.display()))
        .arg(format!("--namespace={NAMESPACE}"))
        .arg(format!("--pods={}", config.pods))
        .args(config.drop_managed_fields.then_some("--drop-managed-fields"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .kill_on_drop(true)
        .spawn()
        .context("starting the child")?;
    let stdout = child.stdout.take().context("child stdout")?;
    let stdin = child.stdin.take().context("child stdin")?;
    let mut io = ChildIo { child, lines: BufReader::new(stdout).lines(), stdin };
    let mut f = Figures::default();
    let synced = io.expect("SYNCED").await?;
    f.sync = Duration::from_secs_f64(num(&synced, 0)?);
    let canary =
        serde_json::json!({"metadata": {"annotations": {CANARY: unix_nanos().to_string()}}});
    apis[0].patch(&pod_name(0), &PatchParams::default(), &Patch::Merge(canary)).await?;
    let live = io.expect("LIVE").await?;
    f.live = Duration::from_secs_f64(num(&live, 0)?);
    let memory = io.expect("MEMORY").await?;
    (f.rss_base, f.rss_synced, f.rss_peak, f.objects) =
        (num(&memory, 0)?, num(&memory, 1)?, num(&memory, 2)?, num(&memory, 3)?);
    (f.heap_base, f.heap_synced) = (num(&memory, 4)?, num(&memory, 5)?);
    if events {
        eprintln!("[{informer}] writer: {} patches/s for {} s", config.rate, config.secs);
        let w = write_at_rate(apis, config.pods, config.rate, config.secs).await?;
        io.send(&format!("EXPECT {} {}", w.ok, w.started_ns)).await?;
        let e = io.expect("EVENTS").await?;
        let last_ns: u128 = num(&e, 2)?;
        f.events = Some(Events {
            written: w.ok,
            write_failed: w.failed,
            write_secs: w.elapsed.as_secs_f64(),
            received: num(&e, 0)?,
            span_secs: last_ns.saturating_sub(w.started_ns) as f64 / 1e9,
            lag_p50_us: num(&e, 3)?,
            lag_p99_us: num(&e, 4)?,
            lag_max_us: num(&e, 5)?,
            rss_end: num(&e, 6)?,
            relists: num(&e, 7)?,
            patch_p50_us: percentile(&w.latencies, 0.5),
            patch_p99_us: percentile(&w.latencies, 0.99),
        });
    } else {
        io.send("DONE").await?;
    }
    let status = tokio::time::timeout(Duration::from_secs(30), io.child.wait()).await??;
    ensure!(status.success(), "the {informer} child failed: {status}");
    Ok(f)
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

fn fmt_us(us: u64) -> String {
    fmt_dur(Duration::from_micros(us))
}

/// The informers, in the order they run and are printed: (name, column head).
const INFORMERS: [(&str, &str); 3] = [
    ("ours", "ours (typed)"),
    ("ours-compact", "ours (compact)"),
    ("kube-rs", "baseline (kube-rs reflector)"),
];

/// One printed row: figure, typed, compact, kube-rs, typed / kube-rs, compact / kube-rs.
type Row = [String; 6];

/// Each informer's figures, when it ran.
#[derive(Clone, Copy)]
struct Columns<'a> {
    typed: Option<&'a Figures>,
    compact: Option<&'a Figures>,
    kube: Option<&'a Figures>,
}

fn ratio(ours: f64, base: f64) -> String {
    if base > 0.0 { format!("x{:.3}", ours / base) } else { String::new() }
}

fn per_object(f: &Figures) -> f64 {
    (f.rss_synced as f64 - f.rss_base as f64) / f.objects.max(1) as f64
}

fn heap_per_object(f: &Figures) -> f64 {
    (f.heap_synced as f64 - f.heap_base as f64) / f.objects.max(1) as f64
}

/// The rows for whichever informers ran (`-` for one that did not).
fn rows(c: Columns<'_>, pod_bytes: f64) -> Vec<Row> {
    let cell = |f: Option<&Figures>, show: &dyn Fn(&Figures) -> String| f.map_or("-".into(), show);
    let against_kube =
        |ours: Option<&Figures>, value: &dyn Fn(&Figures) -> f64| match (ours, c.kube) {
            (Some(o), Some(k)) => ratio(value(o), value(k)),
            _ => String::new(),
        };
    let row = |name: String, show: &dyn Fn(&Figures) -> String, value: &dyn Fn(&Figures) -> f64| {
        [
            name,
            cell(c.typed, show),
            cell(c.compact, show),
            cell(c.kube, show),
            against_kube(c.typed, value),
            against_kube(c.compact, value),
        ]
    };
    let pods = c.typed.or(c.compact).or(c.kube).map_or(0, |f| f.objects);
    let mut rows = vec![
        row(format!("time to sync {pods} pods (list, store full)"), &|f| fmt_dur(f.sync), &|f| {
            f.sync.as_secs_f64()
        }),
        row(
            "start to first live event (list + watch + one patch)".into(),
            &|f| fmt_dur(f.live),
            &|f| f.live.as_secs_f64(),
        ),
        row(
            "RSS before the informer (client ready)".into(),
            &|f| fmt_bytes(f.rss_base as f64),
            &|f| f.rss_base as f64,
        ),
        row(format!("RSS with {pods} pods cached"), &|f| fmt_bytes(f.rss_synced as f64), &|f| {
            f.rss_synced as f64
        }),
        row("peak RSS during sync".into(), &|f| fmt_bytes(f.rss_peak as f64), &|f| {
            f.rss_peak as f64
        }),
        row(
            "memory per cached pod (RSS delta / pods)".into(),
            &|f| fmt_bytes(per_object(f)),
            &per_object,
        ),
        row(
            "live heap per cached pod (allocated - freed, / pods)".into(),
            &|f| fmt_bytes(heap_per_object(f)),
            &heap_per_object,
        ),
    ];
    let blank = String::new;
    rows.push([
        "pod JSON size (avg, as created)".into(),
        fmt_bytes(pod_bytes),
        fmt_bytes(pod_bytes),
        fmt_bytes(pod_bytes),
        blank(),
        blank(),
    ]);
    let ev = |f: &Figures| f.events.clone().unwrap_or_default();
    let plain = |name: String, show: &dyn Fn(&Figures) -> String| -> Row {
        [name, cell(c.typed, show), cell(c.compact, show), cell(c.kube, show), blank(), blank()]
    };
    rows.push(plain("patches written (writer's rate achieved)".into(), &|f| {
        let e = ev(f);
        let failed =
            if e.write_failed > 0 { format!(", {} failed", e.write_failed) } else { String::new() };
        format!("{} ({:.0} /s{failed})", e.written, e.written as f64 / e.write_secs.max(1e-9))
    }));
    rows.push(plain("update events delivered to the handler".into(), &|f| {
        format!("{} of {}", ev(f).received, ev(f).written)
    }));
    let rate = |f: &Figures| ev(f).received as f64 / ev(f).span_secs.max(1e-9);
    rows.push(row(
        "event throughput (delivered / writer start to last event)".into(),
        &|f| format!("{:.0} /s", rate(f)),
        &rate,
    ));
    rows.push(row(
        "delivery lag p50 (patch sent -> handler)".into(),
        &|f| fmt_us(ev(f).lag_p50_us),
        &|f| ev(f).lag_p50_us as f64,
    ));
    rows.push(row("delivery lag p99".into(), &|f| fmt_us(ev(f).lag_p99_us), &|f| {
        ev(f).lag_p99_us as f64
    }));
    rows.push(row("delivery lag max".into(), &|f| fmt_us(ev(f).lag_max_us), &|f| {
        ev(f).lag_max_us as f64
    }));
    rows.push(plain("the writer's patch latency p50 / p99 (server's share)".into(), &|f| {
        format!("{} / {}", fmt_us(ev(f).patch_p50_us), fmt_us(ev(f).patch_p99_us))
    }));
    rows.push(plain("relists during the event phase".into(), &|f| ev(f).relists.to_string()));
    rows.push(row(
        "RSS after the event phase".into(),
        &|f| fmt_bytes(ev(f).rss_end as f64),
        &|f| ev(f).rss_end as f64,
    ));
    rows
}

fn print_table(rows: &[Row]) {
    let head = [
        "figure",
        INFORMERS[0].1,
        INFORMERS[1].1,
        INFORMERS[2].1,
        "typed / kube-rs",
        "compact / kube-rs",
    ];
    let widths: Vec<usize> = (0..head.len())
        .map(|i| {
            rows.iter().map(|r| r[i].chars().count()).chain([head[i].len()]).max().unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 6]| {
        let mut s = String::from("|");
        for (cell, w) in cells.iter().zip(&widths) {
            s.push_str(&format!(" {cell:<w$} |"));
        }
        s
    };
    println!("{}", line(head));
    let mut rule = String::from("|");
    for w in &widths {
        rule.push_str(&format!("{}|", "-".repeat(w + 2)));
    }
    println!("{rule}");
    for r in rows {
        println!("{}", line([&r[0], &r[1], &r[2], &r[3], &r[4], &r[5]]));
    }
}

/// The goal lines: the compact informer (or the typed one when only it ran) against kube-rs,
/// with the typed figures beside the compact ones.
fn print_goals(c: Columns<'_>) {
    let verdict = |ok: bool| if ok { "PASS" } else { "FAIL" };
    let Some(k) = c.kube else { return };
    let (name, o) = match (c.compact, c.typed) {
        (Some(o), _) => ("compact", o),
        (None, Some(o)) => ("typed", o),
        (None, None) => return,
    };
    let typed_too = |show: &dyn Fn(&Figures) -> String| match (c.compact, c.typed) {
        (Some(_), Some(t)) => format!(" (typed: {})", show(t)),
        _ => String::new(),
    };
    let share = |f: &Figures, value: &dyn Fn(&Figures) -> f64| {
        value(f) / value(k).max(f64::MIN_POSITIVE) * 100.0
    };
    println!("\nGoals (ours {name} vs kube-rs):");
    println!(
        "- faster sync than kube-rs: {} vs {} -> {}{}",
        fmt_dur(o.sync),
        fmt_dur(k.sync),
        verdict(o.sync < k.sync),
        typed_too(&|t| fmt_dur(t.sync))
    );
    let memory = share(o, &per_object);
    println!(
        "- memory per cached pod <= {:.0}% of kube-rs': {} vs {} ({memory:.0}%) -> {}{}",
        GOAL_MEMORY_SHARE * 100.0,
        fmt_bytes(per_object(o)),
        fmt_bytes(per_object(k)),
        verdict(memory <= GOAL_MEMORY_SHARE * 100.0),
        typed_too(&|t| format!("{}, {:.0}%", fmt_bytes(per_object(t)), share(t, &per_object)))
    );
    println!(
        "  (live heap per cached pod: {} vs {}, {:.0}%{})",
        fmt_bytes(heap_per_object(o)),
        fmt_bytes(heap_per_object(k)),
        share(o, &heap_per_object),
        typed_too(&|t| format!(
            "{}, {:.0}%",
            fmt_bytes(heap_per_object(t)),
            share(t, &heap_per_object)
        ))
    );
}

async fn run(config: Config) -> Result<()> {
    ensure!(config.pods > 0 && config.clients > 0, "--pods and --clients must be at least 1");
    ensure!(config.rate > 0 && config.secs > 0, "--rate and --secs must be at least 1");
    let which: Vec<&str> = match config.informers.as_str() {
        "both" => INFORMERS.iter().map(|(name, _)| *name).collect(),
        one => INFORMERS.iter().map(|(name, _)| *name).filter(|name| *name == one).collect(),
    };
    println!(
        "bench-informer: {} pods, {} creating clients, writer {} patches/s for {} s{}",
        config.pods,
        config.clients,
        config.rate,
        config.secs,
        if config.drop_managed_fields {
            ", managedFields dropped before caching (compact: decoded and re-encoded)"
        } else {
            ""
        }
    );
    eprintln!("starting kube-apiserver");
    let server = Server::start().await?;
    let kubeconfig = server.write_kubeconfig()?;
    let apis = pod_apis(&server, config.clients.div_ceil(CLIENTS_PER_CONN))?;
    let namespace: Namespace =
        serde_json::from_value(serde_json::json!({"metadata": {"name": NAMESPACE}}))?;
    let namespaces =
        Api::<Namespace>::all(Client::new(&server.resolved()?, client::rest::Config::default())?);
    namespaces.create(&PostParams::default(), &namespace).await?;
    eprintln!("creating {} pods with {} clients", config.pods, config.clients);
    let (took, pod_bytes) = create_pods(&apis, config.pods, config.clients).await?;
    eprintln!(
        "created {} pods in {} ({:.0} /s)",
        config.pods,
        fmt_dur(took),
        config.pods as f64 / took.as_secs_f64()
    );
    // Sync and memory first for every informer, on pods not yet touched by a writer, then the
    // event phase for each.
    let mut figures: Vec<(&str, Figures)> = Vec::new();
    for informer in &which {
        eprintln!("[{informer}] sync and memory");
        let f = run_child(informer, &server, &kubeconfig, &apis, &config, false)
            .await
            .with_context(|| format!("{informer}: sync phase"))?;
        figures.push((informer, f));
    }
    for (informer, f) in &mut figures {
        eprintln!("[{informer}] events");
        let e = run_child(informer, &server, &kubeconfig, &apis, &config, true)
            .await
            .with_context(|| format!("{informer}: event phase"))?;
        f.events = e.events;
    }
    let in_process = server.in_process();
    server.stop().await;
    let find = |name: &str| figures.iter().find(|(n, _)| *n == name).map(|(_, f)| f);
    let columns =
        Columns { typed: find("ours"), compact: find("ours-compact"), kube: find("kube-rs") };
    println!(
        "\n## pod informers on one kube-apiserver{}\n",
        if in_process { " (in-process)" } else { "" }
    );
    print_table(&rows(columns, pod_bytes));
    print_goals(columns);
    println!(
        "\nratios are ours / kube-rs: below 1 is better for times, memory and lag. Typed caches \
         decoded pods, compact keeps each pod's JSON and decodes on demand (its handler decodes \
         only the annotations it reads). All list at resourceVersion \"0\" in pages of 500 and \
         run in their own process (RSS is that process's); none throttles client-side."
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    match cli.command {
        Some(Command::Child(args)) => child(args).await,
        None => run(cli.config).await,
    }
}
