//! Table tests mirroring upstream's `validation_test.go`, `content/*_test.go`,
//! `generic_test.go` and the label-selector cases of `meta/v1/validation_test.go`.

use super::*;

/// Runs `f` over the good values (expecting no message) and the bad ones (expecting some).
fn check_good_bad(name: &str, f: fn(&str) -> Vec<String>, good: &[&str], bad: &[&str]) {
    for v in good {
        let msgs = f(v);
        assert!(msgs.is_empty(), "{name}({v:?}): expected valid, got {msgs:?}");
    }
    for v in bad {
        assert!(!f(v).is_empty(), "{name}({v:?}): expected invalid");
    }
}

fn rep(c: &str, n: usize) -> String {
    c.repeat(n)
}

#[test]
fn test_is_dns1123_label() {
    let long_ok = rep("a", 63);
    let long_bad = rep("a", 64);
    let good = [
        "a",
        "ab",
        "abc",
        "a1",
        "a-1",
        "a--1--2--b",
        "0",
        "01",
        "012",
        "1a",
        "1-a",
        "1--a--b--2",
        long_ok.as_str(),
    ];
    let bad = [
        "",
        "A",
        "ABC",
        "aBc",
        "A1",
        "A-1",
        "1-A",
        "-",
        "a-",
        "-a",
        "1-",
        "-1",
        "_",
        "a_",
        "_a",
        "a_b",
        "1_",
        "_1",
        "1_2",
        ".",
        "a.",
        ".a",
        "a.b",
        "1.",
        ".1",
        "1.2",
        " ",
        "a ",
        " a",
        "a b",
        "1 ",
        " 1",
        "1 2",
        long_bad.as_str(),
    ];
    check_good_bad("is_dns1123_label", is_dns1123_label, &good, &bad);
}

#[test]
fn test_is_dns1123_label_messages() {
    let regex = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')";
    let cases: Vec<(String, Vec<String>)> = vec![
        ("Abc".into(), vec![regex.into()]),
        ("a.b".into(), vec!["must not contain dots".into()]),
        (rep("a", 64), vec!["must be no more than 63 characters".into()]),
        (
            format!("{}.b", rep("a", 63)),
            vec!["must be no more than 63 characters".into(), "must not contain dots".into()],
        ),
        (
            format!("{}_", rep("a", 63)),
            vec!["must be no more than 63 characters".into(), regex.into()],
        ),
    ];
    for (input, want) in cases {
        assert_eq!(is_dns1123_label(&input), want, "{input:?}");
    }
}

#[test]
fn test_is_dns1123_subdomain() {
    let long_ok = rep("a", 253);
    let long_bad = rep("a", 254);
    let good = [
        "a",
        "ab",
        "abc",
        "a1",
        "a-1",
        "a--1--2--b",
        "0",
        "01",
        "012",
        "1a",
        "1-a",
        "1--a--b--2",
        "a.a",
        "ab.a",
        "abc.a",
        "a1.a",
        "a-1.a",
        "a--1--2--b.a",
        "a.1",
        "ab.1",
        "abc.1",
        "a1.1",
        "a-1.1",
        "a--1--2--b.1",
        "0.a",
        "01.a",
        "012.a",
        "1a.a",
        "1-a.a",
        "1--a--b--2",
        "0.1",
        "01.1",
        "012.1",
        "1a.1",
        "1-a.1",
        "1--a--b--2.1",
        "a.b.c.d.e",
        "aa.bb.cc.dd.ee",
        "1.2.3.4.5",
        "11.22.33.44.55",
        long_ok.as_str(),
    ];
    let bad = [
        "",
        "A",
        "ABC",
        "aBc",
        "A1",
        "A-1",
        "1-A",
        "-",
        "a-",
        "-a",
        "1-",
        "-1",
        "_",
        "a_",
        "_a",
        "a_b",
        "1_",
        "_1",
        "1_2",
        ".",
        "a.",
        ".a",
        "a..b",
        "1.",
        ".1",
        "1..2",
        " ",
        "a ",
        " a",
        "a b",
        "1 ",
        " 1",
        "1 2",
        "A.a",
        "aB.a",
        "ab.A",
        "A1.a",
        "a1.A",
        "A.1",
        "aB.1",
        "A1.1",
        "1A.1",
        "0.A",
        "01.A",
        "012.A",
        "1A.a",
        "1a.A",
        "A.B.C.D.E",
        "AA.BB.CC.DD.EE",
        "a.B.c.d.e",
        "aa.bB.cc.dd.ee",
        "a@b",
        "a,b",
        "a_b",
        "a;b",
        "a:b",
        "a%b",
        "a?b",
        "a$b",
        long_bad.as_str(),
    ];
    check_good_bad("is_dns1123_subdomain", is_dns1123_subdomain, &good, &bad);
    assert_eq!(
        is_dns1123_subdomain("Foo"),
        vec!["a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".to_string()]
    );
    assert_eq!(
        is_dns1123_subdomain(&rep("a", 254)),
        vec!["must be no more than 253 characters".to_string()]
    );
}

