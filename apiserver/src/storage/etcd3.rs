//! The etcd v3 storage backend: the [`Storage`] trait over a real etcd cluster, the counterpart of
//! k8s.io/apiserver's `storage/etcd3` store. Keys live below a configurable prefix (like
//! `--etcd-prefix`); resourceVersions are etcd's own revisions, as upstream. Endpoints may be
//! `http://` or `https://` (with `--etcd-cafile`, `--etcd-certfile`, `--etcd-keyfile`).

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use etcd_client::{
    Client, Compare, CompareOp, ConnectOptions, DeleteOptions, EventType, GetOptions, TxnOp,
    TxnOpResponse, WatchOptions, WatchStream,
};
use tokio::sync::mpsc;
use tokio::time::Instant;

use members::{Member, Members};

pub mod local;
mod members;
mod progress;
mod tls;

#[cfg(test)]
mod etcd3_suite;

use super::{
    KeyValue, ListOptions, ListResult, Storage, StorageError, StorageFuture, Watch, WatchEvent,
    decode_continue, encode_continue, recursive_prefix, validate_key,
};

const LIST_EXPIRED: &str = "The resourceVersion for the provided list is too old.";
const CONTINUE_EXPIRED: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter.";
const INCONSISTENT_CONTINUE: &str = "The provided continue parameter is too old to display a consistent list result. You can start a new list without the continue parameter, or use the continue token in this response to retrieve the remainder of the results. Continuing with the provided token results in an inconsistent list - objects that were created, modified, or deleted between the time the first chunk was returned and now may show up in the list.";

// etcd's wording for the two revision errors a range or compaction can hit.
const ETCD_COMPACTED: &str = "required revision has been compacted";
const ETCD_FUTURE: &str = "required revision is a future revision";

/// The largest gRPC message accepted either way (upstream's `math.MaxInt32`).
const MAX_MESSAGE: usize = i32::MAX as usize;

/// gRPC codes worth a retry: Cancelled, Unknown, DeadlineExceeded and Unavailable.
const TRANSIENT_GRPC_CODES: [i32; 4] = [1, 2, 4, 14];

/// How etcd's own errors begin; any other transient status comes from the way to the member.
const ETCD_SERVER_ERROR: &str = "etcdserver: ";

/// The pause before a retry, multiplied by the attempt number and capped at [`RETRY_BACKOFF_MAX`].
const RETRY_BACKOFF: Duration = Duration::from_millis(100);

/// The longest pause between two retries.
const RETRY_BACKOFF_MAX: Duration = Duration::from_secs(1);

/// The least time one attempt of a small request gets (see `Etcd3::short_attempt`).
const SHORT_ATTEMPT_MIN: Duration = Duration::from_secs(1);

/// How often connecting probes the members while none answers.
const DIAL_PROBE_INTERVAL: Duration = Duration::from_millis(50);

/// How often, while no member answers, connecting checks the TLS endpoints with a handshake
/// of its own, and how long one check may take.
const TLS_DIAGNOSIS_INTERVAL: Duration = Duration::from_secs(1);

/// How to reach etcd and how the store behaves on top of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Etcd3Config {
    /// Client URLs, e.g. `http://127.0.0.1:2379` or `https://10.0.0.1:2379`. A bare
    /// `host:port` uses TLS when any of the TLS files is set, plain HTTP otherwise; `http://`
    /// endpoints never use TLS (upstream's etcd client drops the credentials for them).
    pub endpoints: Vec<String>,
    /// The prefix every key is stored under (upstream's `--etcd-prefix`); `/registry` by default.
    pub prefix: String,
    /// CA bundle that etcd's serving certificates must chain to (`--etcd-cafile`); without it
    /// `https://` endpoints are checked against the system's CA bundle.
    pub ca_file: Option<PathBuf>,
    /// Client certificate presented to etcd (`--etcd-certfile`); needs `key_file`.
    pub cert_file: Option<PathBuf>,
    /// The client certificate's private key (`--etcd-keyfile`); needs `cert_file`.
    pub key_file: Option<PathBuf>,
    /// How long [`Etcd3::connect`] keeps trying to reach the cluster; also bounds each TLS
    /// handshake.
    pub dial_timeout: Duration,
    /// The longest any request may take, retries included, before it fails as unavailable.
    pub request_timeout: Duration,
    /// How many undelivered events a watcher may hold before it is cut off with an error.
    pub watch_buffer: usize,
    /// Ask etcd for progress notifications, delivered as [`WatchEvent::Bookmark`]s (etcd sends
    /// them at its `--experimental-watch-progress-notify-interval`).
    pub progress_notify: bool,
}

impl Default for Etcd3Config {
    fn default() -> Self {
        Etcd3Config {
            endpoints: vec!["http://127.0.0.1:2379".to_string()],
            prefix: "/registry".to_string(),
            ca_file: None,
            cert_file: None,
            key_file: None,
            dial_timeout: Duration::from_secs(20),
            request_timeout: Duration::from_secs(30),
            watch_buffer: 1024,
            progress_notify: false,
        }
    }
}

/// Why [`Etcd3::connect`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Etcd3Error {
    /// No endpoint was given.
    #[error("no etcd endpoints configured")]
    NoEndpoints,
    /// The TLS files are incomplete, unreadable or hold no usable certificate or key.
    #[error("{0}")]
    TlsConfig(String),
    /// An endpoint is not a URL the etcd client accepts.
    #[error("invalid etcd endpoint {endpoint:?}: {detail}")]
    InvalidEndpoint {
        /// The endpoint as configured.
        endpoint: String,
        /// Why the client refused it.
        detail: String,
    },
    /// Every member refused the TLS handshake or failed it: a wrong CA, a certificate etcd does
    /// not accept (or none where it requires one), or an endpoint that does not speak TLS.
    #[error("TLS handshake with etcd at {endpoints} failed: {detail}")]
    TlsHandshake {
        /// The endpoints tried, comma-separated.
        endpoints: String,
        /// The TLS error, e.g. an unknown issuer or an alert etcd sent.
        detail: String,
    },
    /// The cluster did not answer within the dial timeout.
    #[error("failed to reach etcd at {endpoints} within {timeout:?}: {detail}")]
    Unreachable {
        /// The endpoints tried, comma-separated.
        endpoints: String,
        /// The dial timeout.
        timeout: Duration,
        /// The last failure seen.
        detail: String,
    },
}

