//! The HTTPS endpoint every component daemon serves (k8s.io/apiserver's secure serving as
//! components use it): `/healthz`, `/livez`, `/readyz` with named checks and `/metrics` from a
//! Prometheus registry, over rustls (HTTP/2 and HTTP/1.1) or plain HTTP. Without certificate
//! files a self-signed pair is minted, into `--cert-dir` when one is given (and reused on the
//! next start) or in memory, as upstream's `MaybeDefaultWithSelfSignedCerts` does.

use std::convert::Infallible;
use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, SystemTime};

use bytes::Bytes;
use http::{HeaderValue, Response, StatusCode};
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use prometheus_client::registry::Registry;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose, SanType,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tokio_util::sync::CancellationToken;

use super::healthz::{self, HealthCheck, HealthChecks};

/// A failure to start serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The serving certificate could not be read, minted or written.
    #[error("{0}")]
    Certificate(String),
    /// The address could not be bound.
    #[error("failed to listen on {addr}: {source}")]
    Listen {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Where the serving certificate comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServingTls {
    /// Plain HTTP, for endpoints that are meant to be reached only locally.
    Insecure,
    /// `--tls-cert-file` (the chain, leaf first) and `--tls-private-key-file`.
    Files {
        /// PEM certificate chain.
        cert_file: PathBuf,
        /// PEM private key.
        key_file: PathBuf,
    },
    /// A self-signed pair: `<cert_dir>/<pair_name>.crt` and `.key`, minted when missing, or
    /// kept in memory when `cert_dir` is `None`.
    SelfSigned {
        /// `--cert-dir`.
        cert_dir: Option<PathBuf>,
        /// The file name stem (`kube-scheduler`, `kube-controller-manager`, `kubelet`).
        pair_name: String,
        /// The host the certificate is for (a DNS name or an IP address).
        public_address: String,
        /// More DNS names for the certificate.
        alternate_dns: Vec<String>,
        /// More IP addresses for the certificate.
        alternate_ips: Vec<IpAddr>,
    },
}

/// How and where to serve (`--bind-address`, `--secure-port`, the certificate flags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServingOptions {
    /// The address to listen on.
    pub bind_address: IpAddr,
    /// The port; `0` picks a free one.
    pub port: u16,
    /// The certificate, or plain HTTP.
    pub tls: ServingTls,
    /// How long in-flight requests may take to finish once shutdown starts.
    pub shutdown_timeout: Duration,
}

impl Default for ServingOptions {
    fn default() -> Self {
        ServingOptions {
            bind_address: IpAddr::from([0, 0, 0, 0]),
            port: 0,
            tls: ServingTls::SelfSigned {
                cert_dir: None,
                pair_name: String::new(),
                public_address: "localhost".into(),
                alternate_dns: Vec::new(),
                alternate_ips: vec![IpAddr::from([127, 0, 0, 1])],
            },
            shutdown_timeout: Duration::from_secs(60),
        }
    }
}

/// What the endpoint serves. A health path without checks serves the `ping` check.
#[derive(Clone, Default)]
pub struct Endpoints {
    /// Checks of `/healthz`.
    pub healthz: Vec<Arc<dyn HealthCheck>>,
    /// Checks of `/livez`.
    pub livez: Vec<Arc<dyn HealthCheck>>,
    /// Checks of `/readyz`.
    pub readyz: Vec<Arc<dyn HealthCheck>>,
    /// The registry `/metrics` encodes; without one `/metrics` is not served.
    pub metrics: Option<Arc<Registry>>,
}

impl std::fmt::Debug for Endpoints {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let names =
            |c: &[Arc<dyn HealthCheck>]| c.iter().map(|c| c.name().to_string()).collect::<Vec<_>>();
        f.debug_struct("Endpoints")
            .field("healthz", &names(&self.healthz))
            .field("livez", &names(&self.livez))
            .field("readyz", &names(&self.readyz))
            .field("metrics", &self.metrics.is_some())
            .finish()
    }
}

