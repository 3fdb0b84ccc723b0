//! Document shape checks mirroring what kubectl and client-go read from the documents.

use std::sync::OnceLock;

use prost::Message;
use serde_json::Value;

use super::*;

fn api() -> &'static OpenApi {
    static API: OnceLock<OpenApi> = OnceLock::new();
    API.get_or_init(|| OpenApi::builtin("v1.35.0"))
}

fn v3(key: &str) -> Value {
    let (body, _) = api().v3_group_version(key).expect("served group/version");
    serde_json::from_slice(body).expect("JSON document")
}

/// kubectl's `supportsQueryParamV3`: the PATCH operation carrying the GVK must list the query
/// parameter; `None` when no PATCH operation carries the GVK.
fn patch_has_query_param(doc: &Value, gvk: (&str, &str, &str), param: &str) -> Option<bool> {
    let paths = doc["paths"].as_object()?;
    for item in paths.values() {
        let Some(op) = item.get("patch") else { continue };
        let g = &op["x-kubernetes-group-version-kind"];
        if g["group"] != gvk.0 || g["version"] != gvk.1 || g["kind"] != gvk.2 {
            continue;
        }
        let params = op["parameters"].as_array().cloned().unwrap_or_default();
        return Some(params.iter().any(|p| p["name"] == param && p["in"] == "query"));
    }
    None
}

type Gvk<'a> = (&'a str, &'a str, &'a str);

#[test]
fn test_query_param_verifier_v3_finds_field_validation() {
    // (document, gvk, expected)
    let cases: &[(&str, Gvk, Option<bool>)] = &[
        ("apis/apps/v1", ("apps", "v1", "Deployment"), Some(true)),
        ("api/v1", ("", "v1", "Pod"), Some(true)),
        ("api/v1", ("", "v1", "Namespace"), Some(true)),
        ("apis/autoscaling/v2", ("autoscaling", "v2", "HorizontalPodAutoscaler"), Some(true)),
        // Create-only kinds have no PATCH operation: kubectl falls back to the v2 document.
        ("apis/authentication.k8s.io/v1", ("authentication.k8s.io", "v1", "TokenReview"), None),
    ];
    for (key, gvk, want) in cases {
        assert_eq!(
            patch_has_query_param(&v3(key), *gvk, "fieldValidation"),
            *want,
            "{key} {gvk:?}"
        );
    }
}

#[test]
fn test_patch_meta_from_openapi_v3() {
    // (document, definition, field, strategy, merge key)
    let cases: &[(&str, &str, &str, &str, Option<&str>)] = &[
        ("apis/apps/v1", "io.k8s.api.core.v1.PodSpec", "containers", "merge", Some("name")),
        ("apis/apps/v1", "io.k8s.api.core.v1.PodSpec", "volumes", "merge,retainKeys", Some("name")),
        ("apis/apps/v1", "io.k8s.api.core.v1.Container", "ports", "merge", Some("containerPort")),
        ("apis/apps/v1", "io.k8s.api.apps.v1.DeploymentSpec", "strategy", "retainKeys", None),
        (
            "api/v1",
            "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta",
            "ownerReferences",
            "merge",
            Some("uid"),
        ),
        ("api/v1", "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", "finalizers", "merge", None),
    ];
    for (key, def, field, strategy, merge_key) in cases {
        let doc = v3(key);
        let prop = &doc["components"]["schemas"][def]["properties"][field];
        assert_eq!(prop["x-kubernetes-patch-strategy"], *strategy, "{def}.{field}");
        assert_eq!(prop["x-kubernetes-patch-merge-key"].as_str(), *merge_key, "{def}.{field}");
    }
}

#[test]
fn test_explain_finds_gvk_on_operations_and_schemas() {
    let doc = v3("apis/apps/v1");
    let path = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments"];
    assert_eq!(path["get"]["x-kubernetes-group-version-kind"]["kind"], "Deployment");
    let deployment = &doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"];
    assert_eq!(
        deployment["x-kubernetes-group-version-kind"],
        serde_json::json!([{"group": "apps", "kind": "Deployment", "version": "v1"}])
    );
    // v3 wraps a reference with siblings in allOf, which explain's templates and the patch
    // lookup resolve.
    assert_eq!(
        deployment["properties"]["spec"]["allOf"][0]["$ref"],
        "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec"
    );
    assert!(deployment.get("required").is_none(), "kinds do not require metadata");
    // The strategic-merge media type is what makes client-side apply use the v3 schema.
    let patch = &doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"];
    assert!(patch["requestBody"]["content"]["application/strategic-merge-patch+json"].is_object());
}

#[test]
fn test_v3_index_lists_every_group_version_with_its_hash() {
    let index = api().v3_index();
    for gv in ResourceTable::builtin().group_versions() {
        let key = paths::gv_key(&gv.group, &gv.version);
        let url = index["paths"][&key]["serverRelativeURL"].as_str().expect("listed");
        let (_, tag) = api().v3_group_version(&key).expect("served");
        assert_eq!(url, format!("/openapi/v3/{key}?hash={tag}"));
        assert_eq!(tag.len(), 128);
    }
    assert!(api().v3_group_version("apis/nothing.example.com/v1").is_none());
}

