//! Typed API errors carrying a `Status` (`pods "x" not found`, 404 NotFound), their
//! constructors, predicates and wire form, as k8s.io/apimachinery's `pkg/api/errors`; field
//! validation errors live in [`field`].

pub mod field;
#[cfg(test)]
mod tests;

use std::fmt;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{
    ListMeta, Status, StatusCause, StatusDetails,
};
use serde::ser::SerializeMap;
use serde::{Serialize, Serializer};
use thiserror::Error;

use crate::gofmt;
use crate::schema::{GroupKind, GroupResource};

use self::field::ErrorList;

/// Machine-readable reason of a failure (`metav1.StatusReason`).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum StatusReason {
    /// No reason given (`""`).
    #[default]
    Unknown,
    /// `Unauthorized` (401).
    Unauthorized,
    /// `Forbidden` (403).
    Forbidden,
    /// `NotFound` (404).
    NotFound,
    /// `AlreadyExists` (409).
    AlreadyExists,
    /// `Conflict` (409).
    Conflict,
    /// `Gone` (410).
    Gone,
    /// `Invalid` (422).
    Invalid,
    /// `ServerTimeout` (500).
    ServerTimeout,
    /// `StorageReadError` (500).
    StoreReadError,
    /// `Timeout` (504).
    Timeout,
    /// `TooManyRequests` (429).
    TooManyRequests,
    /// `BadRequest` (400).
    BadRequest,
    /// `MethodNotAllowed` (405).
    MethodNotAllowed,
    /// `NotAcceptable` (406).
    NotAcceptable,
    /// `RequestEntityTooLarge` (413).
    RequestEntityTooLarge,
    /// `UnsupportedMediaType` (415).
    UnsupportedMediaType,
    /// `InternalError` (500).
    InternalError,
    /// `Expired` (410).
    Expired,
    /// `ServiceUnavailable` (503).
    ServiceUnavailable,
    /// A reason this library does not know.
    Other(String),
}

const KNOWN_REASONS: [StatusReason; 19] = [
    StatusReason::Unauthorized,
    StatusReason::Forbidden,
    StatusReason::NotFound,
    StatusReason::AlreadyExists,
    StatusReason::Conflict,
    StatusReason::Gone,
    StatusReason::Invalid,
    StatusReason::ServerTimeout,
    StatusReason::StoreReadError,
    StatusReason::Timeout,
    StatusReason::TooManyRequests,
    StatusReason::BadRequest,
    StatusReason::MethodNotAllowed,
    StatusReason::NotAcceptable,
    StatusReason::RequestEntityTooLarge,
    StatusReason::UnsupportedMediaType,
    StatusReason::InternalError,
    StatusReason::Expired,
    StatusReason::ServiceUnavailable,
];

impl StatusReason {
    /// The wire string.
    pub fn as_str(&self) -> &str {
        match self {
            StatusReason::Unknown => "",
            StatusReason::Unauthorized => "Unauthorized",
            StatusReason::Forbidden => "Forbidden",
            StatusReason::NotFound => "NotFound",
            StatusReason::AlreadyExists => "AlreadyExists",
            StatusReason::Conflict => "Conflict",
            StatusReason::Gone => "Gone",
            StatusReason::Invalid => "Invalid",
            StatusReason::ServerTimeout => "ServerTimeout",
            StatusReason::StoreReadError => "StorageReadError",
            StatusReason::Timeout => "Timeout",
            StatusReason::TooManyRequests => "TooManyRequests",
            StatusReason::BadRequest => "BadRequest",
            StatusReason::MethodNotAllowed => "MethodNotAllowed",
            StatusReason::NotAcceptable => "NotAcceptable",
            StatusReason::RequestEntityTooLarge => "RequestEntityTooLarge",
            StatusReason::UnsupportedMediaType => "UnsupportedMediaType",
            StatusReason::InternalError => "InternalError",
            StatusReason::Expired => "Expired",
            StatusReason::ServiceUnavailable => "ServiceUnavailable",
            StatusReason::Other(s) => s,
        }
    }

