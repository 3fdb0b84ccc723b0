//! certificates.k8s.io: CertificateSigningRequest validation on create and on updates through
//! the main resource, `/status` and `/approval` (upstream's pkg/apis/certificates/validation).

use apimachinery::errors::field::{BadValue, Error, ErrorList, Path};
use apimachinery::validation as v;
use k8s_openapi::ByteString;
use k8s_openapi::api::certificates::v1::{
    CertificateSigningRequest, CertificateSigningRequestCondition,
};

use super::meta::validate_object_meta;

/// The usages a request may ask for, sorted as upstream lists them.
const USAGES: &[&str] = &[
    "any",
    "cert sign",
    "client auth",
    "code signing",
    "content commitment",
    "crl sign",
    "data encipherment",
    "decipher only",
    "digital signature",
    "email protection",
    "encipher only",
    "ipsec end system",
    "ipsec tunnel",
    "ipsec user",
    "key agreement",
    "key encipherment",
    "microsoft sgc",
    "netscape sgc",
    "ocsp signing",
    "s/mime",
    "server auth",
    "signing",
    "timestamping",
];

/// Condition types that may only be `True`.
const TRUE_ONLY_TYPES: &[&str] = &["Approved", "Denied", "Failed"];

/// The signer name only the v1beta1 API allowed.
const LEGACY_SIGNER: &str = "kubernetes.io/legacy-unknown";

/// Which write is validated: what it may change, and what the stored object already gets away
/// with (upstream tolerates problems an update finds already persisted).
#[derive(Debug, Default, Clone, Copy)]
struct Options {
    allow_setting_approval_conditions: bool,
    allow_setting_certificate: bool,
    allow_both_approved_and_denied: bool,
    allow_legacy_signer_name: bool,
    allow_duplicate_condition_types: bool,
    allow_empty_condition_type: bool,
    allow_arbitrary_certificate: bool,
    allow_unknown_usages: bool,
    allow_duplicate_usages: bool,
}

/// The write an update comes through.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Through {
    /// The object itself (its metadata; spec and status are kept).
    Main,
    /// `/status`: the certificate and conditions other than Approved and Denied.
    Status,
    /// `/approval`: the conditions.
    Approval,
}

fn conditions(csr: &CertificateSigningRequest) -> &[CertificateSigningRequestCondition] {
    csr.status.as_ref().and_then(|s| s.conditions.as_deref()).unwrap_or_default()
}

fn certificate(csr: &CertificateSigningRequest) -> &[u8] {
    csr.status.as_ref().and_then(|s| s.certificate.as_ref()).map_or(&[], |b| b.0.as_slice())
}

fn usages(csr: &CertificateSigningRequest) -> &[String] {
    csr.spec.usages.as_deref().unwrap_or_default()
}

fn options(new: &CertificateSigningRequest, old: Option<&CertificateSigningRequest>) -> Options {
    let Some(old) = old else { return Options::default() };
    let has = |t: &str| conditions(old).iter().any(|c| c.type_ == t);
    let mut seen = std::collections::HashSet::new();
    let mut seen_usages = std::collections::HashSet::new();
    Options {
        allow_both_approved_and_denied: has("Approved") && has("Denied"),
        allow_legacy_signer_name: old.spec.signer_name == LEGACY_SIGNER,
        allow_duplicate_condition_types: !conditions(old).iter().all(|c| seen.insert(&c.type_)),
        allow_empty_condition_type: conditions(old).iter().any(|c| c.type_.is_empty()),
        allow_arbitrary_certificate: certificate(new) == certificate(old)
            || check_certificate(certificate(old)).is_err(),
        allow_unknown_usages: usages(old).iter().any(|u| !USAGES.contains(&u.as_str())),
        allow_duplicate_usages: !usages(old).iter().all(|u| seen_usages.insert(u)),
        ..Options::default()
    }
}

/// Validates a new request.
pub fn validate_create(csr: &CertificateSigningRequest) -> ErrorList {
    validate(csr, options(csr, None))
}

/// Validates an update through `through`.
pub fn validate_update(
    new: &CertificateSigningRequest,
    old: &CertificateSigningRequest,
    through: Through,
) -> ErrorList {
    let mut opts = options(new, Some(old));
    opts.allow_setting_certificate = through == Through::Status;
    opts.allow_setting_approval_conditions = through == Through::Approval;
    let mut errs = validate(new, opts);
    let of_type =
        |csr: &CertificateSigningRequest, t: &str| -> Vec<CertificateSigningRequestCondition> {
            conditions(csr).iter().filter(|c| c.type_ == t).cloned().collect()
        };
    let conditions_path = Path::new("status").child("conditions");
    for t in TRUE_ONLY_TYPES {
        if of_type(new, t).len() < of_type(old, t).len() {
            errs.push(Error::forbidden(
                &conditions_path,
                format!("updates may not remove a condition of type {t:?}"),
            ));
        }
    }
    if !opts.allow_setting_approval_conditions {
        for t in ["Approved", "Denied"] {
            let (was, is) = (of_type(old, t), of_type(new, t));
            if is.len() > was.len() {
                errs.push(Error::forbidden(
                    &conditions_path,
                    format!("updates may not add a condition of type {t:?}"),
                ));
            } else if is.len() == was.len() && is != was {
                errs.push(Error::forbidden(
                    &conditions_path,
                    format!("updates may not modify a condition of type {t:?}"),
                ));
            }
        }
    }
    if certificate(new) != certificate(old) {
        let path = Path::new("status").child("certificate");
        if !opts.allow_setting_certificate {
            errs.push(Error::forbidden(&path, "updates may not set certificate content"));
        } else if !certificate(old).is_empty() {
            errs.push(Error::forbidden(
                &path,
                "updates may not modify existing certificate content",
            ));
        }
    }
    errs
}

