//! The lock a leader election contends for: the record it holds, the [`ResourceLock`] seam the
//! elector talks through, and [`LeaseLock`], the one kept in a `coordination.k8s.io/v1` Lease.

use std::sync::Mutex;

use k8s_openapi::api::coordination::v1::{Lease, LeaseSpec};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta};
use k8s_openapi::jiff::Timestamp;

use crate::cache::BoxFuture;
use crate::record::{EventRecorder, object_reference};
use crate::rest::{Api, Client, Error, PostParams};

/// What a lock records about its holder (the fields of a Lease's spec that election uses).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LeaderElectionRecord {
    /// Who holds the lock; empty when released.
    pub holder_identity: String,
    /// How long, in seconds, others must wait after the last renewal seen before taking over.
    pub lease_duration_seconds: i32,
    /// When the current holder acquired the lock.
    pub acquire_time: Option<Timestamp>,
    /// When the current holder last renewed the lock.
    pub renew_time: Option<Timestamp>,
    /// How many times the lock changed hands.
    pub leader_transitions: i32,
    /// The coordinated-election strategy, when one is set.
    pub strategy: String,
    /// The holder a coordinated election prefers, when one is set.
    pub preferred_holder: String,
}

impl LeaderElectionRecord {
    /// Reads a record out of a Lease spec (absent fields read as zero values).
    pub fn from_lease_spec(spec: &LeaseSpec) -> Self {
        LeaderElectionRecord {
            holder_identity: spec.holder_identity.clone().unwrap_or_default(),
            lease_duration_seconds: spec.lease_duration_seconds.unwrap_or_default(),
            acquire_time: spec.acquire_time.as_ref().map(|t| t.0),
            renew_time: spec.renew_time.as_ref().map(|t| t.0),
            leader_transitions: spec.lease_transitions.unwrap_or_default(),
            strategy: spec.strategy.clone().unwrap_or_default(),
            preferred_holder: spec.preferred_holder.clone().unwrap_or_default(),
        }
    }

    /// Writes the record as a Lease spec.
    pub fn to_lease_spec(&self) -> LeaseSpec {
        let non_empty = |s: &str| (!s.is_empty()).then(|| s.to_string());
        LeaseSpec {
            holder_identity: Some(self.holder_identity.clone()),
            lease_duration_seconds: Some(self.lease_duration_seconds),
            acquire_time: Some(MicroTime(self.acquire_time.unwrap_or(Timestamp::UNIX_EPOCH))),
            renew_time: Some(MicroTime(self.renew_time.unwrap_or(Timestamp::UNIX_EPOCH))),
            lease_transitions: Some(self.leader_transitions),
            strategy: non_empty(&self.strategy),
            preferred_holder: non_empty(&self.preferred_holder),
        }
    }
}

/// Why a lock operation failed.
#[derive(Debug, thiserror::Error)]
pub enum LockError {
    /// The API server refused or the request failed.
    #[error(transparent)]
    Api(Box<Error>),
    /// `update` was called before `get` or `create` loaded the object.
    #[error("lease not initialized, call get or create first")]
    NotInitialized,
}

impl From<Error> for LockError {
    fn from(e: Error) -> Self {
        LockError::Api(Box::new(e))
    }
}

impl LockError {
    /// The lock object does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, LockError::Api(e) if e.is_not_found())
    }

    /// The write lost an optimistic-concurrency race.
    pub fn is_conflict(&self) -> bool {
        matches!(self, LockError::Api(e) if e.is_conflict())
    }
}

/// The operations a leader elector needs from its lock (client-go's `resourcelock.Interface`).
///
/// `update` must be optimistic: it writes over the version last read or written, and fails with
/// a conflict when someone else wrote in between.
pub trait ResourceLock: Send + Sync {
    /// Reads the current record.
    fn get(&self) -> BoxFuture<'_, Result<LeaderElectionRecord, LockError>>;
    /// Creates the lock object holding `record`.
    fn create(&self, record: LeaderElectionRecord) -> BoxFuture<'_, Result<(), LockError>>;
    /// Replaces the record of the object last read or written.
    fn update(&self, record: LeaderElectionRecord) -> BoxFuture<'_, Result<(), LockError>>;
    /// Reports a leadership change (`"became leader"`, `"stopped leading"`) as an event.
    fn record_event(&self, message: &str);
    /// The identity this candidate writes as holder.
    fn identity(&self) -> &str;
    /// The lock's name for logs (`namespace/name`).
    fn describe(&self) -> String;
}

