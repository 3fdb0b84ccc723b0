//! The end-to-end cases: one cluster per storage backend, every case run against it, outputs
//! compared with what upstream's kubectl, helm, Python client and kube-rs see against upstream's
//! server.

mod kube_rs;

use std::time::Duration;

use anyhow::{Context, Result, bail};
use base64::Engine as _;
use e2e::{
    AGE, Backend, Case, Ctx, expect_eq, expect_match, expect_table, normalize_server_fields,
    run_suite, testdata,
};

const CASES: &[Case] = &[
    Case { name: "discovery/version", run: version },
    Case { name: "discovery/api-versions", run: api_versions },
    Case { name: "discovery/api-resources", run: api_resources },
    Case { name: "namespace/create-get", run: namespace_create_get },
    Case { name: "explain", run: explain },
    Case { name: "apply/client-side", run: apply_client_side },
    Case { name: "apply/server-side-conflict", run: apply_server_side_conflict },
    Case { name: "diff", run: diff },
    Case { name: "get/output-formats", run: get_output_formats },
    Case { name: "get/watch", run: get_watch },
    Case { name: "get/custom-resource-columns", run: custom_resource_columns },
    Case { name: "label-annotate", run: label_annotate },
    Case { name: "patch", run: patch },
    Case { name: "replace", run: replace },
    Case { name: "scale", run: scale },
    Case { name: "delete", run: delete },
    Case { name: "dry-run-server", run: dry_run_server },
    Case { name: "get/chunk-size", run: chunk_size },
    Case { name: "get/selectors", run: selectors },
    Case { name: "errors", run: errors },
    Case { name: "serviceaccount/token", run: serviceaccount_token },
    Case { name: "protobuf/generators", run: protobuf_generators },
    Case { name: "certificates/approve", run: certificate_approve },
    Case { name: "debug/ephemeral-container", run: debug_ephemeral_container },
    Case { name: "drain/eviction", run: drain_eviction },
    Case { name: "helm/lifecycle", run: helm_lifecycle },
    Case { name: "python/client", run: python_client },
    Case { name: "kube-rs/client", run: kube_rs::kube_rs },
];

/// Cases for features kube-apiserver does not have yet, with what is missing. They still run;
/// see `run_suite`.
const PENDING: &[(&str, &str)] = &[];

#[test]
fn embedded() {
    run_suite(Backend::Embedded, CASES, PENDING);
}

#[test]
fn etcd() {
    run_suite(Backend::Etcd, CASES, PENDING);
}

/// The upstream v1.35 kube-apiserver's default group versions, as `kubectl api-versions` sorts
/// them.
const API_VERSIONS: &[&str] = &[
    "admissionregistration.k8s.io/v1",
    "apiextensions.k8s.io/v1",
    "apiregistration.k8s.io/v1",
    "apps/v1",
    "authentication.k8s.io/v1",
    "authorization.k8s.io/v1",
    "autoscaling/v1",
    "autoscaling/v2",
    "batch/v1",
    "certificates.k8s.io/v1",
    "coordination.k8s.io/v1",
    "discovery.k8s.io/v1",
    "events.k8s.io/v1",
    "flowcontrol.apiserver.k8s.io/v1",
    "networking.k8s.io/v1",
    "node.k8s.io/v1",
    "policy/v1",
    "rbac.authorization.k8s.io/v1",
    "resource.k8s.io/v1",
    "scheduling.k8s.io/v1",
    "storage.k8s.io/v1",
    "v1",
];

fn version(ctx: &Ctx) -> Result<()> {
    let out = ctx.kubectl(&["version"])?;
    let stdout = out.clone().ok("kubectl version")?;
    expect_match(
        "kubectl version",
        &stdout,
        r"Client Version: v1\.35\.\d+\nKustomize Version: v\S+\nServer Version: v1\.35\.\d+\S*\n",
    )?;
    // A server outside the supported skew makes kubectl warn.
    expect_eq("kubectl version stderr", &out.stderr, "")?;
    let json: serde_json::Value =
        serde_json::from_str(&ctx.kubectl_ok(&["version", "-o", "json"])?)?;
    let server = &json["serverVersion"];
    expect_eq("serverVersion.major", server["major"].as_str().unwrap_or_default(), "1")?;
    expect_eq("serverVersion.minor", server["minor"].as_str().unwrap_or_default(), "35")?;
    let raw: serde_json::Value =
        serde_json::from_str(&ctx.kubectl_ok(&["get", "--raw", "/version"])?)?;
    expect_eq(
        "/version gitVersion",
        raw["gitVersion"].as_str().unwrap_or_default(),
        server["gitVersion"].as_str().unwrap_or("?"),
    )
}

fn api_versions(ctx: &Ctx) -> Result<()> {
    let out = ctx.kubectl_ok(&["api-versions"])?;
    // Groups that custom resources of other cases add are not part of the defaults.
    let got: String =
        out.lines().filter(|l| !l.contains(".example.com/")).map(|l| format!("{l}\n")).collect();
    let want: String = API_VERSIONS.iter().map(|l| format!("{l}\n")).collect();
    expect_eq("kubectl api-versions", &got, &want)
}

fn api_resources(ctx: &Ctx) -> Result<()> {
    let out = ctx.kubectl_ok(&["api-resources", "--api-group=apps"])?;
    expect_table(
        "kubectl api-resources --api-group=apps",
        &out,
        &[
            &["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"],
            &["controllerrevisions", "", "apps/v1", "true", "ControllerRevision"],
            &["daemonsets", "ds", "apps/v1", "true", "DaemonSet"],
            &["deployments", "deploy", "apps/v1", "true", "Deployment"],
            &["replicasets", "rs", "apps/v1", "true", "ReplicaSet"],
            &["statefulsets", "sts", "apps/v1", "true", "StatefulSet"],
        ],
    )?;
    ctx.kubectl_expect(
        &["api-resources", "--api-group=", "--namespaced=false", "-o", "name"],
        "componentstatuses\nnamespaces\nnodes\npersistentvolumes\n",
    )?;
    ctx.kubectl_expect(
        &["api-resources", "--api-group=batch", "-o", "name"],
        "cronjobs.batch\njobs.batch\n",
    )?;
    let all = ctx.kubectl_ok(&["api-resources"])?;
    for row in [
        r"pods\s+po\s+v1\s+true\s+Pod",
        r"namespaces\s+ns\s+v1\s+false\s+Namespace",
        r"configmaps\s+cm\s+v1\s+true\s+ConfigMap",
        r"services\s+svc\s+v1\s+true\s+Service",
        r"customresourcedefinitions\s+crd,crds\s+apiextensions\.k8s\.io/v1\s+false\s+CustomResourceDefinition",
        r"clusterroles\s+rbac\.authorization\.k8s\.io/v1\s+false\s+ClusterRole",
    ] {
        if !all
            .lines()
            .any(|l| regex::Regex::new(&format!("^{row}$")).is_ok_and(|re| re.is_match(l)))
        {
            bail!("kubectl api-resources has no row matching /{row}/\n{all}");
        }
    }
    Ok(())
}

