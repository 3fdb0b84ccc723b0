//! Tests for the patch module, mirroring upstream's strategicpatch, mergepatch and
//! jsonmergepatch tests, plus real Pod and Deployment patches.

use serde_json::{Value, json};

use super::strategic::sort_merge_lists_for_test;
use super::test_cases::{
    CREATE_CASES_YAML, CUSTOM_CASES_YAML, CUSTOM_RAW_CASES, RAW_CASES, RAW_EXTENSION_CASES, RawCase,
};
use super::*;

/// The schema of upstream's test struct `MergeItem`.
fn merge_item_schema() -> PatchSchema {
    let item = || FieldType::structure("MergeItem");
    let ints = || FieldType::list(FieldType::int());
    PatchSchema::builder()
        .structure(
            "MergeItem",
            &[
                ("name", FieldType::string(), "", ""),
                ("value", FieldType::string(), "", ""),
                ("other", FieldType::string(), "", ""),
                ("mergingList", FieldType::list(item()), "merge", "name"),
                ("nonMergingList", FieldType::list(item()), "", ""),
                ("mergingIntList", ints(), "merge", ""),
                ("nonMergingIntList", ints(), "", ""),
                ("mergeItemPtr", FieldType::Pointer(Box::new(item())), "merge", "name"),
                ("simpleMap", FieldType::map(FieldType::string()), "", ""),
                ("replacingItem", FieldType::structure("RawExtension"), "replace", ""),
                ("jsonItem", FieldType::structure(""), "", ""),
                ("retainKeysMap", FieldType::structure("RetainKeysMergeItem"), "retainKeys", ""),
                ("retainKeysMergingList", FieldType::list(item()), "merge,retainKeys", "name"),
            ],
        )
        .structure(
            "RetainKeysMergeItem",
            &[
                ("name", FieldType::string(), "", ""),
                ("value", FieldType::string(), "", ""),
                ("other", FieldType::string(), "", ""),
                ("simpleMap", FieldType::map(FieldType::string()), "", ""),
                ("mergingIntList", ints(), "merge", ""),
                ("mergingList", FieldType::list(item()), "merge", "name"),
                ("nonMergingList", FieldType::list(item()), "", ""),
            ],
        )
        .structure("RawExtension", &[])
        .structure("", &[("Raw", FieldType::list(FieldType::Primitive("uint8".into())), "", "")])
        .build("MergeItem")
}

fn precision_item_schema() -> PatchSchema {
    PatchSchema::builder()
        .structure(
            "PrecisionItem",
            &[
                ("name", FieldType::string(), "", ""),
                ("int32", FieldType::Primitive("int32".into()), "", ""),
                ("int64", FieldType::int(), "", ""),
                ("float32", FieldType::Primitive("float32".into()), "", ""),
                ("float64", FieldType::Primitive("float64".into()), "", ""),
            ],
        )
        .build("PrecisionItem")
}

fn yaml(s: &str) -> Value {
    if s.trim().is_empty() {
        return Value::Null;
    }
    serde_saphyr::from_str::<Value>(s).unwrap_or_else(|e| panic!("bad test yaml {s}: {e}"))
}

fn obj(v: &Value) -> Value {
    if v.is_null() { json!({}) } else { v.clone() }
}

/// One case of upstream's `StrategicMergePatchTestCaseData`, as parsed documents.
struct Case {
    description: String,
    original: Value,
    modified: Value,
    current: Value,
    two_way: Value,
    three_way: Value,
    result: Value,
    two_way_result: Value,
    expected_error: String,
}

impl Case {
    fn from_raw(c: &RawCase) -> Case {
        Case {
            description: c.description.to_string(),
            original: yaml(c.original),
            modified: yaml(c.modified),
            current: yaml(c.current),
            two_way: yaml(c.two_way),
            three_way: yaml(c.three_way),
            result: yaml(c.result),
            two_way_result: yaml(c.two_way_result),
            expected_error: c.expected_error.to_string(),
        }
    }

    /// Cases of a YAML table, with every document's merging lists sorted (upstream's
    /// `sortJsonOrFail`).
    fn from_table(table: &str, schema: &PatchSchema) -> Vec<Case> {
        let doc = yaml(table);
        let cases = doc["testCases"].as_array().cloned().unwrap_or_default();
        assert!(!cases.is_empty());
        let sorted = |v: &Value| {
            if v.is_null() {
                Value::Null
            } else {
                sort_merge_lists_for_test(v, schema).expect("sortable test document")
            }
        };
        cases
            .iter()
            .map(|c| Case {
                description: c["description"].as_str().unwrap_or_default().to_string(),
                original: sorted(&c["original"]),
                modified: sorted(&c["modified"]),
                current: sorted(&c["current"]),
                two_way: sorted(&c["twoWay"]),
                three_way: sorted(&c["threeWay"]),
                result: sorted(&c["result"]),
                two_way_result: sorted(&c["twoWayResult"]),
                expected_error: String::new(),
            })
            .collect()
    }
}

/// Upstream's `testPatchApplication`.
fn check_application(
    original: &Value,
    patch: &Value,
    expected: &Value,
    expected_error: &str,
    description: &str,
    schema: &PatchSchema,
) {
    let result = strategic_merge_patch(original, patch, schema);
    if !expected_error.is_empty() {
        match result {
            Err(e) if e.to_string().contains(expected_error) => return,
            other => panic!("{description}: expected error {expected_error:?}, got {other:?}"),
        }
    }
    let result = result.unwrap_or_else(|e| panic!("{description}: cannot apply {patch}: {e}"));
    assert_eq!(&result, &obj(expected), "{description}: applying {patch} to {original}");
}

/// Upstream's `testTwoWayPatch`.
fn check_two_way(c: &Case, schema: &PatchSchema) {
    let patch = create_two_way_merge_patch(&c.original, &c.modified, schema)
        .unwrap_or_else(|e| panic!("{}: cannot create two-way patch: {e}", c.description));
    assert_eq!(patch, obj(&c.two_way), "{}: two-way patch", c.description);
    let expected = if c.two_way_result.is_null() { &c.modified } else { &c.two_way_result };
    check_application(&c.original, &patch, expected, &c.expected_error, &c.description, schema);
}

