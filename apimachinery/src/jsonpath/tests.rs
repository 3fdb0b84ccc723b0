//! Tests mirroring client-go's `jsonpath_test.go` and `parser_test.go`, and kubectl's
//! relaxed-expression cases.
//!
//! Upstream's struct-based fixtures are written here as JSON objects, so where upstream
//! prints struct fields in declaration order these cases expect sorted map order.

use serde_json::{Value, json};

use super::*;

fn run(template: &str, input: &Value, allow_missing: bool) -> Result<String, String> {
    let jp = JsonPath::parse("test", template)
        .map_err(|e| format!("parse: {e}"))?
        .allow_missing_keys(allow_missing);
    jp.execute(input).map_err(|e| e.to_string())
}

/// Expects `template` to print `expect` over `input`.
fn check(template: &str, input: &Value, expect: &str) {
    assert_eq!(run(template, input, false).as_deref(), Ok(expect), "template {template:?}");
}

/// Like [`check`], with missing keys allowed.
fn check_missing_ok(template: &str, input: &Value, expect: &str) {
    assert_eq!(run(template, input, true).as_deref(), Ok(expect), "template {template:?}");
}

/// Expects evaluation (not parsing) to fail with exactly `expect`.
fn check_exec_error(template: &str, input: &Value, allow_missing: bool, expect: &str) {
    let jp = JsonPath::parse("test", template)
        .unwrap_or_else(|e| panic!("parse {template:?}: {e}"))
        .allow_missing_keys(allow_missing);
    let got = jp.execute(input).map_err(|e| e.to_string());
    assert_eq!(got, Err(expect.to_string()), "template {template:?}");
}

/// Expects parsing or evaluation to fail, as upstream's `expectError` cases.
fn check_fails(template: &str, input: &Value) {
    let got = run(template, input, false);
    assert!(got.is_err(), "template {template:?} gave {got:?}");
}

fn types_input() -> Value {
    json!({
        "bools": [true, false, true, false],
        "integers": [1, 2, 3, 4],
        "floats": [1.0, 2.2, 3.3, 4.0],
        "strings": ["one", "two", "three", "four"],
        "interfaces": [true, "one", 1, 1.1],
        "maps": [
            {"name": "one", "value": 1},
            {"name": "two", "value": 2.02},
            {"name": "three", "value": 3.03},
            {"name": "four", "value": 4.04}
        ],
        "structs": [
            {"name": "one", "value": 1, "type": "integer"},
            {"name": "two", "value": 2.002, "type": "float"},
            {"name": "three", "value": 3, "type": "integer"},
            {"name": "four", "value": 4.004, "type": "float"}
        ]
    })
}

