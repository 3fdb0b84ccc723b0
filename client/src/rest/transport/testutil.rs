//! Test fixtures for the transport: a throwaway CA minting server and client certificates, an
//! HTTPS server on loopback that records the client certificate of each request, and tiny
//! HTTP `CONNECT` and SOCKS5 proxies that record what they forwarded.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http_body_util::Full;
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use super::Io;

/// A certificate authority for one test.
pub(crate) struct Pki {
    pub ca_pem: String,
    issuer: CertifiedIssuer<'static, KeyPair>,
}

/// A PEM certificate and key.
#[derive(Debug, Clone)]
pub(crate) struct Pair {
    pub cert_pem: String,
    pub key_pem: String,
}

impl Pair {
    pub(crate) fn der(&self) -> Vec<u8> {
        CertificateDer::from_pem_slice(self.cert_pem.as_bytes()).expect("pem").to_vec()
    }
}

impl Pki {
    pub(crate) fn new() -> Pki {
        let mut params = CertificateParams::new(Vec::<String>::new()).expect("params");
        params.distinguished_name.push(DnType::CommonName, "test-ca");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let issuer =
            CertifiedIssuer::self_signed(params, KeyPair::generate().expect("key")).expect("ca");
        Pki { ca_pem: issuer.pem(), issuer }
    }

    /// A serving certificate for `sans`.
    pub(crate) fn server(&self, sans: &[&str]) -> Pair {
        self.leaf("server", sans, ExtendedKeyUsagePurpose::ServerAuth)
    }

    /// A client certificate with common name `cn`.
    pub(crate) fn client(&self, cn: &str) -> Pair {
        self.leaf(cn, &[], ExtendedKeyUsagePurpose::ClientAuth)
    }

    fn leaf(&self, cn: &str, sans: &[&str], usage: ExtendedKeyUsagePurpose) -> Pair {
        let mut params =
            CertificateParams::new(sans.iter().map(|s| s.to_string()).collect::<Vec<_>>())
                .expect("params");
        params.distinguished_name.push(DnType::CommonName, cn);
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().expect("key");
        let cert = params.signed_by(&key, &self.issuer).expect("sign");
        Pair { cert_pem: cert.pem(), key_pem: key.serialize_pem() }
    }

    /// A rustls server configuration serving `pair`, asking for client certificates signed by
    /// this CA when `client_auth` is set.
    pub(crate) fn server_config(&self, pair: &Pair, client_auth: bool) -> rustls::ServerConfig {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .expect("versions");
        let builder = if client_auth {
            let mut roots = rustls::RootCertStore::empty();
            roots
                .add(CertificateDer::from_pem_slice(self.ca_pem.as_bytes()).expect("ca"))
                .expect("root");
            let verifier = rustls::server::WebPkiClientVerifier::builder_with_provider(
                Arc::new(roots),
                provider,
            )
            .allow_unauthenticated()
            .build()
            .expect("verifier");
            builder.with_client_cert_verifier(verifier)
        } else {
            builder.with_no_client_auth()
        };
        let certs = CertificateDer::pem_slice_iter(pair.cert_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .expect("certs");
        let key = PrivateKeyDer::from_pem_slice(pair.key_pem.as_bytes()).expect("key");
        let mut config = builder.with_single_cert(certs, key).expect("config");
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        config
    }
}

/// One request as the HTTPS server saw it.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub path: String,
    pub authorization: Option<String>,
    /// The DER of the client certificate of the connection, if one was presented.
    pub client_cert: Option<Vec<u8>>,
    /// Which connection (in accept order) carried the request.
    pub connection: usize,
}