/// Upstream's `testThreeWayPatch`: descriptions containing "conflict" must conflict.
fn check_three_way(c: &Case, schema: &PatchSchema) {
    let expects_conflict = c.description.contains("conflict");
    let patch =
        match create_three_way_merge_patch(&c.original, &c.modified, &c.current, schema, false) {
            Err(e) if e.is_conflict() => {
                assert!(expects_conflict, "{}: unexpected conflict: {e}", c.description);
                if c.result.is_null() {
                    return;
                }
                create_three_way_merge_patch(&c.original, &c.modified, &c.current, schema, true)
                    .unwrap_or_else(|e| panic!("{}: forced three-way failed: {e}", c.description))
            }
            Err(e) => panic!("{}: cannot create three-way patch: {e}", c.description),
            Ok(p) => {
                assert!(
                    !expects_conflict && !c.result.is_null(),
                    "{}: expected conflict did not occur",
                    c.description
                );
                p
            }
        };
    assert_eq!(patch, obj(&c.three_way), "{}: three-way patch", c.description);
    check_application(&c.current, &patch, &c.result, &c.expected_error, &c.description, schema);
}

#[test]
fn test_strategic_merge_patch_create_cases() {
    let schema = merge_item_schema();
    let cases = Case::from_table(CREATE_CASES_YAML, &schema);
    assert!(cases.len() > 20, "{}", cases.len());
    for c in &cases {
        check_two_way(c, &schema);
        check_three_way(c, &schema);
    }
}

#[test]
fn test_strategic_merge_patch_raw_cases() {
    let schema = merge_item_schema();
    assert!(RAW_CASES.len() > 80);
    for raw in RAW_CASES {
        let c = Case::from_raw(raw);
        check_two_way(&c, &schema);
        check_three_way(&c, &schema);
    }
}

#[test]
fn test_custom_strategic_merge_patch() {
    let schema = merge_item_schema();
    for c in Case::from_table(CUSTOM_CASES_YAML, &schema) {
        check_application(&c.original, &c.two_way, &c.modified, "", &c.description, &schema);
    }
    for raw in CUSTOM_RAW_CASES {
        let c = Case::from_raw(raw);
        let expected = if c.two_way_result.is_null() { &c.modified } else { &c.two_way_result };
        check_application(
            &c.original,
            &c.two_way,
            expected,
            &c.expected_error,
            &c.description,
            &schema,
        );
    }
}

#[test]
fn test_replace_with_raw_extension() {
    let schema = merge_item_schema();
    for raw in RAW_EXTENSION_CASES {
        let c = Case::from_raw(raw);
        check_two_way(&c, &schema);
        check_three_way(&c, &schema);
    }
}

#[test]
fn test_number_conversion() {
    let schema = precision_item_schema();
    let cases = [
        ("{}", "{}", "{}", "{}"),
        (
            r#"{"int32":1000000}"#,
            r#"{"int32":1000000,"name":"newname"}"#,
            r#"{"name":"newname"}"#,
            r#"{"int32":1000000,"name":"newname"}"#,
        ),
        (
            r#"{"int32":2147483647}"#,
            r#"{"int32":2147483647,"name":"newname"}"#,
            r#"{"name":"newname"}"#,
            r#"{"int32":2147483647,"name":"newname"}"#,
        ),
        (
            r#"{"int64":9223372036854775807}"#,
            r#"{"int64":9223372036854775807,"name":"newname"}"#,
            r#"{"name":"newname"}"#,
            r#"{"int64":9223372036854775807,"name":"newname"}"#,
        ),
        (
            r#"{"float32":3.4028234663852886e+38}"#,
            r#"{"float32":3.4028234663852886e+38,"name":"newname"}"#,
            r#"{"name":"newname"}"#,
            r#"{"float32":3.4028234663852886e+38,"name":"newname"}"#,
        ),
        (
            r#"{"float64":1.7976931348623157e+308}"#,
            r#"{"float64":1.7976931348623157e+308,"name":"newname"}"#,
            r#"{"name":"newname"}"#,
            r#"{"float64":1.7976931348623157e+308,"name":"newname"}"#,
        ),
    ];
    for (old, new, expected_patch, expected_result) in cases {
        let old = old.as_bytes();
        let patch = create_two_way_merge_patch(
            &serde_json::from_slice(old).unwrap(),
            &serde_json::from_str(new).unwrap(),
            &schema,
        )
        .unwrap();
        assert_eq!(serde_json::to_string(&patch).unwrap(), expected_patch);
        let result = strategic_merge_patch(
            &serde_json::from_slice(old).unwrap(),
            &serde_json::from_str(expected_patch).unwrap(),
            &schema,
        )
        .unwrap();
        assert_eq!(result, serde_json::from_str::<Value>(expected_result).unwrap());
        let bytes = strategic_merge_patch_bytes(old, expected_patch.as_bytes(), &schema).unwrap();
        assert!(bytes.starts_with(b"{"));
    }
}

