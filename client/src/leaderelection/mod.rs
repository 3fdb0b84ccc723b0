//! Leader election over a lock object (client-go's `tools/leaderelection`): candidates race to
//! write their identity into a Lease; the holder renews it every retry period and the others
//! take over once it has gone unrenewed for a lease duration, as measured on their own clocks.
//!
//! Timing is never read from the record's timestamps (clocks differ between machines): a
//! candidate notes *when it saw* the record change and trusts a holder until that observation is
//! `leaseDurationSeconds` old.

mod resourcelock;
#[cfg(test)]
mod tests;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::time::Instant;

use crate::record::wall_now;

pub use resourcelock::{LeaderElectionRecord, LeaseLock, LockError, ResourceLock};
pub use tokio_util::sync::CancellationToken;

/// How much a retry period is stretched at most by random jitter (client-go's `JitterFactor`).
pub const JITTER_FACTOR: f64 = 1.2;

/// Called once leadership is acquired, with a token cancelled when it ends. It must not block:
/// start the leader's work (spawn it) and stop that work when the token is cancelled.
pub type OnStartedLeading = Arc<dyn Fn(CancellationToken) + Send + Sync>;
/// Called when the elector stops, whether or not it ever led.
pub type OnStoppedLeading = Arc<dyn Fn() + Send + Sync>;
/// Called with the new holder's identity whenever the observed leader changes. It must not block.
pub type OnNewLeader = Arc<dyn Fn(&str) + Send + Sync>;

/// The hooks an elector calls as leadership changes.
#[derive(Clone, Default)]
pub struct LeaderCallbacks {
    /// Required: leadership was acquired.
    pub on_started_leading: Option<OnStartedLeading>,
    /// Required: the elector stopped.
    pub on_stopped_leading: Option<OnStoppedLeading>,
    /// Optional: another (or this) candidate became leader.
    pub on_new_leader: Option<OnNewLeader>,
}

impl LeaderCallbacks {
    /// The two required callbacks.
    pub fn new(
        on_started_leading: impl Fn(CancellationToken) + Send + Sync + 'static,
        on_stopped_leading: impl Fn() + Send + Sync + 'static,
    ) -> Self {
        LeaderCallbacks {
            on_started_leading: Some(Arc::new(on_started_leading)),
            on_stopped_leading: Some(Arc::new(on_stopped_leading)),
            on_new_leader: None,
        }
    }

    /// Adds the leader-change callback.
    pub fn with_on_new_leader(mut self, f: impl Fn(&str) + Send + Sync + 'static) -> Self {
        self.on_new_leader = Some(Arc::new(f));
        self
    }
}

impl std::fmt::Debug for LeaderCallbacks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderCallbacks")
            .field("on_started_leading", &self.on_started_leading.is_some())
            .field("on_stopped_leading", &self.on_stopped_leading.is_some())
            .field("on_new_leader", &self.on_new_leader.is_some())
            .finish()
    }
}

/// What an election needs: the lock, its timing and the callbacks.
#[derive(Clone)]
pub struct LeaderElectionConfig {
    /// The lock contended for.
    pub lock: Arc<dyn ResourceLock>,
    /// How long non-leaders wait after the last observed renewal before taking over.
    pub lease_duration: Duration,
    /// How long the leader keeps retrying a failing renewal before giving up leadership.
    pub renew_deadline: Duration,
    /// The interval between attempts to acquire or renew.
    pub retry_period: Duration,
    /// The hooks called as leadership changes.
    pub callbacks: LeaderCallbacks,
    /// When the run is cancelled while leading, clear the holder so others need not wait out
    /// the lease.
    pub release_on_cancel: bool,
    /// The election's name, used in logs and health errors.
    pub name: String,
}

impl std::fmt::Debug for LeaderElectionConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElectionConfig")
            .field("lock", &self.lock.describe())
            .field("lease_duration", &self.lease_duration)
            .field("renew_deadline", &self.renew_deadline)
            .field("retry_period", &self.retry_period)
            .field("callbacks", &self.callbacks)
            .field("release_on_cancel", &self.release_on_cancel)
            .field("name", &self.name)
            .finish()
    }
}

