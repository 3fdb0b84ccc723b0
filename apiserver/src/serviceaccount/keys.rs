//! Service account token keys: the signing key (`--service-account-signing-key-file`, RSA or
//! ECDSA P-256 in PEM) and the verification keys (`--service-account-key-file`), their key IDs
//! (upstream's: the unpadded base64url SHA-256 of the PKIX public key), JWS signing and
//! verification (RS256, ES256), and their JWK form for `/openid/v1/jwks`.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;
use ring::rand::SystemRandom;
use ring::signature::{self, EcdsaKeyPair, KeyPair, RsaKeyPair};
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{PrivateKeyDer, SubjectPublicKeyInfoDer};
use serde_json::{Value, json};

const OID_RSA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01];
const OID_EC: &[u8] = &[0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01];
const OID_P256: &[u8] = &[0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07];

/// A key that cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    /// The file could not be read.
    #[error("failed to read {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The contents are not a supported key.
    #[error("{0}")]
    Invalid(String),
}

/// DER tag-length-value.
fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let n = content.len();
    if n < 0x80 {
        out.push(n as u8);
    } else {
        let bytes: Vec<u8> = n.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

fn spki(algorithm: &[u8], key: &[u8]) -> Vec<u8> {
    let mut bits = vec![0u8];
    bits.extend_from_slice(key);
    let mut body = tlv(0x30, algorithm);
    body.extend(tlv(0x03, &bits));
    tlv(0x30, &body)
}

fn rsa_spki(rsa_public_key: &[u8]) -> Vec<u8> {
    spki(&[OID_RSA, &[0x05, 0x00]].concat(), rsa_public_key)
}

fn ec_spki(point: &[u8]) -> Vec<u8> {
    spki(&[OID_EC, OID_P256].concat(), point)
}

/// A SEC1 `EC PRIVATE KEY` wrapped as PKCS#8, the form ring reads.
fn sec1_to_pkcs8(sec1: &[u8]) -> Vec<u8> {
    let mut body = vec![0x02, 0x01, 0x00];
    body.extend(tlv(0x30, &[OID_EC, OID_P256].concat()));
    body.extend(tlv(0x04, sec1));
    tlv(0x30, &body)
}

/// Upstream's key ID: the unpadded base64url SHA-256 of the DER PKIX public key.
fn key_id(spki_der: &[u8]) -> String {
    B64.encode(ring::digest::digest(&ring::digest::SHA256, spki_der))
}

/// A public key tokens are verified with.
#[derive(Debug, Clone)]
pub struct PublicKey {
    /// `RS256` or `ES256`.
    pub alg: &'static str,
    /// The key ID.
    pub kid: String,
    /// The key as ring verifies with it (RSAPublicKey DER or the uncompressed EC point).
    raw: Vec<u8>,
}

impl PublicKey {
    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_spki(der: &[u8]) -> Result<Self, KeyError> {
        use x509_parser::prelude::FromDer;
        let (_, info) = x509_parser::x509::SubjectPublicKeyInfo::from_der(der)
            .map_err(|e| KeyError::Invalid(format!("invalid public key: {e}")))?;
        let raw = info.subject_public_key.data.to_vec();
        let alg = match info.algorithm.algorithm.to_id_string().as_str() {
            "1.2.840.113549.1.1.1" => "RS256",
            "1.2.840.10045.2.1" => {
                let curve = info
                    .algorithm
                    .parameters
                    .as_ref()
                    .and_then(|p| p.as_oid().ok())
                    .map(|o| o.to_id_string());
                if curve.as_deref() != Some("1.2.840.10045.3.1.7") {
                    return Err(KeyError::Invalid(
                        "unsupported elliptic curve: only P-256 keys are supported".into(),
                    ));
                }
                "ES256"
            }
            other => return Err(KeyError::Invalid(format!("unsupported key algorithm {other}"))),
        };
        Ok(PublicKey { alg, kid: key_id(der), raw })
    }

    /// Whether `signature` signs `message` with this key.
    pub fn verify(&self, alg: &str, message: &[u8], signature: &[u8]) -> bool {
        if alg != self.alg {
            return false;
        }
        let algorithm: &dyn signature::VerificationAlgorithm = match self.alg {
            "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
            _ => &signature::ECDSA_P256_SHA256_FIXED,
        };
        signature::UnparsedPublicKey::new(algorithm, &self.raw).verify(message, signature).is_ok()
    }

    /// The key as a JSON Web Key (the fields `/openid/v1/jwks` serves).
    pub fn jwk(&self) -> Value {
        if self.alg == "RS256" {
            let (n, e) = rsa_components(&self.raw).unwrap_or_default();
            json!({"use": "sig", "kty": "RSA", "kid": self.kid, "alg": "RS256",
                "n": B64.encode(n), "e": B64.encode(e)})
        } else {
            let coords = self.raw.get(1..).unwrap_or_default();
            let (x, y) = coords.split_at(coords.len() / 2);
            json!({"use": "sig", "kty": "EC", "kid": self.kid, "crv": "P-256", "alg": "ES256",
                "x": B64.encode(x), "y": B64.encode(y)})
        }
    }
}

/// Reads one DER element: its tag, its content and what follows it.
fn der_read(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, rest) = rest.split_first()?;
    let (len, rest) = if first < 0x80 {
        (first as usize, rest)
    } else {
        let n = (first & 0x7f) as usize;
        let (bytes, rest) = (rest.get(..n)?, rest.get(n..)?);
        (bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize), rest)
    };
    Some((tag, rest.get(..len)?, rest.get(len..)?))
}

