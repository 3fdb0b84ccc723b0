//! The connection layer: rustls client configuration from a resolved kubeconfig (CA bundle,
//! system roots, client certificate, `insecure-skip-tls-verify`, `tls-server-name`, ALPN
//! `h2`/`http/1.1`), the connector hyper's pooled client dials through (directly or through an
//! HTTP, HTTPS or SOCKS5 proxy, see [`proxy`]), and the credentials added to each request
//! (bearer token re-read from its file, basic auth, an exec plugin's token or certificate, see
//! [`exec`]).

mod exec;
mod proxy;
#[cfg(test)]
pub(crate) mod testutil;

use std::collections::HashMap;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
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
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio::time::Instant;
use tokio_rustls::TlsConnector;

use super::error::{BoxError, Error};
use crate::config::{ResolvedConfig, join_host_port};

pub(crate) use exec::{Authenticator, Credentials};
pub(crate) use proxy::{ProxyEnv, Route, route_for};

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

/// The exec plugin a configuration authenticates with, if any. As in client-go, a configuration
/// that already carries a token, basic credentials or a client certificate does not run it.
pub(crate) fn exec_authenticator(
    config: &ResolvedConfig,
) -> Result<Option<Arc<Authenticator>>, Error> {
    let Some(exec) = &config.exec else { return Ok(None) };
    let has_token = config.token.as_deref().is_some_and(|t| !t.is_empty())
        || config.token_file.as_deref().is_some_and(|f| !f.is_empty());
    let has_cert = config.client_cert_data.is_some() && config.client_key_data.is_some();
    if has_token || config.basic_auth.is_some() || has_cert {
        return Ok(None);
    }
    let cluster = exec.provide_cluster_info.then(|| exec::ExecCluster::from_resolved(config));
    exec::authenticator(exec, cluster).map(Some).map_err(Error::Config)
}

/// The rustls configuration a resolved kubeconfig asks for; with an exec plugin, the handshake
/// presents the plugin's current certificate.
pub(crate) fn tls_config(
    config: &ResolvedConfig,
    exec: Option<&Arc<Authenticator>>,
) -> Result<rustls::ClientConfig, Error> {
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
        (None, None) => match exec {
            Some(a) => {
                builder.with_client_cert_resolver(Arc::new(exec::ExecCertResolver(a.clone())))
            }
            None => builder.with_no_client_auth(),
        },
        _ => {
            return Err(Error::Config("client certificate and key must be given together".into()));
        }
    };
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    // Go's transport keeps no session cache; a resumed session would also carry an exec
    // plugin's old certificate past its rotation.
    tls.resumption = rustls::client::Resumption::disabled();
    Ok(tls)
}

/// Dials `host:port` over TLS with `config`'s verification and client certificate, offering
/// HTTP/1.1 only: the connection for a request that upgrades it (exec, attach, port
/// forwarding), which HTTP/2 cannot carry. Errors read as Go's dial errors do.
pub async fn dial_upgradable(
    config: &ResolvedConfig,
    host: &str,
    port: u16,
) -> Result<tokio_rustls::client::TlsStream<TcpStream>, Error> {
    let mut tls = tls_config(config, None)?;
    tls.alpn_protocols = vec![b"http/1.1".to_vec()];
    let name = ServerName::try_from(host.to_string())
        .map_err(|e| Error::Config(format!("invalid server name {host:?}: {e}")))?;
    let address = join_host_port(host, &port.to_string());
    let dial = |e: io::Error| {
        // Go's words for the common failures.
        let why = match e.kind() {
            io::ErrorKind::ConnectionRefused => "connect: connection refused".to_string(),
            io::ErrorKind::TimedOut => "i/o timeout".to_string(),
            _ => e.to_string(),
        };
        Error::Config(format!("error dialing backend: dial tcp {address}: {why}"))
    };
    let tcp = tokio::time::timeout(Duration::from_secs(30), TcpStream::connect((host, port)))
        .await
        .map_err(|_| dial(io::Error::new(io::ErrorKind::TimedOut, "i/o timeout")))?
        .map_err(dial)?;
    let _ = tcp.set_nodelay(true);
    TlsConnector::from(Arc::new(tls)).connect(name, tcp).await.map_err(dial)
}

