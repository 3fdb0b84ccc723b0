//! Turning a loaded kubeconfig plus kubectl's flags into the settings a REST client needs,
//! following client-go's `DirectClientConfig`.

use super::loader::FileSystem;
use super::proxy::ProxyUrl;
use super::types::{AuthInfo, Cluster, Config, Context, ExecConfig};
use super::{ConfigError, EMPTY_CONFIG_MESSAGE};

/// kubectl's connection flags; an empty string or `false` means "not given".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigOverrides {
    /// `--context`.
    pub context: String,
    /// `--cluster`.
    pub cluster: String,
    /// `--user`.
    pub user: String,
    /// `--namespace`.
    pub namespace: String,
    /// `--server`.
    pub server: String,
    /// `--token`.
    pub token: String,
    /// `--certificate-authority`.
    pub certificate_authority: String,
    /// `--insecure-skip-tls-verify`.
    pub insecure_skip_tls_verify: bool,
}

/// The settings a REST client consumes: everything file-backed has been read.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ResolvedConfig {
    /// The API server URL.
    pub server: String,
    /// The namespace to default to.
    pub namespace: String,
    /// PEM CA bundle, if any.
    pub ca_data: Option<Vec<u8>>,
    /// PEM client certificate, if any.
    pub client_cert_data: Option<Vec<u8>>,
    /// PEM client key, if any.
    pub client_key_data: Option<Vec<u8>>,
    /// Bearer token, if any (from `token` or the contents of `tokenFile`).
    pub token: Option<String>,
    /// The token file, kept so a client can re-read a rotated token.
    pub token_file: Option<String>,
    /// Basic-auth user and password, if any.
    pub basic_auth: Option<(String, String)>,
    /// Skip server certificate verification.
    pub insecure: bool,
    /// Name to verify the server certificate against.
    pub tls_server_name: Option<String>,
    /// Proxy URL.
    pub proxy_url: Option<String>,
    /// Exec credential plugin.
    pub exec: Option<ExecConfig>,
    /// User to impersonate.
    pub impersonate: Option<String>,
    /// Ask the server not to compress responses.
    pub disable_compression: bool,
}

fn non_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

/// The context, user and cluster names chosen, with whether a flag demanded each.
struct Selection<'a> {
    context_name: &'a str,
    context: Context,
    context_missing: bool,
}

fn select<'a>(config: &'a Config, o: &'a ConfigOverrides) -> Selection<'a> {
    let context_name =
        if o.context.is_empty() { config.current_context.as_str() } else { o.context.as_str() };
    let found = config.contexts.get(context_name);
    let mut context = found.cloned().unwrap_or_default();
    if !o.cluster.is_empty() {
        context.cluster = o.cluster.clone();
    }
    if !o.user.is_empty() {
        context.auth_info = o.user.clone();
    }
    if !o.namespace.is_empty() {
        context.namespace = o.namespace.clone();
    }
    Selection {
        context_name,
        context,
        context_missing: !context_name.is_empty() && found.is_none(),
    }
}

fn merged_cluster(config: &Config, name: &str, o: &ConfigOverrides) -> Cluster {
    let mut c = config.clusters.get(name).cloned().unwrap_or_default();
    if !o.server.is_empty() {
        c.server = o.server.clone();
        // A different server makes the file's TLS name meaningless.
        c.tls_server_name.clear();
    }
    if o.insecure_skip_tls_verify || !o.certificate_authority.is_empty() {
        c.insecure_skip_tls_verify = o.insecure_skip_tls_verify;
        c.certificate_authority = o.certificate_authority.clone();
        c.certificate_authority_data.clear();
    }
    c
}

fn merged_auth(config: &Config, name: &str, o: &ConfigOverrides) -> AuthInfo {
    let mut a = config.auth_infos.get(name).cloned().unwrap_or_default();
    if !o.token.is_empty() {
        a.token = o.token.clone();
    }
    a
}

fn validate_cluster(name: &str, c: &Cluster, fs: &dyn FileSystem, errs: &mut Vec<String>) {
    let mut bare = c.clone();
    bare.location_of_origin.clear();
    if bare == Cluster::default() {
        errs.push("cluster has no server defined".to_string());
        return;
    }
    if c.server.is_empty() {
        if name.is_empty() {
            errs.push("default cluster has no server defined".to_string());
        } else {
            errs.push(format!("no server found for cluster {name:?}"));
        }
    }
    if !c.proxy_url.is_empty()
        && let Err(e) = ProxyUrl::parse_kubeconfig(&c.proxy_url)
    {
        errs.push(format!(
            "invalid 'proxy-url' {} for cluster {}: {e}",
            apimachinery::gofmt::quote(&c.proxy_url),
            apimachinery::gofmt::quote(name)
        ));
    }
    if !c.certificate_authority_data.is_empty() && !c.certificate_authority.is_empty() {
        errs.push(format!("certificate-authority-data and certificate-authority are both specified for {name}. certificate-authority-data will override."));
    }
    if !c.certificate_authority.is_empty()
        && let Err(e) = read_file(fs, &c.certificate_authority)
    {
        errs.push(format!(
            "unable to read certificate-authority {} for {name} due to {e}",
            c.certificate_authority
        ));
    }
}