#[test]
fn test_is_dns1035_label() {
    let long_ok = rep("a", 63);
    let long_bad = rep("a", 64);
    let good = ["a", "ab", "abc", "a1", "a-1", "a--1--2--b", long_ok.as_str()];
    let bad = [
        "0",
        "01",
        "012",
        "1a",
        "1-a",
        "1--a--b--2",
        "",
        "A",
        "ABC",
        "aBc",
        "A1",
        "A-1",
        "1-A",
        "-",
        "a-",
        "-a",
        "1-",
        "-1",
        "_",
        "a_",
        "_a",
        "a_b",
        "1_",
        "_1",
        "1_2",
        ".",
        "a.",
        ".a",
        "a.b",
        "1.",
        ".1",
        "1.2",
        " ",
        "a ",
        " a",
        "a b",
        "1 ",
        " 1",
        "1 2",
        long_bad.as_str(),
    ];
    check_good_bad("is_dns1035_label", is_dns1035_label, &good, &bad);
    assert_eq!(
        is_dns1035_label("1a"),
        vec!["a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', regex used for validation is '[a-z]([-a-z0-9]*[a-z0-9])?')".to_string()]
    );
}

#[test]
fn test_is_valid_port_num() {
    for p in [1, 2, 1000, 16384, 32768, 65535] {
        assert!(is_valid_port_num(p).is_empty(), "{p}");
    }
    for p in [0, -1, 65536, 100000] {
        assert_eq!(
            is_valid_port_num(p),
            vec!["must be between 1 and 65535, inclusive".to_string()],
            "{p}"
        );
    }
}

#[test]
fn test_is_in_range() {
    for (v, lo, hi) in [(1, 0, 10), (5, 5, 20), (25, 10, 25)] {
        assert!(is_in_range(v, lo, hi).is_empty(), "{v} {lo} {hi}");
    }
    for (v, lo, hi) in [(1, 2, 10), (5, -4, 2), (25, 100, 120)] {
        assert_eq!(
            is_in_range(v, lo, hi),
            vec![format!("must be between {lo} and {hi}, inclusive")]
        );
    }
}

#[test]
fn test_is_valid_group_id() {
    for id in [0, 1, 1000, 65535, 2147483647] {
        assert!(is_valid_group_id(id).is_empty(), "{id}");
        assert!(is_valid_user_id(id).is_empty(), "{id}");
    }
    for id in [-1, -1003, 2147483648, 4147483647] {
        assert_eq!(
            is_valid_group_id(id),
            vec!["must be between 0 and 2147483647, inclusive".to_string()]
        );
        assert!(!is_valid_user_id(id).is_empty(), "{id}");
    }
}