/// Dials TCP (to the server or its proxy), the proxy's handshake, and for `https` URLs TLS;
/// tells the pool when ALPN chose HTTP/2 and when requests must name the full URL (a plain
/// HTTP target behind an HTTP proxy).
#[derive(Clone)]
pub(crate) struct Connector {
    http: HttpConnector,
    tls: Option<TlsConnector>,
    server_name: Option<ServerName<'static>>,
    route: Route,
    /// TLS to an `https` proxy: the client's settings with HTTP/1.1 only, as Go reuses them.
    proxy_tls: Option<TlsConnector>,
    /// Registers connections so an exec plugin's new certificate can close them.
    tracker: Option<ConnTracker>,
}

impl Connector {
    pub(crate) fn new(
        tls: Option<rustls::ClientConfig>,
        server_name: Option<&str>,
        route: Route,
        proxy_tls: Option<rustls::ClientConfig>,
        tracker: Option<ConnTracker>,
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
        let proxy_tls = proxy_tls.map(|mut c| {
            c.alpn_protocols = vec![b"http/1.1".to_vec()];
            TlsConnector::from(Arc::new(c))
        });
        Ok(Connector {
            http,
            tls: tls.map(|c| TlsConnector::from(Arc::new(c))),
            server_name,
            route,
            proxy_tls,
            tracker,
        })
    }

    fn name_for(&self, host: &str) -> Result<ServerName<'static>, BoxError> {
        match &self.server_name {
            Some(n) => Ok(n.clone()),
            None => Ok(ServerName::try_from(host.to_string())?),
        }
    }

    async fn connect(self, uri: Uri) -> Result<Conn, BoxError> {
        let https = uri.scheme_str() == Some("https");
        let host = uri.host().ok_or("URL has no host")?;
        let host = host.trim_start_matches('[').trim_end_matches(']').to_string();
        let port = uri.port_u16().unwrap_or(if https { 443 } else { 80 });
        let proxy = match &self.route {
            Route::Direct => None,
            Route::Proxy(p) => Some(p.clone()),
            Route::Refused(why) => return Err(why.clone().into()),
        };
        let dial: Uri = match &proxy {
            None => uri.clone(),
            Some(p) => format!("http://{}", p.addr()).parse()?,
        };
        let mut http = self.http.clone();
        let tcp = match tower_service::Service::call(&mut http, dial).await {
            Ok(tcp) => tcp.into_inner(),
            Err(e) if proxy.is_some() => {
                return Err(format!("proxyconnect tcp: {}", super::client::error_chain(&e)).into());
            }
            Err(e) => return Err(Box::new(e)),
        };
        let tracked = self.tracker.as_ref().and_then(|t| t.track(&tcp));
        let mut io: Box<dyn Io> = Box::new(tcp);
        let mut proxied = false;
        if let Some(p) = &proxy {
            match p.scheme.as_str() {
                "socks5" | "socks5h" => {
                    let user =
                        p.user.as_ref().map(|(u, pw)| (u.as_str(), pw.as_deref().unwrap_or("")));
                    proxy::socks5_connect(&mut io, &p.addr(), &host, port, user).await?;
                }
                scheme => {
                    if scheme == "https" {
                        let tls = self
                            .proxy_tls
                            .clone()
                            .ok_or("https proxy requested but TLS is not configured")?;
                        let name = self.name_for(&p.host)?;
                        let stream = tls
                            .connect(name, io)
                            .await
                            .map_err(|e| format!("proxyconnect tcp: {e}"))?;
                        io = Box::new(stream);
                    }
                    if https {
                        let target = join_host_port(&host, &port.to_string());
                        proxy::http_connect(&mut io, &target, p.basic_auth().as_deref()).await?;
                    } else {
                        proxied = true;
                    }
                }
            }
        }
        if !https {
            return Ok(Conn { io: TokioIo::new(io), h2: false, proxied, _tracked: tracked });
        }
        let tls = self.tls.clone().ok_or("https requested but TLS is not configured")?;
        let stream = tls.connect(self.name_for(&host)?, io).await?;
        let h2 = stream.get_ref().1.alpn_protocol() == Some(b"h2");
        Ok(Conn { io: TokioIo::new(Box::new(stream)), h2, proxied: false, _tracked: tracked })
    }
}

impl tower_service::Service<Uri> for Connector {
    type Response = Conn;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Conn, BoxError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: Uri) -> Self::Future {
        Box::pin(self.clone().connect(uri))
    }
}

/// A byte stream a connection runs over: TCP, TLS over it, TLS over TLS to an HTTPS proxy.
pub(crate) trait Io: AsyncRead + AsyncWrite + Send + Unpin {}

impl<T: AsyncRead + AsyncWrite + Send + Unpin> Io for T {}