fn namespace_create_get(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("ns")?;
    let out = ctx.kubectl_ok(&["get", "ns", &ns])?;
    expect_table("kubectl get ns", &out, &[&["NAME", "STATUS", "AGE"], &[&ns, "Active", AGE]])?;
    ctx.kubectl_expect(&["get", "ns", &ns, "-o", "jsonpath={.status.phase}"], "Active")?;
    let names = ctx.kubectl_ok(&["get", "ns", "-o", "name"])?;
    for want in ["default", "kube-node-lease", "kube-public", "kube-system", ns.as_str()] {
        if !names.lines().any(|l| l == format!("namespace/{want}")) {
            bail!("kubectl get ns -o name lacks namespace/{want}:\n{names}");
        }
    }
    let err = ctx.kubectl_fails(&["create", "namespace", &ns])?;
    expect_eq(
        "create an existing namespace",
        &err,
        &format!("Error from server (AlreadyExists): namespaces \"{ns}\" already exists\n"),
    )
}

/// Applies the CRD on its own and waits until it is established, so the custom resource in the
/// multi-document file maps.
fn establish_crd(ctx: &Ctx) -> Result<()> {
    let crd = testdata("crd.yaml");
    ctx.kubectl_ok(&["apply", "-f", &crd.to_string_lossy()])?;
    ctx.kubectl_expect(
        &["wait", "--for=condition=Established", "--timeout=60s", "crd/widgets.e2e.example.com"],
        "customresourcedefinition.apiextensions.k8s.io/widgets.e2e.example.com condition met\n",
    )
}

fn apply_client_side(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("apply")?;
    establish_crd(ctx)?;
    let file = testdata("app.yaml");
    let file = file.to_string_lossy();
    let applied = |verbs: [&str; 6]| {
        format!(
            "configmap/app-config {}\nsecret/app-secret {}\ndeployment.apps/e2e-web {}\n\
             service/e2e-web {}\ncustomresourcedefinition.apiextensions.k8s.io/widgets.e2e.example.com {}\n\
             widget.e2e.example.com/w1 {}\n",
            verbs[0], verbs[1], verbs[2], verbs[3], verbs[4], verbs[5]
        )
    };
    ctx.kubectl_expect(
        &["apply", "-n", &ns, "-f", &file],
        &applied(["created", "created", "created", "created", "unchanged", "created"]),
    )?;
    ctx.kubectl_expect(&["apply", "-n", &ns, "-f", &file], &applied(["unchanged"; 6]))?;
    let changed =
        std::fs::read_to_string(testdata("app.yaml"))?.replace("mode: blue", "mode: green");
    let changed = ctx.write("app-changed.yaml", &changed)?;
    ctx.kubectl_expect(
        &["apply", "-n", &ns, "-f", &changed],
        &applied(["configured", "unchanged", "unchanged", "unchanged", "unchanged", "unchanged"]),
    )?;
    ctx.kubectl_expect(
        &["get", "cm", "app-config", "-n", &ns, "-o", "jsonpath={.data.mode}"],
        "green",
    )?;
    let last = ctx.kubectl_ok(&[
        "get",
        "cm",
        "app-config",
        "-n",
        &ns,
        "-o",
        r"jsonpath={.metadata.annotations.kubectl\.kubernetes\.io/last-applied-configuration}",
    ])?;
    expect_eq(
        "last-applied-configuration",
        &last,
        &format!(
            "{{\"apiVersion\":\"v1\",\"data\":{{\"mode\":\"green\"}},\"kind\":\"ConfigMap\",\"metadata\":{{\"annotations\":{{}},\"labels\":{{\"app\":\"e2e-web\"}},\"name\":\"app-config\",\"namespace\":\"{ns}\"}}}}\n"
        ),
    )?;
    // The Service got a cluster IP from --service-cluster-ip-range 10.0.0.0/24.
    let ip =
        ctx.kubectl_ok(&["get", "svc", "e2e-web", "-n", &ns, "-o", "jsonpath={.spec.clusterIP}"])?;
    expect_match("service clusterIP", &ip, r"10\.0\.0\.\d{1,3}")?;
    ctx.kubectl_expect(&["get", "widget", "w1", "-n", &ns, "-o", "jsonpath={.spec.color}"], "red")
}

const CONFLICT_HELP: &str =
    "Please review the fields above--they currently have other managers. Here
are the ways you can resolve this warning:
* If you intend to manage all of these fields, please re-run the apply
  command with the `--force-conflicts` flag.
* If you do not intend to manage all of the fields, please edit your
  manifest to remove references to the fields that should keep their
  current managers.
* You may co-own fields by updating your manifest to match the existing
  value; in this case, you'll become the manager if the other manager(s)
  stop managing the field (remove it from their configuration).
See https://kubernetes.io/docs/reference/using-api/server-side-apply/#conflicts
";

fn apply_server_side_conflict(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("ssa")?;
    let manifest = |value: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ssa\n  namespace: {ns}\ndata:\n  key: {value}\n"
        )
    };
    let ssa = |manager: &str, value: &str, force: bool| {
        let mut args = vec!["apply", "--server-side", "--field-manager", manager, "-f", "-"];
        if force {
            args.push("--force-conflicts");
        }
        ctx.kubectl_stdin(&args, &manifest(value))
    };
    expect_eq(
        "first server-side apply",
        &ssa("mgr-a", "one", false)?.ok("apply")?,
        "configmap/ssa serverside-applied\n",
    )?;
    expect_eq(
        "same manager again",
        &ssa("mgr-a", "one", false)?.ok("apply")?,
        "configmap/ssa serverside-applied\n",
    )?;
    let err = ssa("mgr-b", "two", false)?.fails("conflicting apply")?;
    expect_eq(
        "conflicting server-side apply",
        &err,
        &format!(
            "error: Apply failed with 1 conflict: conflict with \"mgr-a\": .data.key\n{CONFLICT_HELP}"
        ),
    )?;
    ctx.kubectl_expect(&["get", "cm", "ssa", "-n", &ns, "-o", "jsonpath={.data.key}"], "one")?;
    // Co-owning with the same value is no conflict.
    expect_eq(
        "co-owning apply",
        &ssa("mgr-b", "one", false)?.ok("apply")?,
        "configmap/ssa serverside-applied\n",
    )?;
    expect_eq(
        "forced apply",
        &ssa("mgr-b", "two", true)?.ok("apply")?,
        "configmap/ssa serverside-applied\n",
    )?;
    ctx.kubectl_expect(&["get", "cm", "ssa", "-n", &ns, "-o", "jsonpath={.data.key}"], "two")?;
    ctx.kubectl_expect(
        &["get", "cm", "ssa", "-n", &ns, "-o", "jsonpath={.metadata.managedFields[*].manager}"],
        "mgr-b",
    )
}

fn diff(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("diff")?;
    let manifest = |value: &str| {
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: d\n  namespace: {ns}\ndata:\n  key: {value}\n"
        )
    };
    let first = ctx.write("d1.yaml", &manifest("old"))?;
    let second = ctx.write("d2.yaml", &manifest("new"))?;
    ctx.kubectl_expect(&["apply", "-f", &first], "configmap/d created\n")?;
    let same = ctx.kubectl(&["diff", "-f", &first])?;
    expect_eq("kubectl diff without changes", &same.ok("kubectl diff")?, "")?;
    let changed = ctx.kubectl(&["diff", "-f", &second])?;
    if changed.code != Some(1) {
        bail!(
            "kubectl diff with a change: exit {:?}, want 1\n{}{}",
            changed.code,
            changed.stdout,
            changed.stderr
        );
    }
    let body: Vec<&str> = changed.stdout.lines().filter(|l| !l.starts_with("diff ")).collect();
    expect_match(
        "diff header",
        body.first().copied().unwrap_or(""),
        r"--- /tmp/LIVE-\d+/v1\.ConfigMap\.e2e-diff\.d\t.*",
    )?;
    expect_match(
        "diff header",
        body.get(1).copied().unwrap_or(""),
        r"\+\+\+ /tmp/MERGED-\d+/v1\.ConfigMap\.e2e-diff\.d\t.*",
    )?;
    for want in ["-  key: old", "+  key: new"] {
        if !body.contains(&want) {
            bail!("kubectl diff lacks {want:?}:\n{}", changed.stdout);
        }
    }
    // The live object is untouched by diff's server-side dry run.
    ctx.kubectl_expect(&["get", "cm", "d", "-n", &ns, "-o", "jsonpath={.data.key}"], "old")
}

