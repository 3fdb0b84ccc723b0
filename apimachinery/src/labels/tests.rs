//! Table tests mirroring upstream's `labels/selector_test.go`, `labels/labels_test.go` and the
//! `LabelSelector` cases of `meta/v1/helpers_test.go`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use super::selector::{Context, Lexer, Parser, Token, safe_sort};
use super::*;
use crate::errors::field::Path;

fn set(pairs: &[(&str, &str)]) -> Set {
    pairs.iter().map(|(k, v)| (*k, *v)).collect()
}

fn strings(values: &[&str]) -> Vec<String> {
    values.iter().map(|s| s.to_string()).collect()
}

fn req(key: &str, op: Operator, values: &[&str]) -> Requirement {
    match Requirement::new(key, op, strings(values)) {
        Ok(r) => r,
        Err(e) => panic!("Requirement::new({key}, {op}, {values:?}): {e}"),
    }
}

fn parse(s: &str) -> Selector {
    match Selector::parse(s) {
        Ok(sel) => sel,
        Err(e) => panic!("parse({s:?}): {e}"),
    }
}

const LABEL_VALUE_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')";
const NAME_PART_MSG: &str = "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

#[test]
fn test_selector_parse() {
    let good =
        ["x=a,y=b,z=c", "", "x!=a,y=b", "x=", "x= ", "x=,z= ", "x= ,z= ", "!x", "x>1", "x>1,z<5"];
    for s in good {
        assert_eq!(parse(s).to_string(), s.replace(' ', ""), "{s:?}");
    }
    let bad = ["x=a||y=b", "x==a==b", "!x=a", "x<a"];
    for s in bad {
        assert!(Selector::parse(s).is_err(), "{s:?}");
    }
}

#[test]
fn test_selector_parse_errors() {
    let cases: Vec<(&str, String)> = vec![
        (
            "x<a",
            "unable to parse requirement: values[0]: Invalid value: \"a\": for 'Gt', 'Lt' operators, the value must be an integer".into(),
        ),
        (
            "x>",
            "unable to parse requirement: values[0]: Invalid value: \"\": for 'Gt', 'Lt' operators, the value must be an integer".into(),
        ),
        (
            "x=a||y=b",
            format!("unable to parse requirement: values[0][x]: Invalid value: \"a||y\": {LABEL_VALUE_MSG}"),
        ),
        ("x==a==b", "found '==', expected: ',' or 'end of string'".into()),
        ("!x=a", "found '=', expected: ',' or 'end of string'".into()),
        ("x,,y", "found ',', expected: identifier after ','".into()),
        (",x,y", "found ',', expected: !, identifier, or 'end of string'".into()),
        (
            "x nott in (y)",
            "unable to parse requirement: found 'nott', expected: in, notin, =, ==, !=, gt, lt".into(),
        ),
        ("a in (xyz),", "found '', expected: identifier after ','".into()),
        ("a in (xyz)b notin ()", "found 'b', expected: ',' or 'end of string'".into()),
        (
            "a in (xyz abc)",
            "unable to parse requirement: found 'abc', expected: ',' or ')'".into(),
        ),
        (
            "a notin(",
            "unable to parse requirement: found '', expected: ',', ')' or identifier".into(),
        ),
        (
            "a (",
            "unable to parse requirement: found '(', expected: in, notin, =, ==, !=, gt, lt".into(),
        ),
        ("(", "found '(', expected: !, identifier, or 'end of string'".into()),
        ("x in a", "unable to parse requirement: found 'a' expected: '('".into()),
        ("!", "unable to parse requirement: found '', expected: identifier".into()),
        ("!!x", "unable to parse requirement: found '!', expected: identifier".into()),
        ("x=(", "unable to parse requirement: found '(', expected: identifier".into()),
        (
            "x in (a,=)",
            "unable to parse requirement: found '=', expected: ',', or identifier".into(),
        ),
        (
            "-a",
            format!("unable to parse requirement: <nil>: Invalid value: \"-a\": {NAME_PART_MSG}"),
        ),
        (
            "a/b/c=d",
            "unable to parse requirement: <nil>: Invalid value: \"a/b/c\": a valid label key must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]') with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')".into(),
        ),
        (
            "/a",
            "unable to parse requirement: <nil>: Invalid value: \"/a\": prefix part must be non-empty".into(),
        ),
        (
            "a/",
            format!("unable to parse requirement: <nil>: Invalid value: \"a/\": name part must be non-empty; {NAME_PART_MSG}"),
        ),
        (
            "x in (a b)",
            "unable to parse requirement: found 'b', expected: ',' or ')'".into(),
        ),
        (
            "x in (-a)",
            format!("unable to parse requirement: values[0][x]: Invalid value: \"-a\": {LABEL_VALUE_MSG}"),
        ),
        (
            "x in (ok,-a)",
            format!("unable to parse requirement: values[0][x]: Invalid value: \"-a\": {LABEL_VALUE_MSG}"),
        ),
        ("x=a b", "found 'b', expected: ',' or 'end of string'".into()),
        (
            "x>-5",
            format!("unable to parse requirement: values[0][x]: Invalid value: \"-5\": {LABEL_VALUE_MSG}"),
        ),
        ("x=a)", "found ')', expected: ',' or 'end of string'".into()),
        (
            "é=1",
            format!("unable to parse requirement: <nil>: Invalid value: \"é\": {NAME_PART_MSG}"),
        ),
    ];
    for (input, want) in cases {
        match Selector::parse(input) {
            Ok(s) => panic!("parse({input:?}) = {s}, want error {want}"),
            Err(e) => assert_eq!(e.to_string(), want, "{input:?}"),
        }
    }
}

