//! The apiserver's client of kubelets (upstream's `pkg/kubelet/client`): where a node's kubelet
//! listens (its preferred address and `status.daemonEndpoints.kubeletEndpoint.Port`) and an
//! HTTPS client presenting `--kubelet-client-certificate`, verifying the kubelet against
//! `--kubelet-certificate-authority` (or not at all without one, as upstream).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Mutex;

use apimachinery::errors::StatusError;
use serde_json::Value;

/// The kubelet port when a node does not report one.
pub const DEFAULT_KUBELET_PORT: u16 = 10250;

/// Upstream's default `--kubelet-preferred-address-types`.
pub const DEFAULT_PREFERRED_ADDRESS_TYPES: &[&str] =
    &["Hostname", "InternalDNS", "InternalIP", "ExternalDNS", "ExternalIP"];

/// The `--kubelet-*` flags.
#[derive(Debug, Clone, Default)]
pub struct KubeletClientConfig {
    /// `--kubelet-client-certificate`.
    pub client_certificate: Option<PathBuf>,
    /// `--kubelet-client-key`.
    pub client_key: Option<PathBuf>,
    /// `--kubelet-certificate-authority`.
    pub certificate_authority: Option<PathBuf>,
    /// `--kubelet-preferred-address-types` (upstream's default when empty).
    pub preferred_address_types: Vec<String>,
}

/// Where to reach one kubelet.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConnectionInfo {
    /// `https`.
    pub scheme: &'static str,
    /// The node's preferred address.
    pub hostname: String,
    /// The kubelet's port.
    pub port: u16,
}

impl ConnectionInfo {
    /// `scheme://host:port`, with IPv6 hosts bracketed.
    pub fn base_url(&self) -> String {
        let host = if self.hostname.contains(':') {
            format!("[{}]", self.hostname)
        } else {
            self.hostname.clone()
        };
        format!("{}://{host}:{}", self.scheme, self.port)
    }
}

/// Kubelet clients, one per kubelet address and verification mode, built on first use.
#[derive(Default)]
pub struct KubeletClients {
    config: KubeletClientConfig,
    clients: Mutex<HashMap<(String, bool), client::rest::Client>>,
}

impl std::fmt::Debug for KubeletClients {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("KubeletClients").field("config", &self.config).finish_non_exhaustive()
    }
}

impl KubeletClients {
    /// Clients configured by the `--kubelet-*` flags.
    pub fn new(config: KubeletClientConfig) -> Self {
        KubeletClients { config, clients: Mutex::default() }
    }

    /// Where the kubelet of `node` listens (`GetConnectionInfo`).
    pub fn connection_info(&self, node: &Value) -> Result<ConnectionInfo, StatusError> {
        let types: Vec<&str> = if self.config.preferred_address_types.is_empty() {
            DEFAULT_PREFERRED_ADDRESS_TYPES.to_vec()
        } else {
            self.config.preferred_address_types.iter().map(String::as_str).collect()
        };
        let addresses = node
            .pointer("/status/addresses")
            .and_then(Value::as_array)
            .cloned()
            .unwrap_or_default();
        let hostname = types
            .iter()
            .find_map(|t| {
                addresses.iter().find(|a| a["type"] == *t).and_then(|a| a["address"].as_str())
            })
            .map(str::to_string);
        let hostname = match hostname {
            Some(h) => h,
            None => {
                // The Hostname type falls back to the node's hostname label.
                let label = node
                    .pointer("/metadata/labels/kubernetes.io~1hostname")
                    .and_then(Value::as_str)
                    .filter(|_| types.contains(&"Hostname"));
                match label {
                    Some(h) => h.to_string(),
                    None => {
                        let known: Vec<String> = addresses
                            .iter()
                            .map(|a| {
                                format!(
                                    "{{{} {}}}",
                                    a["type"].as_str().unwrap_or(""),
                                    a["address"].as_str().unwrap_or("")
                                )
                            })
                            .collect();
                        return Err(StatusError::new_internal_error(format!(
                            "no preferred addresses found; known addresses: [{}]",
                            known.join(" ")
                        )));
                    }
                }
            }
        };
        let port = node
            .pointer("/status/daemonEndpoints/kubeletEndpoint/Port")
            .and_then(Value::as_u64)
            .filter(|p| *p > 0 && *p <= u16::MAX as u64)
            .map(|p| p as u16)
            .unwrap_or(DEFAULT_KUBELET_PORT);
        Ok(ConnectionInfo { scheme: "https", hostname, port })
    }