#[test]
fn test_is_valid_port_name() {
    let long = rep("a", 16);
    check_good_bad(
        "is_valid_port_name",
        is_valid_port_name,
        &["telnet", "re-mail-ck", "pop3", "a", "a-1", "1-a", "a-1-b-2-c", "1-a-2-b-3"],
        &[
            "longerthan15characters",
            "",
            long.as_str(),
            "12345",
            "1-2-3-4",
            "-begin",
            "end-",
            "two--hyphens",
            "whois++",
        ],
    );
    let cases: &[(&str, &[&str])] = &[
        (
            "",
            &[
                "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)",
                "must contain at least one letter (a-z)",
            ],
        ),
        ("12345", &["must contain at least one letter (a-z)"]),
        ("-begin", &["must not begin or end with a hyphen"]),
        ("Http", &["must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)"]),
    ];
    for (input, want) in cases {
        assert_eq!(is_valid_port_name(input), *want, "{input:?}");
    }
    assert_eq!(is_valid_port_name("two--hyphens"), vec!["must not contain consecutive hyphens"]);
    assert_eq!(
        is_valid_port_name("longerthan15characters"),
        vec!["must be no more than 15 characters"]
    );
}

#[test]
fn test_is_qualified_name() {
    let long_name = rep("a", 63);
    let long_both = format!("{}/{}", rep("a", 253), rep("b", 63));
    let too_long_name = rep("a", 64);
    let too_long_prefix = format!("{}/abc", rep("a", 254));
    check_good_bad(
        "is_qualified_name",
        is_qualified_name,
        &[
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "1234",
            "simple/simple",
            "now-with-dashes/simple",
            "now-with-dashes/now-with-dashes",
            "now.with.dots/simple",
            "now-with.dashes-and.dots/simple",
            "1-num.2-num/3-num",
            "1234/5678",
            "1.2.3.4/5678",
            "Uppercase_Is_OK_123",
            "example.com/Uppercase_Is_OK_123",
            "requests.storage-foo",
            long_name.as_str(),
            long_both.as_str(),
        ],
        &[
            "nospecialchars%^=@",
            "cantendwithadash-",
            "-cantstartwithadash-",
            "only/one/slash",
            "Example.com/abc",
            "example_com/abc",
            "example.com/",
            "/simple",
            too_long_name.as_str(),
            too_long_prefix.as_str(),
        ],
    );
}

#[test]
fn test_is_qualified_name_messages() {
    let name_regex = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";
    let cases: Vec<(String, Vec<String>)> = vec![
        (
            "example/foo/bar".into(),
            vec!["a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".into()],
        ),
        ("example.com/_e".into(), vec![name_regex.into()]),
        ("example.com/e_".into(), vec![name_regex.into()]),
        ("example.com/e?".into(), vec![name_regex.into()]),
        (
            "".into(),
            vec!["name part must be non-empty".into(), name_regex.into()],
        ),
        (
            "/simple".into(),
            vec!["prefix part must be non-empty".into()],
        ),
        (
            "example.com/".into(),
            vec!["name part must be non-empty".into(), name_regex.into()],
        ),
        (
            rep("a", 64),
            vec!["name part must be no more than 63 bytes".into()],
        ),
        (
            "Example.com/abc".into(),
            vec!["prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')".into()],
        ),
        (
            format!("{}/abc", rep("a", 254)),
            vec!["prefix part must be no more than 253 characters".into()],
        ),
    ];
    for (input, want) in cases {
        assert_eq!(is_qualified_name(&input), want, "{input:?}");
    }
}

#[test]
fn test_is_valid_label_value() {
    let long_ok = rep("a", 63);
    let long_bad = rep("a", 64);
    check_good_bad(
        "is_valid_label_value",
        is_valid_label_value,
        &[
            "simple",
            "now-with-dashes",
            "1-starts-with-num",
            "end-with-num-1",
            "1234",
            long_ok.as_str(),
            "",
        ],
        &[
            "nospecialchars%^=@",
            "Tama-nui-te-rā.is.Māori.sun",
            "\\backslashes\\are\\bad",
            "-starts-with-dash",
            "ends-with-dash-",
            ".starts.with.dot",
            "ends.with.dot.",
            long_bad.as_str(),
        ],
    );
    assert_eq!(
        is_valid_label_value("a b"),
        vec![
            "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
        ]
    );
    assert_eq!(is_valid_label_value(&rep("a", 64)), vec!["must be no more than 63 bytes"]);
}