fn validate(csr: &CertificateSigningRequest, opts: Options) -> ErrorList {
    let mut errs =
        validate_object_meta(&csr.metadata, false, |_, _| Vec::new(), &Path::new("metadata"));
    let spec = Path::new("spec");
    if let Err(e) = check_request(&csr.spec.request) {
        errs.push(Error::invalid(&spec.child("request"), go_bytes(&csr.spec.request.0), e));
    }
    let usages = usages(csr);
    if usages.is_empty() {
        errs.push(Error::required(&spec.child("usages"), ""));
    }
    if !opts.allow_unknown_usages {
        for (i, u) in usages.iter().enumerate() {
            if !USAGES.contains(&u.as_str()) {
                errs.push(Error::not_supported(&spec.child("usages").index(i), u, USAGES));
            }
        }
    }
    if !opts.allow_duplicate_usages {
        for (i, u) in usages.iter().enumerate() {
            if usages[..i].contains(u) {
                errs.push(Error::duplicate(&spec.child("usages").index(i), u));
            }
        }
    }
    let signer = &csr.spec.signer_name;
    if !opts.allow_legacy_signer_name && signer == LEGACY_SIGNER {
        errs.push(Error::invalid(
            &spec.child("signerName"),
            signer,
            "the legacy signerName is not allowed via this API version",
        ));
    } else {
        errs.extend(validate_signer_name(&spec.child("signerName"), signer));
    }
    if let Some(secs) = csr.spec.expiration_seconds
        && secs < 600
    {
        errs.push(Error::invalid(
            &spec.child("expirationSeconds"),
            secs,
            "may not specify a duration less than 600 seconds (10 minutes)",
        ));
    }
    errs.extend(validate_conditions(csr, opts));
    if !opts.allow_arbitrary_certificate
        && let Err(e) = check_certificate(certificate(csr))
    {
        errs.push(Error::invalid(
            &Path::new("status").child("certificate"),
            "<certificate data>",
            e,
        ));
    }
    errs
}

fn validate_conditions(csr: &CertificateSigningRequest, opts: Options) -> ErrorList {
    let mut errs = ErrorList::new();
    let path = Path::new("status").child("conditions");
    let (mut approved, mut denied) = (false, false);
    for (i, c) in conditions(csr).iter().enumerate() {
        let at = path.index(i);
        if !opts.allow_empty_condition_type && c.type_.is_empty() {
            errs.push(Error::required(&at.child("type"), ""));
        }
        let allowed: &[&str] = if TRUE_ONLY_TYPES.contains(&c.type_.as_str()) {
            &["True"]
        } else {
            &["False", "True", "Unknown"]
        };
        if c.status.is_empty() {
            errs.push(Error::required(&at.child("status"), ""));
        } else if !allowed.contains(&c.status.as_str()) {
            errs.push(Error::not_supported(&at.child("status"), &c.status, allowed));
        }
        if !opts.allow_both_approved_and_denied {
            let clash = match c.type_.as_str() {
                "Approved" => {
                    approved = true;
                    denied
                }
                "Denied" => {
                    denied = true;
                    approved
                }
                _ => false,
            };
            if clash {
                errs.push(Error::invalid(
                    &at.child("type"),
                    &c.type_,
                    "Approved and Denied conditions are mutually exclusive",
                ));
            }
        }
        if !opts.allow_duplicate_condition_types
            && conditions(csr)[..i].iter().any(|o| o.type_ == c.type_)
        {
            errs.push(Error::duplicate(&at.child("type"), &c.type_));
        }
    }
    errs
}

