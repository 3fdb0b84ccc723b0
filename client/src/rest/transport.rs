//! The connection layer: rustls client configuration from a resolved kubeconfig (CA bundle,
//! system roots, client certificate, `insecure-skip-tls-verify`, `tls-server-name`, ALPN
//! `h2`/`http/1.1`), the connector hyper's pooled client dials through, and the credentials
//! added to each request (bearer token re-read from its file, basic auth).

use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use base64::Engine;
use http::{HeaderValue, Uri};
use hyper_util::client::legacy::connect::{Connected, Connection, HttpConnector};
use hyper_util::rt::TokioIo;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

use super::error::{BoxError, Error};
use crate::config::ResolvedConfig;

/// Where Debian, Fedora, Alpine and friends keep the system CA bundle; used when the
/// kubeconfig names no CA, as Go falls back to the system roots.
const SYSTEM_CA_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/ca-bundle.pem",
    "/etc/pki/tls/cacert.pem",
    "/etc/ssl/cert.pem",
];

fn provider() -> Arc<CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

fn parse_certs(pem: &[u8], what: &str) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(pem)
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Config(format!("unable to load {what}: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config(format!("unable to load {what}: no certificates found")));
    }
    Ok(certs)
}

fn roots(config: &ResolvedConfig) -> Result<RootCertStore, Error> {
    let mut store = RootCertStore::empty();
    if let Some(ca) = &config.ca_data {
        for cert in parse_certs(ca, "root certificates")? {
            store
                .add(cert)
                .map_err(|e| Error::Config(format!("unable to load root certificates: {e}")))?;
        }
        return Ok(store);
    }
    for path in SYSTEM_CA_BUNDLES {
        // Read once when the client is built, as Go loads the system pool once.
        if let Ok(pem) = std::fs::read(path) {
            let certs: Vec<CertificateDer<'static>> =
                CertificateDer::pem_slice_iter(&pem).filter_map(Result::ok).collect();
            let (added, _) = store.add_parsable_certificates(certs);
            if added > 0 {
                return Ok(store);
            }
        }
    }
    Err(Error::Config(
        "no certificate authority given and no system CA bundle found; set certificate-authority or insecure-skip-tls-verify".into(),
    ))
}

/// Accepts any server certificate (`insecure-skip-tls-verify`), still checking that the
/// handshake is signed by the key the certificate carries.
#[derive(Debug)]
pub struct SkipVerify(Arc<CryptoProvider>);

impl SkipVerify {
    /// A verifier checking handshake signatures with `provider`'s algorithms.
    pub fn new(provider: Arc<CryptoProvider>) -> Self {
        SkipVerify(provider)
    }
}

impl ServerCertVerifier for SkipVerify {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(
            message,
            cert,
            dss,
            &self.0.signature_verification_algorithms,
        )
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// The rustls configuration a resolved kubeconfig asks for.
pub(crate) fn tls_config(config: &ResolvedConfig) -> Result<rustls::ClientConfig, Error> {
    if config.insecure && config.ca_data.is_some() {
        return Err(Error::Config(
            "specifying a root certificates file with the insecure flag is not allowed".into(),
        ));
    }
    let provider = provider();
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(format!("TLS setup failed: {e}")))?;
    let builder = if config.insecure {
        builder.dangerous().with_custom_certificate_verifier(Arc::new(SkipVerify(provider)))
    } else {
        builder.with_root_certificates(roots(config)?)
    };
    let mut tls = match (&config.client_cert_data, &config.client_key_data) {
        (Some(cert), Some(key)) => {
            let certs = parse_certs(cert, "client certificate")?;
            let key = PrivateKeyDer::from_pem_slice(key)
                .map_err(|e| Error::Config(format!("unable to load client key: {e}")))?;
            builder
                .with_client_auth_cert(certs, key)
                .map_err(|e| Error::Config(format!("unable to use client certificate: {e}")))?
        }
        (None, None) => builder.with_no_client_auth(),
        _ => {
            return Err(Error::Config("client certificate and key must be given together".into()));
        }
    };
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(tls)
}

/// Dials TCP and, for `https` URLs, TLS; tells the pool when ALPN chose HTTP/2.
#[derive(Clone)]
pub(crate) struct Connector {
    http: HttpConnector,
    tls: Option<TlsConnector>,
    server_name: Option<ServerName<'static>>,
}

impl Connector {
    pub(crate) fn new(
        tls: Option<rustls::ClientConfig>,
        server_name: Option<&str>,
    ) -> Result<Self, Error> {
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(Duration::from_secs(30)));
        http.set_keepalive(Some(Duration::from_secs(30)));
        let server_name = server_name
            .map(|n| {
                ServerName::try_from(n.to_string())
                    .map_err(|e| Error::Config(format!("invalid tls-server-name {n:?}: {e}")))
            })
            .transpose()?;
        Ok(Connector { http, tls: tls.map(|c| TlsConnector::from(Arc::new(c))), server_name })
    }
}