#[test]
fn test_unknown_field() {
    // (original, current, modified, two-way, two-way result, three-way, three-way result,
    // expected error)
    type UnknownFieldCase = (&'static str, &'static str, &'static str, &'static str, &'static str);
    let ok: &[(&str, UnknownFieldCase, &str, &str)] = &[
        (
            "no diff",
            (
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
                "{}",
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
            ),
            "{}",
            r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
        ),
        (
            "no diff even if modified null",
            (
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{"key":null},"name":"foo","scalar":true}"#,
                r#"{"complex_nullable":{"key":null}}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{},"name":"foo","scalar":true}"#,
            ),
            r#"{"complex_nullable":{"key":null}}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{},"name":"foo","scalar":true}"#,
        ),
        (
            "discard nulls in nested and adds not nulls",
            (
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{"key":{"keynotnull":"value","keynull":null}},"name":"foo","scalar":true}"#,
                r#"{"complex_nullable":{"key":{"keynotnull":"value","keynull":null}}}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{"key":{"keynotnull":"value"}},"name":"foo","scalar":true}"#,
            ),
            r#"{"complex_nullable":{"key":{"keynotnull":"value","keynull":null}}}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":{"key":{"keynotnull":"value"}},"name":"foo","scalar":true}"#,
        ),
        (
            "discard if modified all nulls",
            (
                "{}",
                "{}",
                r#"{"complex":{"nested":null}}"#,
                r#"{"complex":{"nested":null}}"#,
                r#"{"complex":{}}"#,
            ),
            r#"{"complex":{"nested":null}}"#,
            r#"{"complex":{}}"#,
        ),
        (
            "add only not nulls",
            (
                "{}",
                "{}",
                r#"{"complex":{"nested":null,"nested2":"foo"}}"#,
                r#"{"complex":{"nested":null,"nested2":"foo"}}"#,
                r#"{"complex":{"nested2":"foo"}}"#,
            ),
            r#"{"complex":{"nested":null,"nested2":"foo"}}"#,
            r#"{"complex":{"nested2":"foo"}}"#,
        ),
        (
            "null values in original are preserved",
            (
                r#"{"thing":null}"#,
                r#"{"thing":null}"#,
                r#"{"nested":{"value":5},"thing":null}"#,
                r#"{"nested":{"value":5}}"#,
                r#"{"nested":{"value":5},"thing":null}"#,
            ),
            r#"{"nested":{"value":5}}"#,
            r#"{"nested":{"value":5},"thing":null}"#,
        ),
        (
            "nested null values in original are preserved",
            (
                r#"{"complex":{"key":null},"thing":null}"#,
                r#"{"complex":{"key":null},"thing":null}"#,
                r#"{"complex":{"key":null},"nested":{"value":5},"thing":null}"#,
                r#"{"nested":{"value":5}}"#,
                r#"{"complex":{"key":null},"nested":{"value":5},"thing":null}"#,
            ),
            r#"{"nested":{"value":5}}"#,
            r#"{"complex":{"key":null},"nested":{"value":5},"thing":null}"#,
        ),
        (
            "add empty slices",
            (
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":[],"name":"foo","scalar":true}"#,
                r#"{"complex_nullable":[]}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":[],"name":"foo","scalar":true}"#,
            ),
            r#"{"complex_nullable":[]}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"complex_nullable":[],"name":"foo","scalar":true}"#,
        ),
        (
            "filter nulls from nested slices",
            (
                "{}",
                "{}",
                r#"{"complex_nullable":[{"inner_one":{"key_one":"foo","key_two":null}}]}"#,
                r#"{"complex_nullable":[{"inner_one":{"key_one":"foo","key_two":null}}]}"#,
                r#"{"complex_nullable":[{"inner_one":{"key_one":"foo"}}]}"#,
            ),
            r#"{"complex_nullable":[{"inner_one":{"key_one":"foo","key_two":null}}]}"#,
            r#"{"complex_nullable":[{"inner_one":{"key_one":"foo"}}]}"#,
        ),
        (
            "filter if slice is all empty",
            (
                "{}",
                "{}",
                r#"{"complex_nullable":[{"inner_one":{"key_one":null,"key_two":null}}]}"#,
                r#"{"complex_nullable":[{"inner_one":{"key_one":null,"key_two":null}}]}"#,
                r#"{"complex_nullable":[{"inner_one":{}}]}"#,
            ),
            r#"{"complex_nullable":[{"inner_one":{"key_one":null,"key_two":null}}]}"#,
            r#"{"complex_nullable":[{"inner_one":{}}]}"#,
        ),
        (
            "not filter nulls from non-associative slice",
            (
                "{}",
                "{}",
                r#"{"complex_nullable":["key1",null,"key2"]}"#,
                r#"{"complex_nullable":["key1",null,"key2"]}"#,
                r#"{"complex_nullable":["key1",null,"key2"]}"#,
            ),
            r#"{"complex_nullable":["key1",null,"key2"]}"#,
            r#"{"complex_nullable":["key1",null,"key2"]}"#,
        ),
        (
            "added only",
            (
                r#"{"name":"foo"}"#,
                r#"{"name":"foo"}"#,
                r#"{"name":"foo","scalar":true,"complex":{"nested":true},"array":[1,2,3]}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"scalar":true}"#,
                r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
            ),
            r#"{"array":[1,2,3],"complex":{"nested":true},"scalar":true}"#,
            r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
        ),
        (
            "removed only",
            (
                r#"{"name":"foo","scalar":true,"complex":{"nested":true}}"#,
                r#"{"name":"foo","scalar":true,"complex":{"nested":true},"array":[1,2,3]}"#,
                r#"{"name":"foo"}"#,
                r#"{"complex":null,"scalar":null}"#,
                r#"{"name":"foo"}"#,
            ),
            r#"{"complex":null,"scalar":null}"#,
            r#"{"array":[1,2,3],"name":"foo"}"#,
        ),
    ];
    let schema = merge_item_schema();
    let p = |s: &str| serde_json::from_str::<Value>(s).unwrap();
    for (name, (original, current, modified, two_way, two_way_result), three_way, result) in ok {
        let patch = create_two_way_merge_patch(&p(original), &p(modified), &schema).unwrap();
        assert_eq!(serde_json::to_string(&patch).unwrap(), *two_way, "{name}");
        let applied = strategic_merge_patch(&p(original), &patch, &schema).unwrap();
        assert_eq!(applied, p(two_way_result), "{name}");
        let patch =
            create_three_way_merge_patch(&p(original), &p(modified), &p(current), &schema, false)
                .unwrap();
        assert_eq!(serde_json::to_string(&patch).unwrap(), *three_way, "{name}");
        let applied = strategic_merge_patch(&p(current), &patch, &schema).unwrap();
        assert_eq!(applied, p(result), "{name}");
    }

    // Cases that cannot be strategically merged: the changed map has no schema.
    let failing = [
        (
            r#"{"array":[1,2,3],"complex":{"nested":true},"name":"foo","scalar":true}"#,
            r#"{"array":[1,2,3],"complex":{"nested":false},"name":"foo","scalar":true}"#,
            r#"unable to find api field in struct MergeItem for the json field "complex""#,
        ),
        (
            r#"{"name":"foo","jsonItem":{"nested":{"nested2":{"nested3":{}}}}}"#,
            r#"{"name":"foo","jsonItem":{"nested":{"nested2":{"nested3":{"a":"b"}}}}}"#,
            r#"unable to find api field in struct  for the json field "nested""#,
        ),
    ];
    for (original, modified, message) in failing {
        let err = create_two_way_merge_patch(&p(original), &p(modified), &schema).unwrap_err();
        assert_eq!(err.to_string(), message);
        let err =
            create_three_way_merge_patch(&p(original), &p(modified), &p(original), &schema, false)
                .unwrap_err();
        assert_eq!(err.to_string(), message);
    }
}