impl LeaderElectionConfig {
    /// The default lease duration (the `--leader-elect-lease-duration` default).
    pub const DEFAULT_LEASE_DURATION: Duration = Duration::from_secs(15);
    /// The default renew deadline.
    pub const DEFAULT_RENEW_DEADLINE: Duration = Duration::from_secs(10);
    /// The default retry period.
    pub const DEFAULT_RETRY_PERIOD: Duration = Duration::from_secs(2);

    /// A configuration with the default timing (15s, 10s, 2s), no release on cancel.
    pub fn new(lock: Arc<dyn ResourceLock>, callbacks: LeaderCallbacks) -> Self {
        LeaderElectionConfig {
            lock,
            lease_duration: Self::DEFAULT_LEASE_DURATION,
            renew_deadline: Self::DEFAULT_RENEW_DEADLINE,
            retry_period: Self::DEFAULT_RETRY_PERIOD,
            callbacks,
            release_on_cancel: false,
            name: String::new(),
        }
    }
}

/// A configuration an elector cannot run with; the messages are client-go's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConfigError {
    /// `lease_duration <= renew_deadline`.
    #[error("leaseDuration must be greater than renewDeadline")]
    LeaseNotAfterRenew,
    /// `renew_deadline <= retry_period * JITTER_FACTOR`.
    #[error("renewDeadline must be greater than retryPeriod*JitterFactor")]
    RenewNotAfterRetry,
    /// A zero lease duration.
    #[error("leaseDuration must be greater than zero")]
    ZeroLeaseDuration,
    /// A zero renew deadline.
    #[error("renewDeadline must be greater than zero")]
    ZeroRenewDeadline,
    /// A zero retry period.
    #[error("retryPeriod must be greater than zero")]
    ZeroRetryPeriod,
    /// No `on_started_leading`.
    #[error("OnStartedLeading callback must not be nil")]
    NoOnStartedLeading,
    /// No `on_stopped_leading`.
    #[error("OnStoppedLeading callback must not be nil")]
    NoOnStoppedLeading,
    /// The lock has an empty identity.
    #[error("Lock identity is empty")]
    EmptyIdentity,
}

/// The leader has not renewed for longer than the lease plus the tolerated slack.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("failed election to renew leadership on lease {0}")]
pub struct ExpiredLeaseError(pub String);

#[derive(Default)]
struct Observed {
    record: LeaderElectionRecord,
    /// The record as last read from the lock, to tell whether it changed.
    raw: Option<LeaderElectionRecord>,
    /// When `record` was last seen to change (or written by us).
    time: Option<Instant>,
    reported_leader: String,
}

/// Runs one candidate's side of an election.
pub struct LeaderElector {
    config: LeaderElectionConfig,
    observed: Mutex<Observed>,
}

impl std::fmt::Debug for LeaderElector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LeaderElector").field("config", &self.config).finish_non_exhaustive()
    }
}

/// `d` stretched by up to `factor` of itself at random.
fn jitter(d: Duration, factor: f64) -> Duration {
    d + d.mul_f64(fastrand::f64() * factor)
}

impl LeaderElector {
    /// Validates `config` as client-go does and builds an elector.
    pub fn new(config: LeaderElectionConfig) -> Result<Self, ConfigError> {
        if config.lease_duration <= config.renew_deadline {
            return Err(ConfigError::LeaseNotAfterRenew);
        }
        if config.renew_deadline <= config.retry_period.mul_f64(JITTER_FACTOR) {
            return Err(ConfigError::RenewNotAfterRetry);
        }
        if config.lease_duration.is_zero() {
            return Err(ConfigError::ZeroLeaseDuration);
        }
        if config.renew_deadline.is_zero() {
            return Err(ConfigError::ZeroRenewDeadline);
        }
        if config.retry_period.is_zero() {
            return Err(ConfigError::ZeroRetryPeriod);
        }
        if config.callbacks.on_started_leading.is_none() {
            return Err(ConfigError::NoOnStartedLeading);
        }
        if config.callbacks.on_stopped_leading.is_none() {
            return Err(ConfigError::NoOnStoppedLeading);
        }
        if config.lock.identity().is_empty() {
            return Err(ConfigError::EmptyIdentity);
        }
        Ok(LeaderElector { config, observed: Mutex::new(Observed::default()) })
    }

