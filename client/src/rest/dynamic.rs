//! [`DynamicApi`]: the verbs over `serde_json::Value` for any group/version/resource (client-go's
//! dynamic client), for kinds without a Rust type such as custom resources.

use apimachinery::runtime::ResourceInfo;
use apimachinery::schema::GroupVersionResource;
use serde::Serialize;
use serde_json::Value;

use super::client::Client;
use super::error::Error;
use super::params::{DeleteParams, DeleteResponse, Patch, PatchParams, PostParams};
use super::raw::{ListBody, RawApi};
use super::url::ResourcePath;
use super::watch::EventStream;
use crate::cache::{ListOptions, ObjectList};

/// The verbs of one resource, objects as JSON values.
#[derive(Debug, Clone)]
pub struct DynamicApi {
    pub(crate) raw: RawApi,
    gvr: GroupVersionResource,
}

/// Sets `apiVersion` and `kind` on list items that lack them, from the list's own (a
/// `ConfigMapList` holds `ConfigMap`s), as client-go's unstructured list decoding does.
fn fill_item_kinds(list: ListBody<Value>) -> ObjectList<Value> {
    let api_version = list.api_version.clone().unwrap_or_default();
    let kind = list.kind.as_deref().and_then(|k| k.strip_suffix("List")).map(str::to_string);
    let mut out = list.into_object_list();
    for item in &mut out.items {
        let Some(obj) = item.as_object_mut() else { continue };
        if !obj.contains_key("apiVersion") && !api_version.is_empty() {
            obj.insert("apiVersion".into(), Value::String(api_version.clone()));
        }
        if let Some(kind) = &kind
            && !obj.contains_key("kind")
        {
            obj.insert("kind".into(), Value::String(kind.clone()));
        }
    }
    out
}

impl DynamicApi {
    /// The resource `gvr`, in `namespace` when given (`None`: cluster-scoped, or every
    /// namespace for list and watch).
    pub fn new(client: Client, gvr: GroupVersionResource, namespace: Option<&str>) -> Self {
        let path = ResourcePath::new(&gvr.group, &gvr.version, &gvr.resource, namespace);
        DynamicApi { raw: RawApi { client, path }, gvr }
    }

    /// The resource `gvr` in `namespace`.
    pub fn namespaced(client: Client, gvr: GroupVersionResource, namespace: &str) -> Self {
        Self::new(client, gvr, Some(namespace))
    }

    /// The resource `gvr` cluster-wide or across all namespaces.
    pub fn all(client: Client, gvr: GroupVersionResource) -> Self {
        Self::new(client, gvr, None)
    }

    /// The resource a RESTMapper found; `namespace` is dropped for cluster-scoped resources.
    pub fn for_mapping(client: Client, mapping: &ResourceInfo, namespace: Option<&str>) -> Self {
        let namespace = if mapping.namespaced { namespace } else { None };
        Self::new(client, mapping.gvr(), namespace)
    }

    /// The group/version/resource.
    pub fn gvr(&self) -> &GroupVersionResource {
        &self.gvr
    }

    /// The namespace, when bound to one.
    pub fn namespace(&self) -> Option<&str> {
        self.raw.path.namespace()
    }

    /// `GET` one object.
    pub async fn get(&self, name: &str) -> Result<Value, Error> {
        self.raw.get(name).await
    }

    /// Lists objects; items carry `apiVersion` and `kind`.
    pub async fn list(&self, opts: &ListOptions) -> Result<ObjectList<Value>, Error> {
        Ok(fill_item_kinds(self.raw.list::<Value>(opts).await?))
    }

    /// Watches objects.
    pub async fn watch(&self, opts: &ListOptions) -> Result<EventStream<Value>, Error> {
        self.raw.watch(opts).await
    }

    /// Creates an object.
    pub async fn create(&self, pp: &PostParams, obj: &Value) -> Result<Value, Error> {
        self.raw.create(pp, obj).await
    }

    /// Replaces the object `name`.
    pub async fn replace(&self, name: &str, pp: &PostParams, obj: &Value) -> Result<Value, Error> {
        self.raw.replace(name, pp, obj).await
    }

    /// Patches the object `name`.
    pub async fn patch<P: Serialize>(
        &self,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<Value, Error> {
        self.raw.patch(name, pp, patch).await
    }

    /// Deletes the object `name`.
    pub async fn delete(
        &self,
        name: &str,
        dp: &DeleteParams,
    ) -> Result<DeleteResponse<Value>, Error> {
        self.raw.delete(name, dp).await
    }

    /// Deletes every object `lp` selects.
    pub async fn delete_collection(
        &self,
        dp: &DeleteParams,
        lp: &ListOptions,
    ) -> Result<DeleteResponse<ObjectList<Value>>, Error> {
        Ok(match self.raw.delete_collection::<Value>(dp, lp).await? {
            DeleteResponse::Object(list) => DeleteResponse::Object(fill_item_kinds(list)),
            DeleteResponse::Status(s) => DeleteResponse::Status(s),
        })
    }

    /// `GET` a subresource of the object `name`.
    pub async fn get_subresource(&self, subresource: &str, name: &str) -> Result<Value, Error> {
        self.raw.get_subresource(name, subresource, Vec::new()).await
    }

    /// `POST` to a subresource of the object `name`.
    pub async fn create_subresource(
        &self,
        subresource: &str,
        name: &str,
        pp: &PostParams,
        body: &Value,
    ) -> Result<Value, Error> {
        self.raw.create_subresource(name, subresource, pp, body).await
    }

    /// `PUT` a subresource of the object `name`.
    pub async fn replace_subresource(
        &self,
        subresource: &str,
        name: &str,
        pp: &PostParams,
        body: &Value,
    ) -> Result<Value, Error> {
        self.raw.replace_subresource(name, subresource, pp, body).await
    }

    /// `PATCH` a subresource of the object `name`.
    pub async fn patch_subresource<P: Serialize>(
        &self,
        subresource: &str,
        name: &str,
        pp: &PatchParams,
        patch: &Patch<P>,
    ) -> Result<Value, Error> {
        self.raw.patch_subresource(name, subresource, pp, patch).await
    }
}
