//! One API request before it is sent: method, absolute API path, query, headers and a
//! replayable body, plus the resource it names so an error without a `Status` body can still
//! say what failed.

use std::time::Duration;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderName};
use http::{HeaderMap, HeaderValue, Method};
use serde::Serialize;

use super::error::Error;
use super::url::encode_query;

/// A request to the API server. Bodies are bytes, so every request can be retried.
#[derive(Debug, Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) path: String,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<Bytes>,
    pub(crate) group: String,
    pub(crate) resource: String,
    pub(crate) name: String,
    pub(crate) timeout: Option<Duration>,
}

impl Request {
    /// A request of `method` to the absolute API path `path` (`/api/v1/namespaces`).
    pub fn new(method: Method, path: impl Into<String>) -> Self {
        Request {
            method,
            path: path.into(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            group: String::new(),
            resource: String::new(),
            name: String::new(),
            timeout: None,
        }
    }

    /// `GET path`.
    pub fn get(path: impl Into<String>) -> Self {
        Self::new(Method::GET, path)
    }

    /// `POST path`.
    pub fn post(path: impl Into<String>) -> Self {
        Self::new(Method::POST, path)
    }

    /// `PUT path`.
    pub fn put(path: impl Into<String>) -> Self {
        Self::new(Method::PUT, path)
    }

    /// `PATCH path`.
    pub fn patch(path: impl Into<String>) -> Self {
        Self::new(Method::PATCH, path)
    }

    /// `DELETE path`.
    pub fn delete(path: impl Into<String>) -> Self {
        Self::new(Method::DELETE, path)
    }

    /// Adds a query parameter (kept even when the value is empty).
    pub fn query(mut self, key: &str, value: impl Into<String>) -> Self {
        self.query.push((key.to_string(), value.into()));
        self
    }

    /// Adds query parameters.
    pub fn queries<K: Into<String>>(
        mut self,
        pairs: impl IntoIterator<Item = (K, String)>,
    ) -> Self {
        self.query.extend(pairs.into_iter().map(|(k, v)| (k.into(), v)));
        self
    }

    /// Sets a header, replacing any earlier value.
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Sets the body and its content type.
    pub fn body(mut self, body: impl Into<Bytes>, content_type: &'static str) -> Self {
        self.body = Some(body.into());
        self.headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        self
    }

    /// Sets a JSON body.
    pub fn json<T: Serialize + ?Sized>(self, value: &T) -> Result<Self, Error> {
        let bytes = serde_json::to_vec(value).map_err(Error::Encode)?;
        Ok(self.body(bytes, "application/json"))
    }

    /// Names the group, resource and object the request is about, for the message of an
    /// error the server answers without a `Status` body.
    pub fn for_resource(mut self, group: &str, resource: &str, name: &str) -> Self {
        self.group = group.to_string();
        self.resource = resource.to_string();
        self.name = name.to_string();
        self
    }

    /// Overrides the client's timeout for this request.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The path with its encoded query (`/api/v1/pods?labelSelector=app%3Dx`).
    pub fn path_and_query(&self) -> String {
        if self.query.is_empty() {
            self.path.clone()
        } else {
            format!("{}?{}", self.path, encode_query(&self.query))
        }
    }
}