impl From<Etcd3Error> for StorageError {
    fn from(e: Etcd3Error) -> Self {
        StorageError::Unavailable(e.to_string())
    }
}

/// A [`Storage`] backed by an etcd v3 cluster.
///
/// Requests go to the configured endpoints in turn; a member whose connection fails is passed
/// over for a while (see `members`), so retries land on live members. Every request (reads,
/// watch set-ups, creates, updates, deletes, compactions) is retried after transient failures,
/// with a growing pause, until the request timeout is spent. Writes are guarded so that a
/// repeat cannot apply twice, and a write that is tried again has its outcome checked: one
/// whose answer was lost is reported as done, not as a conflict or a missing key (see
/// [`Etcd3::delete_at`] for deletes). A watch served by a member that dies does not move to
/// another member: it ends with [`WatchEvent::Error`] carrying `Unavailable`, and the caller
/// resumes it from the last revision it saw (the resumed watch goes to a live member), losing
/// nothing.
#[derive(Clone)]
pub struct Etcd3 {
    members: Arc<Members>,
    /// The normalised key prefix: empty or `/name` without a trailing slash.
    prefix: String,
    request_timeout: Duration,
    watch_buffer: usize,
    progress_notify: bool,
    /// Wakes every watch pump to ask etcd for a progress notification.
    progress_requested: Arc<tokio::sync::Notify>,
    /// Whether etcd's answers to progress requests can be trusted (see `progress`).
    progress_support: Arc<progress::ProgressSupport>,
}

impl std::fmt::Debug for Etcd3 {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Etcd3").field("prefix", &self.prefix).finish_non_exhaustive()
    }
}

/// How an etcd call failed, sorted by what the store does about it.
#[derive(Debug)]
enum Failure {
    Compacted,
    Future,
    /// Worth another try. `member_down` says the failure came from the way to the member (no
    /// connection, a broken stream, no answer in time), not from a member that answered.
    Transient {
        detail: String,
        member_down: bool,
    },
    Other(String),
}

/// An etcd client error in words, with its causes: a gRPC status as its code and message, a
/// transport error with the chain that says what went wrong.
fn error_detail(e: &etcd_client::Error) -> String {
    match e {
        etcd_client::Error::GRpcStatus(status) => {
            let mut parts =
                vec![format!("etcd request failed ({:?}): {}", status.code(), status.message())];
            if let Some(source) = std::error::Error::source(status) {
                tls::extend_chain(&mut parts, source);
            }
            parts.join(": ")
        }
        other => tls::describe(other),
    }
}

impl Failure {
    fn from_etcd(e: etcd_client::Error) -> Self {
        Failure::of(&e)
    }

    fn of(e: &etcd_client::Error) -> Self {
        match e {
            etcd_client::Error::GRpcStatus(status) => {
                let msg = status.message();
                if msg.contains(ETCD_COMPACTED) {
                    Failure::Compacted
                } else if msg.contains(ETCD_FUTURE) {
                    Failure::Future
                } else if TRANSIENT_GRPC_CODES.contains(&i32::from(status.code())) {
                    Failure::Transient {
                        detail: error_detail(e),
                        member_down: !msg.starts_with(ETCD_SERVER_ERROR),
                    }
                } else {
                    Failure::Other(error_detail(e))
                }
            }
            etcd_client::Error::TransportError(_) | etcd_client::Error::IoError(_) => {
                Failure::Transient { detail: error_detail(e), member_down: true }
            }
            _ => Failure::Other(error_detail(e)),
        }
    }

    fn timed_out(limit: Duration) -> Self {
        Failure::Transient {
            detail: format!("etcd request timed out after {limit:?}"),
            member_down: true,
        }
    }

    /// The error a caller sees when nothing more specific applies.
    fn into_storage(self) -> StorageError {
        match self {
            Failure::Compacted => StorageError::ResourceExpired {
                message: LIST_EXPIRED.to_string(),
                continue_token: None,
            },
            Failure::Future => StorageError::Internal(format!("etcd: {ETCD_FUTURE}")),
            Failure::Transient { detail, .. } => StorageError::Unavailable(detail),
            Failure::Other(m) => StorageError::Internal(m),
        }
    }
}

/// What a delete guarded by a modification revision found (see [`Etcd3::delete_at`]).
#[derive(Debug)]
enum Deletion {
    /// The key was deleted: its last state, with `mod_revision` the deletion's revision.
    Deleted(KeyValue),
    /// The key was not live.
    Absent,
    /// The key is live at another revision: its current state.
    Changed(KeyValue),
}

/// The first answer of a watch replaying one key's history.
enum FirstChange {
    Event(etcd_client::Event),
    Canceled { compacted: i64, reason: String },
}

/// Normalises a prefix the way `path.Join("/", prefix)` does, minus the root itself.
fn normalize_prefix(prefix: &str) -> String {
    let parts: Vec<&str> = prefix.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
    if parts.is_empty() { String::new() } else { format!("/{}", parts.join("/")) }
}

/// The first key after every key that starts with `prefix` (etcd's range end for a prefix).
fn prefix_range_end(prefix: &[u8]) -> Vec<u8> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < 0xff {
            end.push(last + 1);
            return end;
        }
    }
    // Every byte was 0xff: the range runs to the end of the keyspace.
    vec![0]
}

