//! kube-apiserver: The Kubernetes API server: validates and stores API objects and serves the REST API.
//!
//! The binary `kube-apiserver` is a thin wrapper: it parses [`Options`] and calls [`run`].
//! [`start`] runs the server inside an existing tokio runtime, for tests and embedders.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use client::cli::{self, ComponentError};
use tokio::net::TcpListener;
use tokio::sync::watch;

pub mod api;
pub mod apiextensions;
pub mod authn;
pub mod bootstrap;
pub mod conversion;
pub mod endpoints;
pub mod fieldmanager;
pub mod kinds;
pub mod kubelet;
pub mod metrics;
pub mod openapi;
pub mod printers;
pub mod protobuf;
pub mod registry;
pub mod server;
pub mod service;
pub mod serviceaccount;
pub mod storage;
pub mod strategy;

/// Command-line options, spelled as upstream's kube-apiserver spells them.
#[derive(Debug, Clone, clap::Parser)]
#[command(
    name = "kube-apiserver",
    about = "The Kubernetes API server: validates and stores API objects and serves the REST API.",
    disable_version_flag = true
)]
pub struct Options {
    /// Print version information and quit; --version=raw prints more detail.
    #[arg(long, num_args = 0..=1, require_equals = true, default_missing_value = "true", value_name = "version")]
    pub version: Option<String>,

    /// The port on which to serve HTTPS with authentication and authorization. 0 picks a free port.
    #[arg(long, default_value_t = 6443)]
    pub secure_port: u16,

    /// The IP address on which to listen for the --secure-port port.
    #[arg(long, default_value = "0.0.0.0")]
    pub bind_address: IpAddr,

    /// The directory where the TLS certs are located; ignored if --tls-cert-file and
    /// --tls-private-key-file are given. A self-signed pair is minted here when missing.
    #[arg(long, default_value = "/var/run/kubernetes")]
    pub cert_dir: PathBuf,

    /// File containing the default x509 certificate for HTTPS (CA cert, if any, concatenated
    /// after server cert).
    #[arg(long)]
    pub tls_cert_file: Option<PathBuf>,

    /// File containing the default x509 private key matching --tls-cert-file.
    #[arg(long)]
    pub tls_private_key_file: Option<PathBuf>,

    /// If set, any request presenting a client certificate signed by one of the authorities in
    /// this file is authenticated with an identity corresponding to the CommonName of the
    /// client certificate.
    #[arg(long)]
    pub client_ca_file: Option<PathBuf>,

    /// If set, the file that will be used to secure the secure port of the API server via
    /// token authentication (CSV: token,user,uid,"group1,group2").
    #[arg(long)]
    pub token_auth_file: Option<PathBuf>,

    /// Directory of the embedded store (used when --etcd-servers is not set).
    #[arg(long, default_value = "/var/lib/kube-apiserver")]
    pub data_dir: PathBuf,

    /// List of etcd servers to connect with (scheme://ip:port), comma separated. When set, the
    /// etcd3 backend is used instead of the embedded store.
    #[arg(long, value_delimiter = ',')]
    pub etcd_servers: Vec<String>,

    /// The prefix to prepend to all resource paths in etcd.
    #[arg(long, default_value = "/registry")]
    pub etcd_prefix: String,

    /// SSL Certificate Authority file used to secure etcd communication.
    #[arg(long)]
    pub etcd_cafile: Option<PathBuf>,

    /// SSL certification file used to secure etcd communication.
    #[arg(long)]
    pub etcd_certfile: Option<PathBuf>,

    /// SSL key file used to secure etcd communication.
    #[arg(long)]
    pub etcd_keyfile: Option<PathBuf>,

    /// A CIDR notation IP range from which to assign service cluster IPs.
    #[arg(long, default_value = "10.0.0.0/24")]
    pub service_cluster_ip_range: String,

    /// A port range to reserve for services with NodePort visibility (inclusive, `min-max`).
    #[arg(long, default_value = "30000-32767")]
    pub service_node_port_range: String,

    /// The IP address on which to advertise the apiserver to members of the cluster. If blank,
    /// the --bind-address is used; if that is unspecified (0.0.0.0 or ::), the address of the
    /// host's default-route interface (127.0.0.1 when the host has no default route).
    #[arg(long)]
    pub advertise_address: Option<IpAddr>,

    /// Enable the watch cache.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub watch_cache: bool,

