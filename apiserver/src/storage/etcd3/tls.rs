//! TLS to etcd: the material behind `--etcd-cafile`, `--etcd-certfile` and `--etcd-keyfile`,
//! loaded and checked once when the store connects, and which endpoints use it.
//!
//! As upstream's etcd client decides per endpoint: `http://` is always plain (configured files
//! are not used for it), `https://` always uses TLS (with the system's CA bundle when no CA file
//! is given), and a bare `host:port` uses TLS exactly when TLS files are configured.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use etcd_client::{Certificate, Identity, TlsOptions};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::{Etcd3Config, Etcd3Error};

/// Where Linux distributions keep the system CA bundle (the list Go's crypto/x509 reads, which
/// upstream's client falls back to when no CA file is given). `SSL_CERT_FILE` overrides it.
const SYSTEM_CA_BUNDLES: [&str; 6] = [
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/pki/ca-trust/extracted/pem/tls-ca-bundle.pem",
    "/etc/ssl/cert.pem",
];

/// How one endpoint is dialled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Scheme {
    Plain,
    Tls,
}

/// An endpoint as the etcd client expects it (lower-case scheme, no surrounding blanks) and
/// whether it uses TLS.
pub(super) fn endpoint_scheme(endpoint: &str, files_given: bool) -> (String, Scheme) {
    let trimmed = endpoint.trim();
    let lower = trimmed.to_ascii_lowercase();
    if lower.starts_with("http://") {
        (format!("http://{}", &trimmed["http://".len()..]), Scheme::Plain)
    } else if lower.starts_with("https://") {
        (format!("https://{}", &trimmed["https://".len()..]), Scheme::Tls)
    } else if files_given {
        (trimmed.to_string(), Scheme::Tls)
    } else {
        (trimmed.to_string(), Scheme::Plain)
    }
}

/// Whether any of the TLS files is configured.
pub(super) fn files_given(config: &Etcd3Config) -> bool {
    config.ca_file.is_some() || config.cert_file.is_some() || config.key_file.is_some()
}

fn read(path: &Path, what: &str) -> Result<Vec<u8>, Etcd3Error> {
    std::fs::read(path).map_err(|e| {
        Etcd3Error::TlsConfig(format!("failed to read {what} {}: {e}", path.display()))
    })
}

/// Every certificate in a PEM file, failing when it holds none or a broken one.
fn certificates(pem: &[u8], path: &Path, what: &str) -> Result<usize, Etcd3Error> {
    let certs = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| Etcd3Error::TlsConfig(format!("invalid {what} {}: {e}", path.display())))?;
    if certs.is_empty() {
        return Err(Etcd3Error::TlsConfig(format!(
            "no PEM certificates found in {what} {}",
            path.display()
        )));
    }
    Ok(certs.len())
}

/// The first readable system CA bundle holding at least one certificate, from `candidates`.
pub(super) fn system_roots(candidates: &[PathBuf]) -> Option<Vec<u8>> {
    candidates.iter().find_map(|path| {
        let pem = std::fs::read(path).ok()?;
        let any = CertificateDer::pem_slice_iter(&pem).any(|c| c.is_ok());
        any.then_some(pem)
    })
}

pub(super) fn system_bundle_candidates() -> Vec<PathBuf> {
    match std::env::var_os("SSL_CERT_FILE") {
        Some(file) if !file.is_empty() => vec![PathBuf::from(file)],
        _ => SYSTEM_CA_BUNDLES.iter().map(PathBuf::from).collect(),
    }
}

/// The client side of TLS to etcd, checked and ready for every TLS endpoint.
#[derive(Clone)]
pub(super) struct Material {
    /// What the gRPC channels use.
    options: TlsOptions,
    /// The same trust and identity for [`Material::diagnose`]'s own handshake.
    rustls: Arc<rustls::ClientConfig>,
}

impl std::fmt::Debug for Material {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Material").finish_non_exhaustive()
    }
}