fn validate_auth(name: &str, a: &AuthInfo, fs: &dyn FileSystem, errs: &mut Vec<String>) {
    let mut methods: Vec<&str> = Vec::new();
    if !a.token.is_empty() {
        methods.push("token");
    }
    if !a.username.is_empty() || !a.password.is_empty() {
        methods.push("basicAuth");
    }
    let has_cert = !a.client_certificate.is_empty() || !a.client_certificate_data.is_empty();
    let has_key = !a.client_key.is_empty() || !a.client_key_data.is_empty();
    if has_cert || has_key {
        if !a.client_certificate.is_empty() && !a.client_certificate_data.is_empty() {
            errs.push(format!("client-cert-data and client-cert are both specified for {name}. client-cert-data will override."));
        }
        if !a.client_key.is_empty() && !a.client_key_data.is_empty() {
            errs.push(format!("client-key-data and client-key are both specified for {name}; client-key-data will override"));
        }
        if !has_key && has_cert {
            errs.push(format!("client-key-data or client-key must be specified for {name} to use the clientCert authentication method."));
        }
        if !a.client_certificate.is_empty()
            && let Err(e) = read_file(fs, &a.client_certificate)
        {
            errs.push(format!(
                "unable to read client-cert {} for {name} due to {e}",
                a.client_certificate
            ));
        }
        if !a.client_key.is_empty()
            && let Err(e) = read_file(fs, &a.client_key)
        {
            errs.push(format!("unable to read client-key {} for {name} due to {e}", a.client_key));
        }
    }
    if let Some(exec) = &a.exec {
        if a.auth_provider.is_some() {
            errs.push(format!(
                "authProvider cannot be provided in combination with an exec plugin for {name}"
            ));
        }
        if exec.command.is_empty() {
            errs.push(format!(
                "command must be specified for {name} to use exec authentication plugin"
            ));
        }
        if exec.api_version.is_empty() {
            errs.push(format!(
                "apiVersion must be specified for {name} to use exec authentication plugin"
            ));
        }
        if exec.env.iter().any(|v| v.name.is_empty()) {
            errs.push(format!(
                "env variable name must be specified for {name} to use exec authentication plugin"
            ));
        }
        match exec.interactive_mode.as_str() {
            "" => errs.push(format!(
                "interactiveMode must be specified for {name} to use exec authentication plugin"
            )),
            "Never" | "IfAvailable" | "Always" => {}
            other => errs.push(format!(
                "invalid interactiveMode for {name}: {}",
                apimachinery::gofmt::quote(other)
            )),
        }
    }
    if methods.len() > 1 {
        errs.push(format!(
            "more than one authentication method found for {name}; found [{}], only one is allowed",
            methods.join(" ")
        ));
    }
    if a.impersonate.is_empty()
        && (!a.impersonate_uid.is_empty()
            || !a.impersonate_groups.is_empty()
            || !a.impersonate_user_extra.is_empty())
    {
        errs.push(format!(
            "requesting uid, groups or user-extra for {name} without impersonating a user"
        ));
    }
}

fn read_file(fs: &dyn FileSystem, path: &str) -> Result<Vec<u8>, String> {
    match fs.read(path) {
        Ok(Some(b)) => Ok(b),
        Ok(None) => Err(format!("open {path}: no such file or directory")),
        Err(e) => Err(e),
    }
}

fn invalid(errs: Vec<String>) -> Result<(), ConfigError> {
    if errs.is_empty() { Ok(()) } else { Err(ConfigError::Invalid(errs)) }
}

/// Checks that the chosen context, user and cluster are usable (client-go's
/// `DirectClientConfig.ConfirmUsable`), collecting every problem rather than stopping at the first.
pub fn confirm_usable(
    config: &Config,
    o: &ConfigOverrides,
    fs: &dyn FileSystem,
) -> Result<(), ConfigError> {
    let sel = select(config, o);
    let mut errs = Vec::new();
    if sel.context_missing {
        errs.push(format!("context was not found for specified context: {}", sel.context_name));
    }
    let auth = merged_auth(config, &sel.context.auth_info, o);
    validate_auth(&sel.context.auth_info, &auth, fs, &mut errs);
    let cluster = merged_cluster(config, &sel.context.cluster, o);
    validate_cluster(&sel.context.cluster, &cluster, fs, &mut errs);
    if errs == ["cluster has no server defined"] {
        return invalid(vec![EMPTY_CONFIG_MESSAGE.to_string()]);
    }
    invalid(errs)
}