#[test]
fn test_parse_with_path() {
    let err = Selector::parse_with_path("x=-a", "spec.selector").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "unable to parse requirement: spec.selector.values[0][x]: Invalid value: \"-a\": {LABEL_VALUE_MSG}"
        )
    );
    let err = Selector::parse_with_path("-a", "spec.selector").unwrap_err();
    assert_eq!(
        err.to_string(),
        format!(
            "unable to parse requirement: spec.selector: Invalid value: \"-a\": {NAME_PART_MSG}"
        )
    );
}

#[test]
fn test_deterministic_parse() {
    assert_eq!(parse("x=a,a=x").to_string(), parse("a=x,x=a").to_string());
    assert_eq!(parse("x=a,a=x"), parse("a=x,x=a"));
    assert_eq!(parse("x=a,a=x").to_string(), "a=x,x=a");
}

#[test]
fn test_everything() {
    assert!(Selector::everything().matches(&set(&[("x", "y")])));
    assert!(Selector::everything().is_empty());
    assert!(Selector::default().is_empty());
    assert!(!Selector::nothing().is_empty());
    assert!(!Selector::nothing().matches(&set(&[])));
    assert_eq!(Selector::nothing().to_string(), "");
    assert_eq!(Selector::nothing().requirements(), None);
    assert_eq!(Selector::everything().requirements(), Some(&[][..]));
    assert_eq!(Selector::nothing().add([req("a", Operator::Exists, &[])]), Selector::nothing());
}

#[test]
fn test_selector_matches() {
    let labelset = set(&[("foo", "bar"), ("baz", "blah")]);
    let cases: Vec<(&str, Set, bool)> = vec![
        ("", set(&[("x", "y")]), true),
        ("x=y", set(&[("x", "y")]), true),
        ("x=y,z=w", set(&[("x", "y"), ("z", "w")]), true),
        ("x!=y,z!=w", set(&[("x", "z"), ("z", "a")]), true),
        ("notin=in", set(&[("notin", "in")]), true),
        ("x", set(&[("x", "z")]), true),
        ("!x", set(&[("y", "z")]), true),
        ("x>1", set(&[("x", "2")]), true),
        ("x<1", set(&[("x", "0")]), true),
        ("x=z", set(&[]), false),
        ("x=y", set(&[("x", "z")]), false),
        ("x=y,z=w", set(&[("x", "w"), ("z", "w")]), false),
        ("x!=y,z!=w", set(&[("x", "z"), ("z", "w")]), false),
        ("x", set(&[("y", "z")]), false),
        ("!x", set(&[("x", "z")]), false),
        ("x>1", set(&[("x", "0")]), false),
        ("x<1", set(&[("x", "2")]), false),
        ("foo=bar", labelset.clone(), true),
        ("baz=blah", labelset.clone(), true),
        ("foo=bar,baz=blah", labelset.clone(), true),
        ("foo=blah", labelset.clone(), false),
        ("baz=bar", labelset.clone(), false),
        ("foo=bar,foobar=bar,baz=blah", labelset.clone(), false),
        ("x in (a,b)", set(&[("x", "b")]), true),
        ("x in (a,b)", set(&[("x", "c")]), false),
        ("x notin (a,b)", set(&[]), true),
        ("x notin (a,b)", set(&[("x", "a")]), false),
        ("x in ()", set(&[("x", "")]), true),
        ("x=", set(&[("x", "")]), true),
        ("x=", set(&[]), false),
        ("x!=", set(&[]), true),
        ("x<0", set(&[("x", "-4")]), true),
        ("x>1", set(&[]), false),
        ("x<10", set(&[("x", "+9")]), true),
        ("x>1", set(&[("x", "1")]), false),
    ];
    for (selector, labels, want) in cases {
        assert_eq!(parse(selector).matches(&labels), want, "{selector:?} on {labels}");
        // Any label storage works.
        assert_eq!(parse(selector).matches(&labels.0), want, "{selector:?} on map");
    }
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
        (set(&[("foo", "bar"), ("foobar", "bar")]), false),
    ];
    for (selector, want) in cases {
        assert_eq!(selector.as_selector().matches(&labelset), want, "{selector}");
    }
}

#[test]
fn test_set_is_empty() {
    assert!(Set::new().as_selector().is_empty());
    assert!(Selector::from_set(&Set::new()).is_empty());
    assert!(Set::new().as_validated_selector().unwrap().is_empty());
    assert!(!set(&[("a", "b")]).as_selector().is_empty());
}

fn lex_all(s: &str) -> Vec<(Token, String)> {
    let mut lexer = Lexer::new(s);
    let mut out = Vec::new();
    loop {
        let (tok, lit) = lexer.lex();
        if tok == Token::EndOfString {
            return out;
        }
        out.push((tok, lit));
    }
}

#[test]
fn test_lexer() {
    let cases = [
        ("", Token::EndOfString),
        (",", Token::Comma),
        ("notin", Token::NotIn),
        ("in", Token::In),
        ("=", Token::Equals),
        ("==", Token::DoubleEquals),
        (">", Token::GreaterThan),
        ("<", Token::LessThan),
        ("!", Token::DoesNotExist),
        ("!=", Token::NotEquals),
        ("(", Token::OpenPar),
        (")", Token::ClosedPar),
        ("~", Token::Identifier),
        ("||", Token::Identifier),
    ];
    for (s, want) in cases {
        let (tok, lit) = Lexer::new(s).lex();
        assert_eq!(tok, want, "{s:?}");
        assert_eq!(lit, s, "{s:?}");
    }
}