/// The client TLS settings from the configured files, or `None` when none is configured and
/// `need_tls` is false. Files are checked even when every endpoint is plain, as upstream builds
/// its TLS configuration before looking at the endpoints.
pub(super) fn load(config: &Etcd3Config, need_tls: bool) -> Result<Option<Material>, Etcd3Error> {
    let (cert, key) = match (&config.cert_file, &config.key_file) {
        (Some(cert), Some(key)) => (Some(cert), Some(key)),
        (None, None) => (None, None),
        (cert, key) => {
            // Upstream's wording (etcd's transport.TLSInfo), paths in Go's %v of a string.
            let show = |p: &Option<PathBuf>| {
                p.as_ref().map(|p| p.display().to_string()).unwrap_or_default()
            };
            return Err(Etcd3Error::TlsConfig(format!(
                "KeyFile and CertFile must both be present[key: {}, cert: {}]",
                show(key),
                show(cert)
            )));
        }
    };
    if !files_given(config) && !need_tls {
        return Ok(None);
    }
    let ca_pem = match &config.ca_file {
        Some(path) => {
            let pem = read(path, "etcd CA file")?;
            certificates(&pem, path, "etcd CA file")?;
            pem
        }
        None => {
            let candidates = system_bundle_candidates();
            system_roots(&candidates).ok_or_else(|| {
                Etcd3Error::TlsConfig(format!(
                    "no etcd CA file given and no system CA bundle found (looked at {})",
                    candidates
                        .iter()
                        .map(|p| p.display().to_string())
                        .collect::<Vec<_>>()
                        .join(", ")
                ))
            })?
        }
    };
    let mut roots = rustls::RootCertStore::empty();
    // A system bundle may hold certificates rustls cannot use; the rest still count.
    roots.add_parsable_certificates(CertificateDer::pem_slice_iter(&ca_pem).filter_map(Result::ok));
    let builder = rustls::ClientConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Etcd3Error::TlsConfig(format!("TLS for etcd: {e}")))?
    .with_root_certificates(roots);
    let mut options = TlsOptions::new()
        .timeout(config.dial_timeout)
        .ca_certificate(Certificate::from_pem(&ca_pem));
    let mut client_config = match (cert, key) {
        (Some(cert_path), Some(key_path)) => {
            let cert_pem = read(cert_path, "etcd client certificate file")?;
            certificates(&cert_pem, cert_path, "etcd client certificate file")?;
            let chain: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(&cert_pem).filter_map(Result::ok).collect();
            let key_pem = read(key_path, "etcd client key file")?;
            let key_der = PrivateKeyDer::from_pem_slice(&key_pem).map_err(|e| {
                Etcd3Error::TlsConfig(format!(
                    "invalid etcd client key file {}: {e}",
                    key_path.display()
                ))
            })?;
            let client_config = builder.with_client_auth_cert(chain, key_der).map_err(|e| {
                Etcd3Error::TlsConfig(format!(
                    "etcd client certificate {} and key {} do not go together: {e}",
                    cert_path.display(),
                    key_path.display()
                ))
            })?;
            options = options.identity(Identity::from_pem(cert_pem, key_pem));
            client_config
        }
        _ => builder.with_no_client_auth(),
    };
    client_config.alpn_protocols = vec![b"h2".to_vec()];
    Ok(Some(Material { options, rustls: Arc::new(client_config) }))
}

/// HTTP/2's connection preface and an empty SETTINGS frame: what a gRPC client sends first.
const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00";

impl Material {
    /// The settings for the gRPC channels.
    pub(super) fn options(&self) -> TlsOptions {
        self.options.clone()
    }

    /// Why TLS with `endpoint` fails, found with a handshake of its own: with TLS 1.3 a server
    /// refuses a client certificate (or its absence) only after the handshake, with an alert
    /// that the gRPC channel reports as nothing more than a closed connection. `None` when the
    /// handshake works and the server answers the HTTP/2 preface, or the failure is not TLS's
    /// (nothing listening, no answer within `limit`).
    pub(super) async fn diagnose(&self, endpoint: &str, limit: Duration) -> Option<String> {
        tokio::time::timeout(limit, self.handshake(endpoint)).await.ok()?.err()
    }

    async fn handshake(&self, endpoint: &str) -> Result<(), String> {
        let url = if endpoint.contains("://") {
            endpoint.to_string()
        } else {
            format!("https://{endpoint}")
        };
        let uri: http::Uri = url.parse().map_err(|e| format!("invalid endpoint {url}: {e}"))?;
        let host = uri.host().unwrap_or_default();
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let port = uri.port_u16().unwrap_or(2379);
        let name = ServerName::try_from(host.clone()).map_err(|e| e.to_string())?;
        // Not reaching the port is no TLS failure: the caller keeps waiting for the member.
        let Ok(tcp) = tokio::net::TcpStream::connect((host.as_str(), port)).await else {
            return Ok(());
        };
        let connector = tokio_rustls::TlsConnector::from(self.rustls.clone());
        let mut stream = connector.connect(name, tcp).await.map_err(|e| tls_text(&e))?;
        stream.write_all(H2_PREFACE).await.map_err(|e| tls_text(&e))?;
        stream.flush().await.map_err(|e| tls_text(&e))?;
        let mut buf = [0u8; 64];
        match stream.read(&mut buf).await {
            Ok(0) => Err("etcd closed the connection right after the TLS handshake".to_string()),
            Ok(_) => Ok(()),
            Err(e) => Err(tls_text(&e)),
        }
    }
}

/// The TLS error inside an I/O error, or the I/O error itself.
fn tls_text(e: &std::io::Error) -> String {
    match e.get_ref().and_then(|inner| inner.downcast_ref::<rustls::Error>()) {
        Some(tls) => tls.to_string(),
        None => e.to_string(),
    }
}

