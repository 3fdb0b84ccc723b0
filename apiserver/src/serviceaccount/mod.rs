//! Service account tokens: `serviceaccounts/<name>/token` (TokenRequest) issues signed JWTs
//! bound to the account (and optionally a pod, secret or node), bearer tokens are
//! authenticated against the issuers, keys and audiences and the objects they are bound to,
//! and the OIDC discovery documents (`/.well-known/openid-configuration`, `/openid/v1/jwks`)
//! publish the verification keys, as upstream's `pkg/serviceaccount` and token registry do.

pub mod keys;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use apimachinery::errors::StatusError;
use apimachinery::errors::field::{Error as FieldError, ErrorList, Path as FieldPath};
use apimachinery::schema::{GroupKind, GroupResource};
use serde_json::{Value, json};

use self::keys::{Jws, KeyError, PublicKey, SigningKey};
use crate::authn::UserInfo;
use crate::endpoints::ApiServer;
use crate::registry::ObjectMetaExt;

/// The lifetime a TokenRequest gets when it names none (`SetDefaults_TokenRequestSpec`).
pub const DEFAULT_EXPIRATION_SECONDS: i64 = 3600;
/// The lifetime kubelets ask for when they accept a longer token that warns past it.
pub const WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS: i64 = 3607;
/// The lifetime such tokens really get when `--service-account-extend-token-expiration`.
pub const EXPIRATION_EXTENSION_SECONDS: i64 = 24 * 365 * 60 * 60;
/// Clock skew tolerated on `exp`/`nbf` (go-jose's default leeway).
const LEEWAY_SECONDS: i64 = 60;

/// How service account tokens are issued and checked (the `--service-account-*` flags).
#[derive(Debug)]
pub struct TokenIssuer {
    signing: SigningKey,
    verify: Vec<PublicKey>,
    /// `--service-account-issuer`: the first issues, all are accepted.
    issuers: Vec<String>,
    /// `--api-audiences` (the issuers when unset).
    audiences: Vec<String>,
    /// `--service-account-max-token-expiration` in seconds (0: none).
    max_expiration: i64,
    /// `--service-account-extend-token-expiration`.
    extend_expiration: bool,
    /// `--service-account-jwks-uri`.
    jwks_uri: Option<String>,
}

/// The flags a [`TokenIssuer`] is built from.
#[derive(Debug, Clone, Default)]
pub struct IssuerConfig {
    /// `--service-account-signing-key-file`; when unset, a key is kept in `generated_key`.
    pub signing_key_file: Option<PathBuf>,
    /// Where a generated signing key lives (created on first start).
    pub generated_key: Option<PathBuf>,
    /// `--service-account-key-file` (repeatable).
    pub key_files: Vec<PathBuf>,
    /// `--service-account-issuer` (repeatable).
    pub issuers: Vec<String>,
    /// `--api-audiences`.
    pub api_audiences: Vec<String>,
    /// `--service-account-max-token-expiration` in seconds (0: none).
    pub max_expiration_seconds: i64,
    /// `--service-account-extend-token-expiration`.
    pub extend_expiration: bool,
    /// `--service-account-jwks-uri`.
    pub jwks_uri: Option<String>,
}

fn read(path: &Path) -> Result<Vec<u8>, KeyError> {
    std::fs::read(path)
        .map_err(|source| KeyError::Read { path: path.display().to_string(), source })
}

impl TokenIssuer {
    /// Loads the keys the flags name (generating the signing key when there is none yet).
    pub fn load(config: &IssuerConfig) -> Result<Self, KeyError> {
        let pem = match (&config.signing_key_file, &config.generated_key) {
            (Some(path), _) => read(path)?,
            (None, Some(path)) if path.exists() => read(path)?,
            (None, Some(path)) => {
                let pem = SigningKey::generate_pem()?;
                if let Some(dir) = path.parent() {
                    std::fs::create_dir_all(dir).map_err(|source| KeyError::Read {
                        path: dir.display().to_string(),
                        source,
                    })?;
                }
                std::fs::write(path, &pem).map_err(|source| KeyError::Read {
                    path: path.display().to_string(),
                    source,
                })?;
                pem.into_bytes()
            }
            (None, None) => SigningKey::generate_pem()?.into_bytes(),
        };
        let signing = SigningKey::from_pem(&pem)?;
        let mut verify = vec![signing.public.clone()];
        for file in &config.key_files {
            for key in keys::public_keys_from_pem(&read(file)?)? {
                if !verify.iter().any(|k| k.kid == key.kid) {
                    verify.push(key);
                }
            }
        }
        if config.issuers.is_empty() {
            return Err(KeyError::Invalid("service-account-issuer is a required flag".into()));
        }
        let audiences = if config.api_audiences.is_empty() {
            config.issuers.clone()
        } else {
            config.api_audiences.clone()
        };
        Ok(TokenIssuer {
            signing,
            verify,
            issuers: config.issuers.clone(),
            audiences,
            max_expiration: config.max_expiration_seconds,
            extend_expiration: config.extend_expiration,
            jwks_uri: config.jwks_uri.clone(),
        })
    }