impl Etcd3 {
    /// Connects to the cluster and checks that a member answers, retrying until
    /// `dial_timeout` passes. Fails at once on bad TLS files and when every member fails the
    /// TLS handshake (a wrong CA or a refused client certificate does not heal by waiting).
    pub async fn connect(config: Etcd3Config) -> Result<Self, Etcd3Error> {
        if config.endpoints.is_empty() {
            return Err(Etcd3Error::NoEndpoints);
        }
        let files_given = tls::files_given(&config);
        let endpoints: Vec<(String, tls::Scheme)> =
            config.endpoints.iter().map(|e| tls::endpoint_scheme(e, files_given)).collect();
        let need_tls = endpoints.iter().any(|(_, scheme)| *scheme == tls::Scheme::Tls);
        let material = tls::load(&config, need_tls)?;
        let joined = config.endpoints.join(",");
        let mut members = Vec::with_capacity(endpoints.len());
        let mut tls_endpoints = Vec::new();
        for (endpoint, scheme) in endpoints {
            let mut options = ConnectOptions::new()
                .with_connect_timeout(config.dial_timeout)
                .with_keep_alive(Duration::from_secs(30), Duration::from_secs(10));
            if scheme == tls::Scheme::Tls
                && let Some(material) = &material
            {
                options = options.with_tls(material.options());
                tls_endpoints.push(endpoint.clone());
            }
            // The channel dials lazily: this only checks the endpoint's form.
            let client =
                Client::connect([endpoint.as_str()], Some(options)).await.map_err(|e| {
                    Etcd3Error::InvalidEndpoint {
                        endpoint: endpoint.clone(),
                        detail: error_detail(&e),
                    }
                })?;
            members.push(Arc::new(Member::new(endpoint, &client, MAX_MESSAGE)));
        }
        let store = Etcd3 {
            members: Arc::new(Members::new(members)),
            prefix: normalize_prefix(&config.prefix),
            request_timeout: config.request_timeout,
            watch_buffer: config.watch_buffer.max(1),
            progress_notify: config.progress_notify,
            progress_requested: Arc::new(tokio::sync::Notify::new()),
            progress_support: Arc::new(progress::ProgressSupport::new()),
        };
        let tls = material.map(|m| (m, tls_endpoints));
        store.wait_answer(joined, config.dial_timeout, tls).await?;
        Ok(store)
    }

    /// Probes every member at once, round after round, until one answers or `dial_timeout`
    /// passes. While none answers, the TLS endpoints (`tls`) are checked with a handshake of
    /// their own now and then, which names a TLS failure the gRPC channel hides.
    async fn wait_answer(
        &self,
        endpoints: String,
        dial_timeout: Duration,
        tls: Option<(tls::Material, Vec<String>)>,
    ) -> Result<(), Etcd3Error> {
        let deadline = Instant::now() + dial_timeout;
        let unreachable = |detail: String| Etcd3Error::Unreachable {
            endpoints: endpoints.clone(),
            timeout: dial_timeout,
            detail,
        };
        let mut last: Option<String> = None;
        let mut next_diagnosis = Instant::now();
        loop {
            let mut probes = tokio::task::JoinSet::new();
            for member in self.members.all() {
                let mut kv = member.kv.clone();
                let key = self.probe_key();
                probes.spawn(async move {
                    let probe = GetOptions::new().with_count_only();
                    tokio::time::timeout_at(deadline, kv.get(key, Some(probe))).await
                });
            }
            let mut tls_failures = Vec::new();
            let mut answered = 0;
            while let Some(joined) = probes.join_next().await {
                match joined {
                    Ok(Ok(Ok(_))) => return Ok(()),
                    Ok(Ok(Err(e))) => {
                        if let Some(tls) = tls::tls_failure(&e) {
                            tls_failures.push(tls);
                        } else if let Failure::Other(detail) = Failure::of(&e) {
                            // etcd answered with an error waiting will not change.
                            return Err(unreachable(detail));
                        }
                        answered += 1;
                        last = Some(error_detail(&e));
                    }
                    // Out of time; an earlier round's failure says more.
                    Ok(Err(_)) => {}
                    Err(e) => last = Some(format!("probe failed: {e}")),
                }
            }
            tls_failures.sort();
            tls_failures.dedup();
            if !tls_failures.is_empty() && tls_failures.len() == answered {
                return Err(Etcd3Error::TlsHandshake {
                    endpoints,
                    detail: tls_failures.join("; "),
                });
            }
            if let Some(tls) = tls_failures.first() {
                // A TLS failure says more than another member's refused connection.
                last = Some(tls.clone());
            }
            if let Some((material, tls_endpoints)) = &tls
                && tls_failures.is_empty()
                && Instant::now() >= next_diagnosis
            {
                next_diagnosis = Instant::now() + TLS_DIAGNOSIS_INTERVAL;
                let limit =
                    TLS_DIAGNOSIS_INTERVAL.min(deadline.saturating_duration_since(Instant::now()));
                let mut checks = tokio::task::JoinSet::new();
                for endpoint in tls_endpoints {
                    let (material, endpoint) = (material.clone(), endpoint.clone());
                    checks.spawn(async move { material.diagnose(&endpoint, limit).await });
                }
                let mut found = Vec::new();
                while let Some(Ok(diagnosis)) = checks.join_next().await {
                    found.extend(diagnosis);
                }
                let every_member_fails = found.len() == self.members.all().len();
                found.sort();
                found.dedup();
                if every_member_fails {
                    return Err(Etcd3Error::TlsHandshake { endpoints, detail: found.join("; ") });
                }
                if let Some(first) = found.first() {
                    last = Some(first.clone());
                }
            }
            let now = Instant::now();
            if now >= deadline {
                return Err(unreachable(last.unwrap_or_else(|| "no answer".to_string())));
            }
            tokio::time::sleep(DIAL_PROBE_INTERVAL.min(deadline.saturating_duration_since(now)))
                .await;
        }
    }

    /// Any non-empty key (etcd refuses empty ones) for reads that only want a header.
    fn probe_key(&self) -> Vec<u8> {
        if self.prefix.is_empty() { b"/".to_vec() } else { self.prefix.clone().into_bytes() }
    }

    fn etcd_key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    fn trait_key(&self, raw: &[u8]) -> Result<String, StorageError> {
        let key = std::str::from_utf8(raw)
            .map_err(|_| StorageError::Internal("etcd returned a non-UTF-8 key".to_string()))?;
        key.strip_prefix(self.prefix.as_str()).map(str::to_string).ok_or_else(|| {
            StorageError::Internal(format!("etcd returned key {key:?} outside the prefix"))
        })
    }

    /// An etcd revision as this store reports it.
    fn to_trait_rev(&self, rev: i64) -> u64 {
        u64::try_from(rev).unwrap_or(0)
    }

    /// A revision given to this store as etcd's, or `None` when it cannot exist.
    fn to_etcd_rev(&self, rev: u64) -> Option<i64> {
        i64::try_from(rev).ok()
    }

