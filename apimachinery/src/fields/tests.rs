//! Table tests mirroring upstream's `fields/selector_test.go` and `fields/fields_test.go`.

use super::*;

fn set(pairs: &[(&str, &str)]) -> Set {
    pairs.iter().map(|(k, v)| (*k, *v)).collect()
}

fn parse(s: &str) -> Selector {
    match Selector::parse(s) {
        Ok(sel) => sel,
        Err(e) => panic!("parse({s:?}): {e}"),
    }
}

fn has(f: &str, v: &str) -> Selector {
    Selector::one_term_equal(f, v)
}

#[test]
fn test_split_terms() {
    let cases: Vec<(&str, Vec<&str>)> = vec![
        ("a", vec!["a"]),
        ("a=avalue", vec!["a=avalue"]),
        ("a=avalue,b=bvalue", vec!["a=avalue", "b=bvalue"]),
        ("a=avalue,b==bvalue,c!=cvalue", vec!["a=avalue", "b==bvalue", "c!=cvalue"]),
        ("", vec![]),
        ("a=a,", vec!["a=a", ""]),
        (",a=a", vec!["", "a=a"]),
        (r"k=\,,k2=v2", vec![r"k=\,", "k2=v2"]),
        (r"k=\\,k2=v2", vec![r"k=\\", "k2=v2"]),
        (r"k=\\\,,k2=v2", vec![r"k=\\\,", "k2=v2"]),
        (r"k=\a\b\", vec![r"k=\a\b\"]),
        (r"k=\", vec![r"k=\"]),
        ("함=수,목=록", vec!["함=수", "목=록"]),
        (",", vec!["", ""]),
    ];
    for (input, want) in cases {
        assert_eq!(split_terms(input), want, "{input:?}");
    }
}

#[test]
fn test_split_term() {
    type Split = Option<(&'static str, &'static str, &'static str)>;
    let cases: Vec<(&str, Split)> = vec![
        ("a=value", Some(("a", "=", "value"))),
        ("b==value", Some(("b", "==", "value"))),
        ("c!=value", Some(("c", "!=", "value"))),
        ("", None),
        ("a", None),
        (r"k=\,", Some(("k", "=", r"\,"))),
        (r"k=\=", Some(("k", "=", r"\="))),
        (r"k=\\\a\b\=\,\", Some(("k", "=", r"\\\a\b\=\,\"))),
        ("함=수", Some(("함", "=", "수"))),
        ("a!b=c", Some(("a!b", "=", "c"))),
        ("a===b", Some(("a", "==", "=b"))),
        ("=a", Some(("", "=", "a"))),
        ("a!", None),
    ];
    for (input, want) in cases {
        assert_eq!(split_term(input), want, "{input:?}");
    }
}

#[test]
fn test_escape_value() {
    let cases = [
        ("", ""),
        ("a", "a"),
        ("=", r"\="),
        (",", r"\,"),
        (r"\", r"\\"),
        (r"\=\,\", r"\\\=\\\,\\"),
        ("함=수", r"함\=수"),
    ];
    for (raw, escaped) in cases {
        assert_eq!(escape_value(raw), escaped, "{raw:?}");
        assert_eq!(unescape_value(escaped).as_deref(), Ok(raw), "{escaped:?}");
    }
}

#[test]
fn test_unescape_value_errors() {
    let cases = [
        (r"\", "invalid field selector: invalid escape sequence: \\"),
        (r"\\\", "invalid field selector: invalid escape sequence: \\"),
        (r"\a", r"invalid field selector: invalid escape sequence: \a"),
        (r"x\수", r"invalid field selector: invalid escape sequence: \수"),
        ("a,b", "invalid field selector: unescaped character in value: 44"),
        ("a=b", "invalid field selector: unescaped character in value: 61"),
    ];
    for (input, want) in cases {
        assert_eq!(unescape_value(input).unwrap_err().to_string(), want, "{input:?}");
    }
    assert_eq!(unescape_value(r"\a"), Err(Error::InvalidEscapeSequence(r"\a".to_string())));
}

#[test]
fn test_selector_parse() {
    let good = ["x=a,y=b,z=c", "", "x!=a,y=b", r"x=a||y\=b", r"x=a\=\=b"];
    for s in good {
        assert_eq!(parse(s).to_string(), s, "{s:?}");
    }
    let bad = ["x=a||y=b", "x==a==b", "x=a,b", "x in (a)", "x in (a,b,c)", "x"];
    for s in bad {
        assert!(Selector::parse(s).is_err(), "{s:?}");
    }
}

#[test]
fn test_selector_parse_errors() {
    let cases = [
        ("x=a||y=b", "invalid field selector: unescaped character in value: 61"),
        ("x==a==b", "invalid field selector: unescaped character in value: 61"),
        ("x=a,b", "invalid selector: 'x=a,b'; can't understand 'b'"),
        ("x in (a)", "invalid selector: 'x in (a)'; can't understand 'x in (a)'"),
        ("x in (a,b,c)", "invalid selector: 'x in (a,b,c)'; can't understand 'b'"),
        ("x", "invalid selector: 'x'; can't understand 'x'"),
        (r"x=\q", r"invalid field selector: invalid escape sequence: \q"),
        (r"x=a\", "invalid field selector: invalid escape sequence: \\"),
    ];
    for (input, want) in cases {
        assert_eq!(Selector::parse(input).unwrap_err().to_string(), want, "{input:?}");
    }
}

#[test]
fn test_selector_canonical_string() {
    let cases = [
        ("b=2,a=1", "a=1,b=2"),
        ("a==1", "a=1"),
        ("a=1,,b=2,", "a=1,b=2"),
        ("metadata.name=foo", "metadata.name=foo"),
        (r"a=x\,y", r"a=x\,y"),
        ("x!=", "x!="),
        ("a=", "a="),
    ];
    for (input, want) in cases {
        assert_eq!(parse(input).to_string(), want, "{input:?}");
    }
}

#[test]
fn test_deterministic_parse() {
    assert_eq!(parse("x=a,a=x").to_string(), parse("a=x,x=a").to_string());
    assert_eq!(parse("x=a,a=x"), parse("a=x,x=a"));
}

#[test]
fn test_everything() {
    assert!(Selector::everything().matches(&set(&[("x", "y")])));
    assert!(Selector::everything().is_empty());
    assert!(!Selector::nothing().is_empty());
    assert!(!Selector::nothing().matches(&set(&[])));
    assert_eq!(Selector::nothing().to_string(), "");
    assert!(Selector::nothing().requirements().is_empty());
}

#[test]
fn test_selector_matches() {
    let fieldset = set(&[("foo", "bar"), ("baz", "blah"), ("complex", r"=value\,\")]);
    let cases: Vec<(&str, Set, bool)> = vec![
        ("", set(&[("x", "y")]), true),
        ("x=y", set(&[("x", "y")]), true),
        ("x=y,z=w", set(&[("x", "y"), ("z", "w")]), true),
        ("x!=y,z!=w", set(&[("x", "z"), ("z", "a")]), true),
        ("notin=in", set(&[("notin", "in")]), true),
        ("x=y", set(&[("x", "z")]), false),
        ("x=y,z=w", set(&[("x", "w"), ("z", "w")]), false),
        ("x!=y,z!=w", set(&[("x", "z"), ("z", "w")]), false),
        ("foo=bar", fieldset.clone(), true),
        ("baz=blah", fieldset.clone(), true),
        ("foo=bar,baz=blah", fieldset.clone(), true),
        (r"foo=bar,baz=blah,complex=\=value\\\,\\", fieldset.clone(), true),
        ("foo=blah", fieldset.clone(), false),
        ("baz=bar", fieldset.clone(), false),
        ("foo=bar,foobar=bar,baz=blah", fieldset.clone(), false),
        ("missing=", set(&[]), true),
        ("missing!=", set(&[]), false),
        ("x!=y", set(&[]), true),
    ];
    for (selector, fields, want) in cases {
        assert_eq!(parse(selector).matches(&fields), want, "{selector:?} on {fields}");
        assert_eq!(parse(selector).matches(&fields.0), want, "{selector:?} on map");
    }
}

#[test]
fn test_one_term_equal_selector() {
    assert!(one_term_equal_selector("x", "y").matches(&set(&[("x", "y")])));
    assert!(!one_term_equal_selector("x", "y").matches(&set(&[("x", "z")])));
    assert!(Selector::one_term_not_equal("x", "y").matches(&set(&[("x", "z")])));
    assert!(!Selector::one_term_not_equal("x", "y").matches(&set(&[("x", "y")])));
    assert_eq!(one_term_equal_selector("a", "b=c").to_string(), r"a=b\=c");
}

#[test]
fn test_set_matches() {
    let labelset = set(&[("foo", "bar"), ("baz", "blah")]);
    let cases = [
        (set(&[]), true),
        (set(&[("foo", "bar")]), true),
        (set(&[("baz", "blah")]), true),
        (set(&[("foo", "bar"), ("baz", "blah")]), true),
        (set(&[("foo", "=blah")]), false),
        (set(&[("baz", "=bar")]), false),
        (set(&[("foo", "=bar"), ("foobar", "bar"), ("baz", "blah")]), false),
    ];
    for (selector, want) in cases {
        assert_eq!(selector.as_selector().matches(&labelset), want, "{selector}");
    }
}

#[test]
fn test_set_is_empty() {
    assert!(Set::new().as_selector().is_empty());
    assert!(Selector::and([]).is_empty());
    assert!(!has("", "").is_empty());
    assert!(!Selector::one_term_not_equal("", "").is_empty());
    assert!(Selector::and([Selector::and([])]).is_empty());
    assert!(!Selector::and([has("a", "b")]).is_empty());
}

#[test]
fn test_requires_exact_match() {
    let cases: Vec<(&str, Selector, &str, Option<&str>)> = vec![
        ("empty set", Set::new().as_selector(), "test", None),
        ("empty hasTerm", has("", ""), "test", None),
        ("skipped hasTerm", has("a", "b"), "test", None),
        ("valid hasTerm", has("test", "b"), "test", Some("b")),
        ("valid hasTerm no value", has("test", ""), "test", Some("")),
        ("valid notHasTerm", Selector::one_term_not_equal("test", "b"), "test", None),
        ("valid notHasTerm no value", Selector::one_term_not_equal("test", ""), "test", None),
        ("empty andTerm", Selector::and([]), "test", None),
        ("nested andTerm", Selector::and([Selector::and([])]), "test", None),
        ("nested andTerm matches", Selector::and([has("test", "b")]), "test", Some("b")),
        (
            "andTerm with non-match",
            Selector::and([has("", ""), has("test", "b")]),
            "test",
            Some("b"),
        ),
        (
            "notHas before has",
            Selector::and([Selector::one_term_not_equal("test", "a"), has("test", "b")]),
            "test",
            Some("b"),
        ),
        ("parsed", parse("metadata.name=foo,spec.nodeName=n1"), "spec.nodeName", Some("n1")),
        ("nothing", Selector::nothing(), "test", None),
    ];
    for (name, sel, field, want) in cases {
        assert_eq!(sel.requires_exact_match(field).as_deref(), want, "{name}");
    }
}

#[test]
fn test_transform() {
    type Transform = fn(&str, &str) -> Result<(String, String), Error>;
    fn identity(f: &str, v: &str) -> Result<(String, String), Error> {
        Ok((f.to_string(), v.to_string()))
    }
    fn a_to_e(f: &str, v: &str) -> Result<(String, String), Error> {
        if f == "a" { Ok(("e".into(), "f".into())) } else { identity(f, v) }
    }
    fn drop_all(_: &str, _: &str) -> Result<(String, String), Error> {
        Ok((String::new(), String::new()))
    }
    fn drop_c(f: &str, v: &str) -> Result<(String, String), Error> {
        if f == "c" { Ok((String::new(), String::new())) } else { identity(f, v) }
    }
    fn rename_name(f: &str, v: &str) -> Result<(String, String), Error> {
        match f {
            "name" => Ok(("metadata.name".into(), v.into())),
            "bad" => Err(Error::Transform(format!("field label not supported: {f}"))),
            _ => identity(f, v),
        }
    }
    let cases: Vec<(&str, Transform, &str, bool)> = vec![
        ("", identity, "", true),
        ("a=b,c=d", identity, "a=b,c=d", false),
        ("a=b,c=d", a_to_e, "e=f,c=d", false),
        ("a=b", drop_all, "", true),
        ("a=b,c=d,e=f", drop_c, "a=b,e=f", false),
        ("name=x", rename_name, "metadata.name=x", false),
        ("name!=x,a=b", rename_name, "a=b,metadata.name!=x", false),
    ];
    for (selector, f, want, empty) in cases {
        let got = Selector::parse_and_transform(selector, f).unwrap();
        assert_eq!(got.to_string(), want, "{selector:?}");
        assert_eq!(got.is_empty(), empty, "{selector:?}");
    }
    assert_eq!(
        Selector::parse_and_transform("bad=x", rename_name).unwrap_err().to_string(),
        "field label not supported: bad"
    );
    let sel = parse("a=b,c=d");
    let upper = sel.transform(|f, v| Ok::<_, String>((f.to_uppercase(), v.to_string()))).unwrap();
    assert_eq!(upper.to_string(), "A=b,C=d");
    assert_eq!(sel.to_string(), "a=b,c=d");
    assert_eq!(sel.transform(|_, _| Err::<(String, String), _>("nope")), Err("nope"));
}

#[test]
fn test_requirements() {
    let sel = parse("b!=2,a=1,c==3");
    assert_eq!(
        sel.requirements(),
        vec![
            Requirement { operator: Operator::Equals, field: "a".into(), value: "1".into() },
            Requirement { operator: Operator::NotEquals, field: "b".into(), value: "2".into() },
            Requirement { operator: Operator::Equals, field: "c".into(), value: "3".into() },
        ]
    );
    assert!(Selector::everything().requirements().is_empty());
}

#[test]
fn test_set_string() {
    let cases = [
        (set(&[("x", "y")]), "x=y"),
        (set(&[("foo", "bar")]), "foo=bar"),
        (set(&[("foo", "bar"), ("baz", "qup")]), "baz=qup,foo=bar"),
        (set(&[]), ""),
    ];
    for (s, want) in cases {
        assert_eq!(s.to_string(), want);
        assert_eq!(Selector::from_set(&s).to_string(), want);
    }
}

#[test]
fn test_field_has() {
    let cases = [
        (set(&[("x", "y")]), "x", true),
        (set(&[("x", "")]), "x", true),
        (set(&[("x", "y")]), "foo", false),
    ];
    for (s, key, want) in cases {
        assert_eq!(s.has(key), want, "{s} {key}");
    }
    assert_eq!(set(&[("x", "y")]).lookup("x"), Some("y"));
}