    /// The API audiences tokens must be meant for.
    pub fn audiences(&self) -> &[String] {
        &self.audiences
    }

    /// `/.well-known/openid-configuration`, when the issuer is an https URL (upstream serves
    /// the discovery documents only then).
    pub fn openid_configuration(&self) -> Option<Value> {
        let issuer = &self.issuers[0];
        let jwks_uri = match &self.jwks_uri {
            Some(uri) => uri.clone(),
            None if issuer.starts_with("https://") => {
                format!("{}/openid/v1/jwks", issuer.trim_end_matches('/'))
            }
            None => return None,
        };
        let mut algs: Vec<&str> = self.verify.iter().map(|k| k.alg).collect();
        algs.sort();
        algs.dedup();
        Some(json!({
            "issuer": issuer,
            "jwks_uri": jwks_uri,
            "response_types_supported": ["id_token"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": algs,
        }))
    }

    /// `/openid/v1/jwks`: every verification key.
    pub fn jwks(&self) -> Value {
        json!({"keys": self.verify.iter().map(PublicKey::jwk).collect::<Vec<_>>()})
    }
}

fn token_request_kind() -> GroupKind {
    GroupKind { group: "authentication.k8s.io".into(), kind: "TokenRequest".into() }
}

fn unix_to_rfc3339(secs: i64) -> String {
    jiff::Timestamp::from_second(secs).map(|t| t.to_string()).unwrap_or_default()
}

fn now_unix() -> i64 {
    jiff::Timestamp::now().as_second()
}

/// An object a token is bound to.
struct Bound {
    name: String,
    uid: String,
}

/// `POST serviceaccounts/<name>/token`: validates the TokenRequest, checks the account and
/// the bound object, and answers the request with `status.token` and
/// `status.expirationTimestamp`.
pub async fn create_token(
    server: &ApiServer,
    namespace: &str,
    name: &str,
    mut req: Value,
) -> Result<Value, StatusError> {
    let Some(issuer) = server.service_accounts.as_deref() else {
        return Err(StatusError::new_not_found(
            &GroupResource { group: String::new(), resource: "serviceaccounts".into() },
            name,
        ));
    };
    if !req.is_object() {
        req = json!({});
    }
    if req.get("spec").is_none_or(Value::is_null) {
        req["spec"] = json!({});
    }
    let spec = &mut req["spec"];
    if spec.get("expirationSeconds").is_none_or(Value::is_null) {
        spec["expirationSeconds"] = json!(DEFAULT_EXPIRATION_SECONDS);
    }
    if spec.get("audiences").is_none_or(|a| a.as_array().is_none_or(Vec::is_empty)) {
        spec["audiences"] = json!(issuer.audiences);
    }
    let requested = spec["expirationSeconds"].as_i64().unwrap_or(DEFAULT_EXPIRATION_SECONDS);
    let mut errs = ErrorList::new();
    let path = FieldPath::new("spec").child("expirationSeconds");
    if requested < 10 * 60 {
        errs.push(FieldError::invalid(
            &path,
            requested,
            "may not specify a duration less than 10 minutes",
        ));
    }
    if requested > 1 << 32 {
        errs.push(FieldError::invalid(
            &path,
            requested,
            "may not specify a duration larger than 2^32 seconds",
        ));
    }
    if !errs.is_empty() {
        return Err(StatusError::new_invalid(&token_request_kind(), "", &errs));
    }
    let audiences: Vec<String> = spec["audiences"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect())
        .unwrap_or_default();

    let sa_store = server
        .registry
        .store("", "serviceaccounts")
        .ok_or_else(|| StatusError::new_internal_error("no serviceaccounts store"))?;
    let sa = sa_store.get(namespace, name).await?;
    let sa_uid = sa.uid().to_string();

    let mut pod = None;
    let mut secret = None;
    let mut node = None;
    if let Some(r) = spec.get("boundObjectRef").filter(|r| r.is_object()) {
        let s = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or("").to_string();
        let (kind, api_version, ref_name, ref_uid) =
            (s("kind"), s("apiVersion"), s("name"), s("uid"));
        let resource = match (api_version.as_str(), kind.as_str()) {
            ("v1", "Pod") => "pods",
            ("v1", "Secret") => "secrets",
            ("v1", "Node") => "nodes",
            _ => {
                return Err(StatusError::new_bad_request(&format!(
                    "cannot bind token for object of kind {kind:?}"
                )));
            }
        };
        let store = server
            .registry
            .store("", resource)
            .ok_or_else(|| StatusError::new_internal_error("no store for the bound object"))?;
        let ns = if resource == "nodes" { "" } else { namespace };
        let obj = store.get(ns, &ref_name).await?;
        if !ref_uid.is_empty() && obj.uid() != ref_uid {
            return Err(StatusError::new_conflict(
                &GroupResource { group: String::new(), resource: kind.clone() },
                &ref_name,
                format!(
                    "the UID in the bound object reference ({ref_uid}) does not match the UID in record. The object might have been deleted and then recreated"
                ),
            ));
        }
        if resource == "pods" {
            let sa_name = obj.pointer("/spec/serviceAccountName").and_then(Value::as_str);
            if sa_name.unwrap_or("default") != name {
                return Err(StatusError::new_bad_request(&format!(
                    "cannot bind token for serviceaccount {name:?} to pod running with different serviceaccount name."
                )));
            }
            // A pod's token also names its node.
            if let Some(node_name) = obj.pointer("/spec/nodeName").and_then(Value::as_str)
                && !node_name.is_empty()
                && let Some(nodes) = server.registry.store("", "nodes")
                && let Ok(n) = nodes.get("", node_name).await
            {
                node = Some(Bound { name: node_name.to_string(), uid: n.uid().to_string() });
            }
        }
        let bound = Bound { name: ref_name, uid: obj.uid().to_string() };
        match resource {
            "pods" => pod = Some(bound),
            "secrets" => secret = Some(bound),
            _ => node = Some(bound),
        }
    }

    let now = now_unix();
    let mut expiration = requested;
    let mut warn_after = None;
    let kube_audiences = audiences.iter().all(|a| issuer.audiences.contains(a));
    if issuer.extend_expiration
        && pod.is_some()
        && requested == WARN_ONLY_BOUND_TOKEN_EXPIRATION_SECONDS
        && kube_audiences
    {
        warn_after = Some(now + requested);
        expiration = EXPIRATION_EXTENSION_SECONDS;
    } else if issuer.max_expiration > 0 && requested > issuer.max_expiration {
        expiration = issuer.max_expiration;
        req["spec"]["expirationSeconds"] = json!(expiration);
    }

    let reference = |b: &Bound| json!({"name": b.name, "uid": b.uid});
    let mut k8s = serde_json::Map::new();
    k8s.insert("namespace".into(), json!(namespace));
    if let Some(n) = &node {
        k8s.insert("node".into(), reference(n));
    }
    if let Some(p) = &pod {
        k8s.insert("pod".into(), reference(p));
    }
    if let Some(s) = &secret {
        k8s.insert("secret".into(), reference(s));
    }
    k8s.insert("serviceaccount".into(), json!({"name": name, "uid": sa_uid}));
    if let Some(w) = warn_after {
        k8s.insert("warnafter".into(), json!(w));
    }
    let aud = if audiences.len() == 1 { json!(audiences[0]) } else { json!(audiences) };
    let claims = json!({
        "aud": aud,
        "exp": now + expiration,
        "iat": now,
        "iss": issuer.issuers[0],
        "jti": uuid::Uuid::new_v4().to_string(),
        "kubernetes.io": k8s,
        "nbf": now,
        "sub": format!("system:serviceaccount:{namespace}:{name}"),
    });
    let token = issuer.signing.sign(&claims).map_err(StatusError::new_internal_error)?;
    let reported = req["spec"]["expirationSeconds"].as_i64().unwrap_or(expiration);
    req["status"] = json!({
        "token": token,
        "expirationTimestamp": unix_to_rfc3339(now + reported),
    });
    let meta = req.meta_mut();
    meta.insert("name".into(), json!(name));
    meta.insert("namespace".into(), json!(namespace));
    meta.insert("creationTimestamp".into(), Value::Null);
    req["kind"] = json!("TokenRequest");
    req["apiVersion"] = json!("authentication.k8s.io/v1");
    Ok(req)
}

/// A service account token that authenticated: the user and the token's audiences.
#[derive(Debug, Clone)]
pub struct Authenticated {
    /// The account's user.
    pub user: UserInfo,
    /// The `aud` claim.
    pub audiences: Vec<String>,
}

fn claim_str<'a>(claims: &'a Value, pointer: &str) -> &'a str {
    claims.pointer(pointer).and_then(Value::as_str).unwrap_or("")
}