    /// The reason a wire string names.
    pub fn parse(s: &str) -> Self {
        if s.is_empty() {
            return StatusReason::Unknown;
        }
        KNOWN_REASONS
            .iter()
            .find(|r| r.as_str() == s)
            .cloned()
            .unwrap_or_else(|| StatusReason::Other(s.to_string()))
    }

    /// Whether this is one of the reasons upstream's predicates trust over the HTTP code.
    pub fn is_known(&self) -> bool {
        KNOWN_REASONS.contains(self)
    }
}

impl fmt::Display for StatusReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `StatusCause` type of a response the client could not interpret.
pub const CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE: &str = "UnexpectedServerResponse";
/// `StatusCause` type of a server-side apply conflict.
pub const CAUSE_TYPE_FIELD_MANAGER_CONFLICT: &str = "FieldManagerConflict";
/// `StatusCause` type of a watch/list asking for a resourceVersion the cache has not reached.
pub const CAUSE_TYPE_RESOURCE_VERSION_TOO_LARGE: &str = "ResourceVersionTooLarge";

/// An API error: a failed `Status` as the apiserver returns it. Its message is its `Display`.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("{}", self.message())]
pub struct StatusError {
    status: Status,
}

/// An object handed to [`StatusError::from_value`] that is not a `Status`.
#[derive(Debug, Clone, PartialEq, Error)]
#[error("unexpected object: {0}")]
pub struct UnexpectedObjectError(pub serde_json::Value);

fn non_empty(s: impl Into<String>) -> Option<String> {
    let s = s.into();
    (!s.is_empty()).then_some(s)
}

fn details(group: &str, kind: &str, name: &str) -> StatusDetails {
    StatusDetails {
        group: non_empty(group),
        kind: non_empty(kind),
        name: non_empty(name),
        ..Default::default()
    }
}

fn retry_after(seconds: i32) -> Option<i32> {
    (seconds != 0).then_some(seconds)
}

fn gr_is_empty(gr: &GroupResource) -> bool {
    gr.group.is_empty() && gr.resource.is_empty()
}

impl StatusError {
    pub(crate) fn failure(
        code: i32,
        reason: StatusReason,
        message: String,
        details: Option<StatusDetails>,
    ) -> Self {
        Self {
            status: Status {
                status: Some("Failure".to_string()),
                code: (code != 0).then_some(code),
                reason: non_empty(reason.as_str()),
                message: non_empty(message),
                details,
                metadata: ListMeta::default(),
            },
        }
    }

    /// What a server answers for an error that is no API status (`ErrorToAPIStatus` of a
    /// plain error, such as a REST handler's `ToAggregate` of field errors): 500 without a
    /// reason, the error's text as the message.
    pub fn from_plain_error(err: impl fmt::Display) -> Self {
        Self::failure(500, StatusReason::Unknown, err.to_string(), None)
    }

    /// Wraps a `Status` received from a server (`FromObject` of a `*metav1.Status`).
    pub fn from_status(status: Status) -> Self {
        Self { status }
    }

    /// Reads a decoded JSON object as a `Status` when its kind is `Status` and its apiVersion
    /// `v1` or `meta.k8s.io/v1` (`FromObject` of unstructured content).
    pub fn from_value(value: serde_json::Value) -> Result<Self, UnexpectedObjectError> {
        let is_status = value.get("kind").and_then(|k| k.as_str()) == Some("Status")
            && matches!(
                value.get("apiVersion").and_then(|v| v.as_str()),
                Some("v1" | "meta.k8s.io/v1")
            );
        if !is_status {
            return Err(UnexpectedObjectError(value));
        }
        let mut normalized = value.clone();
        if let Some(obj) = normalized.as_object_mut() {
            obj.insert("apiVersion".into(), "v1".into());
        }
        serde_json::from_value::<Status>(normalized)
            .map(Self::from_status)
            .map_err(|_| UnexpectedObjectError(value))
    }