#[test]
fn test_is_http_header_name() {
    check_good_bad(
        "is_http_header_name",
        is_http_header_name,
        &[
            "Accept-Encoding",
            "Host",
            "If-Modified-Since",
            "X-Forwarded-For",
            "a",
            "ab",
            "abc",
            "a1",
            "-a",
            "a-",
            "a-b",
            "a-1",
            "a--1--2--b",
            "--abc-123",
            "A",
            "AB",
            "AbC",
            "A1",
            "-A",
            "A-",
            "A-B",
            "A-1",
            "A--1--2--B",
            "--123-ABC",
        ],
        &[
            "Host:",
            "X-Forwarded-For:",
            "X-@Home",
            "",
            "_",
            "a_",
            "_a",
            "1_",
            "1_2",
            ".",
            "a.",
            ".a",
            "a.b",
            "1.",
            ".1",
            "1.2",
            " ",
            "a ",
            " a",
            "a b",
            "1 ",
            " 1",
            "1 2",
            "#a#",
            "^",
            ",",
            ";",
            "=",
            "<",
            "?",
            "@",
            "{",
        ],
    );
}

#[test]
fn test_is_valid_percent() {
    check_good_bad(
        "is_valid_percent",
        is_valid_percent,
        &["0%", "00000%", "1%", "01%", "99%", "100%", "101%"],
        &["", "0", "100", "0.0%", "99.9%", "hundred", " 1%", "1% ", "-0%", "-1%", "+1%"],
    );
    assert_eq!(
        is_valid_percent("x"),
        vec![
            "a valid percent string must be a numeric string followed by an ending '%' (e.g. '1%',  or '93%', regex used for validation is '[0-9]+%')"
        ]
    );
}

#[test]
fn test_is_config_map_key() {
    check_good_bad(
        "is_config_map_key",
        is_config_map_key,
        &[
            "a",
            "good",
            "good-good",
            "still.good",
            "this.is.also.good",
            ".so.is.this",
            "THIS_IS_GOOD",
            "so_is_this_17",
        ],
        &[".", "..", "..bad", "b*d", "bad!&bad"],
    );
    assert_eq!(is_config_map_key(".."), vec!["must not be '..'"]);
    assert_eq!(is_config_map_key("."), vec!["must not be '.'"]);
    assert_eq!(is_config_map_key("..bad"), vec!["must not start with '..'"]);
    assert_eq!(
        is_config_map_key("b*d"),
        vec![
            "a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')"
        ]
    );
}

#[test]
fn test_is_wildcard_dns1123_subdomain() {
    check_good_bad(
        "is_wildcard_dns1123_subdomain",
        is_wildcard_dns1123_subdomain,
        &["*.example.com", "*.bar.com", "*.foo.bar.com"],
        &["*.*.bar.com", "*.foo.*.com", "*bar.com", "f*.bar.com", "*"],
    );
    assert_eq!(
        is_wildcard_dns1123_subdomain("*"),
        vec![
            "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character (e.g. '*.example.com', regex used for validation is '\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
        ]
    );
}

#[test]
fn test_is_relaxed_env_var_name() {
    check_good_bad(
        "is_relaxed_env_var_name",
        is_relaxed_env_var_name,
        &[
            "-", ":", "_", "+a", ">a", "<a", "a.", "a..", "*a", "%a", "?a", "a:a", "a_a", "aAz",
            "~a", "|a", "a0a", "a9", "/a", "a ", "#a", "0a", "0 a", "'a", "(a", "@a",
        ],
        &[
            "",
            "=",
            "a=",
            "1=a",
            "a=b",
            "#%=&&",
            "\u{1}abc",
            "\u{82}abc",
            "Ç ç",
            "Ä ä",
            "Ñ ñ",
            "Ø ø",
        ],
    );
    assert_eq!(is_relaxed_env_var_name(""), vec!["environment variable name must be non-empty"]);
}