#[test]
fn test_lexer_sequence() {
    use Token::*;
    let cases: Vec<(&str, Vec<Token>)> = vec![
        ("key in ( value )", vec![Identifier, In, OpenPar, Identifier, ClosedPar]),
        ("key notin ( value )", vec![Identifier, NotIn, OpenPar, Identifier, ClosedPar]),
        (
            "key in ( value1, value2 )",
            vec![Identifier, In, OpenPar, Identifier, Comma, Identifier, ClosedPar],
        ),
        ("key", vec![Identifier]),
        ("!key", vec![DoesNotExist, Identifier]),
        ("()", vec![OpenPar, ClosedPar]),
        ("x in (),y", vec![Identifier, In, OpenPar, ClosedPar, Comma, Identifier]),
        (
            "== != (), = notin",
            vec![DoubleEquals, NotEquals, OpenPar, ClosedPar, Comma, Equals, NotIn],
        ),
        ("key>2", vec![Identifier, GreaterThan, Identifier]),
        ("key<1", vec![Identifier, LessThan, Identifier]),
        ("!!=", vec![DoesNotExist, NotEquals]),
        ("===", vec![DoubleEquals, Equals]),
        ("=!", vec![Equals, DoesNotExist]),
        ("a\u{0}b", vec![Identifier, Identifier]),
        ("a \u{0}b", vec![Identifier]),
        ("\t\r\n", vec![]),
    ];
    for (s, want) in cases {
        let got: Vec<Token> = lex_all(s).into_iter().map(|(t, _)| t).collect();
        assert_eq!(got, want, "{s:?}");
    }
    assert_eq!(
        lex_all("x in (a,b)"),
        vec![
            (Token::Identifier, "x".to_string()),
            (Token::In, "in".to_string()),
            (Token::OpenPar, "(".to_string()),
            (Token::Identifier, "a".to_string()),
            (Token::Comma, ",".to_string()),
            (Token::Identifier, "b".to_string()),
            (Token::ClosedPar, ")".to_string()),
        ]
    );
}

#[test]
fn test_parser_lookahead() {
    use Token::*;
    let cases: Vec<(&str, Vec<Token>)> = vec![
        ("key in ( value )", vec![Identifier, In, OpenPar, Identifier, ClosedPar, EndOfString]),
        ("key", vec![Identifier, EndOfString]),
        ("!key", vec![DoesNotExist, Identifier, EndOfString]),
        ("", vec![EndOfString]),
        ("key>2", vec![Identifier, GreaterThan, Identifier, EndOfString]),
    ];
    for (s, want) in cases {
        let mut p = Parser::new(s, Path::nil());
        let mut got = Vec::new();
        loop {
            let ahead = p.lookahead(Context::KeyAndOperator);
            let taken = p.consume(Context::KeyAndOperator);
            assert_eq!(ahead, taken, "{s:?}");
            got.push(taken.0);
            if taken.0 == EndOfString {
                break;
            }
        }
        assert_eq!(got, want, "{s:?}");
    }
    // In the values context `in` and `notin` are plain identifiers.
    let p = Parser::new("in", Path::nil());
    assert_eq!(p.lookahead(Context::Values).0, Identifier);
    assert_eq!(p.lookahead(Context::KeyAndOperator).0, In);
}

#[test]
fn test_parse_operator() {
    let ok = [
        ("in", Operator::In),
        ("=", Operator::Equals),
        ("==", Operator::DoubleEquals),
        (">", Operator::GreaterThan),
        ("<", Operator::LessThan),
        ("notin", Operator::NotIn),
        ("!=", Operator::NotEquals),
    ];
    for (s, want) in ok {
        let mut p = Parser::new(s, Path::nil());
        assert_eq!(p.parse_operator(), Ok(want), "{s:?}");
    }
    for (s, lit) in [("!", "!"), ("exists", "exists"), ("(", "(")] {
        let mut p = Parser::new(s, Path::nil());
        assert_eq!(
            p.parse_operator().unwrap_err().to_string(),
            format!("found '{lit}', expected: in, notin, =, ==, !=, gt, lt")
        );
    }
}

