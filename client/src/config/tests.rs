//! Tests mirroring clientcmd's loader_test.go, client_config_test.go, validation_test.go and
//! rest's in-cluster cases.

use super::*;

const ALFA: &str = "
apiVersion: v1
kind: Config
current-context: federal-context
clusters:
- name: cow-cluster
  cluster:
    server: http://cow.org:8080
users:
- name: red-user
  user:
    token: red-token
contexts:
- name: federal-context
  context:
    cluster: cow-cluster
    user: red-user
    namespace: hammer-ns
";

const BRAVO: &str = "
current-context: queen-anne-context
clusters:
- name: pig-cluster
  cluster:
    server: http://pig.org:8080
users:
- name: black-user
  user:
    token: black-token
contexts:
- name: queen-anne-context
  context:
    cluster: pig-cluster
    user: black-user
    namespace: saw-ns
";

const CONFLICT_ALFA: &str = "
current-context: queen-anne-context
clusters:
- name: cow-cluster
  cluster:
    server: http://a-different-cow.org:8080
    insecure-skip-tls-verify: true
- name: donkey-cluster
  cluster:
    server: http://donkey.org:8080
users:
- name: red-user
  user:
    token: a-different-red-token
- name: yellow-user
  user:
    token: yellow-token
";

fn load(files: &[(&str, &str)], precedence: &[&str], explicit: &str) -> Result<Config, String> {
    let mut fs = MemoryFs::default();
    for (p, c) in files {
        fs = fs.with(p, *c);
    }
    LoadingRules {
        precedence: precedence.iter().map(|s| s.to_string()).collect(),
        explicit_path: explicit.to_string(),
    }
    .load(&fs)
    .map_err(|e| e.to_string())
}

#[test]
fn test_decode() {
    let check = |input: &str, expect: Result<(&str, &str, &str), &str>| {
        let got = decode(input.as_bytes()).map(|c| {
            let server = c.clusters.values().next().map(|c| c.server.clone());
            let token = c.auth_infos.values().next().map(|a| a.token.clone());
            (c.current_context, server.unwrap_or_default(), token.unwrap_or_default())
        });
        match (got, expect) {
            (Ok((cc, s, t)), Ok((ecc, es, et))) => {
                assert_eq!((cc.as_str(), s.as_str(), t.as_str()), (ecc, es, et), "{input}")
            }
            (Err(e), Err(sub)) => assert!(e.contains(sub), "{input}: {e}"),
            (got, want) => panic!("{input}: got {got:?}, want {want:?}"),
        }
    };
    check("", Ok(("", "", "")));
    check(ALFA, Ok(("federal-context", "http://cow.org:8080", "red-token")));
    check(
        r#"{"apiVersion":"v1","kind":"Config","current-context":"c","clusters":[{"name":"a","cluster":{"server":"https://x"}}],"users":[{"name":"u","user":{"token":"t"}}]}"#,
        Ok(("c", "https://x", "t")),
    );
    check("clusters: null\nusers: null\ncontexts: null\n", Ok(("", "", "")));
    check(
        "clusters:\n- name: a\n  cluster:\n    certificate-authority-data: '!!'\n",
        Err("illegal base64 data"),
    );
    check("clusters: [", Err(""));
    check(
        "clusters:\n- name: a\n  cluster: {server: x}\n- name: a\n  cluster: {server: y}\n",
        Err(
            "error converting *[]NamedCluster into *map[string]*api.Cluster: duplicate name \"a\" in list",
        ),
    );
    check(
        "users:\n- name: u\n- name: u\n",
        Err(
            "error converting *[]NamedAuthInfo into *map[string]*api.AuthInfo: duplicate name \"u\" in list",
        ),
    );
    check(
        "contexts:\n- name: c\n- name: c\n",
        Err(
            "error converting *[]NamedContext into *map[string]*api.Context: duplicate name \"c\" in list",
        ),
    );
}

