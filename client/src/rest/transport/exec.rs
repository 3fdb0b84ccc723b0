//! Exec credential plugins (client-go's `plugin/pkg/client/auth/exec`): the kubeconfig names a
//! program that prints an `ExecCredential` (client.authentication.k8s.io v1 or v1beta1) with a
//! bearer token or a client certificate. The program learns about the request through
//! `KUBERNETES_EXEC_INFO`; its answer is cached until its `expirationTimestamp`, and it runs
//! again once when the server answers 401 to the credentials it gave.
//!
//! One [`Authenticator`] serves every client built from the same plugin settings, as
//! client-go's cache of authenticators does, so a process runs the plugin once however many
//! clients it makes.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, SystemTime};

use apimachinery::gofmt::quote;
use base64::Engine;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::Time;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::sign::CertifiedKey;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use crate::config::{ExecConfig, ResolvedConfig};

/// The variable carrying the `ExecCredential` request to the plugin.
pub(crate) const EXEC_INFO_ENV: &str = "KUBERNETES_EXEC_INFO";

const GROUP: &str = "client.authentication.k8s.io";

/// The plugin API versions a kubeconfig may name.
const API_VERSIONS: &[&str] =
    &["client.authentication.k8s.io/v1beta1", "client.authentication.k8s.io/v1"];

/// Appended to a missing plugin's error (with the kubeconfig's install hint after it).
const INSTALL_HINT_VERBOSE_HELP: &str = "

It looks like you are trying to use a client-go credential plugin that is not installed.

To learn more about this feature, consult the documentation available at:
      https://kubernetes.io/docs/reference/access-authn-authz/authentication/#client-go-credential-plugins";

/// The scheme name upstream's decoding errors carry (where its scheme is declared).
const SCHEME_NAME: &str = "pkg/client/auth/exec/exec.go:64";

/// The cluster details a plugin is given when `provideClusterInfo` is set (the
/// clientauthentication `Cluster`, built as rest's `ConfigToExecCluster` does).
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct ExecCluster {
    pub server: String,
    pub tls_server_name: String,
    pub insecure_skip_tls_verify: bool,
    pub certificate_authority_data: Vec<u8>,
    pub proxy_url: String,
    pub disable_compression: bool,
    /// The cluster's `client.authentication.k8s.io/exec` extension.
    pub config: Option<Value>,
}

impl ExecCluster {
    pub(crate) fn from_resolved(r: &ResolvedConfig) -> ExecCluster {
        ExecCluster {
            server: r.server.clone(),
            tls_server_name: r.tls_server_name.clone().unwrap_or_default(),
            insecure_skip_tls_verify: r.insecure,
            certificate_authority_data: r.ca_data.clone().unwrap_or_default(),
            proxy_url: r.proxy_url.clone().unwrap_or_default(),
            disable_compression: r.disable_compression,
            config: r.exec.as_ref().and_then(|e| e.config.clone()),
        }
    }