    fn kv_of(&self, kv: &etcd_client::KeyValue) -> Result<KeyValue, StorageError> {
        Ok(KeyValue {
            key: self.trait_key(kv.key())?,
            value: super::Bytes::copy_from_slice(kv.value()),
            create_revision: self.to_trait_rev(kv.create_revision()),
            mod_revision: self.to_trait_rev(kv.mod_revision()),
        })
    }

    /// Runs one etcd call on `member` for at most `limit`, and records in the member's health
    /// whether it answered.
    async fn call_on<T, Fut>(
        &self,
        member: &Member,
        limit: Duration,
        fut: Fut,
    ) -> Result<T, Failure>
    where
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let result = match tokio::time::timeout(limit, fut).await {
            Ok(r) => r.map_err(Failure::from_etcd),
            Err(_) => Err(Failure::timed_out(limit)),
        };
        match &result {
            Err(Failure::Transient { member_down: true, .. }) => member.failed(),
            // The member answered, if only to say the cluster cannot serve right now.
            Err(Failure::Transient { member_down: false, .. }) => {}
            Ok(_) | Err(_) => member.succeeded(),
        }
        result
    }

    /// Runs `op` on the next member and, while it fails transiently, again on the next one
    /// (a member that just failed is passed over) with a growing pause, until the request
    /// timeout is spent. Only for operations a repeat cannot harm. With `short`, one attempt
    /// gets at most a third of the request timeout (see [`Etcd3::short_attempt`]).
    async fn retrying<T, F, Fut>(&self, short: bool, op: F) -> Result<T, Failure>
    where
        F: FnMut(Arc<Member>) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        self.retrying_until(self.deadline(), short, op).await
    }

    /// When a request started now must be done.
    fn deadline(&self) -> Instant {
        Instant::now() + self.request_timeout
    }

    /// [`Etcd3::retrying`] for one step of a request made of several, which share `deadline`.
    async fn retrying_until<T, F, Fut>(
        &self,
        deadline: Instant,
        short: bool,
        mut op: F,
    ) -> Result<T, Failure>
    where
        F: FnMut(Arc<Member>) -> Fut,
        Fut: Future<Output = Result<T, etcd_client::Error>>,
    {
        let mut attempt = 0;
        loop {
            let mut limit = deadline.saturating_duration_since(Instant::now());
            if limit.is_zero() {
                // Earlier steps of the request spent its time.
                return Err(Failure::timed_out(self.request_timeout));
            }
            let member = self.members.pick();
            if short {
                limit = limit.min(self.short_attempt());
            }
            let result = self.call_on(&member, limit, op(member.clone())).await;
            if !matches!(result, Err(Failure::Transient { .. })) {
                return result;
            }
            attempt += 1;
            let pause = (RETRY_BACKOFF * attempt).min(RETRY_BACKOFF_MAX);
            if Instant::now() + pause >= deadline {
                return result;
            }
            tokio::time::sleep(pause).await;
        }
    }

    /// How long one attempt of a small request (a single-key transaction, a watch set-up) may
    /// take before it is abandoned for another try: a third of the request timeout, at least a
    /// second. A write a follower forwarded to a leader that just died is lost with it, and
    /// etcd lets the request wait out its own long timeout; trying again, on a member that
    /// answers, gets it through once a new leader is elected.
    fn short_attempt(&self) -> Duration {
        (self.request_timeout / 3).max(SHORT_ATTEMPT_MIN)
    }

    /// A range read, retried while attempts fail transiently (reads are idempotent, so a retry
    /// cannot double-apply anything).
    async fn range(
        &self,
        key: Vec<u8>,
        options: GetOptions,
    ) -> Result<etcd_client::GetResponse, Failure> {
        self.range_until(key, options, self.deadline()).await
    }

    /// [`Etcd3::range`] as one step of a request that must be done by `deadline`.
    async fn range_until(
        &self,
        key: Vec<u8>,
        options: GetOptions,
        deadline: Instant,
    ) -> Result<etcd_client::GetResponse, Failure> {
        self.retrying_until(deadline, false, |member| {
            let mut kv = member.kv.clone();
            let (key, options) = (key.clone(), options.clone());
            async move { kv.get(key, Some(options)).await }
        })
        .await
    }

    /// A guarded transaction, retried after transient failures like a read. Only for guards
    /// that make a repeat harmless (create-if-absent, compare-and-swap on the modification
    /// revision, put-if-different, delete-at-revision): if an earlier attempt was applied, a
    /// later one's guard fails and the caller inspects the state it returns. The flag says
    /// whether the answer comes from such a later attempt. Gives up at `deadline`.
    async fn guarded_txn(
        &self,
        txn: etcd_client::Txn,
        deadline: Instant,
    ) -> Result<(etcd_client::TxnResponse, bool), StorageError> {
        let mut attempts = 0u32;
        let resp = self
            .retrying_until(deadline, true, |member| {
                attempts += 1;
                let mut kv = member.kv.clone();
                let txn = txn.clone();
                async move { kv.txn(txn).await }
            })
            .await
            .map_err(Failure::into_storage)?;
        Ok((resp, attempts > 1))
    }

    /// Deletes `key` if its modification revision is still `expected` (an etcd revision; one
    /// below 1 never matches), retrying after transient failures.
    ///
    /// A failed attempt may have been applied all the same; the retry then finds the key gone
    /// (or gone and created again). So when the answer comes from a retry and the key moved on
    /// from `expected`, its history decides: if the first change after `expected` deleted
    /// exactly that state, an earlier attempt landed and its result is returned (a delete of
    /// the same state by someone else in the meantime cannot be told apart, and has the effect
    /// this one asked for). When that history is compacted away, the outcome is unknown and
    /// reported as unavailable rather than guessed. Gives up at `deadline`.
    async fn delete_at(
        &self,
        key: &str,
        expected: i64,
        deadline: Instant,
    ) -> Result<Deletion, StorageError> {
        let k = self.etcd_key(key);
        let txn = etcd_client::Txn::new()
            .when([
                Compare::version(k.clone(), CompareOp::Greater, 0),
                Compare::mod_revision(k.clone(), CompareOp::Equal, expected),
            ])
            .and_then([TxnOp::delete(k.clone(), Some(DeleteOptions::new().with_prev_key()))])
            .or_else([TxnOp::get(k.clone(), None)]);
        let (resp, retried) = self.guarded_txn(txn, deadline).await?;
        let state = self.first_kv(&resp)?;
        if resp.succeeded() {
            let mut kv = state.ok_or_else(|| StorageError::KeyNotFound { key: key.to_string() })?;
            kv.mod_revision = self.to_trait_rev(header_revision(resp.header())?);
            return Ok(Deletion::Deleted(kv));
        }
        // A key still at a revision below `expected` never held it, so nothing was deleted.
        let moved_on =
            state.as_ref().is_none_or(|kv| kv.mod_revision > self.to_trait_rev(expected));
        if retried
            && expected > 0
            && moved_on
            && let Some(kv) = self.deleted_after(&k, expected, deadline).await?
        {
            return Ok(Deletion::Deleted(kv));
        }
        Ok(match state {
            None => Deletion::Absent,
            Some(kv) => Deletion::Changed(kv),
        })
    }

    /// Whether the first change of `etcd_key` after revision `after` deleted the state it held
    /// at exactly `after`: then that state, with `mod_revision` the deletion's revision (what
    /// the delete itself answered). The caller knows the key changed after `after`, so the
    /// watch replaying its history has an event to deliver at once. Gives up at `deadline`.
    async fn deleted_after(
        &self,
        etcd_key: &str,
        after: i64,
        deadline: Instant,
    ) -> Result<Option<KeyValue>, StorageError> {
        let unknown = |why: &str| match self.trait_key(etcd_key.as_bytes()) {
            Ok(key) => StorageError::Unavailable(format!(
                "the outcome of a delete of {key} is unknown: {why}"
            )),
            Err(e) => e,
        };
        // A watch from a compacted revision is cancelled only later, and one from just at the
        // compaction point misses a deletion there (compaction drops that tombstone) and would
        // wait for nothing; a range at `after` tells both at once.
        let probe = GetOptions::new().with_count_only().with_revision(after);
        match self.range_until(etcd_key.as_bytes().to_vec(), probe, deadline).await {
            Ok(_) => {}
            Err(Failure::Compacted) => return Err(unknown("its history was compacted")),
            // The key never held a revision that is yet to come.
            Err(Failure::Future) => return Ok(None),
            Err(e) => return Err(e.into_storage()),
        }
        let options = WatchOptions::new().with_start_revision(after + 1).with_prev_key();
        let first = self
            .retrying_until(deadline, true, |member| {
                let mut client = member.watch.clone();
                let (key, options) = (etcd_key.as_bytes().to_vec(), options.clone());
                async move {
                    let mut stream = client.watch(key, Some(options)).await?;
                    loop {
                        let Some(resp) = stream.message().await? else {
                            // etcd cancels a watch it ends; a stream that just stops lost its
                            // member.
                            return Err(etcd_client::Error::IoError(std::io::Error::new(
                                std::io::ErrorKind::UnexpectedEof,
                                format!("etcd at {} closed the watch", member.endpoint),
                            )));
                        };
                        if resp.canceled() {
                            return Ok(FirstChange::Canceled {
                                compacted: resp.compact_revision(),
                                reason: resp.cancel_reason().to_string(),
                            });
                        }
                        if let Some(event) = resp.events().first() {
                            return Ok(FirstChange::Event(event.clone()));
                        }
                    }
                }
            })
            .await
            .map_err(Failure::into_storage)?;
        let event = match first {
            FirstChange::Event(event) => event,
            FirstChange::Canceled { compacted, reason } => {
                return Err(unknown(&if compacted > 0 {
                    format!("its history was compacted at revision {compacted}")
                } else {
                    format!("etcd canceled the watch of its history: {reason}")
                }));
            }
        };
        if event.event_type() != EventType::Delete {
            return Ok(None);
        }
        let (Some(prev), Some(kv)) = (event.prev_kv(), event.kv()) else {
            return Err(unknown("etcd no longer has its last state"));
        };
        if prev.mod_revision() != after {
            return Ok(None);
        }
        let mut deleted = self.kv_of(prev)?;
        deleted.mod_revision = self.to_trait_rev(kv.mod_revision());
        Ok(Some(deleted))
    }

    /// The current etcd revision, from the header of a cheap range.
    async fn etcd_revision(&self) -> Result<i64, StorageError> {
        let resp = self
            .range(self.probe_key(), GetOptions::new().with_count_only())
            .await
            .map_err(Failure::into_storage)?;
        header_revision(resp.header())
    }

    /// The etcd compaction point: the lowest revision a range can still be served at. etcd does
    /// not report it directly, so it is found by bisection over cheap count-only ranges.
    async fn etcd_compacted(&self) -> Result<i64, StorageError> {
        let current = self.etcd_revision().await?;
        let readable = |rev: i64| async move {
            let probe = GetOptions::new().with_count_only().with_revision(rev);
            match self.range(self.probe_key(), probe).await {
                Ok(_) | Err(Failure::Future) => Ok(true),
                Err(Failure::Compacted) => Ok(false),
                Err(e) => Err(e.into_storage()),
            }
        };
        if readable(1).await? {
            return Ok(0);
        }
        // Invariant: `lo` is compacted away, `hi` is readable.
        let (mut lo, mut hi) = (1i64, current);
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2;
            if readable(mid).await? {
                hi = mid;
            } else {
                lo = mid;
            }
        }
        Ok(hi)
    }

    async fn too_large(&self, requested: u64) -> StorageError {
        match self.etcd_revision().await {
            Ok(current) => StorageError::TooLargeResourceVersion {
                requested,
                current: self.to_trait_rev(current),
            },
            Err(e) => e,
        }
    }

    /// The current state of a key inside a transaction's `or_else` get.
    fn first_kv(&self, resp: &etcd_client::TxnResponse) -> Result<Option<KeyValue>, StorageError> {
        for op in resp.op_responses() {
            match op {
                TxnOpResponse::Get(get) => {
                    return get.kvs().first().map(|kv| self.kv_of(kv)).transpose();
                }
                TxnOpResponse::Delete(del) => {
                    return del.prev_kvs().first().map(|kv| self.kv_of(kv)).transpose();
                }
                _ => {}
            }
        }
        Ok(None)
    }

    async fn do_list(&self, key: &str, options: ListOptions) -> Result<ListResult, StorageError> {
        let prefix = if options.recursive { recursive_prefix(key) } else { key.to_string() };
        let (start, requested, from_token) = match &options.continue_key {
            Some(token) if options.recursive => {
                let (start, rv) = decode_continue(token, &prefix)?;
                // A negative revision asks to continue at the latest one.
                (start, u64::try_from(rv).ok().filter(|r| *r > 0), true)
            }
            _ => (prefix.clone(), options.revision.filter(|r| *r > 0), false),
        };
        let mut get = GetOptions::new();
        if options.recursive {
            get = get.with_range(prefix_range_end(self.etcd_key(&prefix).as_bytes()));
            if options.limit > 0 {
                get = get.with_limit(i64::try_from(options.limit).unwrap_or(i64::MAX));
            }
        }
        if let Some(rev) = requested {
            match self.to_etcd_rev(rev) {
                Some(r) => get = get.with_revision(r),
                None => return Err(self.too_large(rev).await),
            }
        }
        let resp = match self.range(self.etcd_key(&start).into_bytes(), get).await {
            Ok(resp) => resp,
            Err(Failure::Future) => return Err(self.too_large(requested.unwrap_or(0)).await),
            Err(Failure::Compacted) if from_token => {
                return Err(match encode_continue(&start, &prefix, -1) {
                    Ok(token) => StorageError::ResourceExpired {
                        message: INCONSISTENT_CONTINUE.to_string(),
                        continue_token: Some(token),
                    },
                    Err(_) => StorageError::ResourceExpired {
                        message: CONTINUE_EXPIRED.to_string(),
                        continue_token: None,
                    },
                });
            }
            Err(e) => return Err(e.into_storage()),
        };
        let revision = match requested {
            Some(r) => r,
            None => self.to_trait_rev(header_revision(resp.header())?),
        };
        let items = resp.kvs().iter().map(|kv| self.kv_of(kv)).collect::<Result<Vec<_>, _>>()?;
        let total = u64::try_from(resp.count()).unwrap_or(0);
        let mut result = ListResult { items, revision, continue_key: None, remaining: None };
        let shown = result.items.len() as u64;
        if options.recursive
            && options.limit > 0
            && total > shown
            && let Some(last) = result.items.last()
        {
            let next = format!("{}\u{0}", last.key);
            result.continue_key = Some(encode_continue(&next, &prefix, revision as i64)?);
            result.remaining = Some(total - shown);
        }
        Ok(result)
    }

    async fn do_watch(
        &self,
        key: &str,
        from_revision: u64,
        recursive: bool,
    ) -> Result<Watch, StorageError> {
        let etcd_key =
            if recursive { self.etcd_key(&recursive_prefix(key)) } else { self.etcd_key(key) };
        let mut snapshot = Vec::new();
        let start = if from_revision == 0 {
            // The current state first, then every change after the revision it was read at.
            let mut get = GetOptions::new();
            if recursive {
                get = get.with_prefix();
            }
            let resp = self
                .range(etcd_key.clone().into_bytes(), get)
                .await
                .map_err(Failure::into_storage)?;
            for kv in resp.kvs() {
                snapshot.push(WatchEvent::Added(super::Event::added(self.kv_of(kv)?)));
            }
            header_revision(resp.header())? + 1
        } else {
            let Some(from) = self.to_etcd_rev(from_revision) else {
                return Err(self.too_large(from_revision).await);
            };
            // etcd reports a compacted start only asynchronously; a range at the same revision
            // tells right away, and with the same rule (below the compaction point).
            let probe = GetOptions::new().with_count_only().with_revision(from);
            match self.range(etcd_key.clone().into_bytes(), probe).await {
                Ok(_) | Err(Failure::Future) => {}
                Err(Failure::Compacted) => {
                    let compacted = self.to_trait_rev(self.etcd_compacted().await?);
                    return Err(too_old(from_revision, compacted));
                }
                Err(e) => return Err(e.into_storage()),
            }
            from + 1
        };
        let mut options = WatchOptions::new().with_start_revision(start).with_prev_key();
        if recursive {
            options = options.with_prefix();
        }
        if self.progress_notify {
            options = options.with_progress_notify();
        }
        // Opening a watch changes nothing, so a member that fails it is passed over for the
        // next; the set-up waits for etcd's confirmation, so failures surface here, not as
        // events.
        let (member, stream, first) = self
            .retrying(true, |member| {
                let mut client = member.watch.clone();
                let (key, options) = (etcd_key.clone().into_bytes(), options.clone());
                async move {
                    let mut stream = client.watch(key, Some(options)).await?;
                    let first = stream.message().await?;
                    Ok((member, stream, first))
                }
            })
            .await
            .map_err(Failure::into_storage)?;
        match first {
            Some(resp) if resp.created() && !resp.canceled() => {}
            Some(resp) if resp.compact_revision() > 0 => {
                return Err(too_old(from_revision, self.to_trait_rev(resp.compact_revision())));
            }
            Some(resp) => {
                return Err(StorageError::Unavailable(format!(
                    "etcd refused the watch: {}",
                    resp.cancel_reason()
                )));
            }
            None => return Err(StorageError::Unavailable("etcd closed the watch".to_string())),
        }
        let (tx, rx) = mpsc::channel(self.watch_buffer);
        let pump = Pump {
            store: self.clone(),
            member,
            key: key.to_string(),
            from: from_revision,
            out: tx,
        };
        tokio::spawn(pump.run(stream, snapshot));
        Ok(Watch::new(rx))
    }
}