    /// Campaigns until leadership is acquired, then renews it until `stop` is cancelled or a
    /// renewal fails for a whole renew deadline. `on_stopped_leading` is called on the way
    /// out in every case.
    pub async fn run(&self, stop: CancellationToken) {
        if self.acquire(&stop).await {
            let leading = stop.child_token();
            if let Some(f) = &self.config.callbacks.on_started_leading {
                f(leading.clone());
            }
            self.renew(&stop).await;
            leading.cancel();
        }
        if let Some(f) = &self.config.callbacks.on_stopped_leading {
            f();
        }
    }

    /// Whether this candidate holds the lock, as last observed.
    pub fn is_leader(&self) -> bool {
        self.observed().record.holder_identity == self.config.lock.identity()
    }

    /// The identity of the last observed holder (empty when none).
    pub fn get_leader(&self) -> String {
        self.observed().record.holder_identity.clone()
    }

    /// A health check: fails when this candidate believes it leads but has not renewed for
    /// longer than the lease duration plus `max_tolerable_expired_lease`.
    pub fn check(&self, max_tolerable_expired_lease: Duration) -> Result<(), ExpiredLeaseError> {
        if !self.is_leader() {
            return Ok(());
        }
        let last = self.observed().time;
        let limit = self.config.lease_duration + max_tolerable_expired_lease;
        match last {
            Some(t) if t.elapsed() <= limit => Ok(()),
            _ => Err(ExpiredLeaseError(self.config.name.clone())),
        }
    }

    fn observed(&self) -> std::sync::MutexGuard<'_, Observed> {
        self.observed.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn set_observed_record(&self, record: LeaderElectionRecord) {
        let mut o = self.observed();
        o.record = record;
        o.time = Some(Instant::now());
    }

    fn is_lease_valid(&self, now: Instant) -> bool {
        let o = self.observed();
        let secs = u64::try_from(o.record.lease_duration_seconds).unwrap_or(0);
        o.time.is_some_and(|t| t + Duration::from_secs(secs) > now)
    }

    fn maybe_report_transition(&self) {
        let leader = {
            let mut o = self.observed();
            if o.record.holder_identity == o.reported_leader {
                return;
            }
            o.reported_leader = o.record.holder_identity.clone();
            o.reported_leader.clone()
        };
        if let Some(f) = &self.config.callbacks.on_new_leader {
            f(&leader);
        }
    }

    async fn acquire(&self, stop: &CancellationToken) -> bool {
        let desc = self.config.lock.describe();
        tracing::info!(lock = %desc, "Attempting to acquire leader lease...");
        loop {
            let acquired = tokio::select! {
                biased;
                _ = stop.cancelled() => return false,
                ok = self.try_acquire_or_renew() => ok,
            };
            self.maybe_report_transition();
            if acquired {
                self.config.lock.record_event("became leader");
                tracing::info!(lock = %desc, "Successfully acquired lease");
                return true;
            }
            tracing::debug!(lock = %desc, "Failed to acquire lease");
            tokio::select! {
                biased;
                _ = stop.cancelled() => return false,
                _ = tokio::time::sleep(jitter(self.config.retry_period, JITTER_FACTOR)) => {}
            }
        }
    }

    /// Renews until `stop` or a renew deadline passes without success.
    async fn renew(&self, stop: &CancellationToken) {
        let desc = self.config.lock.describe();
        loop {
            let renewed = self.renew_within_deadline(stop).await;
            self.maybe_report_transition();
            if !renewed {
                tracing::info!(lock = %desc, "Failed to renew lease");
                break;
            }
            tracing::trace!(lock = %desc, "Successfully renewed lease");
            tokio::select! {
                biased;
                _ = stop.cancelled() => break,
                _ = tokio::time::sleep(self.config.retry_period) => {}
            }
        }
        if self.config.release_on_cancel {
            let _ = tokio::time::timeout(self.config.renew_deadline, self.try_release()).await;
        }
        self.config.lock.record_event("stopped leading");
    }

