//! [`Api<K>`]: the verbs of one built-in kind over its k8s-openapi type (client-go's typed
//! clientset), with the `status`, `scale`, `eviction`, `binding`, `log` and `token`
//! subresources.

use std::marker::PhantomData;

use bytes::Bytes;
use http_body_util::BodyExt;
use k8s_openapi::api::authentication::v1::TokenRequest;
use k8s_openapi::api::autoscaling::v1::Scale;
use k8s_openapi::api::core::v1::{Binding, Pod, ServiceAccount};
use k8s_openapi::api::policy::v1::Eviction;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use k8s_openapi::{ClusterResourceScope, Metadata, NamespaceResourceScope, Resource};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::client::Client;
use super::error::{BoxError, Error};
use super::params::{DeleteParams, DeleteResponse, LogParams, Patch, PatchParams, PostParams};
use super::raw::RawApi;
use super::request::Request;
use super::url::ResourcePath;
use super::watch::EventStream;
use crate::cache::{ListOptions, ObjectList};

/// The verbs of the kind `K`, in one namespace, across all namespaces, or cluster-wide.
pub struct Api<K> {
    pub(crate) raw: RawApi,
    _kind: PhantomData<fn() -> K>,
}

impl<K> Clone for Api<K> {
    fn clone(&self) -> Self {
        Api { raw: self.raw.clone(), _kind: PhantomData }
    }
}

impl<K: Resource> std::fmt::Debug for Api<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Api")
            .field("kind", &K::KIND)
            .field("api_version", &K::API_VERSION)
            .field("namespace", &self.raw.path.namespace())
            .finish()
    }
}

impl<K: Resource> Api<K> {
    fn with_namespace(client: Client, namespace: Option<&str>) -> Self {
        let path = ResourcePath::new(K::GROUP, K::VERSION, K::URL_PATH_SEGMENT, namespace);
        Api { raw: RawApi { client, path }, _kind: PhantomData }
    }

    /// Objects of a namespaced kind in `namespace`.
    pub fn namespaced(client: Client, namespace: &str) -> Self
    where
        K: Resource<Scope = NamespaceResourceScope>,
    {
        Self::with_namespace(client, Some(namespace))
    }

    /// Objects of a namespaced kind in the kubeconfig context's namespace.
    pub fn default_namespaced(client: Client) -> Self
    where
        K: Resource<Scope = NamespaceResourceScope>,
    {
        let ns = client.default_namespace().to_string();
        Self::with_namespace(client, Some(&ns))
    }

    /// Objects of a cluster-scoped kind.
    pub fn cluster(client: Client) -> Self
    where
        K: Resource<Scope = ClusterResourceScope>,
    {
        Self::with_namespace(client, None)
    }

    /// Objects across all namespaces (for list, watch and deletecollection; a namespaced kind
    /// needs a namespace for the other verbs).
    pub fn all(client: Client) -> Self {
        Self::with_namespace(client, None)
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.raw.client
    }

    /// The namespace, when bound to one.
    pub fn namespace(&self) -> Option<&str> {
        self.raw.path.namespace()
    }

    /// Where the requests go.
    pub fn resource_path(&self) -> &ResourcePath {
        &self.raw.path
    }
}