    /// The `Status` (`Status()`).
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Consumes the error, giving its `Status`.
    pub fn into_status(self) -> Status {
        self.status
    }

    /// Appends a cause to the error's details (as upstream handlers do on `ErrStatus.Details`).
    pub fn with_cause(mut self, cause_type: &str, message: &str, field: &str) -> Self {
        let details = self.status.details.get_or_insert_with(StatusDetails::default);
        details.causes.get_or_insert_with(Vec::new).push(StatusCause {
            reason: non_empty(cause_type),
            message: non_empty(message),
            field: non_empty(field),
        });
        self
    }

    /// The human-readable message (`Error()`).
    pub fn message(&self) -> &str {
        self.status.message.as_deref().unwrap_or("")
    }

    /// The HTTP status code (0 when unset).
    pub fn code(&self) -> i32 {
        self.status.code.unwrap_or(0)
    }

    /// The machine-readable reason.
    pub fn reason(&self) -> StatusReason {
        StatusReason::parse(self.status.reason.as_deref().unwrap_or(""))
    }

    /// The causes listed in the details.
    pub fn causes(&self) -> &[StatusCause] {
        self.status.details.as_ref().and_then(|d| d.causes.as_deref()).unwrap_or(&[])
    }

    /// The first cause of the given type (`StatusCause`).
    pub fn cause(&self, cause_type: &str) -> Option<&StatusCause> {
        self.causes().iter().find(|c| c.reason.as_deref().unwrap_or("") == cause_type)
    }

    /// `404 NotFound`: `pods "x" not found`.
    pub fn new_not_found(resource: &GroupResource, name: &str) -> Self {
        Self::failure(
            404,
            StatusReason::NotFound,
            format!("{resource} {} not found", gofmt::quote(name)),
            Some(details(&resource.group, &resource.resource, name)),
        )
    }

    /// `409 AlreadyExists`: `pods "x" already exists`.
    pub fn new_already_exists(resource: &GroupResource, name: &str) -> Self {
        Self::failure(
            409,
            StatusReason::AlreadyExists,
            format!("{resource} {} already exists", gofmt::quote(name)),
            Some(details(&resource.group, &resource.resource, name)),
        )
    }

    /// `409 AlreadyExists` for a generated name that collided; clients retry after the delay.
    pub fn new_generate_name_conflict(
        resource: &GroupResource,
        name: &str,
        retry_after_seconds: i32,
    ) -> Self {
        let mut d = details(&resource.group, &resource.resource, name);
        d.retry_after_seconds = retry_after(retry_after_seconds);
        Self::failure(
            409,
            StatusReason::AlreadyExists,
            format!(
                "{resource} {} already exists, the server was not able to generate a unique name for the object",
                gofmt::quote(name)
            ),
            Some(d),
        )
    }

    /// `401 Unauthorized`; an empty reason reads `not authorized`.
    pub fn new_unauthorized(reason: &str) -> Self {
        let message = if reason.is_empty() { "not authorized" } else { reason };
        Self::failure(401, StatusReason::Unauthorized, message.to_string(), None)
    }

    /// `403 Forbidden`: `pods "x" is forbidden: <err>`.
    pub fn new_forbidden(resource: &GroupResource, name: &str, err: impl fmt::Display) -> Self {
        let message = if gr_is_empty(resource) {
            format!("forbidden: {err}")
        } else if name.is_empty() {
            format!("{resource} is forbidden: {err}")
        } else {
            format!("{resource} {} is forbidden: {err}", gofmt::quote(name))
        };
        Self::failure(
            403,
            StatusReason::Forbidden,
            message,
            Some(details(&resource.group, &resource.resource, name)),
        )
    }

    /// `409 Conflict`: `Operation cannot be fulfilled on pods "x": <err>`.
    pub fn new_conflict(resource: &GroupResource, name: &str, err: impl fmt::Display) -> Self {
        Self::failure(
            409,
            StatusReason::Conflict,
            format!("Operation cannot be fulfilled on {resource} {}: {err}", gofmt::quote(name)),
            Some(details(&resource.group, &resource.resource, name)),
        )
    }

