//! Self-signed serving certificates, minted into `--cert-dir` when no `--tls-cert-file` is
//! given (as upstream's kube-apiserver does), and reused on the next start.

use std::net::IpAddr;
use std::path::{Path, PathBuf};

use rcgen::{CertificateParams, DnType, IsCa, KeyPair, SanType};

use super::ServeError;

/// The file names upstream uses in the cert dir.
pub const CERT_FILE: &str = "apiserver.crt";
/// The key file name.
pub const KEY_FILE: &str = "apiserver.key";

/// The certificate and key paths in `cert_dir`, minting a self-signed pair for `hosts` (DNS
/// names and IP addresses) when they do not exist yet.
pub fn ensure_self_signed(
    cert_dir: &Path,
    hosts: &[String],
) -> Result<(PathBuf, PathBuf), ServeError> {
    let cert = cert_dir.join(CERT_FILE);
    let key = cert_dir.join(KEY_FILE);
    if cert.exists() && key.exists() {
        return Ok((cert, key));
    }
    std::fs::create_dir_all(cert_dir)
        .map_err(|e| ServeError::Tls(format!("failed to create {}: {e}", cert_dir.display())))?;
    let (cert_pem, key_pem) = self_signed(hosts)?;
    std::fs::write(&cert, cert_pem)
        .map_err(|e| ServeError::Tls(format!("failed to write {}: {e}", cert.display())))?;
    std::fs::write(&key, key_pem)
        .map_err(|e| ServeError::Tls(format!("failed to write {}: {e}", key.display())))?;
    Ok((cert, key))
}

/// A self-signed certificate (PEM) and its key (PEM) valid for `hosts`.
pub fn self_signed(hosts: &[String]) -> Result<(String, String), ServeError> {
    let tls = |e: rcgen::Error| ServeError::Tls(format!("failed to mint a certificate: {e}"));
    let mut params = CertificateParams::new(Vec::<String>::new()).map_err(tls)?;
    let cn = hosts.first().cloned().unwrap_or_else(|| "localhost".into());
    params
        .distinguished_name
        .push(DnType::CommonName, format!("{cn}@{}", jiff::Timestamp::now().as_second()));
    params.is_ca = IsCa::ExplicitNoCa;
    for h in hosts {
        let san = match h.parse::<IpAddr>() {
            Ok(ip) => SanType::IpAddress(ip),
            Err(_) => SanType::DnsName(h.clone().try_into().map_err(tls)?),
        };
        if !params.subject_alt_names.contains(&san) {
            params.subject_alt_names.push(san);
        }
    }
    let key = KeyPair::generate().map_err(tls)?;
    let cert = params.self_signed(&key).map_err(tls)?;
    Ok((cert.pem(), key.serialize_pem()))
}
