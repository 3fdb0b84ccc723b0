//! Cases mirror k8s.io/apimachinery runtime/schema group_version_test.go.

use super::*;

#[test]
fn test_group_version_parse() {
    let ok = [
        ("v1", GroupVersion::new("", "v1")),
        ("v2", GroupVersion::new("", "v2")),
        ("/v1", GroupVersion::new("", "v1")),
        ("v1/", GroupVersion::new("v1", "")),
        ("v1/a", GroupVersion::new("v1", "a")),
        ("apps/v1", GroupVersion::new("apps", "v1")),
        ("", GroupVersion::default()),
        ("/", GroupVersion::default()),
    ];
    for (input, want) in ok {
        assert_eq!(GroupVersion::parse(input), Ok(want), "{input}");
    }
    for input in ["/v1/", "a/b/c"] {
        let err = GroupVersion::parse(input).unwrap_err();
        assert_eq!(err.to_string(), format!("unexpected GroupVersion string: {input}"));
    }
}

#[test]
fn test_group_version_string() {
    for (gv, want) in [
        (GroupVersion::new("", "v1"), "v1"),
        (GroupVersion::new("apps", "v1"), "apps/v1"),
        (GroupVersion::new("rbac.authorization.k8s.io", "v1"), "rbac.authorization.k8s.io/v1"),
        (GroupVersion::default(), ""),
    ] {
        assert_eq!(gv.to_string(), want);
        assert_eq!(GroupVersion::parse(want), Ok(gv));
    }
}

#[test]
fn test_group_resource_parse() {
    for (input, want) in [
        ("v1", GroupResource::new("", "v1")),
        (".v1", GroupResource::new("v1", "")),
        ("v1.", GroupResource::new("", "v1")),
        ("v1.a", GroupResource::new("a", "v1")),
        ("b.v1.a", GroupResource::new("v1.a", "b")),
        ("deployments.apps", GroupResource::new("apps", "deployments")),
    ] {
        assert_eq!(GroupResource::parse(input), want, "{input}");
    }
}

#[test]
fn test_parse_resource_arg() {
    let cases = [
        ("v1", None, GroupResource::new("", "v1")),
        (".v1", None, GroupResource::new("v1", "")),
        ("v1.", None, GroupResource::new("", "v1")),
        ("v1.a", None, GroupResource::new("a", "v1")),
        (
            "b.v1.a",
            Some(GroupVersionResource::new("a", "v1", "b")),
            GroupResource::new("v1.a", "b"),
        ),
        (
            "deployments.v1.apps",
            Some(GroupVersionResource::new("apps", "v1", "deployments")),
            GroupResource::new("v1.apps", "deployments"),
        ),
    ];
    for (input, gvr, gr) in cases {
        assert_eq!(GroupVersionResource::parse_resource_arg(input), (gvr, gr), "{input}");
    }
}

#[test]
fn test_parse_kind_arg() {
    let cases = [
        ("Pod", None, GroupKind::new("", "Pod")),
        (".apps", None, GroupKind::new("apps", "")),
        ("Pod.", None, GroupKind::new("", "Pod")),
        ("StatefulSet.apps", None, GroupKind::new("apps", "StatefulSet")),
        (
            "StatefulSet.v1.apps",
            Some(GroupVersionKind::new("apps", "v1", "StatefulSet")),
            GroupKind::new("v1.apps", "StatefulSet"),
        ),
    ];
    for (input, gvk, gk) in cases {
        assert_eq!(GroupVersionKind::parse_kind_arg(input), (gvk, gk), "{input}");
    }
}

#[test]
fn test_string_forms() {
    let gvk = GroupVersionKind::new("apps", "v1", "Deployment");
    assert_eq!(gvk.to_string(), "apps/v1, Kind=Deployment");
    assert_eq!(GroupVersionKind::new("", "v1", "Pod").to_string(), "/v1, Kind=Pod");
    assert_eq!(gvk.group_kind().to_string(), "Deployment.apps");
    assert_eq!(GroupKind::new("", "Pod").to_string(), "Pod");
    let gvr = GroupVersionResource::new("apps", "v1", "deployments");
    assert_eq!(gvr.to_string(), "apps/v1, Resource=deployments");
    assert_eq!(gvr.group_resource().to_string(), "deployments.apps");
    assert_eq!(GroupVersionResource::new("", "v1", "pods").to_string(), "/v1, Resource=pods");
    assert_eq!(GroupResource::new("", "pods").to_string(), "pods");
}

#[test]
fn test_api_version_and_kind_round_trip() {
    for (api_version, kind, want) in [
        ("v1", "Pod", GroupVersionKind::new("", "v1", "Pod")),
        ("apps/v1", "Deployment", GroupVersionKind::new("apps", "v1", "Deployment")),
        ("a/b/c", "X", GroupVersionKind::new("", "", "X")),
    ] {
        let gvk = GroupVersionKind::from_api_version_and_kind(api_version, kind);
        assert_eq!(gvk, want);
        if !gvk.version.is_empty() {
            assert_eq!(gvk.to_api_version_and_kind(), (api_version.to_string(), kind.to_string()));
        }
    }
    let gv = GroupVersion::new("batch", "v1");
    assert_eq!(gv.with_kind("Job"), GroupVersionKind::new("batch", "v1", "Job"));
    assert_eq!(gv.with_resource("jobs").group_version(), gv);
    assert_eq!(
        GroupKind::new("apps", "Deployment").with_version("v1").to_string(),
        "apps/v1, Kind=Deployment"
    );
    assert_eq!(
        GroupResource::new("apps", "deployments").with_version("v1").resource,
        "deployments"
    );
    assert!(GroupVersionKind::default().is_empty());
    assert!(GroupVersionResource::default().is_empty());
    assert!(GroupVersion::default().is_empty());
}