#[test]
fn test_requirement_constructor() {
    let long = "a".repeat(254);
    let cases: Vec<(&str, Operator, Vec<&str>, Option<String>)> = vec![
        (
            "x1",
            Operator::In,
            vec![],
            Some("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty".into()),
        ),
        (
            "x2",
            Operator::NotIn,
            vec![],
            Some("values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty".into()),
        ),
        ("x3", Operator::In, vec!["foo"], None),
        ("x4", Operator::NotIn, vec!["foo"], None),
        (
            "x5",
            Operator::Equals,
            vec!["bar", "foo"],
            Some("values: Invalid value: [\"bar\",\"foo\"]: exact-match compatibility requires one single value".into()),
        ),
        ("x6", Operator::Exists, vec![], None),
        ("x7", Operator::DoesNotExist, vec![], None),
        (
            "x8",
            Operator::Exists,
            vec!["foo"],
            Some("values: Invalid value: [\"foo\"]: values set must be empty for exists and does not exist".into()),
        ),
        ("x9", Operator::In, vec!["bar"], None),
        ("x10", Operator::In, vec!["bar"], None),
        ("x11", Operator::GreaterThan, vec!["1"], None),
        ("x12", Operator::LessThan, vec!["6"], None),
        (
            "x13",
            Operator::GreaterThan,
            vec![],
            Some("values: Invalid value: []: for 'Gt', 'Lt' operators, exactly one value is required".into()),
        ),
        (
            "x14",
            Operator::GreaterThan,
            vec!["bar"],
            Some("values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer".into()),
        ),
        (
            "x15",
            Operator::LessThan,
            vec!["bar"],
            Some("values[0]: Invalid value: \"bar\": for 'Gt', 'Lt' operators, the value must be an integer".into()),
        ),
        (
            &long,
            Operator::Exists,
            vec![],
            Some(format!("key: Invalid value: \"{long}\": name part must be no more than 63 bytes")),
        ),
        (
            "x16",
            Operator::Equals,
            vec![&long],
            Some(format!("values[0][x16]: Invalid value: \"{long}\": must be no more than 63 bytes")),
        ),
        (
            "x17",
            Operator::Equals,
            vec!["a b"],
            Some(format!("values[0][x17]: Invalid value: \"a b\": {LABEL_VALUE_MSG}")),
        ),
        (
            "x18",
            Operator::GreaterThan,
            vec!["1", "2"],
            Some("values: Invalid value: [\"1\",\"2\"]: for 'Gt', 'Lt' operators, exactly one value is required".into()),
        ),
        (
            "",
            Operator::NotIn,
            vec![],
            Some(format!("[key: Invalid value: \"\": name part must be non-empty; {NAME_PART_MSG}, values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty]")),
        ),
        (
            "x19",
            Operator::In,
            vec!["<&>", "-"],
            Some(format!("[values[0][x19]: Invalid value: \"<&>\": {LABEL_VALUE_MSG}, values[1][x19]: Invalid value: \"-\": {LABEL_VALUE_MSG}]")),
        ),
        (
            "x20",
            Operator::NotEquals,
            vec!["<"],
            Some(format!("values[0][x20]: Invalid value: \"<\": {LABEL_VALUE_MSG}")),
        ),
        (
            "x21",
            Operator::DoubleEquals,
            vec!["<", ">"],
            Some(format!("[values: Invalid value: [\"\\u003c\",\"\\u003e\"]: exact-match compatibility requires one single value, values[0][x21]: Invalid value: \"<\": {LABEL_VALUE_MSG}, values[1][x21]: Invalid value: \">\": {LABEL_VALUE_MSG}]")),
        ),
    ];
    for (key, op, values, want) in cases {
        let got = Requirement::new(key, op, strings(&values));
        match (got, want) {
            (Ok(_), None) => {}
            (Err(e), Some(want)) => assert_eq!(e.to_string(), want, "{key} {op} {values:?}"),
            (got, want) => panic!("{key} {op} {values:?}: got {got:?}, want {want:?}"),
        }
    }
}

#[test]
fn test_to_string() {
    let cases: Vec<(Vec<Requirement>, &str)> = vec![
        (
            vec![
                req("x", Operator::In, &["abc", "def"]),
                req("y", Operator::NotIn, &["jkl"]),
                req("z", Operator::Exists, &[]),
            ],
            "x in (abc,def),y notin (jkl),z",
        ),
        (
            vec![
                req("x", Operator::NotIn, &["abc", "def"]),
                req("y", Operator::NotEquals, &["jkl"]),
                req("z", Operator::DoesNotExist, &[]),
            ],
            "x notin (abc,def),y!=jkl,!z",
        ),
        (
            vec![
                req("x", Operator::NotIn, &["abc"]),
                req("y", Operator::In, &["jkl", "mno"]),
                req("z", Operator::NotIn, &[""]),
            ],
            "x notin (abc),y in (jkl,mno),z notin ()",
        ),
        (
            vec![
                req("x", Operator::Equals, &["abc"]),
                req("y", Operator::DoubleEquals, &["jkl"]),
                req("z", Operator::NotEquals, &["a"]),
                req("z", Operator::Exists, &[]),
            ],
            "x=abc,y==jkl,z!=a,z",
        ),
        (
            vec![
                req("x", Operator::GreaterThan, &["2"]),
                req("y", Operator::LessThan, &["8"]),
                req("z", Operator::Exists, &[]),
            ],
            "x>2,y<8,z",
        ),
        (vec![req("x", Operator::In, &["def", "abc", "abc"])], "x in (abc,abc,def)"),
        (vec![], ""),
    ];
    for (reqs, want) in cases {
        assert_eq!(Selector::everything().add(reqs).to_string(), want);
    }
    // Printing sorts values without reordering the requirement itself.
    let r = req("x", Operator::In, &["b", "a"]);
    assert_eq!(r.to_string(), "x in (a,b)");
    assert_eq!(r.values_unsorted(), &["b".to_string(), "a".to_string()]);
}

#[test]
fn test_requirement_selector_matching() {
    let cases: Vec<(Set, Vec<Requirement>, bool)> = vec![
        (
            set(&[("x", "foo"), ("y", "baz")]),
            vec![req("x", Operator::In, &["foo"]), req("y", Operator::NotIn, &["alpha"])],
            true,
        ),
        (
            set(&[("x", "foo"), ("y", "baz")]),
            vec![req("x", Operator::In, &["foo"]), req("y", Operator::In, &["alpha"])],
            false,
        ),
        (
            set(&[("y", "")]),
            vec![req("x", Operator::NotIn, &[""]), req("y", Operator::Exists, &[])],
            true,
        ),
        (
            set(&[("y", "")]),
            vec![req("x", Operator::DoesNotExist, &[]), req("y", Operator::Exists, &[])],
            true,
        ),
        (
            set(&[("y", "")]),
            vec![req("x", Operator::NotIn, &[""]), req("y", Operator::DoesNotExist, &[])],
            false,
        ),
        (set(&[("y", "baz")]), vec![req("x", Operator::In, &[""])], false),
        (set(&[("z", "2")]), vec![req("z", Operator::GreaterThan, &["1"])], true),
        (set(&[("z", "v2")]), vec![req("z", Operator::GreaterThan, &["1"])], false),
        (set(&[("z", "0")]), vec![req("z", Operator::LessThan, &["1"])], true),
        (
            set(&[("z", "99999999999999999999")]),
            vec![req("z", Operator::GreaterThan, &["1"])],
            false,
        ),
    ];
    for (labels, reqs, want) in cases {
        let sel = Selector::everything().add(reqs);
        assert_eq!(sel.matches(&labels), want, "{sel} on {labels}");
    }
}