    /// `409 Conflict` from server-side apply, with one cause per conflicting field.
    pub fn new_apply_conflict(causes: Vec<StatusCause>, message: &str) -> Self {
        Self::failure(
            409,
            StatusReason::Conflict,
            message.to_string(),
            Some(StatusDetails { causes: Some(causes), ..Default::default() }),
        )
    }

    /// `410 Gone`.
    pub fn new_gone(message: &str) -> Self {
        Self::failure(410, StatusReason::Gone, message.to_string(), None)
    }

    /// `410 Expired` (a resourceVersion too old to serve).
    pub fn new_resource_expired(message: &str) -> Self {
        Self::failure(410, StatusReason::Expired, message.to_string(), None)
    }

    /// `422 Invalid`: `Pod "x" is invalid: <errors>`, one cause per field error.
    pub fn new_invalid(kind: &GroupKind, name: &str, errs: &ErrorList) -> Self {
        let causes = errs
            .iter()
            .map(|e| StatusCause {
                reason: non_empty(e.error_type.as_str()),
                message: non_empty(e.body()),
                field: non_empty(e.field.clone()),
            })
            .collect();
        let mut d = details(&kind.group, &kind.kind, name);
        d.causes = Some(causes);
        let message = match errs.to_aggregate() {
            None => format!("{kind} {} is invalid", gofmt::quote(name)),
            Some(agg) => format!("{kind} {} is invalid: {agg}", gofmt::quote(name)),
        };
        Self::failure(422, StatusReason::Invalid, message, Some(d))
    }

    /// `400 BadRequest`.
    pub fn new_bad_request(reason: &str) -> Self {
        Self::failure(400, StatusReason::BadRequest, reason.to_string(), None)
    }

    /// `429 TooManyRequests` with a retry delay.
    pub fn new_too_many_requests(message: &str, retry_after_seconds: i32) -> Self {
        Self::failure(
            429,
            StatusReason::TooManyRequests,
            message.to_string(),
            Some(StatusDetails {
                retry_after_seconds: retry_after(retry_after_seconds),
                ..Default::default()
            }),
        )
    }

    /// `429 TooManyRequests`: `Too many requests: <message>`.
    pub fn new_too_many_requests_error(message: &str) -> Self {
        Self::failure(
            429,
            StatusReason::TooManyRequests,
            format!("Too many requests: {message}"),
            None,
        )
    }

    /// `503 ServiceUnavailable`.
    pub fn new_service_unavailable(reason: &str) -> Self {
        Self::failure(503, StatusReason::ServiceUnavailable, reason.to_string(), None)
    }

    /// `405 MethodNotAllowed`: `<action> is not supported on resources of kind "pods"`.
    pub fn new_method_not_supported(resource: &GroupResource, action: &str) -> Self {
        Self::failure(
            405,
            StatusReason::MethodNotAllowed,
            format!(
                "{action} is not supported on resources of kind {}",
                gofmt::quote(&resource.to_string())
            ),
            Some(details(&resource.group, &resource.resource, "")),
        )
    }

    /// `500 ServerTimeout`: `The <op> operation against <resource> could not be completed ...`.
    pub fn new_server_timeout(
        resource: &GroupResource,
        operation: &str,
        retry_after_seconds: i32,
    ) -> Self {
        let mut d = details(&resource.group, &resource.resource, operation);
        d.retry_after_seconds = retry_after(retry_after_seconds);
        Self::failure(
            500,
            StatusReason::ServerTimeout,
            format!(
                "The {operation} operation against {resource} could not be completed at this time, please try again."
            ),
            Some(d),
        )
    }

    /// [`StatusError::new_server_timeout`] naming a kind instead of a resource.
    pub fn new_server_timeout_for_kind(
        kind: &GroupKind,
        operation: &str,
        retry_after_seconds: i32,
    ) -> Self {
        Self::new_server_timeout(
            &GroupResource::new(&kind.group, &kind.kind),
            operation,
            retry_after_seconds,
        )
    }