/// Resolves `config` with `o` into the settings a REST client needs, reading referenced files.
pub fn resolve(
    config: &Config,
    o: &ConfigOverrides,
    fs: &dyn FileSystem,
) -> Result<ResolvedConfig, ConfigError> {
    confirm_usable(config, o, fs)?;
    let sel = select(config, o);
    // A user or cluster named by a flag must exist, as client-go's getters insist.
    if !o.user.is_empty() && !config.auth_infos.contains_key(&o.user) {
        return Err(ConfigError::Read(format!("auth info {:?} does not exist", o.user)));
    }
    if !o.cluster.is_empty() && !config.clusters.contains_key(&o.cluster) {
        return Err(ConfigError::Read(format!("cluster {:?} does not exist", o.cluster)));
    }
    let cluster = merged_cluster(config, &sel.context.cluster, o);
    let auth = merged_auth(config, &sel.context.auth_info, o);

    let ca_data = if !cluster.certificate_authority_data.is_empty() {
        Some(cluster.certificate_authority_data.clone())
    } else if !cluster.certificate_authority.is_empty() {
        Some(read_file(fs, &cluster.certificate_authority).map_err(ConfigError::Read)?)
    } else {
        None
    };
    let client_cert_data = if !auth.client_certificate_data.is_empty() {
        Some(auth.client_certificate_data.clone())
    } else if !auth.client_certificate.is_empty() {
        Some(read_file(fs, &auth.client_certificate).map_err(ConfigError::Read)?)
    } else {
        None
    };
    let client_key_data = if !auth.client_key_data.is_empty() {
        Some(auth.client_key_data.clone())
    } else if !auth.client_key.is_empty() {
        Some(read_file(fs, &auth.client_key).map_err(ConfigError::Read)?)
    } else {
        None
    };
    let token = if !auth.token.is_empty() {
        Some(auth.token.clone())
    } else if !auth.token_file.is_empty() {
        let raw = read_file(fs, &auth.token_file).map_err(ConfigError::Read)?;
        Some(String::from_utf8_lossy(&raw).trim().to_string())
    } else {
        None
    };
    let basic_auth = (!auth.username.is_empty() || !auth.password.is_empty())
        .then(|| (auth.username.clone(), auth.password.clone()));
    Ok(ResolvedConfig {
        server: cluster.server.clone(),
        namespace: namespace(config, o),
        ca_data,
        client_cert_data,
        client_key_data,
        token_file: non_empty(&auth.token_file).filter(|_| auth.token.is_empty()),
        token,
        basic_auth,
        insecure: cluster.insecure_skip_tls_verify,
        tls_server_name: non_empty(&cluster.tls_server_name),
        proxy_url: non_empty(&cluster.proxy_url),
        exec: auth.exec.as_ref().map(|e| exec_provider(e, &cluster)),
        impersonate: non_empty(&auth.impersonate),
        disable_compression: cluster.disable_compression,
    })
}

/// The extension name a cluster's exec plugin settings are stored under.
const CLUSTER_EXTENSION_KEY: &str = "client.authentication.k8s.io/exec";

/// The exec plugin settings a client uses (clientcmd's `getUserIdentificationPartialConfig`):
/// the install hint cleaned of terminal escapes and the cluster's plugin extension attached.
fn exec_provider(exec: &ExecConfig, cluster: &Cluster) -> ExecConfig {
    let mut exec = exec.clone();
    exec.install_hint = clean_ansi_escape_codes(&exec.install_hint);
    exec.config = cluster_extension(cluster, CLUSTER_EXTENSION_KEY);
    exec
}

/// The value of a named entry in a cluster's `extensions` list.
fn cluster_extension(cluster: &Cluster, name: &str) -> Option<serde_json::Value> {
    cluster.extensions.as_ref()?.as_array()?.iter().find_map(|e| {
        (e.get("name")?.as_str()? == name).then(|| e.get("extension").cloned()).flatten()
    })
}

/// Replaces every character outside the printable categories and the whitespace controls
/// (tab through carriage return) with its `U+XXXX` form, so an install hint cannot drive the
/// terminal (clientcmd's `cleanANSIEscapeCodes`).
pub(crate) fn clean_ansi_escape_codes(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if is_unprintable(c) {
            out.push_str(&format!("U+{:04X}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// Control (Cc other than tab..CR), format (Cf), surrogate and private-use (Co) characters.
fn is_unprintable(c: char) -> bool {
    let u = u32::from(c);
    if ('\t'..='\r').contains(&c) {
        return false;
    }
    c.is_control()
        || matches!(
            u,
            0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x890..=0x891 | 0x8E2 | 0x180E
                | 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F
                | 0xFEFF | 0xFFF9..=0xFFFB | 0x110BD | 0x110CD | 0x13430..=0x1343F
                | 0x1BCA0..=0x1BCA3 | 0x1D173..=0x1D17A | 0xE0001 | 0xE0020..=0xE007F
                | 0xE000..=0xF8FF | 0xF0000..=0xFFFFD | 0x100000..=0x10FFFD
        )
}

/// The namespace kubectl uses: the flag, else the context's, else `default`.
pub fn namespace(config: &Config, o: &ConfigOverrides) -> String {
    let sel = select(config, o);
    if sel.context.namespace.is_empty() { "default".to_string() } else { sel.context.namespace }
}
