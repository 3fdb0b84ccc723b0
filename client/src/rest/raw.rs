//! The verbs on one resource path, generic over the body type: what the typed [`super::Api`]
//! and the [`super::DynamicApi`] share (client-go's generated typed client methods and the
//! dynamic client's, which build the same requests).

use std::time::Duration;

use apimachinery::errors::StatusError;
use bytes::Bytes;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ListMeta;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::client::{Client, decode, failure_status};
use super::error::Error;
use super::params::{DeleteParams, DeleteResponse, Patch, PatchParams, PostParams};
use super::request::Request;
use super::url::ResourcePath;
use super::watch::EventStream;
use crate::cache::{ListOptions, ObjectList};

/// A list body: the items with the list's own kind and metadata.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ListBody<T> {
    #[serde(default)]
    pub api_version: Option<String>,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub metadata: ListMeta,
    #[serde(default = "Option::default")]
    pub items: Option<Vec<T>>,
}

impl<T> ListBody<T> {
    pub(crate) fn into_object_list(self) -> ObjectList<T> {
        ObjectList {
            items: self.items.unwrap_or_default(),
            resource_version: self.metadata.resource_version.unwrap_or_default(),
            continue_token: self.metadata.continue_.unwrap_or_default(),
            remaining_item_count: self.metadata.remaining_item_count,
        }
    }
}

/// Go's `time.Duration.String()` for whole seconds (`7m11s`, `1h0m0s`).
pub(crate) fn go_duration_seconds(seconds: i64) -> String {
    if seconds == 0 {
        return "0s".to_string();
    }
    let sign = if seconds < 0 { "-" } else { "" };
    let s = seconds.unsigned_abs();
    let (h, m, s) = (s / 3600, (s % 3600) / 60, s % 60);
    if h > 0 {
        format!("{sign}{h}h{m}m{s}s")
    } else if m > 0 {
        format!("{sign}{m}m{s}s")
    } else {
        format!("{sign}{s}s")
    }
}

/// The query of a list or watch: the options, plus client-go's `timeout` when
/// `timeoutSeconds` is set.
pub(crate) fn list_query(opts: &ListOptions, watch: bool) -> Vec<(&'static str, String)> {
    let mut q = opts.query_pairs(watch);
    if let Some(t) = opts.timeout_seconds {
        q.push(("timeout", go_duration_seconds(t)));
    }
    q
}

/// Decodes a delete answer: a `Status` or the object.
pub(crate) fn decode_delete<T: DeserializeOwned>(body: &[u8]) -> Result<DeleteResponse<T>, Error> {
    let value: Value = decode(body)?;
    if value.get("kind").and_then(Value::as_str) == Some("Status") {
        let s = StatusError::from_value(value).map_err(|e| Error::Decode {
            what: "the delete response".into(),
            source: serde::de::Error::custom(e.to_string()),
        })?;
        if s.status().status.as_deref() == Some("Failure") {
            return Err(Error::Api(s));
        }
        return Ok(DeleteResponse::Status(Box::new(s.into_status())));
    }
    serde_json::from_value(value)
        .map(DeleteResponse::Object)
        .map_err(|source| Error::Decode { what: "the delete response".into(), source })
}

/// Requests on one resource path.
#[derive(Debug, Clone)]
pub(crate) struct RawApi {
    pub(crate) client: Client,
    pub(crate) path: ResourcePath,
}

impl RawApi {
    fn tag(&self, req: Request, name: &str) -> Request {
        req.for_resource(self.path.group(), self.path.plural(), name)
    }

    pub(crate) async fn get<T: DeserializeOwned>(&self, name: &str) -> Result<T, Error> {
        let req = self.tag(Request::get(self.path.item(name)?), name);
        self.client.send_json(req).await
    }

    pub(crate) async fn list<T: DeserializeOwned>(
        &self,
        opts: &ListOptions,
    ) -> Result<ListBody<T>, Error> {
        decode(&self.list_body(opts).await?)
    }

