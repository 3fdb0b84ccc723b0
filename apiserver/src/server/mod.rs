//! Serving: TLS (rustls) with optional client-certificate verification, HTTP/1.1 and HTTP/2
//! (hyper), authentication of each request, panic isolation, and graceful shutdown.

pub mod certs;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo};
use hyper_util::server::conn::auto::Builder;
use rustls::server::WebPkiClientVerifier;
use rustls_pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio_rustls::TlsAcceptor;

use crate::endpoints::{self, ApiServer};

/// A failure to set up serving.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A certificate or key file could not be read or parsed.
    #[error("{0}")]
    Tls(String),
    /// The port could not be bound.
    #[error("failed to listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// Builds the rustls server configuration: the serving certificate chain and key, and when a
/// client CA is given, verification of client certificates (optional, so token and anonymous
/// requests still work).
pub fn tls_config(
    cert_pem: &[u8],
    key_pem: &[u8],
    client_ca_pem: Option<&[u8]>,
) -> Result<rustls::ServerConfig, ServeError> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_slice_iter(cert_pem)
        .collect::<Result<_, _>>()
        .map_err(|e| ServeError::Tls(format!("failed to parse serving certificate: {e}")))?;
    let key = PrivateKeyDer::from_pem_slice(key_pem)
        .map_err(|e| ServeError::Tls(format!("failed to parse serving key: {e}")))?;
    let builder = rustls::ServerConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Tls(e.to_string()))?;
    let builder = match client_ca_pem {
        Some(ca) => {
            let mut roots = rustls::RootCertStore::empty();
            for c in CertificateDer::pem_slice_iter(ca) {
                let c =
                    c.map_err(|e| ServeError::Tls(format!("failed to parse client CA: {e}")))?;
                roots.add(c).map_err(|e| ServeError::Tls(format!("bad client CA: {e}")))?;
            }
            let verifier = WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider)
                .allow_unauthenticated()
                .build()
                .map_err(|e| ServeError::Tls(e.to_string()))?;
            builder.with_client_cert_verifier(verifier)
        }
        None => builder.with_no_client_auth(),
    };
    let mut config = builder
        .with_single_cert(certs, key)
        .map_err(|e| ServeError::Tls(format!("serving certificate and key do not match: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(config)
}

/// Serves HTTPS on `listener` until `shutdown` turns true; then stops accepting, lets
/// in-flight requests finish (at most `grace`), and returns.
pub async fn serve(
    listener: TcpListener,
    tls: rustls::ServerConfig,
    server: Arc<ApiServer>,
    mut shutdown: watch::Receiver<bool>,
    grace: Duration,
) {
    let acceptor = TlsAcceptor::from(Arc::new(tls));
    let graceful = hyper_util::server::graceful::GracefulShutdown::new();
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            _ = shutdown.wait_for(|s| *s) => break,
        };
        let Ok((stream, _peer)) = accepted else { continue };
        let _ = stream.set_nodelay(true);
        let acceptor = acceptor.clone();
        let server = server.clone();
        let watcher = graceful.watcher();
        tokio::spawn(async move {
            let tls = match tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream))
                .await
            {
                Ok(Ok(tls)) => tls,
                _ => return,
            };
            let client_cert: Option<Vec<u8>> = tls
                .get_ref()
                .1
                .peer_certificates()
                .and_then(|c| c.first())
                .map(|c| c.as_ref().to_vec());
            let service = service_fn(move |req: http::Request<hyper::body::Incoming>| {
                let server = server.clone();
                let client_cert = client_cert.clone();
                async move {
                    let authz = req
                        .headers()
                        .get(http::header::AUTHORIZATION)
                        .and_then(|v| v.to_str().ok())
                        .map(str::to_string);
                    let user = match crate::authn::authenticate_request(
                        &server,
                        authz.as_deref(),
                        client_cert.as_deref(),
                    )
                    .await
                    {
                        Ok(u) => u,
                        Err(e) => {
                            return Ok::<_, std::convert::Infallible>(endpoints::status_response(
                                &e,
                            ));
                        }
                    };
                    // A panic in one request must not take the server down: run it as its
                    // own task and turn a panic into a 500.
                    let handled = tokio::spawn(endpoints::handle(server, req, user)).await;
                    Ok(handled.unwrap_or_else(|_| {
                        endpoints::status_response(&apimachinery::errors::StatusError::new_internal_error(
                            "an error on the server (\"\") has prevented the request from succeeding",
                        ))
                    }))
                }
            });
            let mut builder = Builder::new(TokioExecutor::new());
            // Upstream's --http2-max-streams-per-connection default.
            builder.http2().max_concurrent_streams(1000);
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(tls), service);
            let _ = watcher.watch(conn.into_owned()).await;
        });
    }
    drop(listener);
    let _ = tokio::time::timeout(grace, graceful.shutdown()).await;
}