#[test]
fn test_set_selector_parser() {
    let cases: Vec<(&str, Vec<Requirement>)> = vec![
        ("", vec![]),
        ("\rx", vec![req("x", Operator::Exists, &[])]),
        (
            "this-is-a-dns.domain.com/key-with-dash",
            vec![req("this-is-a-dns.domain.com/key-with-dash", Operator::Exists, &[])],
        ),
        (
            "this-is-another-dns.domain.com/key-with-dash in (so,what)",
            vec![req(
                "this-is-another-dns.domain.com/key-with-dash",
                Operator::In,
                &["so", "what"],
            )],
        ),
        (
            "0.1.2.domain/99 notin (10.10.100.1, tick.tack.clock)",
            vec![req("0.1.2.domain/99", Operator::NotIn, &["10.10.100.1", "tick.tack.clock"])],
        ),
        ("foo  in\t (abc)", vec![req("foo", Operator::In, &["abc"])]),
        ("x notin\n (abc)", vec![req("x", Operator::NotIn, &["abc"])]),
        ("x  notin\t\t\t(abc,def)", vec![req("x", Operator::NotIn, &["abc", "def"])]),
        ("x in (abc,def)", vec![req("x", Operator::In, &["abc", "def"])]),
        ("x in (abc,)", vec![req("x", Operator::In, &["", "abc"])]),
        ("x in (abc,abc)", vec![req("x", Operator::In, &["abc"])]),
        ("x in ()", vec![req("x", Operator::In, &[""])]),
        ("x in (a,,)", vec![req("x", Operator::In, &["", "a"])]),
        ("x in (a,,,)", vec![req("x", Operator::In, &["", "a"])]),
        ("x in (a,,,,,,)", vec![req("x", Operator::In, &["", "a"])]),
        ("x in (a,,a,,a,,a,,)", vec![req("x", Operator::In, &["", "a"])]),
        ("x in (,)", vec![req("x", Operator::In, &[""])]),
        ("x in (,a)", vec![req("x", Operator::In, &["", "a"])]),
        (
            "x notin (abc,,def),bar,z in (),w",
            vec![
                req("bar", Operator::Exists, &[]),
                req("w", Operator::Exists, &[]),
                req("x", Operator::NotIn, &["", "abc", "def"]),
                req("z", Operator::In, &[""]),
            ],
        ),
        ("x,y in (a)", vec![req("x", Operator::Exists, &[]), req("y", Operator::In, &["a"])]),
        ("x=a", vec![req("x", Operator::Equals, &["a"])]),
        ("x>1", vec![req("x", Operator::GreaterThan, &["1"])]),
        ("x<7", vec![req("x", Operator::LessThan, &["7"])]),
        (
            "x=a,y!=b",
            vec![req("x", Operator::Equals, &["a"]), req("y", Operator::NotEquals, &["b"])],
        ),
        (
            "x=a,y!=b,z in (h,i,j)",
            vec![
                req("x", Operator::Equals, &["a"]),
                req("y", Operator::NotEquals, &["b"]),
                req("z", Operator::In, &["h", "i", "j"]),
            ],
        ),
        ("x notin ( )", vec![req("x", Operator::NotIn, &[""])]),
        ("x notin (, a)", vec![req("x", Operator::NotIn, &["", "a"])]),
        ("a ", vec![req("a", Operator::Exists, &[])]),
        ("a in (x,y,notin, z,in)", vec![req("a", Operator::In, &["in", "notin", "x", "y", "z"])]),
        ("in in (in)", vec![req("in", Operator::In, &["in"])]),
        ("notin=in", vec![req("notin", Operator::Equals, &["in"])]),
        ("x==", vec![req("x", Operator::DoubleEquals, &[""])]),
        ("!x,y", vec![req("x", Operator::DoesNotExist, &[]), req("y", Operator::Exists, &[])]),
        ("  !  x  ", vec![req("x", Operator::DoesNotExist, &[])]),
        ("x \u{0}garbage", vec![req("x", Operator::Exists, &[])]),
    ];
    for (input, want) in cases {
        let got = parse(input);
        assert_eq!(got.requirements(), Some(&want[..]), "{input:?}");
    }
    let invalid = [
        "x=a||y=b",
        "x,,y",
        ",x,y",
        "x nott in (y)",
        "a in (xyz),",
        "a in (xyz)b notin ()",
        "a in (xyz abc)",
        "a notin(",
        "a (",
        "(",
    ];
    for input in invalid {
        assert!(Selector::parse(input).is_err(), "{input:?}");
    }
}

#[test]
fn test_add() {
    let base = Selector::everything();
    let one = base.add([req("key", Operator::In, &["value"])]);
    assert_eq!(one.requirements(), Some(&[req("key", Operator::In, &["value"])][..]));
    let two = one.add([req("key2", Operator::Equals, &["value2"])]);
    assert_eq!(
        two.requirements(),
        Some(
            &[req("key", Operator::In, &["value"]), req("key2", Operator::Equals, &["value2"])][..]
        )
    );
    // Adding keeps the result sorted by key and does not touch the original.
    let three = two.add([req("a", Operator::Exists, &[])]);
    assert_eq!(three.to_string(), "a,key in (value),key2=value2");
    assert_eq!(two.to_string(), "key in (value),key2=value2");
}