impl<K> Api<K>
where
    K: Resource + Metadata<Ty = ObjectMeta> + Serialize + DeserializeOwned,
{
    /// `GET` one object.
    pub async fn get(&self, name: &str) -> Result<K, Error> {
        self.raw.get(name).await
    }

    /// `GET` one object; `None` when it does not exist.
    pub async fn get_opt(&self, name: &str) -> Result<Option<K>, Error> {
        match self.raw.get(name).await {
            Ok(o) => Ok(Some(o)),
            Err(e) if e.is_not_found() => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Lists objects (one page when `opts.limit` is set).
    pub async fn list(&self, opts: &ListOptions) -> Result<ObjectList<K>, Error> {
        Ok(self.raw.list::<K>(opts).await?.into_object_list())
    }

    /// Watches objects; the events follow through the returned stream.
    pub async fn watch(&self, opts: &ListOptions) -> Result<EventStream<K>, Error> {
        self.raw.watch(opts).await
    }

    /// Creates an object.
    pub async fn create(&self, pp: &PostParams, obj: &K) -> Result<K, Error> {
        self.raw.create(pp, obj).await
    }

    /// Replaces (updates) the object `name`; `obj.metadata.resourceVersion`, when set, must be
    /// current or the answer is a 409 Conflict.
    pub async fn replace(&self, name: &str, pp: &PostParams, obj: &K) -> Result<K, Error> {
        self.raw.replace(name, pp, obj).await
    }

    /// Patches the object `name`.
    pub async fn patch<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<K, Error> {
        self.raw.patch(name, pp, patch).await
    }

    /// Deletes the object `name`.
    pub async fn delete(&self, name: &str, dp: &DeleteParams) -> Result<DeleteResponse<K>, Error> {
        self.raw.delete(name, dp).await
    }

    /// Deletes every object `lp` selects.
    pub async fn delete_collection(
        &self,
        dp: &DeleteParams,
        lp: &ListOptions,
    ) -> Result<DeleteResponse<ObjectList<K>>, Error> {
        Ok(match self.raw.delete_collection::<K>(dp, lp).await? {
            DeleteResponse::Object(list) => DeleteResponse::Object(list.into_object_list()),
            DeleteResponse::Status(s) => DeleteResponse::Status(s),
        })
    }

    /// `GET` the `status` subresource.
    pub async fn get_status(&self, name: &str) -> Result<K, Error> {
        self.raw.get_subresource(name, "status", Vec::new()).await
    }

    /// `PUT` the `status` subresource.
    pub async fn replace_status(&self, name: &str, pp: &PostParams, obj: &K) -> Result<K, Error> {
        self.raw.replace_subresource(name, "status", pp, obj).await
    }

    /// `PATCH` the `status` subresource.
    pub async fn patch_status<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<K, Error> {
        self.raw.patch_subresource(name, "status", pp, patch).await
    }

    /// `GET` the `scale` subresource.
    pub async fn get_scale(&self, name: &str) -> Result<Scale, Error> {
        self.raw.get_subresource(name, "scale", Vec::new()).await
    }

    /// `PUT` the `scale` subresource.
    pub async fn replace_scale(
        &self,
        name: &str,
        pp: &PostParams,
        scale: &Scale,
    ) -> Result<Scale, Error> {
        self.raw.replace_subresource(name, "scale", pp, scale).await
    }

    /// `PATCH` the `scale` subresource.
    pub async fn patch_scale<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<Scale, Error> {
        self.raw.patch_subresource(name, "scale", pp, patch).await
    }

    /// `GET` any subresource of the object `name`, decoded as `T`.
    pub async fn get_subresource<T: DeserializeOwned>(
        &self,
        subresource: &str,
        name: &str,
    ) -> Result<T, Error> {
        self.raw.get_subresource(name, subresource, Vec::new()).await
    }

    /// `POST` to any subresource of the object `name`.
    pub async fn create_subresource<T: DeserializeOwned, B: Serialize>(
        &self,
        subresource: &str,
        name: &str,
        pp: &PostParams,
        body: &B,
    ) -> Result<T, Error> {
        self.raw.create_subresource(name, subresource, pp, body).await
    }
}

impl Api<Pod> {
    /// Evicts the pod `name` (`pods/eviction`), honouring PodDisruptionBudgets.
    pub async fn create_eviction(&self, name: &str, eviction: &Eviction) -> Result<(), Error> {
        let _: serde_json::Value =
            self.raw.create_subresource(name, "eviction", &PostParams::default(), eviction).await?;
        Ok(())
    }

    /// Binds a pod to a node (`pods/binding`); the pod is the binding's `metadata.name`.
    pub async fn create_binding(&self, binding: &Binding, pp: &PostParams) -> Result<(), Error> {
        let name = binding.metadata.name.as_deref().unwrap_or("");
        let _: serde_json::Value =
            self.raw.create_subresource(name, "binding", pp, binding).await?;
        Ok(())
    }

    fn log_request(&self, name: &str, lp: &LogParams) -> Result<Request, Error> {
        Ok(Request::get(self.raw.path.subresource(name, "log")?)
            .for_resource("", "pods", name)
            .queries(lp.query()))
    }

    /// The pod's log as text (without following).
    pub async fn logs(&self, name: &str, lp: &LogParams) -> Result<String, Error> {
        let lp = LogParams { follow: false, ..lp.clone() };
        let resp = self.raw.client.send(self.log_request(name, &lp)?).await?;
        Ok(String::from_utf8_lossy(&resp.body).into_owned())
    }

    /// The pod's log as a stream of chunks (following when `lp.follow` is set).
    pub async fn log_stream(&self, name: &str, lp: &LogParams) -> Result<LogStream, Error> {
        let req = self.log_request(name, lp)?;
        let url = self.raw.client.url(&req);
        let resp = self.raw.client.send_streaming(req).await?;
        Ok(LogStream { body: resp.into_body(), url })
    }
}

impl Api<ServiceAccount> {
    /// Requests a token for the service account `name` (`serviceaccounts/token`).
    pub async fn create_token(
        &self,
        name: &str,
        request: &TokenRequest,
        pp: &PostParams,
    ) -> Result<TokenRequest, Error> {
        self.raw.create_subresource(name, "token", pp, request).await
    }
}

/// Log bytes as they arrive.
#[derive(Debug)]
pub struct LogStream {
    body: hyper::body::Incoming,
    url: String,
}

impl LogStream {
    /// The next chunk; `None` when the log ends.
    pub async fn next(&mut self) -> Option<Result<Bytes, Error>> {
        loop {
            match self.body.frame().await? {
                Ok(frame) => {
                    if let Ok(data) = frame.into_data() {
                        return Some(Ok(data));
                    }
                }
                Err(e) => {
                    return Some(Err(Error::Transport {
                        op: "Get".into(),
                        url: self.url.clone(),
                        source: Box::new(e) as BoxError,
                    }));
                }
            }
        }
    }
}