/// The routes, built once.
struct Routes {
    health: Vec<HealthChecks>,
    metrics: Option<Arc<Registry>>,
}

impl Routes {
    fn handle(&self, path: &str, query: &str) -> Response<Full<Bytes>> {
        if path == "/metrics"
            && let Some(registry) = &self.metrics
        {
            let mut out = String::new();
            if let Err(e) = prometheus_client::encoding::text::encode(&mut out, registry) {
                return healthz::error(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    &format!("error encoding metrics: {e}"),
                );
            }
            let mut r = Response::new(Full::new(Bytes::from(out)));
            r.headers_mut().insert(
                http::header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            );
            return r;
        }
        self.health
            .iter()
            .find_map(|h| h.handle(path, query))
            .unwrap_or_else(|| healthz::error(StatusCode::NOT_FOUND, "404 page not found"))
    }
}

/// A running endpoint.
#[derive(Debug)]
pub struct Server {
    local_addr: SocketAddr,
    certificate_pem: Option<String>,
    task: tokio::task::JoinHandle<()>,
}

impl Server {
    /// Binds and starts serving until `shutdown` is cancelled; then it stops accepting, lets
    /// in-flight requests finish within the shutdown timeout, and ends.
    pub async fn start(
        options: &ServingOptions,
        endpoints: Endpoints,
        shutdown: CancellationToken,
    ) -> Result<Server, ServeError> {
        // Reading or minting the pair touches the disk and does key generation.
        let opts = options.clone();
        let pair =
            tokio::task::spawn_blocking(move || serving_pair(&opts)).await.map_err(|e| {
                ServeError::Certificate(format!("serving certificate setup failed: {e}"))
            })??;
        let (acceptor, certificate_pem) = match pair {
            Some((cert_pem, key_pem)) => (
                Some(TlsAcceptor::from(Arc::new(tls_config(&cert_pem, &key_pem)?))),
                Some(cert_pem),
            ),
            None => (None, None),
        };
        let addr = SocketAddr::new(options.bind_address, options.port);
        let listener =
            TcpListener::bind(addr).await.map_err(|source| ServeError::Listen { addr, source })?;
        let local_addr =
            listener.local_addr().map_err(|source| ServeError::Listen { addr, source })?;
        let routes = Arc::new(Routes {
            health: vec![
                HealthChecks::new("/healthz", endpoints.healthz),
                HealthChecks::new("/livez", endpoints.livez),
                HealthChecks::new("/readyz", endpoints.readyz),
            ],
            metrics: endpoints.metrics,
        });
        let scheme = if acceptor.is_some() { "https" } else { "http" };
        tracing::info!(address = %local_addr, "serving {scheme}");
        let task = tokio::spawn(accept_loop(
            listener,
            acceptor,
            routes,
            shutdown,
            options.shutdown_timeout,
        ));
        Ok(Server { local_addr, certificate_pem, task })
    }

    /// The address actually bound (the port is chosen when the options say `0`).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The served certificate chain (PEM), or `None` for plain HTTP. For a self-signed pair the
    /// chain ends with the signing CA, which clients can trust.
    pub fn certificate_pem(&self) -> Option<&str> {
        self.certificate_pem.as_deref()
    }

    /// Waits until the server has stopped after shutdown.
    pub async fn stopped(self) {
        let _ = self.task.await;
    }
}

