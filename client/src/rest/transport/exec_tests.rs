//! Exec plugin tests, named after client-go's exec_test.go cases. Plugins are small bash
//! scripts in a temporary directory, run as `bash <script>` so the test never executes a file
//! it has just written.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, SystemTime};

use serde_json::json;

use super::*;
use crate::config::{ExecEnvVar, ResolvedConfig};
use crate::rest::testserver::{TestServer, json as json_reply, reply};
use crate::rest::transport::ConnTracker;
use crate::rest::transport::testutil::{Pki, TlsServer};
use crate::rest::{Client, Config, Request};

const V1: &str = "client.authentication.k8s.io/v1";
const V1BETA1: &str = "client.authentication.k8s.io/v1beta1";

/// A plugin script in its own directory.
struct Plugin {
    dir: tempfile::TempDir,
    script: PathBuf,
}

impl Plugin {
    fn new(body: &str) -> Plugin {
        let dir = tempfile::tempdir().expect("tempdir");
        let script = dir.path().join("plugin.sh");
        std::fs::write(&script, format!("set -e\n{body}\n")).expect("write plugin");
        Plugin { dir, script }
    }

    /// The generic test plugin: records `KUBERNETES_EXEC_INFO`, prints `$TEST_OUTPUT`, exits
    /// with `$TEST_EXIT_CODE`.
    fn generic() -> Plugin {
        Plugin::new(
            r#"printf '%s' "$KUBERNETES_EXEC_INFO" > "$(dirname "$0")/info"
printf '%s\n' "$TEST_OUTPUT"
exit "${TEST_EXIT_CODE:-0}""#,
        )
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn info(&self) -> String {
        std::fs::read_to_string(self.path("info")).unwrap_or_default()
    }

    fn runs(&self) -> usize {
        std::fs::read_to_string(self.path("runs")).map(|s| s.lines().count()).unwrap_or(0)
    }

    fn config(&self, api_version: &str, mode: &str) -> ExecConfig {
        ExecConfig {
            api_version: api_version.into(),
            command: "bash".into(),
            args: vec![self.script.to_string_lossy().into_owned()],
            interactive_mode: mode.into(),
            ..Default::default()
        }
    }

    fn with_output(&self, api_version: &str, mode: &str, output: &str, code: i32) -> ExecConfig {
        let mut c = self.config(api_version, mode);
        c.env = vec![
            ExecEnvVar { name: "TEST_OUTPUT".into(), value: output.into() },
            ExecEnvVar { name: "TEST_EXIT_CODE".into(), value: code.to_string() },
        ];
        c
    }
}

fn token_output(version: &str, token: &str) -> String {
    json!({"kind": "ExecCredential", "apiVersion": version, "status": {"token": token}}).to_string()
}

fn cert_output(version: &str, cert: &str, key: &str) -> String {
    json!({"kind": "ExecCredential", "apiVersion": version,
        "status": {"clientCertificateData": cert, "clientKeyData": key}})
    .to_string()
}

async fn run(config: &ExecConfig, terminal: bool) -> Result<Arc<Credentials>, String> {
    run_with(config, None, terminal).await
}

async fn run_with(
    config: &ExecConfig,
    cluster: Option<ExecCluster>,
    terminal: bool,
) -> Result<Arc<Credentials>, String> {
    let a = Arc::new(Authenticator::new(config, cluster)?.with_terminal(terminal));
    a.credentials().await
}

fn compact(v: &str) -> String {
    let value: serde_json::Value = serde_json::from_str(v).expect("json");
    apimachinery::gofmt::marshal_json_ordered(&value) + "\n"
}

/// Mirrors TestRefreshCreds: the request the plugin reads and what its answers turn into.
#[tokio::test]
async fn test_refresh_creds() {
    let pki = Pki::new();
    let client = pki.client("alice");
    struct Case {
        name: &'static str,
        version: &'static str,
        mode: &'static str,
        terminal: bool,
        stdin_unavailable: Option<&'static str>,
        output: String,
        code: i32,
        want_input: Option<serde_json::Value>,
        want: Result<(&'static str, bool), &'static str>,
    }
    let token = |v| token_output(v, "foo-bar");
    let input = |v: &str, interactive: bool| {
        Some(
            json!({"kind": "ExecCredential", "apiVersion": v, "spec": {"interactive": interactive}}),
        )
    };
    let cases = vec![
        Case {
            name: "beta-with-TLS-credentials",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: false,
            stdin_unavailable: None,
            output: cert_output(V1BETA1, &client.cert_pem, &client.key_pem),
            code: 0,
            want_input: input(V1BETA1, false),
            want: Ok(("", true)),
        },
        Case {
            name: "beta-with-bad-TLS-credentials",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: false,
            stdin_unavailable: None,
            output: cert_output(V1BETA1, "bar", "foo"),
            code: 0,
            want_input: None,
            want: Err(
                "failed parsing client key/certificate: tls: failed to find any PEM data in certificate input",
            ),
        },
        Case {
            name: "beta-cert-but-no-key",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: false,
            stdin_unavailable: None,
            output: json!({"kind": "ExecCredential", "apiVersion": V1BETA1,
                "status": {"clientCertificateData": client.cert_pem}})
            .to_string(),
            code: 0,
            want_input: None,
            want: Err("exec plugin returned only certificate or key, not both"),
        },
        Case {
            name: "beta-basic-request",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: false,
            stdin_unavailable: None,
            output: token(V1BETA1),
            code: 0,
            want_input: input(V1BETA1, false),
            want: Ok(("foo-bar", false)),
        },
        Case {
            name: "beta-basic-request-with-never-interactive-mode-and-terminal",
            version: V1BETA1,
            mode: "Never",
            terminal: true,
            stdin_unavailable: None,
            output: token(V1BETA1),
            code: 0,
            want_input: input(V1BETA1, false),
            want: Ok(("foo-bar", false)),
        },
        Case {
            name: "beta-basic-request-with-if-available-interactive-mode-and-terminal",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: true,
            stdin_unavailable: None,
            output: token(V1BETA1),
            code: 0,
            want_input: input(V1BETA1, true),
            want: Ok(("foo-bar", false)),
        },
        Case {
            name: "beta-basic-request-with-if-available-interactive-mode-and-terminal-and-stdin-unavailable",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: true,
            stdin_unavailable: Some(""),
            output: token(V1BETA1),
            code: 0,
            want_input: input(V1BETA1, false),
            want: Ok(("foo-bar", false)),
        },
        Case {
            name: "beta-basic-request-with-always-interactive-mode",
            version: V1BETA1,
            mode: "Always",
            terminal: false,
            stdin_unavailable: None,
            output: token(V1BETA1),
            code: 0,
            want_input: None,
            want: Err(
                "exec plugin cannot support interactive mode: standard input is not a terminal",
            ),
        },
        Case {
            name: "beta-basic-request-with-always-interactive-mode-and-terminal-and-stdin-unavailable-with-message",
            version: V1BETA1,
            mode: "Always",
            terminal: true,
            stdin_unavailable: Some("some message"),
            output: token(V1BETA1),
            code: 0,
            want_input: None,
            want: Err(
                "exec plugin cannot support interactive mode: standard input is unavailable: some message",
            ),
        },
        Case {
            name: "beta-basic-request-with-always-interactive-mode-and-terminal",
            version: V1BETA1,
            mode: "Always",
            terminal: true,
            stdin_unavailable: None,
            output: token(V1BETA1),
            code: 0,
            want_input: input(V1BETA1, true),
            want: Ok(("foo-bar", false)),
        },
        Case {
            name: "beta-no-group-version",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: false,
            stdin_unavailable: None,
            output: json!({"kind": "ExecCredential", "status": {"token": "foo-bar"}}).to_string(),
            code: 0,
            want_input: None,
            want: Err(
                "exec plugin is configured to use API version client.authentication.k8s.io/v1beta1, plugin returned version client.authentication.k8s.io/__internal",
            ),
        },
        Case {
            name: "beta-no-status",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: false,
            stdin_unavailable: None,
            output: json!({"kind": "ExecCredential", "apiVersion": V1BETA1}).to_string(),
            code: 0,
            want_input: None,
            want: Err("exec plugin didn't return a status field"),
        },
        Case {
            name: "beta-no-token",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: false,
            stdin_unavailable: None,
            output: json!({"kind": "ExecCredential", "apiVersion": V1BETA1, "status": {}})
                .to_string(),
            code: 0,
            want_input: None,
            want: Err("exec plugin didn't return a token or cert/key pair"),
        },
        Case {
            name: "binary-fails",
            version: V1BETA1,
            mode: "IfAvailable",
            terminal: false,
            stdin_unavailable: None,
            output: String::new(),
            code: 73,
            want_input: None,
            want: Err("exec: executable bash failed with exit code 73"),
        },
        Case {
            name: "v1-basic-request",
            version: V1,
            mode: "IfAvailable",
            terminal: false,
            stdin_unavailable: None,
            output: token(V1),
            code: 0,
            want_input: input(V1, false),
            want: Ok(("foo-bar", false)),
        },
        Case {
            name: "v1-with-missing-interactive-mode",
            version: V1,
            mode: "",
            terminal: false,
            stdin_unavailable: None,
            output: token(V1),
            code: 0,
            want_input: None,
            want: Err("exec plugin cannot support interactive mode: unknown interactiveMode: \"\""),
        },
        Case {
            name: "v1-configured-but-plugin-answers-v1beta1",
            version: V1,
            mode: "Never",
            terminal: false,
            stdin_unavailable: None,
            output: token(V1BETA1),
            code: 0,
            want_input: None,
            want: Err(
                "exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/v1beta1",
            ),
        },
        Case {
            name: "output-is-not-json",
            version: V1,
            mode: "Never",
            terminal: false,
            stdin_unavailable: None,
            output: "bad output".into(),
            code: 0,
            want_input: None,
            want: Err(
                "decoding stdout: couldn't get version/kind; json parse error: invalid character 'b' looking for beginning of value",
            ),
        },
        Case {
            name: "output-is-an-array",
            version: V1,
            mode: "Never",
            terminal: false,
            stdin_unavailable: None,
            output: "[]".into(),
            code: 0,
            want_input: None,
            want: Err(
                "decoding stdout: couldn't get version/kind; json parse error: json: cannot unmarshal array into Go value of type struct { APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }",
            ),
        },
        Case {
            name: "output-is-another-kind",
            version: V1,
            mode: "Never",
            terminal: false,
            stdin_unavailable: None,
            output: json!({"kind": "Pod", "apiVersion": "v1"}).to_string(),
            code: 0,
            want_input: None,
            want: Err(
                "decoding stdout: no kind \"Pod\" is registered for version \"v1\" in scheme \"pkg/client/auth/exec/exec.go:64\"",
            ),
        },
    ];
    for case in cases {
        let plugin = Plugin::generic();
        let mut config = plugin.with_output(case.version, case.mode, &case.output, case.code);
        if let Some(message) = case.stdin_unavailable {
            config.stdin_unavailable = true;
            config.stdin_unavailable_message = message.into();
        }
        let got = run(&config, case.terminal).await;
        match (&got, &case.want) {
            (Ok(creds), Ok((token, has_cert))) => {
                assert_eq!(creds.token, *token, "{}", case.name);
                assert_eq!(creds.cert.is_some(), *has_cert, "{}", case.name);
            }
            (Err(e), Err(want)) => assert_eq!(e, want, "{}", case.name),
            _ => panic!("{}: got {got:?}, want {:?}", case.name, case.want),
        }
        if let Some(want) = &case.want_input {
            assert_eq!(plugin.info(), compact(&want.to_string()), "{}", case.name);
        }
    }
}

/// Mirrors the cluster-info cases of TestRefreshCreds: `spec.cluster` only with
/// provideClusterInfo, fields in upstream's order, `config` from the cluster's extension.
#[tokio::test]
async fn test_refresh_creds_cluster_info() {
    let plugin = Plugin::generic();
    let cluster = ExecCluster {
        server: "foo".into(),
        tls_server_name: "bar".into(),
        certificate_authority_data: b"baz".to_vec(),
        config: Some(
            json!({"spec": {"audience": "snorlax"}, "kind": "PluginConfig", "apiVersion": "group/v1"}),
        ),
        ..Default::default()
    };
    let mut config = plugin.with_output(V1BETA1, "IfAvailable", &token_output(V1BETA1, "t"), 0);
    config.provide_cluster_info = true;
    run_with(&config, Some(cluster.clone()), false).await.expect("creds");
    assert_eq!(
        plugin.info(),
        "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"spec\":{\"cluster\":{\"server\":\"foo\",\"tls-server-name\":\"bar\",\"certificate-authority-data\":\"YmF6\",\"config\":{\"apiVersion\":\"group/v1\",\"kind\":\"PluginConfig\",\"spec\":{\"audience\":\"snorlax\"}}},\"interactive\":false}}\n"
    );
    // Without provideClusterInfo the cluster stays out.
    config.provide_cluster_info = false;
    run_with(&config, Some(cluster), false).await.expect("creds");
    assert_eq!(
        plugin.info(),
        "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"spec\":{\"interactive\":false}}\n"
    );
    // From a resolved configuration: every cluster field, `config` null without an extension,
    // and HTML-unsafe characters escaped as Go's encoder does.
    let resolved = ResolvedConfig {
        server: "https://k8s.example:6443/a&b".into(),
        tls_server_name: Some("k8s.internal".into()),
        insecure: true,
        ca_data: Some(b"ca".to_vec()),
        proxy_url: Some("socks5://p:1080".into()),
        disable_compression: true,
        exec: Some(config.clone()),
        ..Default::default()
    };
    config.provide_cluster_info = true;
    run_with(&config, Some(ExecCluster::from_resolved(&resolved)), false).await.expect("creds");
    assert_eq!(
        plugin.info(),
        "{\"kind\":\"ExecCredential\",\"apiVersion\":\"client.authentication.k8s.io/v1beta1\",\"spec\":{\"cluster\":{\"server\":\"https://k8s.example:6443/a\\u0026b\",\"tls-server-name\":\"k8s.internal\",\"insecure-skip-tls-verify\":true,\"certificate-authority-data\":\"Y2E=\",\"proxy-url\":\"socks5://p:1080\",\"disable-compression\":true,\"config\":null},\"interactive\":false}}\n"
    );
}

/// The plugin gets the configured arguments and environment on top of the process's.
#[tokio::test]
async fn plugin_gets_args_and_env() {
    let plugin = Plugin::new(
        r#"printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{"token":"%s|%s|%s|%s"}}' "$1" "$2" "$FOO" "${PATH:+has-path}""#,
    );
    let mut config = plugin.config(V1, "Never");
    config.args.extend(["first arg".to_string(), "--second".to_string()]);
    config.env = vec![ExecEnvVar { name: "FOO".into(), value: "bar baz".into() }];
    let creds = run(&config, false).await.expect("creds");
    assert_eq!(creds.token, "first arg|--second|bar baz|has-path");
}

/// Mirrors the unknown-binary case: a command missing from PATH names itself, the help and the
/// install hint; the long help is rate limited as upstream's `sometimes` does.
#[tokio::test]
async fn missing_command_reports_install_hint() {
    let config = ExecConfig {
        api_version: V1.into(),
        command: "k8s-rs-no-such-plugin".into(),
        install_hint: "some install hint".into(),
        interactive_mode: "Never".into(),
        ..Default::default()
    };
    let a = Arc::new(Authenticator::new(&config, None).expect("authenticator"));
    let err = a.credentials().await.expect_err("missing");
    assert_eq!(
        err,
        "exec: executable k8s-rs-no-such-plugin not found\n\nIt looks like you are trying to use a client-go credential plugin that is not installed.\n\nTo learn more about this feature, consult the documentation available at:\n      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins\n\nsome install hint"
    );
    for _ in 0..9 {
        assert!(a.credentials().await.expect_err("missing").contains("some install hint"));
    }
    assert_eq!(
        a.credentials().await.expect_err("missing"),
        "exec: executable k8s-rs-no-such-plugin not found"
    );

    // A missing path is a start failure, as Go's exec reports it.
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("nope");
    let config = ExecConfig { command: path.to_string_lossy().into_owned(), ..config };
    let err = run(&config, false).await.expect_err("missing");
    assert_eq!(err, format!("exec: fork/exec {}: no such file or directory", path.display()));
    // So is a file that cannot be executed.
    let plain = dir.path().join("not-executable");
    std::fs::write(&plain, "#!/bin/sh\n").expect("write");
    let config = ExecConfig { command: plain.to_string_lossy().into_owned(), ..config };
    let err = run(&config, false).await.expect_err("not executable");
    assert_eq!(err, format!("exec: fork/exec {}: permission denied", plain.display()));
}

/// An apiVersion other than v1 and v1beta1 is refused when the client is built.
#[test]
fn invalid_api_version() {
    let config = ExecConfig {
        api_version: "client.authentication.k8s.io/v1alpha1".into(),
        command: "x".into(),
        interactive_mode: "IfAvailable".into(),
        ..Default::default()
    };
    assert_eq!(
        Authenticator::new(&config, None).map(|_| ()),
        Err("exec plugin: invalid apiVersion \"client.authentication.k8s.io/v1alpha1\"".into())
    );
}

/// A plugin that counts its runs and answers with token `t<run>`, expiring at `expiry`.
fn counting(expiry: Option<&str>) -> Plugin {
    let status = match expiry {
        Some(e) => format!(r#""token":"t%s","expirationTimestamp":"{e}""#),
        None => r#""token":"t%s""#.to_string(),
    };
    Plugin::new(&format!(
        r#"runs="$(dirname "$0")/runs"
echo run >> "$runs"
printf '{{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1","status":{{{status}}}}}' "$(wc -l < "$runs" | tr -d ' ')""#
    ))
}

/// Mirrors TestRefreshCreds' expiry case and getCreds' caching: no expiry means the answer is
/// kept; an expiry is honoured against the clock.
#[tokio::test]
async fn credentials_are_cached_until_they_expire() {
    let plugin = counting(None);
    let a = Arc::new(Authenticator::new(&plugin.config(V1, "Never"), None).expect("a"));
    assert_eq!(a.credentials().await.expect("creds").token, "t1");
    assert_eq!(a.credentials().await.expect("creds").token, "t1");
    assert_eq!(plugin.runs(), 1);

    let plugin = counting(Some("2030-01-02T15:04:05Z"));
    let expiry = SystemTime::UNIX_EPOCH + Duration::from_secs(1_893_596_645);
    let offset = Arc::new(AtomicI64::new(-10));
    let clock = offset.clone();
    let now = move || {
        let o = clock.load(Ordering::SeqCst);
        if o < 0 {
            expiry - Duration::from_secs(o.unsigned_abs())
        } else {
            expiry + Duration::from_secs(o as u64)
        }
    };
    let a =
        Arc::new(Authenticator::new(&plugin.config(V1, "Never"), None).expect("a").with_clock(now));
    assert_eq!(a.credentials().await.expect("creds").token, "t1");
    assert_eq!(a.credentials().await.expect("creds").token, "t1");
    offset.store(0, Ordering::SeqCst);
    assert_eq!(a.credentials().await.expect("creds").token, "t1", "not after the expiry yet");
    offset.store(1, Ordering::SeqCst);
    assert_eq!(a.credentials().await.expect("creds").token, "t2");
    assert_eq!(plugin.runs(), 2);

    // An expiry in the past makes every request run the plugin.
    let plugin = counting(Some("2006-01-02T15:04:05Z"));
    let a = Arc::new(Authenticator::new(&plugin.config(V1, "Never"), None).expect("a"));
    for want in ["t1", "t2", "t3"] {
        assert_eq!(a.credentials().await.expect("creds").token, want);
    }
}

/// Mirrors maybeRefreshCreds: a 401 for the current credentials runs the plugin again, one for
/// credentials already replaced does not.
#[tokio::test]
async fn unauthorized_refreshes_once() {
    let plugin = counting(None);
    let a = Arc::new(Authenticator::new(&plugin.config(V1, "Never"), None).expect("a"));
    let first = a.credentials().await.expect("creds");
    a.refresh_after_unauthorized(&first).await.expect("refresh");
    assert_eq!(a.credentials().await.expect("creds").token, "t2");
    a.refresh_after_unauthorized(&first).await.expect("stale");
    assert_eq!(a.credentials().await.expect("creds").token, "t2");
    assert_eq!(plugin.runs(), 2);
}

/// Mirrors TestRoundTripper: the token goes out as a bearer token, a 401 makes the next request
/// use a fresh one, and a configured token or an explicit header wins over the plugin.
#[tokio::test]
async fn client_uses_plugin_token_and_refreshes_on_401() {
    let plugin = counting(None);
    let server =
        TestServer::start(|r| match r.headers.get("authorization").and_then(|v| v.to_str().ok()) {
            Some("Bearer t1") => reply(401, &[], "Unauthorized"),
            _ => json_reply(200, &json!({})),
        })
        .await;
    let resolved = ResolvedConfig {
        server: server.url.clone(),
        exec: Some(plugin.config(V1, "Never")),
        ..Default::default()
    };
    let client = Client::new(&resolved, Config { qps: 0.0, ..Config::default() }).expect("client");
    let err = client.send(Request::get("/api")).await.expect_err("401");
    assert!(err.is_unauthorized(), "{err}");
    client.send(Request::get("/api")).await.expect("fresh token");
    client.send(Request::get("/api")).await.expect("cached token");
    let auth: Vec<String> = server
        .seen()
        .iter()
        .map(|r| r.headers["authorization"].to_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(auth, ["Bearer t1", "Bearer t2", "Bearer t2"]);
    assert_eq!(plugin.runs(), 2);

    // A second client from the same settings shares the plugin's answer.
    let again = Client::new(&resolved, Config { qps: 0.0, ..Config::default() }).expect("client");
    again.send(Request::get("/api")).await.expect("shared");
    assert_eq!(plugin.runs(), 2);

    // Credentials in the configuration or on the request mean the plugin is not run.
    let explicit = ResolvedConfig { token: Some("static".into()), ..resolved.clone() };
    Client::new(&explicit, Config::default())
        .expect("client")
        .send(Request::get("/x"))
        .await
        .expect("ok");
    let mut req = Request::get("/y");
    req.headers.insert("authorization", http::HeaderValue::from_static("Bearer mine"));
    client.send(req).await.expect("ok");
    let seen = server.seen();
    assert_eq!(seen[4].headers["authorization"], "Bearer static");
    assert_eq!(seen[5].headers["authorization"], "Bearer mine");
    assert_eq!(plugin.runs(), 2);
}

/// A failing plugin fails the request with client-go's wording.
#[tokio::test]
async fn client_reports_plugin_failures() {
    let plugin = Plugin::new("echo oops >&2; exit 3");
    let server = TestServer::start(|_| json_reply(200, &json!({}))).await;
    let resolved = ResolvedConfig {
        server: server.url.clone(),
        exec: Some(plugin.config(V1, "Never")),
        ..Default::default()
    };
    let client = Client::try_default(&resolved).expect("client");
    let err = client.send(Request::get("/api")).await.expect_err("fails");
    assert_eq!(
        err.to_string(),
        format!(
            "Get \"{}/api\": getting credentials: exec: executable bash failed with exit code 3",
            server.url
        )
    );
    assert!(server.seen().is_empty());
    let bad = ResolvedConfig {
        exec: Some(ExecConfig { api_version: "v1".into(), ..plugin.config(V1, "Never") }),
        ..resolved
    };
    assert_eq!(
        Client::try_default(&bad).expect_err("bad version").to_string(),
        "exec plugin: invalid apiVersion \"v1\""
    );
}

/// A plugin that hands out client certificates, a different one each run, with an expiry in
/// the past so every request runs it.
fn cert_plugin(pairs: &[crate::rest::transport::testutil::Pair]) -> Plugin {
    let plugin = Plugin::new(&format!(
        r#"runs="$(dirname "$0")/runs"
echo run >> "$runs"
n=$(wc -l < "$runs" | tr -d ' ')
cat "$(dirname "$0")/out$(( (n - 1) % {} + 1 ))""#,
        pairs.len()
    ));
    for (i, p) in pairs.iter().enumerate() {
        let out = json!({"kind": "ExecCredential", "apiVersion": V1, "status": {
            "clientCertificateData": p.cert_pem, "clientKeyData": p.key_pem,
            "expirationTimestamp": "2006-01-02T15:04:05Z"}});
        std::fs::write(plugin.path(&format!("out{}", i + 1)), out.to_string()).expect("write");
    }
    plugin
}

/// Mirrors TestTLSCredentials: the plugin's certificate is presented in the handshake, and a
/// new certificate closes the connections made with the old one (upstream's connection
/// rotation), so the next request presents the new one.
#[tokio::test]
async fn client_presents_plugin_certificate_and_rotates_connections() {
    let pki = Pki::new();
    let server = TlsServer::start(pki.server_config(&pki.server(&["127.0.0.1"]), true)).await;
    let (alice, bob) = (pki.client("alice"), pki.client("bob"));
    let plugin = cert_plugin(&[alice.clone(), bob.clone()]);
    let resolved = ResolvedConfig {
        server: format!("https://{}", server.addr),
        ca_data: Some(pki.ca_pem.clone().into_bytes()),
        exec: Some(plugin.config(V1, "Never")),
        ..Default::default()
    };
    let client = Client::new(&resolved, Config { qps: 0.0, ..Config::default() }).expect("client");
    client.send(Request::get("/one")).await.expect("first");
    client.send(Request::get("/two")).await.expect("second");
    let seen = server.seen();
    let last = |path: &str| seen.iter().rev().find(|s| s.path == path).cloned().expect("seen");
    let (one, two) = (last("/one"), last("/two"));
    assert_eq!(one.client_cert, Some(alice.der()));
    assert_eq!(one.authorization, None, "a certificate-only plugin sends no token");
    assert_eq!(two.client_cert, Some(bob.der()));
    assert_ne!(one.connection, two.connection, "the rotated certificate needs a new connection");
}

/// The tracker shuts registered sockets down and forgets them.
#[tokio::test]
async fn conn_tracker_closes_connections() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let tracker = ConnTracker::default();
    let client = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let (mut accepted, _) = listener.accept().await.expect("accept");
    let tracked = tracker.track(&client).expect("tracked");
    assert_eq!(tracker.len(), 1);
    tracker.close_all();
    assert_eq!(tracker.len(), 0);
    let mut buf = [0u8; 1];
    let n = tokio::io::AsyncReadExt::read(&mut accepted, &mut buf).await.expect("read");
    assert_eq!(n, 0, "the peer sees the connection closed");
    drop(tracked);
    let second = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let tracked = tracker.track(&second).expect("tracked");
    assert_eq!(tracker.len(), 1);
    drop(tracked);
    assert_eq!(tracker.len(), 0, "a dropped connection unregisters itself");
}

/// Output decoding edge cases, with upstream's messages.
#[test]
fn decode_output_messages() {
    let check = |out: &str, want: Result<&str, &str>| {
        let got = decode_output(out.as_bytes(), V1).map(|s| s.token.unwrap_or_default());
        assert_eq!(got.as_deref().map_err(String::as_str), want, "{out}");
    };
    check(r#"{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":"t"}}"#, Ok("t"));
    check(
        r#"{"apiVersion":"client.authentication.k8s.io/v1","kind":"ExecCredential","status":{"token":"t","extra":1},"spec":{}}"#,
        Ok("t"),
    );
    check(
        "",
        Err(
            "decoding stdout: couldn't get version/kind; json parse error: unexpected end of JSON input",
        ),
    );
    check(
        "oops",
        Err(
            "decoding stdout: couldn't get version/kind; json parse error: invalid character 'o' looking for beginning of value",
        ),
    );
    check(
        r#"{"apiVersion":5}"#,
        Err(
            "decoding stdout: couldn't get version/kind; json parse error: json: cannot unmarshal number into Go struct field .apiVersion of type string",
        ),
    );
    check(
        r#"{"kind":"Other"}"#,
        Err(
            "decoding stdout: no kind \"Other\" is registered for the internal version of group \"client.authentication.k8s.io\" in scheme \"pkg/client/auth/exec/exec.go:64\"",
        ),
    );
    check(
        r#"{"apiVersion":"client.authentication.k8s.io/v1","status":{"token":5}}"#,
        Err("decoding stdout: invalid type: integer `5`, expected a string"),
    );
    check(
        "null",
        Err(
            "exec plugin is configured to use API version client.authentication.k8s.io/v1, plugin returned version client.authentication.k8s.io/__internal",
        ),
    );
}

#[test]
fn go_clean_paths() {
    for (input, want) in [
        ("", "."),
        ("./plugin", "plugin"),
        ("/a/b/../c", "/a/c"),
        ("a//b/", "a/b"),
        ("../x", "../x"),
        ("/../x", "/x"),
    ] {
        assert_eq!(go_clean(input), want, "{input}");
    }
}
