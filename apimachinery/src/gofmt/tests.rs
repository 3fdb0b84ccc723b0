//! Tests of the Go renderings, mirroring strconv's and fmt's behaviour.

use super::*;

fn check_quote(input: &str, want: &str) {
    assert_eq!(quote(input), want, "{input:?}");
}

#[test]
fn test_quote() {
    for (input, want) in [
        ("abc", "\"abc\""),
        ("a\"b", "\"a\\\"b\""),
        ("a\\b", "\"a\\\\b\""),
        ("a\nb", "\"a\\nb\""),
        ("\n\t\r", "\"\\n\\t\\r\""),
        ("\u{1}", "\"\\x01\""),
        ("\u{7f}", "\"\\x7f\""),
        ("ü", "\"ü\""),
        ("é", "\"é\""),
        ("\u{200b}", "\"\\u200b\""),
        ("\u{a0}", "\"\\u00a0\""),
        ("<>", "\"<>\""),
    ] {
        check_quote(input, want);
    }
}

fn check_float(f: f64, want: &str) {
    assert_eq!(format_float(f), want, "{f}");
}

#[test]
fn test_format_float() {
    for (f, want) in [
        (1.0, "1"),
        (1.5, "1.5"),
        (100000.0, "100000"),
        (1000000.0, "1e+06"),
        (1234567.0, "1.234567e+06"),
        (0.0001, "0.0001"),
        (0.00001, "1e-05"),
        (-2.5, "-2.5"),
        (0.1, "0.1"),
        (123.456, "123.456"),
    ] {
        check_float(f, want);
    }
}

#[test]
fn test_quote_non_printable() {
    for (input, want) in [
        ("\u{e000}", "\"\\ue000\""),
        ("\u{10ffff}", "\"\\U0010ffff\""),
        ("\u{85}", "\"\\u0085\""),
        ("\u{feff}x", "\"\\ufeffx\""),
        ("日本", "\"日本\""),
    ] {
        check_quote(input, want);
    }
}

#[test]
fn test_format_float_special() {
    for (f, want) in [
        (-0.0, "-0"),
        (0.0, "0"),
        (f64::NAN, "NaN"),
        (f64::INFINITY, "+Inf"),
        (f64::NEG_INFINITY, "-Inf"),
        (1e21, "1e+21"),
        (123456.0, "123456"),
        (1.0e-320, "1e-320"),
        (f64::from(0.1f32), "0.10000000149011612"),
    ] {
        check_float(f, want);
    }
    assert_eq!(format_float32(0.1), "0.1");
    assert_eq!(format_float32(1e7), "1e+07");
    assert_eq!(format_float32(16777216.0), "1.6777216e+07");
}

fn check_v(value: Value, want: &str) {
    assert_eq!(format_value(&value), want, "{value}");
}

#[test]
fn test_format_value() {
    check_v(serde_json::json!(null), "<nil>");
    check_v(serde_json::json!("a b"), "a b");
    check_v(serde_json::json!(true), "true");
    check_v(serde_json::json!(1.5e6), "1.5e+06");
    check_v(serde_json::json!(u64::MAX), "1.8446744073709552e+19");
    check_v(serde_json::json!([1, "x", null, []]), "[1 x <nil> []]");
    check_v(
        serde_json::json!({"b": [1, {"d": 1, "c": 2}], "a": 1.5}),
        "map[a:1.5 b:[1 map[c:2 d:1]]]",
    );
    check_v(serde_json::json!({}), "map[]");
    assert_eq!(format_list(&["a", "b"]), "[a b]");
    assert_eq!(format_list::<&str>(&[]), "[]");
}

#[test]
fn test_format_s_and_type_name() {
    for (value, s, t) in [
        (serde_json::json!(null), "%!s(<nil>)", "<nil>"),
        (serde_json::json!(true), "%!s(bool=true)", "bool"),
        (serde_json::json!(7), "%!s(int64=7)", "int64"),
        (serde_json::json!(0.5), "%!s(float64=0.5)", "float64"),
        (serde_json::json!("x"), "x", "string"),
        (serde_json::json!([1]), "[1]", "[]interface {}"),
        (serde_json::json!({"a": "b"}), "map[a:b]", "map[string]interface {}"),
    ] {
        assert_eq!(format_s(&value), s, "{value}");
        assert_eq!(type_name(&value), t, "{value}");
    }
}

fn check_json(value: Value, indent: Option<&str>, want: &str) {
    assert_eq!(marshal_json(&value, indent), want, "{value}");
}

#[test]
fn test_marshal_json() {
    check_json(
        serde_json::json!({"b": "<&>", "a": 1e21}),
        None,
        r#"{"a":1e+21,"b":"\u003c\u0026\u003e"}"#,
    );
    check_json(serde_json::json!([1e-7, 0.000001, 1.5, -0.0]), None, "[1e-7,0.000001,1.5,-0]");
    check_json(serde_json::json!("\u{2028}\u{1}\t"), None, r#""\u2028\u0001\t""#);
    check_json(serde_json::json!(u64::MAX), None, "18446744073709552000");
    check_json(
        serde_json::json!({"b": {}, "a": [1, 2], "c": []}),
        Some("  "),
        "{\n  \"a\": [\n    1,\n    2\n  ],\n  \"b\": {},\n  \"c\": []\n}",
    );
    assert_eq!(
        marshal_json_ordered(&serde_json::json!({"z": 1, "a": u64::MAX})),
        r#"{"z":1,"a":18446744073709551615}"#
    );
}

#[test]
fn test_aggregate() {
    assert_eq!(aggregate::<&str>(&[]), "");
    assert_eq!(aggregate(&["a"]), "a");
    assert_eq!(aggregate(&["a", "a"]), "a");
    assert_eq!(aggregate(&["a", "b", "a"]), "[a, b]");
}
