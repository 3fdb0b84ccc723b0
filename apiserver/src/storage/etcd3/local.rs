//! A private etcd on loopback, for tests and benchmarks that need the real server, over plain
//! HTTP or over TLS with certificates minted for the run.

use std::net::{IpAddr, Ipv4Addr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rcgen::{
    BasicConstraints, CertificateParams, DnType, ExtendedKeyUsagePurpose, IsCa, Issuer, KeyPair,
    KeyUsagePurpose, SanType,
};

use super::super::Storage;
use super::{Etcd3, Etcd3Config};

const STARTUP: Duration = Duration::from_secs(30);

/// An etcd process on free 127.0.0.1 ports with its data in a temporary directory; killed
/// on drop.
pub struct EtcdServer {
    child: Child,
    endpoint: String,
    dir: tempfile::TempDir,
    tls: Option<TlsFiles>,
}

/// The PEM files of a TLS etcd: a CA minted for the run, etcd's serving pair signed by it (for
/// 127.0.0.1 and localhost), and a client pair signed by it, which etcd requires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    /// The CA certificate (what `--etcd-cafile` names).
    pub ca_file: PathBuf,
    /// etcd's serving certificate.
    pub server_cert_file: PathBuf,
    /// etcd's serving key.
    pub server_key_file: PathBuf,
    /// A client certificate etcd accepts (what `--etcd-certfile` names).
    pub client_cert_file: PathBuf,
    /// Its key (what `--etcd-keyfile` names).
    pub client_key_file: PathBuf,
}

/// A CA certificate (PEM) and the issuer that signs with it.
pub fn mint_ca(common_name: &str) -> Result<(String, Issuer<'static, KeyPair>), String> {
    let err = |e: rcgen::Error| format!("minting CA {common_name}: {e}");
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    params.key_usages = vec![
        KeyUsagePurpose::KeyCertSign,
        KeyUsagePurpose::CrlSign,
        KeyUsagePurpose::DigitalSignature,
    ];
    let key = KeyPair::generate().map_err(err)?;
    let pem = params.self_signed(&key).map_err(err)?.pem();
    Ok((pem, Issuer::new(params, key)))
}

/// A leaf certificate and key (PEM) signed by `issuer`: for a server on 127.0.0.1 and
/// localhost, or for a client.
pub fn mint_leaf(
    issuer: &Issuer<'_, KeyPair>,
    common_name: &str,
    server: bool,
) -> Result<(String, String), String> {
    let err = |e: rcgen::Error| format!("minting certificate {common_name}: {e}");
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
    params.distinguished_name.push(DnType::CommonName, common_name);
    params.key_usages = vec![KeyUsagePurpose::DigitalSignature, KeyUsagePurpose::KeyEncipherment];
    if server {
        params.subject_alt_names = vec![
            SanType::IpAddress(IpAddr::V4(Ipv4Addr::LOCALHOST)),
            SanType::DnsName("localhost".try_into().map_err(err)?),
        ];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ServerAuth];
    } else {
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::ClientAuth];
    }
    let key = KeyPair::generate().map_err(err)?;
    let cert = params.signed_by(&key, issuer).map_err(err)?;
    Ok((cert.pem(), key.serialize_pem()))
}

impl TlsFiles {
    /// Mints a CA, a server pair and a client pair into `dir`.
    pub fn mint(dir: &Path) -> Result<Self, String> {
        let (ca_pem, issuer) = mint_ca("etcd-local-ca")?;
        let (server_cert, server_key) = mint_leaf(&issuer, "etcd-local", true)?;
        let (client_cert, client_key) = mint_leaf(&issuer, "kube-apiserver-etcd-client", false)?;
        let files = TlsFiles {
            ca_file: dir.join("ca.crt"),
            server_cert_file: dir.join("server.crt"),
            server_key_file: dir.join("server.key"),
            client_cert_file: dir.join("client.crt"),
            client_key_file: dir.join("client.key"),
        };
        for (path, pem) in [
            (&files.ca_file, &ca_pem),
            (&files.server_cert_file, &server_cert),
            (&files.server_key_file, &server_key),
            (&files.client_cert_file, &client_cert),
            (&files.client_key_file, &client_key),
        ] {
            std::fs::write(path, pem).map_err(|e| format!("writing {}: {e}", path.display()))?;
        }
        Ok(files)
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn etcd_binary() -> Result<PathBuf, String> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path).map(|dir| dir.join("etcd")).find(|p| p.is_file()).ok_or_else(
        || {
            "an `etcd` binary is needed on PATH (Debian: apt-get install etcd-server; \
             hack/lib.sh installs it)"
                .to_string()
        },
    )
}