#[test]
fn test_is_env_var_name() {
    check_good_bad(
        "is_env_var_name",
        is_env_var_name,
        &["A", "ABC", "AbC123", "_123", "A_1", "my.env-name", "MY_ENV.NAME", ".a", "-a"],
        &["1", "123", "", "a b", "a=b", "a$", ".", "..", "..a", "ü"],
    );
    assert_eq!(is_env_var_name(".."), vec!["must not be '..'"]);
    assert_eq!(
        is_env_var_name("1a"),
        vec![
            "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit (e.g. 'my.env-name',  or 'MY_ENV.NAME',  or 'MyEnvName1', regex used for validation is '[-._a-zA-Z][-._a-zA-Z0-9]*')"
        ]
    );
}

#[test]
fn test_is_c_identifier() {
    check_good_bad(
        "is_c_identifier",
        is_c_identifier,
        &[
            "a",
            "ab",
            "abc",
            "a1",
            "_a",
            "a_",
            "a_b",
            "a_1",
            "a__1__2__b",
            "__abc_123",
            "A",
            "AB",
            "AbC",
            "A1",
            "_A",
            "A_",
            "A_B",
            "A_1",
            "A__1__2__B",
            "__123_ABC",
        ],
        &[
            "", "1", "123", "1a", "-", "a-", "-a", "a-b", "a b", "1-", "1_", "1_2", ".", "a.",
            ".a", "a.b", "1.", ".1", "1.2", "#a#", "^", ",", ";",
        ],
    );
    assert_eq!(
        is_c_identifier("1"),
        vec![
            "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_' (e.g. 'my_name',  or 'MY_NAME',  or 'MyName', regex used for validation is '[A-Za-z_][A-Za-z0-9_]*')"
        ]
    );
}

#[test]
fn test_is_dns1123_subdomain_with_underscore() {
    let regex = regex_error(
        DNS1123_SUBDOMAIN_UNDERSCORE_ERR_MSG,
        DNS1123_SUBDOMAIN_UNDERSCORE_FMT,
        &["example.com"],
    );
    let too_long = format!("a.{}.com", "\0".repeat(251));
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("example.com", vec![]),
        ("_example.com", vec![]),
        ("sub._example.com", vec![]),
        ("sub-domain.example.com", vec![]),
        ("sub_domain.example.com", vec![]),
        ("", vec![regex.clone()]),
        ("Example.com", vec![regex.clone()]),
        ("-example.com", vec![regex.clone()]),
        ("example.com-", vec![regex.clone()]),
        ("example@.com", vec![regex.clone()]),
        (too_long.as_str(), vec!["must be no more than 253 characters".to_string(), regex.clone()]),
        ("example..com", vec![regex.clone()]),
        ("_", vec![regex.clone()]),
    ];
    for (input, want) in cases {
        assert_eq!(is_dns1123_subdomain_with_underscore(input), want, "{input:?}");
    }
}

#[test]
fn test_is_decimal_integer() {
    check_good_bad(
        "is_decimal_integer",
        is_decimal_integer,
        &["0", "1", "123", "-1", "-456", "9223372036854775807"],
        &["", "-", "00", "01", "-0", "+1", "1.0", "0x1", "1a", " 1", "--1"],
    );
    assert_eq!(is_decimal_integer(""), vec!["must be non-empty"]);
    assert_eq!(
        is_decimal_integer("007"),
        vec!["must be a valid decimal integer in canonical form"]
    );
}

#[test]
fn test_is_valid_path_segment_name() {
    let cases: &[(&str, bool, &[&str])] = &[
        ("foo", false, &[]),
        ("foo.bar", false, &[]),
        (".", false, &["may not be '.'"]),
        ("..", false, &["may not be '..'"]),
        (".", true, &[]),
        ("a/b", false, &["may not contain '/'"]),
        ("a%b", false, &["may not contain '%'"]),
        ("a/%b", false, &["may not contain '/'", "may not contain '%'"]),
        ("a/%b", true, &["may not contain '/'", "may not contain '%'"]),
        ("...", false, &[]),
    ];
    for (name, prefix, want) in cases {
        assert_eq!(validate_path_segment_name(name, *prefix), *want, "{name:?} {prefix}");
    }
}