impl tower_service::Service<Uri> for Connector {
    type Response = MaybeTls;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<MaybeTls, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        let mut http = self.http.clone();
        let this = self.clone();
        Box::pin(async move {
            let tcp = tower_service::Service::call(&mut http, uri.clone()).await?;
            if uri.scheme_str() != Some("https") {
                return Ok(MaybeTls::Plain(tcp));
            }
            let tls = this.tls.ok_or("https requested but TLS is not configured")?;
            let name = match this.server_name {
                Some(n) => n,
                None => {
                    let host = uri.host().ok_or("URL has no host")?;
                    let host = host.trim_start_matches('[').trim_end_matches(']');
                    ServerName::try_from(host.to_string())?
                }
            };
            let stream = tls.connect(name, tcp.into_inner()).await?;
            Ok(MaybeTls::Tls(Box::new(TokioIo::new(stream))))
        })
    }
}

/// A dialed connection, plain or TLS.
pub(crate) enum MaybeTls {
    Plain(TokioIo<TcpStream>),
    Tls(Box<TokioIo<TlsStream<TcpStream>>>),
}

impl Connection for MaybeTls {
    fn connected(&self) -> Connected {
        match self {
            MaybeTls::Plain(s) => s.connected(),
            MaybeTls::Tls(s) => {
                let (tcp, session) = s.inner().get_ref();
                let c = tcp.connected();
                if session.alpn_protocol() == Some(b"h2") { c.negotiated_h2() } else { c }
            }
        }
    }
}

impl hyper::rt::Read for MaybeTls {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_read(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_read(cx, buf),
        }
    }
}

impl hyper::rt::Write for MaybeTls {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write(cx, buf),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_flush(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_shutdown(cx),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_shutdown(cx),
        }
    }

    fn is_write_vectored(&self) -> bool {
        match self {
            MaybeTls::Plain(s) => s.is_write_vectored(),
            MaybeTls::Tls(s) => s.is_write_vectored(),
        }
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            MaybeTls::Plain(s) => Pin::new(s).poll_write_vectored(cx, bufs),
            MaybeTls::Tls(s) => Pin::new(s.as_mut()).poll_write_vectored(cx, bufs),
        }
    }
}

/// A bearer token, re-read from its file once it is older than the refresh period (client-go's
/// cached file token source); a failed re-read keeps the token it had.
#[derive(Debug)]
pub(crate) struct TokenSource {
    file: Option<String>,
    refresh: Duration,
    cached: tokio::sync::Mutex<(Option<String>, Instant)>,
}

impl TokenSource {
    pub(crate) fn new(token: Option<String>, file: Option<String>, refresh: Duration) -> Self {
        TokenSource { file, refresh, cached: tokio::sync::Mutex::new((token, Instant::now())) }
    }

    /// The current token.
    pub(crate) async fn token(&self) -> Option<String> {
        let mut cached = self.cached.lock().await;
        let Some(file) = &self.file else { return cached.0.clone() };
        if cached.0.is_none() || cached.1.elapsed() >= self.refresh {
            match tokio::fs::read_to_string(file).await {
                Ok(t) => *cached = (Some(t.trim().to_string()), Instant::now()),
                Err(e) => {
                    tracing::warn!(file = %file, error = %e, "failed to re-read the token file; using the previous token");
                    cached.1 = Instant::now();
                }
            }
        }
        cached.0.clone()
    }
}

/// How a request proves who it is.
#[derive(Debug)]
pub(crate) enum Auth {
    None,
    Bearer(TokenSource),
    Basic(HeaderValue),
}

impl Auth {
    pub(crate) fn from_config(config: &ResolvedConfig, refresh: Duration) -> Result<Self, Error> {
        if config.token.is_some() || config.token_file.is_some() {
            return Ok(Auth::Bearer(TokenSource::new(
                config.token.clone().filter(|t| !t.is_empty()),
                config.token_file.clone(),
                refresh,
            )));
        }
        if let Some((user, password)) = &config.basic_auth {
            let encoded =
                base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
            let value = HeaderValue::from_str(&format!("Basic {encoded}"))
                .map_err(|e| Error::Config(format!("invalid basic auth credentials: {e}")))?;
            return Ok(Auth::Basic(value));
        }
        Ok(Auth::None)
    }

    /// The `Authorization` header value, if any.
    pub(crate) async fn header(&self) -> Option<HeaderValue> {
        match self {
            Auth::None => None,
            Auth::Basic(v) => Some(v.clone()),
            Auth::Bearer(source) => {
                let token = source.token().await?;
                let mut v = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
                v.set_sensitive(true);
                Some(v)
            }
        }
    }
}