#[test]
fn test_safe_sort() {
    let cases: Vec<(Vec<&str>, Vec<&str>)> = vec![
        (vec![], vec![]),
        (vec!["bar", "foo"], vec!["bar", "foo"]),
        (vec!["foo", "bar"], vec!["bar", "foo"]),
        (vec!["foo", "bar", "foo", "bar"], vec!["bar", "bar", "foo", "foo"]),
    ];
    for (input, want) in cases {
        let input = strings(&input);
        let copy = input.clone();
        assert_eq!(safe_sort(&input), strings(&want));
        assert_eq!(input, copy);
    }
}

#[test]
fn test_set_selector_string() {
    let cases = [
        (set(&[]), ""),
        (set(&[("app", "foo")]), "app=foo"),
        (set(&[("app", "foo"), ("a", "b")]), "a=b,app=foo"),
    ];
    for (s, want) in cases {
        assert_eq!(Selector::from_set(&s).to_string(), want);
    }
}

#[test]
fn test_requires_exact_match() {
    let cases: Vec<(&str, Vec<Requirement>, &str, Option<&str>)> = vec![
        (
            "keyInOperatorExactMatch",
            vec![req("key", Operator::In, &["value"])],
            "key",
            Some("value"),
        ),
        (
            "keyInOperatorNotExactMatch",
            vec![req("key", Operator::In, &["value", "value2"])],
            "key",
            None,
        ),
        (
            "keyInOperatorNotExactMatch2",
            vec![
                req("key", Operator::In, &["value", "value1"]),
                req("key2", Operator::In, &["value2"]),
            ],
            "key2",
            Some("value2"),
        ),
        (
            "keyEqualOperatorExactMatch",
            vec![req("key", Operator::Equals, &["value"])],
            "key",
            Some("value"),
        ),
        (
            "keyDoubleEqualOperatorExactMatch",
            vec![req("key", Operator::DoubleEquals, &["value"])],
            "key",
            Some("value"),
        ),
        (
            "keyNotEqualOperatorExactMatch",
            vec![req("key", Operator::NotEquals, &["value"])],
            "key",
            None,
        ),
        (
            "keyEqualOperatorExactMatchFirst",
            vec![req("key", Operator::In, &["value"]), req("key2", Operator::In, &["value2"])],
            "key",
            Some("value"),
        ),
        ("missing", vec![req("key", Operator::Equals, &["value"])], "other", None),
        (
            "firstRequirementDecides",
            vec![req("key", Operator::Exists, &[]), req("key", Operator::Equals, &["v"])],
            "key",
            None,
        ),
    ];
    for (name, reqs, label, want) in cases {
        let sel = Selector::everything().add(reqs);
        assert_eq!(sel.requires_exact_match(label).as_deref(), want, "{name}");
    }
    assert_eq!(Selector::nothing().requires_exact_match("key"), None);
}

#[test]
fn test_validated_selector_from_set() {
    let ok = Selector::validated_from_set(&set(&[("key", "val")])).unwrap();
    assert_eq!(ok.requirements(), Some(&[req("key", Operator::Equals, &["val"])][..]));
    let value = "axahm2EJ8Phiephe2eixohbee9eGeiyees1thuozi1xoh0GiuH3diewi8iem7Nui";
    let err = Selector::validated_from_set(&set(&[("Key", value)])).unwrap_err();
    assert_eq!(
        err.to_string(),
        format!("values[0][Key]: Invalid value: \"{value}\": must be no more than 63 bytes")
    );
    assert!(validated_selector_from_set(&set(&[("-k", "v")])).is_err());
    // Unvalidated construction keeps even bad values.
    assert_eq!(Selector::from_set(&set(&[("a b", "c")])).to_string(), "a b=c");
    assert_eq!(selector_from_set(&set(&[("b", "2"), ("a", "1")])).to_string(), "a=1,b=2");
    assert_eq!(selector_from_validated_set(&set(&[("-k", "v")])).to_string(), "-k=v");
    assert_eq!(super::parse("b,a").unwrap().to_string(), "a,b");
}

#[test]
fn test_requirement_equal() {
    let a = req("key", Operator::Equals, &["foo"]);
    assert_eq!(a, req("key", Operator::Equals, &["foo"]));
    assert_ne!(a, req("key2", Operator::Equals, &["foo"]));
    assert_ne!(a, req("key", Operator::In, &["foo"]));
    assert_ne!(a, req("key", Operator::Equals, &["foobar"]));
    assert_ne!(req("k", Operator::In, &["a", "b"]), req("k", Operator::In, &["b", "a"]));
}

#[test]
fn test_matches_nothing() {
    assert!(Selector::nothing().matches_nothing());
    assert!(!Selector::everything().matches_nothing());
    assert!(!Set::new().as_selector().matches_nothing());
    assert!(!set(&[("key", "value")]).as_selector().matches_nothing());
    for s in [
        "",
        "a",
        "!a",
        "a=b",
        "a!=b",
        "a in (b)",
        "a notin (b)",
        "a,!a",
        "a=b,a!=b",
        "a in (b),a notin (b)",
    ] {
        assert!(!parse(s).matches_nothing(), "{s:?}");
    }
}

#[test]
fn test_set_string() {
    let cases = [
        (set(&[("x", "y")]), "x=y"),
        (set(&[("foo", "bar")]), "foo=bar"),
        (set(&[("foo", "bar"), ("baz", "qup")]), "baz=qup,foo=bar"),
        // Whole `k=v` strings are sorted, so `a-b=...` precedes `a=...`.
        (set(&[("a", "1"), ("a-b", "2")]), "a-b=2,a=1"),
        (set(&[]), ""),
    ];
    for (s, want) in cases {
        assert_eq!(s.to_string(), want);
    }
    assert_eq!(format_labels(&BTreeMap::new()), "<none>");
    assert_eq!(format_labels(&set(&[("b", "2"), ("a", "1")]).0), "a=1,b=2");
}

