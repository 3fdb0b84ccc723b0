//! Whether etcd's on-demand progress requests can be trusted.
//!
//! Before 3.4.31 and in 3.5.0 to 3.5.12, etcd answers a progress request with its current
//! revision even while the watch is still catching up on older events, so the bookmark would
//! claim events that have not been delivered yet; a cache that trusted it, or a watch resumed
//! from it, would lose them. As upstream's feature support checker does, progress requests are
//! only sent when every member runs a version without that fault (etcd's periodic progress
//! notifications, sent only to watches that are caught up, are not affected).

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

#[derive(Debug)]
enum State {
    Supported,
    Unsupported,
    /// Not every member answered; the instant of the last check.
    Unknown(Option<Instant>),
}

/// The cached answer for one store.
#[derive(Debug)]
pub(super) struct ProgressSupport {
    state: tokio::sync::Mutex<State>,
}

impl ProgressSupport {
    pub(super) fn new() -> Self {
        ProgressSupport { state: tokio::sync::Mutex::new(State::Unknown(None)) }
    }

    /// Whether progress requests may be sent, asking every member for its version the first
    /// time (and again now and then while a member does not answer). Unknown counts as no.
    pub(super) async fn supported(&self, members: &Members) -> bool {
        let mut state = self.state.lock().await;
        match *state {
            State::Supported => return true,
            State::Unsupported => return false,
            State::Unknown(Some(at)) if at.elapsed() < RECHECK_AFTER => return false,
            State::Unknown(_) => {}
        }
        let mut checks = tokio::task::JoinSet::new();
        for member in members.all() {
            let mut maintenance = member.maintenance.clone();
            checks.spawn(async move {
                let status = tokio::time::timeout(STATUS_TIMEOUT, maintenance.status()).await;
                match status {
                    Ok(Ok(status)) => Some(version_supports_progress_request(status.version())),
                    _ => None,
                }
            });
        }
        let mut answers = Vec::new();
        while let Some(joined) = checks.join_next().await {
            answers.push(joined.ok().flatten());
        }
        *state = if answers.contains(&Some(false)) {
            State::Unsupported
        } else if answers.iter().all(|a| *a == Some(true)) {
            State::Supported
        } else {
            State::Unknown(Some(Instant::now()))
        };
        matches!(*state, State::Supported)
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
}
