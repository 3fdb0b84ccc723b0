//! The kubeconfig data model. The wire form (apiVersion v1) stores clusters, users and contexts as
//! named lists; in memory they are maps keyed by name, as clientcmd's internal types are.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

/// A whole kubeconfig: named clusters, users and contexts plus the current context.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Config {
    /// The context used when no override names one.
    pub current_context: String,
    /// Clusters by name.
    pub clusters: BTreeMap<String, Cluster>,
    /// Users (client-go's AuthInfo) by name.
    pub auth_infos: BTreeMap<String, AuthInfo>,
    /// Contexts by name.
    pub contexts: BTreeMap<String, Context>,
    /// The `preferences` stanza, kept verbatim.
    pub preferences: Option<serde_json::Value>,
    /// Top-level `extensions`, kept verbatim.
    pub extensions: Option<serde_json::Value>,
}

impl Config {
    /// Whether nothing at all is configured (client-go's `IsConfigEmpty`).
    pub fn is_empty(&self) -> bool {
        self.clusters.is_empty()
            && self.auth_infos.is_empty()
            && self.contexts.is_empty()
            && self.current_context.is_empty()
            && self.preferences.is_none()
            && self.extensions.is_none()
    }
}

/// How to reach one API server.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct Cluster {
    /// The server URL.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub server: String,
    /// The name checked against the server certificate instead of the URL's host.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub tls_server_name: String,
    /// Skip verifying the server certificate.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub insecure_skip_tls_verify: bool,
    /// Path of a PEM CA bundle; relative paths are resolved against the kubeconfig's folder.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub certificate_authority: String,
    /// Inline PEM CA bundle (base64 on the wire); wins over `certificate_authority`.
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub certificate_authority_data: Vec<u8>,
    /// Proxy URL for requests to this cluster.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub proxy_url: String,
    /// Ask the server not to compress responses.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub disable_compression: bool,
    /// Extensions, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<serde_json::Value>,
    /// The file this entry came from; not part of the wire form.
    #[serde(skip)]
    pub location_of_origin: String,
}

/// How to authenticate as one user.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub struct AuthInfo {
    /// Path of a PEM client certificate.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_certificate: String,
    /// Inline PEM client certificate (base64 on the wire).
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub client_certificate_data: Vec<u8>,
    /// Path of a PEM client key.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub client_key: String,
    /// Inline PEM client key (base64 on the wire).
    #[serde(default, with = "b64", skip_serializing_if = "Vec::is_empty")]
    pub client_key_data: Vec<u8>,
    /// Bearer token.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub token: String,
    /// File holding a bearer token; `token` wins when both are set.
    #[serde(default, rename = "tokenFile", skip_serializing_if = "String::is_empty")]
    pub token_file: String,
    /// User to impersonate.
    #[serde(default, rename = "as", skip_serializing_if = "String::is_empty")]
    pub impersonate: String,
    /// UID to impersonate.
    #[serde(default, rename = "as-uid", skip_serializing_if = "String::is_empty")]
    pub impersonate_uid: String,
    /// Groups to impersonate.
    #[serde(default, rename = "as-groups", skip_serializing_if = "Vec::is_empty")]
    pub impersonate_groups: Vec<String>,
    /// Extra fields to impersonate.
    #[serde(default, rename = "as-user-extra", skip_serializing_if = "BTreeMap::is_empty")]
    pub impersonate_user_extra: BTreeMap<String, Vec<String>>,
    /// Basic-auth user name.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub username: String,
    /// Basic-auth password.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub password: String,
    /// A legacy auth-provider plugin, kept for round-trips.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auth_provider: Option<AuthProviderConfig>,
    /// An exec credential plugin.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exec: Option<ExecConfig>,
    /// Extensions, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<serde_json::Value>,
    /// The file this entry came from; not part of the wire form.
    #[serde(skip)]
    pub location_of_origin: String,
}

/// A legacy auth-provider stanza.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct AuthProviderConfig {
    /// The provider's name.
    pub name: String,
    /// The provider's settings.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub config: BTreeMap<String, String>,
}