/// Modulus and exponent of an RSAPublicKey DER, without leading zeros.
fn rsa_components(der: &[u8]) -> Option<(Vec<u8>, Vec<u8>)> {
    let (_, seq, _) = der_read(der)?;
    let (_, n, rest) = der_read(seq)?;
    let (_, e, _) = der_read(rest)?;
    let strip = |v: &[u8]| v.iter().copied().skip_while(|b| *b == 0).collect::<Vec<u8>>();
    Some((strip(n), strip(e)))
}

enum Signer {
    Rsa(RsaKeyPair),
    Ec(EcdsaKeyPair),
}

/// The key tokens are signed with.
pub struct SigningKey {
    signer: Signer,
    /// Its public half.
    pub public: PublicKey,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey").field("public", &self.public).finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Reads a PEM private key (`RSA PRIVATE KEY`, `EC PRIVATE KEY` or `PRIVATE KEY`).
    pub fn from_pem(pem: &[u8]) -> Result<Self, KeyError> {
        let key = PrivateKeyDer::from_pem_slice(pem)
            .map_err(|e| KeyError::Invalid(format!("no private key found: {e}")))?;
        let rng = SystemRandom::new();
        let invalid = |e: ring::error::KeyRejected| KeyError::Invalid(format!("invalid key: {e}"));
        let signer = match &key {
            PrivateKeyDer::Pkcs1(k) => {
                Signer::Rsa(RsaKeyPair::from_der(k.secret_pkcs1_der()).map_err(invalid)?)
            }
            PrivateKeyDer::Sec1(k) => Signer::Ec(
                EcdsaKeyPair::from_pkcs8(
                    &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                    &sec1_to_pkcs8(k.secret_sec1_der()),
                    &rng,
                )
                .map_err(invalid)?,
            ),
            PrivateKeyDer::Pkcs8(k) => {
                let der = k.secret_pkcs8_der();
                match RsaKeyPair::from_pkcs8(der) {
                    Ok(k) => Signer::Rsa(k),
                    Err(_) => Signer::Ec(
                        EcdsaKeyPair::from_pkcs8(
                            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
                            der,
                            &rng,
                        )
                        .map_err(invalid)?,
                    ),
                }
            }
            _ => return Err(KeyError::Invalid("unsupported private key type".into())),
        };
        let spki = match &signer {
            Signer::Rsa(k) => rsa_spki(k.public_key().as_ref()),
            Signer::Ec(k) => ec_spki(k.public_key().as_ref()),
        };
        let public = PublicKey::from_spki(&spki)?;
        Ok(SigningKey { signer, public, rng })
    }

