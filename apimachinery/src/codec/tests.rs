//! Tests mirroring upstream's util/yaml decoder_test.go, the apiserver's field validation
//! tests, handlers/negotiation negotiate_test.go, and serializer behaviour.

use super::*;
use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::{ConfigMap, Pod};
use serde_json::json;

// ----------------------------------------------------------------------------- YAML splitting

fn check_split(input: &str, expect: Result<Vec<&str>, &str>) {
    let got = split_yaml_documents(input).map_err(|e| e.to_string());
    let expect = expect
        .map(|v| v.into_iter().map(str::to_string).collect::<Vec<_>>())
        .map_err(str::to_string);
    assert_eq!(got, expect, "input {input:?}");
}

#[test]
fn test_split_yaml_document() {
    check_split("foo", Ok(vec!["foo\n"]));
    check_split("---", Ok(vec![]));
    check_split("---\n", Ok(vec![]));
    check_split("\n---\n", Ok(vec!["\n"]));
    check_split("abc\n---\ndef", Ok(vec!["abc\n", "def\n"]));
    check_split("", Ok(vec![]));
    check_split("a: 1\n--- # comment\nb: 2\n", Ok(vec!["a: 1\n", "b: 2\n"]));
    check_split("a: 1\n---\n---\nb: 2\n", Ok(vec!["a: 1\n", "b: 2\n"]));
    check_split("a: |\n  x\n  ---\n", Ok(vec!["a: |\n  x\n  ---\n"]));
    check_split("a: 1\r\n---\r\nb: 2\r\n", Ok(vec!["a: 1\n", "b: 2\n"]));
}

#[test]
fn test_decode_yaml_separator_validation() {
    let input = "---\nstuff: 1\n---    # Make sure termination happen with inline comment\nstuff: 2\n---\nstuff: 3\n--- Make sure uncommented content results YAMLSyntaxError\n\n ";
    check_split(
        input,
        Err(
            "invalid Yaml document separator: Make sure uncommented content results YAMLSyntaxError",
        ),
    );
    let ok = "---\nstuff: 1\n---    # c\nstuff: 2\n";
    let docs = decode_documents(ok.as_bytes()).unwrap();
    assert_eq!(docs, vec![json!({"stuff": 1}), json!({"stuff": 2})]);
}

#[test]
fn test_decode_yaml() {
    let docs = decode_documents(b"---\nstuff: 1\n\n---   \n  ").unwrap();
    assert_eq!(docs, vec![json!({"stuff": 1})]);
}

fn check_stream(input: &str, expect: Result<Vec<Value>, ()>) {
    let got = decode_documents(input.as_bytes());
    match expect {
        Ok(v) => assert_eq!(got.unwrap(), v, "input {input:?}"),
        Err(()) => assert!(got.is_err(), "input {input:?} should fail, got {got:?}"),
    }
}

