//! Validation of CustomResourceDefinitions and the strategy of their objects, case by case
//! against upstream's messages (`pkg/apis/apiextensions/validation` and
//! `pkg/registry/customresource` tests).

use apimachinery::errors::field::Path;
use serde_json::{Value, json};

use super::definition::Definition;
use super::validation::{default_crd, prepare_crd, validate_create, validate_update};
use super::{schema, served_versions};
use crate::strategy::Strategy;

fn crd(versions: Value) -> Value {
    json!({
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {"name": "widgets.example.com"},
        "spec": {
            "group": "example.com",
            "names": {"kind": "Widget", "plural": "widgets"},
            "scope": "Namespaced",
            "versions": versions,
        },
    })
}

fn version(name: &str, storage: bool, schema: Value) -> Value {
    json!({"name": name, "served": true, "storage": storage, "schema": {"openAPIV3Schema": schema}})
}

fn create_errors(mut c: Value) -> Vec<String> {
    default_crd(&mut c);
    prepare_crd(&mut c, None);
    validate_create(&c).iter().map(ToString::to_string).collect()
}

/// Upstream's `TestValidateCustomResourceDefinition` cases, by their messages.
#[test]
fn test_validate_custom_resource_definition() {
    let ok = json!({"type": "object", "properties": {"spec": {"type": "object"}}});
    let cases: Vec<(&str, Value, Vec<&str>)> = vec![
        ("valid", crd(json!([version("v1", true, ok.clone())])), vec![]),
        (
            "no type at the root",
            crd(json!([version("v1", true, json!({"properties": {"spec": {"type": "object"}}}))])),
            vec![
                "spec.validation.openAPIV3Schema.type: Required value: must not be empty at the root",
            ],
        ),
        (
            "no type for a field",
            crd(json!([version("v1", true, json!({"type": "object", "properties": {"x": {}}}))])),
            vec![
                "spec.validation.openAPIV3Schema.properties[x].type: Required value: must not be empty for specified object fields",
            ],
        ),
        (
            "non-object root, per-version schemas",
            crd(json!([
                version("v1", true, json!({"type": "string"})),
                version("v2", false, ok.clone())
            ])),
            vec![
                r#"spec.versions[0].schema.openAPIV3Schema.type: Invalid value: "string": must be object at the root"#,
            ],
        ),
        (
            "no storage version",
            crd(json!([version("v1", false, ok.clone())])),
            vec![
                r#"spec.versions: Invalid value: []apiextensions.CustomResourceDefinitionVersion{apiextensions.CustomResourceDefinitionVersion{Name:"v1", Served:true, Storage:false, Deprecated:false, ...}}: must have exactly one version marked as storage version"#,
                "status.storedVersions: Invalid value: []string(nil): must have at least one stored version",
            ],
        ),
        (
            "missing schema",
            crd(json!([{"name": "v1", "served": true, "storage": true}])),
            vec!["spec.versions[0].schema.openAPIV3Schema: Required value"],
        ),
        (
            "bad version name",
            crd(json!([version("V1", true, ok.clone())])),
            vec![
                r#"spec.versions[0].name: Invalid value: "V1": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
            ],
        ),
        (
            "default not pruned",
            crd(json!([version(
                "v1",
                true,
                json!({"type": "object", "properties": {"spec": {
                    "type": "object", "default": {"x": 1}, "properties": {"y": {"type": "integer"}},
                }}})
            )])),
            vec![
                r#"spec.validation.openAPIV3Schema.properties[spec].default: Invalid value: map[string]interface {}{"x":1}: must not have unknown fields"#,
            ],
        ),
        (
            "default in metadata",
            crd(json!([version(
                "v1",
                true,
                json!({"type": "object", "properties": {"metadata": {
                    "type": "object", "default": {"name": "x"},
                }}})
            )])),
            vec![
                "spec.validation.openAPIV3Schema.properties[metadata].default: Forbidden: must not be set in top-level metadata",
            ],
        ),
        (
            "metadata restricted beyond name",
            crd(json!([version(
                "v1",
                true,
                json!({"type": "object", "properties": {"metadata": {
                    "type": "object", "properties": {"labels": {"type": "object"}},
                }}})
            )])),
            vec![
                "spec.validation.openAPIV3Schema.properties[metadata]: Forbidden: must not specify anything other than name and generateName, but metadata is implicitly specified",
            ],
        ),
        (
            "list map without keys",
            crd(json!([version(
                "v1",
                true,
                json!({"type": "object", "properties": {"l": {
                    "type": "array", "x-kubernetes-list-type": "map", "items": {"type": "object"},
                }}})
            )])),
            vec![
                "spec.validation.openAPIV3Schema.properties[l].x-kubernetes-list-map-keys: Required value: must not be empty if x-kubernetes-list-type is map",
            ],
        ),
        (
            "unique items",
            crd(json!([version(
                "v1",
                true,
                json!({"type": "object", "properties": {"l": {
                    "type": "array", "uniqueItems": true, "items": {"type": "string"},
                }}})
            )])),
            vec![
                "spec.validation.openAPIV3Schema.properties[l].uniqueItems: Forbidden: uniqueItems cannot be set to true since the runtime complexity becomes quadratic",
            ],
        ),
        (
            "nested value validation with a type",
            crd(json!([version(
                "v1",
                true,
                json!({"type": "object", "properties": {"a": {"type": "string"}},
                "anyOf": [{"type": "object"}]})
            )])),
            vec![
                "spec.validation.openAPIV3Schema.anyOf[0].type: Forbidden: must be empty to be structural",
            ],
        ),
        (
            "value validation on a field that is not specified",
            crd(json!([version(
                "v1",
                true,
                json!({"type": "object", "properties": {"a": {"type": "string"}},
                "anyOf": [{"properties": {"b": {"minLength": 1}}}]})
            )])),
            vec![
                "spec.validation.openAPIV3Schema.properties[b]: Required value: because it is defined in spec.validation.openAPIV3Schema.anyOf[0].properties[b]",
            ],
        ),
        (
            "bad scale paths",
            {
                let mut c = crd(json!([version("v1", true, ok.clone())]));
                c["spec"]["versions"][0]["subresources"] = json!({"scale": {"specReplicasPath": ".status.replicas", "statusReplicasPath": "status.replicas"}});
                c
            },
            vec![
                r#"spec.subresources.scale.specReplicasPath: Invalid value: ".status.replicas": should be a json path under .spec"#,
                r#"spec.subresources.scale.statusReplicasPath: Invalid value: "status.replicas": must be a simple json path starting with ."#,
            ],
        ),
        (
            "printer column type",
            {
                let mut c = crd(json!([version("v1", true, ok.clone())]));
                c["spec"]["versions"][0]["additionalPrinterColumns"] =
                    json!([{"name": "X", "type": "text", "jsonPath": ".spec.x"}]);
                c
            },
            vec![
                r#"spec.additionalPrinterColumns[0].type: Invalid value: "text": must be one of boolean,date,integer,number,string"#,
            ],
        ),
        (
            "wrong name and group",
            {
                let mut c = crd(json!([version("v1", true, ok.clone())]));
                c["metadata"]["name"] = json!("widgets.other.com");
                c["spec"]["group"] = json!("nodot");
                c
            },
            vec![
                r#"metadata.name: Invalid value: "widgets.other.com": must be spec.names.plural+"."+spec.group"#,
                r#"spec.group: Invalid value: "nodot": should be a domain with at least one dot"#,
            ],
        ),
        (
            "bad scope and kind",
            {
                let mut c = crd(json!([version("v1", true, ok.clone())]));
                c["spec"]["scope"] = json!("Global");
                c["spec"]["names"]["kind"] = json!("Wid_get");
                c["metadata"]["name"] = json!("widgets.example.com");
                c
            },
            vec![
                r#"spec.scope: Unsupported value: "Global": supported values: "Cluster", "Namespaced""#,
                r#"spec.names.singular: Invalid value: "wid_get": a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.kind: Invalid value: "Wid_get": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
                r#"spec.names.listKind: Invalid value: "Wid_getList": may have mixed case, but should otherwise match: a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')"#,
            ],
        ),
        (
            "protected group without approval",
            {
                let mut c = crd(json!([version("v1", true, ok.clone())]));
                c["metadata"]["name"] = json!("widgets.x.k8s.io");
                c["spec"]["group"] = json!("x.k8s.io");
                c
            },
            vec![
                r#"metadata.annotations[api-approved.kubernetes.io]: Required value: protected groups must have approval annotation "api-approved.kubernetes.io", see https://github.com/kubernetes/enhancements/pull/1111"#,
            ],
        ),
        (
            "deprecation warning on a version that is not deprecated",
            {
                let mut c = crd(json!([version("v1", true, ok.clone())]));
                c["spec"]["versions"][0]["deprecationWarning"] = json!("old");
                c
            },
            vec![
                r#"spec.versions[0].deprecationWarning: Invalid value: "old": can only be set for deprecated versions"#,
            ],
        ),
    ];
    for (name, c, want) in cases {
        assert_eq!(create_errors(c), want, "{name}");
    }
}

