//! The seam between the cache and the REST client: what a reflector needs to list and watch one
//! resource (client-go's `cache.ListerWatcher`), with the list options and watch events as plain
//! data so the reflector can be tested against an in-memory fake.

use std::future::Future;
use std::pin::Pin;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

/// Query parameters of a list or watch call (`metav1.ListOptions`). Empty strings and `None`
/// are left out of the query string.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ListOptions {
    /// `labelSelector`.
    pub label_selector: String,
    /// `fieldSelector`.
    pub field_selector: String,
    /// `resourceVersion`.
    pub resource_version: String,
    /// `resourceVersionMatch` (`Exact` or `NotOlderThan`).
    pub resource_version_match: String,
    /// `limit` (0 = no limit).
    pub limit: i64,
    /// `continue`.
    pub continue_token: String,
    /// `timeoutSeconds` (watch only).
    pub timeout_seconds: Option<i64>,
    /// `allowWatchBookmarks` (watch only).
    pub allow_watch_bookmarks: bool,
    /// `sendInitialEvents` (watch only).
    pub send_initial_events: Option<bool>,
}

impl ListOptions {
    /// The options as `(name, value)` query pairs, in a stable order; `watch` adds `watch=true`.
    pub fn query_pairs(&self, watch: bool) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        if watch {
            q.push(("watch", "true".to_string()));
        }
        let mut push = |k: &'static str, v: &str| {
            if !v.is_empty() {
                q.push((k, v.to_string()));
            }
        };
        push("labelSelector", &self.label_selector);
        push("fieldSelector", &self.field_selector);
        push("resourceVersion", &self.resource_version);
        push("resourceVersionMatch", &self.resource_version_match);
        push("continue", &self.continue_token);
        if self.limit > 0 {
            q.push(("limit", self.limit.to_string()));
        }
        if let Some(t) = self.timeout_seconds {
            q.push(("timeoutSeconds", t.to_string()));
        }
        if self.allow_watch_bookmarks {
            q.push(("allowWatchBookmarks", "true".to_string()));
        }
        if let Some(s) = self.send_initial_events {
            q.push(("sendInitialEvents", s.to_string()));
        }
        q
    }
}

/// One page of a list call.
#[derive(Debug, Clone, PartialEq)]
pub struct ObjectList<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// `metadata.resourceVersion` of the list.
    pub resource_version: String,
    /// `metadata.continue`; empty on the last page.
    pub continue_token: String,
    /// `metadata.remainingItemCount`, when the server sent it.
    pub remaining_item_count: Option<i64>,
}

/// One event of a watch stream (`watch.Event`).
#[derive(Debug, Clone, PartialEq)]
pub enum WatchEvent<T> {
    /// `ADDED`.
    Added(T),
    /// `MODIFIED`.
    Modified(T),
    /// `DELETED` (the object's last state).
    Deleted(T),
    /// `BOOKMARK`: only the object's `metadata.resourceVersion` (and, for the end of the initial
    /// events of a streaming list, the `k8s.io/initial-events-end: "true"` annotation) is
    /// meaningful, so only those are carried.
    Bookmark {
        /// The bookmark's resource version.
        resource_version: String,
        /// Whether it carries the `k8s.io/initial-events-end` annotation.
        initial_events_end: bool,
    },
    /// `ERROR`: the server ended the watch with a `Status` (410 Gone for an expired
    /// resourceVersion).
    Error(Box<Status>),
}

/// Errors of list and watch calls as the reflector needs to tell them apart.
#[derive(Debug, thiserror::Error)]
pub enum ListWatchError {
    /// The server answered with a `Status` (its `code` is the HTTP status: 410 means the
    /// resourceVersion is too old and the reflector must relist; 429 means back off).
    #[error("{}", .0.message.as_deref().unwrap_or("unknown error"))]
    Status(Box<Status>),
    /// The connection failed or broke, or a body could not be decoded.
    #[error("{0}")]
    Transport(String),
}

impl ListWatchError {
    /// The HTTP status code of a `Status` error.
    pub fn code(&self) -> Option<i32> {
        match self {
            ListWatchError::Status(s) => s.code,
            ListWatchError::Transport(_) => None,
        }
    }

    /// Whether the error is 410 Gone (`Expired` or `Gone` reason).
    pub fn is_gone(&self) -> bool {
        self.code() == Some(410)
    }
}

/// A boxed future, as the object-safe [`ListerWatcher`] returns.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// A stream of watch events: `next` yields `None` when the server closed the stream (a
/// `timeoutSeconds` expiry or a shutdown), which the reflector answers with a new watch from the
/// last resourceVersion it saw.
pub trait WatchStream<T>: Send {
    /// The next event, `None` at the end of the stream.
    fn next(&mut self) -> BoxFuture<'_, Option<Result<WatchEvent<T>, ListWatchError>>>;
}

/// Lists and watches one resource (optionally in one namespace, optionally filtered by the
/// options' selectors). Implemented over the REST client for real servers and by in-memory
/// fakes in tests.
pub trait ListerWatcher<T>: Send + Sync {
    /// One list call (one page when `limit` is set).
    fn list(&self, opts: ListOptions) -> BoxFuture<'_, Result<ObjectList<T>, ListWatchError>>;
    /// Opens a watch; events follow through the returned stream.
    fn watch(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'_, Result<Box<dyn WatchStream<T>>, ListWatchError>>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_pairs_leave_out_unset_options() {
        let opts = ListOptions {
            label_selector: "app=x".into(),
            resource_version: "5".into(),
            limit: 500,
            allow_watch_bookmarks: true,
            ..Default::default()
        };
        let pairs = opts.query_pairs(true);
        assert_eq!(
            pairs,
            vec![
                ("watch", "true".to_string()),
                ("labelSelector", "app=x".to_string()),
                ("resourceVersion", "5".to_string()),
                ("limit", "500".to_string()),
                ("allowWatchBookmarks", "true".to_string()),
            ]
        );
        assert!(ListOptions::default().query_pairs(false).is_empty());
    }
}