    /// The watch cache's settings for a program embedding the server (not a flag; upstream's
    /// defaults when unset).
    #[arg(skip)]
    pub watch_cache_options: Option<storage::cacher::CacherOptions>,

    /// How long in-flight requests may take to finish after SIGTERM before the server exits.
    #[arg(long, default_value = "60s", value_parser = parse_duration)]
    pub shutdown_timeout: Duration,

    /// Identifier of the service account token issuer, asserted in the "iss" claim of issued
    /// tokens. May be repeated: the first issues tokens, all are accepted.
    #[arg(long, default_value = "https://kubernetes.default.svc.cluster.local")]
    pub service_account_issuer: Vec<String>,

    /// PEM file with the private key (RSA or ECDSA P-256) service account tokens are signed
    /// with. When unset, a key generated into --cert-dir (sa.key) is used.
    #[arg(long)]
    pub service_account_signing_key_file: Option<PathBuf>,

    /// PEM file(s) with RSA or ECDSA public or private keys that service account tokens are
    /// also verified with (the signing key always is). May be repeated.
    #[arg(long)]
    pub service_account_key_file: Vec<PathBuf>,

    /// Audiences the API accepts service account tokens for (default: the issuers).
    #[arg(long, value_delimiter = ',')]
    pub api_audiences: Vec<String>,

    /// The longest lifetime a TokenRequest gets (0s: no limit).
    #[arg(long, default_value = "0s", value_parser = parse_duration)]
    pub service_account_max_token_expiration: Duration,

    /// Give tokens kubelets request for pods with the 3607 s lifetime a one-year lifetime
    /// (with a "warnafter" claim), as upstream's transition from legacy tokens does.
    #[arg(long, default_value_t = true, action = clap::ArgAction::Set)]
    pub service_account_extend_token_expiration: bool,

    /// Overrides the jwks_uri of /.well-known/openid-configuration.
    #[arg(long)]
    pub service_account_jwks_uri: Option<String>,

    /// Client certificate (PEM) presented to kubelets.
    #[arg(long)]
    pub kubelet_client_certificate: Option<PathBuf>,

    /// Key (PEM) of --kubelet-client-certificate.
    #[arg(long)]
    pub kubelet_client_key: Option<PathBuf>,

    /// CA bundle kubelets' serving certificates are verified with (unverified when unset).
    #[arg(long)]
    pub kubelet_certificate_authority: Option<PathBuf>,

    /// The node address types tried, in order, to reach a kubelet.
    #[arg(
        long,
        value_delimiter = ',',
        default_value = "Hostname,InternalDNS,InternalIP,ExternalDNS,ExternalIP"
    )]
    pub kubelet_preferred_address_types: Vec<String>,
}

fn parse_duration(s: &str) -> Result<Duration, String> {
    let (num, unit) = s.split_at(s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len()));
    let n: u64 = num.parse().map_err(|_| format!("invalid duration {s:?}"))?;
    match unit {
        "s" | "" => Ok(Duration::from_secs(n)),
        "ms" => Ok(Duration::from_millis(n)),
        "m" => Ok(Duration::from_secs(n * 60)),
        "h" => Ok(Duration::from_secs(n * 3600)),
        _ => Err(format!("invalid duration {s:?}")),
    }
}

impl Options {
    /// Checks flag values before anything starts (bad values exit 64).
    pub fn validate(&self) -> Result<(), ComponentError> {
        let bad = |m: String| ComponentError::InvalidFlag(m);
        service::Ipv4Range::parse(&self.service_cluster_ip_range)
            .map_err(|e| bad(format!("--service-cluster-ip-range: {e}")))?;
        parse_port_range(&self.service_node_port_range)
            .map_err(|e| bad(format!("--service-node-port-range: {e}")))?;
        if self.tls_cert_file.is_some() != self.tls_private_key_file.is_some() {
            return Err(bad(
                "--tls-cert-file and --tls-private-key-file must be given together".into()
            ));
        }
        Ok(())
    }

    fn advertise(&self) -> IpAddr {
        self.advertise_address.unwrap_or(if self.bind_address.is_unspecified() {
            default_route_address().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST))
        } else {
            self.bind_address
        })
    }
}

/// The local IPv4 address the host's routing table picks for traffic to the world (the default
/// route's interface), found by connecting a UDP socket, which sends nothing.
fn default_route_address() -> Option<IpAddr> {
    let socket = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0)).ok()?;
    socket.connect((Ipv4Addr::new(8, 8, 8, 8), 53)).ok()?;
    let ip = socket.local_addr().ok()?.ip();
    (!ip.is_unspecified() && !ip.is_loopback()).then_some(ip)
}

