//! Tests mirroring pkg/api/errors/errors_test.go and pkg/util/validation/field/{errors,path}_test.go.

use super::field::{BadValue, Error as FieldError, ErrorList, ErrorType, Path};
use super::*;

fn gr(resource: &str) -> GroupResource {
    GroupResource::new("", resource)
}

fn gk(kind: &str) -> GroupKind {
    GroupKind::new("", kind)
}

#[derive(Debug, Error)]
#[error("wrapping: {0}")]
struct Wrapped(#[source] Box<dyn std::error::Error + 'static>);

#[test]
fn test_path() {
    let root = Path::new("root");
    let steps: Vec<(Path, &str)> = {
        let p1 = root.child("first");
        let p2 = p1.child("second");
        let p3 = p2.index(0);
        let p4 = p3.child("third");
        let p5 = p4.index(93);
        let p6 = p5.parent().unwrap_or_else(|| root.clone());
        let p7 = p6.parent().unwrap_or_else(|| root.clone());
        let p8 = p7.key("key");
        vec![
            (root.clone(), "root"),
            (p1, "root.first"),
            (p2, "root.first.second"),
            (p3, "root.first.second[0]"),
            (p4, "root.first.second[0].third"),
            (p5, "root.first.second[0].third[93]"),
            (p6, "root.first.second[0].third"),
            (p7, "root.first.second[0]"),
            (p8, "root.first.second[0][key]"),
        ]
    };
    for (p, expect) in steps {
        assert_eq!(p.to_string(), expect);
        assert_eq!(p.root(), root);
    }
}

#[test]
fn test_path_multi_arg() {
    let root = Path::from_names(["root", "first"]);
    let p = root.child("second").child("third");
    assert_eq!(p.to_string(), "root.first.second.third");
    assert_eq!(p.index(0).to_string(), "root.first.second.third[0]");
    let mut cur = Some(p);
    for expect in ["root.first.second.third", "root.first.second", "root.first", "root"] {
        let Some(p) = cur else { panic!("ran out at {expect}") };
        assert_eq!(p.to_string(), expect);
        assert_eq!(p.root().to_string(), "root");
        cur = p.parent();
    }
    assert!(cur.is_none());
}

#[test]
fn test_path_display() {
    for (p, expect) in [
        (Path::new("spec").child("containers").index(0).child("image"), "spec.containers[0].image"),
        (Path::new("metadata").child("labels").key("app"), "metadata.labels[app]"),
        (Path::new("").child("x"), "[].x"),
        (Path::new("a").key("b.c").key("d"), "a[b.c][d]"),
        (Path::from_names(Vec::<String>::new()), "[]"),
        (Path::new("spec.template"), "spec.template"),
        (Path::nil(), "<nil>"),
        (Path::nil().child("key"), "key"),
        (Path::nil().key("k"), "[k]"),
        (Path::nil().child("values").index(0), "values[0]"),
    ] {
        assert_eq!(p.to_string(), expect);
    }
}

#[test]
fn test_make_funcs() {
    let f = Path::new("f");
    for (err, expected) in [
        (FieldError::invalid(&f, "v", "d"), ErrorType::Invalid),
        (FieldError::not_supported::<&str>(&f, "v", &[]), ErrorType::NotSupported),
        (FieldError::duplicate(&f, "v"), ErrorType::Duplicate),
        (FieldError::not_found(&f, "v"), ErrorType::NotFound),
        (FieldError::required(&f, "d"), ErrorType::Required),
        (FieldError::internal(&f, "e"), ErrorType::Internal),
        (FieldError::forbidden(&f, "d"), ErrorType::Forbidden),
        (FieldError::too_long(&f, 3), ErrorType::TooLong),
        (FieldError::too_many(&f, 3, 2), ErrorType::TooMany),
        (FieldError::type_invalid(&f, "v", "d"), ErrorType::TypeInvalid),
    ] {
        assert_eq!(err.error_type, expected);
    }
}

#[test]
fn test_error_type_strings() {
    for (t, wire, human) in [
        (ErrorType::NotFound, "FieldValueNotFound", "Not found"),
        (ErrorType::Required, "FieldValueRequired", "Required value"),
        (ErrorType::Duplicate, "FieldValueDuplicate", "Duplicate value"),
        (ErrorType::Invalid, "FieldValueInvalid", "Invalid value"),
        (ErrorType::NotSupported, "FieldValueNotSupported", "Unsupported value"),
        (ErrorType::Forbidden, "FieldValueForbidden", "Forbidden"),
        (ErrorType::TooLong, "FieldValueTooLong", "Too long"),
        (ErrorType::TooMany, "FieldValueTooMany", "Too many"),
        (ErrorType::TooFew, "FieldValueTooFew", "Too few"),
        (ErrorType::Internal, "InternalError", "Internal error"),
        (ErrorType::TypeInvalid, "FieldValueTypeInvalid", "Invalid value"),
        (ErrorType::TooShort, "FieldValueTooShort", "Too short"),
    ] {
        assert_eq!(t.as_str(), wire);
        assert_eq!(t.to_string(), human);
        assert_eq!(ErrorType::parse(wire), t);
    }
    assert_eq!(ErrorType::parse("not real").to_string(), r#"<unknown error "not real">"#);
}

#[test]
fn test_to_aggregate() {
    let f = Path::new("f");
    for (list, n, message) in [
        (ErrorList::new(), 0, ""),
        (ErrorList(vec![FieldError::invalid(&f, "v", "d")]), 1, r#"f: Invalid value: "v": d"#),
        (
            ErrorList(vec![FieldError::invalid(&f, "v", "d"), FieldError::invalid(&f, "v", "d")]),
            1,
            r#"f: Invalid value: "v": d"#,
        ),
        (
            ErrorList(vec![
                FieldError::invalid(&f, "v", "d"),
                FieldError::internal(&Path::new(""), "e"),
            ]),
            2,
            r#"[f: Invalid value: "v": d, []: Internal error: e]"#,
        ),
    ] {
        let agg = list.to_aggregate();
        assert_eq!(agg.as_ref().map_or(0, |a| a.errors().len()), n);
        assert_eq!(agg.map(|a| a.to_string()).unwrap_or_default(), message);
    }
}

#[test]
fn test_err_list_filter() {
    let list = ErrorList(vec![
        FieldError::invalid(&Path::new("test.field"), "", ""),
        FieldError::invalid(&Path::new("field.test"), "", ""),
        FieldError::duplicate(&Path::new("test"), "value"),
    ]);
    assert_eq!(list.filter_out(&[ErrorType::Duplicate]).len(), 2);
    assert_eq!(list.filter_out(&[ErrorType::Invalid]).len(), 1);
}

#[test]
fn test_error_origin_and_prefix() {
    let list = ErrorList(vec![
        FieldError::invalid(&Path::new("field1"), "value1", "detail1"),
        FieldError::required(&Path::new("field3"), "detail3"),
    ])
    .with_origin("origin1")
    .prefix_detail("pre: ");
    assert!(list.iter().all(|e| e.origin == "origin1"));
    assert_eq!(list[0].detail, "pre: detail1");
    let e = FieldError::invalid(&Path::new("f"), 1, "").mark_covered_by_declarative();
    assert!(e.covered_by_declarative);
}

fn raw(error_type: ErrorType, bad_value: impl Into<BadValue>) -> FieldError {
    FieldError::new(error_type, &Path::new("path.to.field"), bad_value, "the details")
        .with_origin("theOrigin")
}

#[test]
fn test_error_formatting() {
    let p = Path::new("path.to.field");
    #[derive(serde::Serialize)]
    #[serde(rename_all = "camelCase")]
    struct TinyStruct {
        string_field: &'static str,
        int_field: i64,
        bool_field: bool,
    }
    let tiny = TinyStruct { string_field: "stringval", int_field: 9376, bool_field: true };
    let mut map = std::collections::BTreeMap::new();
    map.insert("one", 1);
    map.insert("two", 2);
    map.insert("three", 3);
    let cases: Vec<(FieldError, &str)> = vec![
        (raw(ErrorType::Required, "the value"), "path.to.field: Required value: the details"),
        (FieldError::required(&p, "the details"), "path.to.field: Required value: the details"),
        (raw(ErrorType::Forbidden, "the value"), "path.to.field: Forbidden: the details"),
        (FieldError::forbidden(&p, "the details"), "path.to.field: Forbidden: the details"),
        (raw(ErrorType::TooLong, "the value"), "path.to.field: Too long: the details"),
        (FieldError::too_long(&p, 1), "path.to.field: Too long: may not be more than 1 byte"),
        (FieldError::too_long(&p, 2), "path.to.field: Too long: may not be more than 2 bytes"),
        (FieldError::too_long(&p, -1), "path.to.field: Too long: value is too long"),
        (
            FieldError::too_long_characters(&p, 1),
            "path.to.field: Too long: may not be more than 1 character",
        ),
        (
            FieldError::too_long_characters(&p, 63),
            "path.to.field: Too long: may not be more than 63 characters",
        ),
        (
            raw(ErrorType::TooMany, "the value"),
            r#"path.to.field: Too many: "the value": the details"#,
        ),
        (FieldError::too_many(&p, 2, 1), "path.to.field: Too many: 2: must have at most 1 item"),
        (FieldError::too_many(&p, 3, 2), "path.to.field: Too many: 3: must have at most 2 items"),
        (FieldError::too_many(&p, 2, -1), "path.to.field: Too many: 2: has too many items"),
        (FieldError::too_many(&p, -1, 1), "path.to.field: Too many: must have at most 1 item"),
        (FieldError::too_few(&p, 0, 1), "path.to.field: Too few: 0: must have at least 1 item"),
        (
            FieldError::too_short(&p, "ab", 3),
            r#"path.to.field: Too short: must be at least 3 characters"#,
        ),
        (raw(ErrorType::Internal, "the value"), "path.to.field: Internal error: the details"),
        (FieldError::internal(&p, "the error"), "path.to.field: Internal error: the error"),
        (
            raw(ErrorType::Invalid, "the value"),
            r#"path.to.field: Invalid value: "the value": the details"#,
        ),
        (raw(ErrorType::Invalid, -42), "path.to.field: Invalid value: -42: the details"),
        (raw(ErrorType::Invalid, true), "path.to.field: Invalid value: true: the details"),
        (
            raw(ErrorType::Invalid, BadValue::json(&tiny)),
            r#"path.to.field: Invalid value: {"stringField":"stringval","intField":9376,"boolField":true}: the details"#,
        ),
        (
            raw(ErrorType::Invalid, BadValue::json(&["one", "two", "three"])),
            r#"path.to.field: Invalid value: ["one","two","three"]: the details"#,
        ),
        (
            raw(ErrorType::Invalid, BadValue::json(&map)),
            r#"path.to.field: Invalid value: {"one":1,"three":3,"two":2}: the details"#,
        ),
        (raw(ErrorType::Invalid, BadValue::Omitted), "path.to.field: Invalid value: the details"),
        (
            raw(ErrorType::Invalid, BadValue::Null),
            "path.to.field: Invalid value: null: the details",
        ),
        (
            raw(ErrorType::Invalid, None::<String>),
            "path.to.field: Invalid value: null: the details",
        ),
        (
            raw(ErrorType::Invalid, Some("the value")),
            r#"path.to.field: Invalid value: "the value": the details"#,
        ),
        (
            FieldError::invalid(&p, "the value", "the details"),
            r#"path.to.field: Invalid value: "the value": the details"#,
        ),
        (
            raw(ErrorType::NotFound, "the value"),
            r#"path.to.field: Not found: "the value": the details"#,
        ),
        (
            raw(ErrorType::NotSupported, "the value"),
            r#"path.to.field: Unsupported value: "the value": the details"#,
        ),
        (
            FieldError::not_supported(&p, "the value", &["val1", "val2"]),
            r#"path.to.field: Unsupported value: "the value": supported values: "val1", "val2""#,
        ),
        (
            raw(ErrorType::Duplicate, "the value"),
            r#"path.to.field: Duplicate value: "the value": the details"#,
        ),
        (FieldError::duplicate(&p, "the value"), r#"path.to.field: Duplicate value: "the value""#),
        (
            raw(ErrorType::TypeInvalid, "the value"),
            r#"path.to.field: Invalid value: "the value": the details"#,
        ),
        (
            FieldError::type_invalid(&p, "the value", "the details"),
            r#"path.to.field: Invalid value: "the value": the details"#,
        ),
        (
            raw(ErrorType::Other("not real".into()), "x"),
            r#"path.to.field: Internal error: unhandled error code: <unknown error "not real">: please report this: the details"#,
        ),
        // Values rendered as Go renders them.
        (raw(ErrorType::Invalid, 1.5), "path.to.field: Invalid value: 1.5: the details"),
        (raw(ErrorType::Invalid, 1e6), "path.to.field: Invalid value: 1e+06: the details"),
        (raw(ErrorType::Invalid, 123456.0), "path.to.field: Invalid value: 123456: the details"),
        (raw(ErrorType::Invalid, 0.00001), "path.to.field: Invalid value: 1e-05: the details"),
        (
            raw(ErrorType::Invalid, "a\"b\\c\n\u{1}é"),
            r#"path.to.field: Invalid value: "a\"b\\c\n\x01é": the details"#,
        ),
        (
            raw(ErrorType::Invalid, "\u{a0}\u{200b}"),
            r#"path.to.field: Invalid value: "\u00a0\u200b": the details"#,
        ),
        (
            raw(
                ErrorType::Invalid,
                BadValue::json(
                    &serde_json::json!({"a": "<&>", "b": 1e21, "c": 1.5e-7, "d": [0.5]}),
                ),
            ),
            r#"path.to.field: Invalid value: {"a":"\u003c\u0026\u003e","b":1e+21,"c":1.5e-7,"d":[0.5]}: the details"#,
        ),
    ];
    for (err, expect) in cases {
        assert_eq!(err.to_string(), expect);
    }
    // The brief's examples.
    assert_eq!(
        FieldError::invalid(
            &Path::new("spec").child("replicas"),
            -1,
            "must be greater than or equal to 0"
        )
        .to_string(),
        "spec.replicas: Invalid value: -1: must be greater than or equal to 0"
    );
    assert_eq!(
        FieldError::not_supported(&Path::new("f"), "x", &["a", "b"]).body(),
        r#"Unsupported value: "x": supported values: "a", "b""#
    );
}

#[test]
fn test_error_new() {
    let err = StatusError::new_already_exists(&gr("tests"), "1");
    assert!(err.is_already_exists());
    assert!(!err.is_conflict());
    assert!(!err.is_not_found());
    assert!(!err.is_invalid());
    assert!(!err.is_bad_request());
    assert!(!err.is_forbidden());
    assert!(!err.is_server_timeout());
    assert!(!err.is_method_not_supported());

    assert!(StatusError::new_conflict(&gr("tests"), "2", "message").is_conflict());
    assert!(StatusError::new_not_found(&gr("tests"), "3").is_not_found());
    assert!(StatusError::new_invalid(&gk("Test"), "2", &ErrorList::new()).is_invalid());
    assert!(StatusError::new_bad_request("reason").is_bad_request());
    assert!(StatusError::new_forbidden(&gr("tests"), "2", "reason").is_forbidden());
    assert!(StatusError::new_unauthorized("reason").is_unauthorized());
    assert!(StatusError::new_server_timeout(&gr("tests"), "reason", 0).is_server_timeout());
    assert!(StatusError::new_method_not_supported(&gr("foos"), "delete").is_method_not_supported());
    assert!(StatusError::new_generate_name_conflict(&gr("tests"), "3", 1).is_already_exists());
    assert!(StatusError::new_gone("x").is_gone());
    assert!(StatusError::new_resource_expired("x").is_resource_expired());
    assert!(StatusError::new_service_unavailable("x").is_service_unavailable());
    assert!(StatusError::new_timeout_error("x", 0).is_timeout());
    assert!(StatusError::new_internal_error("x").is_internal_error());
    assert!(StatusError::new_too_many_requests("x", 0).is_too_many_requests());
    assert!(StatusError::new_too_many_requests_error("x").is_too_many_requests());
    assert!(StatusError::new_request_entity_too_large("x").is_request_entity_too_large());
    assert!(StatusError::new_not_acceptable(&["application/json"]).is_not_acceptable());
    assert!(
        StatusError::new_unsupported_media_type(&["application/json"]).is_unsupported_media_type()
    );

    let delay = |e: StatusError| e.suggests_client_delay();
    assert_eq!(delay(StatusError::new_generate_name_conflict(&gr("tests"), "3", 1)), Some(1));
    assert_eq!(
        delay(StatusError::new_server_timeout(&gr("tests"), "doing something", 10)),
        Some(10)
    );
    assert_eq!(delay(StatusError::new_server_timeout(&gr("tests"), "doing something", 0)), Some(0));
    assert_eq!(delay(StatusError::new_timeout_error("test reason", 10)), Some(10));
    assert_eq!(delay(StatusError::new_too_many_requests("doing something", 10)), Some(10));
    assert_eq!(delay(StatusError::new_too_many_requests("doing something", 1)), Some(1));
    let generic = |code, retry| {
        StatusError::new_generic_server_response(
            code,
            "GET",
            &gr("tests"),
            "test",
            "doing something",
            retry,
            true,
        )
    };
    assert_eq!(delay(generic(429, 10)), Some(10));
    assert_eq!(delay(generic(500, 10)), Some(10));
    assert_eq!(delay(generic(429, 0)), None);
    assert_eq!(delay(StatusError::new_not_found(&gr("tests"), "x")), None);
    assert_eq!(delay(StatusError::new_bad_request("x")), None);
}

#[test]
fn test_constructor_messages_and_codes() {
    let apps = GroupResource::new("apps", "deployments");
    for (err, code, reason, message) in [
        (StatusError::new_not_found(&gr("pods"), "x"), 404, "NotFound", r#"pods "x" not found"#),
        (
            StatusError::new_not_found(&apps, "web"),
            404,
            "NotFound",
            r#"deployments.apps "web" not found"#,
        ),
        (
            StatusError::new_already_exists(&gr("pods"), "x"),
            409,
            "AlreadyExists",
            r#"pods "x" already exists"#,
        ),
        (
            StatusError::new_generate_name_conflict(&gr("pods"), "x-abc", 1),
            409,
            "AlreadyExists",
            r#"pods "x-abc" already exists, the server was not able to generate a unique name for the object"#,
        ),
        (
            StatusError::new_conflict(
                &gr("pods"),
                "x",
                "the object has been modified; please apply your changes to the latest version and try again",
            ),
            409,
            "Conflict",
            r#"Operation cannot be fulfilled on pods "x": the object has been modified; please apply your changes to the latest version and try again"#,
        ),
        (StatusError::new_unauthorized(""), 401, "Unauthorized", "not authorized"),
        (StatusError::new_unauthorized("Unauthorized"), 401, "Unauthorized", "Unauthorized"),
        (
            StatusError::new_forbidden(
                &gr("pods"),
                "x",
                r#"User "bob" cannot get resource "pods""#,
            ),
            403,
            "Forbidden",
            r#"pods "x" is forbidden: User "bob" cannot get resource "pods""#,
        ),
        (
            StatusError::new_forbidden(&gr("pods"), "", "no"),
            403,
            "Forbidden",
            "pods is forbidden: no",
        ),
        (
            StatusError::new_forbidden(&GroupResource::default(), "x", "no"),
            403,
            "Forbidden",
            "forbidden: no",
        ),
        (StatusError::new_gone("gone away"), 410, "Gone", "gone away"),
        (
            StatusError::new_resource_expired("too old resource version: 1 (2)"),
            410,
            "Expired",
            "too old resource version: 1 (2)",
        ),
        (StatusError::new_bad_request("bad"), 400, "BadRequest", "bad"),
        (StatusError::new_service_unavailable("down"), 503, "ServiceUnavailable", "down"),
        (
            StatusError::new_method_not_supported(&gr("pods"), "watch"),
            405,
            "MethodNotAllowed",
            r#"watch is not supported on resources of kind "pods""#,
        ),
        (
            StatusError::new_server_timeout(&gr("pods"), "create", 2),
            500,
            "ServerTimeout",
            "The create operation against pods could not be completed at this time, please try again.",
        ),
        (
            StatusError::new_server_timeout_for_kind(
                &GroupKind::new("apps", "Deployment"),
                "get",
                0,
            ),
            500,
            "ServerTimeout",
            "The get operation against Deployment.apps could not be completed at this time, please try again.",
        ),
        (
            StatusError::new_internal_error("boom"),
            500,
            "InternalError",
            "Internal error occurred: boom",
        ),
        (
            StatusError::new_timeout_error("request did not complete within 60s", 0),
            504,
            "Timeout",
            "Timeout: request did not complete within 60s",
        ),
        (StatusError::new_too_many_requests("slow down", 1), 429, "TooManyRequests", "slow down"),
        (
            StatusError::new_too_many_requests_error("slow down"),
            429,
            "TooManyRequests",
            "Too many requests: slow down",
        ),
        (
            StatusError::new_request_entity_too_large("limit is 3145728"),
            413,
            "RequestEntityTooLarge",
            "Request entity too large: limit is 3145728",
        ),
        (
            StatusError::new_not_acceptable(&["application/json", "application/yaml"]),
            406,
            "NotAcceptable",
            "only the following media types are accepted: application/json, application/yaml",
        ),
        (
            StatusError::new_unsupported_media_type(&["application/json"]),
            415,
            "UnsupportedMediaType",
            "the body of the request was in an unknown format - accepted media types include: application/json",
        ),
        (
            StatusError::new_apply_conflict(vec![], "Apply failed with 1 conflict"),
            409,
            "Conflict",
            "Apply failed with 1 conflict",
        ),
    ] {
        assert_eq!(err.code(), code, "{message}");
        assert_eq!(err.reason().as_str(), reason, "{message}");
        assert_eq!(err.to_string(), message);
        assert_eq!(err.status().status.as_deref(), Some("Failure"));
    }
}

#[test]
fn test_new_invalid() {
    let p = Path::new("field[0].name");
    let cases: Vec<(Option<FieldError>, &str, &str)> = vec![
        (
            Some(FieldError::duplicate(&p, "bar")),
            "FieldValueDuplicate",
            r#"Kind "name" is invalid: field[0].name: Duplicate value: "bar""#,
        ),
        (
            Some(FieldError::invalid(&p, "bar", "detail")),
            "FieldValueInvalid",
            r#"Kind "name" is invalid: field[0].name: Invalid value: "bar": detail"#,
        ),
        (
            Some(FieldError::not_found(&p, "bar")),
            "FieldValueNotFound",
            r#"Kind "name" is invalid: field[0].name: Not found: "bar""#,
        ),
        (
            Some(FieldError::not_supported::<&str>(&p, "bar", &[])),
            "FieldValueNotSupported",
            r#"Kind "name" is invalid: field[0].name: Unsupported value: "bar""#,
        ),
        (
            Some(FieldError::required(&p, "")),
            "FieldValueRequired",
            r#"Kind "name" is invalid: field[0].name: Required value"#,
        ),
        (None, "", r#"Kind "name" is invalid"#),
    ];
    for (field_err, cause_type, message) in cases {
        let list: ErrorList = field_err.iter().cloned().collect();
        let err = StatusError::new_invalid(&gk("Kind"), "name", &list);
        assert_eq!(err.code(), 422);
        assert_eq!(err.reason(), StatusReason::Invalid);
        assert_eq!(err.to_string(), message);
        let details = err.status().details.clone().unwrap_or_default();
        assert_eq!(details.kind.as_deref(), Some("Kind"));
        assert_eq!(details.name.as_deref(), Some("name"));
        assert_eq!(details.group, None);
        let causes = details.causes.unwrap_or_default();
        match field_err {
            Some(fe) => {
                assert_eq!(causes.len(), 1);
                assert_eq!(causes[0].reason.as_deref(), Some(cause_type));
                assert_eq!(causes[0].field.as_deref(), Some("field[0].name"));
                assert_eq!(causes[0].message, Some(fe.body()));
            }
            None => assert!(causes.is_empty()),
        }
    }
    let two = ErrorList(vec![
        FieldError::required(&Path::new("spec").child("containers"), ""),
        FieldError::invalid(
            &Path::new("metadata").child("name"),
            "A",
            "a lowercase RFC 1123 subdomain",
        ),
    ]);
    assert_eq!(
        StatusError::new_invalid(&GroupKind::new("apps", "Deployment"), "web", &two).to_string(),
        r#"Deployment.apps "web" is invalid: [spec.containers: Required value, metadata.name: Invalid value: "A": a lowercase RFC 1123 subdomain]"#
    );
}

#[test]
fn test_reason_for_error() {
    let plain = std::io::Error::other("some other error");
    assert_eq!(reason_for(&plain), StatusReason::Unknown);
    let direct = StatusError::from_status(Status {
        reason: Some("Unauthorized".into()),
        ..Default::default()
    });
    assert_eq!(reason_for(&direct), StatusReason::Unauthorized);
    let nested =
        Wrapped(Box::new(Wrapped(Box::new(StatusError::new_already_exists(&gr("x"), "y")))));
    assert_eq!(reason_for(&nested), StatusReason::AlreadyExists);
    let nested_none = Wrapped(Box::new(Wrapped(Box::new(std::io::Error::other("hello")))));
    assert_eq!(reason_for(&nested_none), StatusReason::Unknown);
}

fn status(reason: &str, code: i32) -> StatusError {
    StatusError::from_status(Status {
        reason: (!reason.is_empty()).then(|| reason.to_string()),
        code: (code != 0).then_some(code),
        ..Default::default()
    })
}

#[test]
fn test_is_too_many_requests_supports_wrapped_errors() {
    for (err, expect) in [
        (status("TooManyRequests", 0), true),
        (status("", 429), true),
        (status("", 0), false),
        (status("NotFound", 429), true),
        (status("", 404), false),
    ] {
        assert_eq!(is_too_many_requests(&err), expect, "{err:?}");
        assert_eq!(
            is_too_many_requests(&Wrapped(Box::new(err.clone()))),
            expect,
            "wrapped {err:?}"
        );
    }
    assert!(!is_too_many_requests(&std::io::Error::other("x")));
}

#[test]
fn test_is_request_entity_too_large_supports_wrapped_errors() {
    for (err, expect) in [
        (status("RequestEntityTooLarge", 0), true),
        (status("", 413), true),
        (status("", 0), false),
        (status("", 404), false),
    ] {
        assert_eq!(is_request_entity_too_large(&Wrapped(Box::new(err.clone()))), expect, "{err:?}");
    }
}

#[test]
fn test_is_unexpected_server_error() {
    let unexpected = StatusError::from_status(Status {
        details: Some(StatusDetails {
            causes: Some(vec![StatusCause {
                reason: Some(CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE.into()),
                ..Default::default()
            }]),
            ..Default::default()
        }),
        ..Default::default()
    });
    assert!(is_unexpected_server_error(&unexpected));
    assert!(is_unexpected_server_error(&Wrapped(Box::new(unexpected.clone()))));
    assert!(!is_unexpected_server_error(&std::io::Error::other("x")));
    assert!(has_status_cause(&unexpected, CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE));
    assert!(!has_status_cause(&unexpected, "FieldValueInvalid"));
}

/// Unknown reasons fall back to the HTTP code; known reasons never do.
#[test]
fn test_predicates_by_code() {
    type Pred = fn(&StatusError) -> bool;
    let table: [(Pred, i32, &str); 13] = [
        (StatusError::is_not_found, 404, "NotFound"),
        (StatusError::is_conflict, 409, "Conflict"),
        (StatusError::is_invalid, 422, "Invalid"),
        (StatusError::is_gone, 410, "Gone"),
        (StatusError::is_not_acceptable, 406, "NotAcceptable"),
        (StatusError::is_unsupported_media_type, 415, "UnsupportedMediaType"),
        (StatusError::is_method_not_supported, 405, "MethodNotAllowed"),
        (StatusError::is_service_unavailable, 503, "ServiceUnavailable"),
        (StatusError::is_bad_request, 400, "BadRequest"),
        (StatusError::is_unauthorized, 401, "Unauthorized"),
        (StatusError::is_forbidden, 403, "Forbidden"),
        (StatusError::is_timeout, 504, "Timeout"),
        (StatusError::is_internal_error, 500, "InternalError"),
    ];
    for (pred, code, reason) in table {
        assert!(pred(&status(reason, 0)), "{reason} by reason");
        assert!(pred(&status("", code)), "{reason} by code {code}");
        assert!(pred(&status("SomethingNew", code)), "{reason} by code with unknown reason");
        assert!(!pred(&status("AlreadyExists", code)), "{reason}: a known reason wins");
        assert!(!pred(&status("", 299)), "{reason} with 299");
    }
    assert!(!status("", 409).is_already_exists());
    assert!(!status("", 410).is_resource_expired());
    assert!(!status("", 500).is_server_timeout());
    assert!(status("StorageReadError", 500).is_store_read_error());
}

#[test]
fn test_from_object() {
    let e =
        StatusError::from_status(Status { message: Some("foobar".into()), ..Default::default() });
    assert_eq!(e.to_string(), "foobar");
    for (value, ok, message) in [
        (
            serde_json::json!({"kind": "Status", "apiVersion": "v1", "message": "foobar", "code": 404, "reason": "NotFound"}),
            true,
            "foobar",
        ),
        (
            serde_json::json!({"kind": "Status", "apiVersion": "meta.k8s.io/v1", "message": "m"}),
            true,
            "m",
        ),
        (
            serde_json::json!({"kind": "Status", "apiVersion": "v2", "message": "m"}),
            false,
            r#"unexpected object: {"apiVersion":"v2","kind":"Status","message":"m"}"#,
        ),
        (
            serde_json::json!({"kind": "Pod", "apiVersion": "v1"}),
            false,
            r#"unexpected object: {"apiVersion":"v1","kind":"Pod"}"#,
        ),
    ] {
        match StatusError::from_value(value) {
            Ok(e) => {
                assert!(ok);
                assert_eq!(e.to_string(), message);
            }
            Err(e) => {
                assert!(!ok);
                assert_eq!(
                    e.to_string(),
                    message
                        .replace(
                            r#"{"apiVersion":"v2","kind":"Status","message":"m"}"#,
                            &e.0.to_string()
                        )
                        .replace(r#"{"apiVersion":"v1","kind":"Pod"}"#, &e.0.to_string())
                );
            }
        }
    }
    let e = StatusError::from_value(
        serde_json::json!({"kind": "Status", "apiVersion": "v1", "code": 404, "reason": "NotFound"}),
    );
    assert!(e.is_ok_and(|e| e.is_not_found()));
}

#[test]
fn test_generic_server_response() {
    let pods = gr("pods");
    for (code, verb, resource, name, server, reason, message) in [
        (
            409,
            "POST",
            &pods,
            "x",
            "",
            "AlreadyExists",
            "the server reported a conflict (post pods x)",
        ),
        (409, "PUT", &pods, "x", "", "Conflict", "the server reported a conflict (put pods x)"),
        (
            404,
            "GET",
            &pods,
            "x",
            "",
            "NotFound",
            "the server could not find the requested resource (get pods x)",
        ),
        (
            404,
            "GET",
            &GroupResource::default(),
            "",
            "",
            "NotFound",
            "the server could not find the requested resource",
        ),
        (
            400,
            "GET",
            &pods,
            "",
            "",
            "BadRequest",
            "the server rejected our request for an unknown reason (get pods)",
        ),
        (
            401,
            "GET",
            &pods,
            "",
            "",
            "Unauthorized",
            "the server has asked for the client to provide credentials (get pods)",
        ),
        (403, "GET", &pods, "", "denied", "Forbidden", "denied (get pods)"),
        (
            406,
            "GET",
            &GroupResource::default(),
            "",
            "unknown",
            "NotAcceptable",
            "the server was unable to respond with a content type that the client supports",
        ),
        (406, "GET", &GroupResource::default(), "", "nope", "NotAcceptable", "nope"),
        (415, "GET", &GroupResource::default(), "", "bad type", "UnsupportedMediaType", "bad type"),
        (
            405,
            "DELETE",
            &pods,
            "x",
            "",
            "MethodNotAllowed",
            "the server does not allow this method on the requested resource (delete pods x)",
        ),
        (
            422,
            "POST",
            &pods,
            "",
            "",
            "Invalid",
            "the server rejected our request due to an error in our request (post pods)",
        ),
        (
            503,
            "GET",
            &GroupResource::default(),
            "",
            "",
            "ServiceUnavailable",
            "the server is currently unable to handle the request",
        ),
        (
            504,
            "GET",
            &GroupResource::default(),
            "",
            "",
            "Timeout",
            "the server was unable to return a response in the time allotted, but may still be processing the request",
        ),
        (
            429,
            "GET",
            &GroupResource::default(),
            "",
            "",
            "TooManyRequests",
            "the server has received too many requests and has asked us to try again later",
        ),
        (
            500,
            "GET",
            &GroupResource::default(),
            "",
            "oops \"x\"",
            "InternalError",
            r#"an error on the server ("oops \"x\"") has prevented the request from succeeding"#,
        ),
        (
            502,
            "GET",
            &pods,
            "",
            "bad gateway",
            "InternalError",
            r#"an error on the server ("bad gateway") has prevented the request from succeeding (get pods)"#,
        ),
        (
            418,
            "GET",
            &GroupResource::default(),
            "",
            "",
            "",
            "the server responded with the status code 418 but did not return more information",
        ),
    ] {
        let e =
            StatusError::new_generic_server_response(code, verb, resource, name, server, 0, false);
        assert_eq!(e.reason().as_str(), reason, "{code}");
        assert_eq!(e.to_string(), message, "{code}");
        assert_eq!(e.code(), code);
        assert!(!e.is_unexpected_server_error());
    }
    let e = StatusError::new_generic_server_response(500, "GET", &pods, "", "body", 0, true);
    assert_eq!(
        e.cause(CAUSE_TYPE_UNEXPECTED_SERVER_RESPONSE).and_then(|c| c.message.as_deref()),
        Some("body")
    );
}

fn json(e: &StatusError) -> String {
    serde_json::to_string(e).unwrap_or_default()
}

#[test]
fn test_status_json() {
    for (err, expect) in [
        (
            StatusError::new_not_found(&gr("pods"), "x"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \"x\" not found","reason":"NotFound","details":{"name":"x","kind":"pods"},"code":404}"#,
        ),
        (
            StatusError::new_already_exists(&GroupResource::new("apps", "deployments"), "web"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \"web\" already exists","reason":"AlreadyExists","details":{"name":"web","group":"apps","kind":"deployments"},"code":409}"#,
        ),
        (
            StatusError::new_invalid(
                &gk("Pod"),
                "x",
                &ErrorList(vec![FieldError::required(&Path::new("spec").child("containers"), "")]),
            ),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \"x\" is invalid: spec.containers: Required value","reason":"Invalid","details":{"name":"x","kind":"Pod","causes":[{"reason":"FieldValueRequired","message":"Required value","field":"spec.containers"}]},"code":422}"#,
        ),
        (
            StatusError::new_invalid(&gk("Pod"), "x", &ErrorList::new()),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Pod \"x\" is invalid","reason":"Invalid","details":{"name":"x","kind":"Pod"},"code":422}"#,
        ),
        (
            StatusError::new_too_many_requests("slow", 0),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"slow","reason":"TooManyRequests","details":{},"code":429}"#,
        ),
        (
            StatusError::new_too_many_requests("slow", 3),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"slow","reason":"TooManyRequests","details":{"retryAfterSeconds":3},"code":429}"#,
        ),
        (
            StatusError::new_internal_error("boom"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Internal error occurred: boom","reason":"InternalError","details":{"causes":[{"message":"boom"}]},"code":500}"#,
        ),
        (
            StatusError::new_unauthorized(""),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"not authorized","reason":"Unauthorized","code":401}"#,
        ),
        (
            StatusError::new_method_not_supported(&gr("pods"), "watch"),
            r#"{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"watch is not supported on resources of kind \"pods\"","reason":"MethodNotAllowed","details":{"kind":"pods"},"code":405}"#,
        ),
    ] {
        assert_eq!(json(&err), expect);
        // The wire form reads back as the same error.
        let back = serde_json::from_str::<serde_json::Value>(expect)
            .ok()
            .and_then(|v| StatusError::from_value(v).ok());
        assert_eq!(back.as_ref().map(StatusError::message), Some(err.message()));
        assert_eq!(back.map(|b| b.reason()), Some(err.reason()));
    }
}

#[test]
fn test_status_reason_strings() {
    for r in KNOWN_REASONS {
        assert_eq!(StatusReason::parse(r.as_str()), r);
        assert!(r.is_known());
    }
    assert_eq!(StatusReason::StoreReadError.as_str(), "StorageReadError");
    assert_eq!(StatusReason::parse(""), StatusReason::Unknown);
    assert!(!StatusReason::Unknown.is_known());
    assert_eq!(StatusReason::parse("Weird"), StatusReason::Other("Weird".into()));
    assert!(!StatusReason::parse("Weird").is_known());
}