/// Upstream's `TestStrategicMergePatch` preamble plus the directive error paths.
#[test]
fn test_strategic_merge_patch_errors() {
    let schema = merge_item_schema();
    assert_eq!(
        strategic_merge_patch_bytes(b"<THIS IS NOT JSON>", b"{}", &schema).unwrap_err(),
        PatchError::BadJsonDoc
    );
    assert_eq!(
        strategic_merge_patch_bytes(b"{}", b"<THIS IS NOT JSON>", &schema).unwrap_err(),
        PatchError::BadJsonDoc
    );
    assert_eq!(
        strategic_merge_patch(&json!([1]), &json!({}), &schema).unwrap_err(),
        PatchError::BadJsonDoc
    );
    let cases: &[(Value, Value, &str)] = &[
        (
            json!({"name": "a"}),
            json!({"$patch": "bogus"}),
            "unknown patch type: bogus in map: map[$patch:bogus]",
        ),
        (
            json!({"mergingList": [{"name": "a"}]}),
            json!({"mergingList": [{"name": "a", "$patch": "bogus"}]}),
            "unknown patch type: bogus in map: map[$patch:bogus name:a]",
        ),
        (
            json!({"mergingList": [{"name": "a"}]}),
            json!({"mergingList": [{"$patch": "merge"}]}),
            "merging lists cannot yet be specified in the patch",
        ),
        (
            json!({"mergingList": [{"name": "a"}]}),
            json!({"mergingList": [{"$patch": "delete", "value": "x"}]}),
            "map: map[$patch:delete value:x] does not contain declared merge key: name",
        ),
        (
            json!({"mergingList": [{"name": "a"}]}),
            json!({"mergingList": [{"value": "x"}]}),
            "map: map[value:x] does not contain declared merge key: name",
        ),
        (
            json!({"mergingList": [{"name": "a"}]}),
            json!({"mergingList": [1]}),
            "list element types are not identical: [[map[name:a]] [1]]",
        ),
        (
            json!({"mergingIntList": [1]}),
            json!({"mergingIntList": [[2]]}),
            "list element types are not identical: [[1] [[2]]]",
        ),
        (
            json!({"mergingIntList": [[1]]}),
            json!({"mergingIntList": [[2]]}),
            "lists of lists are not supported",
        ),
        (
            json!({"unknown": {"a": 1}}),
            json!({"unknown": {"a": 2}}),
            r#"unable to find api field in struct MergeItem for the json field "unknown""#,
        ),
        (
            json!({"simpleMap": {"a": {"b": 1}}}),
            json!({"simpleMap": {"a": {"b": 2}}}),
            "merging an object in json but data type is not struct, instead is: map",
        ),
        (
            json!({"simpleMap": [1]}),
            json!({"simpleMap": [2]}),
            "expected slice or array type, but got: struct",
        ),
        (
            json!({"retainKeysMap": {"name": "a"}}),
            json!({"retainKeysMap": {"$retainKeys": ["name"], "value": "b"}}),
            "invalid patch format of retainKeys",
        ),
        (
            json!({"retainKeysMap": {"name": "a"}}),
            json!({"retainKeysMap": {"$retainKeys": "name"}}),
            "invalid patch format of retainKeys",
        ),
        (
            json!({"mergingIntList": [1]}),
            json!({"$deleteFromPrimitiveListmergingIntList": [1]}),
            "invalid patch format of primitive list",
        ),
        (
            json!({"mergingList": [{"name": "a"}]}),
            json!({"$setElementOrdermergingList": [{"name": "a"}]}),
            "invalid patch format of setElementOrder list",
        ),
        (
            json!({"mergingList": [{"name": "a"}]}),
            json!({"$setElementOrder/mergingList": {"name": "a"}}),
            "expected a []interface {}, but received a map[string]interface {}",
        ),
        (
            json!({"mergingList": [{"name": "a"}]}),
            json!({
                "$setElementOrder/mergingList": [{"name": "a"}],
                "mergingList": [{"name": "b"}]
            }),
            "The order in patch list:\n[map[name:b]]\n doesn't match $setElementOrder list:\n[map[name:a]]\n",
        ),
        (
            json!({"nonMergingList": [{"name": "a"}]}),
            json!({"$setElementOrder/unknownList": [{"name": "a"}]}),
            r#"unable to find api field in struct MergeItem for the json field "unknownList""#,
        ),
    ];
    for (original, patch, message) in cases {
        let err = strategic_merge_patch(original, patch, &schema).unwrap_err();
        assert_eq!(err.to_string(), *message, "patch {patch}");
    }
}

/// Directive behaviour on hand-written documents (`$patch` on maps and list items,
/// `$retainKeys`, `$deleteFromPrimitiveList`, nulls).
#[test]
fn test_strategic_merge_patch_directives() {
    let schema = merge_item_schema();
    let cases: &[(&str, Value, Value, Value)] = &[
        (
            "null deletes a key",
            json!({"name": "a", "value": "b"}),
            json!({"value": null}),
            json!({"name": "a"}),
        ),
        (
            "replace a map",
            json!({"mergeItemPtr": {"name": "a", "value": "b"}}),
            json!({"mergeItemPtr": {"$patch": "replace", "other": "c"}}),
            json!({"mergeItemPtr": {"other": "c"}}),
        ),
        (
            "delete a map",
            json!({"simpleMap": {"a": "b"}, "name": "n"}),
            json!({"simpleMap": {"$patch": "delete"}}),
            json!({"simpleMap": {}, "name": "n"}),
        ),
        (
            "replace a merging list",
            json!({"mergingList": [{"name": "a"}, {"name": "b"}]}),
            json!({"mergingList": [{"name": "c"}, {"$patch": "replace"}]}),
            json!({"mergingList": [{"name": "c"}]}),
        ),
        (
            "delete from primitive list",
            json!({"mergingIntList": [1, 2, 3]}),
            json!({"$deleteFromPrimitiveList/mergingIntList": [2]}),
            json!({"mergingIntList": [1, 3]}),
        ),
        (
            "merge primitive lists without duplicates",
            json!({"mergingIntList": [1, 2]}),
            json!({"mergingIntList": [2, 3]}),
            json!({"mergingIntList": [1, 2, 3]}),
        ),
        (
            "non-merging list replaced",
            json!({"nonMergingIntList": [1, 2]}),
            json!({"nonMergingIntList": [3]}),
            json!({"nonMergingIntList": [3]}),
        ),
        (
            "retainKeys clears unlisted fields",
            json!({"retainKeysMap": {"name": "a", "value": "b", "other": "c"}}),
            json!({"retainKeysMap": {"$retainKeys": ["name", "other"], "other": "d"}}),
            json!({"retainKeysMap": {"name": "a", "other": "d"}}),
        ),
        (
            "setElementOrder reorders",
            json!({"mergingList": [{"name": "a"}, {"name": "b"}, {"name": "c"}]}),
            json!({"$setElementOrder/mergingList": [{"name": "c"}, {"name": "b"}, {"name": "a"}]}),
            json!({"mergingList": [{"name": "c"}, {"name": "b"}, {"name": "a"}]}),
        ),
        (
            "directives dropped from new values",
            json!({}),
            json!({"mergingList": [{"name": "a"}, {"name": "b", "$patch": "delete"}]}),
            json!({"mergingList": [{"name": "a"}]}),
        ),
        ("null original document", Value::Null, json!({"name": "a"}), json!({"name": "a"})),
    ];
    for (name, original, patch, expected) in cases {
        let got = strategic_merge_patch(original, patch, &schema).unwrap();
        assert_eq!(&got, expected, "{name}");
    }
}