    /// The wire form: struct order, empty optional fields left out, `config` always present
    /// (`null` without an extension) as Go writes a `RawExtension`.
    fn to_json(&self) -> Value {
        let mut m = Map::new();
        m.insert("server".into(), json!(self.server));
        if !self.tls_server_name.is_empty() {
            m.insert("tls-server-name".into(), json!(self.tls_server_name));
        }
        if self.insecure_skip_tls_verify {
            m.insert("insecure-skip-tls-verify".into(), json!(true));
        }
        if !self.certificate_authority_data.is_empty() {
            let b64 =
                base64::engine::general_purpose::STANDARD.encode(&self.certificate_authority_data);
            m.insert("certificate-authority-data".into(), json!(b64));
        }
        if !self.proxy_url.is_empty() {
            m.insert("proxy-url".into(), json!(self.proxy_url));
        }
        if self.disable_compression {
            m.insert("disable-compression".into(), json!(true));
        }
        // Upstream's raw extension comes from YAML through a map, so its keys are sorted.
        m.insert("config".into(), self.config.as_ref().map_or(Value::Null, sorted));
        Value::Object(m)
    }
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(m) => {
            let mut keys: Vec<&String> = m.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&m[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

/// One answer of the plugin.
#[derive(Debug)]
pub(crate) struct Credentials {
    /// The bearer token; empty when the plugin gave a certificate only.
    pub token: String,
    /// The client certificate and key, when the plugin gave them.
    pub cert: Option<Arc<CertifiedKey>>,
}

impl Credentials {
    fn same_cert(&self, other: &Credentials) -> bool {
        match (&self.cert, &other.cert) {
            (None, None) => true,
            (Some(a), Some(b)) => a.cert == b.cert,
            _ => false,
        }
    }
}

#[derive(Default)]
struct Cached {
    creds: Option<Arc<Credentials>>,
    /// When the credentials expire; `None` means never.
    expiry: Option<SystemTime>,
}

/// Allows something at most `threshold` times per `interval` (upstream's `sometimes`, which
/// keeps the long install help from flooding logs of programs that retry).
struct Sometimes {
    threshold: u32,
    interval: Duration,
    count: u32,
    window: Option<std::time::Instant>,
}

impl Sometimes {
    fn allow(&mut self) -> bool {
        let now = std::time::Instant::now();
        let window = *self.window.get_or_insert(now);
        if now.duration_since(window) >= self.interval {
            self.window = Some(now);
            self.count = 0;
        }
        if self.count < self.threshold {
            self.count += 1;
            return true;
        }
        false
    }
}

type Clock = Box<dyn Fn() -> SystemTime + Send + Sync>;
type TerminalCheck = Box<dyn Fn() -> bool + Send + Sync>;

/// Runs one plugin and caches what it returns.
pub(crate) struct Authenticator {
    cmd: String,
    args: Vec<String>,
    api_version: &'static str,
    env: Vec<(String, String)>,
    cluster: Option<ExecCluster>,
    provide_cluster_info: bool,
    interactive_mode: String,
    stdin_unavailable: bool,
    stdin_unavailable_message: String,
    install_hint: String,
    sometimes: Mutex<Sometimes>,
    is_terminal: TerminalCheck,
    now: Clock,
    /// Guards the cache and running the plugin, so an interactive plugin runs once at a time.
    cached: tokio::sync::Mutex<Cached>,
    /// The certificate the TLS handshake presents; read synchronously by the resolver.
    current_cert: Mutex<Option<Arc<CertifiedKey>>>,
    tracker: super::ConnTracker,
    provider: Arc<CryptoProvider>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator").field("cmd", &self.cmd).finish_non_exhaustive()
    }
}

/// The authenticator for `config` and `cluster`, shared process-wide by everything built from
/// the same settings.
pub(crate) fn authenticator(
    config: &ExecConfig,
    cluster: Option<ExecCluster>,
) -> Result<Arc<Authenticator>, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Authenticator>>>> = OnceLock::new();
    let key = format!("{config:?}\n{cluster:?}");
    let cache = CACHE.get_or_init(Mutex::default);
    if let Some(a) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
        return Ok(a.clone());
    }
    let a = Arc::new(Authenticator::new(config, cluster)?);
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    Ok(cache.entry(key).or_insert(a).clone())
}