fn get_output_formats(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("get")?;
    ctx.kubectl_expect(
        &["create", "configmap", "cfg", "-n", &ns, "--from-literal=a=1", "--from-literal=b=2"],
        "configmap/cfg created\n",
    )?;
    let out = ctx.kubectl_ok(&["get", "cm", "cfg", "-n", &ns])?;
    expect_table("get cm", &out, &[&["NAME", "DATA", "AGE"], &["cfg", "2", AGE]])?;
    ctx.kubectl_expect(&["get", "cm", "cfg", "-n", &ns, "-o", "name"], "configmap/cfg\n")?;
    ctx.kubectl_expect(&["get", "cm", "cfg", "-n", &ns, "-o", "jsonpath={.data.a}"], "1")?;
    ctx.kubectl_expect(
        &[
            "get",
            "cm",
            "-n",
            &ns,
            "-o",
            r#"jsonpath={range .items[*]}{.metadata.name}:{.data.b}{"\n"}{end}"#,
        ],
        "cfg:2\n",
    )?;
    ctx.kubectl_expect(
        &[
            "get",
            "cm",
            "cfg",
            "-n",
            &ns,
            "-o",
            "custom-columns=NAME:.metadata.name,A:.data.a,MISSING:.data.zz",
        ],
        &e2e::table(&[&["NAME", "A", "MISSING"], &["cfg", "1", "<none>"]]),
    )?;
    let yaml = ctx.kubectl_ok(&["get", "cm", "cfg", "-n", &ns, "-o", "yaml"])?;
    expect_eq(
        "get -o yaml",
        &normalize_server_fields(&yaml),
        &format!(
            "apiVersion: v1\ndata:\n  a: \"1\"\n  b: \"2\"\nkind: ConfigMap\nmetadata:\n  creationTimestamp: \"TIMESTAMP\"\n  name: cfg\n  namespace: {ns}\n  resourceVersion: \"RV\"\n  uid: UID\n"
        ),
    )?;
    let json = ctx.kubectl_ok(&["get", "cm", "cfg", "-n", &ns, "-o", "json"])?;
    expect_eq(
        "get -o json",
        &normalize_server_fields(&json),
        &format!(
            "{{\n    \"apiVersion\": \"v1\",\n    \"data\": {{\n        \"a\": \"1\",\n        \"b\": \"2\"\n    }},\n    \"kind\": \"ConfigMap\",\n    \"metadata\": {{\n        \"creationTimestamp\": \"TIMESTAMP\",\n        \"name\": \"cfg\",\n        \"namespace\": \"{ns}\",\n        \"resourceVersion\": \"RV\",\n        \"uid\": \"UID\"\n    }}\n}}\n"
        ),
    )?;
    ctx.kubectl_ok(&["apply", "-n", &ns, "-f", &testdata("deployment.yaml").to_string_lossy()])?;
    let wide = ctx.kubectl_ok(&["get", "deploy", "e2e-web", "-n", &ns, "-o", "wide"])?;
    expect_table(
        "get deploy -o wide",
        &wide,
        &[
            &[
                "NAME",
                "READY",
                "UP-TO-DATE",
                "AVAILABLE",
                "AGE",
                "CONTAINERS",
                "IMAGES",
                "SELECTOR",
            ],
            &["e2e-web", "0/2", "0", "0", AGE, "web", "nginx:1.27", "app=e2e-web"],
        ],
    )?;
    let list = ctx.kubectl_ok(&["get", "cm,deploy", "-n", &ns, "-o", "name"])?;
    expect_eq("get cm,deploy -o name", &list, "configmap/cfg\ndeployment.apps/e2e-web\n")
}

