//! What a new cluster starts with beyond its namespaces: the system PriorityClasses, a local
//! APIService per built-in group version and the default API Priority and Fairness
//! configuration (and how it is kept in line with its defaults); and upstream's validation of
//! APIServices.

use super::*;

const APISERVICES: &str = "/apis/apiregistration.k8s.io/v1/apiservices";
const FLOW_SCHEMAS: &str = "/apis/flowcontrol.apiserver.k8s.io/v1/flowschemas";
const PRIORITY_LEVELS: &str = "/apis/flowcontrol.apiserver.k8s.io/v1/prioritylevelconfigurations";
const TABLE: &str = "application/json;as=Table;v=v1;g=meta.k8s.io";
const AUTO_UPDATE: &str = "apf.kubernetes.io/autoupdate-spec";

#[tokio::test]
async fn test_system_priority_classes_exist() {
    let s = Server::new().await;
    let r = s.get("/apis/scheduling.k8s.io/v1/priorityclasses/system-node-critical").await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["value"], 2_000_001_000);
    assert_eq!(r.body["preemptionPolicy"], "PreemptLowerPriority");
    let r = s.get("/apis/scheduling.k8s.io/v1/priorityclasses/system-cluster-critical").await;
    assert_eq!(r.body["value"], 2_000_000_000);
}

#[tokio::test]
async fn test_local_api_services_are_registered_and_available() {
    let s = Server::new().await;
    let list = s.get(APISERVICES).await.body;
    let names: Vec<&str> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap())
        .collect();
    for name in
        ["v1.", "v1.apps", "v2.autoscaling", "v1.autoscaling", "v1.flowcontrol.apiserver.k8s.io"]
    {
        assert!(names.contains(&name), "{name} missing from {names:?}");
    }
    assert!(!names.iter().any(|n| n.ends_with("apiregistration.k8s.io")), "{names:?}");
    let apps = s.get(&format!("{APISERVICES}/v1.apps")).await.body;
    assert_eq!(
        apps["spec"],
        json!({"group": "apps", "version": "v1", "groupPriorityMinimum": 17800, "versionPriority": 15})
    );
    let condition = &apps["status"]["conditions"][0];
    assert_eq!((&condition["type"], &condition["status"]), (&json!("Available"), &json!("True")));
    assert_eq!(condition["reason"], "Local");
    assert_eq!(apps["metadata"]["labels"]["kube-aggregator.kubernetes.io/automanaged"], "onstart");
}

#[tokio::test]
async fn test_api_service_validation() {
    let s = Server::new().await;
    let body = json!({
        "apiVersion": "apiregistration.k8s.io/v1", "kind": "APIService",
        "metadata": {"name": "v1beta1.metrics.k8s.io"},
        "spec": {"group": "metrics.k8s.io", "version": "v1beta2", "groupPriorityMinimum": 0,
                 "versionPriority": 100, "service": {"name": "metrics-server", "port": 0}},
    });
    let r = s.post(APISERVICES, &body).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let message = r.body["message"].as_str().unwrap();
    for part in [
        "metadata.name: Invalid value: \"v1beta1.metrics.k8s.io\": must be `spec.version+\".\"+spec.group`: \"v1beta2.metrics.k8s.io\"",
        "spec.groupPriorityMinimum: Invalid value: 0: must be positive and less than 20000",
        "spec.service.namespace: Required value",
        "spec.service.port: Invalid value: 0: port is not valid: must be between 1 and 65535, inclusive",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }

    // A service-backed APIService starts without conditions; a local one is available.
    let mut good = body.clone();
    good["spec"]["version"] = json!("v1beta1");
    good["spec"]["groupPriorityMinimum"] = json!(100);
    good["spec"]["service"] = json!({"name": "metrics-server", "namespace": "kube-system"});
    good["status"] = json!({"conditions": [{"type": "Available", "status": "True"}]});
    let r = s.post(APISERVICES, &good).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["status"], json!({}));
}