    /// The client for a kubelet; `insecure` skips verifying its certificate even when a CA is
    /// configured (`insecureSkipTLSVerifyBackend`).
    pub fn client(
        &self,
        info: &ConnectionInfo,
        insecure: bool,
    ) -> Result<client::rest::Client, StatusError> {
        let key = (info.base_url(), insecure);
        let mut clients = self.clients.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(c) = clients.get(&key) {
            return Ok(c.clone());
        }
        let resolved = self.resolved(info, insecure)?;
        // Relayed requests are the apiserver's own: no client-side throttling or retries.
        let config = client::rest::Config { qps: 0.0, max_retries: 0, ..Default::default() };
        let c = client::rest::Client::new(&resolved, config)
            .map_err(|e| StatusError::new_internal_error(e.to_string()))?;
        clients.insert(key, c.clone());
        Ok(c)
    }

    /// The connection settings of `info`'s kubelet: the `--kubelet-*` certificates, and no
    /// verification without a CA or when `insecure`.
    fn resolved(
        &self,
        info: &ConnectionInfo,
        insecure: bool,
    ) -> Result<client::config::ResolvedConfig, StatusError> {
        let read = |p: &Option<PathBuf>| -> Result<Option<Vec<u8>>, StatusError> {
            p.as_ref()
                .map(|p| {
                    std::fs::read(p).map_err(|e| {
                        StatusError::new_internal_error(format!(
                            "failed to read {}: {e}",
                            p.display()
                        ))
                    })
                })
                .transpose()
        };
        let ca = read(&self.config.certificate_authority)?;
        Ok(client::config::ResolvedConfig {
            server: info.base_url(),
            insecure: insecure || ca.is_none(),
            ca_data: if insecure { None } else { ca },
            client_cert_data: read(&self.config.client_certificate)?,
            client_key_data: read(&self.config.client_key)?,
            ..Default::default()
        })
    }

    /// A TLS connection to `info`'s kubelet offering HTTP/1.1 only, for requests that upgrade
    /// it (exec, attach, port forwarding).
    pub async fn dial_upgradable(
        &self,
        info: &ConnectionInfo,
    ) -> Result<tokio_rustls::client::TlsStream<tokio::net::TcpStream>, StatusError> {
        let resolved = self.resolved(info, false)?;
        // Upstream's proxy hands the dial error on as it is: a plain error's 500.
        client::rest::dial_upgradable(&resolved, &info.hostname, info.port)
            .await
            .map_err(StatusError::from_plain_error)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn connection_info_prefers_address_types_in_order() {
        let clients = KubeletClients::default();
        let node = json!({"status": {
            "addresses": [{"type": "InternalIP", "address": "10.0.0.5"},
                          {"type": "Hostname", "address": "node-a"}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": 10555}}}});
        let info = clients.connection_info(&node).unwrap();
        assert_eq!(info.base_url(), "https://node-a:10555");

        let clients = KubeletClients::new(KubeletClientConfig {
            preferred_address_types: vec!["InternalIP".into()],
            ..Default::default()
        });
        assert_eq!(clients.connection_info(&node).unwrap().base_url(), "https://10.0.0.5:10555");

        let v6 = json!({"status": {"addresses": [{"type": "InternalIP", "address": "fd00::1"}]}});
        assert_eq!(clients.connection_info(&v6).unwrap().base_url(), "https://[fd00::1]:10250");

        let none = json!({"status": {"addresses": [{"type": "ExternalIP", "address": "1.2.3.4"}]}});
        assert_eq!(
            clients.connection_info(&none).unwrap_err().message(),
            "Internal error occurred: no preferred addresses found; known addresses: [{ExternalIP 1.2.3.4}]"
        );
    }
}