fn get_watch(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("watch")?;
    ctx.kubectl_expect(
        &["create", "configmap", "w", "-n", &ns, "--from-literal=k=1"],
        "configmap/w created\n",
    )?;
    let mut watch = ctx.kubectl_stream(&[
        "get",
        "cm",
        "w",
        "-n",
        &ns,
        "-w",
        "-o",
        r#"jsonpath={.metadata.name}={.data.k}{"\n"}"#,
    ])?;
    let deadline = Duration::from_secs(30);
    expect_eq("initial watch line", &watch.next_line(deadline)?, "w=1")?;
    ctx.kubectl_expect(
        &["patch", "cm", "w", "-n", &ns, "--type", "merge", "-p", r#"{"data":{"k":"2"}}"#],
        "configmap/w patched\n",
    )?;
    expect_eq("watch line after patch", &watch.next_line(deadline)?, "w=2")?;
    ctx.kubectl_expect(
        &["delete", "cm", "w", "-n", &ns],
        &format!("configmap \"w\" deleted from {ns} namespace\n"),
    )?;
    expect_eq("watch line after delete", &watch.next_line(deadline)?, "w=2")?;
    // The table form prints the event type before the row.
    ctx.kubectl_expect(
        &["create", "configmap", "w2", "-n", &ns, "--from-literal=k=1"],
        "configmap/w2 created\n",
    )?;
    let mut table =
        ctx.kubectl_stream(&["get", "cm", "w2", "-n", &ns, "-w", "--output-watch-events"])?;
    expect_match("watch table header", &table.next_line(deadline)?, r"EVENT +NAME +DATA +AGE")?;
    expect_match("watch table row", &table.next_line(deadline)?, r"ADDED +w2 +1 +\d+s")?;
    Ok(())
}

fn custom_resource_columns(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("cr")?;
    establish_crd(ctx)?;
    ctx.kubectl_stdin(
        &["apply", "-n", &ns, "-f", "-"],
        "apiVersion: e2e.example.com/v1\nkind: Widget\nmetadata:\n  name: big\nspec:\n  size: 12\n",
    )?
    .ok("apply widget")?;
    let out = ctx.kubectl_ok(&["get", "widgets", "-n", &ns])?;
    // With additionalPrinterColumns given, upstream serves exactly those after the name.
    expect_table("get widgets", &out, &[&["NAME", "SIZE"], &["big", "12"]])?;
    ctx.kubectl_expect(&["get", "wd", "-n", &ns, "-o", "name"], "widget.e2e.example.com/big\n")?;
    let err = ctx.kubectl_fails(&["get", "widget", "nope", "-n", &ns])?;
    expect_eq(
        "widget not found",
        &err,
        "Error from server (NotFound): widgets.e2e.example.com \"nope\" not found\n",
    )
}

fn label_annotate(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("label")?;
    ctx.kubectl_expect(
        &["create", "configmap", "la", "-n", &ns, "--from-literal=k=v"],
        "configmap/la created\n",
    )?;
    ctx.kubectl_expect(&["label", "cm", "la", "-n", &ns, "env=test"], "configmap/la labeled\n")?;
    let err = ctx.kubectl_fails(&["label", "cm", "la", "-n", &ns, "env=prod"])?;
    expect_eq(
        "label without --overwrite",
        &err,
        "error: 'env' already has a value (test), and --overwrite is false\n",
    )?;
    ctx.kubectl_expect(
        &["label", "cm", "la", "-n", &ns, "env=prod", "--overwrite"],
        "configmap/la labeled\n",
    )?;
    let out = ctx.kubectl_ok(&["get", "cm", "la", "-n", &ns, "--show-labels"])?;
    expect_table(
        "get --show-labels",
        &out,
        &[&["NAME", "DATA", "AGE", "LABELS"], &["la", "1", AGE, "env=prod"]],
    )?;
    let out = ctx.kubectl_ok(&["get", "cm", "la", "-n", &ns, "-L", "env,missing"])?;
    expect_table(
        "get -L",
        &out,
        &[&["NAME", "DATA", "AGE", "ENV", "MISSING"], &["la", "1", AGE, "prod", ""]],
    )?;
    ctx.kubectl_expect(&["label", "cm", "la", "-n", &ns, "env-"], "configmap/la unlabeled\n")?;
    ctx.kubectl_expect(
        &["annotate", "cm", "la", "-n", &ns, "note=hello world"],
        "configmap/la annotated\n",
    )?;
    ctx.kubectl_expect(
        &["get", "cm", "la", "-n", &ns, "-o", "jsonpath={.metadata.annotations.note}"],
        "hello world",
    )?;
    ctx.kubectl_expect(&["annotate", "cm", "la", "-n", &ns, "note-"], "configmap/la annotated\n")?;
    ctx.kubectl_expect(
        &["get", "cm", "la", "-n", &ns, "-o", "jsonpath={.metadata.annotations}{.metadata.labels}"],
        "",
    )
}

fn patch(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("patch")?;
    ctx.kubectl_expect(
        &["create", "configmap", "p", "-n", &ns, "--from-literal=a=1"],
        "configmap/p created\n",
    )?;
    let merge = ["patch", "cm", "p", "-n", &ns, "--type", "merge", "-p", r#"{"data":{"b":"2"}}"#];
    ctx.kubectl_expect(&merge, "configmap/p patched\n")?;
    ctx.kubectl_expect(&merge, "configmap/p patched (no change)\n")?;
    ctx.kubectl_expect(
        &[
            "patch",
            "cm",
            "p",
            "-n",
            &ns,
            "--type",
            "json",
            "-p",
            r#"[{"op":"replace","path":"/data/a","value":"10"}]"#,
        ],
        "configmap/p patched\n",
    )?;
    ctx.kubectl_expect(
        &["get", "cm", "p", "-n", &ns, "-o", r#"jsonpath={.data.a},{.data.b}"#],
        "10,2",
    )?;
    let err = ctx.kubectl_fails(&[
        "patch",
        "cm",
        "p",
        "-n",
        &ns,
        "--type",
        "json",
        "-p",
        r#"[{"op":"test","path":"/data/a","value":"nope"}]"#,
    ])?;
    // The server's generic 422 (no kind or name, no causes): kubectl appends its message.
    expect_eq(
        "failing json patch test",
        &err,
        "The request is invalid: the server rejected our request due to an error in our request\n",
    )?;
    // Strategic merge: the container list merges on its name, keeping the ports.
    ctx.kubectl_ok(&["apply", "-n", &ns, "-f", &testdata("deployment.yaml").to_string_lossy()])?;
    ctx.kubectl_expect(
        &[
            "patch",
            "deploy",
            "e2e-web",
            "-n",
            &ns,
            "-p",
            r#"{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"nginx:1.28"}]}}}}"#,
        ],
        "deployment.apps/e2e-web patched\n",
    )?;
    ctx.kubectl_expect(
        &[
            "get",
            "deploy",
            "e2e-web",
            "-n",
            &ns,
            "-o",
            "jsonpath={.spec.template.spec.containers[0].image} {.spec.template.spec.containers[0].ports[0].containerPort} {.metadata.generation}",
        ],
        "nginx:1.28 80 2",
    )?;
    let err =
        ctx.kubectl_fails(&["patch", "cm", "nope", "-n", &ns, "--type", "merge", "-p", "{}"])?;
    expect_eq(
        "patch a missing object",
        &err,
        "Error from server (NotFound): configmaps \"nope\" not found\n",
    )
}

fn replace(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("replace")?;
    ctx.kubectl_expect(
        &["create", "configmap", "r", "-n", &ns, "--from-literal=a=1"],
        "configmap/r created\n",
    )?;
    let json = ctx.kubectl_ok(&["get", "cm", "r", "-n", &ns, "-o", "json"])?;
    let mut obj: serde_json::Value = serde_json::from_str(&json)?;
    obj["data"]["a"] = "2".into();
    let stale = obj.to_string();
    expect_eq(
        "replace",
        &ctx.kubectl_stdin(&["replace", "-f", "-"], &stale)?.ok("replace")?,
        "configmap/r replaced\n",
    )?;
    ctx.kubectl_expect(&["get", "cm", "r", "-n", &ns, "-o", "jsonpath={.data.a}"], "2")?;
    let err = ctx.kubectl_stdin(&["replace", "-f", "-"], &stale)?.fails("stale replace")?;
    expect_eq(
        "replace with a stale resourceVersion",
        &err,
        "Error from server (Conflict): error when replacing \"STDIN\": Operation cannot be fulfilled on configmaps \"r\": the object has been modified; please apply your changes to the latest version and try again\n",
    )?;
    obj["data"]["a"] = "3".into();
    if let Some(meta) = obj["metadata"].as_object_mut() {
        meta.remove("resourceVersion");
    }
    expect_eq(
        "replace without a resourceVersion",
        &ctx.kubectl_stdin(&["replace", "-f", "-"], &obj.to_string())?.ok("replace")?,
        "configmap/r replaced\n",
    )?;
    ctx.kubectl_expect(&["get", "cm", "r", "-n", &ns, "-o", "jsonpath={.data.a}"], "3")
}

fn scale(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("scale")?;
    ctx.kubectl_ok(&["apply", "-n", &ns, "-f", &testdata("deployment.yaml").to_string_lossy()])?;
    ctx.kubectl_expect(
        &["scale", "deploy", "e2e-web", "-n", &ns, "--replicas=3"],
        "deployment.apps/e2e-web scaled\n",
    )?;
    ctx.kubectl_expect(
        &["get", "deploy", "e2e-web", "-n", &ns, "-o", "jsonpath={.spec.replicas}"],
        "3",
    )?;
    let err = ctx.kubectl_fails(&[
        "scale",
        "deploy",
        "e2e-web",
        "-n",
        &ns,
        "--replicas=5",
        "--current-replicas=2",
    ])?;
    expect_eq(
        "scale with a wrong --current-replicas",
        &err,
        "error: Expected replicas to be 2, was 3\n",
    )?;
    let scale = ctx.kubectl_ok(&[
        "get",
        "--raw",
        &format!("/apis/apps/v1/namespaces/{ns}/deployments/e2e-web/scale"),
    ])?;
    let scale: serde_json::Value = serde_json::from_str(&scale)?;
    expect_eq("scale kind", scale["kind"].as_str().unwrap_or_default(), "Scale")?;
    expect_eq(
        "scale apiVersion",
        scale["apiVersion"].as_str().unwrap_or_default(),
        "autoscaling/v1",
    )?;
    expect_eq("scale spec.replicas", &scale["spec"]["replicas"].to_string(), "3")
}

fn delete(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("delete")?;
    for name in ["d1", "d2", "d3"] {
        ctx.kubectl_expect(
            &["create", "configmap", name, "-n", &ns],
            &format!("configmap/{name} created\n"),
        )?;
    }
    ctx.kubectl_expect(
        &["delete", "cm", "d1", "-n", &ns],
        &format!("configmap \"d1\" deleted from {ns} namespace\n"),
    )?;
    ctx.kubectl_expect(&["delete", "cm", "d2", "-n", &ns, "-o", "name"], "configmap/d2\n")?;
    let err = ctx.kubectl_fails(&["delete", "cm", "d1", "-n", &ns])?;
    expect_eq(
        "delete a deleted object",
        &err,
        "Error from server (NotFound): configmaps \"d1\" not found\n",
    )?;
    ctx.kubectl_expect(&["delete", "cm", "d1", "-n", &ns, "--ignore-not-found"], "")?;
    // kube-root-ca.crt appears once a controller publishes it; only d3 is this case's.
    let all = ctx.kubectl_ok(&["delete", "cm", "--all", "-n", &ns])?;
    let mine: String =
        all.lines().filter(|l| !l.contains("kube-root-ca.crt")).map(|l| format!("{l}\n")).collect();
    expect_eq("delete --all", &mine, &format!("configmap \"d3\" deleted from {ns} namespace\n"))?;
    let out = ctx.kubectl(&["get", "cm", "-n", &ns])?;
    expect_eq("get an empty namespace (stdout)", &out.stdout, "")?;
    expect_eq(
        "get an empty namespace (stderr)",
        &out.stderr,
        &format!("No resources found in {ns} namespace.\n"),
    )
}

fn dry_run_server(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("dryrun")?;
    ctx.kubectl_expect(
        &["create", "configmap", "dry", "-n", &ns, "--from-literal=a=1", "--dry-run=server"],
        "configmap/dry created (server dry run)\n",
    )?;
    let err = ctx.kubectl_fails(&["get", "cm", "dry", "-n", &ns])?;
    expect_eq(
        "after a server dry run",
        &err,
        "Error from server (NotFound): configmaps \"dry\" not found\n",
    )?;
    ctx.kubectl_expect(
        &["create", "configmap", "real", "-n", &ns, "--from-literal=a=1"],
        "configmap/real created\n",
    )?;
    ctx.kubectl_expect(
        &["label", "cm", "real", "-n", &ns, "x=y", "--dry-run=server"],
        "configmap/real labeled (server dry run)\n",
    )?;
    ctx.kubectl_expect(
        &["delete", "cm", "real", "-n", &ns, "--dry-run=server"],
        &format!("configmap \"real\" deleted from {ns} namespace (server dry run)\n"),
    )?;
    ctx.kubectl_expect(
        &["get", "cm", "real", "-n", &ns, "-o", "jsonpath={.metadata.name}:{.metadata.labels}"],
        "real:",
    )?;
    // Server dry run still validates.
    let err =
        ctx.kubectl_fails(&["create", "configmap", "Bad_Name", "-n", &ns, "--dry-run=server"])?;
    expect_eq(
        "invalid name in a dry run",
        &err,
        &format!(
            "error: failed to create configmap: ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": {DNS1123_SUBDOMAIN}\n"
        ),
    )
}

const DNS1123_SUBDOMAIN: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')";

fn chunk_size(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("chunk")?;
    for i in 1..=5 {
        let name = format!("c{i}");
        ctx.kubectl_expect(
            &["create", "configmap", &name, "-n", &ns],
            &format!("configmap/{name} created\n"),
        )?;
    }
    // kube-root-ca.crt may appear once a controller publishes it: only c* count.
    let out = ctx.kubectl(&["get", "cm", "-n", &ns, "--chunk-size=2", "-o", "name", "-v=6"])?;
    let names: String = out
        .stdout
        .lines()
        .filter(|l| l.starts_with("configmap/c"))
        .map(|l| format!("{l}\n"))
        .collect();
    expect_eq(
        "get --chunk-size=2",
        &names,
        "configmap/c1\nconfigmap/c2\nconfigmap/c3\nconfigmap/c4\nconfigmap/c5\n",
    )?;
    let requests = out.stderr.lines().filter(|l| l.contains("limit=2")).count();
    let continued = out.stderr.lines().filter(|l| l.contains("continue=")).count();
    if requests < 3 || continued < 2 {
        bail!(
            "get --chunk-size=2 made {requests} limit=2 requests, {continued} with continue=; want at least 3 and 2\n{}",
            out.stderr
        );
    }
    let table = ctx.kubectl_ok(&["get", "cm", "c1", "c2", "c3", "-n", &ns, "--chunk-size=1"])?;
    expect_table(
        "chunked table",
        &table,
        &[&["NAME", "DATA", "AGE"], &["c1", "0", AGE], &["c2", "0", AGE], &["c3", "0", AGE]],
    )
}

fn selectors(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("select")?;
    for (name, labels) in
        [("s1", "tier=web,env=prod"), ("s2", "tier=db,env=prod"), ("s3", "tier=cache")]
    {
        ctx.kubectl_expect(
            &["create", "configmap", name, "-n", &ns],
            &format!("configmap/{name} created\n"),
        )?;
        let mut args = vec!["label", "cm", name, "-n", ns.as_str()];
        args.extend(labels.split(','));
        ctx.kubectl_expect(&args, &format!("configmap/{name} labeled\n"))?;
    }
    for (selector, want) in [
        ("env=prod", "s1 s2"),
        ("env!=prod", "s3"),
        ("tier in (web,cache)", "s1 s3"),
        ("tier notin (web)", "s2 s3"),
        ("env", "s1 s2"),
        ("!env", "s3"),
        ("env=prod,tier=db", "s2"),
        ("env=staging", ""),
    ] {
        ctx.kubectl_expect(
            &["get", "cm", "-n", &ns, "-l", selector, "-o", "jsonpath={.items[*].metadata.name}"],
            want,
        )
        .with_context(|| format!("label selector {selector:?}"))?;
    }
    for (selector, want) in [
        ("metadata.name=s2", "s2"),
        ("metadata.name!=s2", "s1 s3"),
        (&*format!("metadata.namespace={ns}"), "s1 s2 s3"),
    ] {
        ctx.kubectl_expect(
            &[
                "get",
                "cm",
                "-n",
                &ns,
                "-l",
                "tier",
                "--field-selector",
                selector,
                "-o",
                "jsonpath={.items[*].metadata.name}",
            ],
            want,
        )
        .with_context(|| format!("field selector {selector:?}"))?;
    }
    ctx.kubectl_expect(
        &["get", "ns", "--field-selector", &format!("metadata.name={ns}"), "-o", "name"],
        &format!("namespace/{ns}\n"),
    )?;
    let err = ctx.kubectl_fails(&["get", "cm", "-n", &ns, "--field-selector", "data.a=1"])?;
    expect_eq(
        "unsupported field selector",
        &err,
        "Error from server (BadRequest): Unable to find \"/v1, Resource=configmaps\" that match label selector \"\", field selector \"data.a=1\": \"data.a\" is not a known field selector: only \"metadata.name\", \"metadata.namespace\"\n",
    )?;
    let out = ctx.kubectl(&["get", "cm", "-n", &ns, "-l", "env=staging"])?;
    expect_eq(
        "no match (stderr)",
        &out.stderr,
        &format!("No resources found in {ns} namespace.\n"),
    )?;
    expect_eq("no match (exit)", &format!("{:?}", out.code), "Some(0)")
}

fn errors(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("errors")?;
    let err = ctx.kubectl_fails(&["get", "configmap", "nope", "-n", &ns])?;
    expect_eq(
        "get a missing object",
        &err,
        "Error from server (NotFound): configmaps \"nope\" not found\n",
    )?;
    let err = ctx.kubectl_fails(&["get", "deploy", "nope", "-n", &ns])?;
    expect_eq(
        "get a missing deployment",
        &err,
        "Error from server (NotFound): deployments.apps \"nope\" not found\n",
    )?;
    let err = ctx.kubectl_fails(&["get", "configmap", "nope", "-n", "e2e-no-such-namespace"])?;
    expect_eq(
        "get in a missing namespace",
        &err,
        // kubectl checks the namespace after a NotFound and reports the namespace instead.
        "Error from server (NotFound): namespaces \"e2e-no-such-namespace\" not found\n",
    )?;
    let err = ctx.kubectl_fails(&["create", "configmap", "x", "-n", "e2e-no-such-namespace"])?;
    expect_eq(
        "create in a missing namespace",
        &err,
        "error: failed to create configmap: namespaces \"e2e-no-such-namespace\" not found\n",
    )?;
    ctx.kubectl_expect(&["create", "configmap", "dup", "-n", &ns], "configmap/dup created\n")?;
    let err = ctx.kubectl_fails(&["create", "configmap", "dup", "-n", &ns])?;
    expect_eq(
        "create configmap twice",
        &err,
        "error: failed to create configmap: configmaps \"dup\" already exists\n",
    )?;
    let manifest =
        format!("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: dup\n  namespace: {ns}\n");
    let err = ctx.kubectl_stdin(&["create", "-f", "-"], &manifest)?.fails("create -f twice")?;
    expect_eq(
        "create -f an existing object",
        &err,
        "Error from server (AlreadyExists): error when creating \"STDIN\": configmaps \"dup\" already exists\n",
    )?;
    let invalid = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n  namespace: {ns}\n"
    );
    let err = ctx.kubectl_stdin(&["create", "-f", "-"], &invalid)?.fails("create invalid")?;
    expect_eq(
        "create an invalid object",
        &err,
        &format!(
            "The ConfigMap \"Bad_Name\" is invalid: metadata.name: Invalid value: \"Bad_Name\": {DNS1123_SUBDOMAIN}\n"
        ),
    )?;
    let two_errors = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: two-errors\n  namespace: {ns}\n  labels:\n    \"bad key!\": v\ndata:\n  \"bad key\": v\n"
    );
    let err =
        ctx.kubectl_stdin(&["create", "-f", "-"], &two_errors)?.fails("create with two errors")?;
    expect_match(
        "an object with two invalid fields",
        &err,
        "The ConfigMap \"two-errors\" is invalid: \n\\* metadata\\.labels: Invalid value: \"bad key!\": .*\n\\* data\\[bad key\\]: Invalid value: \"bad key\": .*\n",
    )?;
    let unknown = format!(
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\n  namespace: {ns}\n  labelz: {{a: b}}\nextra: 1\n"
    );
    let err = ctx
        .kubectl_stdin(&["create", "--validate=strict", "-f", "-"], &unknown)?
        .fails("create with unknown fields")?;
    expect_eq(
        "unknown fields, strict",
        &err,
        "Error from server (BadRequest): error when creating \"STDIN\": ConfigMap in version \"v1\" cannot be handled as a ConfigMap: strict decoding error: unknown field \"extra\", unknown field \"metadata.labelz\"\n",
    )?;
    let err = ctx.kubectl_fails(&["get", "nosuchkind"])?;
    expect_eq(
        "an unknown resource type",
        &err,
        "error: the server doesn't have a resource type \"nosuchkind\"\n",
    )
}

fn helm_lifecycle(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("helm")?;
    let chart = testdata("chart");
    let chart = chart.to_string_lossy();
    let install = ctx.helm(&["install", "rel", &chart, "-n", &ns])?.ok("helm install")?;
    let status = |text: &str, revision: &str, description: &str| -> Result<()> {
        for line in [
            "NAME: rel".to_owned(),
            format!("NAMESPACE: {ns}"),
            "STATUS: deployed".to_owned(),
            format!("REVISION: {revision}"),
            format!("DESCRIPTION: {description}"),
        ] {
            if !text.lines().any(|l| l == line) {
                bail!("helm output lacks {line:?}:\n{text}");
            }
        }
        Ok(())
    };
    status(&install, "1", "Install complete")?;
    ctx.kubectl_expect(
        &["get", "cm,secret,svc", "-n", &ns, "-l", "app.kubernetes.io/instance=rel", "-o", "name"],
        "configmap/rel-revision\nconfigmap/rel-settings\nsecret/rel-credentials\nservice/rel-web\n",
    )?;
    ctx.kubectl_expect(
        &["get", "cm", "rel-settings", "-n", &ns, "-o", "jsonpath={.data.greeting}"],
        "hello",
    )?;
    ctx.kubectl_expect(
        &[
            "get",
            "secret",
            "-n",
            &ns,
            "-l",
            "owner=helm",
            "-o",
            "jsonpath={.items[*].metadata.name}",
        ],
        "sh.helm.release.v1.rel.v1",
    )?;
    let list: serde_json::Value =
        serde_json::from_str(&ctx.helm(&["list", "-n", &ns, "-o", "json"])?.ok("helm list")?)?;
    let release = &list[0];
    for (field, want) in [
        ("name", "rel"),
        ("namespace", ns.as_str()),
        ("revision", "1"),
        ("status", "deployed"),
        ("chart", "e2e-chart-0.1.0"),
        ("app_version", "1.0.0"),
    ] {
        expect_eq(
            &format!("helm list .{field}"),
            release[field].as_str().unwrap_or_default(),
            want,
        )?;
    }
    let upgrade = ctx
        .helm(&["upgrade", "rel", &chart, "-n", &ns, "--set", "greeting=hi"])?
        .ok("helm upgrade")?;
    if !upgrade.starts_with("Release \"rel\" has been upgraded. Happy Helming!\n") {
        bail!("helm upgrade output:\n{upgrade}");
    }
    status(&upgrade, "2", "Upgrade complete")?;
    ctx.kubectl_expect(
        &["get", "cm", "-n", &ns, "-o", "jsonpath={.items[?(@.metadata.name==\"rel-settings\")].data.greeting} {.items[?(@.metadata.name==\"rel-revision\")].data.revision}"],
        "hi 2",
    )?;
    let history = ctx.helm(&["history", "rel", "-n", &ns, "-o", "json"])?.ok("helm history")?;
    let history: serde_json::Value = serde_json::from_str(&history)?;
    let statuses: Vec<&str> =
        history.as_array().into_iter().flatten().filter_map(|r| r["status"].as_str()).collect();
    expect_eq("helm history statuses", &statuses.join(","), "superseded,deployed")?;
    let uninstall = ctx.helm(&["uninstall", "rel", "-n", &ns])?.ok("helm uninstall")?;
    expect_eq("helm uninstall", &uninstall, "release \"rel\" uninstalled\n")?;
    let out = ctx.kubectl(&["get", "cm,secret,svc", "-n", &ns, "-o", "name"])?;
    let left: Vec<&str> =
        out.stdout.lines().filter(|l| !l.ends_with("/kube-root-ca.crt")).collect();
    expect_eq("objects left after uninstall", &left.join("\n"), "")?;
    expect_eq(
        "helm list after uninstall",
        &ctx.helm(&["list", "-n", &ns, "-q"])?.ok("helm list")?,
        "",
    )
}

fn python_client(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("python")?;
    let script = testdata("python_client.py");
    let out = ctx.python(&[&script.to_string_lossy(), &ns])?.ok("python_client.py")?;
    expect_eq(
        "python client",
        &out,
        "created py-cm uid-set=True rv-set=True
read py-cm a=1
replaced py-cm a=2 newer=True
stale replace: 409 Conflict
patched py-cm step=two
list suite=python: py-cm,py-other
list suite=python,step=two: py-cm
list suite=python,step!=two: py-other
list metadata.name=py-other: py-other
paged: py-cm then py-other, continue-after-last=False
watch MODIFIED py-cm a=3
watch MODIFIED py-cm a=4
deleted py-cm
read after delete: 404 Not Found
",
    )
}

/// `kubectl create token` issues a token the server then accepts as the service account.
fn serviceaccount_token(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("sa")?;
    ctx.kubectl_expect(
        &["create", "serviceaccount", "robot", "-n", &ns],
        "serviceaccount/robot created\n",
    )?;
    let token = ctx.kubectl_ok(&["create", "token", "robot", "-n", &ns, "--duration", "15m"])?;
    let token = token.trim();
    expect_match("token", token, r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")?;
    let err = ctx.kubectl_fails(&[
        "create",
        "token",
        "robot",
        "-n",
        &ns,
        "--bound-object-kind",
        "Pod",
        "--bound-object-name",
        "nope",
    ])?;
    expect_eq(
        "bound to a missing pod",
        &err,
        "error: failed to create token: pods \"nope\" not found\n",
    )?;
    let err = ctx.kubectl_fails(&["create", "token", "robot", "-n", &ns, "--duration", "1m"])?;
    expect_eq(
        "too short",
        &err,
        "error: failed to create token: TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes\n",
    )?;

    // A kubeconfig with nothing but the server, its CA and the token.
    let view = |path: &str| {
        ctx.kubectl_ok(&["config", "view", "--raw", "--minify", "-o", &format!("jsonpath={path}")])
    };
    let server = view("{.clusters[0].cluster.server}")?;
    let ca = view("{.clusters[0].cluster.certificate-authority-data}")?;
    let kubeconfig = ctx.write(
        "robot.kubeconfig",
        &format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: {server}\n    certificate-authority-data: {ca}\nusers:\n- name: robot\n  user:\n    token: {token}\ncontexts:\n- name: robot\n  context:\n    cluster: c\n    user: robot\n    namespace: {ns}\ncurrent-context: robot\n"
        ),
    )?;
    ctx.kubectl_expect(
        &[
            "--kubeconfig",
            &kubeconfig,
            "auth",
            "whoami",
            "-o",
            "jsonpath={.status.userInfo.username}",
        ],
        &format!("system:serviceaccount:{ns}:robot"),
    )?;
    ctx.kubectl_expect(
        &["--kubeconfig", &kubeconfig, "get", "serviceaccount", "robot", "-o", "name"],
        "serviceaccount/robot\n",
    )?;
    // Deleting the account invalidates its tokens.
    ctx.kubectl_ok(&["delete", "serviceaccount", "robot", "-n", &ns])?;
    let err = ctx
        .kubectl(&["--kubeconfig", &kubeconfig, "get", "pods"])?
        .fails("kubectl get pods with a dead token")?;
    expect_match(
        "dead token",
        &err,
        r"(?s).*error: You must be logged in to the server \(Unauthorized\)\n",
    )
}

/// Objects kubectl's generators send in protobuf keep what Go embeds inline (an ingress rule's
/// paths), and reading them back in protobuf (`kubectl describe`) leaves unset pointers unset
/// (a job's deadline and TTL are not printed as zero).
fn protobuf_generators(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("pb")?;
    ctx.kubectl_expect(
        &["create", "ingress", "web", "-n", &ns, "--rule=foo.com/bar=svc1:8080"],
        "ingress.networking.k8s.io/web created\n",
    )?;
    ctx.kubectl_expect(
        &[
            "get",
            "ingress",
            "web",
            "-n",
            &ns,
            "-o",
            "jsonpath={.spec.rules[0].http.paths[0].path} {.spec.rules[0].http.paths[0].backend.service.name}",
        ],
        "/bar svc1",
    )?;
    let described = ctx.kubectl_ok(&["describe", "ingress", "web", "-n", &ns])?;
    expect_match("describe ingress", &described, r"(?s).*\n  foo\.com +\n +/bar +svc1:8080 .*")?;

    ctx.kubectl_expect(
        &["create", "job", "once", "-n", &ns, "--image=busybox", "--", "echo", "hi"],
        "job.batch/once created\n",
    )?;
    let described = ctx.kubectl_ok(&["describe", "job", "once", "-n", &ns])?;
    expect_match("describe job", &described, r"(?ms).*^Backoff Limit: +6$.*")?;
    for unset in ["Active Deadline Seconds", "TTL Seconds After Finished"] {
        if described.contains(unset) {
            bail!("describe job prints {unset:?}, which the job does not set:\n{described}");
        }
    }
    Ok(())
}

/// A CertificateSigningRequest names its requestor, and `kubectl certificate approve` writes
/// its Approved condition through `/approval`.
fn certificate_approve(ctx: &Ctx) -> Result<()> {
    let key = ctx.write("alice.key", "")?;
    let request = ctx.write("alice.csr", "")?;
    let made = std::process::Command::new("openssl")
        .args(["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", &key, "-out", &request])
        .args(["-subj", "/CN=alice/O=dev"])
        .output()
        .context("running openssl")?;
    if !made.status.success() {
        bail!("openssl req: {}", String::from_utf8_lossy(&made.stderr));
    }
    let pem = std::fs::read(&request)?;
    let manifest = format!(
        "apiVersion: certificates.k8s.io/v1\nkind: CertificateSigningRequest\nmetadata:\n  name: e2e-alice\nspec:\n  request: {}\n  signerName: kubernetes.io/kube-apiserver-client\n  usages: [client auth]\n",
        base64::engine::general_purpose::STANDARD.encode(&pem)
    );
    let created = ctx.kubectl_stdin(&["create", "-f", "-"], &manifest)?.ok("create csr")?;
    expect_eq(
        "create csr",
        &created,
        "certificatesigningrequest.certificates.k8s.io/e2e-alice created\n",
    )?;
    ctx.kubectl_expect(
        &["get", "csr", "e2e-alice", "-o", "jsonpath={.spec.username} {.status}"],
        "kubernetes-admin {}",
    )?;
    ctx.kubectl_expect(
        &["certificate", "approve", "e2e-alice"],
        "certificatesigningrequest.certificates.k8s.io/e2e-alice approved\n",
    )?;
    ctx.kubectl_expect(
        &["get", "csr", "e2e-alice", "-o", "jsonpath={.status.conditions[*].type}"],
        "Approved",
    )?;
    let err = ctx.kubectl_fails(&["certificate", "deny", "e2e-alice"])?;
    expect_eq(
        "deny after approve",
        &err,
        "error: certificate signing request \"e2e-alice\" is already Approved\n",
    )
}

/// `kubectl debug` adds an ephemeral container through `pods/ephemeralcontainers`, and
/// `kubectl patch --subresource resize` changes a container's cpu in place.
fn debug_ephemeral_container(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("debug")?;
    let pod = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n  - name: app\n    image: nginx\n    resources:\n      requests: {cpu: 100m, memory: 64Mi}\n";
    ctx.kubectl_stdin(&["apply", "-n", &ns, "-f", "-"], pod)?.ok("apply pod")?;
    ctx.kubectl_ok(&[
        "debug",
        "web",
        "-n",
        &ns,
        "--image=busybox",
        "--container=dbg",
        "--target=app",
        "--profile=general",
    ])?;
    ctx.kubectl_expect(
        &[
            "get",
            "pod",
            "web",
            "-n",
            &ns,
            "-o",
            "jsonpath={.spec.ephemeralContainers[*].name} {.spec.ephemeralContainers[0].targetContainerName}",
        ],
        "dbg app",
    )?;
    ctx.kubectl_expect(
        &[
            "patch",
            "pod",
            "web",
            "-n",
            &ns,
            "--subresource=resize",
            "-p",
            r#"{"spec":{"containers":[{"name":"app","resources":{"requests":{"cpu":"200m"}}}]}}"#,
        ],
        "pod/web patched\n",
    )?;
    ctx.kubectl_expect(
        &[
            "get",
            "pod",
            "web",
            "-n",
            &ns,
            "-o",
            "jsonpath={.spec.containers[0].resources.requests.cpu}",
        ],
        "200m",
    )
}

/// `kubectl drain` cordons a node and evicts its pods through `pods/eviction`, and is held back
/// by a PodDisruptionBudget with no disruption left.
fn drain_eviction(ctx: &Ctx) -> Result<()> {
    let ns = ctx.namespace("drain")?;
    let node = "e2e-drain-node";
    ctx.kubectl_stdin(
        &["apply", "-f", "-"],
        &format!("apiVersion: v1\nkind: Node\nmetadata:\n  name: {node}\n"),
    )?
    .ok("create the node")?;
    let pod = |name: &str| {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  namespace: {ns}\n  labels:\n    app: web\nspec:\n  nodeName: {node}\n  terminationGracePeriodSeconds: 0\n  containers:\n  - name: c\n    image: registry.k8s.io/pause:3.10\n"
        )
    };
    for name in ["web-1", "web-2"] {
        ctx.kubectl_stdin(&["apply", "-f", "-"], &pod(name))?.ok("create a pod")?;
        ctx.kubectl_ok(&[
            "patch",
            "pod",
            name,
            "-n",
            &ns,
            "--subresource=status",
            "--type=merge",
            "-p",
            r#"{"status":{"phase":"Running","conditions":[{"type":"Ready","status":"True"}]}}"#,
        ])?;
    }
    // A budget that, as its controller would compute, allows no disruption.
    ctx.kubectl_ok(&[
        "create",
        "poddisruptionbudget",
        "web",
        "-n",
        &ns,
        "--selector=app=web",
        "--min-available=2",
    ])?;
    let generation =
        ctx.kubectl_ok(&["get", "pdb", "web", "-n", &ns, "-o", "jsonpath={.metadata.generation}"])?;
    ctx.kubectl_ok(&[
        "patch", "pdb", "web", "-n", &ns, "--subresource=status", "--type=merge", "-p",
        &format!(r#"{{"status":{{"observedGeneration":{generation},"disruptionsAllowed":0,"currentHealthy":2,"desiredHealthy":2,"expectedPods":2}}}}"#),
    ])?;
    let out = ctx.kubectl(&["drain", node, "--timeout=3s", "--force", "--pod-selector=app=web"])?;
    let blocked = out.fails("kubectl drain blocked by the budget")?;
    expect_match(
        "drain blocked",
        &blocked,
        r#"(?s).*error when evicting pods/"web-[12]" -n "e2e-drain" \(will retry after 5s\): Cannot evict pod as it would violate the pod's disruption budget\..*"#,
    )?;
    ctx.kubectl_expect(&["get", "node", node, "-o", "jsonpath={.spec.unschedulable}"], "true")?;

    // With a disruption to spare, one pod goes; then the budget is spent again.
    ctx.kubectl_ok(&[
        "patch",
        "pdb",
        "web",
        "-n",
        &ns,
        "--subresource=status",
        "--type=merge",
        "-p",
        r#"{"status":{"disruptionsAllowed":1}}"#,
    ])?;
    let out = ctx.kubectl(&["drain", node, "--timeout=3s", "--force", "--pod-selector=app=web"])?;
    expect_match("one eviction", &out.stdout, r"(?s).*pod/web-[12] evicted\n.*")?;
    ctx.kubectl_expect(
        &["get", "pdb", "web", "-n", &ns, "-o", "jsonpath={.status.disruptionsAllowed}"],
        "0",
    )?;
    let left = ctx.kubectl_ok(&["get", "pods", "-n", &ns, "-o", "name"])?;
    expect_eq("pods left", &left.lines().count().to_string(), "1")?;

    // Without the budget the drain completes.
    ctx.kubectl_ok(&["delete", "pdb", "web", "-n", &ns])?;
    let drained =
        ctx.kubectl_ok(&["drain", node, "--timeout=20s", "--force", "--pod-selector=app=web"])?;
    expect_match("drained", &drained, &format!(r"(?s).*node/{node} drained\n"))?;
    ctx.kubectl_expect(&["get", "pods", "-n", &ns, "-o", "name"], "")?;
    ctx.kubectl_ok(&["delete", "node", node]).map(|_| ())
}

/// `kubectl explain` reads the served OpenAPI v3 documents, for built-in and custom kinds.
fn explain(ctx: &Ctx) -> Result<()> {
    ctx.kubectl_expect(
        &["explain", "pods.spec.containers.image"],
        "KIND:       Pod\nVERSION:    v1\n\nFIELD: image <string>\n\n\nDESCRIPTION:\n    Container image name. More info:\n    https://kubernetes.io/docs/concepts/containers/images This field is optional\n    to allow higher level config management to default or override container\n    images in workload controllers like Deployments and StatefulSets.\n    \n\n",
    )?;
    let out = ctx.kubectl_ok(&["explain", "deployment.spec.strategy", "--recursive"])?;
    expect_match(
        "explain --recursive",
        &out,
        r"(?s)GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\nFIELD: strategy <DeploymentStrategy>\n.*FIELDS:\n  rollingUpdate\t<RollingUpdateDeployment>\n    maxSurge\t<IntOrString>\n    maxUnavailable\t<IntOrString>\n  type\t<string>\n.*",
    )?;
    establish_crd(ctx)?;
    let out = ctx.kubectl_ok(&["explain", "widgets.spec"])?;
    expect_match(
        "explain a custom resource",
        &out,
        r"(?s)GROUP:      e2e\.example\.com\nKIND:       Widget\nVERSION:    v1\n\nFIELD: spec <Object>\n.*FIELDS:\n  color\t<string>\n.*  size\t<integer>\n.*",
    )?;
    let err = ctx.kubectl_fails(&["explain", "pods.spec.nope"])?;
    expect_eq("explain a missing field", &err, "error: field \"nope\" does not exist\n")
}