#[test]
fn test_merge_strategic_merge_patches() {
    let schema = merge_item_schema();
    let merged = merge_strategic_merge_patches(
        &schema,
        &[
            json!({"name": null, "mergingList": [{"name": "a", "value": "1"}]}),
            json!({"value": "v", "mergingList": [{"name": "b"}]}),
        ],
    )
    .unwrap();
    assert_eq!(
        merged,
        // Patch items unknown to the earlier list go first, as upstream orders them.
        json!({"name": null, "mergingList": [{"name": "b"}, {"name": "a", "value": "1"}], "value": "v"})
    );
}

#[test]
fn test_three_way_conflict_message() {
    let schema = merge_item_schema();
    let err = create_three_way_merge_patch(
        &json!({"name": "1", "value": "a"}),
        &json!({"name": "1", "value": "b"}),
        &json!({"name": "1", "value": "c"}),
        &schema,
        false,
    )
    .unwrap_err();
    assert!(err.is_conflict());
    assert_eq!(
        err.to_string(),
        "patch:\nvalue: b\n\nconflicts with changes made from original to current:\nvalue: c\n\n"
    );
    let forced = create_three_way_merge_patch(
        &json!({"name": "1", "value": "a"}),
        &json!({"name": "1", "value": "b"}),
        &json!({"name": "1", "value": "c"}),
        &schema,
        true,
    )
    .unwrap();
    assert_eq!(forced, json!({"value": "b"}));
}

#[test]
fn test_preconditions() {
    let schema = merge_item_schema();
    let err = create_two_way_merge_patch_with_preconditions(
        &json!({"name": "a"}),
        &json!({"name": "b"}),
        &schema,
        &[Precondition::KeyUnchanged("name".into())],
    )
    .unwrap_err();
    assert!(err.is_precondition_failed());
    assert_eq!(err.to_string(), "precondition failed for: map[name:b]");
    let ok = create_two_way_merge_patch_with_preconditions(
        &json!({"name": "a", "value": "1"}),
        &json!({"name": "a", "value": "2"}),
        &schema,
        &[
            Precondition::KeyUnchanged("name".into()),
            Precondition::MetadataKeyUnchanged("name".into()),
        ],
    )
    .unwrap();
    assert_eq!(ok, json!({"value": "2"}));
    let meta = json!({"metadata": {"name": "x"}});
    let Value::Object(m) = &meta else { unreachable!() };
    assert!(!Precondition::MetadataKeyUnchanged("name".into()).holds(m));
    assert!(Precondition::MetadataKeyUnchanged("uid".into()).holds(m));
}

/// Mirrors mergepatch's `TestHasConflicts` (checked in both directions).
#[test]
fn test_has_conflicts() {
    let cases: &[(Value, Value, bool)] = &[
        (json!("hello"), json!("hello"), false),
        (json!("hello"), json!("hell"), true),
        (json!("hello"), Value::Null, true),
        (json!("hello"), json!(1), true),
        (json!("hello"), json!(1.0), true),
        (json!("hello"), json!(false), true),
        (json!(1), json!(1), false),
        (Value::Null, Value::Null, false),
        (json!(false), json!(false), false),
        (json!(3.0), json!(3.0), false),
        (json!("hello"), json!([]), true),
        (json!([1]), json!([]), true),
        (json!([]), json!([]), false),
        (json!([1]), json!([1]), false),
        (json!({}), json!([1]), true),
        (json!({}), json!({"a": 1}), false),
        (json!({"a": 1}), json!({"a": 1}), false),
        (json!({"a": 1}), json!({"a": 2}), true),
        (json!({"a": 1}), json!({"b": 2}), false),
        (json!({"a": [1]}), json!({"a": [1]}), false),
        (json!({"a": [1]}), json!({"a": []}), true),
        (json!({"a": [1]}), json!({"a": 1}), true),
        (json!({"a": 1, "b": 2}), json!({"a": 1, "b": 0}), true),
        (json!({"a": 1, "b": 2}), json!({"a": 1, "b": 2}), false),
        (json!({"a": 1, "b": 2}), json!({"a": 1, "b": 0, "c": 3}), true),
        (json!({"a": 1, "b": 2}), json!({"a": 1, "b": 2, "c": 3}), false),
        (json!({"a": [1, 2]}), json!({"a": [1, 0]}), true),
        (json!({"a": [1, 2]}), json!({"a": [1, 2]}), false),
        (json!(0), json!(0.0), true),
        (json!(0), json!("0"), true),
        (json!(0), Value::Null, true),
        (json!(0), json!(false), true),
        (json!("true"), json!(true), true),
        (json!("null"), Value::Null, true),
    ];
    for (a, b, want) in cases {
        assert_eq!(has_conflicts(a, b), *want, "{a} vs {b}");
        assert_eq!(has_conflicts(b, a), *want, "{b} vs {a}");
    }
}

