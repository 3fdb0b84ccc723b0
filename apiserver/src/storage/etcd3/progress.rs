//! Whether etcd's on-demand progress requests can be trusted.
//!
//! Before 3.4.31 and in 3.5.0 to 3.5.12, etcd answers a progress request with its current
//! revision even while the watch is still catching up on older events, so the bookmark would
//! claim events that have not been delivered yet; a cache that trusted it, or a watch resumed
//! from it, would lose them. As upstream's feature support checker does, progress requests are
//! only sent when no member reports a version with that fault and at least one member reports
//! one without it; a member that is down is asked again later and does not block the others
//! (etcd's periodic progress notifications, sent only to watches that are caught up, are not
//! affected).

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::members::Members;

/// How long one member's status may take while checking.
const STATUS_TIMEOUT: Duration = Duration::from_secs(1);

/// How soon an inconclusive check (a member did not answer) is tried again.
const RECHECK_AFTER: Duration = Duration::from_secs(30);

/// Whether etcd `version` (e.g. `3.4.23`) answers progress requests only with revisions it
/// has delivered: 3.4.31 and later 3.4 releases, 3.5.13 and later, and anything newer.
pub(super) fn version_supports_progress_request(version: &str) -> bool {
    let mut parts = version.trim().trim_start_matches('v').splitn(3, '.');
    let mut number = || -> Option<(u64, bool)> {
        let part = parts.next()?;
        let digits: String = part.chars().take_while(char::is_ascii_digit).collect();
        // A pre-release ("3.5.13-rc.0") comes before its release; build metadata changes
        // nothing.
        let pre_release = part[digits.len()..].starts_with('-');
        Some((digits.parse().ok()?, pre_release))
    };
    let (Some((major, _)), Some((minor, _)), Some((patch, pre_release))) =
        (number(), number(), number())
    else {
        return false;
    };
    let patch_at_least = |min: u64| patch > min || (patch == min && !pre_release);
    match (major, minor) {
        (3, 4) => patch_at_least(31),
        (3, 5) => patch_at_least(13),
        (3, m) => m > 5,
        (m, _) => m > 3,
    }
}

/// What the members said so far.
#[derive(Debug, Default)]
struct Answers {
    /// Each member's answer by its place in [`Members::all`]: whether its version answers
    /// progress requests correctly; `None` until it answers.
    by_member: Vec<Option<bool>>,
    /// When the members that have not answered were last asked.
    asked: Option<Instant>,
}

impl Answers {
    /// Keeps the answers of the members that answered.
    fn record(&mut self, found: Vec<(usize, Option<bool>)>) {
        for (i, answer) in found {
            if let (Some(slot), Some(answer)) = (self.by_member.get_mut(i), answer) {
                *slot = Some(answer);
            }
        }
    }
}

/// Upstream's rule: no member that answered runs a faulty version, and at least one answered.
/// A member that is down does not hold the others back; once it answers with a faulty version
/// the feature is off.
fn decide(answers: &[Option<bool>]) -> bool {
    !answers.contains(&Some(false)) && answers.contains(&Some(true))
}

/// Asks the members at `which` (places in [`Members::all`]) for their versions, all at once.
async fn ask(members: &Members, which: &[usize]) -> Vec<(usize, Option<bool>)> {
    let mut checks = tokio::task::JoinSet::new();
    for &i in which {
        let mut maintenance = members.all()[i].maintenance.clone();
        checks.spawn(async move {
            let status = tokio::time::timeout(STATUS_TIMEOUT, maintenance.status()).await;
            match status {
                Ok(Ok(status)) => (i, Some(version_supports_progress_request(status.version()))),
                _ => (i, None),
            }
        });
    }
    let mut found = Vec::with_capacity(which.len());
    while let Some(joined) = checks.join_next().await {
        found.extend(joined.ok());
    }
    found
}

/// The cached answer for one store.
#[derive(Debug)]
pub(super) struct ProgressSupport {
    answers: Arc<tokio::sync::Mutex<Answers>>,
}

impl ProgressSupport {
    pub(super) fn new() -> Self {
        ProgressSupport { answers: Arc::new(tokio::sync::Mutex::new(Answers::default())) }
    }

