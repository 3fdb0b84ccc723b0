//! The query and path parameters of the API's operations. Parameters that mirror a field of a
//! published API type (the delete options) take that field's documentation from the
//! `k8s-openapi` schema; the rest carry our own short descriptions.

use std::sync::OnceLock;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::DeleteOptions;
use schemars::{JsonSchema, Schema, SchemaGenerator};

/// Where a parameter's description comes from.
#[derive(Debug, Clone, Copy)]
pub(super) enum ParamDoc {
    /// The documentation of this `DeleteOptions` field.
    DeleteOption(&'static str),
    /// A fixed text.
    Text(&'static str),
}

impl ParamDoc {
    /// The description text; empty when the schema does not document the field.
    pub(super) fn text(self) -> &'static str {
        match self {
            ParamDoc::DeleteOption(field) => field_doc(delete_options(), field),
            ParamDoc::Text(text) => text,
        }
    }
}

/// The `DeleteOptions` schema, generated once.
fn delete_options() -> &'static Schema {
    static SCHEMA: OnceLock<Schema> = OnceLock::new();
    SCHEMA.get_or_init(|| DeleteOptions::json_schema(&mut SchemaGenerator::default()))
}

fn field_doc(schema: &'static Schema, field: &str) -> &'static str {
    schema
        .get("properties")
        .and_then(|p| p.get(field))
        .and_then(|f| f.get("description"))
        .and_then(|d| d.as_str())
        .unwrap_or("")
}

use ParamDoc::{DeleteOption, Text};

/// `(name, location, JSON type, description)`; path parameters are required.
pub(super) const PARAMETERS: &[(&str, &str, &str, ParamDoc)] = &[
    (
        "allowWatchBookmarks",
        "query",
        "boolean",
        Text(
            "Asks the server to send periodic BOOKMARK events carrying only a resource version; the server may ignore it.",
        ),
    ),
    (
        "command",
        "query",
        "string",
        Text("The program and its arguments to run, one entry per argument, without a shell."),
    ),
    (
        "container",
        "query",
        "string",
        Text("Which container of the pod to use; may be left out when the pod has exactly one."),
    ),
    (
        "continue",
        "query",
        "string",
        Text(
            "The opaque token from a previous paged list response, used to fetch the next page with otherwise identical parameters.",
        ),
    ),
    ("dryRun", "query", "string", DeleteOption("dryRun")),
    (
        "fieldManager",
        "query",
        "string",
        Text(
            "The name recorded as owner of the fields this request sets; at most 128 printable characters.",
        ),
    ),
    (
        "fieldSelector",
        "query",
        "string",
        Text(
            "Only return objects whose fields match this selector; by default nothing is filtered.",
        ),
    ),
    (
        "fieldValidation",
        "query",
        "string",
        Text(
            "How to treat unknown or duplicated fields in the request body: Ignore, Warn or Strict.",
        ),
    ),
    (
        "follow",
        "query",
        "boolean",
        Text("Keep streaming new log lines as they are written; off by default."),
    ),
    (
        "force",
        "query",
        "boolean",
        Text(
            "For apply patches only: take over fields currently owned by other managers instead of failing with a conflict.",
        ),
    ),
    ("gracePeriodSeconds", "query", "integer", DeleteOption("gracePeriodSeconds")),
    (
        "insecureSkipTLSVerifyBackend",
        "query",
        "boolean",
        Text(
            "Do not verify the serving certificate of the kubelet the logs are read from, so the connection may be intercepted.",
        ),
    ),
    (
        "labelSelector",
        "query",
        "string",
        Text(
            "Only return objects whose labels match this selector; by default nothing is filtered.",
        ),
    ),
    (
        "limit",
        "query",
        "integer",
        Text(
            "The largest number of items one list response may hold; when more remain, the response carries a continue token.",
        ),
    ),
    (
        "limitBytes",
        "query",
        "integer",
        Text("Stop the log output after about this many bytes, possibly cutting the last line."),
    ),
    (
        "namespace",
        "path",
        "string",
        Text("object name and auth scope, such as for teams and projects"),
    ),
    ("orphanDependents", "query", "boolean", DeleteOption("orphanDependents")),
    ("path", "query", "string", Text("The URL path the proxied request is sent to on the pod.")),
    (
        "ports",
        "query",
        "integer",
        Text("The pod ports to forward; needed when the connection uses WebSockets."),
    ),
    (
        "pretty",
        "query",
        "string",
        Text(
            "Set to 'true' for indented output; browsers and command-line HTTP tools get it by default.",
        ),
    ),
    (
        "previous",
        "query",
        "boolean",
        Text("Read the logs of the container's previous, terminated instance; off by default."),
    ),
    ("propagationPolicy", "query", "string", DeleteOption("propagationPolicy")),
    (
        "resourceVersion",
        "query",
        "string",
        Text(
            "Limits which resource versions the response may be served from; see the API concepts documentation on resource versions.",
        ),
    ),
    (
        "resourceVersionMatch",
        "query",
        "string",
        Text(
            "How the resourceVersion parameter is compared for a list: NotOlderThan or Exact; best set whenever resourceVersion is.",
        ),
    ),
    (
        "sendInitialEvents",
        "query",
        "boolean",
        Text(
            "With watch=true, start the stream with ADDED events for the existing objects, followed by a bookmark marking their end.",
        ),
    ),
    (
        "sinceSeconds",
        "query",
        "integer",
        Text("Only show log lines written within this many seconds before now."),
    ),
    (
        "stderr",
        "query",
        "boolean",
        Text("Attach the container's standard error stream; on by default."),
    ),
    (
        "stdin",
        "query",
        "boolean",
        Text("Attach the container's standard input stream; off by default."),
    ),
    (
        "stdout",
        "query",
        "boolean",
        Text("Attach the container's standard output stream; on by default."),
    ),
    ("tailLines", "query", "integer", Text("Only show this many of the most recent log lines.")),
    (
        "timeoutSeconds",
        "query",
        "integer",
        Text("The longest time, in seconds, a list or watch call may run, whatever the activity."),
    ),
    (
        "timestamps",
        "query",
        "boolean",
        Text("Prefix each log line with its RFC 3339 timestamp; off by default."),
    ),
    (
        "tty",
        "query",
        "boolean",
        Text(
            "Allocate a terminal for the session on the node's container runtime; off by default.",
        ),
    ),
    (
        "watch",
        "query",
        "boolean",
        Text(
            "Stream add, update and delete notifications for the matching objects instead of returning a list.",
        ),
    ),
];