#[test]
fn test_validate_custom_resource_definition_update() {
    let ok = json!({"type": "object"});
    let mut old = crd(json!([version("v1", true, ok.clone())]));
    default_crd(&mut old);
    prepare_crd(&mut old, None);
    old["status"]["conditions"] = json!([{"type": "Established", "status": "True"}]);

    // Changing the storage version keeps the old one stored; dropping it from the versions
    // is refused.
    let mut new = old.clone();
    new["spec"]["versions"] = json!([version("v2", true, ok.clone())]);
    new["metadata"]["resourceVersion"] = json!("1");
    prepare_crd(&mut new, Some(&old));
    assert_eq!(new["status"]["storedVersions"], json!(["v1", "v2"]));
    let errs: Vec<String> = validate_update(&new, &old).iter().map(ToString::to_string).collect();
    assert_eq!(
        errs,
        [
            r#"status.storedVersions[0]: Invalid value: "v1": missing from spec.versions; v1 was previously a storage version, and must remain in spec.versions until a storage migration ensures no data remains persisted in v1 and removes v1 from status.storedVersions"#
        ]
    );

    // Group, plural, and once established scope and kind, are immutable.
    let mut new = old.clone();
    new["metadata"]["resourceVersion"] = json!("1");
    new["spec"]["scope"] = json!("Cluster");
    new["spec"]["names"]["kind"] = json!("Gadget");
    new["spec"]["names"]["listKind"] = json!("GadgetList");
    let errs: Vec<String> = validate_update(&new, &old).iter().map(ToString::to_string).collect();
    assert_eq!(
        errs,
        [
            r#"spec.scope: Invalid value: "Cluster": field is immutable"#,
            r#"spec.names.kind: Invalid value: "Gadget": field is immutable"#,
        ]
    );
}