#[test]
fn test_patch_type_parse() {
    let cases = [
        ("application/json-patch+json", Some(PatchType::Json)),
        ("application/merge-patch+json", Some(PatchType::Merge)),
        ("application/strategic-merge-patch+json", Some(PatchType::StrategicMerge)),
        ("application/apply-patch+yaml", Some(PatchType::Apply)),
        ("application/merge-patch+json; charset=utf-8", Some(PatchType::Merge)),
        ("Application/JSON-Patch+JSON", Some(PatchType::Json)),
        ("application/json", None),
        ("", None),
    ];
    for (input, want) in cases {
        assert_eq!(PatchType::from_media_type(input), want, "{input}");
    }
    for t in PatchType::ALL {
        assert_eq!(t.to_string().parse::<PatchType>().unwrap(), t);
    }
    assert!("text/plain".parse::<PatchType>().is_err());
}

#[test]
fn test_json_patch() {
    let doc = json!({"metadata": {"labels": {"a": "b"}}, "spec": {"replicas": 1}});
    let cases: &[(Value, Result<Value, &str>)] = &[
        (
            json!([{"op": "replace", "path": "/spec/replicas", "value": 3}]),
            Ok(json!({"metadata": {"labels": {"a": "b"}}, "spec": {"replicas": 3}})),
        ),
        (
            json!([{"op": "add", "path": "/metadata/labels/c", "value": "d"}]),
            Ok(json!({"metadata": {"labels": {"a": "b", "c": "d"}}, "spec": {"replicas": 1}})),
        ),
        (
            json!([{"op": "remove", "path": "/metadata/labels/a"}]),
            Ok(json!({"metadata": {"labels": {}}, "spec": {"replicas": 1}})),
        ),
        (json!([{"op": "test", "path": "/spec/replicas", "value": 1}]), Ok(doc.clone())),
        (json!([{"op": "test", "path": "/spec/replicas", "value": 2}]), Err("failed")),
        (json!([{"op": "remove", "path": "/spec/missing"}]), Err("failed")),
        (json!({"op": "remove"}), Err("invalid")),
        (json!([{"op": "frobnicate", "path": "/"}]), Err("invalid")),
    ];
    for (patch, want) in cases {
        match (apply_json_patch(&doc, patch), want) {
            (Ok(got), Ok(want)) => assert_eq!(&got, want, "{patch}"),
            (Err(PatchError::JsonPatchFailed(_)), Err("failed")) => {}
            (Err(PatchError::InvalidJsonPatch(_)), Err("invalid")) => {}
            (got, want) => panic!("{patch}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn test_merge_patch() {
    let cases: &[(Value, Value, Value)] = &[
        (json!({"a": "b"}), json!({"a": "c"}), json!({"a": "c"})),
        (json!({"a": "b"}), json!({"b": "c"}), json!({"a": "b", "b": "c"})),
        (json!({"a": "b"}), json!({"a": null}), json!({})),
        (json!({"a": "b", "b": "c"}), json!({"a": null}), json!({"b": "c"})),
        (json!({"a": ["b"]}), json!({"a": "c"}), json!({"a": "c"})),
        (json!({"a": "c"}), json!({"a": ["b"]}), json!({"a": ["b"]})),
        (json!({"a": {"b": "c"}}), json!({"a": {"b": "d", "c": null}}), json!({"a": {"b": "d"}})),
        (json!({"a": [{"b": "c"}]}), json!({"a": [1]}), json!({"a": [1]})),
        (json!({"e": null}), json!({"a": 1}), json!({"e": null, "a": 1})),
        (json!({}), json!({"a": {"bb": {"ccc": null}}}), json!({"a": {"bb": {}}})),
    ];
    for (doc, patch, want) in cases {
        assert_eq!(&apply_merge_patch(doc, patch), want, "{doc} + {patch}");
        // A created merge patch reproduces the target when the target has no nulls.
        let created = create_merge_patch(doc, want).unwrap();
        assert_eq!(&apply_merge_patch(doc, &created), want, "{doc} -> {want}");
    }
    assert_eq!(
        create_merge_patch(
            &json!({"a": 1, "b": {"c": 2, "d": 3}}),
            &json!({"b": {"c": 4, "d": 3}, "e": [1]})
        )
        .unwrap(),
        json!({"a": null, "b": {"c": 4}, "e": [1]})
    );
    assert_eq!(create_merge_patch(&json!({"a": 1}), &json!({"a": 1.0})).unwrap(), json!({}));
    assert_eq!(create_merge_patch(&json!([]), &json!({})).unwrap_err(), PatchError::BadJsonDoc);
}

/// Mirrors jsonmergepatch's `TestCreateThreeWayJSONMergePatch` cases.
#[test]
fn test_create_three_way_json_merge_patch() {
    // (original, modified, current, expected patch or None for a conflict)
    let cases: &[(Value, Value, Value, Option<Value>)] = &[
        (json!({}), json!({"a": 1}), json!({}), Some(json!({"a": 1}))),
        (json!({"a": 1}), json!({}), json!({"a": 1}), Some(json!({"a": null}))),
        (json!({"a": 1}), json!({"a": 1}), json!({"a": 1, "b": 2}), Some(json!({}))),
        (
            json!({"a": 1, "b": 2}),
            json!({"a": 1}),
            json!({"a": 1, "b": 3}),
            Some(json!({"b": null})),
        ),
        (
            json!({"a": {"x": 1, "y": 2}}),
            json!({"a": {"x": 2}}),
            json!({"a": {"x": 1, "y": 2, "z": 3}}),
            Some(json!({"a": {"x": 2, "y": null}})),
        ),
        (
            json!({"a": [1, 2]}),
            json!({"a": [1, 2, 3]}),
            json!({"a": [1, 2]}),
            Some(json!({"a": [1, 2, 3]})),
        ),
        (json!({"a": {"b": 1}}), json!({"a": 2}), json!({"a": {"b": 1}}), Some(json!({"a": 2}))),
    ];
    for (original, modified, current, want) in cases {
        let got = create_three_way_json_merge_patch(original, modified, current, &[]);
        match want {
            Some(want) => assert_eq!(&got.unwrap(), want, "{modified}"),
            None => assert!(got.unwrap_err().is_conflict(), "{modified}"),
        }
    }
    let err = create_three_way_json_merge_patch(
        &json!({}),
        &json!({"kind": "B"}),
        &json!({"kind": "A"}),
        &[Precondition::KeyUnchanged("kind".into())],
    )
    .unwrap_err();
    assert_eq!(err.to_string(), "precondition failed for: map[kind:B]");
}

#[test]
fn test_to_yaml() {
    let cases: &[(Value, &str)] = &[
        (json!({}), "{}\n"),
        (json!({"b": 1, "a": "x"}), "a: x\nb: 1\n"),
        (
            json!({"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80}]}]}}),
            "spec:\n  containers:\n  - name: c\n    ports:\n    - containerPort: 80\n",
        ),
        (json!({"a": null, "b": [], "c": {}}), "a: null\nb: []\nc: {}\n"),
        (
            json!({"a": "true", "b": "1", "c": "", "d": "a: b"}),
            "a: \"true\"\nb: \"1\"\nc: \"\"\nd: 'a: b'\n",
        ),
        (json!({"a": [[1, 2]]}), "a:\n- - 1\n  - 2\n"),
    ];
    for (v, want) in cases {
        assert_eq!(crate::codec::to_yaml(v), *want, "{v}");
    }
}

fn pod_schema() -> PatchSchema {
    PatchSchema::of::<k8s_openapi::api::core::v1::Pod>()
}

#[test]
fn test_patch_schema_of_builtin_types() {
    let pod = pod_schema();
    let (spec, meta) = pod.lookup_map("spec").unwrap();
    assert_eq!(meta, PatchMeta::default());
    let (container, meta) = spec.lookup_list("containers").unwrap();
    assert_eq!(meta, PatchMeta::new("merge", "name"));
    assert_eq!(container.lookup_list("env").unwrap().1, PatchMeta::new("merge", "name"));
    assert_eq!(container.lookup_list("ports").unwrap().1, PatchMeta::new("merge", "containerPort"));
    assert_eq!(
        container.lookup_list("volumeMounts").unwrap().1,
        PatchMeta::new("merge", "mountPath")
    );
    assert_eq!(
        spec.lookup_list("volumes").unwrap().1,
        PatchMeta {
            strategies: vec![Strategy::Merge, Strategy::RetainKeys],
            merge_key: Some("name".into()),
        }
    );
    let (ephemeral, _) = spec.lookup_list("ephemeralContainers").unwrap();
    assert_eq!(ephemeral.lookup_list("env").unwrap().1, PatchMeta::new("merge", "name"));
    let (metadata, _) = pod.lookup_map("metadata").unwrap();
    assert_eq!(metadata.lookup_list("finalizers").unwrap().1, PatchMeta::new("merge", ""));
    assert_eq!(metadata.lookup_list("ownerReferences").unwrap().1, PatchMeta::new("merge", "uid"));
    let (labels, _) = metadata.lookup_map("labels").unwrap();
    assert_eq!(labels.name(), "map");
    // Field names match case-insensitively as a fallback, as Go's JSON decoding does.
    assert!(pod.lookup_map("Spec").is_ok());
    assert_eq!(
        pod.lookup_map("bogus").err().unwrap().to_string(),
        r#"unable to find api field in struct Pod for the json field "bogus""#
    );
    assert_eq!(
        pod.lookup_list("metadata").err().unwrap().to_string(),
        "expected slice or array type, but got: struct"
    );
    // Quantities and other string-encoded structs have no fields.
    let (resources, _) = container.lookup_map("resources").unwrap();
    let (limits, _) = resources.lookup_map("limits").unwrap();
    assert_eq!(
        limits.lookup_map("cpu").err().unwrap().to_string(),
        "merging an object in json but data type is not struct, instead is: map"
    );

    let deployment = PatchSchema::of::<k8s_openapi::api::apps::v1::Deployment>();
    let (dspec, _) = deployment.lookup_map("spec").unwrap();
    assert_eq!(dspec.lookup_map("strategy").unwrap().1, PatchMeta::new("retainKeys", ""));
    let (template, _) = dspec.lookup_map("template").unwrap();
    let (tspec, _) = template.lookup_map("spec").unwrap();
    assert_eq!(tspec.lookup_list("containers").unwrap().1, PatchMeta::new("merge", "name"));
    let (status, _) = deployment.lookup_map("status").unwrap();
    assert_eq!(status.lookup_list("conditions").unwrap().1, PatchMeta::new("merge", "type"));

    let node = PatchSchema::of::<k8s_openapi::api::core::v1::Node>();
    let (nspec, _) = node.lookup_map("spec").unwrap();
    assert_eq!(nspec.lookup_list("podCIDRs").unwrap().1, PatchMeta::new("merge", ""));
    let pdb = PatchSchema::of::<k8s_openapi::api::policy::v1::PodDisruptionBudget>();
    let (pspec, _) = pdb.lookup_map("spec").unwrap();
    assert_eq!(pspec.lookup_map("selector").unwrap().1, PatchMeta::new("replace", ""));
}

fn pod(containers: Value) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": "p", "labels": {"app": "a"}, "finalizers": ["f1"]},
        "spec": {"containers": containers}
    })
}

#[test]
fn test_strategic_merge_patch_pod() {
    let schema = pod_schema();
    let base = pod(json!([
        {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
         "ports": [{"containerPort": 80}, {"containerPort": 443}]},
        {"name": "sidecar", "image": "side:1"}
    ]));
    let cases: &[(&str, Value, Value)] = &[
        (
            "containers merge by name",
            json!({"spec": {"containers": [{"name": "sidecar", "image": "side:2"}]}}),
            pod(json!([
                {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 80}, {"containerPort": 443}]},
                {"name": "sidecar", "image": "side:2"}
            ])),
        ),
        (
            "env merges by name inside a container",
            json!({"spec": {"containers": [{"name": "app", "env": [{"name": "B", "value": "3"}, {"name": "C", "value": "4"}]}]}}),
            pod(json!([
                {"name": "app", "image": "app:1",
                 "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "3"}, {"name": "C", "value": "4"}],
                 "ports": [{"containerPort": 80}, {"containerPort": 443}]},
                {"name": "sidecar", "image": "side:1"}
            ])),
        ),
        (
            "ports merge by containerPort and can be deleted",
            json!({"spec": {"containers": [{"name": "app", "ports": [{"containerPort": 443, "$patch": "delete"}, {"containerPort": 8080}]}]}}),
            pod(json!([
                {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 8080}, {"containerPort": 80}]},
                {"name": "sidecar", "image": "side:1"}
            ])),
        ),
        (
            "delete a container",
            json!({"spec": {"containers": [{"name": "sidecar", "$patch": "delete"}]}}),
            pod(json!([
                {"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}],
                 "ports": [{"containerPort": 80}, {"containerPort": 443}]}
            ])),
        ),
        (
            "finalizers merge as a set and delete via parallel list",
            json!({"metadata": {"finalizers": ["f2"], "$deleteFromPrimitiveList/finalizers": ["f1"]}}),
            {
                let mut p = base.clone();
                p["metadata"]["finalizers"] = json!(["f2"]);
                p
            },
        ),
        (
            "labels merge and null deletes",
            json!({"metadata": {"labels": {"app": null, "tier": "web"}}}),
            {
                let mut p = base.clone();
                p["metadata"]["labels"] = json!({"tier": "web"});
                p
            },
        ),
    ];
    for (name, patch, want) in cases {
        let got = strategic_merge_patch(&base, patch, &schema).unwrap();
        assert_eq!(&got, want, "{name}");
        // The two-way patch between base and the result reproduces the result.
        let two_way = create_two_way_merge_patch(&base, want, &schema).unwrap();
        let again = strategic_merge_patch(&base, &two_way, &schema).unwrap();
        assert_eq!(&again, want, "{name}: two-way {two_way}");
    }
}