    /// `500 InternalError`: `Internal error occurred: <err>`.
    pub fn new_internal_error(err: impl fmt::Display) -> Self {
        let message = err.to_string();
        Self::failure(
            500,
            StatusReason::InternalError,
            format!("Internal error occurred: {message}"),
            Some(StatusDetails {
                causes: Some(vec![StatusCause {
                    message: non_empty(message),
                    ..Default::default()
                }]),
                ..Default::default()
            }),
        )
    }

    /// `504 Timeout`: `Timeout: <message>`.
    pub fn new_timeout_error(message: &str, retry_after_seconds: i32) -> Self {
        Self::failure(
            504,
            StatusReason::Timeout,
            format!("Timeout: {message}"),
            Some(StatusDetails {
                retry_after_seconds: retry_after(retry_after_seconds),
                ..Default::default()
            }),
        )
    }

    /// `413 RequestEntityTooLarge`: `Request entity too large: <message>`.
    pub fn new_request_entity_too_large(message: &str) -> Self {
        Self::failure(
            413,
            StatusReason::RequestEntityTooLarge,
            format!("Request entity too large: {message}"),
            None,
        )
    }

    /// `406 NotAcceptable` as the apiserver's content negotiation reports it.
    pub fn new_not_acceptable(accepted: &[&str]) -> Self {
        Self::failure(
            406,
            StatusReason::NotAcceptable,
            format!("only the following media types are accepted: {}", accepted.join(", ")),
            None,
        )
    }

    /// `415 UnsupportedMediaType` as the apiserver's content negotiation reports it.
    pub fn new_unsupported_media_type(accepted: &[&str]) -> Self {
        Self::failure(
            415,
            StatusReason::UnsupportedMediaType,
            format!(
                "the body of the request was in an unknown format - accepted media types include: {}",
                accepted.join(", ")
            ),
            None,
        )
    }

    /// The error a client makes of a response that carried no `Status`: reason and message
    /// from the HTTP code, plus the verb, resource and name (`NewGenericServerResponse`).
    pub fn new_generic_server_response(
        code: i32,
        verb: &str,
        resource: &GroupResource,
        name: &str,
        server_message: &str,
        retry_after_seconds: i32,
        is_unexpected_response: bool,
    ) -> Self {
        let (reason, mut message) = match code {
            409 => (
                if verb == "POST" {
                    StatusReason::AlreadyExists
                } else {
                    StatusReason::Conflict
                },
                "the server reported a conflict".to_string(),
            ),
            404 => (
                StatusReason::NotFound,
                "the server could not find the requested resource".to_string(),
            ),
            400 => (
                StatusReason::BadRequest,
                "the server rejected our request for an unknown reason".to_string(),
            ),
            401 => (
                StatusReason::Unauthorized,
                "the server has asked for the client to provide credentials".to_string(),
            ),
            403 => (StatusReason::Forbidden, server_message.to_string()),
            406 => (
                StatusReason::NotAcceptable,
                if server_message.is_empty() || server_message == "unknown" {
                    "the server was unable to respond with a content type that the client supports"
                        .to_string()
                } else {
                    server_message.to_string()
                },
            ),
            415 => (StatusReason::UnsupportedMediaType, server_message.to_string()),
            405 => (
                StatusReason::MethodNotAllowed,
                "the server does not allow this method on the requested resource".to_string(),
            ),
            422 => (
                StatusReason::Invalid,
                "the server rejected our request due to an error in our request".to_string(),
            ),
            503 => (
                StatusReason::ServiceUnavailable,
                "the server is currently unable to handle the request".to_string(),
            ),
            504 => (
                StatusReason::Timeout,
                "the server was unable to return a response in the time allotted, but may still be processing the request".to_string(),
            ),
            429 => (
                StatusReason::TooManyRequests,
                "the server has received too many requests and has asked us to try again later"
                    .to_string(),
            ),
            c if c >= 500 => (
                StatusReason::InternalError,
                format!(
                    "an error on the server ({}) has prevented the request from succeeding",
                    gofmt::quote(server_message)
                ),
            ),
            c => (
                StatusReason::Unknown,
                format!(
                    "the server responded with the status code {c} but did not return more information"
                ),
            ),
        };
        if !gr_is_empty(resource) {
            let verb = verb.to_lowercase();
            message = if name.is_empty() {
                format!("{message} ({verb} {resource})")
            } else {
                format!("{message} ({verb} {resource} {name})")
            };
        }
        let mut d = details(&resource.group, &resource.resource, name);
        d.retry_after_seconds = retry_after(retry_after_seconds);
        if is_unexpected_response {
            d.causes = Some(vec![StatusCause {
                reason: Some(CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE.to_string()),
                message: non_empty(server_message),
                field: None,
            }]);
        }
        Self {
            status: Status {
                status: Some("Failure".to_string()),
                code: (code != 0).then_some(code),
                reason: non_empty(reason.as_str()),
                message: non_empty(message),
                details: Some(d),
                metadata: ListMeta::default(),
            },
        }
    }

