//! Pure API machinery shared by every component: the Kubernetes type system and the functions
//! over it. This crate does no I/O: no sockets, no files, no async runtime.

pub mod codec;
pub mod errors;
pub mod fields;
pub mod gofmt;
pub mod gourl;
pub mod jsonpath;
pub mod labels;
pub mod patch;
pub mod resource;
pub mod runtime;
pub mod schema;
pub mod unstructured;
pub mod validation;
pub mod watch;