fn header_revision(header: Option<&etcd_client::ResponseHeader>) -> Result<i64, StorageError> {
    header
        .map(|h| h.revision())
        .ok_or_else(|| StorageError::Internal("etcd response without a header".to_string()))
}

fn too_old(requested: u64, compacted: u64) -> StorageError {
    StorageError::ResourceExpired {
        message: format!("too old resource version: {requested} ({compacted})"),
        continue_token: None,
    }
}

/// Moves one watch's events from its etcd stream to the consumer's channel.
struct Pump {
    store: Etcd3,
    /// The member serving the watch, told when the stream breaks.
    member: Arc<Member>,
    key: String,
    from: u64,
    out: mpsc::Sender<WatchEvent>,
}

impl Pump {
    async fn run(self, mut stream: WatchStream, snapshot: Vec<WatchEvent>) {
        for ev in snapshot {
            if self.out.send(ev).await.is_err() {
                return;
            }
        }
        loop {
            let message = tokio::select! {
                _ = self.out.closed() => return,
                _ = self.store.progress_requested.notified() => {
                    // etcd answers with an event-less response: a bookmark (see `translate`).
                    let _ = stream.request_progress().await;
                    continue;
                }
                m = stream.message() => m,
            };
            let resp = match message {
                Ok(Some(resp)) => resp,
                Ok(None) => {
                    // etcd cancels a watch it ends; a stream that just stops lost its member.
                    self.member.failed();
                    let message = format!("etcd at {} closed the watch", self.member.endpoint);
                    self.fail(StorageError::Unavailable(message)).await;
                    return;
                }
                Err(e) => {
                    if matches!(Failure::of(&e), Failure::Transient { member_down: true, .. }) {
                        self.member.failed();
                    }
                    let message = format!(
                        "etcd watch at {} failed: {}",
                        self.member.endpoint,
                        error_detail(&e)
                    );
                    self.fail(StorageError::Unavailable(message)).await;
                    return;
                }
            };
            if resp.canceled() {
                let err = if resp.compact_revision() > 0 {
                    too_old(self.from, self.store.to_trait_rev(resp.compact_revision()))
                } else {
                    StorageError::Unavailable(format!(
                        "etcd canceled the watch: {}",
                        resp.cancel_reason()
                    ))
                };
                self.fail(err).await;
                return;
            }
            let events = match self.translate(&resp) {
                Ok(events) => events,
                Err(e) => {
                    self.fail(e).await;
                    return;
                }
            };
            for ev in events {
                match self.out.try_send(ev) {
                    Ok(()) => {}
                    Err(mpsc::error::TrySendError::Full(_)) => {
                        // Never let one reader pile up events without bound: end its watch.
                        drop(stream);
                        let message =
                            format!("watch of {} terminated: the consumer fell behind", self.key);
                        self.fail(StorageError::Unavailable(message)).await;
                        return;
                    }
                    Err(mpsc::error::TrySendError::Closed(_)) => return,
                }
            }
        }
    }