#[test]
fn test_v2_protobuf_decodes_for_query_param_verifier() {
    let doc = proto::Document::decode(api().v2_protobuf()).expect("gnostic Document");
    assert_eq!(doc.swagger, "2.0");
    let item = doc
        .paths
        .as_ref()
        .and_then(|p| {
            p.path
                .iter()
                .find(|p| p.name == "/apis/apps/v1/namespaces/{namespace}/deployments/{name}")
        })
        .and_then(|p| p.value.clone())
        .expect("deployment path");
    let patch = item.patch.expect("patch operation");
    let gvk = patch.vendor_extension.iter().find(|e| e.name == "x-kubernetes-group-version-kind");
    let yaml = gvk.and_then(|e| e.value.as_ref()).map(|v| v.yaml.clone()).unwrap_or_default();
    let parsed: Value = serde_json::from_str(&yaml).expect("extension value");
    assert_eq!(parsed["kind"], "Deployment");
    let names: Vec<String> = patch
        .parameters
        .iter()
        .filter_map(|p| match &p.oneof {
            Some(proto::parameters_item::Oneof::Parameter(proto::Parameter {
                oneof: Some(proto::parameter::Oneof::NonBodyParameter(nb)),
            })) => match &nb.oneof {
                Some(proto::non_body_parameter::Oneof::QueryParameterSubSchema(q)) => {
                    Some(q.name.clone())
                }
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert!(names.contains(&"fieldValidation".to_string()), "{names:?}");
    // Every definition kubectl's model parser meets must resolve its references.
    let defs = doc.definitions.expect("definitions").additional_properties;
    let deployment = defs.iter().find(|d| d.name == "io.k8s.api.apps.v1.Deployment").expect("kind");
    let ext = &deployment.value.as_ref().expect("schema").vendor_extension;
    assert!(ext.iter().any(|e| e.name == "x-kubernetes-group-version-kind"));
    let names: std::collections::HashSet<&str> = defs.iter().map(|d| d.name.as_str()).collect();
    let json: Value = serde_json::from_slice(api().v2_json()).expect("v2 JSON");
    let mut refs = Vec::new();
    schemas::collect_refs(&json, &mut refs);
    assert!(refs.iter().all(|r| names.contains(r.as_str())));
}

#[test]
fn test_handler_responses() {
    let (_, tag) = api().v3_group_version("apis/apps/v1").expect("served");
    let tag = tag.to_string();
    let ok_type = |r: Option<Response>| match r {
        Some(Response::Ok { content_type, .. }) => content_type.to_string(),
        other => format!("{other:?}"),
    };
    // (path, query, accept, expected content type or response prefix)
    let cases: &[(&str, String, &str, &str)] = &[
        ("/openapi/v2", String::new(), V2_PROTOBUF_ACCEPT, V2_PROTOBUF_CONTENT_TYPE),
        ("/openapi/v2", String::new(), "application/json", "application/json"),
        ("/openapi/v2", String::new(), "text/html", "Some(NotAcceptable)"),
        ("/openapi/v3", String::new(), "", "text/plain; charset=utf-8"),
        ("/openapi/v3/apis/apps/v1", format!("hash={tag}"), "application/json", "application/json"),
        (
            "/openapi/v3/apis/apps/v1",
            "hash=stale".into(),
            "application/json",
            "Some(MovedPermanently",
        ),
        ("/openapi/v3/apis/none/v1", String::new(), "application/json", "Some(NotFound)"),
    ];
    for (path, query, accept, want) in cases {
        let got = ok_type(api().serve(path, query, accept, None));
        assert!(got.starts_with(want), "{path}?{query}: {got}");
    }
    match api().serve("/openapi/v3/apis/apps/v1", &format!("hash={tag}"), "*/*", None) {
        Some(Response::Ok { headers, .. }) => {
            assert!(headers.contains(&("Cache-Control", "public, immutable".to_string())));
            assert!(headers.contains(&("ETag", format!("\"{tag}\""))));
        }
        other => panic!("{other:?}"),
    }
    let quoted = format!("\"{tag}\"");
    let not_modified = api().serve("/openapi/v3/apis/apps/v1", "", "", Some(&quoted));
    assert!(matches!(not_modified, Some(Response::NotModified { .. })));
}

#[test]
fn test_custom_resources_publish_without_strategic_merge() {
    let mut api = OpenApi::builtin("v1.35.0");
    api.add_custom_resource(CustomResourceVersion {
        group: "stable.example.com".into(),
        version: "v1".into(),
        kind: "CronTab".into(),
        list_kind: "CronTabList".into(),
        plural: "crontabs".into(),
        namespaced: true,
        schema: Some(
            serde_json::json!({"type": "object", "properties": {"spec": {"type": "object"}}}),
        ),
        status: true,
        scale: false,
    });
    let key = "apis/stable.example.com/v1";
    assert!(api.v3_index()["paths"][key].is_object());
    let (body, _) = api.v3_group_version(key).expect("served");
    let doc: Value = serde_json::from_slice(body).expect("JSON");
    assert_eq!(
        patch_has_query_param(&doc, ("stable.example.com", "v1", "CronTab"), "fieldValidation"),
        Some(true)
    );
    let patch = &doc["paths"]["/apis/stable.example.com/v1/namespaces/{namespace}/crontabs/{name}"]
        ["patch"];
    assert!(
        patch["requestBody"]["content"].get("application/strategic-merge-patch+json").is_none()
    );
    assert!(doc["components"]["schemas"]["com.example.stable.v1.CronTab"].is_object());
    assert!(api.remove_custom_resource("stable.example.com", "v1", "crontabs"));
    assert!(api.v3_group_version(key).is_none());
}