#[test]
fn test_label_has() {
    let cases = [
        (set(&[("x", "y")]), "x", true),
        (set(&[("x", "")]), "x", true),
        (set(&[("x", "y")]), "foo", false),
    ];
    for (s, key, want) in cases {
        assert_eq!(s.has(key), want, "{s} {key}");
    }
    assert_eq!(set(&[("x", "y")]).lookup("x"), Some("y"));
    assert_eq!(set(&[("x", "y")]).lookup("z"), None);
}

#[test]
fn test_label_conflict() {
    let cases = [
        (set(&[]), set(&[]), false),
        (set(&[("env", "test")]), set(&[("infra", "true")]), false),
        (set(&[("env", "test")]), set(&[("infra", "true"), ("env", "test")]), false),
        (set(&[("env", "test")]), set(&[("env", "dev")]), true),
        (
            set(&[("env", "test"), ("infra", "false")]),
            set(&[("infra", "true"), ("color", "blue")]),
            true,
        ),
    ];
    for (a, b, want) in cases {
        assert_eq!(conflicts(&a, &b), want, "{a} vs {b}");
        assert_eq!(conflicts(&b, &a), want, "{b} vs {a}");
    }
}

#[test]
fn test_label_merge() {
    let cases = [
        (set(&[]), set(&[]), set(&[])),
        (set(&[("infra", "true")]), set(&[]), set(&[("infra", "true")])),
        (
            set(&[("infra", "true")]),
            set(&[("env", "test"), ("color", "blue")]),
            set(&[("infra", "true"), ("env", "test"), ("color", "blue")]),
        ),
        (set(&[("a", "1")]), set(&[("a", "2")]), set(&[("a", "2")])),
    ];
    for (a, b, want) in cases {
        assert_eq!(merge(&a, &b), want);
    }
}

#[test]
fn test_label_selector_parse() {
    let cases: Vec<(&str, Result<Set, String>)> = vec![
        ("", Ok(set(&[]))),
        ("x=a", Ok(set(&[("x", "a")]))),
        ("x=a,y=b,z=c", Ok(set(&[("x", "a"), ("y", "b"), ("z", "c")]))),
        (" x = a , y = b , z = c ", Ok(set(&[("x", "a"), ("y", "b"), ("z", "c")]))),
        (
            "color=green,env=test,service=front",
            Ok(set(&[("color", "green"), ("env", "test"), ("service", "front")])),
        ),
        (
            "color=green, env=test, service=front",
            Ok(set(&[("color", "green"), ("env", "test"), ("service", "front")])),
        ),
        (",", Err("invalid selector: []".into())),
        ("x", Err("invalid selector: [x]".into())),
        ("x,y", Err("invalid selector: [x]".into())),
        ("x=$y", Err(format!("[x]: Invalid value: \"$y\": {LABEL_VALUE_MSG}"))),
        ("x!=y", Err(format!("<nil>: Invalid value: \"x!\": {NAME_PART_MSG}"))),
        ("x==y", Err("invalid selector: [x  y]".into())),
        ("x=a||y=b", Err("invalid selector: [x a||y b]".into())),
        ("x=a b", Err(format!("[x]: Invalid value: \"a b\": {LABEL_VALUE_MSG}"))),
        ("x in (y)", Err("invalid selector: [x in (y)]".into())),
        ("x notin (y)", Err("invalid selector: [x notin (y)]".into())),
        ("x y", Err("invalid selector: [x y]".into())),
    ];
    for (input, want) in cases {
        let got = convert_selector_to_labels_map(input).map_err(|e| e.to_string());
        assert_eq!(got, want, "{input:?}");
    }
}

fn expr(key: &str, op: &str, values: Option<&[&str]>) -> LabelSelectorRequirement {
    LabelSelectorRequirement {
        key: key.to_string(),
        operator: op.to_string(),
        values: values.map(strings),
    }
}

fn label_selector(labels: &[(&str, &str)], exprs: Vec<LabelSelectorRequirement>) -> LabelSelector {
    LabelSelector {
        match_labels: (!labels.is_empty()).then(|| set(labels).0),
        match_expressions: (!exprs.is_empty()).then_some(exprs),
    }
}

#[test]
fn test_label_selector_as_selector() {
    let norf_qux = expr("baz", "In", Some(&["qux", "norf"]));
    let cases: Vec<(Option<LabelSelector>, Result<&str, String>)> = vec![
        (Some(label_selector(&[("foo", "bar")], vec![])), Ok("foo=bar")),
        (Some(label_selector(&[], vec![norf_qux.clone()])), Ok("baz in (norf,qux)")),
        (
            Some(label_selector(&[("foo", "bar")], vec![norf_qux.clone()])),
            Ok("baz in (norf,qux),foo=bar"),
        ),
        (
            Some(label_selector(&[], vec![expr("baz", "Exists", Some(&["qux", "norf"]))])),
            Err("values: Invalid value: [\"qux\",\"norf\"]: values set must be empty for exists and does not exist".into()),
        ),
        (
            Some(label_selector(&[], vec![expr("baz", "In", None)])),
            Err("values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty".into()),
        ),
        (
            Some(label_selector(&[], vec![expr("baz", "NotIn", Some(&[]))])),
            Err("values: Invalid value: null: for 'in', 'notin' operators, values set can't be empty".into()),
        ),
        (
            Some(label_selector(&[], vec![expr("baz", "Foo", None)])),
            Err("\"Foo\" is not a valid label selector operator".into()),
        ),
        (
            Some(label_selector(&[], vec![expr("baz", "in", Some(&["a"]))])),
            Err("\"in\" is not a valid label selector operator".into()),
        ),
        (
            Some(label_selector(&[("a b", "c")], vec![])),
            Err(format!("key: Invalid value: \"a b\": {NAME_PART_MSG}")),
        ),
        (
            Some(label_selector(
                &[],
                vec![expr("b", "DoesNotExist", None), expr("a", "Exists", Some(&[]))],
            )),
            Ok("a,!b"),
        ),
        (
            Some(label_selector(&[("z", "1")], vec![expr("a", "NotIn", Some(&["x"]))])),
            Ok("a notin (x),z=1"),
        ),
    ];
    for (input, want) in cases {
        let got = label_selector_as_selector(input.as_ref())
            .map(|s| s.to_string())
            .map_err(|e| e.to_string());
        assert_eq!(got, want.map(str::to_string), "{input:?}");
    }
    assert!(label_selector_as_selector(None).unwrap().matches_nothing());
    let empty = label_selector_as_selector(Some(&LabelSelector::default())).unwrap();
    assert!(empty.is_empty());
    let empty_lists =
        LabelSelector { match_labels: Some(BTreeMap::new()), match_expressions: Some(vec![]) };
    assert!(label_selector_as_selector(Some(&empty_lists)).unwrap().is_empty());
}