    async fn fail(&self, err: StorageError) {
        let _ = self.out.send(WatchEvent::Error(err)).await;
    }

    fn translate(
        &self,
        resp: &etcd_client::WatchResponse,
    ) -> Result<Vec<WatchEvent>, StorageError> {
        let store = &self.store;
        if resp.events().is_empty() {
            // An event-less response after creation is a progress notification.
            let revision = store.to_trait_rev(header_revision(resp.header())?);
            if resp.created() || revision < self.from {
                return Ok(Vec::new());
            }
            return Ok(vec![WatchEvent::Bookmark { revision }]);
        }
        let mut out = Vec::with_capacity(resp.events().len());
        for ev in resp.events() {
            let Some(kv) = ev.kv() else { continue };
            let key: std::sync::Arc<str> = store.trait_key(kv.key())?.into();
            let revision = store.to_trait_rev(kv.mod_revision());
            if revision <= self.from {
                continue;
            }
            let prev = ev.prev_kv();
            let prev_value = prev.map(|p| super::Bytes::copy_from_slice(p.value()));
            let event = match ev.event_type() {
                EventType::Put => {
                    let event = super::Event {
                        key,
                        value: super::Bytes::copy_from_slice(kv.value()),
                        prev_value,
                        create_revision: store.to_trait_rev(kv.create_revision()),
                        revision,
                        memo: Default::default(),
                    };
                    if kv.create_revision() == kv.mod_revision() {
                        WatchEvent::Added(super::Event { prev_value: None, ..event })
                    } else {
                        WatchEvent::Modified(event)
                    }
                }
                EventType::Delete => WatchEvent::Deleted(super::Event {
                    key,
                    value: prev_value.clone().unwrap_or_default(),
                    prev_value,
                    create_revision: prev
                        .map(|p| store.to_trait_rev(p.create_revision()))
                        .unwrap_or(0),
                    revision,
                    memo: Default::default(),
                }),
            };
            out.push(event);
        }
        Ok(out)
    }
}