    /// A new ECDSA P-256 key, as PEM (PKCS#8).
    pub fn generate_pem() -> Result<String, KeyError> {
        rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256)
            .map(|k| k.serialize_pem())
            .map_err(|e| KeyError::Invalid(format!("failed to generate a key: {e}")))
    }

    /// A compact JWS of `claims` (`header.payload.signature`).
    pub fn sign(&self, claims: &Value) -> Result<String, KeyError> {
        let header = json!({"alg": self.public.alg, "kid": self.public.kid});
        let input =
            format!("{}.{}", B64.encode(header.to_string()), B64.encode(claims.to_string()));
        let fail = |_| KeyError::Invalid("failed to sign the token".into());
        let sig = match &self.signer {
            Signer::Rsa(k) => {
                let mut sig = vec![0; k.public().modulus_len()];
                k.sign(&signature::RSA_PKCS1_SHA256, &self.rng, input.as_bytes(), &mut sig)
                    .map_err(fail)?;
                sig
            }
            Signer::Ec(k) => k.sign(&self.rng, input.as_bytes()).map_err(fail)?.as_ref().to_vec(),
        };
        Ok(format!("{input}.{}", B64.encode(sig)))
    }
}

/// Reads the public keys of a `--service-account-key-file`: PEM public keys (`PUBLIC KEY`) or
/// private keys, whose public halves are used.
pub fn public_keys_from_pem(pem: &[u8]) -> Result<Vec<PublicKey>, KeyError> {
    let mut keys = Vec::new();
    for der in SubjectPublicKeyInfoDer::pem_slice_iter(pem) {
        let der = der.map_err(|e| KeyError::Invalid(format!("invalid PEM: {e}")))?;
        keys.push(PublicKey::from_spki(der.as_ref())?);
    }
    if keys.is_empty() {
        keys.push(SigningKey::from_pem(pem)?.public);
    }
    Ok(keys)
}

/// A token split and decoded: header, claims, and what the signature covers.
pub struct Jws {
    /// The `alg` header.
    pub alg: String,
    /// The `kid` header, if any.
    pub kid: Option<String>,
    /// The claims.
    pub claims: Value,
    /// `header.payload` as sent.
    pub signing_input: String,
    /// The signature bytes.
    pub signature: Vec<u8>,
}

impl Jws {
    /// Parses a compact JWS; `None` when it is not one.
    pub fn parse(token: &str) -> Option<Jws> {
        let mut parts = token.split('.');
        let (h, p, s) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() {
            return None;
        }
        let header: Value = serde_json::from_slice(&B64.decode(h).ok()?).ok()?;
        let claims: Value = serde_json::from_slice(&B64.decode(p).ok()?).ok()?;
        Some(Jws {
            alg: header.get("alg")?.as_str()?.to_string(),
            kid: header.get("kid").and_then(Value::as_str).map(str::to_string),
            claims,
            signing_input: format!("{h}.{p}"),
            signature: B64.decode(s).ok()?,
        })
    }