    /// True when the reason is `reason`, or the reason is not a known one and the code is `code`.
    fn is_reason_or_code(&self, reason: StatusReason, code: i32) -> bool {
        let r = self.reason();
        r == reason || (!r.is_known() && self.code() == code)
    }

    /// `NotFound`, or an unknown reason with code 404.
    pub fn is_not_found(&self) -> bool {
        self.is_reason_or_code(StatusReason::NotFound, 404)
    }

    /// `AlreadyExists`.
    pub fn is_already_exists(&self) -> bool {
        self.reason() == StatusReason::AlreadyExists
    }

    /// `Conflict`, or an unknown reason with code 409.
    pub fn is_conflict(&self) -> bool {
        self.is_reason_or_code(StatusReason::Conflict, 409)
    }

    /// `Invalid`, or an unknown reason with code 422.
    pub fn is_invalid(&self) -> bool {
        self.is_reason_or_code(StatusReason::Invalid, 422)
    }

    /// `Gone`, or an unknown reason with code 410.
    pub fn is_gone(&self) -> bool {
        self.is_reason_or_code(StatusReason::Gone, 410)
    }

    /// `Expired`.
    pub fn is_resource_expired(&self) -> bool {
        self.reason() == StatusReason::Expired
    }

    /// `NotAcceptable`, or an unknown reason with code 406.
    pub fn is_not_acceptable(&self) -> bool {
        self.is_reason_or_code(StatusReason::NotAcceptable, 406)
    }

    /// `UnsupportedMediaType`, or an unknown reason with code 415.
    pub fn is_unsupported_media_type(&self) -> bool {
        self.is_reason_or_code(StatusReason::UnsupportedMediaType, 415)
    }

    /// `MethodNotAllowed`, or an unknown reason with code 405.
    pub fn is_method_not_supported(&self) -> bool {
        self.is_reason_or_code(StatusReason::MethodNotAllowed, 405)
    }

    /// `ServiceUnavailable`, or an unknown reason with code 503.
    pub fn is_service_unavailable(&self) -> bool {
        self.is_reason_or_code(StatusReason::ServiceUnavailable, 503)
    }

    /// `BadRequest`, or an unknown reason with code 400.
    pub fn is_bad_request(&self) -> bool {
        self.is_reason_or_code(StatusReason::BadRequest, 400)
    }

    /// `Unauthorized`, or an unknown reason with code 401.
    pub fn is_unauthorized(&self) -> bool {
        self.is_reason_or_code(StatusReason::Unauthorized, 401)
    }

    /// `Forbidden`, or an unknown reason with code 403.
    pub fn is_forbidden(&self) -> bool {
        self.is_reason_or_code(StatusReason::Forbidden, 403)
    }

    /// `Timeout`, or an unknown reason with code 504.
    pub fn is_timeout(&self) -> bool {
        self.is_reason_or_code(StatusReason::Timeout, 504)
    }