async fn accept_loop(
    listener: TcpListener,
    acceptor: Option<TlsAcceptor>,
    routes: Arc<Routes>,
    shutdown: CancellationToken,
    grace: Duration,
) {
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.cancelled() => break,
        };
        let Ok((stream, _peer)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let routes = routes.clone();
        let acceptor = acceptor.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                let routes = routes.clone();
                async move {
                    let path = req.uri().path().to_string();
                    let query = req.uri().query().unwrap_or("").to_string();
                    // Health checks are the caller's code: one that panics fails its request only.
                    let answer = tokio::task::spawn_blocking(move || routes.handle(&path, &query))
                        .await
                        .unwrap_or_else(|_| {
                            healthz::error(
                                StatusCode::INTERNAL_SERVER_ERROR,
                                "internal server error",
                            )
                        });
                    Ok::<_, Infallible>(answer)
                }
            });
            let builder = Builder::new(TokioExecutor::new());
            match acceptor {
                Some(acceptor) => {
                    let Ok(Ok(tls)) =
                        tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                            .await
                    else {
                        return;
                    };
                    let conn = builder.serve_connection(TokioIo::new(tls), service);
                    let _ = watcher.watch(conn.into_owned()).await;
                }
                None => {
                    let conn = builder.serve_connection(TokioIo::new(stream), service);
                    let _ = watcher.watch(conn.into_owned()).await;
                }
            }
        });
    }
    drop(listener);
    if tokio::time::timeout(grace, graceful.shutdown()).await.is_err() {
        tracing::warn!("shutdown timeout of {grace:?} passed with requests still in flight");
    }
}

fn tls_config(cert_pem: &str, key_pem: &str) -> Result<rustls::ServerConfig, ServeError> {
    let certs: Vec<CertificateDer<'static>> =
        CertificateDer::pem_slice_iter(cert_pem.as_bytes()).collect::<Result<_, _>>().map_err(
            |e| ServeError::Certificate(format!("failed to parse serving certificate: {e}")),
        )?;
    if certs.is_empty() {
        return Err(ServeError::Certificate(
            "failed to parse serving certificate: no certificate found".into(),
        ));
    }
    let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
        .map_err(|e| ServeError::Certificate(format!("failed to parse serving key: {e}")))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Certificate(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            ServeError::Certificate(format!("serving certificate and key do not match: {e}"))
        })?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// The PEM certificate chain and key to serve, or `None` for plain HTTP.
fn serving_pair(options: &ServingOptions) -> Result<Option<(String, String)>, ServeError> {
    let read = |p: &Path| {
        std::fs::read_to_string(p)
            .map_err(|e| ServeError::Certificate(format!("failed to read {}: {e}", p.display())))
    };
    match &options.tls {
        ServingTls::Insecure => Ok(None),
        ServingTls::Files { cert_file, key_file } => Ok(Some((read(cert_file)?, read(key_file)?))),
        ServingTls::SelfSigned {
            cert_dir,
            pair_name,
            public_address,
            alternate_dns,
            alternate_ips,
        } => {
            let files = match cert_dir {
                Some(dir) => {
                    if pair_name.is_empty() {
                        return Err(ServeError::Certificate(
                            "PairName is required if CertDirectory is set".into(),
                        ));
                    }
                    let cert = dir.join(format!("{pair_name}.crt"));
                    let key = dir.join(format!("{pair_name}.key"));
                    if can_read_cert_and_key(&cert, &key)? {
                        return Ok(Some((read(&cert)?, read(&key)?)));
                    }
                    Some((cert, key))
                }
                None => None,
            };
            // The bind address (or localhost for a wildcard one) is always in the certificate.
            let mut dns = alternate_dns.clone();
            let mut ips = alternate_ips.clone();
            if options.bind_address.is_unspecified() {
                dns.push("localhost".into());
            } else {
                ips.push(options.bind_address);
            }
            let (cert_pem, key_pem) = self_signed_cert_key(public_address, &ips, &dns)?;
            match files {
                Some((cert, key)) => {
                    write_pair(&cert, &cert_pem, &key, &key_pem)?;
                    tracing::info!(
                        "Generated self-signed cert ({}, {})",
                        cert.display(),
                        key.display()
                    );
                }
                None => tracing::info!("Generated self-signed cert in-memory"),
            }
            Ok(Some((cert_pem, key_pem)))
        }
    }
}