impl Authenticator {
    pub(crate) fn new(config: &ExecConfig, cluster: Option<ExecCluster>) -> Result<Self, String> {
        let api_version =
            API_VERSIONS.iter().find(|v| **v == config.api_version).ok_or_else(|| {
                format!("exec plugin: invalid apiVersion {}", quote(&config.api_version))
            })?;
        Ok(Authenticator {
            cmd: go_clean(&config.command),
            args: config.args.clone(),
            api_version,
            env: config.env.iter().map(|e| (e.name.clone(), e.value.clone())).collect(),
            cluster,
            provide_cluster_info: config.provide_cluster_info,
            interactive_mode: config.interactive_mode.clone(),
            stdin_unavailable: config.stdin_unavailable,
            stdin_unavailable_message: config.stdin_unavailable_message.clone(),
            install_hint: config.install_hint.clone(),
            sometimes: Mutex::new(Sometimes {
                threshold: 10,
                interval: Duration::from_secs(3600),
                count: 0,
                window: None,
            }),
            is_terminal: Box::new(|| std::io::IsTerminal::is_terminal(&std::io::stdin())),
            now: Box::new(SystemTime::now),
            cached: tokio::sync::Mutex::default(),
            current_cert: Mutex::default(),
            tracker: super::ConnTracker::default(),
            provider: Arc::new(rustls::crypto::ring::default_provider()),
        })
    }

    #[cfg(test)]
    pub(crate) fn with_clock(
        mut self,
        now: impl Fn() -> SystemTime + Send + Sync + 'static,
    ) -> Self {
        self.now = Box::new(now);
        self
    }

    #[cfg(test)]
    pub(crate) fn with_terminal(mut self, is_terminal: bool) -> Self {
        self.is_terminal = Box::new(move || is_terminal);
        self
    }

    /// The connections dialed with this plugin's certificate, closed when it changes.
    pub(crate) fn tracker(&self) -> &super::ConnTracker {
        &self.tracker
    }

    /// The certificate to present in a TLS handshake, if the plugin gave one.
    pub(crate) fn client_cert(&self) -> Option<Arc<CertifiedKey>> {
        self.current_cert.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }

    /// The cached credentials, running the plugin when there are none or they expired. The
    /// plugin runs in its own task, so a caller that gives up (a request timeout) neither
    /// kills it nor loses its answer.
    pub(crate) async fn credentials(self: &Arc<Self>) -> Result<Arc<Credentials>, String> {
        let this = self.clone();
        let task = tokio::spawn(async move {
            let mut cached = this.cached.lock().await;
            if let Some(creds) = &cached.creds
                && !this.expired(&cached)
            {
                return Ok(creds.clone());
            }
            this.refresh_locked(&mut cached).await?;
            cached.creds.clone().ok_or_else(|| "exec plugin returned no credentials".to_string())
        });
        task.await.map_err(|e| format!("exec plugin task failed: {e}"))?
    }

    /// Runs the plugin again after the server refused `used`, unless another request already
    /// replaced them.
    pub(crate) async fn refresh_after_unauthorized(
        self: &Arc<Self>,
        used: &Arc<Credentials>,
    ) -> Result<(), String> {
        let this = self.clone();
        let used = used.clone();
        let task = tokio::spawn(async move {
            let mut cached = this.cached.lock().await;
            match &cached.creds {
                Some(current) if Arc::ptr_eq(current, &used) => {
                    this.refresh_locked(&mut cached).await
                }
                _ => Ok(()),
            }
        });
        task.await.map_err(|e| format!("exec plugin task failed: {e}"))?
    }

    fn expired(&self, cached: &Cached) -> bool {
        cached.expiry.is_some_and(|exp| (self.now)() > exp)
    }

    fn interactive(&self) -> Result<bool, String> {
        match self.interactive_mode.as_str() {
            "Never" => Ok(false),
            "IfAvailable" => Ok(!self.stdin_unavailable && (self.is_terminal)()),
            "Always" => {
                if !(self.is_terminal)() {
                    return Err("standard input is not a terminal".into());
                }
                if self.stdin_unavailable {
                    let suffix = if self.stdin_unavailable_message.is_empty() {
                        String::new()
                    } else {
                        format!(": {}", self.stdin_unavailable_message)
                    };
                    return Err(format!("standard input is unavailable{suffix}"));
                }
                Ok(true)
            }
            other => Err(format!("unknown interactiveMode: {}", quote(other))),
        }
    }

