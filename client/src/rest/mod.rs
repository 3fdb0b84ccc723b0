//! The REST client (client-go's `rest`, typed clientset and dynamic client): one HTTP/2 and
//! HTTP/1.1 client over rustls built from a resolved kubeconfig, with client-side throttling
//! (a token bucket), retries on `429` and `Retry-After`, API errors decoded from `Status`
//! bodies, and streaming watches.
//!
//! Layers, bottom up:
//! - [`Client`]: sends a [`Request`] (path, query, headers, body) to the server, applying
//!   authentication, throttling, retries and the request timeout.
//! - [`Api`]: the verbs of one built-in kind (k8s-openapi types), with subresources.
//! - [`DynamicApi`]: the same verbs over `serde_json::Value` for any group/version/resource.
//! - Both implement [`crate::cache::ListerWatcher`], so a reflector can list and watch them;
//!   [`Api::compact`] lists and watches into [`crate::cache::Compact`] objects instead.

mod client;
mod config;
mod dynamic;
mod error;
mod flowcontrol;
mod listwatch;
mod params;
mod raw;
mod request;
mod transport;
mod typed;
mod url;
mod watch;

#[cfg(test)]
pub(crate) mod tests;
#[cfg(test)]
pub(crate) mod testserver;

pub use client::{Client, Response};
pub use config::{Config, default_user_agent};
pub use dynamic::DynamicApi;
pub use error::{BoxError, Error};
pub use flowcontrol::TokenBucket;
pub use listwatch::CompactApi;
pub use params::{
    DeleteParams, DeleteResponse, FieldValidation, LogParams, Patch, PatchParams, PostParams,
    Preconditions, PropagationPolicy,
};
pub use request::Request;
pub use transport::{SkipVerify, dial_upgradable};
pub use typed::{Api, LogStream};
pub use url::{ResourcePath, api_prefix, query_escape};
pub use watch::{EventStream, INITIAL_EVENTS_END_ANNOTATION};

pub use crate::cache::{ListOptions, ObjectList, WatchEvent};