    /// Tries at once and then every retry period until one attempt succeeds (true) or the
    /// renew deadline passes or `stop` is cancelled (false).
    async fn renew_within_deadline(&self, stop: &CancellationToken) -> bool {
        let deadline = Instant::now() + self.config.renew_deadline;
        loop {
            let attempt = tokio::select! {
                biased;
                _ = stop.cancelled() => return false,
                r = tokio::time::timeout_at(deadline, self.try_acquire_or_renew()) => r,
            };
            match attempt {
                Ok(true) => return true,
                Ok(false) => {}
                Err(_) => return false,
            }
            tokio::select! {
                biased;
                _ = stop.cancelled() => return false,
                _ = tokio::time::sleep_until(deadline) => return false,
                _ = tokio::time::sleep(self.config.retry_period) => {}
            }
        }
    }

    /// Gives the lock up if this candidate holds it: an empty holder and a one-second lease.
    async fn try_release(&self) -> bool {
        let desc = self.config.lock.describe();
        loop {
            let old = match self.config.lock.get().await {
                Ok(r) => r,
                Err(e) if e.is_not_found() => {
                    tracing::info!(lock = %desc, "lease lock not found");
                    return false;
                }
                Err(e) => {
                    tracing::error!(lock = %desc, error = %e, "error retrieving resource lock");
                    return false;
                }
            };
            if !self.is_leader() {
                return true;
            }
            let now = wall_now();
            let released = LeaderElectionRecord {
                leader_transitions: old.leader_transitions,
                lease_duration_seconds: 1,
                renew_time: Some(now),
                acquire_time: Some(now),
                ..Default::default()
            };
            match self.config.lock.update(released.clone()).await {
                Ok(()) => {
                    self.set_observed_record(released);
                    return true;
                }
                Err(e) if e.is_conflict() => {
                    tracing::debug!(lock = %desc, "Conflict when releasing lease, retrying");
                }
                Err(e) => {
                    tracing::error!(lock = %desc, error = %e, "Failed to release lease");
                    return false;
                }
            }
        }
    }

    /// One attempt to take or keep the lock; true when this candidate holds it afterwards.
    async fn try_acquire_or_renew(&self) -> bool {
        let lock = &self.config.lock;
        let desc = lock.describe();
        let wall = wall_now();
        let now = Instant::now();
        let mut record = LeaderElectionRecord {
            holder_identity: lock.identity().to_string(),
            lease_duration_seconds: i32::try_from(self.config.lease_duration.as_secs())
                .unwrap_or(i32::MAX),
            renew_time: Some(wall),
            acquire_time: Some(wall),
            ..Default::default()
        };

        // Fast path: we led at the last look and the lease has not run out, so write over the
        // version we hold without reading it first.
        if self.is_leader() && self.is_lease_valid(now) {
            {
                let o = self.observed();
                record.acquire_time = o.record.acquire_time;
                record.leader_transitions = o.record.leader_transitions;
            }
            match lock.update(record.clone()).await {
                Ok(()) => {
                    self.set_observed_record(record);
                    return true;
                }
                Err(e) => tracing::debug!(
                    lock = %desc, error = %e,
                    "Failed to update lease optimistically, falling back to slow path"
                ),
            }
        }

        let old = match lock.get().await {
            Ok(old) => old,
            Err(e) if e.is_not_found() => {
                if let Err(e) = lock.create(record.clone()).await {
                    tracing::error!(lock = %desc, error = %e, "Error initially creating lease lock");
                    return false;
                }
                self.set_observed_record(record);
                return true;
            }
            Err(e) => {
                tracing::error!(lock = %desc, error = %e, "Error retrieving lease lock");
                return false;
            }
        };

        let changed = self.observed().raw.as_ref() != Some(&old);
        if changed {
            self.set_observed_record(old.clone());
            self.observed().raw = Some(old.clone());
        }
        if !old.holder_identity.is_empty() && self.is_lease_valid(now) && !self.is_leader() {
            tracing::debug!(
                lock = %desc, holder = %old.holder_identity,
                "Lease is held by and has not yet expired"
            );
            return false;
        }

        if self.is_leader() {
            record.acquire_time = old.acquire_time;
            record.leader_transitions = old.leader_transitions;
        } else {
            record.leader_transitions = old.leader_transitions + 1;
        }
        if let Err(e) = lock.update(record.clone()).await {
            tracing::error!(lock = %desc, error = %e, "Failed to update lease");
            return false;
        }
        self.set_observed_record(record);
        true
    }
}