#[test]
fn test_mask_trailing_dash() {
    let cases =
        [("", ""), ("-", "-"), ("-foo", "-foo"), ("-foo-", "-foa"), ("b-", "a"), ("ab", "ab")];
    for (input, want) in cases {
        assert_eq!(mask_trailing_dash(input), want.as_bytes(), "{input:?}");
    }
    // The byte before the dash is dropped even when it is part of a wider character, which
    // keeps such a prefix invalid.
    assert_eq!(mask_trailing_dash("aé-"), b"a\xc3a");
}

#[test]
fn test_name_validators() {
    let cases: &[(ValidateNameFn, &str, bool, bool)] = &[
        (name_is_dns_subdomain, "foo.bar", false, true),
        (name_is_dns_subdomain, "foo-", false, false),
        (name_is_dns_subdomain, "foo-", true, true),
        (name_is_dns_subdomain, "foo.", true, false),
        (name_is_dns_subdomain, "Foo-", true, false),
        (name_is_dns_label, "foo", false, true),
        (name_is_dns_label, "foo.bar", false, false),
        (name_is_dns_label, "foo-", true, true),
        (name_is_dns_label, "foo-", false, false),
        (name_is_dns1035_label, "a-", true, true),
        (name_is_dns1035_label, "1a-", true, false),
        (name_is_dns1035_label, "abc", false, true),
        (validate_namespace_name, "kube-system", false, true),
        (validate_namespace_name, "kube.system", false, false),
        (validate_service_account_name, "my.sa", false, true),
        (name_is_dns_label, "aé-", true, false),
    ];
    for (f, name, prefix, ok) in cases {
        assert_eq!(f(name, *prefix).is_empty(), *ok, "{name:?} prefix={prefix}");
    }
    assert_eq!(name_is_dns_label("a.b-", true), vec!["must not contain dots"]);
}

#[test]
fn test_validate_annotations() {
    let mut ok = BTreeMap::new();
    ok.insert("example.com/Key".to_string(), "any value, even with spaces".to_string());
    ok.insert("EXAMPLE.COM/key".to_string(), String::new());
    assert!(validate_annotations(&ok).is_empty());

    let mut bad = BTreeMap::new();
    bad.insert("a/b/c".to_string(), String::new());
    let issues = validate_annotations(&bad);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].kind, IssueKind::Invalid);
    assert_eq!(issues[0].value.as_deref(), Some("a/b/c"));
    assert!(issues[0].detail.starts_with("a valid label key must consist"));

    let mut big = BTreeMap::new();
    big.insert("a".to_string(), "b".repeat(TOTAL_ANNOTATION_SIZE_LIMIT_B - 1));
    assert!(validate_annotations_size(&big).is_ok());
    big.insert("c".to_string(), String::new());
    assert_eq!(
        validate_annotations_size(&big),
        Err("annotations size 262145 is larger than limit 262144".to_string())
    );
    assert_eq!(
        validate_annotations(&big),
        vec![Issue {
            kind: IssueKind::TooLong,
            path: String::new(),
            value: None,
            detail: "may not be more than 262144 bytes".to_string(),
        }]
    );
}

#[test]
fn test_validate_labels() {
    let mut labels = BTreeMap::new();
    labels.insert("ok".to_string(), "fine".to_string());
    labels.insert("bad key".to_string(), "bad value".to_string());
    let issues = validate_labels(&labels);
    assert_eq!(issues.len(), 2);
    assert_eq!(issues[0].value.as_deref(), Some("bad key"));
    assert_eq!(issues[1].value.as_deref(), Some("bad value"));
}

fn requirement(key: &str, op: &str, values: Option<&[&str]>) -> LabelSelectorRequirement {
    LabelSelectorRequirement {
        key: key.to_string(),
        operator: op.to_string(),
        values: values.map(|v| v.iter().map(|s| s.to_string()).collect()),
    }
}