/// A dialed connection.
pub(crate) struct Conn {
    io: TokioIo<Box<dyn Io>>,
    h2: bool,
    proxied: bool,
    _tracked: Option<Tracked>,
}

impl Connection for Conn {
    fn connected(&self) -> Connected {
        let c = Connected::new().proxy(self.proxied);
        if self.h2 { c.negotiated_h2() } else { c }
    }
}

impl hyper::rt::Read for Conn {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: hyper::rt::ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_read(cx, buf)
    }
}

impl hyper::rt::Write for Conn {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write(cx, buf)
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.get_mut().io).poll_write_vectored(cx, bufs)
    }
}

/// The open connections of one exec plugin's clients (client-go's `connrotation`): when the
/// plugin hands out a new certificate, every connection made with the old one is shut down so
/// the next request handshakes again.
#[derive(Debug, Clone, Default)]
pub(crate) struct ConnTracker(Arc<Mutex<TrackerState>>);

#[derive(Debug, Default)]
struct TrackerState {
    next: u64,
    /// A second handle on each socket, to shut it down from here.
    conns: HashMap<u64, std::net::TcpStream>,
}

/// Keeps a connection registered while it lives.
pub(crate) struct Tracked {
    tracker: ConnTracker,
    id: u64,
}

impl Drop for Tracked {
    fn drop(&mut self) {
        self.tracker.lock().conns.remove(&self.id);
    }
}

impl ConnTracker {
    fn lock(&self) -> std::sync::MutexGuard<'_, TrackerState> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers `tcp`; `None` when its handle cannot be duplicated.
    pub(crate) fn track(&self, tcp: &TcpStream) -> Option<Tracked> {
        #[cfg(unix)]
        {
            use std::os::fd::AsFd;
            let dup = std::net::TcpStream::from(tcp.as_fd().try_clone_to_owned().ok()?);
            let mut state = self.lock();
            state.next += 1;
            let id = state.next;
            state.conns.insert(id, dup);
            Some(Tracked { tracker: self.clone(), id })
        }
        #[cfg(not(unix))]
        {
            let _ = tcp;
            None
        }
    }

    /// Shuts every registered connection down.
    pub(crate) fn close_all(&self) {
        let conns = std::mem::take(&mut self.lock().conns);
        for conn in conns.values() {
            let _ = conn.shutdown(std::net::Shutdown::Both);
        }
    }

    /// How many connections are registered.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.lock().conns.len()
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
    Exec(Arc<Authenticator>),
}

/// What authenticated one request, kept to react to the server's answer.
#[derive(Debug)]
pub(crate) enum UsedCredentials {
    Static,
    Exec(Arc<Credentials>),
}

fn bearer(token: &str) -> Option<HeaderValue> {
    let mut v = HeaderValue::from_str(&format!("Bearer {token}")).ok()?;
    v.set_sensitive(true);
    Some(v)
}

impl Auth {
    pub(crate) fn from_config(
        config: &ResolvedConfig,
        refresh: Duration,
        exec: Option<Arc<Authenticator>>,
    ) -> Result<Self, Error> {
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
        if let Some(a) = exec {
            return Ok(Auth::Exec(a));
        }
        Ok(Auth::None)
    }

    /// The `Authorization` header value, if any, and what it came from. An exec plugin that
    /// fails makes the request fail with `getting credentials: ...`, as in client-go.
    pub(crate) async fn authorize(&self) -> Result<(Option<HeaderValue>, UsedCredentials), String> {
        match self {
            Auth::None => Ok((None, UsedCredentials::Static)),
            Auth::Basic(v) => Ok((Some(v.clone()), UsedCredentials::Static)),
            Auth::Bearer(source) => {
                Ok((source.token().await.and_then(|t| bearer(&t)), UsedCredentials::Static))
            }
            Auth::Exec(a) => {
                let creds =
                    a.credentials().await.map_err(|e| format!("getting credentials: {e}"))?;
                let header = if creds.token.is_empty() { None } else { bearer(&creds.token) };
                Ok((header, UsedCredentials::Exec(creds)))
            }
        }
    }

    /// The server answered 401: an exec plugin runs again, once for the credentials used.
    pub(crate) async fn unauthorized(&self, used: &UsedCredentials) {
        if let (Auth::Exec(a), UsedCredentials::Exec(creds)) = (self, used)
            && let Err(e) = a.refresh_after_unauthorized(creds).await
        {
            tracing::error!("refreshing credentials: {e}");
        }
    }
}