#[test]
fn test_create_two_way_merge_patch_pod() {
    let schema = pod_schema();
    let original =
        pod(json!([{"name": "app", "image": "app:1"}, {"name": "side", "image": "s:1"}]));
    let modified = pod(json!([{"name": "app", "image": "app:2"}]));
    let patch = create_two_way_merge_patch(&original, &modified, &schema).unwrap();
    assert_eq!(
        patch,
        json!({"spec": {
            "$setElementOrder/containers": [{"name": "app"}],
            "containers": [{"image": "app:2", "name": "app"}, {"$patch": "delete", "name": "side"}]
        }})
    );
    // Keys are emitted sorted, like Go's encoder.
    assert_eq!(
        serde_json::to_string(&patch).unwrap(),
        r#"{"spec":{"$setElementOrder/containers":[{"name":"app"}],"containers":[{"image":"app:2","name":"app"},{"$patch":"delete","name":"side"}]}}"#
    );
    let mut finalizers = original.clone();
    finalizers["metadata"]["finalizers"] = json!(["f2", "f1"]);
    let patch = create_two_way_merge_patch(&original, &finalizers, &schema).unwrap();
    assert_eq!(
        patch,
        json!({"metadata": {"$setElementOrder/finalizers": ["f2", "f1"], "finalizers": ["f2"]}})
    );
    assert_eq!(strategic_merge_patch(&original, &patch, &schema).unwrap(), finalizers);
}