/// Authenticates a bearer token as a service account token. `None` when the token is not a
/// JWT of one of our issuers (another authenticator may know it); `Some(Err)` with upstream's
/// reason when it is ours but not valid. `audiences` are the audiences the caller accepts
/// (the API audiences for requests, a TokenReview's `spec.audiences` otherwise).
pub async fn authenticate(
    server: &ApiServer,
    token: &str,
    audiences: &[String],
) -> Option<Result<Authenticated, String>> {
    let issuer = server.service_accounts.as_deref()?;
    let jws = Jws::parse(token)?;
    let iss = claim_str(&jws.claims, "/iss");
    if !issuer.issuers.iter().any(|i| i == iss) {
        return None;
    }
    Some(validate(server, issuer, &jws, audiences).await)
}

async fn validate(
    server: &ApiServer,
    issuer: &TokenIssuer,
    jws: &Jws,
    accepted: &[String],
) -> Result<Authenticated, String> {
    if !jws.verified_by(&issuer.verify) {
        return Err("invalid signature".into());
    }
    let claims = &jws.claims;
    let now = now_unix();
    let num = |k: &str| claims.get(k).and_then(Value::as_i64);
    if num("exp").is_some_and(|exp| now > exp + LEEWAY_SECONDS) {
        return Err("service account token has expired".into());
    }
    if num("nbf").is_some_and(|nbf| now + LEEWAY_SECONDS < nbf) {
        return Err("service account token is not valid yet".into());
    }
    let token_audiences: Vec<String> = match claims.get("aud") {
        Some(Value::String(a)) => vec![a.clone()],
        Some(Value::Array(a)) => a.iter().filter_map(|v| v.as_str().map(str::to_string)).collect(),
        _ => Vec::new(),
    };
    let audiences: Vec<String> =
        token_audiences.iter().filter(|a| accepted.contains(a)).cloned().collect();
    if audiences.is_empty() {
        return Err(format!(
            "token audiences {:?} is invalid for the target audiences {:?}",
            token_audiences, accepted
        ));
    }
    let namespace = claim_str(claims, "/kubernetes.io/namespace");
    let sa_name = claim_str(claims, "/kubernetes.io/serviceaccount/name");
    let sa_uid = claim_str(claims, "/kubernetes.io/serviceaccount/uid");
    if namespace.is_empty() || sa_name.is_empty() {
        return Err("service account token claims are missing".into());
    }
    let get = |resource: &'static str, ns: &str, name: &str| {
        let store = server.registry.store("", resource);
        let (ns, name) = (ns.to_string(), name.to_string());
        async move {
            match store {
                Some(s) => s.get(&ns, &name).await.ok(),
                None => None,
            }
        }
    };
    // Objects deleted more than a minute ago no longer vouch for their tokens.
    let invalidated = "service account token has been invalidated".to_string();
    let deleted_long_ago = |o: &Value| {
        o.pointer("/metadata/deletionTimestamp")
            .and_then(Value::as_str)
            .and_then(|t| t.parse::<jiff::Timestamp>().ok())
            .is_some_and(|t| t.as_second() < now - 60)
    };
    let Some(sa) = get("serviceaccounts", namespace, sa_name).await else {
        return Err(invalidated);
    };
    if deleted_long_ago(&sa) {
        return Err(format!("service account {namespace}/{sa_name} has been deleted"));
    }
    if sa.uid() != sa_uid {
        return Err(format!("service account UID ({}) does not match claim ({sa_uid})", sa.uid()));
    }
    let mut extra: BTreeMap<String, Vec<String>> = BTreeMap::new();
    let has_pod = !claim_str(claims, "/kubernetes.io/pod/name").is_empty();
    for (kind, resource, ns) in
        [("secret", "secrets", namespace), ("pod", "pods", namespace), ("node", "nodes", "")]
    {
        let name = claim_str(claims, &format!("/kubernetes.io/{kind}/name"));
        if name.is_empty() {
            continue;
        }
        let uid = claim_str(claims, &format!("/kubernetes.io/{kind}/uid"));
        // A pod's token names its node for information; only node-bound tokens need it.
        if kind != "node" || !has_pod {
            let Some(o) = get(resource, ns, name).await else { return Err(invalidated) };
            if deleted_long_ago(&o) {
                return Err(invalidated);
            }
            if o.uid() != uid {
                return Err(format!("{kind} UID ({}) does not match claim ({uid})", o.uid()));
            }
        }
        if kind != "secret" {
            extra.insert(format!("authentication.kubernetes.io/{kind}-name"), vec![name.into()]);
            extra.insert(format!("authentication.kubernetes.io/{kind}-uid"), vec![uid.into()]);
        }
    }
    let jti = claim_str(claims, "/jti");
    if !jti.is_empty() {
        extra.insert(
            "authentication.kubernetes.io/credential-id".into(),
            vec![format!("JTI={jti}")],
        );
    }
    let user = UserInfo {
        name: format!("system:serviceaccount:{namespace}:{sa_name}"),
        uid: sa_uid.to_string(),
        groups: vec![
            "system:serviceaccounts".into(),
            format!("system:serviceaccounts:{namespace}"),
            "system:authenticated".into(),
        ],
        extra,
    };
    Ok(Authenticated { user, audiences })
}