    /// The `ExecCredential` the plugin reads from `KUBERNETES_EXEC_INFO`, as upstream's
    /// encoder writes it (struct order, HTML-safe escaping, a trailing newline).
    pub(crate) fn exec_info(&self, interactive: bool) -> String {
        let mut spec = Map::new();
        if self.provide_cluster_info
            && let Some(cluster) = &self.cluster
        {
            spec.insert("cluster".into(), cluster.to_json());
        }
        spec.insert("interactive".into(), json!(interactive));
        let cred = json!({"kind": "ExecCredential", "apiVersion": self.api_version, "spec": spec});
        let mut out = apimachinery::gofmt::marshal_json_ordered(&cred);
        out.push('\n');
        out
    }

    async fn refresh_locked(&self, cached: &mut Cached) -> Result<(), String> {
        let interactive = self
            .interactive()
            .map_err(|e| format!("exec plugin cannot support interactive mode: {e}"))?;
        let program = self.program()?;
        let mut cmd = tokio::process::Command::new(&program);
        cmd.args(&self.args)
            .envs(self.env.iter().map(|(k, v)| (k, v)))
            .env(EXEC_INFO_ENV, self.exec_info(interactive))
            .stdin(if interactive { Stdio::inherit() } else { Stdio::null() })
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .kill_on_drop(true);
        let output = cmd.output().await.map_err(|e| self.spawn_error(&program, &e))?;
        if !output.status.success() {
            return Err(format!(
                "exec: executable {} failed with exit code {}",
                self.cmd,
                output.status.code().unwrap_or(-1)
            ));
        }
        let status = decode_output(&output.stdout, self.api_version)?;
        let token = status.token.unwrap_or_default();
        let cert_data = status.client_certificate_data.unwrap_or_default();
        let key_data = status.client_key_data.unwrap_or_default();
        if token.is_empty() && cert_data.is_empty() && key_data.is_empty() {
            return Err("exec plugin didn't return a token or cert/key pair".into());
        }
        if cert_data.is_empty() != key_data.is_empty() {
            return Err("exec plugin returned only certificate or key, not both".into());
        }
        let cert = if cert_data.is_empty() {
            None
        } else {
            Some(Arc::new(
                key_pair(cert_data.as_bytes(), key_data.as_bytes(), &self.provider)
                    .map_err(|e| format!("failed parsing client key/certificate: {e}"))?,
            ))
        };
        cached.expiry = status.expiration_timestamp.map(|t| system_time(&t));
        let creds = Arc::new(Credentials { token, cert });
        let old = cached.creds.replace(creds.clone());
        *self.current_cert.lock().unwrap_or_else(|e| e.into_inner()) = creds.cert.clone();
        // Only a new certificate needs new connections; a new token rides the old ones.
        if old.is_some_and(|old| !old.same_cert(&creds)) {
            self.tracker.close_all();
        }
        Ok(())
    }

    /// The program to start: a bare name is looked up in `PATH` as Go's `exec.Command` does.
    fn program(&self) -> Result<PathBuf, String> {
        if self.cmd.contains('/') {
            return Ok(PathBuf::from(&self.cmd));
        }
        look_path(&self.cmd).ok_or_else(|| self.not_found())
    }

    fn not_found(&self) -> String {
        let mut msg = format!("exec: executable {} not found", self.cmd);
        if self.sometimes.lock().unwrap_or_else(|e| e.into_inner()).allow() {
            msg.push_str(INSTALL_HINT_VERBOSE_HELP);
            if !self.install_hint.is_empty() {
                msg.push_str("\n\n");
                msg.push_str(&self.install_hint);
            }
        }
        msg
    }

    /// A program that was found but could not be started (a missing interpreter, no execute
    /// permission) is Go's `fork/exec` error, not "not found".
    fn spawn_error(&self, program: &Path, e: &std::io::Error) -> String {
        format!("exec: fork/exec {}: {}", program.display(), go_errno_text(e))
    }
}