fn parse_port_range(s: &str) -> Result<(u16, u16), String> {
    let (a, b) = s.split_once('-').ok_or_else(|| format!("invalid port range {s:?}"))?;
    let a: u16 = a.trim().parse().map_err(|_| format!("invalid port range {s:?}"))?;
    let b: u16 = b.trim().parse().map_err(|_| format!("invalid port range {s:?}"))?;
    if a > b {
        return Err(format!("invalid port range {s:?}"));
    }
    Ok((a, b))
}

/// A running server: its address and the handle that stops it.
pub struct Running {
    /// The address it listens on.
    pub addr: SocketAddr,
    stop: watch::Sender<bool>,
    done: tokio::task::JoinHandle<()>,
    embedded: Option<Arc<storage::Embedded>>,
}

impl std::fmt::Debug for Running {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Running").field("addr", &self.addr).finish_non_exhaustive()
    }
}

impl Running {
    /// Stops accepting, finishes in-flight requests, ends watches, and waits. The embedded
    /// store's files are released when it returns (bounded by a few seconds), so that another
    /// server can open the same data at once.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        let _ = self.done.await;
        if let Some(e) = self.embedded {
            e.close().await;
            // The database closes with its last holder: let the stores, watch caches and
            // request tasks still winding down drop theirs first.
            let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
            while Arc::strong_count(&e) > 1 && std::time::Instant::now() < deadline {
                tokio::time::sleep(std::time::Duration::from_millis(2)).await;
            }
        }
    }
}

/// Starts the server in the current tokio runtime and returns once it is ready to serve.
pub async fn start(options: Options) -> Result<Running, ComponentError> {
    options.validate()?;
    let failed = |m: String| ComponentError::Failed(m);
    let (storage, embedded): (Arc<dyn storage::Storage>, Option<Arc<storage::Embedded>>) =
        if options.etcd_servers.is_empty() {
            let e = Arc::new(storage::Embedded::open(&options.data_dir).map_err(|e| {
                failed(format!("failed to open {}: {e}", options.data_dir.display()))
            })?);
            (e.clone(), Some(e))
        } else {
            let config = storage::etcd3::Etcd3Config {
                endpoints: options.etcd_servers.clone(),
                prefix: options.etcd_prefix.clone(),
                ca_file: options.etcd_cafile.clone(),
                cert_file: options.etcd_certfile.clone(),
                key_file: options.etcd_keyfile.clone(),
                ..Default::default()
            };
            let e = storage::etcd3::Etcd3::connect(config)
                .await
                .map_err(|e| failed(format!("failed to connect to etcd: {e}")))?;
            (Arc::new(e), None)
        };
    // etcd3 adds --etcd-prefix itself; the embedded store keeps the same key layout.
    let key_base = if embedded.is_some() { options.etcd_prefix.as_str() } else { "" };
    let cache =
        options.watch_cache.then(|| options.watch_cache_options.clone().unwrap_or_default());
    let registry = registry::Registry::with_cache(storage, key_base, cache);
    let listener = TcpListener::bind(SocketAddr::new(options.bind_address, options.secure_port))
        .await
        .map_err(|e| {
            failed(format!(
                "failed to listen on {}:{}: {e}",
                options.bind_address, options.secure_port
            ))
        })?;
    let addr = listener.local_addr().map_err(|e| failed(e.to_string()))?;
    let advertise = options.advertise();
    let (cert_path, key_path) = match (&options.tls_cert_file, &options.tls_private_key_file) {
        (Some(c), Some(k)) => (c.clone(), k.clone()),
        _ => {
            let mut hosts =
                vec!["localhost".to_string(), "127.0.0.1".to_string(), advertise.to_string()];
            hosts.extend(
                ["kubernetes", "kubernetes.default", "kubernetes.default.svc"].map(String::from),
            );
            server::certs::ensure_self_signed(&options.cert_dir, &hosts)
                .map_err(|e| failed(e.to_string()))?
        }
    };
    let read = |p: &PathBuf| {
        std::fs::read(p).map_err(|e| failed(format!("failed to read {}: {e}", p.display())))
    };
    let cert = read(&cert_path)?;
    let key = read(&key_path)?;
    let client_ca = options.client_ca_file.as_ref().map(read).transpose()?;
    let tls =
        server::tls_config(&cert, &key, client_ca.as_deref()).map_err(|e| failed(e.to_string()))?;
    let authn = authn::Authenticator::new(options.token_auth_file.as_deref())
        .map_err(|e| failed(e.to_string()))?;
    let services = service::Allocators {
        cluster_ips: service::Ipv4Range::parse(&options.service_cluster_ip_range)
            .map_err(failed)?,
        node_ports: parse_port_range(&options.service_node_port_range).map_err(failed)?,
    };
    let (stop, shutdown) = watch::channel(false);
    let server_address = SocketAddr::new(advertise, addr.port()).to_string();
    let issuer = serviceaccount::TokenIssuer::load(&serviceaccount::IssuerConfig {
        signing_key_file: options.service_account_signing_key_file.clone(),
        generated_key: Some(options.cert_dir.join("sa.key")),
        key_files: options.service_account_key_file.clone(),
        issuers: options.service_account_issuer.clone(),
        api_audiences: options.api_audiences.clone(),
        max_expiration_seconds: options.service_account_max_token_expiration.as_secs() as i64,
        extend_expiration: options.service_account_extend_token_expiration,
        jwks_uri: options.service_account_jwks_uri.clone(),
    })
    .map_err(|e| failed(format!("service account token keys: {e}")))?;
    let mut api =
        endpoints::ApiServer::new(registry, &server_address, services, authn, shutdown.clone());
    api.service_accounts = Some(Arc::new(issuer));
    api.kubelets = kubelet::KubeletClients::new(kubelet::KubeletClientConfig {
        client_certificate: options.kubelet_client_certificate.clone(),
        client_key: options.kubelet_client_key.clone(),
        certificate_authority: options.kubelet_certificate_authority.clone(),
        preferred_address_types: options.kubelet_preferred_address_types.clone(),
    });
    let api = Arc::new(api);
    let service_ip = api.services.kubernetes_service_ip().to_string();
    bootstrap::run(&api.registry, &service_ip, &advertise.to_string(), addr.port())
        .await
        .map_err(|e| failed(format!("failed to create the system objects: {e}")))?;
    api.ready.store(true, Ordering::SeqCst);
    // The OpenAPI documents take a moment to build: do it now rather than in kubectl's first
    // request.
    let warm = api.clone();
    tokio::task::spawn_blocking(move || {
        let openapi = warm.openapi.read().unwrap_or_else(std::sync::PoisonError::into_inner);
        let _ = openapi.v2_etag();
        let _ = openapi.v3_index();
    });
    tokio::spawn(apiextensions::run(api.clone()));
    let done = tokio::spawn(server::serve(listener, tls, api, shutdown, options.shutdown_timeout));
    tracing::info!(%addr, "serving securely");
    Ok(Running { addr, stop, done, embedded })
}

