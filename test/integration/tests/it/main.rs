//! Integration tests of the client (REST client, typed and dynamic APIs, discovery) against an
//! in-process kube-apiserver serving HTTPS on a random loopback port, with a fresh data
//! directory and a static bearer token.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use clap::Parser as _;
use client::config::ResolvedConfig;
use client::rest::{Client, Config};

mod discovery;
mod dynamic;
mod informer;
mod leaderelection;
mod record;
mod rest;

/// The token `admin` authenticates with.
pub const ADMIN_TOKEN: &str = "integration-admin-token";

/// A running API server and a client for it.
pub struct Cluster {
    running: Option<apiserver::Running>,
    dir: tempfile::TempDir,
    /// The configuration clients are built from (server URL, CA, token).
    pub resolved: ResolvedConfig,
    /// A client authenticated as `admin`.
    pub client: Client,
    /// A client certificate (PEM) for user `jane` in group `devs`, signed by the server's
    /// `--client-ca-file`.
    pub jane_cert: Vec<u8>,
    /// Its key (PEM).
    pub jane_key: Vec<u8>,
}

/// Mints a client CA and a certificate for `jane` (groups `devs`): (CA PEM, cert PEM, key PEM).
fn client_certificates() -> anyhow::Result<(String, String, String)> {
    use rcgen::{
        BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer,
        KeyPair, KeyUsagePurpose,
    };
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.distinguished_name.push(DnType::CommonName, "integration-client-ca");
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::DigitalSignature];
    let ca_key = KeyPair::generate()?;
    let ca_pem = ca.self_signed(&ca_key)?.pem();
    let issuer = Issuer::new(ca, ca_key);
    let mut leaf = CertificateParams::new(Vec::<String>::new())?;
    leaf.distinguished_name.push(DnType::CommonName, "jane");
    leaf.distinguished_name.push(DnType::OrganizationName, "devs");
    leaf.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    let leaf_key = KeyPair::generate()?;
    let leaf_pem = leaf.signed_by(&leaf_key, &issuer)?.pem();
    Ok((ca_pem, leaf_pem, leaf_key.serialize_pem()))
}

impl Cluster {
    /// Starts a server on 127.0.0.1 with a free port.
    pub async fn start() -> anyhow::Result<Cluster> {
        let dir = tempfile::tempdir()?;
        let tokens = dir.path().join("tokens.csv");
        std::fs::write(&tokens, format!("{ADMIN_TOKEN},admin,admin-uid,\"system:masters\"\n"))?;
        let (client_ca, jane_cert, jane_key) = client_certificates()?;
        let client_ca_file = dir.path().join("client-ca.crt");
        std::fs::write(&client_ca_file, client_ca)?;
        let arg = |flag: &str, p: PathBuf| format!("--{flag}={}", p.display());
        let options = apiserver::Options::try_parse_from([
            "kube-apiserver".to_string(),
            "--secure-port=0".to_string(),
            "--bind-address=127.0.0.1".to_string(),
            arg("cert-dir", dir.path().join("certs")),
            arg("data-dir", dir.path().join("data")),
            arg("token-auth-file", tokens),
            arg("client-ca-file", client_ca_file),
            "--shutdown-timeout=1s".to_string(),
        ])?;
        let running = apiserver::start(options).await.context("starting the apiserver")?;
        let ca = std::fs::read(dir.path().join("certs").join("apiserver.crt"))?;
        let resolved = ResolvedConfig {
            server: format!("https://{}", running.addr),
            namespace: "default".into(),
            ca_data: Some(ca),
            token: Some(ADMIN_TOKEN.into()),
            ..Default::default()
        };
        let client = Client::new(&resolved, Self::config())?;
        Ok(Cluster {
            running: Some(running),
            dir,
            resolved,
            client,
            jane_cert: jane_cert.into_bytes(),
            jane_key: jane_key.into_bytes(),
        })
    }

    /// Client options for tests: a generous rate and a timeout so a hang fails the test.
    pub fn config() -> Config {
        Config {
            qps: 200.0,
            burst: 400,
            timeout: Some(Duration::from_secs(30)),
            ..Config::default()
        }
    }

    /// A client built from `resolved`.
    pub fn client_for(&self, resolved: &ResolvedConfig) -> Result<Client, client::rest::Error> {
        Client::new(resolved, Self::config())
    }

    /// The data directory's root.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// Stops the server.
    pub async fn stop(mut self) {
        if let Some(r) = self.running.take() {
            r.shutdown().await;
        }
    }
}

/// Waits up to `limit` for the next item of an async source; fails the test on timeout.
pub async fn within<T>(limit: Duration, f: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(limit, f).await.expect("timed out waiting")
}