    /// `ServerTimeout`.
    pub fn is_server_timeout(&self) -> bool {
        self.reason() == StatusReason::ServerTimeout
    }

    /// `InternalError`, or an unknown reason with code 500.
    pub fn is_internal_error(&self) -> bool {
        self.is_reason_or_code(StatusReason::InternalError, 500)
    }

    /// `TooManyRequests`, or code 429 whatever the reason.
    pub fn is_too_many_requests(&self) -> bool {
        self.reason() == StatusReason::TooManyRequests || self.code() == 429
    }

    /// `RequestEntityTooLarge`, or code 413 whatever the reason.
    pub fn is_request_entity_too_large(&self) -> bool {
        self.reason() == StatusReason::RequestEntityTooLarge || self.code() == 413
    }

    /// `StorageReadError`.
    pub fn is_store_read_error(&self) -> bool {
        self.reason() == StatusReason::StoreReadError
    }

    /// Whether a cause says the server's response could not be understood.
    pub fn is_unexpected_server_error(&self) -> bool {
        self.cause(CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE).is_some()
    }

    /// Seconds the server asked the client to wait before retrying, if it asked
    /// (`SuggestsClientDelay`).
    pub fn suggests_client_delay(&self) -> Option<i32> {
        let d = self.status.details.as_ref()?;
        let seconds = d.retry_after_seconds.unwrap_or(0);
        if self.reason() == StatusReason::ServerTimeout || seconds > 0 {
            Some(seconds)
        } else {
            None
        }
    }
}

/// The first [`StatusError`] in an error's source chain (`errors.As`).
pub fn find_status_error<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a StatusError> {
    let mut cur: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(s) = e.downcast_ref::<StatusError>() {
            return Some(s);
        }
        cur = e.source();
    }
    None
}