#[test]
fn test_yaml_or_json_decoder() {
    check_stream(r#" {"1":2}{"3":4}"#, Ok(vec![json!({"1": 2}), json!({"3": 4})]));
    check_stream(" \n{}", Ok(vec![json!({})]));
    check_stream(" \na: b", Ok(vec![json!({"a": "b"})]));
    check_stream(" \n{\"a\": \"b\"}", Ok(vec![json!({"a": "b"})]));
    check_stream(r#"   {"a":"b"}"#, Ok(vec![json!({"a": "b"})]));
    check_stream("", Ok(vec![]));
    check_stream("foo: bar\n---\nbaz: biz", Ok(vec![json!({"foo": "bar"}), json!({"baz": "biz"})]));
    check_stream(
        "---\nfoo: bar\n--- # with Comment\nbaz: biz",
        Ok(vec![json!({"foo": "bar"}), json!({"baz": "biz"})]),
    );
    check_stream(
        "foo:\n  field: bar\n---\nbaz:\n  field: biz",
        Ok(vec![json!({"foo": {"field": "bar"}}), json!({"baz": {"field": "biz"}})]),
    );
    check_stream("foo: bar\n---\n", Ok(vec![json!({"foo": "bar"})]));
    check_stream("foo: bar\n---", Ok(vec![json!({"foo": "bar"})]));
    check_stream("foo: bar\n--", Err(()));
    check_stream("foo: bar\n-", Err(()));
    check_stream("foo: bar\n", Ok(vec![json!({"foo": "bar"})]));
    check_stream(
        "{\"foo\": \"bar\"}\n---\n{baz: biz}",
        Ok(vec![json!({"foo": "bar"}), json!({"baz": "biz"})]),
    );
    check_stream(
        "{\"foo\": \"bar\"}\n---\na: b",
        Ok(vec![json!({"foo": "bar"}), json!({"a": "b"})]),
    );
    check_stream(
        "{\"foo\": \"bar\"}    \n---\na: b",
        Ok(vec![json!({"foo": "bar"}), json!({"a": "b"})]),
    );
    check_stream(
        "{\"foo\": \"bar\"}\n---\n{baz: biz0123456780123456780123456780123456780123456789}",
        Ok(vec![
            json!({"foo": "bar"}),
            json!({"baz": "biz0123456780123456780123456780123456780123456789"}),
        ]),
    );
    check_stream(
        "{foo: bar}\n---\n{\"baz\": \"biz\"}",
        Ok(vec![json!({"foo": "bar"}), json!({"baz": "biz"})]),
    );
    check_stream(
        "{\n  \"foo\": \"bar\"\n}\n---\n{\n  baz: biz\n}",
        Ok(vec![json!({"foo": "bar"}), json!({"baz": "biz"})]),
    );
    check_stream(
        "{\n\t\"foo\": \"bar\"\n}\n---\n{\n\tbaz: biz\n}",
        Ok(vec![json!({"foo": "bar"}), json!({"baz": "biz"})]),
    );
    // Two JSON documents make the stream JSON; the YAML that follows is an error.
    check_stream("{\"foo\": \"bar\"}\n{\"baz\": \"biz\"}\n---\n{qux: zrb}", Err(()));
}

#[test]
fn test_decode_broken_yaml() {
    let err =
        decode_documents(b"---\nstuff: 1\n\t\ttest-foo: 1\n\n---\n  ").unwrap_err().to_string();
    // go-yaml words this `yaml: line 3: found a tab character...`; the parser here differs.
    assert!(err.starts_with("yaml: line ") && err.contains("tab"), "{err}");
}

#[test]
fn test_decode_broken_json() {
    let err =
        decode_documents(b"{\n\t\"foo\": {\n\t\t\"stuff\": 1\n\t\t\"otherStuff\": 2\n\t}\n}\n  ")
            .unwrap_err();
    assert!(matches!(err, CodecError::Json(_)), "{err}");
}

// ----------------------------------------------------------------------------- YAML values

fn check_yaml(input: &str, expect: Value) {
    assert_eq!(yaml_to_json(input).unwrap(), expect, "input {input:?}");
}

#[test]
fn test_unmarshal() {
    // Integers stay integers (upstream's TestUnmarshal).
    check_yaml("replicas: 1", json!({"replicas": 1}));
    check_yaml("- 1", json!([1]));
    check_yaml("1", json!(1));
    check_yaml("123: 2", json!({"123": 2}));
}

#[test]
fn test_yaml_scalar_resolution() {
    for (input, expect) in [
        ("a: yes", json!({"a": true})),
        ("a: No", json!({"a": false})),
        ("a: on", json!({"a": true})),
        ("a: OFF", json!({"a": false})),
        ("a: y", json!({"a": true})),
        ("a: 'yes'", json!({"a": "yes"})),
        ("a: \"true\"", json!({"a": "true"})),
        ("a: ~", json!({"a": null})),
        ("a:", json!({"a": null})),
        ("a: Null", json!({"a": null})),
        ("a: 0x1F", json!({"a": 31})),
        ("a: 0o17", json!({"a": 15})),
        ("a: 017", json!({"a": 15})),
        ("a: 0b101", json!({"a": 5})),
        ("a: 1_000", json!({"a": 1000})),
        ("a: -42", json!({"a": -42})),
        ("a: 1.5", json!({"a": 1.5})),
        ("a: 1.0", json!({"a": 1})),
        ("a: 1e3", json!({"a": 1000})),
        ("a: .5", json!({"a": 0.5})),
        ("a: 2024-01-01", json!({"a": "2024-01-01"})),
        ("a: 1.10", json!({"a": 1.1})),
        ("a: !!str 123", json!({"a": "123"})),
        ("a: 12345678901234567890", json!({"a": 12345678901234567890u64})),
        ("a: |\n  x\n  y\n", json!({"a": "x\ny\n"})),
        ("a: >-\n  x\n  y\n", json!({"a": "x y"})),
        ("true: 1", json!({"true": 1})),
        ("yes: 1", json!({"true": 1})),
        ("1.5: x", json!({"1.5": "x"})),
        ("b: 1\na: 2", json!({"a": 2, "b": 1})),
        (
            "base: &b {x: 1}\nderived:\n  <<: *b\n  z: 2",
            json!({"base": {"x": 1}, "derived": {"x": 1, "z": 2}}),
        ),
        ("y: 1\nn: 2", json!({"true": 1, "false": 2})),
        ("a: &x hello\nb: *x", json!({"a": "hello", "b": "hello"})),
        ("", Value::Null),
        ("# only a comment\n", Value::Null),
    ] {
        check_yaml(input, expect);
    }
    // Keys come out sorted, as Go's JSON encoder writes them.
    let v = yaml_to_json("z: 1\na: 2\nm: 3").unwrap();
    let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
    assert_eq!(keys, ["a", "m", "z"]);
    assert!(yaml_to_json("a: .inf").unwrap_err().to_string().contains("unsupported value: +Inf"));
    assert!(yaml_to_json("a: [1, 2").is_err());
}

// ----------------------------------------------------------------------------- YAML output

fn check_to_yaml(v: Value, expect: &str) {
    assert_eq!(to_yaml(&v), expect);
}

#[test]
fn test_json_to_yaml() {
    check_to_yaml(json!({"b": 1, "a": "x"}), "a: x\nb: 1\n");
    check_to_yaml(
        json!({"spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}]}]}}),
        "spec:\n  containers:\n  - image: nginx\n    name: c\n    ports:\n    - containerPort: 80\n",
    );
    check_to_yaml(
        json!({"a": "true", "b": "123", "c": "", "d": "1.5", "e": "null", "f": "yes"}),
        "a: \"true\"\nb: \"123\"\nc: \"\"\nd: \"1.5\"\ne: \"null\"\nf: \"yes\"\n",
    );
    check_to_yaml(
        json!({"a": "foo: bar", "b": "#x", "c": "- x", "d": "it's"}),
        "a: 'foo: bar'\nb: '#x'\nc: '- x'\nd: it's\n",
    );
    check_to_yaml(json!({"a": "line1\nline2\n"}), "a: |\n  line1\n  line2\n");
    check_to_yaml(json!({"a": "line1\nline2"}), "a: |-\n  line1\n  line2\n");
    check_to_yaml(
        json!({"a": {}, "b": [], "c": null, "d": true, "e": 1.5}),
        "a: {}\nb: []\nc: null\nd: true\ne: 1.5\n",
    );
    check_to_yaml(json!([1, [2, 3], {"a": 1}]), "- 1\n- - 2\n  - 3\n- a: 1\n");
    check_to_yaml(json!({"m": {"k": {"o": "p"}}}), "m:\n  k:\n    o: p\n");
    check_to_yaml(json!({"y": "n"}), "\"y\": \"n\"\n");
    check_to_yaml(json!({"a": "tab\there"}), "a: \"tab\\there\"\n");
    check_to_yaml(
        json!({"a": "1:20", "b": "10:70", "c": "a:b"}),
        "a: \"1:20\"\nb: 10:70\nc: a:b\n",
    );
    let long = "word ".repeat(20).trim_end().to_string();
    let out = to_yaml(&json!({ "description": long }));
    assert!(out.contains("\n  word"), "long plain strings are folded: {out}");
    assert_eq!(yaml_to_json(&out).unwrap(), json!({ "description": long }));
    assert_eq!(to_yaml_preserve_order(&json!({"b": 1, "a": 2})), "b: 1\na: 2\n");
}

#[test]
fn test_yaml_round_trip() {
    let v = json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "x", "labels": {"a": "1"}},
        "data": {"k": "multi\nline\n", "n": "007", "e": "", "q": "'quoted'", "s": " lead", "u": "üñí"}});
    assert_eq!(yaml_to_json(&to_yaml(&v)).unwrap(), v);
}

// ----------------------------------------------------------------------------- strict decoding

const INVALID_BODY_JSON: &str = r#"
	{
		"apiVersion": "apps/v1",
		"kind": "Deployment",
		"metadata": {
			"name": "dupename",
			"name": "deployment",
			"labels": {"app": "nginx"},
			"unknownMeta": "metaVal"
		},
		"spec": {
			"unknown1": "val1",
			"unknownDupe": "valDupe",
			"unknownDupe": "valDupe2",
			"paused": true,
			"paused": false,
			"selector": {
				"matchLabels": {
					"app": "nginx"
				}
			},
			"template": {
				"metadata": {
					"labels": {
						"app": "nginx"
					}
				},
				"spec": {
					"containers": [{
						"name":  "nginx",
						"image": "nginx:latest",
						"unknownNested": "val1",
						"imagePullPolicy": "Always",
						"imagePullPolicy": "Never"
					}]
				}
			}
		}
	}
		"#;

const INVALID_BODY_YAML: &str = "apiVersion: apps/v1
kind: Deployment
metadata:
  name: dupename
  name: deployment
  unknownMeta: metaVal
  labels:
    app: nginx
spec:
  unknown1: val1
  unknownDupe: valDupe
  unknownDupe: valDupe2
  paused: true
  paused: false
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: nginx:latest
        unknownNested: val1
        imagePullPolicy: Always
        imagePullPolicy: Never";

#[test]
fn test_field_validation_post_strict_json() {
    let (d, err) = decode_strict::<Deployment>(INVALID_BODY_JSON.as_bytes(), Format::Json).unwrap();
    assert_eq!(
        err.unwrap().to_string(),
        r#"strict decoding error: duplicate field "metadata.name", unknown field "metadata.unknownMeta", unknown field "spec.unknown1", unknown field "spec.unknownDupe", duplicate field "spec.paused", unknown field "spec.template.spec.containers[0].unknownNested", duplicate field "spec.template.spec.containers[0].imagePullPolicy""#
    );
    // The last duplicate wins.
    assert_eq!(d.metadata.name.as_deref(), Some("deployment"));
    let spec = d.spec.unwrap();
    assert_eq!(spec.paused, Some(false));
    let c = &spec.template.spec.unwrap().containers[0];
    assert_eq!(c.image_pull_policy.as_deref(), Some("Never"));
}

#[test]
fn test_field_validation_post_strict_yaml() {
    let (d, err) = decode_strict::<Deployment>(INVALID_BODY_YAML.as_bytes(), Format::Yaml).unwrap();
    let err = err.unwrap();
    assert_eq!(
        err.to_string(),
        "strict decoding error: yaml: unmarshal errors:\n  line 5: key \"name\" already set in map\n  line 12: key \"unknownDupe\" already set in map\n  line 14: key \"paused\" already set in map\n  line 28: key \"imagePullPolicy\" already set in map, unknown field \"metadata.unknownMeta\", unknown field \"spec.template.spec.containers[0].unknownNested\", unknown field \"spec.unknown1\", unknown field \"spec.unknownDupe\""
    );
    assert_eq!(
        err.warnings(),
        vec![
            "line 5: key \"name\" already set in map",
            "line 12: key \"unknownDupe\" already set in map",
            "line 14: key \"paused\" already set in map",
            "line 28: key \"imagePullPolicy\" already set in map",
            "unknown field \"metadata.unknownMeta\"",
            "unknown field \"spec.template.spec.containers[0].unknownNested\"",
            "unknown field \"spec.unknown1\"",
            "unknown field \"spec.unknownDupe\"",
        ]
    );
    assert_eq!(d.metadata.name.as_deref(), Some("deployment"));
}

#[test]
fn test_field_validation_warnings_json() {
    let err =
        strict_check::<Deployment>(INVALID_BODY_JSON.as_bytes(), Format::Json).unwrap().unwrap();
    assert_eq!(
        err.warnings(),
        vec![
            "duplicate field \"metadata.name\"",
            "unknown field \"metadata.unknownMeta\"",
            "unknown field \"spec.unknown1\"",
            "unknown field \"spec.unknownDupe\"",
            "duplicate field \"spec.paused\"",
            "unknown field \"spec.template.spec.containers[0].unknownNested\"",
            "duplicate field \"spec.template.spec.containers[0].imagePullPolicy\"",
        ]
    );
}

fn check_strict_pod(body: &str, format: Format, expect: Option<&str>) {
    let got = strict_check::<Pod>(body.as_bytes(), format).unwrap().map(|e| e.to_string());
    assert_eq!(got.as_deref(), expect, "body {body}");
}

#[test]
fn test_strict_decoding_pods() {
    let valid = r#"{"apiVersion":"v1","kind":"Pod","metadata":{"name":"p","labels":{"a":"b"},"annotations":{"x":"y"}},"spec":{"containers":[{"name":"c","image":"i","ports":[{"containerPort":80}],"resources":{"limits":{"cpu":"1"}}}],"volumes":[{"name":"v","emptyDir":{}}]}}"#;
    check_strict_pod(valid, Format::Json, None);
    check_strict_pod(
        r#"{"kind":"Pod","foo":1}"#,
        Format::Json,
        Some(r#"strict decoding error: unknown field "foo""#),
    );
    check_strict_pod(
        r#"{"spec":{"containers":[{"name":"a"},{"name":"b","bogus":true}]}}"#,
        Format::Json,
        Some(r#"strict decoding error: unknown field "spec.containers[1].bogus""#),
    );
    check_strict_pod(
        r#"{"metadata":{"labels":{"a":"1","a":"2"}}}"#,
        Format::Json,
        Some(r#"strict decoding error: duplicate field "metadata.labels.a""#),
    );
    check_strict_pod(
        r#"{"spec":{"containers":[{"name":"c","resources":{"limits":{"cpu":"1","cpu":"2"}}}]}}"#,
        Format::Json,
        Some(r#"strict decoding error: duplicate field "spec.containers[0].resources.limits.cpu""#),
    );
    check_strict_pod(
        r#"{"spec":{"containers":[{"name":"c","ports":[{"containerPort":80,"containerPrt":81}]}]}}"#,
        Format::Json,
        Some(r#"strict decoding error: unknown field "spec.containers[0].ports[0].containerPrt""#),
    );
    check_strict_pod(
        r#"{"spec":{"volumes":[{"name":"v","emptyDir":{"medium":"","sizeLimitx":"1Gi"}}]}}"#,
        Format::Json,
        Some(r#"strict decoding error: unknown field "spec.volumes[0].emptyDir.sizeLimitx""#),
    );
    // The unknown field's contents are not inspected, and repeats are reported once.
    check_strict_pod(
        r#"{"x":{"a":1,"a":2},"x":{}}"#,
        Format::Json,
        Some(r#"strict decoding error: unknown field "x""#),
    );
    check_strict_pod(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers:\n  - name: c\n    imagee: nginx\n",
        Format::Yaml,
        Some(r#"strict decoding error: unknown field "spec.containers[0].imagee""#),
    );
    check_strict_pod(
        "kind: Pod\nkind: Pod\n",
        Format::Yaml,
        Some(
            "strict decoding error: yaml: unmarshal errors:\n  line 2: key \"kind\" already set in map",
        ),
    );
    check_strict_pod("apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n", Format::Yaml, None);
    // Free-form content (IntOrString, Quantity) and null values are fine.
    check_strict_pod(
        r#"{"metadata":null,"spec":{"containers":[{"name":"c","livenessProbe":{"httpGet":{"port":"http"}}}]}}"#,
        Format::Json,
        None,
    );
    check_strict_pod(
        r#"{"a\"b":1}"#,
        Format::Json,
        Some(r#"strict decoding error: unknown field "a\"b""#),
    );
}

#[test]
fn test_strict_decoding_open_types() {
    use k8s_openapi::apiextensions_apiserver::pkg::apis::apiextensions::v1::CustomResourceDefinition;
    let crd = r#"{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"x"},
        "spec":{"group":"g","names":{"plural":"xs","kind":"X"},"scope":"Namespaced","versions":[{"name":"v1","served":true,"storage":true,
        "schema":{"openAPIV3Schema":{"type":"object","x-kubernetes-preserve-unknown-fields":true,"properties":{"spec":{"type":"object","default":{"anything":1}}}}}}]}}"#;
    assert_eq!(
        strict_check::<CustomResourceDefinition>(crd.as_bytes(), Format::Json).unwrap(),
        None
    );
    let cm = r#"{"kind":"ConfigMap","data":{"a":"1"},"binaryData":{},"immutable":false,"extra":1}"#;
    assert_eq!(
        strict_check::<ConfigMap>(cm.as_bytes(), Format::Json).unwrap().unwrap().to_string(),
        r#"strict decoding error: unknown field "extra""#
    );
}

#[test]
fn test_strict_unstructured_duplicates() {
    let (u, err) = decode_unstructured_strict(
        br#"{"apiVersion":"example.com/v1","kind":"Foo","spec":{"a":1,"a":2,"l":[{"b":1,"b":1}]}}"#,
        Format::Json,
    )
    .unwrap();
    assert_eq!(
        err.unwrap().to_string(),
        r#"strict decoding error: duplicate field "spec.a", duplicate field "spec.l[0].b""#
    );
    assert_eq!(u.object["spec"]["a"], json!(2));
    let (_, err) = decode_unstructured_strict(b"kind: Foo\nspec:\n  x: 1\n", Format::Yaml).unwrap();
    assert!(err.is_none());
    assert!(matches!(
        decode_unstructured_strict(b"{\"a\":1}", Format::Json),
        Err(CodecError::MissingKind(_))
    ));
}

// ----------------------------------------------------------------------------- typed codec

#[test]
fn test_decode_and_encode() {
    let pod: Pod =
        decode(b"apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n", Format::Yaml).unwrap();
    assert_eq!(pod.metadata.name.as_deref(), Some("p"));
    let pod2: Pod = decode(encode_json(&pod).unwrap().as_bytes(), Format::Json).unwrap();
    assert_eq!(pod, pod2);
    assert_eq!(encode_yaml(&pod).unwrap(), "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n");
    assert!(encode_json_pretty(&pod).unwrap().ends_with("}\n"));
    assert!(decode::<Pod>(b"metadata: [", Format::Yaml).is_err());
    let u = decode_unstructured(b"{\"kind\":\"X\",\"apiVersion\":\"v1\"}", Format::Json).unwrap();
    assert_eq!(u.kind(), "X");
    assert_eq!(
        decode_unstructured(b"{\"apiVersion\":\"v1\"}", Format::Json).unwrap_err().to_string(),
        "Object 'Kind' is missing in '{\"apiVersion\":\"v1\"}'"
    );
    assert!(matches!(decode_unstructured(b"[1]", Format::Json), Err(CodecError::NotAnObject(_))));
}

#[test]
fn test_decode_objects_flattens_lists() {
    let input = "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: ConfigMap\n  metadata:\n    name: a\n- apiVersion: v1\n  kind: ConfigMapList\n  items:\n  - apiVersion: v1\n    kind: ConfigMap\n    metadata:\n      name: b\n---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: c\n---\n---\n";
    let objs = decode_objects(input.as_bytes()).unwrap();
    let names: Vec<String> = objs.iter().map(|o| o.name()).collect();
    assert_eq!(names, ["a", "b", "c"]);
    let json_stream = br#"{"kind":"PodList","apiVersion":"v1","items":[{"kind":"Pod","apiVersion":"v1","metadata":{"name":"x"}}]}"#;
    assert_eq!(decode_objects(json_stream).unwrap().len(), 1);
    // A kind ending in List without items is an object.
    assert_eq!(decode_objects(b"kind: PodDisruptionBudgetList2\n").unwrap().len(), 1);
    assert!(matches!(decode_objects(b"metadata: {}\n"), Err(CodecError::MissingKind(_))));
    assert!(decode_objects(b"kind: List\nitems:\n- metadata: {}\n").is_err());
}

#[test]
fn test_format_for_media_type() {
    for (mt, want) in [
        ("application/json", Some(Format::Json)),
        ("application/json; charset=utf-8", Some(Format::Json)),
        ("application/yaml", Some(Format::Yaml)),
        ("application/apply-patch+yaml", Some(Format::Yaml)),
        ("application/merge-patch+json", Some(Format::Json)),
        ("application/strategic-merge-patch+json", Some(Format::Json)),
        ("application/json-patch+json", Some(Format::Json)),
        ("application/vnd.kubernetes.protobuf", None),
        ("garbage", None),
    ] {
        assert_eq!(Format::for_media_type(mt), want, "{mt}");
    }
}

// ----------------------------------------------------------------------------- meta types

#[test]
fn test_table_json_shape() {
    let mut t = Table::new();
    t.column_definitions.push(TableColumnDefinition {
        name: "Name".into(),
        type_: "string".into(),
        format: "name".into(),
        description: "d".into(),
        priority: 0,
    });
    t.rows.push(TableRow { cells: vec![json!("a"), json!(1)], ..Default::default() });
    assert_eq!(
        serde_json::to_value(&t).unwrap(),
        json!({"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {},
            "columnDefinitions": [{"name": "Name", "type": "string", "format": "name", "description": "d", "priority": 0}],
            "rows": [{"cells": ["a", 1], "object": null}]})
    );
    let back: Table = serde_json::from_value(serde_json::to_value(&t).unwrap()).unwrap();
    assert_eq!(back, t);
    let cond = TableRowCondition {
        type_: "Completed".into(),
        status: "True".into(),
        ..Default::default()
    };
    assert_eq!(
        serde_json::to_value(&cond).unwrap(),
        json!({"type": "Completed", "status": "True"})
    );
    assert_eq!(serde_json::to_value(TableOptions::default()).unwrap(), json!({}));
    let opts: TableOptions = serde_json::from_value(json!({"includeObject": "None"})).unwrap();
    assert_eq!(opts.include_object, "None");
}

#[test]
fn test_partial_object_metadata_json_shape() {
    let meta = k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta {
        name: Some("x".into()),
        ..Default::default()
    };
    let p = PartialObjectMetadata::new(meta);
    assert_eq!(
        serde_json::to_value(&p).unwrap(),
        json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": {"name": "x"}})
    );
    let mut l = PartialObjectMetadataList::new();
    l.metadata.resource_version = Some("5".into());
    assert_eq!(
        serde_json::to_value(&l).unwrap(),
        json!({"kind": "PartialObjectMetadataList", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": "5"}, "items": []})
    );
    l.items.push(p);
    let back: PartialObjectMetadataList =
        serde_json::from_value(serde_json::to_value(&l).unwrap()).unwrap();
    assert_eq!(back, l);
}

// ----------------------------------------------------------------------------- media types

#[test]
fn test_parse_media_type() {
    let m = parse_media_type("application/json;as=Table;g=meta.k8s.io;v=v1").unwrap();
    assert_eq!(m.essence(), "application/json");
    assert_eq!(m.param("as"), Some("Table"));
    assert_eq!(m.param("g"), Some("meta.k8s.io"));
    assert_eq!(m.to_string(), "application/json;as=Table;g=meta.k8s.io;v=v1");
    let m = parse_media_type("Application/JSON; Charset=\"utf-8\"").unwrap();
    assert_eq!(m.essence(), "application/json");
    assert_eq!(m.param("charset"), Some("utf-8"));
    for (input, err) in [
        ("", "mime: no media type"),
        ("application", "mime: expected slash after first token"),
        ("application/", "mime: expected token after slash"),
        ("application/json x", "mime: unexpected content after media subtype"),
        ("application/json; a", "mime: invalid media parameter"),
        ("application/json; a=1; a=2", "mime: duplicate parameter name"),
    ] {
        assert_eq!(parse_media_type(input).unwrap_err().to_string(), err, "{input}");
    }
    assert_eq!(parse_media_type("application/json;").unwrap().params, vec![]);
}

#[test]
fn test_parse_accept() {
    let c = parse_accept("text/html;q=0.5, application/json, */*;q=0.1, application/*");
    let order: Vec<String> =
        c.iter().map(|c| format!("{}/{};{}", c.type_, c.subtype, c.q)).collect();
    assert_eq!(
        order,
        ["application/json;1", "application/*;1", "text/html;0.5", "*/*;0.10000000149011612"]
    );
    let c = parse_accept("application/json;as=Table;v=v1;g=meta.k8s.io,application/json");
    assert_eq!(c.len(), 2);
    assert_eq!(
        c[0].params,
        vec![
            ("as".into(), "Table".into()),
            ("v".into(), "v1".into()),
            ("g".into(), "meta.k8s.io".into())
        ]
    );
    assert!(parse_accept("application").is_empty());
    assert_eq!(parse_accept("*").len(), 1);
    assert_eq!(parse_accept("a/b;q=x")[0].q, 0.0);
    assert_eq!(parse_accept("a/b/c, d/e").len(), 1);
}

fn infos(types: &[&str], stream: &[&str]) -> Vec<SerializerInfo> {
    types.iter().map(|t| SerializerInfo::new(t, stream.contains(t))).collect()
}

fn check_negotiate(
    accept: &str,
    types: &[&str],
    pretty_req: bool,
    expect: Result<(&str, bool), &str>,
) {
    let got = negotiate_output_media_type(
        accept,
        &infos(types, &[]),
        &DefaultEndpointRestrictions,
        pretty_req,
    )
    .map(|o| (o.accepted.media_type.clone(), o.pretty))
    .map_err(|e| {
        assert_eq!(e.code(), 406);
        let status = e.to_status_error();
        assert_eq!(status.status().status.as_deref(), Some("Failure"));
        assert_eq!(status.code(), 406);
        assert_eq!(status.message(), e.to_string());
        e.to_string()
    });
    let expect = expect.map(|(m, p)| (m.to_string(), p)).map_err(str::to_string);
    assert_eq!(got, expect, "accept {accept:?}");
}

#[test]
fn test_negotiate() {
    let json = &["application/json"][..];
    let json_pb = &["application/json", "application/protobuf"][..];
    check_negotiate("", json, false, Ok(("application/json", false)));
    check_negotiate("*/*", json, false, Ok(("application/json", false)));
    check_negotiate("application/*", json, false, Ok(("application/json", false)));
    check_negotiate("application/json", json, false, Ok(("application/json", false)));
    check_negotiate("application/json", json_pb, false, Ok(("application/json", false)));
    check_negotiate("application/protobuf", json_pb, false, Ok(("application/protobuf", false)));
    check_negotiate("application/json; pretty=1", json, false, Ok(("application/json", true)));
    check_negotiate(
        "unrecognized/stuff,application/json; pretty=1",
        json,
        false,
        Ok(("application/json", true)),
    );
    // Query parameter or user agent pretty printing.
    check_negotiate(
        "application/json",
        json,
        is_pretty("pretty=1", ""),
        Ok(("application/json", true)),
    );
    check_negotiate(
        "application/json",
        json,
        is_pretty("", "curl"),
        Ok(("application/json", true)),
    );
    check_negotiate(
        "application/json",
        json,
        is_pretty("", "Wget"),
        Ok(("application/json", true)),
    );
    check_negotiate(
        "application/json",
        json,
        is_pretty("", "Mozilla/5.0"),
        Ok(("application/json", true)),
    );
    check_negotiate(
        "application/json",
        json,
        is_pretty("pretty=0", "curl"),
        Ok(("application/json", false)),
    );
    check_negotiate(
        "application/json",
        json,
        is_pretty("", "kubectl/v1.35"),
        Ok(("application/json", false)),
    );
    check_negotiate(
        "application/json;as=BOGUS;v=v1beta1;g=meta.k8s.io, application/json",
        json,
        false,
        Ok(("application/json", false)),
    );
    check_negotiate(
        "application/BOGUS, application/json",
        json,
        false,
        Ok(("application/json", false)),
    );
    check_negotiate(
        "application",
        &["application"],
        false,
        Err("only the following media types are accepted: application"),
    );
    check_negotiate("", &[], false, Err("only the following media types are accepted: "));
    check_negotiate("*/*", &[], false, Err("only the following media types are accepted: "));
    check_negotiate(
        "text/html",
        &["application/json", "application/yaml"],
        false,
        Err("only the following media types are accepted: application/json, application/yaml"),
    );
}

fn is_pretty(query: &str, ua: &str) -> bool {
    media::is_pretty_print(query, ua)
}

fn resource_scope(table: bool) -> ResourceEndpointRestrictions {
    ResourceEndpointRestrictions {
        table_convertor: table,
        standard_serializers: vec![],
        meta_version: "v1".into(),
    }
}

fn check_target(
    accept: &str,
    scope: &ResourceEndpointRestrictions,
    expect: Result<(&str, ResponseTarget), &str>,
) {
    let got = negotiate_output_media_type(accept, &standard_serializers(), scope, false)
        .map(|o| (o.accepted.media_type.clone(), o.target()))
        .map_err(|e| e.to_string());
    let expect = expect.map(|(m, t)| (m.to_string(), t)).map_err(str::to_string);
    assert_eq!(got, expect, "accept {accept:?}");
}

#[test]
fn test_negotiate_conversion_targets() {
    let v1 = || "v1".to_string();
    let scope = resource_scope(true);
    check_target(
        "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json",
        &scope,
        Ok(("application/json", ResponseTarget::Table { version: v1() })),
    );
    check_target(
        "application/json;as=Table;v=v1beta1;g=meta.k8s.io",
        &scope,
        Ok(("application/json", ResponseTarget::Table { version: "v1beta1".into() })),
    );
    check_target(
        "application/yaml;as=Table;v=v1;g=meta.k8s.io",
        &scope,
        Ok(("application/yaml", ResponseTarget::Table { version: v1() })),
    );
    // Tables cannot be served as protobuf; the next clause wins.
    check_target(
        "application/vnd.kubernetes.protobuf;as=Table;v=v1;g=meta.k8s.io,application/json",
        &scope,
        Ok(("application/json", ResponseTarget::Object)),
    );
    check_target(
        "application/vnd.kubernetes.protobuf;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1,application/json",
        &scope,
        Ok((
            "application/vnd.kubernetes.protobuf",
            ResponseTarget::PartialObjectMetadataList { version: v1() },
        )),
    );
    check_target(
        "application/json;as=PartialObjectMetadata;g=meta.k8s.io;v=v1",
        &scope,
        Ok(("application/json", ResponseTarget::PartialObjectMetadata { version: v1() })),
    );
    // Without a table convertor, or with an unknown target, the clause is skipped.
    check_target(
        "application/json;as=Table;v=v1;g=meta.k8s.io",
        &resource_scope(false),
        Err(
            "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        ),
    );
    check_target(
        "application/json;as=Bogus;v=v1;g=meta.k8s.io",
        &scope,
        Err(
            "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        ),
    );
    check_target(
        "application/json;as=Table",
        &scope,
        Err(
            "only the following media types are accepted: application/json, application/yaml, application/vnd.kubernetes.protobuf",
        ),
    );
    check_target(
        "application/json;as=Table;g=example.com;v=v1,*/*",
        &scope,
        Ok(("application/json", ResponseTarget::Object)),
    );
    check_target(
        "application/json;sv=v1",
        &scope,
        Ok(("application/json", ResponseTarget::Object)),
    );
    check_target(
        "application/json;sv=v2,application/yaml",
        &scope,
        Ok(("application/yaml", ResponseTarget::Object)),
    );
    let o = negotiate_output_media_type(
        "application/json;foo=bar;profile=x",
        &standard_serializers(),
        &scope,
        false,
    )
    .unwrap();
    assert_eq!(o.unrecognized, vec!["foo".to_string()]);
    assert_eq!(o.profile, "x");
    // A CRD-like endpoint only serves its standard serializers for plain responses.
    let crd = ResourceEndpointRestrictions {
        table_convertor: true,
        standard_serializers: infos(&["application/json", "application/yaml"], &[]),
        meta_version: "v1".into(),
    };
    check_target(
        "application/vnd.kubernetes.protobuf, application/json",
        &crd,
        Ok(("application/json", ResponseTarget::Object)),
    );
}

#[test]
fn test_negotiate_stream() {
    let ser = standard_serializers();
    let r = DefaultEndpointRestrictions;
    let o = media::negotiate_output_media_type_stream("application/json;stream=watch", &ser, &r)
        .unwrap();
    assert_eq!(o.stream, "watch");
    assert_eq!(o.accepted.media_type, "application/json");
    let err = media::negotiate_output_media_type_stream("application/yaml", &ser, &r).unwrap_err();
    assert_eq!(
        err.to_string(),
        "only the following media types are accepted: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch"
    );
    // stream=watch on a non-streaming serializer rejects that clause.
    let o = media::negotiate_output_media_type_stream(
        "application/yaml;stream=watch, application/json",
        &ser,
        &r,
    )
    .unwrap();
    assert_eq!(o.accepted.media_type, "application/json");
    assert!(
        media::negotiate_output_media_type_stream("application/json;stream=other", &ser, &r)
            .is_err()
    );
}

#[test]
fn test_negotiate_input_serializer() {
    let ser = standard_serializers();
    for (ct, want) in [
        ("", Ok("application/json")),
        ("application/json", Ok("application/json")),
        ("application/json; charset=utf-8", Ok("application/json")),
        ("application/yaml", Ok("application/yaml")),
        ("application/vnd.kubernetes.protobuf", Ok("application/vnd.kubernetes.protobuf")),
        (
            "text/plain",
            Err(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
            ),
        ),
        (
            "garbage",
            Err(
                "the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf",
            ),
        ),
    ] {
        let got = negotiate_input_serializer(ct, false, &ser).map(|i| i.media_type).map_err(|e| {
            assert_eq!(e.code(), 415);
            let status = e.to_status_error();
            assert_eq!(status.status().reason.as_deref(), Some("UnsupportedMediaType"));
            assert_eq!(status.message(), e.to_string());
            e.to_string()
        });
        assert_eq!(got, want.map(str::to_string).map_err(str::to_string), "{ct}");
    }
    let err = negotiate_input_serializer("text/plain", true, &ser).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the body of the request was in an unknown format - accepted media types include: application/json;stream=watch, application/vnd.kubernetes.protobuf;stream=watch"
    );
}

#[test]
fn test_not_acceptable_conversion_message() {
    let e = NegotiationError::NotAcceptableConversion {
        target: "Table".into(),
        accepted: vec!["application/json".into(), "application/yaml".into()],
    };
    assert_eq!(
        e.to_string(),
        "only the following media types are accepted when converting to Table: application/json, application/yaml"
    );
    assert_eq!(e.code(), 406);
    assert_eq!(e.to_status_error().status().reason.as_deref(), Some("NotAcceptable"));
    assert_eq!(e.to_status_error().message(), e.to_string());
}

#[test]
fn checked_json_decoding_notices_repeated_keys() {
    use crate::codec::checked::decode_json_checked;
    let docs: [(&str, bool); 6] = [
        (r#"{"a":1,"b":[{"c":2.5,"d":null}],"e":"x"}"#, false),
        (r#"{"a":1,"a":2}"#, true),
        (r#"{"a":{"b":[{"k":1,"k":1}]}}"#, true),
        (r#"[{"a":1},{"a":2}]"#, false),
        (r#"{"big":18446744073709551615,"neg":-3,"f":1.5e300}"#, false),
        (r#""text""#, false),
    ];
    for (doc, dup) in docs {
        let plain: Result<serde_json::Value, _> = serde_json::from_slice(doc.as_bytes());
        let (value, seen) =
            decode_json_checked(doc.as_bytes()).unwrap_or_else(|e| panic!("{doc}: {e}"));
        assert_eq!(Some(value), plain.ok(), "{doc}");
        assert_eq!(seen, dup, "{doc}");
    }
    // Bad documents fail as the plain decoder fails.
    for doc in [r#"{"a":"#, r#"{"a":1} x"#, "", r#"{"a":01}"#, r#"{"f":1e400}"#] {
        let plain = serde_json::from_slice::<serde_json::Value>(doc.as_bytes()).unwrap_err();
        let checked = decode_json_checked(doc.as_bytes()).unwrap_err();
        assert_eq!(checked.to_string(), plain.to_string(), "{doc}");
    }
}