impl Storage for Etcd3 {
    fn create<'a>(&'a self, key: &'a str, value: Vec<u8>) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            validate_key(key)?;
            let k = self.etcd_key(key);
            let value_copy = value.clone();
            let txn = etcd_client::Txn::new()
                .when([Compare::create_revision(k.clone(), CompareOp::Equal, 0)])
                .and_then([TxnOp::put(k.clone(), value, None)])
                .or_else([TxnOp::get(k, None)]);
            let (resp, retried) = self.guarded_txn(txn, self.deadline()).await?;
            if !resp.succeeded() {
                // After a lost answer, a key holding exactly these bytes and never modified
                // since its creation is this create's own write.
                if retried
                    && let Some(kv) = self.first_kv(&resp)?
                    && kv.value == value_copy
                    && kv.create_revision == kv.mod_revision
                {
                    return Ok(kv.mod_revision);
                }
                return Err(StorageError::KeyExists { key: key.to_string() });
            }
            Ok(self.to_trait_rev(header_revision(resp.header())?))
        })
    }

    fn get<'a>(&'a self, key: &'a str) -> StorageFuture<'a, Option<KeyValue>> {
        Box::pin(async move {
            validate_key(key)?;
            let resp = self
                .range(self.etcd_key(key).into_bytes(), GetOptions::new())
                .await
                .map_err(Failure::into_storage)?;
            resp.kvs().first().map(|kv| self.kv_of(kv)).transpose()
        })
    }

    fn list<'a>(&'a self, key: &'a str, options: ListOptions) -> StorageFuture<'a, ListResult> {
        Box::pin(async move {
            validate_key(key)?;
            self.do_list(key, options).await
        })
    }

    fn update<'a>(
        &'a self,
        key: &'a str,
        expected_mod_revision: Option<u64>,
        value: Vec<u8>,
    ) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            validate_key(key)?;
            let k = self.etcd_key(key);
            // Writes only when the key is live, the bytes differ, and (if asked) the revision
            // still matches; on failure the current state tells which condition failed.
            let mut when = vec![
                Compare::version(k.clone(), CompareOp::Greater, 0),
                Compare::value(k.clone(), CompareOp::NotEqual, value.clone()),
            ];
            let expected = match expected_mod_revision {
                Some(rev) => {
                    let etcd_rev = self.to_etcd_rev(rev).unwrap_or(-1);
                    when.push(Compare::mod_revision(k.clone(), CompareOp::Equal, etcd_rev));
                    Some(rev)
                }
                None => None,
            };
            let txn = etcd_client::Txn::new()
                .when(when)
                .and_then([TxnOp::put(k.clone(), value.clone(), None)])
                .or_else([TxnOp::get(k, None)]);
            let (resp, retried) = self.guarded_txn(txn, self.deadline()).await?;
            if resp.succeeded() {
                return Ok(self.to_trait_rev(header_revision(resp.header())?));
            }
            match self.first_kv(&resp)? {
                None => Err(StorageError::KeyNotFound { key: key.to_string() }),
                // After a lost answer, the key already holding these bytes means the first
                // attempt's put landed (the revision moved past `expected` because of it).
                Some(kv) if retried && kv.value == value => Ok(kv.mod_revision),
                Some(kv) if expected.is_some_and(|e| e != kv.mod_revision) => {
                    Err(StorageError::Conflict { key: key.to_string(), revision: kv.mod_revision })
                }
                // Identical bytes: nothing to write.
                Some(kv) => Ok(kv.mod_revision),
            }
        })
    }

    fn delete<'a>(
        &'a self,
        key: &'a str,
        expected_mod_revision: Option<u64>,
    ) -> StorageFuture<'a, KeyValue> {
        Box::pin(async move {
            validate_key(key)?;
            // Every step below shares the request's time.
            let deadline = self.deadline();
            if let Some(rev) = expected_mod_revision {
                let expected = self.to_etcd_rev(rev).unwrap_or(-1);
                return match self.delete_at(key, expected, deadline).await? {
                    Deletion::Deleted(kv) => Ok(kv),
                    Deletion::Absent => Err(StorageError::KeyNotFound { key: key.to_string() }),
                    Deletion::Changed(kv) => Err(StorageError::Conflict {
                        key: key.to_string(),
                        revision: kv.mod_revision,
                    }),
                };
            }
            // As upstream's delete does, every deletion is guarded by the state it removes, so
            // that one tried again cannot remove a later incarnation of the key and one whose
            // answer was lost can be recognised. The guard moves with the key while others
            // change it.
            let resp = self
                .range_until(self.etcd_key(key).into_bytes(), GetOptions::new(), deadline)
                .await
                .map_err(Failure::into_storage)?;
            let mut current = resp.kvs().first().map(|kv| self.kv_of(kv)).transpose()?;
            loop {
                let Some(kv) = current else {
                    return Err(StorageError::KeyNotFound { key: key.to_string() });
                };
                let expected = self.to_etcd_rev(kv.mod_revision).unwrap_or(-1);
                current = match self.delete_at(key, expected, deadline).await? {
                    Deletion::Deleted(kv) => return Ok(kv),
                    Deletion::Absent => None,
                    Deletion::Changed(kv) => Some(kv),
                };
            }
        })
    }

    fn watch<'a>(
        &'a self,
        key: &'a str,
        from_revision: u64,
        recursive: bool,
    ) -> StorageFuture<'a, Watch> {
        Box::pin(async move {
            validate_key(key)?;
            self.do_watch(key, from_revision, recursive).await
        })
    }

    fn current_revision(&self) -> StorageFuture<'_, u64> {
        Box::pin(async move { Ok(self.to_trait_rev(self.etcd_revision().await?)) })
    }

    fn compacted_revision(&self) -> StorageFuture<'_, u64> {
        Box::pin(async move { Ok(self.to_trait_rev(self.etcd_compacted().await?)) })
    }

    fn compact(&self, revision: u64) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            if revision == 0 {
                return Ok(());
            }
            let Some(etcd_rev) = self.to_etcd_rev(revision) else {
                return Err(self.too_large(revision).await);
            };
            let options = etcd_client::CompactionOptions::new().with_physical();
            // A repeat is harmless: once one attempt was applied, the next finds the revision
            // compacted. Attempts are short for the reason guarded writes' are (a compaction
            // goes through the leader too); the revision is compacted for reads as soon as it
            // is applied, so cutting short the wait for the physical clean-up loses nothing.
            let compacted = self
                .retrying(true, |member| {
                    let mut kv = member.kv.clone();
                    let options = options.clone();
                    async move { kv.compact(etcd_rev, Some(options)).await }
                })
                .await;
            match compacted {
                // Compacting at or below an earlier point (this one's own lost attempt
                // included) changes nothing.
                Ok(_) | Err(Failure::Compacted) => Ok(()),
                Err(Failure::Future) => Err(self.too_large(revision).await),
                Err(e) => Err(e.into_storage()),
            }
        })
    }

    /// Asks etcd for progress on every open watch, when the members' versions answer such
    /// requests correctly (a member that is down does not count; see `progress`); otherwise
    /// does nothing, and watches report progress only through etcd's periodic notifications.
    fn request_progress(&self) -> StorageFuture<'_, ()> {
        Box::pin(async move {
            if !self.progress_support.supported(&self.members).await {
                // Callers fall back to reading etcd, as upstream does without the feature.
                return Err(StorageError::Unavailable(
                    "this etcd does not answer progress requests correctly".into(),
                ));
            }
            self.progress_requested.notify_waiters();
            Ok(())
        })
    }

    fn count<'a>(&'a self, prefix: &'a str) -> StorageFuture<'a, u64> {
        Box::pin(async move {
            validate_key(prefix)?;
            let p = self.etcd_key(&recursive_prefix(prefix));
            let resp = self
                .range(p.into_bytes(), GetOptions::new().with_prefix().with_count_only())
                .await
                .map_err(Failure::into_storage)?;
            Ok(u64::try_from(resp.count()).unwrap_or(0))
        })
    }
}