pub(super) fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| format!("bind: {e}"))?;
    Ok(listener.local_addr().map_err(|e| format!("local address: {e}"))?.port())
}

impl EtcdServer {
    /// Starts etcd with `extra` flags and waits until it serves requests.
    pub async fn start(extra: &[&str]) -> Result<Self, String> {
        Self::launch(false, extra).await
    }

    /// Starts etcd serving its clients over TLS only, with certificates minted for the run
    /// (see [`TlsFiles`]) and client certificates required, and waits until it serves
    /// requests. [`EtcdServer::config`] fills in the CA and client pair.
    pub async fn start_tls(extra: &[&str]) -> Result<Self, String> {
        Self::launch(true, extra).await
    }

    async fn launch(tls: bool, extra: &[&str]) -> Result<Self, String> {
        let binary = etcd_binary()?;
        let mut last = String::new();
        // Free ports can be taken between probing and etcd binding them: try a few times.
        for _ in 0..3 {
            let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
            let (client, peer) = (free_port()?, free_port()?);
            let scheme = if tls { "https" } else { "http" };
            let client_url = format!("{scheme}://127.0.0.1:{client}");
            let peer_url = format!("http://127.0.0.1:{peer}");
            let files = if tls { Some(TlsFiles::mint(dir.path())?) } else { None };
            let mut tls_flags = Vec::new();
            if let Some(files) = &files {
                tls_flags = vec![
                    format!("--cert-file={}", files.server_cert_file.display()),
                    format!("--key-file={}", files.server_key_file.display()),
                    format!("--trusted-ca-file={}", files.ca_file.display()),
                    "--client-cert-auth".to_string(),
                ];
            }
            let log = std::fs::File::create(dir.path().join("etcd.log"))
                .map_err(|e| format!("log file: {e}"))?;
            let child = Command::new(&binary)
                .arg("--name=local")
                .arg(format!("--data-dir={}", dir.path().join("data").display()))
                .arg(format!("--listen-client-urls={client_url}"))
                .arg(format!("--advertise-client-urls={client_url}"))
                .arg(format!("--listen-peer-urls={peer_url}"))
                .arg(format!("--initial-advertise-peer-urls={peer_url}"))
                .arg(format!("--initial-cluster=local={peer_url}"))
                .arg("--log-level=warn")
                .args(&tls_flags)
                .args(extra)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(log)
                .spawn()
                .map_err(|e| format!("starting {}: {e}", binary.display()))?;
            let mut server = EtcdServer { child, endpoint: client_url, dir, tls: files };
            match server.wait_ready().await {
                Ok(()) => return Ok(server),
                Err(e) => last = e,
            }
        }
        Err(format!("etcd did not start: {last}"))
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log =
                    std::fs::read_to_string(self.dir.path().join("etcd.log")).unwrap_or_default();
                return Err(format!("etcd exited with {status}: {log}"));
            }
            let config = Etcd3Config {
                dial_timeout: Duration::from_millis(500),
                request_timeout: Duration::from_secs(2),
                ..self.config("/health-probe")
            };
            if let Ok(store) = Etcd3::connect(config).await
                && store.current_revision().await.is_ok()
            {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(format!("etcd not healthy within {STARTUP:?}"));
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// The client URL.
    pub fn endpoint(&self) -> &str {
        &self.endpoint
    }

    /// The etcd process's id.
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// The directory holding etcd's data (under `data/`) and log.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// The certificates of a server started with [`EtcdServer::start_tls`].
    pub fn tls_files(&self) -> Option<&TlsFiles> {
        self.tls.as_ref()
    }

    /// A configuration for this server under `prefix` (with the CA and client pair when it
    /// serves TLS).
    pub fn config(&self, prefix: &str) -> Etcd3Config {
        Etcd3Config {
            endpoints: vec![self.endpoint.clone()],
            prefix: prefix.to_string(),
            ca_file: self.tls.as_ref().map(|t| t.ca_file.clone()),
            cert_file: self.tls.as_ref().map(|t| t.client_cert_file.clone()),
            key_file: self.tls.as_ref().map(|t| t.client_key_file.clone()),
            dial_timeout: Duration::from_secs(10),
            ..Etcd3Config::default()
        }
    }
}
/// One member of an [`EtcdCluster`]; its process is killed on drop.
struct Member {
    child: Child,
    endpoint: String,
}

impl Drop for Member {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// An N-member etcd cluster on 127.0.0.1, every member with its own ports and directory
/// (`member-<i>/` under [`EtcdCluster::dir`]); all members are killed on drop.
pub struct EtcdCluster {
    members: Vec<Option<Member>>,
    dir: tempfile::TempDir,
}

impl EtcdCluster {
    /// Starts `size` members that bootstrap together as a new cluster, and waits until
    /// the cluster serves requests through every endpoint.
    pub async fn start(size: usize) -> Result<Self, String> {
        let binary = etcd_binary()?;
        let mut last = String::new();
        for _ in 0..3 {
            let dir = tempfile::tempdir().map_err(|e| format!("temporary directory: {e}"))?;
            let mut urls = Vec::with_capacity(size);
            for _ in 0..size {
                let (client, peer) = (free_port()?, free_port()?);
                urls.push((
                    format!("http://127.0.0.1:{client}"),
                    format!("http://127.0.0.1:{peer}"),
                ));
            }
            let initial = urls
                .iter()
                .enumerate()
                .map(|(i, (_, peer))| format!("m{i}={peer}"))
                .collect::<Vec<_>>()
                .join(",");
            let mut members = Vec::with_capacity(size);
            for (i, (client_url, peer_url)) in urls.iter().enumerate() {
                let member_dir = dir.path().join(format!("member-{i}"));
                std::fs::create_dir_all(&member_dir)
                    .map_err(|e| format!("member directory: {e}"))?;
                let log = std::fs::File::create(member_dir.join("etcd.log"))
                    .map_err(|e| format!("log file: {e}"))?;
                let child = Command::new(&binary)
                    .arg(format!("--name=m{i}"))
                    .arg(format!("--data-dir={}", member_dir.join("data").display()))
                    .arg(format!("--listen-client-urls={client_url}"))
                    .arg(format!("--advertise-client-urls={client_url}"))
                    .arg(format!("--listen-peer-urls={peer_url}"))
                    .arg(format!("--initial-advertise-peer-urls={peer_url}"))
                    .arg(format!("--initial-cluster={initial}"))
                    .arg("--initial-cluster-state=new")
                    .arg("--initial-cluster-token=local-cluster")
                    .arg("--log-level=warn")
                    .stdin(Stdio::null())
                    .stdout(Stdio::null())
                    .stderr(log)
                    .spawn()
                    .map_err(|e| format!("starting {}: {e}", binary.display()))?;
                members.push(Some(Member { child, endpoint: client_url.clone() }));
            }
            let mut cluster = EtcdCluster { members, dir };
            match cluster.wait_ready().await {
                Ok(()) => return Ok(cluster),
                Err(e) => last = e,
            }
        }
        Err(format!("etcd cluster did not start: {last}"))
    }