#[test]
fn test_types_input() {
    let t = types_input();
    let cases: &[(&str, &str)] = &[
        ("{ .bools }", "[true,false,true,false]"),
        ("{ .bools[0] }", "true"),
        ("{ .bools[-1] }", "false"),
        ("{ .bools[0:2] }", "true false"),
        ("{ .bools[:2] }", "true false"),
        ("{ .bools[:4:2] }", "true true"),
        ("{ .integers }", "[1,2,3,4]"),
        ("{ .integers[0] }", "1"),
        ("{ .integers[-2] }", "3"),
        ("{ .integers[0:2] }", "1 2"),
        ("{ .integers[:2] }", "1 2"),
        ("{ .integers[:4:2] }", "1 3"),
        ("{ .floats }", "[1,2.2,3.3,4]"),
        ("{ .floats[0] }", "1"),
        ("{ .floats[-2] }", "3.3"),
        ("{ .floats[0:2] }", "1 2.2"),
        ("{ .floats[:2] }", "1 2.2"),
        ("{ .floats[:4:2] }", "1 3.3"),
        ("{ .strings }", r#"["one","two","three","four"]"#),
        ("{ .strings[0] }", "one"),
        ("{ .strings[-2] }", "three"),
        ("{ .strings[0:2] }", "one two"),
        ("{ .strings[:2] }", "one two"),
        ("{ .strings[:4:2] }", "one three"),
        ("{ .interfaces }", r#"[true,"one",1,1.1]"#),
        ("{ .interfaces[0] }", "true"),
        ("{ .interfaces[-2] }", "1"),
        ("{ .interfaces[0:2] }", "true one"),
        ("{ .interfaces[:2] }", "true one"),
        ("{ .interfaces[:4:2] }", "true 1"),
        (
            "{ .maps }",
            r#"[{"name":"one","value":1},{"name":"two","value":2.02},{"name":"three","value":3.03},{"name":"four","value":4.04}]"#,
        ),
        ("{ .maps[0] }", r#"{"name":"one","value":1}"#),
        ("{ .maps[-2] }", r#"{"name":"three","value":3.03}"#),
        ("{ .maps[0:2] }", r#"{"name":"one","value":1} {"name":"two","value":2.02}"#),
        ("{ .maps[:2] }", r#"{"name":"one","value":1} {"name":"two","value":2.02}"#),
        ("{ .maps[::2] }", r#"{"name":"one","value":1} {"name":"three","value":3.03}"#),
        ("{ .maps[1::2] }", r#"{"name":"two","value":2.02} {"name":"four","value":4.04}"#),
        (
            "{ .structs }",
            r#"[{"name":"one","type":"integer","value":1},{"name":"two","type":"float","value":2.002},{"name":"three","type":"integer","value":3},{"name":"four","type":"float","value":4.004}]"#,
        ),
        ("{ .structs[0] }", r#"{"name":"one","type":"integer","value":1}"#),
        ("{ .structs[-2] }", r#"{"name":"three","type":"integer","value":3}"#),
        (
            "{ .structs[0:2] }",
            r#"{"name":"one","type":"integer","value":1} {"name":"two","type":"float","value":2.002}"#,
        ),
        (
            "{ .structs[::2] }",
            r#"{"name":"one","type":"integer","value":1} {"name":"three","type":"integer","value":3}"#,
        ),
        (
            "{ .structs[1::2] }",
            r#"{"name":"two","type":"float","value":2.002} {"name":"four","type":"float","value":4.004}"#,
        ),
    ];
    for (template, expect) in cases {
        check(template, &t, expect);
    }
}

fn store_data() -> Value {
    json!({
        "Name": "jsonpath",
        "Book": [
            {"Category": "reference", "Author": "Nigel Rees", "Title": "Sayings of the Centurey", "Price": 8.95},
            {"Category": "fiction", "Author": "Evelyn Waugh", "Title": "Sword of Honour", "Price": 12.99},
            {"Category": "fiction", "Author": "Herman Melville", "Title": "Moby Dick", "Price": 8.99}
        ],
        "Bicycle": [
            {"Color": "red", "Price": 19.95, "IsNew": true},
            {"Color": "green", "Price": 20.01, "IsNew": false}
        ],
        "Labels": {"engieer": 10, "web/html": 15, "k8s-app": 20},
        "Employees": {"jason": "manager", "dan": "clerk"}
    })
}

#[test]
fn test_struct_input() {
    let store = store_data();
    let null = Value::Null;
    let cases: &[(&str, &Value, &str)] = &[
        ("hello jsonpath", &null, "hello jsonpath"),
        ("{..}", &json!([1, 2, 3]), "[1,2,3]"),
        ("{[?(@<5)]}", &json!([2, 6, 3, 7]), "2 3"),
        (r#"{"{"}"#, &null, "{"),
        ("{[1,3,4]}", &json!([0, 1, 2, 3, 4]), "1 3 4"),
        ("{[0:2]}", &json!(["Monday", "Tudesday"]), "Monday Tudesday"),
        ("hello {.Name}", &store, "hello jsonpath"),
        ("{$.Labels.web/html}", &store, "15"),
        ("{$.Employees.jason}", &store, "manager"),
        ("{$.Employees.dan}", &store, "clerk"),
        ("{.Labels.k8s-app}", &store, "20"),
        ("{.Bicycle[*].Color}", &store, "red green"),
        ("{.Book[*].Author}", &store, "Nigel Rees Evelyn Waugh Herman Melville"),
        // Sorted member order: Color, IsNew, Price.
        (
            r#"{range .Bicycle[*]}{ "{" }{ @.* }{ "} " }{end}"#,
            &store,
            "{red true 19.95} {green false 20.01} ",
        ),
        // Sorted member order visits Bicycle before Book.
        ("{..Price}", &store, "19.95 20.01 8.95 12.99 8.99"),
        ("{...Price}", &store, "19.95 20.01 8.95 12.99 8.99"),
        (
            "{.Bicycle}",
            &store,
            r#"[{"Color":"red","IsNew":true,"Price":19.95},{"Color":"green","IsNew":false,"Price":20.01}]"#,
        ),
        (
            r#"{range .Bicycle[*]}{ @ }{ " " }{end}"#,
            &store,
            r#"{"Color":"red","IsNew":true,"Price":19.95} {"Color":"green","IsNew":false,"Price":20.01} "#,
        ),
        (
            "{.Book[-1:]}",
            &store,
            r#"{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}"#,
        ),
        (
            "{..Book[2]}",
            &store,
            r#"{"Author":"Herman Melville","Category":"fiction","Price":8.99,"Title":"Moby Dick"}"#,
        ),
        ("{.Bicycle[?(@.IsNew==true)]}", &store, r#"{"Color":"red","IsNew":true,"Price":19.95}"#),
    ];
    for (template, input, expect) in cases {
        check(template, input, expect);
    }
    check_fails("{............................................................Price}", &store);

    check_missing_ok("{.hello}", &store, "");
    check_missing_ok("before-{.hello}after", &store, "before-after");

    let failures: &[(&str, &str)] = &[
        ("{hello}", "unrecognized identifier hello"),
        ("{.hello}", "hello is not found"),
        ("{.Labels[0]}", "map[string]interface {} is not array or slice"),
        ("{.Book[?(@.Price<>10)]}", "unrecognized filter operator <>"),
        ("{range .Labels.*}{@}{end}{end}", "not in range, nothing to end"),
    ];
    for (template, expect) in failures {
        check_exec_error(template, &store, false, expect);
    }
}

#[test]
fn test_json_input() {
    let points: Value = serde_json::from_str(
        r#"[
            {"id": "i1", "x":4, "y":-5},
            {"id": "i2", "x":-2, "y":-5, "z":1},
            {"id": "i3", "x":  8, "y":  3 },
            {"id": "i4", "x": -6, "y": -1 },
            {"id": "i5", "x":  0, "y":  2, "z": 1 },
            {"id": "i6", "x":  1, "y":  4 },
            {"id": "i7", "x":  null, "y":  4 }
        ]"#,
    )
    .unwrap();
    check("{[?(@.z)].id}", &points, "i2 i5");
    check("{[0]['id']}", &points, "i1");
    check("{[-1]['x']}", &points, "null");
}

fn kubernetes_input() -> Value {
    serde_json::from_str(
        r#"{
          "kind": "List",
          "items":[
            {
              "kind":"None",
              "metadata":{"name":"127.0.0.1","labels":{"kubernetes.io/hostname":"127.0.0.1"}},
              "status":{
                "capacity":{"cpu":"4"},
                "ready": true,
                "addresses":[{"type": "LegacyHostIP", "address":"127.0.0.1"}]
              }
            },
            {
              "kind":"None",
              "metadata":{"name":"127.0.0.2","labels":{"kubernetes.io/hostname":"127.0.0.2"}},
              "status":{
                "capacity":{"cpu":"8"},
                "ready": false,
                "addresses":[
                  {"type": "LegacyHostIP", "address":"127.0.0.2"},
                  {"type": "another", "address":"127.0.0.3"}
                ]
              }
            }
          ],
          "users":[
            {"name": "myself", "user": {}},
            {"name": "e2e", "user": {"username": "admin", "password": "secret"}}
          ]
        }"#,
    )
    .unwrap()
}

#[test]
fn test_kubernetes() {
    let nodes = kubernetes_input();
    let cases: &[(&str, &str)] = &[
        ("{range .items[*]}{.metadata.name}, {end}{.kind}", "127.0.0.1, 127.0.0.2, List"),
        (r#"{range .items[*]}{.metadata.name}{"\t"}{end}"#, "127.0.0.1\t127.0.0.2\t"),
        ("{.items[*].status.addresses[*].address}", "127.0.0.1 127.0.0.2 127.0.0.3"),
        (
            "{range .items[*]}{range .status.addresses[*]}{.address}, {end}{end}",
            "127.0.0.1, 127.0.0.2, 127.0.0.3, ",
        ),
        ("{.items[*].metadata.name}", "127.0.0.1 127.0.0.2"),
        (
            "{.items[*]['metadata.name', 'status.capacity']}",
            r#"127.0.0.1 127.0.0.2 {"cpu":"4"} {"cpu":"8"}"#,
        ),
        (
            "{range .items[*]}[{.metadata.name}, {.status.capacity}] {end}",
            r#"[127.0.0.1, {"cpu":"4"}] [127.0.0.2, {"cpu":"8"}] "#,
        ),
        (r#"{.users[?(@.name=="e2e")].user.password}"#, "secret"),
        (r"{.items[0].metadata.labels.kubernetes\.io/hostname}", "127.0.0.1"),
        (r#"{.items[?(@.metadata.labels.kubernetes\.io/hostname=="127.0.0.1")].kind}"#, "None"),
        ("{.items[?(@..ready==true)].metadata.name}", "127.0.0.1"),
        // Upstream sorts this output because Go's map order is random; ours is fixed.
        ("{..name}", "127.0.0.1 127.0.0.2 myself e2e"),
    ];
    for (template, expect) in cases {
        check(template, &nodes, expect);
    }
}

#[test]
fn test_empty_range() {
    let empty = json!({"items": []});
    check_missing_ok("{range .items[*]}{.metadata.name}{end}", &empty, "");
    check_missing_ok(
        r#"{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}"#,
        &empty,
        "",
    );
    // The body still runs once over nothing, so missing keys fail when not allowed.
    check_exec_error(
        "{range .items[*]}{.metadata.name}{end}",
        &empty,
        false,
        "metadata is not found",
    );
}

#[test]
fn test_nested_ranges() {
    let data = json!({
        "items": [
            {"metadata": {"name": "pod1"}, "spec": {"containers": [
                {"name": "foo", "another": [{"name": "value1"}, {"name": "value2"}]},
                {"name": "bar", "another": [{"name": "value1"}, {"name": "value2"}]}
            ]}},
            {"metadata": {"name": "pod2"}, "spec": {"containers": [
                {"name": "baz", "another": [{"name": "value1"}, {"name": "value2"}]}
            ]}}
        ]
    });
    let cases: &[(&str, &str)] = &[
        (
            r#"{range .items[*]}{.metadata.name}{":"}{range @.spec.containers[*]}{.name}{","}{end}{"+"}{end}"#,
            "pod1:foo,bar,+pod2:baz,+",
        ),
        (
            concat!(
                r#"{range .items[*]}{.metadata.name}{"~"}{range @.spec.containers[*]}{.name}{":"}"#,
                r##"{range @.another[*]}{.name}{","}{end}{"+"}{end}{"#"}{end}"##
            ),
            "pod1~foo:value1,value2,+bar:value1,value2,+#pod2~baz:value1,value2,+#",
        ),
        (
            concat!(
                r#"{range .items[*]}{.metadata.name}{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}"#,
                r#"{"\t"}{range @.spec.containers[*]}{.name}{" "}{end}{"\n"}{end}"#
            ),
            "pod1\tfoo bar \tfoo bar \npod2\tbaz \tbaz \n",
        ),
    ];
    for (template, expect) in cases {
        check(template, &data, expect);
    }
}

#[test]
fn test_filter_partial_matches_sometimes_missing_annotations() {
    let data = json!({
        "kind": "List",
        "items": [
            {"kind": "Pod", "metadata": {"name": "pod1", "annotations": {"color": "blue"}}},
            {"kind": "Pod", "metadata": {"name": "pod2"}},
            {"kind": "Pod", "metadata": {"name": "pod3", "annotations": {"color": "green"}}},
            {"kind": "Pod", "metadata": {"name": "pod4", "annotations": {"color": "blue"}}}
        ]
    });
    let template = r#"{.items[?(@.metadata.annotations.color=="blue")].metadata.name}"#;
    check_missing_ok(template, &data, "pod1 pod4");
    check_exec_error(template, &data, false, "annotations is not found");
}

fn containers(n: usize) -> Value {
    let list: Vec<Value> = (0..n)
        .map(|i| json!({"image": "radial/busyboxplus:curl", "name": format!("fake{i}")}))
        .collect();
    json!({"apiVersion": "v1", "kind": "Pod", "spec": {"containers": list}})
}

#[test]
fn test_negative_index() {
    let data = containers(4);
    let cases: &[(&str, &str)] = &[
        ("{.spec.containers[0].name}", "fake0"),
        ("{.spec.containers[0:0].name}", ""),
        ("{.spec.containers[0:-1].name}", "fake0 fake1 fake2"),
        ("{.spec.containers[-1].name}", "fake3"),
        ("{.spec.containers[-1:].name}", "fake3"),
        ("{.spec.containers[-2].name}", "fake2"),
        ("{.spec.containers[-2:].name}", "fake2 fake3"),
        ("{.spec.containers[-3].name}", "fake1"),
        ("{.spec.containers[-4].name}", "fake0"),
        ("{.spec.containers[-4:].name}", "fake0 fake1 fake2 fake3"),
        ("{.spec.containers[5:5].name}", ""),
        ("{.spec.containers[-5:-5].name}", ""),
    ];
    for (template, expect) in cases {
        check(template, &data, expect);
    }
    let failures: &[(&str, &str)] = &[
        ("{.spec.containers[-1:0].name}", "starting index 3 is greater than ending index 0"),
        ("{.spec.containers[-5].name}", "array index out of bounds: index -1, length 4"),
        ("{.spec.containers[3:1].name}", "starting index 3 is greater than ending index 1"),
        ("{.spec.containers[-1:-2].name}", "starting index 3 is greater than ending index 2"),
        ("{.spec.containers[4].name}", "array index out of bounds: index 4, length 4"),
        ("{.spec.containers[1:9].name}", "array index out of bounds: index 8, length 4"),
    ];
    for (template, expect) in failures {
        check_exec_error(template, &data, false, expect);
    }
}

#[test]
fn test_running_pods_json_path_output() {
    let data = json!({
        "kind": "List",
        "items": [
            {"kind": "Pod", "metadata": {"name": "pod1"}, "status": {"phase": "Running"}},
            {"kind": "Pod", "metadata": {"name": "pod2"}, "status": {"phase": "Running"}},
            {"kind": "Pod", "metadata": {"name": "pod3"}, "status": {"phase": "Running"}},
            {"resourceVersion": ""}
        ]
    });
    check_missing_ok(
        r#"{range .items[?(.status.phase=="Running")]}{.metadata.name}{" is Running\n"}{end}"#,
        &data,
        "pod1 is Running\npod2 is Running\npod3 is Running\n",
    );
}

#[test]
fn test_step() {
    let data = containers(6);
    let cases: &[(&str, &str)] = &[
        ("{.spec.containers[0:].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
        ("{.spec.containers[0:6:].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
        ("{.spec.containers[0:6:1].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
        ("{.spec.containers[1:4:2].name}", "fake1 fake3"),
        ("{.spec.containers[1:4:3].name}", "fake1"),
        ("{.spec.containers[1:4:4].name}", "fake1"),
        ("{.spec.containers[0:6:2].name}", "fake0 fake2 fake4"),
        ("{.spec.containers[0:6:3].name}", "fake0 fake3"),
        ("{.spec.containers[0:6:5].name}", "fake0 fake5"),
        ("{.spec.containers[0:6:6].name}", "fake0"),
        ("{.spec.containers[::3].name}", "fake0 fake3"),
        ("{.spec.containers[*].name}", "fake0 fake1 fake2 fake3 fake4 fake5"),
    ];
    for (template, expect) in cases {
        check(template, &data, expect);
    }
    check_exec_error("{.spec.containers[0:6:0].name}", &data, false, "step must be > 0");
    check_exec_error("{.spec.containers[0:6:-1].name}", &data, false, "step must be > 0");
}

#[test]
fn test_recursive_descent() {
    let doc = json!({"a": {"b": 1}, "c": [2], "d": ""});
    check("{..}", &doc, r#"{"a":{"b":1},"c":[2],"d":""} {"b":1} [2]"#);
    check("{..b}", &doc, "1");
    let pod = json!({"spec": {
        "initContainers": [{"name": "init", "image": "busybox"}],
        "containers": [{"name": "app", "image": "nginx"}, {"name": "side", "image": "envoy"}]
    }});
    check("{..containers[*].name}", &pod, "app side");
    check("{..image}", &pod, "nginx envoy busybox");
    check("{.spec..name}", &pod, "app side init");
    // Strings have members (their bytes), so they are containers too.
    check("{.s.*}", &json!({"s": "ab"}), "97 98");
    check("{..[0]}", &json!([[1, 2], [3]]), "[1,2] 1 3");
}

fn filter_input() -> Value {
    json!({"items": [
        {"name": "a", "n": 1, "f": 0.5, "ok": true, "tags": ["x", "y"], "nil": null},
        {"name": "b", "n": 2, "f": 1.5, "ok": false, "tags": ["z"], "nil": null},
        {"name": "c", "n": 3, "f": 2.5, "ok": true, "tags": [], "nil": null}
    ]})
}

#[test]
fn test_filter_compare() {
    let data = filter_input();
    let cases: &[(&str, &str)] = &[
        ("{.items[?(@.n==2)].name}", "b"),
        ("{.items[?(@.n!=2)].name}", "a c"),
        ("{.items[?(@.n<2)].name}", "a"),
        ("{.items[?(@.n>2)].name}", "c"),
        ("{.items[?(@.n<=2)].name}", "a b"),
        ("{.items[?(@.n>=2)].name}", "b c"),
        ("{.items[?(@.n >= 2)].name}", "b c"),
        ("{.items[?(@.f>1.0)].name}", "b c"),
        ("{.items[?(@.f<=1.5)].name}", "a b"),
        (r#"{.items[?(@.name=="c")].n}"#, "3"),
        ("{.items[?(@.name=='a')].n}", "1"),
        (r#"{.items[?(@.name>"a")].name}"#, "b c"),
        ("{.items[?(@.ok==true)].name}", "a c"),
        ("{.items[?(@.ok!=true)].name}", "b"),
        ("{.items[?(@.n==-1)].name}", ""),
        ("{.items[?(@.tags[1])].name}", "a b c"),
        ("{.items[?(@.missing)].name}", ""),
        ("{.items[?(@.nil)].name}", "a b c"),
        ("{.items[?(@.tags[0])].name}", "a b c"),
        // Upstream hands back the operand on an index error, so existence holds.
        ("{.items[?(@.tags[5])].name}", "a b c"),
        ("{.items[?(@.tags[0:0])].name}", ""),
    ];
    for (template, expect) in cases {
        check(template, &data, expect);
    }
    let failures: &[(&str, &str)] = &[
        ("{.items[?(@.f>1)].name}", "incompatible types for comparison"),
        ("{.items[?(@.name==1)].name}", "incompatible types for comparison"),
        ("{.items[?(@.ok>true)].name}", "invalid type for comparison"),
        ("{.items[?(@.nil==1)].name}", "invalid type for comparison"),
        ("{.items[?(@.tags==1)].name}", "invalid type for comparison"),
        ("{.items[?(@.tags[*]=='x')].name}", "can only compare one element at a time"),
        ("{.items[?(@.n=<1)].name}", "unrecognized filter operator =<"),
        ("{.items[?(@.n==2)].missing}", "missing is not found"),
        (
            "{.items[0][?(@.n)]}",
            "map[f:0.5 n:1 name:a nil:<nil> ok:true tags:[x y]] is not array or slice and cannot be filtered",
        ),
        ("{.items[0].nil[?(@.n)]}", "<nil> is not array or slice and cannot be filtered"),
    ];
    for (template, expect) in failures {
        check_exec_error(template, &data, false, expect);
    }
}

#[test]
fn test_execute_errors() {
    let doc = json!({"s": "str", "n": 5, "f": 1.5, "e": [], "l": [1, 2], "m": {"k": 1}});
    let failures: &[(&str, &str)] = &[
        ("{.s[0]}", "string is not array or slice"),
        ("{.n[0]}", "int64 is not array or slice"),
        ("{.f[0]}", "float64 is not array or slice"),
        ("{.m[*]}", "map[string]interface {} is not array or slice"),
        ("{.e[0]}", "array index out of bounds: index 0, length 0"),
        ("{.e[-1]}", "array index out of bounds: index -1, length 0"),
        ("{.l[5]}", "array index out of bounds: index 5, length 2"),
        ("{.l[0,5]}", "array index out of bounds: index 5, length 2"),
        ("{.x.y}", "x is not found"),
        ("{.m.k.z}", "z is not found"),
        ("{end}", "not in range, nothing to end"),
        ("{.l end}", "not in range, nothing to end"),
        ("{foo}", "unrecognized identifier foo"),
    ];
    for (template, expect) in failures {
        check_exec_error(template, &doc, false, expect);
    }
}

#[test]
fn test_printing() {
    let doc = json!({
        "big": 1e6, "small": 1e-7, "plain": 123456.0, "half": 0.5, "huge": 1e21, "neg": -2.5,
        "int": -42, "html": {"k": "<a&b>\u{2028}"}, "esc": ["q\"\\\n\t\u{1}"], "empty": {}, "none": [],
        "t": "tab\there"
    });
    let cases: &[(&str, &str)] = &[
        ("{.big}", "1e+06"),
        ("{.small}", "1e-07"),
        ("{.plain}", "123456"),
        ("{.half}", "0.5"),
        ("{.huge}", "1e+21"),
        ("{.neg}", "-2.5"),
        ("{.int}", "-42"),
        ("{['big','small','huge']}", "1e+06 1e-07 1e+21"),
        ("{.html}", r#"{"k":"\u003ca\u0026b\u003e\u2028"}"#),
        ("{.esc}", r#"["q\"\\\n\t\u0001"]"#),
        ("{.empty}", "{}"),
        ("{.none}", "[]"),
        ("{.t}", "tab\there"),
        ("{3}", "3"),
        ("{-7}", "-7"),
        ("{1.5}", "1.5"),
        ("{+2.0}", "2"),
        ("{true}", "true"),
        ("{false}", "false"),
        (r#"{"a" "b"}"#, "b"),
        ("x{.int}y{.half}z", "x-42y0.5z"),
        ("{$.int}{@.int}", "-42-42"),
    ];
    for (template, expect) in cases {
        check(template, &doc, expect);
    }
    // An empty action yields its input.
    check("{}", &json!({"a": 1}), r#"{"a":1}"#);
    // A range without its end runs the rest of the template per element, then once more.
    check("{range .l[*]}{@}", &json!({"l": [1, 2]}), r#"12{"l":[1,2]}"#);
    check("{range .l[*]}{@}{end}{range .l[*]}{@}{end}", &json!({"l": [1, 2]}), "1212");
    check("{range}{.a}{end}", &json!({"a": 1}), "1");
    let arrays = json!({"a": [1e6, 1e-7, 1e21, 1e-6, 2.0]});
    check("{.a}", &arrays, "[1000000,1e-7,1e+21,0.000001,2]");
}

#[test]
fn test_json_output() {
    let doc = json!({"items": [{"name": "a", "n": 1}, {"name": "b", "n": 2}]});
    let cases: &[(&str, &str)] = &[
        ("{.items[*].name}", "[\n    \"a\",\n    \"b\"\n]\n"),
        ("{.items[0]}", "[\n    {\n        \"n\": 1,\n        \"name\": \"a\"\n    }\n]\n"),
        ("{.items[5:5]}", "[]\n"),
        ("x", "[\n    \"x\"\n]\n"),
    ];
    for (template, expect) in cases {
        let jp = JsonPath::parse("json", template).unwrap().enable_json_output(true);
        assert_eq!(jp.execute(&doc).unwrap(), *expect, "template {template:?}");
    }
}

#[test]
fn test_find_results() {
    let doc = kubernetes_input();
    let jp =
        JsonPath::parse("r", "{range .items[*]}{.metadata.name}:{.status.ready}{end}").unwrap();
    let got = jp.find_results(&doc).unwrap();
    let expect = vec![
        vec![json!("127.0.0.1")],
        vec![json!(":")],
        vec![json!(true)],
        vec![json!("127.0.0.2")],
        vec![json!(":")],
        vec![json!(false)],
    ];
    assert_eq!(got, expect);
    assert_eq!(jp.name(), "r");
    // Evaluation leaves the template reusable.
    assert_eq!(jp.find_results(&doc).unwrap(), expect);
    let missing = JsonPath::parse("m", "{.nope}").unwrap().allow_missing_keys(true);
    assert_eq!(missing.find_results(&doc).unwrap(), vec![Vec::<Value>::new()]);
    let jp = JsonPath::parse("p", "{.x}").unwrap();
    assert_eq!(
        jp.print_results(&[json!("a"), json!({"b": [1]}), json!(null)]),
        r#"a {"b":[1]} null"#
    );
}

/// Flattens nodes the way upstream's `collectNode` does.
fn collect(nodes: &[Node], out: &mut Vec<String>) {
    for node in nodes {
        out.push(node.to_string());
        match node {
            Node::List(children) => collect(children, out),
            Node::Filter { left, right, .. } => {
                out.push("NodeList".into());
                collect(left, out);
                out.push("NodeList".into());
                collect(right, out);
            }
            Node::Union(branches) => {
                for branch in branches {
                    out.push("NodeList".into());
                    collect(branch, out);
                }
            }
            _ => {}
        }
    }
}

fn check_parse(text: &str, expect: &[&str]) {
    let nodes = parse_template(text).unwrap_or_else(|e| panic!("parse {text:?}: {e}"));
    let mut got = Vec::new();
    collect(&nodes, &mut got);
    assert_eq!(got, expect, "template {text:?}");
}

fn check_parse_error(text: &str, expect: &str) {
    let got = parse_template(text).map_err(|e| e.to_string());
    assert_eq!(got, Err(expect.to_string()), "template {text:?}");
}

#[test]
fn test_parser() {
    let filter = |op: &str| format!("NodeFilter: NodeList {op} NodeList");
    let eq = filter("==");
    let os_image = ["NodeField: status", "NodeField: nodeInfo", "NodeField: osImage"];
    let with_text = |text: &str| -> Vec<String> {
        let mut v = vec!["NodeList".to_string(), eq.clone(), "NodeList".to_string()];
        v.extend(os_image.iter().map(|s| s.to_string()));
        v.push("NodeList".to_string());
        v.push(format!("NodeText: {text}"));
        v
    };
    let cases: Vec<(&str, Vec<String>)> = vec![
        ("hello jsonpath", vec!["NodeText: hello jsonpath".into()]),
        (
            "hello {.jsonpath}",
            vec!["NodeText: hello ".into(), "NodeList".into(), "NodeField: jsonpath".into()],
        ),
        (
            "hello {['jsonpath']}",
            vec!["NodeText: hello ".into(), "NodeList".into(), "NodeField: jsonpath".into()],
        ),
        (r#"{"{"}"#, vec!["NodeList".into(), "NodeText: {".into()]),
        (
            "{[1:3]}",
            vec![
                "NodeList".into(),
                "NodeArray: [{1 true false} {3 true false} {0 false false}]".into(),
            ],
        ),
        (
            "{.book[*].author}",
            vec![
                "NodeList".into(),
                "NodeField: book".into(),
                "NodeArray: [{0 false false} {0 false false} {0 false false}]".into(),
                "NodeField: author".into(),
            ],
        ),
        (
            "{.bicycle.*}",
            vec!["NodeList".into(), "NodeField: bicycle".into(), "NodeWildcard".into()],
        ),
        (
            "{[?(@.price<3)]}",
            vec![
                "NodeList".into(),
                filter("<"),
                "NodeList".into(),
                "NodeField: price".into(),
                "NodeList".into(),
                "NodeInt: 3".into(),
            ],
        ),
        ("{..}", vec!["NodeList".into(), "NodeRecursive".into()]),
        ("{..price}", vec!["NodeList".into(), "NodeRecursive".into(), "NodeField: price".into()]),
        (
            "{['book.price']}",
            vec!["NodeList".into(), "NodeField: book".into(), "NodeField: price".into()],
        ),
        (
            "{['bicycle.price', 3, 'book.price']}",
            vec![
                "NodeList".into(),
                "NodeUnion".into(),
                "NodeList".into(),
                "NodeField: bicycle".into(),
                "NodeField: price".into(),
                "NodeList".into(),
                "NodeArray: [{3 true false} {4 true true} {0 false false}]".into(),
                "NodeList".into(),
                "NodeField: book".into(),
                "NodeField: price".into(),
            ],
        ),
        (
            "{range .items}{.name},{end}",
            vec![
                "NodeList".into(),
                "NodeIdentifier: range".into(),
                "NodeField: items".into(),
                "NodeList".into(),
                "NodeField: name".into(),
                "NodeText: ,".into(),
                "NodeList".into(),
                "NodeIdentifier: end".into(),
            ],
        ),
        (r#"{[?(@.status.nodeInfo.osImage == "()")]}"#, with_text("()")),
        (r#"{[?(@.status.nodeInfo.osImage == "(\"\")")]}"#, with_text(r#"("")"#)),
        (r#"{[?(@.status.nodeInfo.osImage == 'Linux')]}"#, with_text("Linux")),
        (r#"{[?(@.status.nodeInfo.osImage == "{[()]}")]}"#, with_text("{[()]}")),
        (r#"{[?(@.status.nodeInfo.osImage == "''")]}"#, with_text("''")),
        (r#"{[?(@.status.nodeInfo.osImage == '""')]}"#, with_text(r#""""#)),
        (r"{[?(@.status.nodeInfo.osImage == '\\\'')]}", with_text(r"\'")),
        (
            "{[-5:]}",
            vec![
                "NodeList".into(),
                "NodeArray: [{-5 true false} {0 false false} {0 false false}]".into(),
            ],
        ),
        (
            "{[-1]}",
            vec![
                "NodeList".into(),
                "NodeArray: [{-1 true false} {0 true true} {0 false false}]".into(),
            ],
        ),
        (
            "{[1:-1]}",
            vec![
                "NodeList".into(),
                "NodeArray: [{1 true false} {-1 true false} {0 false false}]".into(),
            ],
        ),
        // Beyond upstream's table.
        (
            "{[]}",
            vec![
                "NodeList".into(),
                "NodeArray: [{0 false false} {1 true true} {0 false false}]".into(),
            ],
        ),
        (
            "{[::2]}",
            vec![
                "NodeList".into(),
                "NodeArray: [{0 false false} {0 false false} {2 true false}]".into(),
            ],
        ),
        (
            r#"{[?(@.test == "())(")]}"#,
            vec![
                "NodeList".into(),
                eq.clone(),
                "NodeList".into(),
                "NodeField: test".into(),
                "NodeList".into(),
                "NodeText: ())(".into(),
            ],
        ),
        (
            "{[?(@.z)]}",
            vec![
                "NodeList".into(),
                filter("exists"),
                "NodeList".into(),
                "NodeField: z".into(),
                "NodeList".into(),
            ],
        ),
        (
            "{[?(@.x>=1.5)]}",
            vec![
                "NodeList".into(),
                filter(">="),
                "NodeList".into(),
                "NodeField: x".into(),
                "NodeList".into(),
                "NodeFloat: 1.500000".into(),
            ],
        ),
        (
            "{[?(@.ok==false)]}",
            vec![
                "NodeList".into(),
                eq.clone(),
                "NodeList".into(),
                "NodeField: ok".into(),
                "NodeList".into(),
                "NodeBool: false".into(),
            ],
        ),
        (r"{.a\.b\\c.d}", vec!["NodeList".into(), "NodeField: a.bc".into(), "NodeField: d".into()]),
        (
            r#"{"\n"}{'\t'}"#,
            vec![
                "NodeList".into(),
                "NodeText: \n".into(),
                "NodeList".into(),
                "NodeText: \t".into(),
            ],
        ),
        (r#"{"\u00e9\x41\101\a"}"#, vec!["NodeList".into(), "NodeText: éAA\u{7}".into()]),
        (
            r#"{'a"b' "a'b"}"#,
            vec!["NodeList".into(), "NodeText: a\"b".into(), "NodeText: a'b".into()],
        ),
        ("{$.a @.b}", vec!["NodeList".into(), "NodeField: a".into(), "NodeField: b".into()]),
        (
            "{99999999999999999999}",
            vec!["NodeList".into(), "NodeFloat: 100000000000000000000.000000".into()],
        ),
        ("a}b", vec!["NodeText: a}b".into()]),
    ];
    for (text, expect) in &cases {
        let expect: Vec<&str> = expect.iter().map(String::as_str).collect();
        check_parse(text, &expect);
    }
}

#[test]
fn test_fail_parser() {
    let cases: &[(&str, &str)] = &[
        ("{.hello", "unclosed action"),
        ("{*}", "unrecognized character in action: U+002A '*'"),
        ("{+12.3.0}", "cannot parse number +12.3.0"),
        ("{[1}", "unterminated array"),
        ("{[?(.price]}", "unterminated filter"),
        ("{........}", "invalid multiple recursive descent"),
        (r"{\\\}", r"unrecognized character in action: U+005C '\'"),
        // Beyond upstream's table.
        ("{", "unclosed action"),
        ("{.a\n}", "unclosed action"),
        ("{\t}", "unrecognized character in action: U+0009"),
        ("{\u{a0}}", "unrecognized character in action: U+00A0"),
        ("{{}", "unrecognized character in action: U+007B '{'"),
        ("{-}", "cannot parse number -"),
        ("{[1\n]}", "unterminated array"),
        ("{[a]}", "invalid array index a"),
        (r#"{["x"]}"#, r#"invalid array index "x""#),
        ("{[1:2:3:4]}", "invalid array index 1:2:3:4"),
        ("{[1,a]}", "invalid array index a"),
        ("{['a,b']}", "invalid array index 'a"),
        ("{[-]}", "array index - is not a number"),
        ("{[1:-]}", "array index - is not a number"),
        ("{[99999999999999999999]}", "array index 99999999999999999999 is not a number"),
        ("{[?(@.a)x]}", "unclosed array expect ]"),
        ("{[?(@.a==\"x\n\")]}", "unterminated filter"),
        ("{'abc}", "unterminated quoted string"),
        (r#"{"\\"}"#, "unterminated quoted string"),
        (r#"{"\q"}"#, r#"unquote string "\q" error invalid syntax"#),
        (r#"{"\'"}"#, r#"unquote string "\'" error invalid syntax"#),
        (r#"{"\\"x"}"#, r#"unquote string "\\"x" error invalid syntax"#),
        (r#"{"\ud800"}"#, r#"unquote string "\ud800" error invalid syntax"#),
        (r#"{"\400"}"#, r#"unquote string "\400" error invalid syntax"#),
        ("{[?(@.a==\"x)]}", "unterminated filter"),
        ("{[?(@.a==[1)]}", "unterminated array"),
    ];
    for (text, expect) in cases {
        check_parse_error(text, expect);
    }
}

#[test]
fn test_relaxed_expression() {
    let ok: &[(&str, &str)] = &[
        ("", ""),
        ("{.foo.bar}", "{.foo.bar}"),
        (".foo.bar", "{.foo.bar}"),
        ("foo.bar", "{.foo.bar}"),
        ("{foo.bar}", "{.foo.bar}"),
        (".metadata.name", "{.metadata.name}"),
        ("metadata.name", "{.metadata.name}"),
        ("{.metadata.name}", "{.metadata.name}"),
        (".spec.containers[*].name", "{.spec.containers[*].name}"),
        (".", "{..}"),
        ("{.}", "{..}"),
        ("..name", "{..name}"),
    ];
    for (input, expect) in ok {
        assert_eq!(relaxed_expression(input).as_deref(), Ok(*expect), "input {input:?}");
    }
    let message = "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{name1.name2}' or '{.name1.name2}'";
    for input in ["{}", "{foo.bar]", "foo.bar}", "{foo.bar}}", "{{foo.bar}", "{.a}{.b}", "{"] {
        let got = relaxed_expression(input).map_err(|e| e.to_string());
        assert_eq!(got, Err(message.to_string()), "input {input:?}");
    }
}

#[test]
fn test_unquote_extend() {
    let cases: &[(&str, Option<&str>)] = &[
        (r#""abc""#, Some("abc")),
        ("'abc'", Some("abc")),
        (r"'it\'s'", Some("it's")),
        (r#""\"""#, Some("\"")),
        (r#""\U0001F600""#, Some("\u{1F600}")),
        (r"'\v\f\b'", Some("\u{b}\u{c}\u{8}")),
        ("\"", None),
        ("'a\"", None),
        ("`a`", None),
        (r#""\x4""#, None),
        (r#""abc\""#, None),
    ];
    for (input, expect) in cases {
        assert_eq!(unquote_extend(input).as_deref(), *expect, "input {input:?}");
    }
}

proptest::proptest! {
    /// Arbitrary templates never panic the parser or the evaluator.
    #[test]
    fn prop_no_panic(template in r"[{}\[\]().,:?@$*'\x22\\ a-z0-9=<>!+-]{0,24}") {
        let doc = json!({"a": [1, "x", {"b": null}], "s": "str", "n": 2});
        if let Ok(jp) = JsonPath::parse("p", &template) {
            let _ = jp.execute(&doc);
            let _ = jp.clone().allow_missing_keys(true).enable_json_output(true).execute(&doc);
        }
        let _ = relaxed_expression(&template);
    }
}