/// A timestamp on the system clock's scale.
fn system_time(t: &Time) -> SystemTime {
    let ns = t.0.as_nanosecond();
    let abs = ns.unsigned_abs();
    let d = Duration::new(
        u64::try_from(abs / 1_000_000_000).unwrap_or(u64::MAX),
        u32::try_from(abs % 1_000_000_000).unwrap_or(0),
    );
    let t = if ns < 0 {
        SystemTime::UNIX_EPOCH.checked_sub(d)
    } else {
        SystemTime::UNIX_EPOCH.checked_add(d)
    };
    t.unwrap_or(SystemTime::UNIX_EPOCH)
}

/// Go's `exec.LookPath` on Unix: the first executable regular file named `file` in a `PATH`
/// directory; a match relative to the working directory is refused.
fn look_path(file: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    for dir in std::env::split_paths(&path) {
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        let candidate = dir.join(file);
        if is_executable(&candidate) {
            return candidate.is_absolute().then_some(candidate);
        }
    }
    None
}

fn is_executable(p: &Path) -> bool {
    let Ok(meta) = std::fs::metadata(p) else { return false };
    if meta.is_dir() {
        return false;
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o111 != 0
    }
    #[cfg(not(unix))]
    {
        true
    }
}

/// Go's `filepath.Clean` for `/`-separated paths.
fn go_clean(p: &str) -> String {
    if p.is_empty() {
        return ".".into();
    }
    let rooted = p.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for seg in p.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                if parts.last().is_some_and(|l| *l != "..") {
                    parts.pop();
                } else if !rooted {
                    parts.push("..");
                }
            }
            s => parts.push(s),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// An OS error as Go's `syscall.Errno` prints it.
fn go_errno_text(e: &std::io::Error) -> String {
    match e.raw_os_error() {
        Some(2) => "no such file or directory".into(),
        Some(8) => "exec format error".into(),
        Some(13) => "permission denied".into(),
        Some(20) => "not a directory".into(),
        Some(26) => "text file busy".into(),
        _ => {
            let text = e.to_string();
            let text = text.split(" (os error").next().unwrap_or(&text).to_string();
            let mut chars = text.chars();
            match chars.next() {
                Some(first) => first.to_lowercase().collect::<String>() + chars.as_str(),
                None => text,
            }
        }
    }
}

/// The `status` of an `ExecCredential`.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ExecCredentialStatus {
    #[serde(default)]
    pub expiration_timestamp: Option<Time>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub client_certificate_data: Option<String>,
    #[serde(default)]
    pub client_key_data: Option<String>,
}

#[derive(Debug, Deserialize)]
struct ExecCredentialWire {
    #[serde(default)]
    status: Option<ExecCredentialStatus>,
}