/// The error `e` wraps. etcd's client error and `io::Error` do not say through `source()`.
fn cause<'a>(
    e: &'a (dyn std::error::Error + 'static),
) -> Option<&'a (dyn std::error::Error + 'static)> {
    if let Some(etcd) = e.downcast_ref::<etcd_client::Error>() {
        return match etcd {
            etcd_client::Error::TransportError(t) => Some(t),
            etcd_client::Error::IoError(io) => Some(io),
            etcd_client::Error::GRpcStatus(status) => Some(status),
            _ => None,
        };
    }
    if let Some(io) = e.downcast_ref::<std::io::Error>()
        && let Some(inner) = io.get_ref()
    {
        return Some(inner);
    }
    e.source()
}

/// The TLS failure behind an etcd error, if the error comes from the TLS layer (a certificate
/// the other side refused, or a peer that does not speak TLS): such a failure does not heal by
/// itself, so connecting gives up at once instead of waiting out the dial timeout.
pub(super) fn tls_failure(err: &etcd_client::Error) -> Option<String> {
    let mut next: Option<&(dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = next {
        if let Some(tls) = e.downcast_ref::<rustls::Error>() {
            return Some(tls.to_string());
        }
        next = cause(e);
    }
    None
}

/// An error with its chain of causes, each said once: tonic and hyper wrap transport failures
/// in layers whose own text ("transport error") hides the cause.
pub(super) fn describe(err: &(dyn std::error::Error + 'static)) -> String {
    let mut parts = Vec::new();
    extend_chain(&mut parts, err);
    parts.join(": ")
}

/// Adds the text of `err` and of each of its causes to `parts`, skipping what is already said.
pub(super) fn extend_chain(parts: &mut Vec<String>, err: &(dyn std::error::Error + 'static)) {
    let mut next = Some(err);
    while let Some(e) = next {
        let text = e.to_string();
        if !text.is_empty() && !parts.iter().any(|p| p.contains(&text)) {
            parts.push(text);
        }
        next = cause(e);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_endpoint_scheme() {
        for (endpoint, files, want, scheme) in [
            ("http://127.0.0.1:2379", false, "http://127.0.0.1:2379", Scheme::Plain),
            // Files are not used for http:// endpoints.
            ("http://127.0.0.1:2379", true, "http://127.0.0.1:2379", Scheme::Plain),
            (" HTTP://10.0.0.1:2379 ", true, "http://10.0.0.1:2379", Scheme::Plain),
            ("https://127.0.0.1:2379", false, "https://127.0.0.1:2379", Scheme::Tls),
            ("HTTPS://etcd:2379", true, "https://etcd:2379", Scheme::Tls),
            ("127.0.0.1:2379", false, "127.0.0.1:2379", Scheme::Plain),
            ("127.0.0.1:2379", true, "127.0.0.1:2379", Scheme::Tls),
        ] {
            assert_eq!(endpoint_scheme(endpoint, files), (want.to_string(), scheme), "{endpoint}");
        }
    }

    #[test]
    fn test_system_roots_first_bundle_with_certificates() {
        let dir = tempfile::tempdir().unwrap();
        let files = super::super::local::TlsFiles::mint(dir.path()).unwrap();
        let junk = dir.path().join("junk.pem");
        std::fs::write(&junk, "no certificates here\n").unwrap();
        let missing = dir.path().join("missing.pem");
        let ca = std::fs::read(&files.ca_file).unwrap();
        let found = system_roots(&[missing.clone(), junk.clone(), files.ca_file.clone()]);
        assert_eq!(found, Some(ca));
        assert_eq!(system_roots(&[missing, junk]), None);
    }

    #[test]
    fn test_client_options_plain_without_files() {
        let config = Etcd3Config::default();
        assert!(load(&config, false).unwrap().is_none());
        let dir = tempfile::tempdir().unwrap();
        let files = super::super::local::TlsFiles::mint(dir.path()).unwrap();
        let config = Etcd3Config {
            ca_file: Some(files.ca_file.clone()),
            cert_file: Some(files.client_cert_file.clone()),
            key_file: Some(files.client_key_file.clone()),
            ..Etcd3Config::default()
        };
        assert!(load(&config, false).unwrap().is_some());
    }

    #[test]
    fn test_describe_and_tls_failure() {
        let inner = rustls::Error::InvalidCertificate(rustls::CertificateError::UnknownIssuer);
        let io = std::io::Error::new(std::io::ErrorKind::InvalidData, inner);
        let err = etcd_client::Error::IoError(io);
        assert_eq!(tls_failure(&err).as_deref(), Some("invalid peer certificate: UnknownIssuer"));
        assert_eq!(describe(&err), "io error: invalid peer certificate: UnknownIssuer");
        let plain = etcd_client::Error::IoError(std::io::Error::other("connection refused"));
        assert_eq!(tls_failure(&plain), None);
        assert_eq!(describe(&plain), "io error: connection refused");
    }
}