fn item_names(list: &Value) -> Vec<String> {
    let mut names: Vec<String> = list["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["metadata"]["name"].as_str().unwrap().to_string())
        .collect();
    names.sort();
    names
}

/// Upstream's `bootstrap.MandatoryPriorityLevelConfigurations` and
/// `SuggestedPriorityLevelConfigurations` (k8s.io/apiserver/pkg/apis/flowcontrol/bootstrap), and
/// the flow schemas likewise, exist after start with their specs and the autoupdate annotation.
#[tokio::test]
async fn test_apf_bootstrap_configuration_exists() {
    let s = Server::new().await;
    let levels = s.get(PRIORITY_LEVELS).await.body;
    assert_eq!(
        item_names(&levels),
        [
            "catch-all",
            "exempt",
            "global-default",
            "leader-election",
            "node-high",
            "system",
            "workload-high",
            "workload-low"
        ]
    );
    let schemas = s.get(FLOW_SCHEMAS).await.body;
    assert_eq!(
        item_names(&schemas),
        [
            "catch-all",
            "exempt",
            "global-default",
            "kube-controller-manager",
            "kube-scheduler",
            "kube-system-service-accounts",
            "probes",
            "service-accounts",
            "system-leader-election",
            "system-node-high",
            "system-nodes"
        ]
    );
    for item in
        levels["items"].as_array().unwrap().iter().chain(schemas["items"].as_array().unwrap())
    {
        let meta = &item["metadata"];
        assert_eq!(meta["annotations"], json!({AUTO_UPDATE: "true"}), "{meta}");
        assert_eq!(meta["generation"], 1, "{meta}");
    }

    let level = |name: &str| {
        let items = levels["items"].as_array().unwrap();
        items.iter().find(|i| i["metadata"]["name"] == name).unwrap().clone()
    };
    assert_eq!(
        level("exempt")["spec"],
        json!({"type": "Exempt", "exempt": {"nominalConcurrencyShares": 0, "lendablePercent": 0}})
    );
    assert_eq!(
        level("catch-all")["spec"],
        json!({"type": "Limited", "limited": {"nominalConcurrencyShares": 5, "lendablePercent": 0,
            "limitResponse": {"type": "Reject"}}})
    );
    assert_eq!(
        level("workload-high")["spec"],
        json!({"type": "Limited", "limited": {"nominalConcurrencyShares": 40, "lendablePercent": 50,
            "limitResponse": {"type": "Queue",
                "queuing": {"queues": 128, "handSize": 6, "queueLengthLimit": 50}}}})
    );
    assert_eq!(
        level("leader-election")["spec"]["limited"],
        json!({"nominalConcurrencyShares": 10, "lendablePercent": 0,
            "limitResponse": {"type": "Queue",
                "queuing": {"queues": 16, "handSize": 4, "queueLengthLimit": 50}}})
    );
    assert_eq!(level("system")["status"], json!({}));

    let schema = |name: &str| {
        let items = schemas["items"].as_array().unwrap();
        items.iter().find(|i| i["metadata"]["name"] == name).unwrap().clone()
    };
    let everything = json!({
        "resourceRules": [{"verbs": ["*"], "apiGroups": ["*"], "resources": ["*"],
            "clusterScope": true, "namespaces": ["*"]}],
        "nonResourceRules": [{"verbs": ["*"], "nonResourceURLs": ["*"]}],
    });
    let mut rules = everything.clone();
    rules["subjects"] = json!([{"kind": "Group", "group": {"name": "system:masters"}}]);
    assert_eq!(
        schema("exempt")["spec"],
        json!({"priorityLevelConfiguration": {"name": "exempt"}, "matchingPrecedence": 1,
            "rules": [rules]})
    );
    let mut rules = everything.clone();
    rules["subjects"] = json!([
        {"kind": "Group", "group": {"name": "system:unauthenticated"}},
        {"kind": "Group", "group": {"name": "system:authenticated"}},
    ]);
    assert_eq!(
        schema("catch-all")["spec"],
        json!({"priorityLevelConfiguration": {"name": "catch-all"}, "matchingPrecedence": 10000,
            "distinguisherMethod": {"type": "ByUser"}, "rules": [rules]})
    );
    assert_eq!(
        schema("probes")["spec"],
        json!({"priorityLevelConfiguration": {"name": "exempt"}, "matchingPrecedence": 2,
        "rules": [{
            "subjects": [
                {"kind": "Group", "group": {"name": "system:unauthenticated"}},
                {"kind": "Group", "group": {"name": "system:authenticated"}},
            ],
            "nonResourceRules": [{"verbs": ["get"],
                "nonResourceURLs": ["/healthz", "/readyz", "/livez"]}],
        }]})
    );
    assert_eq!(
        schema("system-leader-election")["spec"],
        json!({"priorityLevelConfiguration": {"name": "leader-election"},
        "matchingPrecedence": 100, "distinguisherMethod": {"type": "ByUser"},
        "rules": [{
            "subjects": [
                {"kind": "User", "user": {"name": "system:kube-controller-manager"}},
                {"kind": "User", "user": {"name": "system:kube-scheduler"}},
                {"kind": "ServiceAccount",
                    "serviceAccount": {"name": "*", "namespace": "kube-system"}},
            ],
            "resourceRules": [{"verbs": ["get", "create", "update"],
                "apiGroups": ["coordination.k8s.io"], "resources": ["leases"],
                "namespaces": ["*"]}],
        }]})
    );
    let node_high = schema("system-node-high");
    assert_eq!(node_high["spec"]["matchingPrecedence"], 400);
    assert_eq!(
        node_high["spec"]["rules"][0]["resourceRules"][0],
        json!({"verbs": ["*"], "apiGroups": [""], "resources": ["nodes", "nodes/status"],
            "clusterScope": true, "namespaces": ["*"]})
    );
    assert_eq!(
        schema("kube-system-service-accounts")["spec"]["distinguisherMethod"]["type"],
        "ByNamespace"
    );

    // What upstream's configuration consumer writes: the priority level named is there.
    for item in schemas["items"].as_array().unwrap() {
        let conditions = item["status"]["conditions"].as_array().unwrap();
        assert_eq!(conditions.len(), 1, "{item}");
        let c = &conditions[0];
        let level = item["spec"]["priorityLevelConfiguration"]["name"].as_str().unwrap();
        assert_eq!(
            (&c["type"], &c["status"], &c["reason"]),
            (&json!("Dangling"), &json!("False"), &json!("Found"))
        );
        assert_eq!(
            c["message"],
            format!(
                "This FlowSchema references the PriorityLevelConfiguration object named \"{level}\" and it exists"
            )
        );
        assert!(c["lastTransitionTime"].as_str().is_some_and(|t| t.ends_with('Z')), "{c}");
    }
}

/// The defaults are well-formed objects of their kinds: strictly decoded copies of them are
/// accepted (but for the exempt ones, which only the objects named `exempt` may be), and so are
/// the objects written back as they are (a no-op).
#[tokio::test]
async fn test_apf_bootstrap_configuration_passes_validation() {
    let s = Server::new().await;
    for path in [PRIORITY_LEVELS, FLOW_SCHEMAS] {
        let list = s.get(path).await.body;
        for item in list["items"].as_array().unwrap() {
            let name = item["metadata"]["name"].as_str().unwrap();
            let kind = list["kind"].as_str().unwrap().trim_end_matches("List");
            let copy = json!({
                "apiVersion": "flowcontrol.apiserver.k8s.io/v1",
                "kind": kind,
                "metadata": {"name": format!("copy-of-{name}")},
                "spec": item["spec"],
            });
            let r = s.post(&format!("{path}?fieldValidation=Strict"), &copy).await;
            if name == "exempt" {
                // Only the object named `exempt` may be exempt (upstream's validation).
                let problem = match kind {
                    "FlowSchema" => {
                        "spec.matchingPrecedence: Invalid value: 1: only the schema named 'exempt' may have matchingPrecedence 1"
                    }
                    _ => {
                        "spec.type: Invalid value: \"Exempt\": type must be 'Exempt' if and only if name is 'exempt'"
                    }
                };
                let message = format!(
                    "{kind}.flowcontrol.apiserver.k8s.io \"copy-of-exempt\" is invalid: {problem}"
                );
                assert_status(&r, 422, "Invalid", &message);
            } else {
                assert_eq!(r.code, 201, "{name}: {:?}", r.body);
                assert!(warnings(&r).is_empty(), "{name}: {:?}", warnings(&r));
            }
            let r = s.put(&format!("{path}/{name}"), item).await;
            assert_eq!(r.code, 200, "{name}: {:?}", r.body);
            assert_eq!(r.body["metadata"]["resourceVersion"], item["metadata"]["resourceVersion"]);
        }
    }
}

/// `kubectl get flowschemas` and `kubectl get prioritylevelconfigurations` against a new
/// cluster: upstream's columns, and `MissingPL` False for every default flow schema.
#[tokio::test]
async fn test_apf_bootstrap_configuration_tables() {
    let s = Server::new().await;
    let t = s.call("GET", FLOW_SCHEMAS, &[("accept", TABLE)], b"").await;
    assert_eq!(t.code, 200, "{:?}", t.body);
    assert_eq!(t.body["kind"], "Table");
    let columns: Vec<&str> = t.body["columnDefinitions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        columns,
        ["Name", "PriorityLevel", "MatchingPrecedence", "DistinguisherMethod", "Age", "MissingPL"]
    );
    let rows = t.body["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 11);
    let row = |name: &str| {
        let cells = rows.iter().map(|r| r["cells"].as_array().unwrap()).find(|c| c[0] == name);
        let mut cells = cells.unwrap_or_else(|| panic!("no row {name}")).clone();
        cells.remove(4); // age
        Value::from(cells)
    };
    assert_eq!(row("exempt"), json!(["exempt", "exempt", 1, "<none>", "False"]));
    assert_eq!(row("probes"), json!(["probes", "exempt", 2, "<none>", "False"]));
    assert_eq!(row("catch-all"), json!(["catch-all", "catch-all", 10000, "ByUser", "False"]));
    assert_eq!(
        row("kube-scheduler"),
        json!(["kube-scheduler", "workload-high", 800, "ByNamespace", "False"])
    );
    assert!(rows.iter().all(|r| r["cells"][5] == "False"), "{rows:?}");

    let t = s.call("GET", PRIORITY_LEVELS, &[("accept", TABLE)], b"").await;
    assert_eq!(t.code, 200, "{:?}", t.body);
    let rows = t.body["rows"].as_array().unwrap();
    let row = |name: &str| {
        let cells = rows.iter().map(|r| r["cells"].as_array().unwrap()).find(|c| c[0] == name);
        let mut cells = cells.unwrap_or_else(|| panic!("no row {name}")).clone();
        cells.pop(); // age
        Value::from(cells)
    };
    assert_eq!(row("exempt"), json!(["exempt", "Exempt", "<none>", "<none>", "<none>", "<none>"]));
    assert_eq!(row("catch-all"), json!(["catch-all", "Limited", 5, "<none>", "<none>", "<none>"]));
    assert_eq!(row("node-high"), json!(["node-high", "Limited", 40, 64, 6, 50]));
}

/// Upstream's config producer on an existing cluster (ensurer's mandatory and suggested
/// strategies): mandatory objects are put back to their defaults whatever their annotation
/// says, but for the exempt level's shares; suggested ones only while annotated `true` (an
/// edited one without the annotation is marked `false` and kept); deleted ones come back; and
/// an object already in line is not written.
#[tokio::test]
async fn test_apf_bootstrap_configuration_is_kept_in_line() {
    let s = Server::new().await;
    let edit = |path: &'static str, name: &'static str, change: fn(&mut Value)| {
        let s = &s;
        async move {
            let mut obj = s.get(&format!("{path}/{name}")).await.body;
            change(&mut obj);
            let r = s.put(&format!("{path}/{name}"), &obj).await;
            assert_eq!(r.code, 200, "{name}: {:?}", r.body);
            r.body
        }
    };
    // The mandatory objects' specs may not be edited through the API (upstream's validation)
    // but for the exempt level's own settings; an older server may have left other values in
    // storage, which are planted there directly.
    let refused = |path: &'static str, name: &'static str, change: fn(&mut Value)| {
        let s = &s;
        async move {
            let mut obj = s.get(&format!("{path}/{name}")).await.body;
            change(&mut obj);
            let r = s.put(&format!("{path}/{name}"), &obj).await;
            assert_eq!(r.code, 422, "{name}: {:?}", r.body);
            let message = r.body["message"].as_str().unwrap();
            assert!(
                message.ends_with(&format!("spec of '{name}' must equal the fixed value")),
                "{message}"
            );
            let resource = path.rsplit('/').next().unwrap();
            let store = s.api().registry.store("flowcontrol.apiserver.k8s.io", resource).unwrap();
            let plant = |current: Option<&Value>| {
                let mut o = current.cloned().unwrap();
                change(&mut o);
                Ok(o)
            };
            store.update_unchecked(name, &plant, &Default::default()).await.unwrap();
        }
    };
    refused(PRIORITY_LEVELS, "catch-all", |o| {
        o["spec"]["limited"]["nominalConcurrencyShares"] = json!(50);
        o["metadata"]["annotations"][AUTO_UPDATE] = json!("false");
    })
    .await;
    edit(PRIORITY_LEVELS, "exempt", |o| {
        o["spec"]["exempt"] = json!({"nominalConcurrencyShares": 7, "lendablePercent": 10});
    })
    .await;
    refused(FLOW_SCHEMAS, "exempt", |o| o["spec"]["matchingPrecedence"] = json!(5)).await;
    edit(PRIORITY_LEVELS, "global-default", |o| {
        o["spec"]["limited"]["nominalConcurrencyShares"] = json!(99);
        o["metadata"]["annotations"][AUTO_UPDATE] = json!("false");
    })
    .await;
    edit(PRIORITY_LEVELS, "workload-low", |o| {
        o["spec"]["limited"]["lendablePercent"] = json!(1);
    })
    .await;
    let edited = edit(FLOW_SCHEMAS, "service-accounts", |o| {
        o["spec"]["matchingPrecedence"] = json!(8000);
        o["metadata"]["annotations"] = json!({});
    })
    .await;
    assert_eq!(edited["metadata"]["generation"], 2);
    edit(FLOW_SCHEMAS, "kube-scheduler", |o| {
        o["spec"]["priorityLevelConfiguration"]["name"] = json!("missing");
        o["metadata"]["annotations"][AUTO_UPDATE] = json!("false");
    })
    .await;
    assert_eq!(s.delete(&format!("{FLOW_SCHEMAS}/probes")).await.code, 200);
    let untouched = s.get(&format!("{PRIORITY_LEVELS}/system")).await.body;
    let untouched_schema = s.get(&format!("{FLOW_SCHEMAS}/global-default")).await.body;

    // The next start.
    apiserver::bootstrap::run(&s.api().registry, "10.0.0.1", "127.0.0.1", 6443).await.unwrap();

    let get = |path: &'static str, name: &'static str| {
        let s = &s;
        async move { s.get(&format!("{path}/{name}")).await.body }
    };
    let catch_all = get(PRIORITY_LEVELS, "catch-all").await;
    assert_eq!(catch_all["spec"]["limited"]["nominalConcurrencyShares"], 5);
    assert_eq!(catch_all["metadata"]["annotations"][AUTO_UPDATE], "true");
    let exempt = get(PRIORITY_LEVELS, "exempt").await;
    assert_eq!(
        exempt["spec"]["exempt"],
        json!({"nominalConcurrencyShares": 7, "lendablePercent": 10})
    );
    assert_eq!(get(FLOW_SCHEMAS, "exempt").await["spec"]["matchingPrecedence"], 1);
    let global = get(PRIORITY_LEVELS, "global-default").await;
    assert_eq!(global["spec"]["limited"]["nominalConcurrencyShares"], 99);
    assert_eq!(global["metadata"]["annotations"][AUTO_UPDATE], "false");
    assert_eq!(
        get(PRIORITY_LEVELS, "workload-low").await["spec"]["limited"]["lendablePercent"],
        90
    );
    let accounts = get(FLOW_SCHEMAS, "service-accounts").await;
    assert_eq!(accounts["spec"]["matchingPrecedence"], 8000);
    assert_eq!(accounts["metadata"]["annotations"], json!({AUTO_UPDATE: "false"}));
    let probes = get(FLOW_SCHEMAS, "probes").await;
    assert_eq!(probes["spec"]["matchingPrecedence"], 2);
    assert_eq!(probes["status"]["conditions"][0]["reason"], "Found");

    let scheduler = get(FLOW_SCHEMAS, "kube-scheduler").await;
    assert_eq!(scheduler["spec"]["priorityLevelConfiguration"]["name"], "missing");
    let c = &scheduler["status"]["conditions"][0];
    assert_eq!(
        (&c["type"], &c["status"], &c["reason"]),
        (&json!("Dangling"), &json!("True"), &json!("NotFound"))
    );
    assert_eq!(
        c["message"],
        "This FlowSchema references the PriorityLevelConfiguration object named \"missing\" but there is no such object"
    );

    let rv = |o: &Value| o["metadata"]["resourceVersion"].clone();
    assert_eq!(rv(&get(PRIORITY_LEVELS, "system").await), rv(&untouched));
    assert_eq!(rv(&get(FLOW_SCHEMAS, "global-default").await), rv(&untouched_schema));
}