#[test]
fn test_label_selector_as_map() {
    type Case = (Option<LabelSelector>, Result<Option<Set>, &'static str>);
    let cases: Vec<Case> = vec![
        (None, Ok(None)),
        (Some(label_selector(&[("foo", "bar")], vec![])), Ok(Some(set(&[("foo", "bar")])))),
        (
            Some(label_selector(&[("foo", "bar")], vec![expr("baz", "In", Some(&["norf"]))])),
            Ok(Some(set(&[("foo", "bar"), ("baz", "norf")]))),
        ),
        (
            Some(label_selector(&[], vec![expr("baz", "In", Some(&["norf"]))])),
            Ok(Some(set(&[("baz", "norf")]))),
        ),
        (
            Some(label_selector(
                &[("foo", "bar")],
                vec![expr("baz", "In", Some(&["norf", "qux"]))],
            )),
            Err(
                "operator \"In\" without a single value cannot be converted into the old label selector format",
            ),
        ),
        (
            Some(label_selector(&[], vec![expr("baz", "NotIn", Some(&["norf", "qux"]))])),
            Err("operator \"NotIn\" cannot be converted into the old label selector format"),
        ),
        (
            Some(label_selector(&[("foo", "bar")], vec![expr("baz", "Exists", Some(&[]))])),
            Err("operator \"Exists\" cannot be converted into the old label selector format"),
        ),
        (
            Some(label_selector(&[], vec![expr("baz", "DoesNotExist", None)])),
            Err("operator \"DoesNotExist\" cannot be converted into the old label selector format"),
        ),
        (
            Some(label_selector(&[], vec![expr("baz", "Gt", None)])),
            Err("\"Gt\" is not a valid selector operator"),
        ),
    ];
    for (input, want) in cases {
        let got = label_selector_as_map(input.as_ref()).map_err(|e| e.to_string());
        let want = want.map(|o| o.map(|s| s.0)).map_err(str::to_string);
        assert_eq!(got, want, "{input:?}");
    }
}

#[test]
fn test_parse_to_label_selector() {
    let cases: Vec<(&str, Result<LabelSelector, String>)> = vec![
        ("", Ok(LabelSelector::default())),
        ("a=b", Ok(label_selector(&[("a", "b")], vec![]))),
        ("a==b,c=d", Ok(label_selector(&[("a", "b"), ("c", "d")], vec![]))),
        (
            "x in (b,a),y notin (c),z,!w",
            Ok(label_selector(
                &[],
                vec![
                    expr("w", "DoesNotExist", None),
                    expr("x", "In", Some(&["a", "b"])),
                    expr("y", "NotIn", Some(&["c"])),
                    expr("z", "Exists", None),
                ],
            )),
        ),
        (
            "app=web,tier in (fe)",
            Ok(label_selector(&[("app", "web")], vec![expr("tier", "In", Some(&["fe"]))])),
        ),
        ("a!=b", Err("\"!=\" is not a valid label selector operator".into())),
        ("a>1", Err("\"gt\" isn't supported in label selectors".into())),
        ("a<1", Err("\"lt\" isn't supported in label selectors".into())),
        (
            "a in (",
            Err("couldn't parse the selector string \"a in (\": unable to parse requirement: found '', expected: ',', ')' or identifier".into()),
        ),
        (
            ",",
            Err("couldn't parse the selector string \",\": found ',', expected: !, identifier, or 'end of string'".into()),
        ),
    ];
    for (input, want) in cases {
        let got = parse_to_label_selector(input).map_err(|e| e.to_string());
        assert_eq!(got, want, "{input:?}");
    }
}

#[test]
fn test_label_selector_round_trip() {
    for s in ["a=b", "a in (x,y),b notin (z),c,!d", "app=web,env in (prod,staging),!legacy"] {
        let ls = parse_to_label_selector(s).unwrap();
        assert_eq!(label_selector_as_selector(Some(&ls)).unwrap(), parse(s), "{s:?}");
        assert_eq!(format_label_selector(Some(&ls)), s);
    }
    assert_eq!(format_label_selector(None), "<none>");
    assert_eq!(format_label_selector(Some(&LabelSelector::default())), "<none>");
    assert_eq!(
        format_label_selector(Some(&label_selector(&[], vec![expr("a", "Bad", None)]))),
        "<error>"
    );
    let ls = set_as_label_selector(&set(&[("a", "b")]));
    assert_eq!(ls.match_labels, Some(set(&[("a", "b")]).0));
    assert_eq!(format_label_selector(Some(&ls)), "a=b");
}