#[test]
fn test_decode_all_fields() {
    let y = "
preferences: {colors: true}
extensions:
- name: e
  extension: {a: 1}
clusters:
- name: c
  cluster:
    server: https://s
    certificate-authority: ca.crt
    certificate-authority-data: aGVsbG8=
    insecure-skip-tls-verify: true
    tls-server-name: tls.example
    proxy-url: http://proxy:3128
    disable-compression: true
    extensions:
    - name: x
      extension: {b: 2}
users:
- name: u
  user:
    client-certificate: c.crt
    client-certificate-data: Y2VydA==
    client-key: c.key
    client-key-data: a2V5
    tokenFile: tok
    username: admin
    password: secret
    as: bob
    as-groups: [g1]
    auth-provider:
      name: oidc
      config: {idp-issuer-url: https://idp}
    exec:
      apiVersion: client.authentication.k8s.io/v1
      command: aws
      args: [eks, get-token]
      env:
      - name: AWS_PROFILE
        value: prod
      installHint: install aws
      provideClusterInfo: true
      interactiveMode: Never
";
    let c = decode(y.as_bytes()).expect("decodes");
    let cl = &c.clusters["c"];
    assert_eq!(cl.certificate_authority_data, b"hello");
    assert!(cl.insecure_skip_tls_verify && cl.disable_compression);
    assert_eq!(cl.tls_server_name, "tls.example");
    assert_eq!(cl.proxy_url, "http://proxy:3128");
    assert_eq!(cl.extensions.as_ref().map(|e| e[0]["name"].clone()), Some("x".into()));
    assert_eq!(c.preferences, Some(serde_json::json!({"colors": true})));
    assert_eq!(c.extensions, Some(serde_json::json!([{"name": "e", "extension": {"a": 1}}])));
    let u = &c.auth_infos["u"];
    assert_eq!(u.client_certificate_data, b"cert");
    assert_eq!(u.client_key_data, b"key");
    assert_eq!(
        (u.token_file.as_str(), u.username.as_str(), u.password.as_str()),
        ("tok", "admin", "secret")
    );
    assert_eq!(
        (u.impersonate.as_str(), u.impersonate_groups.clone()),
        ("bob", vec!["g1".to_string()])
    );
    assert_eq!(
        u.auth_provider.as_ref().map(|a| a.config["idp-issuer-url"].clone()),
        Some("https://idp".into())
    );
    let e = u.exec.as_ref().expect("exec");
    assert_eq!(e.api_version, "client.authentication.k8s.io/v1");
    assert_eq!((e.command.as_str(), e.args.len()), ("aws", 2));
    assert_eq!(e.env, vec![ExecEnvVar { name: "AWS_PROFILE".into(), value: "prod".into() }]);
    assert_eq!(e.install_hint, "install aws");
    assert!(e.provide_cluster_info);
    assert_eq!(e.interactive_mode, "Never");
}

#[test]
fn test_split_kubeconfig_env() {
    let check =
        |input: &str, expect: &[&str]| assert_eq!(split_kubeconfig_env(input), expect, "{input}");
    check("/a", &["/a"]);
    check("/a:/b", &["/a", "/b"]);
    check("/a:/b:/a", &["/a", "/b"]);
    check("/a::/b", &["/a", "", "/b"]);
}

#[test]
fn test_default_loading_rules() {
    let r = LoadingRules::from_env(None, Some("/home/u"));
    assert_eq!(r.precedence, vec!["/home/u/.kube/config".to_string()]);
    let r = LoadingRules::from_env(Some(""), Some("/home/u"));
    assert_eq!(r.precedence, vec!["/home/u/.kube/config".to_string()]);
    let r = LoadingRules::from_env(Some("/x:/y:/x"), Some("/home/u"));
    assert_eq!(r.precedence, vec!["/x".to_string(), "/y".to_string()]);
}

/// Mirrors the merge cases of loader_test.go: the first file to name an entry or set the
/// current context wins.
#[test]
fn test_conflicting_current_context() {
    let files = [("/a", ALFA), ("/b", BRAVO), ("/c", CONFLICT_ALFA)];
    let check = |order: &[&str], cc: &str, cow: &str, red: &str| {
        let c = load(&files, order, "").expect("loads");
        assert_eq!(c.current_context, cc, "{order:?}");
        assert_eq!(c.clusters["cow-cluster"].server, cow, "{order:?}");
        assert_eq!(c.auth_infos["red-user"].token, red, "{order:?}");
    };
    check(&["/a", "/c"], "federal-context", "http://cow.org:8080", "red-token");
    check(
        &["/c", "/a"],
        "queen-anne-context",
        "http://a-different-cow.org:8080",
        "a-different-red-token",
    );
    check(&["/b", "/a"], "queen-anne-context", "http://cow.org:8080", "red-token");
}

#[test]
fn test_merged_entry_wins_whole() {
    // Non-conflicting fields of a later entry with the same name are dropped, not merged.
    let c = load(&[("/a", ALFA), ("/c", CONFLICT_ALFA)], &["/a", "/c"], "").expect("loads");
    assert!(!c.clusters["cow-cluster"].insecure_skip_tls_verify);
    assert_eq!(c.clusters.len(), 2);
    assert_eq!(c.auth_infos.len(), 2);
    assert_eq!(c.clusters["cow-cluster"].location_of_origin, "/a");
    assert_eq!(c.clusters["donkey-cluster"].location_of_origin, "/c");
}

#[test]
fn test_load_errors() {
    let files = [("/a", ALFA), ("/bad", "clusters: [")];
    let check = |order: &[&str], explicit: &str, expect: Result<usize, &str>| match (
        load(&files, order, explicit),
        expect,
    ) {
        (Ok(c), Ok(n)) => assert_eq!(c.clusters.len(), n, "{order:?} {explicit}"),
        (Err(e), Err(want)) => assert!(e.starts_with(want), "{e}"),
        (got, want) => panic!("{order:?} {explicit}: got {got:?} want {want:?}"),
    };
    // TestToleratingMissingFiles
    check(&["/missing", "/a", ""], "", Ok(1));
    check(&[], "", Ok(0));
    // TestErrorReadingFile
    check(&["/a", "/bad"], "", Err("error loading config file \"/bad\": "));
    // TestNonExistentCommandLineFile
    check(&["/a"], "/missing", Err("stat /missing: no such file or directory"));
    // The explicit file replaces the precedence list.
    check(&["/missing"], "/a", Ok(1));
}

/// Mirrors TestResolveRelativePaths.
#[test]
fn test_resolve_relative_paths() {
    let y = "
clusters:
- name: rel
  cluster: {server: https://s, certificate-authority: ca/ca.crt}
- name: abs
  cluster: {server: https://s, certificate-authority: /etc/ca.crt}
- name: up
  cluster: {server: https://s, certificate-authority: ../up.crt}
users:
- name: u
  user:
    client-certificate: u.crt
    client-key: ./u.key
    tokenFile: tok
    exec: {apiVersion: v1, command: bin/plugin}
- name: p
  user:
    exec: {apiVersion: v1, command: plugin-on-path}
";
    let c = load(&[("/home/u/.kube/config", y)], &["/home/u/.kube/config"], "").expect("loads");
    let check = |got: &str, want: &str| assert_eq!(got, want);
    check(&c.clusters["rel"].certificate_authority, "/home/u/.kube/ca/ca.crt");
    check(&c.clusters["abs"].certificate_authority, "/etc/ca.crt");
    check(&c.clusters["up"].certificate_authority, "/home/u/up.crt");
    let u = &c.auth_infos["u"];
    check(&u.client_certificate, "/home/u/.kube/u.crt");
    check(&u.client_key, "/home/u/.kube/u.key");
    check(&u.token_file, "/home/u/.kube/tok");
    check(
        &u.exec.as_ref().map(|e| e.command.clone()).unwrap_or_default(),
        "/home/u/.kube/bin/plugin",
    );
    check(
        &c.auth_infos["p"].exec.as_ref().map(|e| e.command.clone()).unwrap_or_default(),
        "plugin-on-path",
    );
}

fn config_of(y: &str) -> Config {
    decode(y.as_bytes()).expect("fixture decodes")
}

fn resolve_with(
    cfg: &Config,
    o: &ConfigOverrides,
    fs: &MemoryFs,
) -> Result<ResolvedConfig, String> {
    resolve(cfg, o, fs).map_err(|e| e.to_string())
}

/// Mirrors client_config_test.go: overrides, missing pieces and the resolved settings.
#[test]
fn test_client_config() {
    let base = config_of(&format!("{ALFA}\n"));
    let fs = MemoryFs::default().with("/ca.crt", "CA-FROM-FILE").with("/tok", "file-token\n");
    let check = |cfg: &Config,
                 o: ConfigOverrides,
                 expect: Result<(&str, &str, Option<&str>), &str>| {
        match (resolve_with(cfg, &o, &fs), expect) {
            (Ok(r), Ok((server, ns, token))) => {
                assert_eq!(r.server, server, "{o:?}");
                assert_eq!(r.namespace, ns, "{o:?}");
                assert_eq!(r.token.as_deref(), token, "{o:?}");
            }
            (Err(e), Err(want)) => assert_eq!(e, want, "{o:?}"),
            (got, want) => panic!("{o:?}: got {got:?} want {want:?}"),
        }
    };
    // TestCreateClean
    check(
        &base,
        ConfigOverrides::default(),
        Ok(("http://cow.org:8080", "hammer-ns", Some("red-token"))),
    );
    // TestNamespaceOverride
    check(
        &base,
        ConfigOverrides { namespace: "foo".into(), ..Default::default() },
        Ok(("http://cow.org:8080", "foo", Some("red-token"))),
    );
    // Server and token flags.
    check(
        &base,
        ConfigOverrides {
            server: "https://other:6443".into(),
            token: "flag-token".into(),
            ..Default::default()
        },
        Ok(("https://other:6443", "hammer-ns", Some("flag-token"))),
    );
    // TestCreateMissingContext
    check(
        &base,
        ConfigOverrides { context: "not-present".into(), ..Default::default() },
        Err(
            "invalid configuration: [context was not found for specified context: not-present, cluster has no server defined]",
        ),
    );
    // TestCreateMissingContextNoDefault and an entirely empty config.
    check(
        &Config::default(),
        ConfigOverrides::default(),
        Err(
            "invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable",
        ),
    );
    // A server flag alone is a usable configuration.
    check(
        &Config::default(),
        ConfigOverrides { server: "https://x".into(), ..Default::default() },
        Ok(("https://x", "default", None)),
    );
    // Cluster and user flags that name nothing.
    check(
        &base,
        ConfigOverrides {
            cluster: "nope".into(),
            server: "https://x".into(),
            ..Default::default()
        },
        Err("cluster \"nope\" does not exist"),
    );
    check(
        &base,
        ConfigOverrides { user: "nope".into(), ..Default::default() },
        Err("auth info \"nope\" does not exist"),
    );
    // A context without a namespace falls back to "default".
    let no_ns = config_of(
        "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n- name: k\n  cluster: {server: https://k}\nusers:\n- name: u\n  user: {tokenFile: /tok}\n",
    );
    check(&no_ns, ConfigOverrides::default(), Ok(("https://k", "default", Some("file-token"))));
    // A context naming a cluster without a server.
    let no_server = config_of(
        "current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\nclusters:\n- name: k\n  cluster: {insecure-skip-tls-verify: true}\n",
    );
    check(
        &no_server,
        ConfigOverrides::default(),
        Err("invalid configuration: no server found for cluster \"k\""),
    );
    // The current context points at a cluster that is not there.
    let dangling =
        config_of("current-context: c\ncontexts:\n- name: c\n  context: {cluster: k, user: u}\n");
    check(
        &dangling,
        ConfigOverrides::default(),
        Err(
            "invalid configuration: no configuration has been provided, try setting KUBERNETES_MASTER environment variable",
        ),
    );
}

/// Mirrors TestInsecureOverridesCA, TestCAOverridesCAData and TestCertificateData.
#[test]
fn test_tls_settings() {
    let cfg = config_of(
        "current-context: c
contexts:
- name: c
  context: {cluster: k, user: u}
clusters:
- name: k
  cluster: {server: https://k, certificate-authority-data: Y2EtZGF0YQ==, tls-server-name: k.internal, proxy-url: 'socks5://p:1080'}
users:
- name: u
  user: {client-certificate-data: Y2VydA==, client-key-data: a2V5}
",
    );
    let fs = MemoryFs::default().with("/ca.crt", "CA-FROM-FILE");
    let r = resolve(&cfg, &ConfigOverrides::default(), &fs).expect("resolves");
    assert_eq!(r.ca_data.as_deref(), Some(&b"ca-data"[..]));
    assert_eq!(r.client_cert_data.as_deref(), Some(&b"cert"[..]));
    assert_eq!(r.client_key_data.as_deref(), Some(&b"key"[..]));
    assert_eq!(r.tls_server_name.as_deref(), Some("k.internal"));
    assert_eq!(r.proxy_url.as_deref(), Some("socks5://p:1080"));
    assert!(!r.insecure);

    let insecure = ConfigOverrides { insecure_skip_tls_verify: true, ..Default::default() };
    let r = resolve(&cfg, &insecure, &fs).expect("resolves");
    assert!(r.insecure);
    assert_eq!(r.ca_data, None);

    let ca = ConfigOverrides { certificate_authority: "/ca.crt".into(), ..Default::default() };
    let r = resolve(&cfg, &ca, &fs).expect("resolves");
    assert_eq!(r.ca_data.as_deref(), Some(&b"CA-FROM-FILE"[..]));

    let server = ConfigOverrides { server: "https://other".into(), ..Default::default() };
    let r = resolve(&cfg, &server, &fs).expect("resolves");
    assert_eq!(r.tls_server_name, None);

    let missing = ConfigOverrides { certificate_authority: "/nope".into(), ..Default::default() };
    assert_eq!(
        resolve(&cfg, &missing, &fs).map_err(|e| e.to_string()),
        Err("invalid configuration: unable to read certificate-authority /nope for k due to open /nope: no such file or directory".to_string())
    );
}

/// Mirrors validation_test.go's auth and cluster cases.
#[test]
fn test_validate_auth_info() {
    let check = |user: &str, expect: &[&str]| {
        let cfg = config_of(&format!(
            "current-context: c\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\nclusters:\n- name: k\n  cluster: {{server: https://k}}\nusers:\n- name: u\n  user: {user}\n"
        ));
        let fs = MemoryFs::default().with("/c.crt", "C").with("/c.key", "K");
        let got = confirm_usable(&cfg, &ConfigOverrides::default(), &fs);
        if expect.is_empty() {
            assert_eq!(got, Ok(()), "{user}");
        } else {
            assert_eq!(
                got,
                Err(ConfigError::Invalid(expect.iter().map(|s| s.to_string()).collect())),
                "{user}"
            );
        }
    };
    check("{token: t}", &[]);
    check("{username: a, password: b}", &[]);
    check("{client-certificate: /c.crt, client-key: /c.key}", &[]);
    check(
        "{token: t, username: a}",
        &[
            "more than one authentication method found for u; found [token basicAuth], only one is allowed",
        ],
    );
    check(
        "{client-certificate: /c.crt}",
        &[
            "client-key-data or client-key must be specified for u to use the clientCert authentication method.",
        ],
    );
    check(
        "{client-certificate: /c.crt, client-certificate-data: Qw==, client-key: /c.key}",
        &[
            "client-cert-data and client-cert are both specified for u. client-cert-data will override.",
        ],
    );
    check(
        "{client-certificate: /c.crt, client-key: /c.key, client-key-data: Sw==}",
        &["client-key-data and client-key are both specified for u; client-key-data will override"],
    );
    check(
        "{client-certificate: /nope.crt, client-key: /c.key}",
        &[
            "unable to read client-cert /nope.crt for u due to open /nope.crt: no such file or directory",
        ],
    );
    check(
        "{client-certificate: /c.crt, client-key: /nope.key}",
        &[
            "unable to read client-key /nope.key for u due to open /nope.key: no such file or directory",
        ],
    );
    check("{exec: {apiVersion: v1, command: x, interactiveMode: Never}}", &[]);
    // v1 plugins must choose a mode; the older versions default to IfAvailable on load.
    check(
        "{exec: {apiVersion: client.authentication.k8s.io/v1, command: x}}",
        &["interactiveMode must be specified for u to use exec authentication plugin"],
    );
    check("{exec: {apiVersion: client.authentication.k8s.io/v1beta1, command: x}}", &[]);
    check(
        "{exec: {apiVersion: v1, interactiveMode: Always}}",
        &["command must be specified for u to use exec authentication plugin"],
    );
    check(
        "{exec: {command: x, interactiveMode: Never}}",
        &["apiVersion must be specified for u to use exec authentication plugin"],
    );
    check(
        "{exec: {apiVersion: v1, command: x, interactiveMode: IfAvailable, env: [{name: '', value: v}]}}",
        &["env variable name must be specified for u to use exec authentication plugin"],
    );
    check(
        "{exec: {apiVersion: v1, command: x, interactiveMode: Sometimes}}",
        &["invalid interactiveMode for u: \"Sometimes\""],
    );
    check(
        "{exec: {apiVersion: v1, command: x, interactiveMode: Never}, auth-provider: {name: gcp}}",
        &["authProvider cannot be provided in combination with an exec plugin for u"],
    );
    check(
        "{exec: {apiVersion: v1}}",
        &[
            "command must be specified for u to use exec authentication plugin",
            "interactiveMode must be specified for u to use exec authentication plugin",
        ],
    );
    check(
        "{as-groups: [g]}",
        &["requesting uid, groups or user-extra for u without impersonating a user"],
    );
    check("{as: bob, as-groups: [g]}", &[]);
}

#[test]
fn test_validate_cluster_info() {
    let check = |cluster: &str, expect: &[&str]| {
        let cfg = config_of(&format!(
            "current-context: c\ncontexts:\n- name: c\n  context: {{cluster: k, user: u}}\nclusters:\n- name: k\n  cluster: {cluster}\n"
        ));
        let fs = MemoryFs::default().with("/ca.crt", "CA");
        let got = confirm_usable(&cfg, &ConfigOverrides::default(), &fs);
        let want = if expect.is_empty() {
            Ok(())
        } else {
            Err(ConfigError::Invalid(expect.iter().map(|s| s.to_string()).collect()))
        };
        assert_eq!(got, want, "{cluster}");
    };
    check("{server: https://k}", &[]);
    check("{server: https://k, certificate-authority: /ca.crt}", &[]);
    check(
        "{server: https://k, certificate-authority: /ca.crt, certificate-authority-data: Q0E=}",
        &[
            "certificate-authority-data and certificate-authority are both specified for k. certificate-authority-data will override.",
        ],
    );
    check(
        "{server: https://k, certificate-authority: /missing}",
        &[
            "unable to read certificate-authority /missing for k due to open /missing: no such file or directory",
        ],
    );
    check("{server: https://k, proxy-url: 'socks5://p:1080'}", &[]);
    check(
        "{server: https://k, proxy-url: 'ftp://p'}",
        &[
            "invalid 'proxy-url' \"ftp://p\" for cluster \"k\": unsupported scheme \"ftp\", must be http, https, or socks5",
        ],
    );
    check(
        "{server: https://k, proxy-url: 'http://p:port'}",
        &[
            "invalid 'proxy-url' \"http://p:port\" for cluster \"k\": could not parse: http://p:port",
        ],
    );
    check("{tls-server-name: x}", &["no server found for cluster \"k\""]);
    check("{}", &[EMPTY_CONFIG_MESSAGE]);
}

#[test]
fn test_invalid_error_formatting() {
    let check = |errs: &[&str], want: &str| {
        assert_eq!(
            ConfigError::Invalid(errs.iter().map(|s| s.to_string()).collect()).to_string(),
            want
        )
    };
    check(&["a"], "invalid configuration: a");
    check(&["a", "b"], "invalid configuration: [a, b]");
}

/// Mirrors rest's InClusterConfig behaviour.
#[test]
fn test_in_cluster_config() {
    let fs = MemoryFs::default()
        .with(SERVICE_ACCOUNT_TOKEN_PATH, "sa-token")
        .with(SERVICE_ACCOUNT_CA_PATH, "sa-ca");
    let check =
        |host: Option<&str>, port: Option<&str>, fs: &MemoryFs, expect: Result<&str, &str>| {
            let env = |name: &str| match name {
                "KUBERNETES_SERVICE_HOST" => host.map(str::to_string),
                "KUBERNETES_SERVICE_PORT" => port.map(str::to_string),
                _ => None,
            };
            match (in_cluster_config(&env, fs), expect) {
                (Ok(r), Ok(server)) => {
                    assert_eq!(r.server, server);
                    assert_eq!(r.token.as_deref(), Some("sa-token"));
                    assert_eq!(r.token_file.as_deref(), Some(SERVICE_ACCOUNT_TOKEN_PATH));
                }
                (Err(e), Err(want)) => assert_eq!(e.to_string(), want),
                (got, want) => panic!("{host:?} {port:?}: got {got:?} want {want:?}"),
            }
        };
    check(Some("10.0.0.1"), Some("443"), &fs, Ok("https://10.0.0.1:443"));
    check(Some("fd00::1"), Some("6443"), &fs, Ok("https://[fd00::1]:6443"));
    let not_in = "unable to load in-cluster configuration, KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be defined";
    check(None, Some("443"), &fs, Err(not_in));
    check(Some("10.0.0.1"), None, &fs, Err(not_in));
    check(Some(""), Some(""), &fs, Err(not_in));
    check(
        Some("10.0.0.1"),
        Some("443"),
        &MemoryFs::default(),
        Err("open /var/run/secrets/kubernetes.io/serviceaccount/token: no such file or directory"),
    );
    let env = |name: &str| (name.starts_with("KUBERNETES_SERVICE_")).then(|| "1".to_string());
    let r = in_cluster_config(&env, &fs).expect("in cluster");
    assert_eq!(r.ca_data.as_deref(), Some(&b"sa-ca"[..]));
    let no_ca = MemoryFs::default().with(SERVICE_ACCOUNT_TOKEN_PATH, "sa-token");
    assert_eq!(in_cluster_config(&env, &no_ca).map(|r| r.ca_data), Ok(None));
}

/// Mirrors client_config_test.go's exec cases: the cluster's exec extension reaches the plugin
/// settings, the install hint loses terminal escapes, and v1beta1 defaults to IfAvailable.
#[test]
fn test_exec_provider_resolution() {
    let cfg = config_of(
        "current-context: c
contexts:
- name: c
  context: {cluster: k, user: u}
clusters:
- name: k
  cluster:
    server: https://k
    extensions:
    - name: client.authentication.k8s.io/exec
      extension: {audience: snorlax}
    - name: other
      extension: {x: 1}
users:
- name: u
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: /bin/plugin
      installHint: \"\\e[31mred\\e[0m\\ttab\\nline\\u200bzw\"
",
    );
    let r = resolve(&cfg, &ConfigOverrides::default(), &MemoryFs::default()).expect("resolves");
    let exec = r.exec.expect("exec");
    assert_eq!(exec.interactive_mode, "IfAvailable");
    assert_eq!(exec.config, Some(serde_json::json!({"audience": "snorlax"})));
    assert_eq!(exec.install_hint, "U+001B[31mredU+001B[0m\ttab\nlineU+200Bzw");
    // Without the extension the plugin gets no config.
    let mut bare = cfg.clone();
    bare.clusters.get_mut("k").expect("k").extensions = None;
    let r = resolve(&bare, &ConfigOverrides::default(), &MemoryFs::default()).expect("resolves");
    assert_eq!(r.exec.and_then(|e| e.config), None);
}