    /// Whether one of `keys` (the one named by `kid`, when set) signed it.
    pub fn verified_by(&self, keys: &[PublicKey]) -> bool {
        keys.iter()
            .filter(|k| self.kid.as_ref().is_none_or(|kid| *kid == k.kid))
            .any(|k| k.verify(&self.alg, self.signing_input.as_bytes(), &self.signature))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rcgen::PublicKeyData;

    /// A 2048-bit RSA key from openssl (installed by hack/test.sh; ring cannot generate RSA).
    fn rsa_pem(format: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("rsa.pem");
        let out_path = path.to_str().unwrap();
        let args: Vec<&str> = if format == "pkcs1" {
            vec!["genrsa", "-traditional", "-out", out_path, "2048"]
        } else {
            vec![
                "genpkey",
                "-algorithm",
                "RSA",
                "-pkeyopt",
                "rsa_keygen_bits:2048",
                "-out",
                out_path,
            ]
        };
        let out = std::process::Command::new("openssl").args(&args).output().expect("openssl");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        std::fs::read(path).unwrap()
    }

    #[test]
    fn sign_and_verify_ec_and_rsa() {
        let ec = SigningKey::from_pem(SigningKey::generate_pem().unwrap().as_bytes()).unwrap();
        let pkcs1 = rsa_pem("pkcs1");
        assert!(String::from_utf8_lossy(&pkcs1).contains("BEGIN RSA PRIVATE KEY"));
        let rsa1 = SigningKey::from_pem(&pkcs1).unwrap();
        let rsa8 = SigningKey::from_pem(&rsa_pem("pkcs8")).unwrap();
        for key in [ec, rsa1, rsa8] {
            let token = key.sign(&json!({"sub": "x"})).unwrap();
            let jws = Jws::parse(&token).unwrap();
            assert_eq!(jws.alg, key.public.alg);
            assert_eq!(jws.kid.as_deref(), Some(key.public.kid.as_str()));
            assert!(jws.verified_by(std::slice::from_ref(&key.public)));
            let other = SigningKey::from_pem(SigningKey::generate_pem().unwrap().as_bytes())
                .unwrap()
                .public;
            assert!(!jws.verified_by(&[other]));
            let (head, sig) = token.rsplit_once('.').unwrap();
            let forged = format!("{head}x.{sig}");
            assert!(
                Jws::parse(&forged)
                    .is_none_or(|j| !j.verified_by(std::slice::from_ref(&key.public)))
            );
        }
    }

    #[test]
    fn rsa_jwk_has_modulus_and_exponent() {
        let key = SigningKey::from_pem(&rsa_pem("pkcs8")).unwrap();
        let jwk = key.public.jwk();
        assert_eq!(jwk["kty"], "RSA");
        assert_eq!(jwk["e"], "AQAB");
        assert_eq!(B64.decode(jwk["n"].as_str().unwrap()).unwrap().len(), 256);
    }

    #[test]
    fn key_id_is_the_sha256_of_the_pkix_key_and_jwk_round_trips() {
        let pem = SigningKey::generate_pem().unwrap();
        let key = SigningKey::from_pem(pem.as_bytes()).unwrap();
        // The same key read as a public key from a key file gets the same ID.
        let from_file = public_keys_from_pem(pem.as_bytes()).unwrap();
        assert_eq!(from_file[0].kid, key.public.kid);
        let kp = rcgen::KeyPair::from_pem(&pem).unwrap();
        let public_pem = kp.public_key_pem();
        let from_public = public_keys_from_pem(public_pem.as_bytes()).unwrap();
        assert_eq!(from_public[0].kid, key.public.kid);
        assert_eq!(key.public.kid, key_id(&kp.subject_public_key_info()));
        let jwk = key.public.jwk();
        assert_eq!(jwk["kty"], "EC");
        assert_eq!(jwk["crv"], "P-256");
        assert_eq!(B64.decode(jwk["x"].as_str().unwrap()).unwrap().len(), 32);
    }

    #[test]
    fn sec1_keys_are_read() {
        // An `EC PRIVATE KEY` as `openssl ecparam -genkey` writes it: the SEC1 structure the
        // PKCS#8 form wraps in its last OCTET STRING.
        let pkcs8 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
        let der = pkcs8.serialize_der();
        let (_, body, _) = der_read(&der).unwrap();
        let (_, _version, rest) = der_read(body).unwrap();
        let (_, _algorithm, rest) = der_read(rest).unwrap();
        let (_, sec1, _) = der_read(rest).unwrap();
        let pem = format!(
            "-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n",
            base64::engine::general_purpose::STANDARD.encode(sec1)
        );
        let key = SigningKey::from_pem(pem.as_bytes()).unwrap();
        assert_eq!(key.public.kid, key_id(&pkcs8.subject_public_key_info()));
    }

    #[test]
    fn garbage_is_rejected() {
        assert!(SigningKey::from_pem(b"not a key").is_err());
        assert!(Jws::parse("a.b").is_none());
        assert!(Jws::parse("!!.!!.!!").is_none());
        assert!(public_keys_from_pem(b"").is_err());
    }
}