/// An HTTPS server on loopback answering every request with `200 {}`.
pub(crate) struct TlsServer {
    pub addr: SocketAddr,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for TlsServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl TlsServer {
    pub(crate) async fn start(config: rustls::ServerConfig) -> TlsServer {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let seen: Arc<Mutex<Vec<Seen>>> = Arc::default();
        let acceptor = TlsAcceptor::from(Arc::new(config));
        let recorded = seen.clone();
        let task = tokio::spawn(async move {
            let mut connection = 0;
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                connection += 1;
                let acceptor = acceptor.clone();
                let recorded = recorded.clone();
                tokio::spawn(async move {
                    let Ok(tls) = acceptor.accept(tcp).await else { return };
                    let client_cert = tls
                        .get_ref()
                        .1
                        .peer_certificates()
                        .and_then(|c| c.first())
                        .map(|c| c.to_vec());
                    let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                        let seen = Seen {
                            path: req.uri().path().to_string(),
                            authorization: req
                                .headers()
                                .get("authorization")
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_string),
                            client_cert: client_cert.clone(),
                            connection,
                        };
                        recorded.lock().expect("lock").push(seen);
                        async move {
                            Ok::<_, Infallible>(
                                http::Response::builder()
                                    .header("content-type", "application/json")
                                    .body(Full::new(Bytes::from_static(b"{}")))
                                    .expect("response"),
                            )
                        }
                    });
                    let _ = Builder::new(TokioExecutor::new())
                        .serve_connection(TokioIo::new(tls), service)
                        .await;
                });
            }
        });
        TlsServer { addr, seen, task }
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.seen.lock().expect("lock").clone()
    }
}

/// What a proxy was asked to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Forwarded {
    /// The request line (`CONNECT host:port HTTP/1.1`, `GET http://... HTTP/1.1`) or, for
    /// SOCKS5, `host:port`.
    pub request: String,
    /// The `Proxy-Authorization` header, or the SOCKS5 `user:password`.
    pub credentials: Option<String>,
}

/// A proxy on loopback.
pub(crate) struct Proxy {
    pub addr: SocketAddr,
    pub forwarded: Arc<Mutex<Vec<Forwarded>>>,
    task: tokio::task::JoinHandle<()>,
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Proxy {
    pub(crate) fn forwarded(&self) -> Vec<Forwarded> {
        self.forwarded.lock().expect("lock").clone()
    }

    /// An HTTP proxy (HTTPS when `tls` is given): tunnels `CONNECT` and forwards absolute-form
    /// requests. With `required` set, other credentials get `407`.
    pub(crate) async fn http(tls: Option<rustls::ServerConfig>, required: Option<String>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let forwarded: Arc<Mutex<Vec<Forwarded>>> = Arc::default();
        let recorded = forwarded.clone();
        let acceptor = tls.map(|c| TlsAcceptor::from(Arc::new(c)));
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let recorded = recorded.clone();
                let required = required.clone();
                let acceptor = acceptor.clone();
                tokio::spawn(async move {
                    let io: Box<dyn Io> = match acceptor {
                        Some(a) => match a.accept(tcp).await {
                            Ok(s) => Box::new(s),
                            Err(_) => return,
                        },
                        None => Box::new(tcp),
                    };
                    let _ = http_proxy_conn(io, recorded, required).await;
                });
            }
        });
        Proxy { addr, forwarded, task }
    }

    /// A SOCKS5 proxy; with `required` set it insists on that user name and password.
    pub(crate) async fn socks5(required: Option<(String, String)>) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let addr = listener.local_addr().expect("addr");
        let forwarded: Arc<Mutex<Vec<Forwarded>>> = Arc::default();
        let recorded = forwarded.clone();
        let task = tokio::spawn(async move {
            loop {
                let Ok((tcp, _)) = listener.accept().await else { return };
                let recorded = recorded.clone();
                let required = required.clone();
                tokio::spawn(async move {
                    let _ = socks5_conn(tcp, recorded, required).await;
                });
            }
        });
        Proxy { addr, forwarded, task }
    }
}

/// The proxies resolve `localhost` and the reserved `.test` names to loopback, standing in for
/// the proxy's own name resolution.
fn loopback_for_test_names(target: &str) -> String {
    match target.rsplit_once(':') {
        Some((host, port)) if host == "localhost" || host.ends_with(".test") => {
            format!("127.0.0.1:{port}")
        }
        _ => target.to_string(),
    }
}