    /// The undecoded body of a list call, once known not to be a failure `Status`.
    pub(crate) async fn list_body(&self, opts: &ListOptions) -> Result<Bytes, Error> {
        let mut req = self.tag(Request::get(self.path.collection()?), "");
        req = req.queries(list_query(opts, false));
        if let Some(t) = opts.timeout_seconds.filter(|t| *t > 0) {
            req = req.timeout(Duration::from_secs(t.unsigned_abs()));
        }
        let resp = self.client.send(req).await?;
        failure_status(&resp.body)?;
        Ok(resp.body)
    }

    pub(crate) async fn watch<T: DeserializeOwned>(
        &self,
        opts: &ListOptions,
    ) -> Result<EventStream<T>, Error> {
        let req =
            self.tag(Request::get(self.path.collection()?), "").queries(list_query(opts, true));
        let deadline = opts
            .timeout_seconds
            .filter(|t| *t > 0)
            .map(|t| tokio::time::Instant::now() + Duration::from_secs(t.unsigned_abs()));
        Ok(self.client.watch(req).await?.with_deadline(deadline))
    }

    pub(crate) async fn create<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        pp: &PostParams,
        body: &B,
    ) -> Result<T, Error> {
        let req =
            self.tag(Request::post(self.path.create()?), "").queries(pp.query()).json(body)?;
        self.client.send_json(req).await
    }

    pub(crate) async fn replace<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        name: &str,
        pp: &PostParams,
        body: &B,
    ) -> Result<T, Error> {
        let req =
            self.tag(Request::put(self.path.item(name)?), name).queries(pp.query()).json(body)?;
        self.client.send_json(req).await
    }

    pub(crate) async fn patch<T: DeserializeOwned, P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<T, Error> {
        let req = self
            .tag(Request::patch(self.path.item(name)?), name)
            .queries(pp.query())
            .body(patch.body()?, patch.content_type());
        self.client.send_json(req).await
    }

    pub(crate) async fn delete<T: DeserializeOwned>(
        &self,
        name: &str,
        dp: &DeleteParams,
    ) -> Result<DeleteResponse<T>, Error> {
        let req = self.tag(Request::delete(self.path.item(name)?), name).json(&dp.body())?;
        let resp = self.client.send(req).await?;
        decode_delete(&resp.body)
    }

    pub(crate) async fn delete_collection<T: DeserializeOwned>(
        &self,
        dp: &DeleteParams,
        lp: &ListOptions,
    ) -> Result<DeleteResponse<ListBody<T>>, Error> {
        let req = self
            .tag(Request::delete(self.path.collection()?), "")
            .queries(list_query(lp, false))
            .json(&dp.body())?;
        let resp = self.client.send(req).await?;
        decode_delete(&resp.body)
    }

    pub(crate) async fn get_subresource<T: DeserializeOwned>(
        &self,
        name: &str,
        subresource: &str,
        query: Vec<(&'static str, String)>,
    ) -> Result<T, Error> {
        let req =
            self.tag(Request::get(self.path.subresource(name, subresource)?), name).queries(query);
        self.client.send_json(req).await
    }

    pub(crate) async fn create_subresource<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        name: &str,
        subresource: &str,
        pp: &PostParams,
        body: &B,
    ) -> Result<T, Error> {
        let req = self
            .tag(Request::post(self.path.subresource(name, subresource)?), name)
            .queries(pp.query())
            .json(body)?;
        self.client.send_json(req).await
    }

    pub(crate) async fn replace_subresource<T: DeserializeOwned, B: Serialize + ?Sized>(
        &self,
        name: &str,
        subresource: &str,
        pp: &PostParams,
        body: &B,
    ) -> Result<T, Error> {
        let req = self
            .tag(Request::put(self.path.subresource(name, subresource)?), name)
            .queries(pp.query())
            .json(body)?;
        self.client.send_json(req).await
    }

    pub(crate) async fn patch_subresource<T: DeserializeOwned, P: Serialize>(
        &self,
        name: &str,
        subresource: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<T, Error> {
        let req = self
            .tag(Request::patch(self.path.subresource(name, subresource)?), name)
            .queries(pp.query())
            .body(patch.body()?, patch.content_type());
        self.client.send_json(req).await
    }
}