/// kubectl apply's three-way patch against a live Deployment.
#[test]
fn test_create_three_way_merge_patch_deployment() {
    let schema = PatchSchema::of::<k8s_openapi::api::apps::v1::Deployment>();
    let deploy = |replicas: u32, containers: Value, strategy: Value| {
        json!({
            "apiVersion": "apps/v1", "kind": "Deployment",
            "metadata": {"name": "d"},
            "spec": {"replicas": replicas, "strategy": strategy,
                     "template": {"spec": {"containers": containers}}}
        })
    };
    let last_applied = deploy(
        1,
        json!([{"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}]}]),
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}}),
    );
    let mut live = deploy(
        1,
        json!([{"name": "app", "image": "app:1", "env": [{"name": "A", "value": "1"}],
                "terminationMessagePath": "/dev/termination-log"}]),
        json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": "25%"}}),
    );
    live["metadata"]["uid"] = json!("u1");
    let new_config = deploy(
        3,
        json!([{"name": "app", "image": "app:2", "env": [{"name": "B", "value": "2"}]}]),
        json!({"type": "Recreate"}),
    );
    // The server defaulted maxUnavailable, which the new config clears: a conflict unless
    // overwriting (kubectl apply overwrites by default).
    let err = create_three_way_merge_patch(&last_applied, &new_config, &live, &schema, false)
        .unwrap_err();
    assert!(err.is_conflict());
    assert!(
        err.to_string().ends_with(
            "conflicts with changes made from original to current:\nmetadata:\n  uid: u1\nspec:\n  strategy:\n    $retainKeys:\n    - rollingUpdate\n    - type\n    rollingUpdate:\n      maxUnavailable: 25%\n  template:\n    spec:\n      containers:\n      - name: app\n        terminationMessagePath: /dev/termination-log\n\n"
        ),
        "{err}"
    );
    let patch =
        create_three_way_merge_patch(&last_applied, &new_config, &live, &schema, true).unwrap();
    assert_eq!(
        patch,
        json!({"spec": {
            "replicas": 3,
            "strategy": {"$retainKeys": ["type"], "rollingUpdate": null, "type": "Recreate"},
            "template": {"spec": {
                "$setElementOrder/containers": [{"name": "app"}],
                "containers": [{
                    "$setElementOrder/env": [{"name": "B"}],
                    "env": [{"name": "B", "value": "2"}, {"$patch": "delete", "name": "A"}],
                    "image": "app:2",
                    "name": "app"
                }]
            }}
        }})
    );
    let result = strategic_merge_patch(&live, &patch, &schema).unwrap();
    assert_eq!(result["spec"]["strategy"], json!({"type": "Recreate"}));
    assert_eq!(
        result["spec"]["template"]["spec"]["containers"],
        json!([{"name": "app", "image": "app:2", "env": [{"name": "B", "value": "2"}],
                "terminationMessagePath": "/dev/termination-log"}])
    );
    assert_eq!(result["metadata"]["uid"], json!("u1"));
    assert_eq!(result["spec"]["replicas"], json!(3));

    // Someone else scaled the live object: the scale change conflicts too.
    live["spec"]["replicas"] = json!(5);
    live["spec"]["strategy"] = json!({"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}});
    let err = create_three_way_merge_patch(&last_applied, &new_config, &live, &schema, false)
        .unwrap_err();
    assert!(err.to_string().contains("\nspec:\n  replicas: 5\n"), "{err}");
    // When the configuration never set replicas, the live scale is left alone.
    let mut unscaled = new_config.clone();
    unscaled["spec"].as_object_mut().unwrap().remove("replicas");
    unscaled["spec"]["strategy"] = last_applied["spec"]["strategy"].clone();
    let mut unscaled_last = last_applied.clone();
    unscaled_last["spec"].as_object_mut().unwrap().remove("replicas");
    let patch =
        create_three_way_merge_patch(&unscaled_last, &unscaled, &live, &schema, false).unwrap();
    assert!(patch["spec"].get("replicas").is_none(), "{patch}");
}