async fn http_proxy_conn(
    mut io: Box<dyn Io>,
    recorded: Arc<Mutex<Vec<Forwarded>>>,
    required: Option<String>,
) -> std::io::Result<()> {
    let mut head = Vec::new();
    while !head.ends_with(b"\r\n\r\n") {
        head.push(io.read_u8().await?);
    }
    let text = String::from_utf8_lossy(&head).to_string();
    let mut lines = text.split("\r\n");
    let request = lines.next().unwrap_or("").to_string();
    let credentials = lines.find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("proxy-authorization").then(|| v.trim().to_string())
    });
    recorded
        .lock()
        .expect("lock")
        .push(Forwarded { request: request.clone(), credentials: credentials.clone() });
    if required.is_some() && credentials != required {
        io.write_all(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            .await?;
        return Ok(());
    }
    let mut parts = request.split(' ');
    let method = parts.next().unwrap_or("");
    let target = parts.next().unwrap_or("");
    if method == "CONNECT" {
        let mut upstream = TcpStream::connect(loopback_for_test_names(target)).await?;
        io.write_all(b"HTTP/1.1 200 Connection established\r\n\r\n").await?;
        tokio::io::copy_bidirectional(&mut io, &mut upstream).await?;
        return Ok(());
    }
    // An absolute-form request: forward it as it came.
    let authority = target
        .split("://")
        .nth(1)
        .and_then(|rest| rest.split('/').next())
        .unwrap_or("")
        .to_string();
    let mut upstream = TcpStream::connect(loopback_for_test_names(&authority)).await?;
    upstream.write_all(&head).await?;
    tokio::io::copy_bidirectional(&mut io, &mut upstream).await?;
    Ok(())
}

async fn socks5_conn(
    mut tcp: TcpStream,
    recorded: Arc<Mutex<Vec<Forwarded>>>,
    required: Option<(String, String)>,
) -> std::io::Result<()> {
    let version = tcp.read_u8().await?;
    let n = tcp.read_u8().await?;
    let mut methods = vec![0u8; usize::from(n)];
    tcp.read_exact(&mut methods).await?;
    if version != 5 {
        return Ok(());
    }
    let mut credentials = None;
    match &required {
        None => tcp.write_all(&[5, 0]).await?,
        Some(_) if !methods.contains(&2) => {
            tcp.write_all(&[5, 0xff]).await?;
            return Ok(());
        }
        Some((user, password)) => {
            tcp.write_all(&[5, 2]).await?;
            let _sub_version = tcp.read_u8().await?;
            let ulen = tcp.read_u8().await?;
            let mut u = vec![0u8; usize::from(ulen)];
            tcp.read_exact(&mut u).await?;
            let plen = tcp.read_u8().await?;
            let mut p = vec![0u8; usize::from(plen)];
            tcp.read_exact(&mut p).await?;
            let (u, p) =
                (String::from_utf8_lossy(&u).to_string(), String::from_utf8_lossy(&p).to_string());
            credentials = Some(format!("{u}:{p}"));
            if (&u, &p) != (user, password) {
                recorded
                    .lock()
                    .expect("lock")
                    .push(Forwarded { request: String::new(), credentials });
                tcp.write_all(&[1, 1]).await?;
                return Ok(());
            }
            tcp.write_all(&[1, 0]).await?;
        }
    }
    let mut head = [0u8; 4];
    tcp.read_exact(&mut head).await?;
    let host = match head[3] {
        1 => {
            let mut a = [0u8; 4];
            tcp.read_exact(&mut a).await?;
            std::net::Ipv4Addr::from(a).to_string()
        }
        4 => {
            let mut a = [0u8; 16];
            tcp.read_exact(&mut a).await?;
            format!("[{}]", std::net::Ipv6Addr::from(a))
        }
        _ => {
            let len = tcp.read_u8().await?;
            let mut name = vec![0u8; usize::from(len)];
            tcp.read_exact(&mut name).await?;
            String::from_utf8_lossy(&name).to_string()
        }
    };
    let port = tcp.read_u16().await?;
    let target = format!("{host}:{port}");
    recorded.lock().expect("lock").push(Forwarded { request: target.clone(), credentials });
    // Names resolve on the proxy's side, as a real SOCKS5 proxy does.
    match TcpStream::connect(loopback_for_test_names(&target)).await {
        Ok(mut upstream) => {
            tcp.write_all(&[5, 0, 0, 1, 127, 0, 0, 1, 0, 0]).await?;
            tokio::io::copy_bidirectional(&mut tcp, &mut upstream).await?;
        }
        Err(_) => tcp.write_all(&[5, 5, 0, 1, 0, 0, 0, 0, 0, 0]).await?,
    }
    Ok(())
}