/// Runs the component with parsed options until SIGTERM or SIGINT.
pub fn run(options: Options) -> Result<(), ComponentError> {
    if cli::print_version(options.version.as_deref())? {
        return Ok(());
    }
    options.validate()?;
    cli::init_logging();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| ComponentError::Failed(e.to_string()))?;
    runtime.block_on(async move {
        let running = start(options).await?;
        eprintln!("kube-apiserver serving on https://{}", running.addr);
        wait_for_signal().await;
        running.shutdown().await;
        Ok(())
    })
}

async fn wait_for_signal() {
    use tokio::signal::unix::{SignalKind, signal};
    match (signal(SignalKind::terminate()), signal(SignalKind::interrupt())) {
        (Ok(mut term), Ok(mut int)) => {
            tokio::select! {
                _ = term.recv() => {}
                _ = int.recv() => {}
            }
        }
        _ => {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::{IpAddr, Ipv4Addr};

    use clap::Parser;

    use super::Options;

    #[test]
    fn the_advertise_address_follows_upstreams_fallbacks() {
        let parse = |args: &[&str]| {
            Options::try_parse_from(["kube-apiserver"].iter().chain(args)).unwrap().advertise()
        };
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(parse(&["--advertise-address=10.1.2.3"]), ip("10.1.2.3"));
        assert_eq!(parse(&["--bind-address=127.0.0.5"]), ip("127.0.0.5"));
        let chosen = parse(&["--bind-address=0.0.0.0"]);
        match super::default_route_address() {
            Some(route) => assert_eq!(chosen, route),
            None => assert_eq!(chosen, IpAddr::V4(Ipv4Addr::LOCALHOST)),
        }
        assert!(!chosen.is_unspecified());
    }
}
