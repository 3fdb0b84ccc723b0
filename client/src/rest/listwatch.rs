//! [`ListerWatcher`] over the REST client: what a reflector lists and watches through, for a
//! typed [`Api`], for a [`DynamicApi`], and for a [`CompactApi`], which lists and watches a
//! typed kind as [`Compact`] objects without decoding them.

use k8s_openapi::Resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use serde_json::value::RawValue;

use super::dynamic::DynamicApi;
use super::error::Error;
use super::raw::ListBody;
use super::typed::Api;
use super::watch::{EventStream, FrameDecoder, RawFrame, decode_control_event};
use crate::cache::{
    BoxFuture, Compact, ListOptions, ListWatchError, ListerWatcher, ObjectList, WatchEvent,
    WatchStream,
};

impl<T: Send> WatchStream<T> for EventStream<T> {
    fn next(&mut self) -> BoxFuture<'_, Option<Result<WatchEvent<T>, ListWatchError>>> {
        Box::pin(async move { EventStream::next(self).await.map(|r| r.map_err(Into::into)) })
    }
}

impl<K> ListerWatcher<K> for Api<K>
where
    K: Resource
        + k8s_openapi::Metadata<Ty = ObjectMeta>
        + Serialize
        + DeserializeOwned
        + Send
        + Sync
        + 'static,
{
    fn list(&self, opts: ListOptions) -> BoxFuture<'_, Result<ObjectList<K>, ListWatchError>> {
        Box::pin(async move { Api::list(self, &opts).await.map_err(Into::into) })
    }

    fn watch(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'_, Result<Box<dyn WatchStream<K>>, ListWatchError>> {
        Box::pin(async move {
            let stream = Api::watch(self, &opts).await?;
            Ok(Box::new(stream) as Box<dyn WatchStream<K>>)
        })
    }
}

impl ListerWatcher<Value> for DynamicApi {
    fn list(&self, opts: ListOptions) -> BoxFuture<'_, Result<ObjectList<Value>, ListWatchError>> {
        Box::pin(async move { DynamicApi::list(self, &opts).await.map_err(Into::into) })
    }

    fn watch(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'_, Result<Box<dyn WatchStream<Value>>, ListWatchError>> {
        Box::pin(async move {
            let stream = DynamicApi::watch(self, &opts).await?;
            Ok(Box::new(stream) as Box<dyn WatchStream<Value>>)
        })
    }
}

/// Lists and watches the kind `K` as [`Compact`] objects: each object's JSON is kept as the
/// server sent it, with only its identifying metadata and labels read out, so an informer over
/// it caches about the size of the JSON and decodes nothing it is not asked for. Built by
/// [`Api::compact`]; cheap to clone.
pub struct CompactApi<K> {
    api: Api<K>,
}

impl<K> Clone for CompactApi<K> {
    fn clone(&self) -> Self {
        CompactApi { api: self.api.clone() }
    }
}

impl<K: Resource> std::fmt::Debug for CompactApi<K> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CompactApi").field("api", &self.api).finish()
    }
}

impl<K: Resource> Api<K> {
    /// The same objects listed and watched as [`Compact`] objects (for a
    /// `SharedIndexInformer<Compact<K>>`).
    pub fn compact(&self) -> CompactApi<K> {
        CompactApi { api: self.clone() }
    }
}

impl<K: Resource> CompactApi<K> {
    /// The typed API the requests go through.
    pub fn api(&self) -> &Api<K> {
        &self.api
    }

    /// Lists objects (one page when `opts.limit` is set), as [`Api::list`] does.
    pub async fn list(&self, opts: &ListOptions) -> Result<ObjectList<Compact<K>>, Error> {
        decode_compact_list(&self.api.raw.list_body(opts).await?)
    }

    /// Watches objects, as [`Api::watch`] does.
    pub async fn watch(&self, opts: &ListOptions) -> Result<EventStream<Compact<K>>, Error> {
        Ok(self.api.raw.watch::<Value>(opts).await?.with_frames(compact_frames::<K>))
    }
}

/// A list body whose items are kept as JSON: the list is read once with its items borrowed
/// from the body, then each item's metadata is read out of it.
fn decode_compact_list<K: Resource>(body: &[u8]) -> Result<ObjectList<Compact<K>>, Error> {
    let list: ListBody<&RawValue> = serde_json::from_slice(body)
        .map_err(|source| Error::Decode { what: "the response body as ListBody".into(), source })?;
    let list = list.into_object_list();
    let items = list
        .items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            Compact::from_json(item.get())
                .map_err(|source| Error::Decode { what: format!("item {i} of the list"), source })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(ObjectList {
        items,
        resource_version: list.resource_version,
        continue_token: list.continue_token,
        remaining_item_count: list.remaining_item_count,
    })
}

/// The frames of a watch of `K` as events of [`Compact`] objects.
fn compact_frames<K: Resource>(
    decoder: &mut FrameDecoder,
    chunk: &[u8],
) -> Vec<Result<WatchEvent<Compact<K>>, Error>> {
    decoder.push_raw(chunk, compact_event::<K>)
}

/// One frame as an event: the object of `ADDED`, `MODIFIED` and `DELETED` is kept as JSON; the
/// others are decoded as the typed watch decodes them.
fn compact_event<K: Resource>(frame: RawFrame<'_>) -> Result<WatchEvent<Compact<K>>, Error> {
    let object = frame.object.map_or("null", RawValue::get);
    let kind = frame.kind.as_str();
    let compact = || {
        Compact::from_json(object)
            .map_err(|source| Error::Decode { what: format!("a {kind} watch event"), source })
    };
    match kind {
        "ADDED" => Ok(WatchEvent::Added(compact()?)),
        "MODIFIED" => Ok(WatchEvent::Modified(compact()?)),
        "DELETED" => Ok(WatchEvent::Deleted(compact()?)),
        other => {
            let object: Value = serde_json::from_str(object)
                .map_err(|source| Error::Decode { what: "a watch event".into(), source })?;
            decode_control_event(other, object)
        }
    }
}

impl<K> ListerWatcher<Compact<K>> for CompactApi<K>
where
    K: Resource + Send + Sync + 'static,
{
    fn list(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'_, Result<ObjectList<Compact<K>>, ListWatchError>> {
        Box::pin(async move { CompactApi::list(self, &opts).await.map_err(Into::into) })
    }

    fn watch(
        &self,
        opts: ListOptions,
    ) -> BoxFuture<'_, Result<Box<dyn WatchStream<Compact<K>>>, ListWatchError>> {
        Box::pin(async move {
            let stream = CompactApi::watch(self, &opts).await?;
            Ok(Box::new(stream) as Box<dyn WatchStream<Compact<K>>>)
        })
    }
}

#[cfg(test)]
#[path = "listwatch_tests.rs"]
mod tests;