/// Upstream's `ValidateSignerName`: `<domain>/<path>`, the domain a DNS name of two or more
/// labels, the path DNS subdomains separated by dots.
pub fn validate_signer_name(path: &Path, signer: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    if signer.is_empty() {
        errs.push(Error::required(path, ""));
        return errs;
    }
    let segments: Vec<&str> = signer.split('/').collect();
    let [domain, rest] = segments.as_slice() else {
        errs.push(Error::invalid(
            path,
            signer,
            "must be a fully qualified domain and path of the form 'example.com/signer-name'",
        ));
        return errs;
    };
    const SUBDOMAIN_MAX: usize = 253;
    const LABEL_MAX: usize = 63;
    if domain.len() > SUBDOMAIN_MAX {
        errs.push(Error::too_long(path, SUBDOMAIN_MAX as i64));
    }
    let labels: Vec<&str> = domain.split('.').collect();
    for label in &labels {
        let problems = v::is_dns1123_label(label);
        if !problems.is_empty() {
            for p in problems {
                errs.push(Error::invalid(
                    path,
                    *domain,
                    format!("validating label {label:?}: {p}"),
                ));
            }
            break;
        }
    }
    if labels.len() < 2 {
        errs.push(Error::invalid(
            path,
            *domain,
            "should be a domain with at least two segments separated by dots",
        ));
    }
    for label in rest.split('.') {
        let problems = v::is_dns1123_subdomain(label);
        if !problems.is_empty() {
            for p in problems {
                errs.push(Error::invalid(path, *rest, format!("validating label {label:?}: {p}")));
            }
            break;
        }
    }
    let max = SUBDOMAIN_MAX + (SUBDOMAIN_MAX + LABEL_MAX + 1) + 1;
    if signer.len() > max {
        errs.push(Error::too_long(path, max as i64));
    }
    errs
}

/// A byte slice as Go's `%#v` prints it in a field error (`[]byte{0x2d, 0x2d}`).
fn go_bytes(b: &[u8]) -> BadValue {
    let items: Vec<String> = b.iter().map(|x| format!("{x:#x}")).collect();
    BadValue::GoSyntax(format!("[]byte{{{}}}", items.join(", ")))
}

/// The first PEM block in `data` (leading text skipped, as Go's `pem.Decode` does): its type,
/// whether it has headers, its bytes and what follows it. The PEM reader the rest of the
/// project uses (`rustls_pki_types::pem`) skips blocks of types it does not know and refuses
/// headers, so it cannot word upstream's errors about the first block's type or its headers.
fn pem_block(data: &[u8]) -> Option<(String, bool, Vec<u8>, &[u8])> {
    use base64::Engine as _;
    let text = std::str::from_utf8(data).ok()?;
    let start = text.find("-----BEGIN ")?;
    let after = &text[start + "-----BEGIN ".len()..];
    let label_end = after.find("-----")?;
    let label = &after[..label_end];
    let body_start = after[label_end + 5..].trim_start_matches(['\r', ' ', '\t']);
    let body_start = body_start.strip_prefix('\n')?;
    let end_marker = format!("-----END {label}-----");
    let end = body_start.find(&end_marker)?;
    let body = &body_start[..end];
    let (headers, b64) = match body.find(":") {
        Some(_) => match body.split_once("\n\n").or_else(|| body.split_once("\r\n\r\n")) {
            Some((_, rest)) => (true, rest),
            None => return None,
        },
        None => (false, body),
    };
    let clean: String = b64.chars().filter(|c| !c.is_whitespace()).collect();
    let bytes = base64::engine::general_purpose::STANDARD.decode(clean).ok()?;
    let consumed = text.len() - body_start.len() + end + end_marker.len();
    Some((label.to_string(), headers, bytes, &data[consumed..]))
}

/// Go's `ParseCSR` and `CheckSignature`.
fn check_request(request: &ByteString) -> Result<(), String> {
    use x509_parser::prelude::FromDer;
    let wrong_type = || "PEM block type must be CERTIFICATE REQUEST".to_string();
    let (label, _, der, _) = pem_block(&request.0).ok_or_else(wrong_type)?;
    if label != "CERTIFICATE REQUEST" {
        return Err(wrong_type());
    }
    let (_, csr) = x509_parser::certification_request::X509CertificationRequest::from_der(&der)
        .map_err(|_| "x509: malformed certificate request".to_string())?;
    csr.verify_signature().map_err(|_| {
        let key = &csr.certification_request_info.subject_pki.algorithm.algorithm;
        match key.to_id_string().as_str() {
            "1.2.840.113549.1.1.1" => "crypto/rsa: verification error".to_string(),
            "1.2.840.10045.2.1" => "x509: ECDSA verification failure".to_string(),
            "1.3.101.112" => "x509: Ed25519 verification failure".to_string(),
            _ => "x509: cannot verify signature: algorithm unimplemented".to_string(),
        }
    })
}

/// Upstream's `validateCertificate`: empty, or only CERTIFICATE blocks without headers, each
/// holding a certificate.
fn check_certificate(mut data: &[u8]) -> Result<(), String> {
    if data.is_empty() {
        return Ok(());
    }
    let mut blocks = 0;
    while let Some((label, headers, der, rest)) = pem_block(data) {
        if label != "CERTIFICATE" {
            return Err(format!("only CERTIFICATE PEM blocks are allowed, found {label:?}"));
        }
        if headers {
            return Err("no PEM block headers are permitted".to_string());
        }
        blocks += 1;
        if x509_parser::parse_x509_certificate(&der).is_err() {
            return Err("x509: malformed certificate".to_string());
        }
        data = rest;
    }
    if blocks == 0 {
        return Err("must contain at least one CERTIFICATE PEM block".to_string());
    }
    Ok(())
}