#[test]
fn test_validate_label_selector() {
    let opts = LabelSelectorValidationOptions::default();
    // (requirement, options, expected (kind, path) pairs)
    type Case =
        (LabelSelectorRequirement, LabelSelectorValidationOptions, Vec<(IssueKind, &'static str)>);
    let cases: Vec<Case> = vec![
        (requirement("k", "In", Some(&["a"])), opts, vec![]),
        (
            requirement("k", "In", None),
            opts,
            vec![(IssueKind::Required, "matchExpressions[0].values")],
        ),
        (
            requirement("k", "NotIn", Some(&[])),
            opts,
            vec![(IssueKind::Required, "matchExpressions[0].values")],
        ),
        (requirement("k", "Exists", None), opts, vec![]),
        (
            requirement("k", "DoesNotExist", Some(&["a"])),
            opts,
            vec![(IssueKind::Forbidden, "matchExpressions[0].values")],
        ),
        (
            requirement("k", "Foo", None),
            opts,
            vec![(IssueKind::Invalid, "matchExpressions[0].operator")],
        ),
        (
            requirement("k", "Foo", None),
            LabelSelectorValidationOptions { allow_unknown_operator_in_requirement: true, ..opts },
            vec![],
        ),
        (
            requirement("k k", "Exists", None),
            opts,
            vec![(IssueKind::Invalid, "matchExpressions[0].key")],
        ),
        (
            requirement("k", "In", Some(&["ok", "-bad-"])),
            opts,
            vec![(IssueKind::Invalid, "matchExpressions[0].values[1]")],
        ),
        (
            requirement("k", "In", Some(&["ok", "-bad-"])),
            LabelSelectorValidationOptions { allow_invalid_label_value_in_selector: true, ..opts },
            vec![],
        ),
    ];
    for (req, opts, want) in cases {
        let selector =
            LabelSelector { match_expressions: Some(vec![req.clone()]), match_labels: None };
        let got: Vec<(IssueKind, String)> = validate_label_selector(Some(&selector), opts)
            .into_iter()
            .map(|i| (i.kind, i.path))
            .collect();
        let want: Vec<(IssueKind, String)> =
            want.into_iter().map(|(k, p)| (k, p.to_string())).collect();
        assert_eq!(got, want, "{req:?}");
    }
    let selector = LabelSelector {
        match_labels: Some(BTreeMap::from([("a b".to_string(), "c".to_string())])),
        match_expressions: None,
    };
    let issues = validate_label_selector(Some(&selector), opts);
    assert_eq!(issues.len(), 1);
    assert_eq!(issues[0].path, "matchLabels");
    assert!(validate_label_selector(None, opts).is_empty());
    assert!(label_selector_has_invalid_label_value(Some(&LabelSelector {
        match_expressions: Some(vec![requirement("k", "In", Some(&["-x"]))]),
        match_labels: None,
    })));
    assert!(!label_selector_has_invalid_label_value(None));
}

#[test]
fn test_parse_ip_sloppy() {
    let good = [
        ("1.2.3.4", "1.2.3.4"),
        ("010.001.0.255", "10.1.0.255"),
        ("0000001.2.3.4", "1.2.3.4"),
        ("::1", "::1"),
        ("2001:db8::ffff", "2001:db8::ffff"),
        ("::ffff:1.2.3.4", "::ffff:1.2.3.4"),
    ];
    for (input, want) in good {
        let got = parse_ip_sloppy(input).map(|ip| ip.to_string());
        assert_eq!(got.as_deref(), Some(want), "{input}");
    }
    for bad in ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.-4", "a.b.c.d", "1.2.3.4/8", "::g"] {
        assert_eq!(parse_ip_sloppy(bad), None, "{bad}");
    }
}

/// Mirrors `TestIsValidIP` of ip_test.go: strict parsing plus the canonical form.
#[test]
fn test_is_valid_ip() {
    let check = |value: &str, want: &[&str]| {
        assert_eq!(is_valid_ip(value), want, "{value}");
    };
    for ok in ["1.2.3.4", "0.0.0.0", "255.255.255.255", "::1", "2001:db8::ffff", "::"] {
        check(ok, &[]);
    }
    check("", &["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]);
    check("1.2.3", &["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]);
    check("fe80::1%eth0", &["must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"]);
    check("1.2.3.04", &["must not have leading 0s"]);
    check("::ffff:1.2.3.4", &["must not be an IPv4-mapped IPv6 address"]);
    check("2001:DB8::1", &["must be in canonical form (\"2001:db8::1\")"]);
    check("2001:db8:0:0:0:0:0:1", &["must be in canonical form (\"2001:db8::1\")"]);
    assert_eq!(parse_ip_sloppy("010.001.2.3"), Some("10.1.2.3".parse().unwrap()));
    assert_eq!(parse_ip_sloppy("::ffff:001.2.3.4"), Some("::ffff:1.2.3.4".parse().unwrap()));
    assert_eq!(parse_ip_sloppy("1.2.3.256"), None);
}

/// Mirrors `TestIsValidCIDR` of ip_test.go.
#[test]
fn test_is_valid_cidr() {
    let check = |value: &str, want: &[&str]| {
        assert_eq!(is_valid_cidr(value), want, "{value}");
    };
    for ok in ["10.0.0.0/8", "0.0.0.0/0", "2001:db8::/64", "::/0", "1.2.3.4/32"] {
        check(ok, &[]);
    }
    let format = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";
    for bad in ["", "1.2.3.4", "1.2.3.0/33", "2001:db8::/129", "1.2.3.0/", "a/8"] {
        check(bad, &[format]);
    }
    check("010.0.0.0/8", &["must not have leading 0s in IP or prefix length"]);
    check("10.0.0.0/08", &["must not have leading 0s in IP or prefix length"]);
    check("::ffff:1.2.3.0/120", &["must not have an IPv4-mapped IPv6 address"]);
    check("10.0.0.1/8", &["must not have bits set beyond the prefix length"]);
    check("2001:DB8::/64", &["must be in canonical form (\"2001:db8::/64\")"]);
    assert_eq!(cidr_is_ipv4("10.0.0.0/8"), Some(true));
    assert_eq!(cidr_is_ipv4("2001:db8::/64"), Some(false));
    assert_eq!(cidr_is_ipv4("bad"), None);
}

/// Mirrors `TestIsFullyQualifiedName` and `TestIsDomainPrefixedPath`.
#[test]
fn test_fully_qualified_names_and_domain_prefixed_paths() {
    let shown = |issues: Vec<Issue>| -> Vec<(IssueKind, Option<String>, String)> {
        issues.into_iter().map(|i| (i.kind, i.value, i.detail)).collect()
    };
    assert!(is_fully_qualified_name("webhook.example.com").is_empty());
    assert_eq!(shown(is_fully_qualified_name("")), [(IssueKind::Required, None, String::new())]);
    assert_eq!(
        shown(is_fully_qualified_name("example.com")),
        [(
            IssueKind::Invalid,
            Some("example.com".into()),
            "should be a domain with at least three segments separated by dots".into()
        )]
    );
    assert_eq!(is_fully_qualified_name("Bad.example.com")[0].kind, IssueKind::Invalid);

    for ok in ["acme.io/foo", "example.com/a/b", "k8s.io/ingress-nginx", "a.b/c:d"] {
        assert!(is_domain_prefixed_path(ok).is_empty(), "{ok}");
    }
    assert_eq!(shown(is_domain_prefixed_path("")), [(IssueKind::Required, None, String::new())]);
    let not_prefixed = (
        IssueKind::Invalid,
        Some("acme.io".to_string()),
        "must be a domain-prefixed path (such as \"acme.io/foo\")".to_string(),
    );
    assert_eq!(shown(is_domain_prefixed_path("acme.io")), std::slice::from_ref(&not_prefixed));
    assert_eq!(shown(is_domain_prefixed_path("acme.io/"))[0].2, not_prefixed.2);
    assert_eq!(shown(is_domain_prefixed_path("/foo"))[0].2, not_prefixed.2);
    assert_eq!(
        shown(is_domain_prefixed_path("acme.io/foo bar")),
        [(
            IssueKind::Invalid,
            Some("foo bar".into()),
            "Invalid path (regex used for validation is '[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+')".into()
        )]
    );
    assert_eq!(shown(is_domain_prefixed_path("Acme.io/foo"))[0].1.as_deref(), Some("Acme.io"));
}
