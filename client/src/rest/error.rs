//! The one error type of the REST client, discovery and the RESTMapper.

use std::time::Duration;

use apimachinery::errors::{StatusError, StatusReason};
use apimachinery::runtime::MapperError;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Status;

use crate::cache::ListWatchError;

/// A boxed error from the transport (connection, TLS, HTTP framing).
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// Everything that can go wrong talking to an API server.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server answered with a failure `Status`, or with a non-`Status` error body from
    /// which one was built the way client-go does (`NewGenericServerResponse`).
    #[error(transparent)]
    Api(#[from] StatusError),
    /// The configuration cannot make a client (bad server URL, unreadable certificates).
    #[error("{0}")]
    Config(String),
    /// The request could not be built (an empty or invalid name or namespace).
    #[error("{0}")]
    Request(String),
    /// The connection failed or broke before a response was read, shown as Go's `url.Error`
    /// (`Get "https://host/api": connection refused`).
    #[error("{op} \"{url}\": {}", super::client::error_chain(.source.as_ref()))]
    Transport {
        /// The method as Go spells it in `url.Error` (`Get`, `Post`).
        op: String,
        /// The request URL.
        url: String,
        /// What failed.
        #[source]
        source: BoxError,
    },
    /// The request did not complete within the client's timeout.
    #[error("{op} \"{url}\": context deadline exceeded (Client.Timeout {timeout:?} exceeded)")]
    Timeout {
        /// The method as Go spells it in `url.Error`.
        op: String,
        /// The request URL.
        url: String,
        /// The timeout that expired.
        timeout: Duration,
    },
    /// A request body could not be encoded.
    #[error("failed to encode the request body: {0}")]
    Encode(#[source] serde_json::Error),
    /// A response body could not be decoded.
    #[error("failed to decode {what}: {source}")]
    Decode {
        /// What was being decoded.
        what: String,
        /// The decoder's complaint.
        #[source]
        source: serde_json::Error,
    },
    /// A RESTMapper lookup found no match or several.
    #[error(transparent)]
    Mapper(#[from] MapperError),
}

impl Error {
    /// The `Status` of an API error.
    pub fn status(&self) -> Option<&Status> {
        self.status_error().map(StatusError::status)
    }

    /// The API error, if this is one.
    pub fn status_error(&self) -> Option<&StatusError> {
        match self {
            Error::Api(s) => Some(s),
            _ => None,
        }
    }

    /// The HTTP status code of an API error.
    pub fn code(&self) -> Option<i32> {
        self.status_error().map(StatusError::code)
    }

    /// The reason of an API error; `Unknown` for every other error.
    pub fn reason(&self) -> StatusReason {
        self.status_error().map_or(StatusReason::Unknown, StatusError::reason)
    }

    /// 404 `NotFound`.
    pub fn is_not_found(&self) -> bool {
        self.status_error().is_some_and(StatusError::is_not_found)
    }

    /// 409 `AlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        self.status_error().is_some_and(StatusError::is_already_exists)
    }

    /// 409 `Conflict` (a stale resourceVersion on update).
    pub fn is_conflict(&self) -> bool {
        self.status_error().is_some_and(StatusError::is_conflict)
    }

    /// 410 `Gone` or `Expired` (a resourceVersion too old to list or watch from).
    pub fn is_gone(&self) -> bool {
        self.status_error().is_some_and(|s| s.is_gone() || s.is_resource_expired())
    }

    /// 429 `TooManyRequests`.
    pub fn is_too_many_requests(&self) -> bool {
        self.status_error().is_some_and(StatusError::is_too_many_requests)
    }

    /// 422 `Invalid`.
    pub fn is_invalid(&self) -> bool {
        self.status_error().is_some_and(StatusError::is_invalid)
    }

    /// 401 `Unauthorized`.
    pub fn is_unauthorized(&self) -> bool {
        self.status_error().is_some_and(StatusError::is_unauthorized)
    }

    /// 403 `Forbidden`.
    pub fn is_forbidden(&self) -> bool {
        self.status_error().is_some_and(StatusError::is_forbidden)
    }

    /// Whether the RESTMapper found no match (`meta.IsNoMatchError`).
    pub fn is_no_match(&self) -> bool {
        match self {
            Error::Mapper(m) => m.is_no_match() || matches!(m, MapperError::UnknownResourceType(_)),
            _ => false,
        }
    }
}

impl From<Error> for ListWatchError {
    fn from(e: Error) -> Self {
        match e {
            Error::Api(s) => ListWatchError::Status(Box::new(s.into_status())),
            other => ListWatchError::Transport(other.to_string()),
        }
    }
}

/// Go's `url.Error` spelling of a method: `GET` -> `Get`.
pub(crate) fn url_error_op(method: &str) -> String {
    let mut chars = method.chars();
    match chars.next() {
        Some(first) => first.to_string() + &chars.as_str().to_lowercase(),
        None => String::new(),
    }
}
