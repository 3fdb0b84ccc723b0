//! [`ListerWatcher`] over the REST client: what a reflector lists and watches through, for a
//! typed [`Api`] and for a [`DynamicApi`].

use k8s_openapi::Resource;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::dynamic::DynamicApi;
use super::typed::Api;
use super::watch::EventStream;
use crate::cache::{
    BoxFuture, ListOptions, ListWatchError, ListerWatcher, ObjectList, WatchEvent, WatchStream,
};

impl<T: DeserializeOwned + Send> WatchStream<T> for EventStream<T> {
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