/// client-go's `CanReadCertAndKey`: both readable, neither, or an error naming the missing one.
fn can_read_cert_and_key(cert: &Path, key: &Path) -> Result<bool, ServeError> {
    let readable = |p: &Path| std::fs::File::open(p).is_ok();
    match (readable(cert), readable(key)) {
        (true, true) => Ok(true),
        (false, false) => Ok(false),
        (false, true) => Err(pair_error(cert)),
        (true, false) => Err(pair_error(key)),
    }
}

fn pair_error(missing: &Path) -> ServeError {
    ServeError::Certificate(format!(
        "error reading {}, certificate and key must be supplied as a pair",
        missing.display()
    ))
}

fn write_pair(cert: &Path, cert_pem: &str, key: &Path, key_pem: &str) -> Result<(), ServeError> {
    let fail = |p: &Path, e: std::io::Error| {
        ServeError::Certificate(format!("failed to write {}: {e}", p.display()))
    };
    for p in [cert, key] {
        if let Some(dir) = p.parent() {
            std::fs::create_dir_all(dir).map_err(|e| fail(dir, e))?;
        }
    }
    std::fs::write(cert, cert_pem).map_err(|e| fail(cert, e))?;
    write_private(key, key_pem).map_err(|e| fail(key, e))
}

/// Writes a private key readable by its owner only.
fn write_private(path: &Path, contents: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)?.write_all(contents.as_bytes())
}

/// A CA and a serving certificate it signed for `host` plus the alternates, valid from an hour
/// ago for a year; the chain is the certificate then the CA (client-go's
/// `GenerateSelfSignedCertKey`).
pub(crate) fn self_signed_cert_key(
    host: &str,
    alternate_ips: &[IpAddr],
    alternate_dns: &[String],
) -> Result<(String, String), ServeError> {
    let fail = |e: rcgen::Error| {
        ServeError::Certificate(format!("unable to generate self signed cert: {e}"))
    };
    let now = SystemTime::now().duration_since(SystemTime::UNIX_EPOCH).unwrap_or_default();
    let epoch = rcgen::date_time_ymd(1970, 1, 1);
    let valid_from = epoch + now - Duration::from_secs(3600);
    let valid_until = valid_from + Duration::from_secs(365 * 24 * 3600);

    let mut ca = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    ca.distinguished_name.push(DnType::CommonName, format!("{host}-ca@{}", now.as_secs()));
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![
        KeyUsagePurpose::KeyEncipherment,
        KeyUsagePurpose::DigitalSignature,
        KeyUsagePurpose::KeyCertSign,
    ];
    ca.not_before = valid_from;
    ca.not_after = valid_until;
    let ca = CertifiedIssuer::self_signed(ca, KeyPair::generate().map_err(fail)?).map_err(fail)?;

    let mut leaf = CertificateParams::new(Vec::<String>::new()).map_err(fail)?;
    leaf.distinguished_name.push(DnType::CommonName, format!("{host}@{}", now.as_secs()));
    leaf.key_usages = vec![KeyUsagePurpose::KeyEncipherment, KeyUsagePurpose::DigitalSignature];
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    leaf.is_ca = IsCa::ExplicitNoCa;
    leaf.not_before = valid_from;
    leaf.not_after = valid_until;
    let dns_san = |name: &str| -> Result<SanType, ServeError> {
        Ok(SanType::DnsName(name.to_string().try_into().map_err(fail)?))
    };
    match host.parse::<IpAddr>() {
        Ok(ip) => leaf.subject_alt_names.push(SanType::IpAddress(ip)),
        Err(_) => leaf.subject_alt_names.push(dns_san(host)?),
    }
    leaf.subject_alt_names.extend(alternate_ips.iter().map(|ip| SanType::IpAddress(*ip)));
    for name in alternate_dns {
        leaf.subject_alt_names.push(dns_san(name)?);
    }
    let key = KeyPair::generate().map_err(fail)?;
    let cert = leaf.signed_by(&key, &ca).map_err(fail)?;
    Ok((format!("{}{}", cert.pem(), ca.pem()), key.serialize_pem()))
}