/// An exec credential plugin (client.authentication.k8s.io).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ExecConfig {
    /// The ExecCredential API version the plugin speaks.
    #[serde(default)]
    pub api_version: String,
    /// The program to run.
    #[serde(default)]
    pub command: String,
    /// Its arguments.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub args: Vec<String>,
    /// Extra environment variables.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub env: Vec<ExecEnvVar>,
    /// Shown when the program is missing.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub install_hint: String,
    /// Pass the cluster's details to the plugin.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub provide_cluster_info: bool,
    /// `Never`, `IfAvailable` or `Always`; defaulted to `IfAvailable` on load for the
    /// v1alpha1 and v1beta1 plugin versions, required for v1.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub interactive_mode: String,
    /// The cluster's `client.authentication.k8s.io/exec` extension, handed to the plugin with
    /// the cluster's details when `provide_cluster_info` is set; not part of the wire form.
    #[serde(skip)]
    pub config: Option<serde_json::Value>,
    /// Standard input is taken for something else (a manifest read from `-`), so the plugin
    /// cannot prompt on it; not part of the wire form.
    #[serde(skip)]
    pub stdin_unavailable: bool,
    /// Why standard input is unavailable, added to the `Always` mode's error.
    #[serde(skip)]
    pub stdin_unavailable_message: String,
}

impl ExecConfig {
    /// clientcmd's defaulting: plugins of the older versions get `IfAvailable` when no mode is
    /// given; v1 plugins must say what they want.
    pub(crate) fn set_defaults(&mut self) {
        if self.interactive_mode.is_empty()
            && matches!(
                self.api_version.as_str(),
                "client.authentication.k8s.io/v1beta1" | "client.authentication.k8s.io/v1alpha1"
            )
        {
            self.interactive_mode = "IfAvailable".to_string();
        }
    }
}

/// One environment variable for an exec plugin.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExecEnvVar {
    /// Variable name.
    pub name: String,
    /// Variable value.
    pub value: String,
}

/// Which cluster and user to use, and the default namespace.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Context {
    /// Cluster name.
    #[serde(default)]
    pub cluster: String,
    /// User (AuthInfo) name.
    #[serde(default, rename = "user")]
    pub auth_info: String,
    /// Default namespace.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub namespace: String,
    /// Extensions, kept verbatim.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub extensions: Option<serde_json::Value>,
    /// The file this entry came from; not part of the wire form.
    #[serde(skip)]
    pub location_of_origin: String,
}

/// The v1 wire form, with named lists.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ConfigV1 {
    #[serde(default, rename = "apiVersion")]
    pub _api_version: String,
    #[serde(default)]
    pub _kind: String,
    #[serde(default)]
    pub preferences: Option<serde_json::Value>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub clusters: Vec<Named<Cluster>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub users: Vec<Named<AuthInfo>>,
    #[serde(default, deserialize_with = "null_as_default")]
    pub contexts: Vec<Named<Context>>,
    #[serde(default, rename = "current-context")]
    pub current_context: String,
    #[serde(default)]
    pub extensions: Option<serde_json::Value>,
}

/// One entry of a named list; the payload's key differs per list, hence the aliases.
#[derive(Debug, Deserialize)]
pub(crate) struct Named<T> {
    pub name: String,
    #[serde(alias = "cluster", alias = "user", alias = "context", default)]
    pub value: Option<T>,
}

fn null_as_default<'de, D, T>(d: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: Default + Deserialize<'de>,
{
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

impl ConfigV1 {
    /// Converts to the in-memory form; a name repeated within one list is an error, as in
    /// client-go's conversion (whose message also dumps the Go list, which is left out here).
    pub(crate) fn into_config(self) -> Result<Config, String> {
        let mut c = Config {
            current_context: self.current_context,
            preferences: self.preferences.filter(|p| !p.is_null()),
            extensions: self.extensions,
            ..Config::default()
        };
        into_map(self.clusters, &mut c.clusters, "NamedCluster", "Cluster")?;
        into_map(self.users, &mut c.auth_infos, "NamedAuthInfo", "AuthInfo")?;
        into_map(self.contexts, &mut c.contexts, "NamedContext", "Context")?;
        for exec in c.auth_infos.values_mut().filter_map(|a| a.exec.as_mut()) {
            exec.set_defaults();
        }
        Ok(c)
    }
}

fn into_map<T: Default>(
    list: Vec<Named<T>>,
    out: &mut BTreeMap<String, T>,
    from: &str,
    to: &str,
) -> Result<(), String> {
    for n in list {
        if out.contains_key(&n.name) {
            return Err(format!(
                "error converting *[]{from} into *map[string]*api.{to}: duplicate name \"{}\" in list",
                n.name
            ));
        }
        out.insert(n.name, n.value.unwrap_or_default());
    }
    Ok(())
}

/// Base64 for the `*-data` fields, as Go encodes `[]byte`.
mod b64 {
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(v))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let s = Option::<String>::deserialize(d)?.unwrap_or_default();
        STANDARD
            .decode(s.trim())
            .map_err(|e| serde::de::Error::custom(format!("illegal base64 data: {e}")))
    }
}