    async fn wait_ready(&mut self) -> Result<(), String> {
        let deadline = Instant::now() + STARTUP;
        for i in 0..self.members.len() {
            loop {
                if let Some(Some(member)) = self.members.get_mut(i)
                    && let Ok(Some(status)) = member.child.try_wait()
                {
                    let log = self.dir.path().join(format!("member-{i}/etcd.log"));
                    let log = std::fs::read_to_string(log).unwrap_or_default();
                    return Err(format!("etcd member {i} exited with {status}: {log}"));
                }
                let Some(endpoint) = self.endpoint(i).map(str::to_string) else { break };
                let config = Etcd3Config {
                    endpoints: vec![endpoint],
                    dial_timeout: Duration::from_millis(500),
                    request_timeout: Duration::from_secs(2),
                    ..self.config("/health-probe")
                };
                if let Ok(store) = Etcd3::connect(config).await
                    && store.current_revision().await.is_ok()
                {
                    break;
                }
                if Instant::now() >= deadline {
                    return Err(format!("etcd member {i} not healthy within {STARTUP:?}"));
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
        Ok(())
    }

    /// How many members the cluster was started with.
    pub fn size(&self) -> usize {
        self.members.len()
    }

    /// Member `i`'s client URL, or `None` once it was killed (or `i` is out of range).
    pub fn endpoint(&self, i: usize) -> Option<&str> {
        self.members.get(i)?.as_ref().map(|m| m.endpoint.as_str())
    }

    /// The client URLs of the members still running.
    pub fn endpoints(&self) -> Vec<String> {
        self.members.iter().flatten().map(|m| m.endpoint.clone()).collect()
    }

    /// Kills member `i` (SIGKILL) and waits for it to exit; `false` when it was not running.
    pub fn kill(&mut self, i: usize) -> bool {
        self.members.get_mut(i).and_then(Option::take).is_some()
    }

    /// The directory holding each member's `member-<i>/` data and log.
    pub fn dir(&self) -> &std::path::Path {
        self.dir.path()
    }

    /// A configuration listing every running member's endpoint under `prefix`.
    pub fn config(&self, prefix: &str) -> Etcd3Config {
        Etcd3Config {
            endpoints: self.endpoints(),
            prefix: prefix.to_string(),
            dial_timeout: Duration::from_secs(10),
            ..Etcd3Config::default()
        }
    }
}