/// A lock kept in the `coordination.k8s.io/v1` Lease `namespace/name`.
pub struct LeaseLock {
    namespace: String,
    name: String,
    identity: String,
    api: Api<Lease>,
    labels: std::collections::BTreeMap<String, String>,
    recorder: Option<EventRecorder>,
    lease: Mutex<Option<Lease>>,
}

impl std::fmt::Debug for LeaseLock {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaseLock")
            .field("namespace", &self.namespace)
            .field("name", &self.name)
            .field("identity", &self.identity)
            .finish_non_exhaustive()
    }
}

impl LeaseLock {
    /// A lock on the Lease `namespace/name`, held as `identity`.
    pub fn new(
        client: Client,
        namespace: impl Into<String>,
        name: impl Into<String>,
        identity: impl Into<String>,
    ) -> Self {
        let namespace = namespace.into();
        LeaseLock {
            api: Api::namespaced(client, &namespace),
            namespace,
            name: name.into(),
            identity: identity.into(),
            labels: Default::default(),
            recorder: None,
            lease: Mutex::new(None),
        }
    }

    /// Labels the Lease carries (set on create and merged in on every update).
    pub fn with_labels(mut self, labels: std::collections::BTreeMap<String, String>) -> Self {
        self.labels = labels;
        self
    }

    /// Reports leadership changes as events on the Lease through `recorder`.
    pub fn with_event_recorder(mut self, recorder: EventRecorder) -> Self {
        self.recorder = Some(recorder);
        self
    }

    fn store(&self, lease: Option<Lease>) {
        *self.lease.lock().unwrap_or_else(|e| e.into_inner()) = lease;
    }

    fn stored(&self) -> Option<Lease> {
        self.lease.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl ResourceLock for LeaseLock {
    fn get(&self) -> BoxFuture<'_, Result<LeaderElectionRecord, LockError>> {
        Box::pin(async move {
            let lease = self.api.get(&self.name).await?;
            let record =
                lease.spec.as_ref().map(LeaderElectionRecord::from_lease_spec).unwrap_or_default();
            self.store(Some(lease));
            Ok(record)
        })
    }

    fn create(&self, record: LeaderElectionRecord) -> BoxFuture<'_, Result<(), LockError>> {
        Box::pin(async move {
            let lease = Lease {
                metadata: ObjectMeta {
                    name: Some(self.name.clone()),
                    namespace: Some(self.namespace.clone()),
                    labels: (!self.labels.is_empty()).then(|| self.labels.clone()),
                    ..Default::default()
                },
                spec: Some(record.to_lease_spec()),
            };
            let created = self.api.create(&PostParams::default(), &lease).await?;
            self.store(Some(created));
            Ok(())
        })
    }

    fn update(&self, record: LeaderElectionRecord) -> BoxFuture<'_, Result<(), LockError>> {
        Box::pin(async move {
            let mut lease = self.stored().ok_or(LockError::NotInitialized)?;
            lease.spec = Some(record.to_lease_spec());
            if !self.labels.is_empty() {
                let labels = lease.metadata.labels.get_or_insert_with(Default::default);
                labels.extend(self.labels.iter().map(|(k, v)| (k.clone(), v.clone())));
            }
            let updated = self.api.replace(&self.name, &PostParams::default(), &lease).await?;
            self.store(Some(updated));
            Ok(())
        })
    }

    fn record_event(&self, message: &str) {
        let Some(recorder) = &self.recorder else {
            return;
        };
        let metadata = self.stored().map(|l| l.metadata).unwrap_or_else(|| ObjectMeta {
            name: Some(self.name.clone()),
            namespace: Some(self.namespace.clone()),
            ..Default::default()
        });
        let subject = Lease { metadata, spec: None };
        recorder.event(
            &object_reference(&subject),
            crate::record::EVENT_TYPE_NORMAL,
            "LeaderElection",
            &format!("{} {}", self.identity, message),
        );
    }

    fn identity(&self) -> &str {
        &self.identity
    }

    fn describe(&self) -> String {
        format!("{}/{}", self.namespace, self.name)
    }
}
