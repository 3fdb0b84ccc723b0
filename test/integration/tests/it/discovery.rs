//! Discovery and the RESTMapper against the server's aggregated discovery documents.

use apimachinery::schema::{GroupKind, GroupVersion, GroupVersionResource};
use client::discovery::{DiscoveryClient, RestMapper};
use client::rest::DynamicApi;

use crate::Cluster;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discovery_and_rest_mapper() -> anyhow::Result<()> {
    let cluster = Cluster::start().await?;
    let discovery = DiscoveryClient::new(cluster.client.clone());
    let version = discovery.server_version().await?;
    assert_eq!((version.major.as_str(), version.minor.as_str()), ("1", "35"));

    let table = discovery.resources().await?;
    assert_eq!(table.groups()[0].name, "", "the core group comes first");
    let apps = table.group("apps").expect("apps group");
    assert_eq!(apps.preferred_version(), Some("v1"));
    let deployments =
        table.by_gvr(&GroupVersionResource::new("apps", "v1", "deployments")).expect("deployments");
    assert_eq!(deployments.kind, "Deployment");
    assert!(deployments.short_names.iter().any(|s| s == "deploy"));
    let scale = deployments.subresource("scale").expect("scale subresource");
    assert_eq!((scale.group.as_str(), scale.kind.as_str()), ("autoscaling", "Scale"));
    let core = discovery.server_resources_for_group_version(&GroupVersion::new("", "v1")).await?;
    assert!(core.iter().any(|r| r.resource == "configmaps" && r.namespaced));

    let mapper = RestMapper::new(discovery.clone());
    for arg in [
        "deployments",
        "deploy",
        "deployment",
        "Deployment",
        "deployments.apps",
        "deployments.v1.apps",
    ] {
        let (info, _) = mapper.resolve(arg).await?;
        assert_eq!(info.gvr(), GroupVersionResource::new("apps", "v1", "deployments"), "{arg}");
        assert!(info.namespaced);
    }
    let mapping = mapper.rest_mapping(&GroupKind::new("apps", "Deployment"), &["v1"]).await?;
    assert_eq!(mapping.resource, "deployments");
    let ns = mapper.kind_for(&GroupVersionResource::new("", "", "ns")).await?;
    assert_eq!((ns.group.as_str(), ns.version.as_str(), ns.kind.as_str()), ("", "v1", "Namespace"));
    assert_eq!(mapper.resource_singularizer("deployments").await?, "deployment");
    let err = mapper.resolve("florps").await.expect_err("unknown");
    assert!(err.is_no_match());
    assert_eq!(err.to_string(), "the server doesn't have a resource type \"florps\"");

    // A mapping drives the dynamic client.
    let cm = mapper.resolve("cm").await?.0;
    let api = DynamicApi::for_mapping(cluster.client.clone(), &cm, Some("kube-system"));
    let list = api.list(&Default::default()).await?;
    assert!(!list.resource_version.is_empty());
    let nodes = mapper.resolve("nodes").await?.0;
    assert!(
        DynamicApi::for_mapping(cluster.client.clone(), &nodes, Some("ignored"))
            .namespace()
            .is_none()
    );
    cluster.stop().await;
    Ok(())
}