/// The reason of the first [`StatusError`] in the chain; `Unknown` when there is none
/// (`ReasonForError`).
pub fn reason_for(err: &(dyn std::error::Error + 'static)) -> StatusReason {
    find_status_error(err).map_or(StatusReason::Unknown, StatusError::reason)
}

/// [`StatusError::suggests_client_delay`] of the first [`StatusError`] in the chain.
pub fn suggests_client_delay(err: &(dyn std::error::Error + 'static)) -> Option<i32> {
    find_status_error(err).and_then(StatusError::suggests_client_delay)
}

/// Whether the first [`StatusError`] in the chain has a cause of this type (`HasStatusCause`).
pub fn has_status_cause(err: &(dyn std::error::Error + 'static), cause_type: &str) -> bool {
    find_status_error(err).is_some_and(|s| s.cause(cause_type).is_some())
}

macro_rules! chain_predicates {
    ($($(#[$doc:meta])* $name:ident;)*) => {$(
        $(#[$doc])*
        pub fn $name(err: &(dyn std::error::Error + 'static)) -> bool {
            find_status_error(err).is_some_and(StatusError::$name)
        }
    )*};
}

chain_predicates! {
    /// [`StatusError::is_not_found`] of the first status error in the chain.
    is_not_found;
    /// [`StatusError::is_already_exists`] of the first status error in the chain.
    is_already_exists;
    /// [`StatusError::is_conflict`] of the first status error in the chain.
    is_conflict;
    /// [`StatusError::is_invalid`] of the first status error in the chain.
    is_invalid;
    /// [`StatusError::is_gone`] of the first status error in the chain.
    is_gone;
    /// [`StatusError::is_resource_expired`] of the first status error in the chain.
    is_resource_expired;
    /// [`StatusError::is_not_acceptable`] of the first status error in the chain.
    is_not_acceptable;
    /// [`StatusError::is_unsupported_media_type`] of the first status error in the chain.
    is_unsupported_media_type;
    /// [`StatusError::is_method_not_supported`] of the first status error in the chain.
    is_method_not_supported;
    /// [`StatusError::is_service_unavailable`] of the first status error in the chain.
    is_service_unavailable;
    /// [`StatusError::is_bad_request`] of the first status error in the chain.
    is_bad_request;
    /// [`StatusError::is_unauthorized`] of the first status error in the chain.
    is_unauthorized;
    /// [`StatusError::is_forbidden`] of the first status error in the chain.
    is_forbidden;
    /// [`StatusError::is_timeout`] of the first status error in the chain.
    is_timeout;
    /// [`StatusError::is_server_timeout`] of the first status error in the chain.
    is_server_timeout;
    /// [`StatusError::is_internal_error`] of the first status error in the chain.
    is_internal_error;
    /// [`StatusError::is_too_many_requests`] of the first status error in the chain.
    is_too_many_requests;
    /// [`StatusError::is_request_entity_too_large`] of the first status error in the chain.
    is_request_entity_too_large;
    /// [`StatusError::is_store_read_error`] of the first status error in the chain.
    is_store_read_error;
    /// [`StatusError::is_unexpected_server_error`] of the first status error in the chain.
    is_unexpected_server_error;
}

/// Omits empty strings, as Go's `omitempty` does.
fn put_str<M: SerializeMap>(map: &mut M, key: &str, v: &Option<String>) -> Result<(), M::Error> {
    match v.as_deref() {
        Some(s) if !s.is_empty() => map.serialize_entry(key, s),
        _ => Ok(()),
    }
}

struct GoListMeta<'a>(&'a ListMeta);

impl Serialize for GoListMeta<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        put_str(&mut map, "selfLink", &self.0.self_link)?;
        put_str(&mut map, "resourceVersion", &self.0.resource_version)?;
        put_str(&mut map, "continue", &self.0.continue_)?;
        if let Some(n) = self.0.remaining_item_count {
            map.serialize_entry("remainingItemCount", &n)?;
        }
        map.end()
    }
}

struct GoCause<'a>(&'a StatusCause);

impl Serialize for GoCause<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(None)?;
        put_str(&mut map, "reason", &self.0.reason)?;
        put_str(&mut map, "message", &self.0.message)?;
        put_str(&mut map, "field", &self.0.field)?;
        map.end()
    }
}

struct GoDetails<'a>(&'a StatusDetails);

impl Serialize for GoDetails<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let d = self.0;
        let mut map = serializer.serialize_map(None)?;
        put_str(&mut map, "name", &d.name)?;
        put_str(&mut map, "group", &d.group)?;
        put_str(&mut map, "kind", &d.kind)?;
        put_str(&mut map, "uid", &d.uid)?;
        if let Some(causes) = d.causes.as_ref().filter(|c| !c.is_empty()) {
            let causes: Vec<GoCause<'_>> = causes.iter().map(GoCause).collect();
            map.serialize_entry("causes", &causes)?;
        }
        if let Some(n) = d.retry_after_seconds.filter(|n| *n != 0) {
            map.serialize_entry("retryAfterSeconds", &n)?;
        }
        map.end()
    }
}

impl Serialize for StatusError {
    /// The exact JSON the apiserver sends: Go's field order, empty fields omitted.
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let s = &self.status;
        let mut map = serializer.serialize_map(None)?;
        map.serialize_entry("kind", "Status")?;
        map.serialize_entry("apiVersion", "v1")?;
        map.serialize_entry("metadata", &GoListMeta(&s.metadata))?;
        put_str(&mut map, "status", &s.status)?;
        put_str(&mut map, "message", &s.message)?;
        put_str(&mut map, "reason", &s.reason)?;
        if let Some(d) = &s.details {
            map.serialize_entry("details", &GoDetails(d))?;
        }
        if let Some(code) = s.code.filter(|c| *c != 0) {
            map.serialize_entry("code", &code)?;
        }
        map.end()
    }
}

impl From<StatusError> for Status {
    fn from(e: StatusError) -> Self {
        e.status
    }
}

impl From<Status> for StatusError {
    fn from(status: Status) -> Self {
        Self::from_status(status)
    }
}
