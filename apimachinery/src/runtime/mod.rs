//! Runtime facts about served resources, as k8s.io/apimachinery's `runtime` and `api/meta`
//! packages provide them: the built-in resource table of kube-apiserver v1.35 (names, short
//! names, categories, scope, verbs, subresources, API groups in discovery order) and the
//! RESTMapper lookups clients resolve typed names with.

mod builtin;
mod mapper;
mod table;

#[cfg(test)]
mod tests;

pub use mapper::{MapperError, Resolved};
pub use table::{
    ApiGroupInfo, ApiServicePriority, ApiVersionInfo, ResourceInfo, ResourceTable, SubresourceInfo,
    TableError,
};