#[test]
fn served_versions_sort_by_priority_and_warn_when_deprecated() {
    let ok = json!({"type": "object"});
    let mut c = crd(json!([
        version("v1beta1", false, ok.clone()),
        version("v1", true, ok.clone()),
        version("v2alpha1", false, ok.clone()),
    ]));
    c["spec"]["versions"][0]["deprecated"] = json!(true);
    c["spec"]["versions"][2]["deprecated"] = json!(true);
    c["spec"]["versions"][2]["deprecationWarning"] = json!("do not use v2alpha1");
    let served = served_versions(&c);
    let names: Vec<&str> = served.iter().map(|s| s.info.version.as_str()).collect();
    assert_eq!(names, ["v1", "v1beta1", "v2alpha1"]);
    let warnings: Vec<Option<String>> = served.iter().map(|s| s.deprecation_warning()).collect();
    assert_eq!(
        warnings,
        [
            None,
            Some("example.com/v1beta1 Widget is deprecated; use example.com/v1 Widget".to_string()),
            Some("do not use v2alpha1".to_string()),
        ]
    );
}

fn info(version: &str) -> apimachinery::runtime::ResourceInfo {
    let c = crd(json!([version_with_status(version)]));
    served_versions(&c).remove(0).info
}

fn version_with_status(name: &str) -> Value {
    json!({"name": name, "served": true, "storage": true, "subresources": {"status": {}},
    "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {"size": {"type": "integer", "default": 1}}},
        "status": {"type": "object", "properties": {"ready": {"type": "boolean"}}},
    }}}})
}

#[test]
fn strategy_prunes_defaults_and_tracks_generation() {
    let c = crd(json!([version_with_status("v1")]));
    let d = Definition::from_crd(&c);
    let info = info("v1");
    let mut obj = json!({"apiVersion": "example.com/v1", "kind": "Widget",
        "metadata": {"name": "w", "namespace": "default", "bogus": 1},
        "spec": {"extra": true}, "status": {"ready": true}});
    d.prepare_for_create(&info, &mut obj);
    assert_eq!(
        obj,
        json!({"apiVersion": "example.com/v1", "kind": "Widget",
            "metadata": {"name": "w", "namespace": "default", "generation": 1},
            "spec": {"size": 1}})
    );
    assert!(d.validate_create(&info, &obj).is_empty());

    let mut new = obj.clone();
    new["metadata"]["labels"] = json!({"a": "b"});
    d.prepare_for_update(&info, &mut new, &obj);
    assert_eq!(new["metadata"]["generation"], 1, "metadata changes keep the generation");
    let mut new = obj.clone();
    new["spec"]["size"] = json!(3);
    d.prepare_for_update(&info, &mut new, &obj);
    assert_eq!(new["metadata"]["generation"], 2);

    let bad = json!({"apiVersion": "example.com/v1", "kind": "Gadget", "metadata": {"name": "w"}});
    let errs: Vec<String> =
        d.validate_create(&info, &bad).iter().map(ToString::to_string).collect();
    assert_eq!(errs, [r#"kind: Invalid value: "Gadget": must be Widget"#]);
}

#[test]
fn structural_conversion_errors() {
    assert_eq!(
        schema::structural_conversion_error(
            &json!({"type": "object", "properties": {"a": {"$ref": "#/x"}}})
        ),
        Some("OpenAPIV3Schema '$ref' is not supported".to_string())
    );
    assert!(schema::validate_structural(&Path::nil(), &json!({"type": "object"})).is_empty());
}