/// Decodes the plugin's output as upstream's decoder for `want` does: version and kind first
/// (a missing `apiVersion` reads as the internal version, which then mismatches), then the
/// object, then the version check and the required status.
pub(crate) fn decode_output(data: &[u8], want: &str) -> Result<ExecCredentialStatus, String> {
    let parse_err =
        |e: String| format!("decoding stdout: couldn't get version/kind; json parse error: {e}");
    let value: Value =
        serde_json::from_slice(data).map_err(|e| parse_err(go_json_syntax_error(&e, data)))?;
    let obj = match &value {
        Value::Object(m) => m.clone(),
        Value::Null => Map::new(),
        other => {
            return Err(parse_err(format!(
                "json: cannot unmarshal {} into Go value of type struct {{ APIVersion string \"json:\\\"apiVersion,omitempty\\\"\"; Kind string \"json:\\\"kind,omitempty\\\"\" }}",
                go_json_type(other)
            )));
        }
    };
    let field = |name: &str| -> Result<String, String> {
        match obj.get(name) {
            None | Some(Value::Null) => Ok(String::new()),
            Some(Value::String(s)) => Ok(s.clone()),
            Some(other) => Err(parse_err(format!(
                "json: cannot unmarshal {} into Go struct field .{name} of type string",
                go_json_type(other)
            ))),
        }
    };
    let api_version = field("apiVersion")?;
    let mut kind = field("kind")?;
    if kind.is_empty() {
        kind = "ExecCredential".into();
    }
    let (mut group, mut version) = match api_version.split('/').collect::<Vec<_>>().as_slice() {
        [v] => (String::new(), v.to_string()),
        [g, v] => (g.to_string(), v.to_string()),
        _ => (String::new(), String::new()),
    };
    if group.is_empty() && version.is_empty() {
        group = GROUP.into();
        version = "__internal".into();
    }
    let known = group == GROUP && ["v1", "v1beta1", "__internal"].contains(&version.as_str());
    if !known || kind != "ExecCredential" {
        let msg = if version == "__internal" {
            format!(
                "no kind {} is registered for the internal version of group {} in scheme {}",
                quote(&kind),
                quote(&group),
                quote(SCHEME_NAME)
            )
        } else {
            let gv = if group.is_empty() { version.clone() } else { format!("{group}/{version}") };
            format!(
                "no kind {} is registered for version {} in scheme {}",
                quote(&kind),
                quote(&gv),
                quote(SCHEME_NAME)
            )
        };
        return Err(format!("decoding stdout: {msg}"));
    }
    let wire: ExecCredentialWire =
        serde_json::from_value(Value::Object(obj)).map_err(|e| format!("decoding stdout: {e}"))?;
    let got = format!("{group}/{version}");
    if got != want {
        return Err(format!(
            "exec plugin is configured to use API version {want}, plugin returned version {got}"
        ));
    }
    wire.status.ok_or_else(|| "exec plugin didn't return a status field".to_string())
}

fn go_json_type(v: &Value) -> &'static str {
    match v {
        Value::Array(_) => "array",
        Value::String(_) => "string",
        Value::Number(_) => "number",
        Value::Bool(_) => "bool",
        Value::Object(_) => "object",
        Value::Null => "null",
    }
}

/// The common `encoding/json` syntax errors, worded as Go words them.
fn go_json_syntax_error(e: &serde_json::Error, data: &[u8]) -> String {
    if e.is_eof() {
        return "unexpected end of JSON input".into();
    }
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(&b) if !b"{[\"-0123456789tfn".contains(&b) => {
            format!("invalid character {} looking for beginning of value", go_quote_char(b as char))
        }
        _ => e.to_string(),
    }
}

fn go_quote_char(c: char) -> String {
    match c {
        '\'' => "'\\''".into(),
        '"' => "'\"'".into(),
        c if c.is_ascii_graphic() || c == ' ' => format!("'{c}'"),
        c => format!("{:?}", c),
    }
}

/// Parses a PEM certificate chain and key as Go's `tls.X509KeyPair` does, with its messages.
fn key_pair(
    cert_pem: &[u8],
    key_pem: &[u8],
    provider: &CryptoProvider,
) -> Result<CertifiedKey, String> {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cert_pem).filter_map(Result::ok).collect();
    if certs.is_empty() {
        return Err("tls: failed to find any PEM data in certificate input".into());
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|_| "tls: failed to find any PEM data in key input".to_string())?;
    CertifiedKey::from_der(certs, key, provider).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => {
            "tls: private key does not match public key".to_string()
        }
        rustls::Error::General(_) => "tls: failed to parse private key".to_string(),
        other => format!("x509: {other}"),
    })
}

/// Presents the plugin's current certificate in TLS handshakes (upstream's `GetClientCertificate`
/// callback); the credentials are fetched before each request, so the handshake reads the cache.
#[derive(Debug)]
pub(crate) struct ExecCertResolver(pub Arc<Authenticator>);

impl rustls::client::ResolvesClientCert for ExecCertResolver {
    fn resolve(
        &self,
        _root_hint_subjects: &[&[u8]],
        _sigschemes: &[rustls::SignatureScheme],
    ) -> Option<Arc<CertifiedKey>> {
        self.0.client_cert()
    }

    fn has_certs(&self) -> bool {
        true
    }
}

#[cfg(test)]
#[path = "exec_tests.rs"]
mod tests;