    /// Whether progress requests may be sent, asking every member for its version the first
    /// time, and the members that did not answer again now and then. Until a member answers,
    /// the answer is no.
    pub(super) async fn supported(&self, members: &Arc<Members>) -> bool {
        let mut answers = self.answers.lock().await;
        let n = members.all().len();
        if answers.by_member.len() != n {
            answers.by_member = vec![None; n];
        }
        let missing: Vec<usize> = (0..n).filter(|&i| answers.by_member[i].is_none()).collect();
        let due = answers.asked.is_none_or(|at| at.elapsed() >= RECHECK_AFTER);
        if missing.is_empty() || !due || answers.by_member.contains(&Some(false)) {
            return decide(&answers.by_member);
        }
        answers.asked = Some(Instant::now());
        if decide(&answers.by_member) {
            // Already decided by the members that answered: the others (down, most likely)
            // are asked without holding the caller up. The check ends within its timeout.
            drop(answers);
            let (shared, members) = (self.answers.clone(), members.clone());
            tokio::spawn(async move {
                let found = ask(&members, &missing).await;
                shared.lock().await.record(found);
            });
            return true;
        }
        let found = ask(members, &missing).await;
        answers.record(found);
        decide(&answers.by_member)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_version_supports_progress_request() {
        for (version, want) in [
            ("3.4.23", false),
            ("3.4.30", false),
            ("3.4.31", true),
            ("3.4.40", true),
            ("3.5.0", false),
            ("3.5.12", false),
            ("3.5.13", true),
            ("3.5.13-rc.0", false),
            ("3.5.13+build.1", true),
            ("3.5.14-rc.0", true),
            ("v3.5.21", true),
            ("3.6.0", true),
            ("4.0.0", true),
            ("3.3.27", false),
            ("2.3.8", false),
            ("", false),
            ("3.5", false),
            ("not.a.version", false),
        ] {
            assert_eq!(version_supports_progress_request(version), want, "{version:?}");
        }
    }

    #[test]
    fn test_decide_with_members_down() {
        for (answers, want) in [
            (vec![Some(true), Some(true), Some(true)], true),
            (vec![Some(true), None, None], true),
            (vec![None, Some(true), None], true),
            (vec![Some(true), Some(false), None], false),
            (vec![Some(false), None, None], false),
            (vec![None, None, None], false),
            (vec![], false),
        ] {
            assert_eq!(decide(&answers), want, "{answers:?}");
        }
    }

    /// Members that accept connections and never answer, like a member that hangs; the
    /// listeners must be kept alive as long as the members are used.
    async fn silent_members(n: usize) -> (Arc<Members>, Vec<std::net::TcpListener>) {
        let mut list = Vec::new();
        let mut listeners = Vec::new();
        for _ in 0..n {
            let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
            let endpoint = format!("http://{}", listener.local_addr().expect("address"));
            let client = etcd_client::Client::connect([endpoint.as_str()], None)
                .await
                .expect("a lazy client");
            list.push(Arc::new(super::super::members::Member::new(endpoint, &client, 1 << 20)));
            listeners.push(listener);
        }
        (Arc::new(Members::new(list)), listeners)
    }

    #[tokio::test]
    async fn test_supported_when_a_member_is_down() {
        let (members, _listeners) = silent_members(3).await;
        let support = ProgressSupport::new();
        // Nobody answers: no, after waiting for the answers.
        let started = Instant::now();
        assert!(!support.supported(&members).await);
        assert!(started.elapsed() >= STATUS_TIMEOUT, "{:?}", started.elapsed());
        assert_eq!(support.answers.lock().await.by_member, vec![None, None, None]);
        // Asked a moment ago: no again, without asking.
        let started = Instant::now();
        assert!(!support.supported(&members).await);
        assert!(started.elapsed() < STATUS_TIMEOUT / 2, "{:?}", started.elapsed());
        // One member answered with a good version and the others are down: yes, at once; the
        // ones down are asked again once the pause is over, without holding the caller up.
        {
            let mut answers = support.answers.lock().await;
            answers.by_member = vec![Some(true), None, None];
            answers.asked = None;
        }
        let started = Instant::now();
        assert!(support.supported(&members).await);
        assert!(started.elapsed() < STATUS_TIMEOUT / 2, "{:?}", started.elapsed());
        assert!(support.answers.lock().await.asked.is_some());
        // Once that check has timed out, nothing changed: the members down did not answer.
        tokio::time::sleep(STATUS_TIMEOUT + Duration::from_millis(200)).await;
        assert!(support.supported(&members).await);
        assert_eq!(support.answers.lock().await.by_member, vec![Some(true), None, None]);
        // A member that comes back with a faulty version turns the feature off for good.
        support.answers.lock().await.by_member[2] = Some(false);
        assert!(!support.supported(&members).await);
        support.answers.lock().await.asked = None;
        assert!(!support.supported(&members).await);
    }
}
