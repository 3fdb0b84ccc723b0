//! Authentication: x509 client certificates (CN is the user, O the groups) verified against
//! `--client-ca-file`, static bearer tokens from `--token-auth-file`, and anonymous requests.

use std::collections::HashMap;
use std::path::Path;

use apimachinery::errors::StatusError;
use serde_json::{Value, json};

/// Who made a request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserInfo {
    /// User name.
    pub name: String,
    /// UID (token file users may have one).
    pub uid: String,
    /// Groups, including `system:authenticated` or `system:unauthenticated`.
    pub groups: Vec<String>,
    /// Extra attributes (service account tokens name their pod, node and credential ID).
    pub extra: std::collections::BTreeMap<String, Vec<String>>,
}

impl UserInfo {
    /// The anonymous user.
    pub fn anonymous() -> Self {
        UserInfo {
            name: "system:anonymous".into(),
            groups: vec!["system:unauthenticated".into()],
            ..Default::default()
        }
    }

    /// The `UserInfo` JSON of review responses.
    pub fn to_json(&self) -> Value {
        let mut v = json!({"username": self.name, "groups": self.groups});
        if !self.uid.is_empty() {
            v["uid"] = json!(self.uid);
        }
        if !self.extra.is_empty() {
            v["extra"] = json!(self.extra);
        }
        v
    }

    fn authenticated(name: String, uid: String, mut groups: Vec<String>) -> Self {
        if !groups.iter().any(|g| g == "system:authenticated") {
            groups.push("system:authenticated".into());
        }
        UserInfo { name, uid, groups, ..Default::default() }
    }
}

/// A failure to set up authentication (a file that cannot be read or parsed).
#[derive(Debug, thiserror::Error)]
pub enum AuthnError {
    /// The token file could not be read.
    #[error("failed to read token file {path}: {source}")]
    ReadTokenFile {
        /// The file.
        path: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line of the token file is malformed.
    #[error("token file {path}, line {line}: {message}")]
    BadTokenFile {
        /// The file.
        path: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        message: String,
    },
}

/// The configured authenticators.
#[derive(Debug, Clone, Default)]
pub struct Authenticator {
    tokens: HashMap<String, UserInfo>,
}

/// Splits one CSV line (double quotes group commas, `""` is a quote).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '"' if quoted && chars.peek() == Some(&'"') => {
                cur.push('"');
                chars.next();
            }
            '"' => quoted = !quoted,
            ',' if !quoted => out.push(std::mem::take(&mut cur)),
            c => cur.push(c),
        }
    }
    out.push(cur);
    out
}

impl Authenticator {
    /// Loads `--token-auth-file` (CSV: `token,user,uid[,"group1,group2"]`) when given.
    pub fn new(token_file: Option<&Path>) -> Result<Self, AuthnError> {
        let mut tokens = HashMap::new();
        if let Some(path) = token_file {
            let p = path.display().to_string();
            let text = std::fs::read_to_string(path)
                .map_err(|source| AuthnError::ReadTokenFile { path: p.clone(), source })?;
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() || line.trim_start().starts_with('#') {
                    continue;
                }
                let f = csv_fields(line);
                if f.len() < 3 {
                    return Err(AuthnError::BadTokenFile {
                        path: p,
                        line: i + 1,
                        message: format!("expected at least 3 columns, got {}", f.len()),
                    });
                }
                let groups = f
                    .get(3)
                    .map(|g| {
                        g.split(',')
                            .map(str::trim)
                            .filter(|g| !g.is_empty())
                            .map(String::from)
                            .collect()
                    })
                    .unwrap_or_default();
                tokens.insert(
                    f[0].clone(),
                    UserInfo::authenticated(f[1].clone(), f[2].clone(), groups),
                );
            }
        }
        Ok(Authenticator { tokens })
    }

    /// The user a bearer token belongs to.
    pub fn authenticate_token(&self, token: &str) -> Option<UserInfo> {
        self.tokens.get(token).cloned()
    }

    /// Authenticates a request from its `Authorization` header and the verified client
    /// certificate (DER), if any. A presented but unknown token is 401.
    pub fn authenticate(
        &self,
        authorization: Option<&str>,
        client_cert: Option<&[u8]>,
    ) -> Result<UserInfo, StatusError> {
        if let Some(der) = client_cert
            && let Some(user) = user_from_certificate(der)
        {
            return Ok(user);
        }
        if let Some(auth) = authorization {
            let token = auth.strip_prefix("Bearer ").map(str::trim).unwrap_or("");
            if !token.is_empty() {
                return self
                    .authenticate_token(token)
                    .ok_or_else(|| StatusError::new_unauthorized("Unauthorized"));
            }
        }
        Ok(UserInfo::anonymous())
    }
}

/// Authenticates a request as the server does: client certificate, then a bearer token from
/// `--token-auth-file`, then a service account token; a presented but unknown token is 401.
pub async fn authenticate_request(
    server: &crate::endpoints::ApiServer,
    authorization: Option<&str>,
    client_cert: Option<&[u8]>,
) -> Result<UserInfo, StatusError> {
    match server.authn.authenticate(authorization, client_cert) {
        Err(e) if e.code() == 401 => {
            let token = authorization.and_then(|a| a.strip_prefix("Bearer ")).unwrap_or("").trim();
            let audiences = server
                .service_accounts
                .as_deref()
                .map(|i| i.audiences().to_vec())
                .unwrap_or_default();
            match crate::serviceaccount::authenticate(server, token, &audiences).await {
                Some(Ok(a)) => Ok(a.user),
                Some(Err(reason)) => {
                    tracing::debug!(%reason, "service account token rejected");
                    Err(e)
                }
                None => Err(e),
            }
        }
        other => other,
    }
}

/// The user of a verified client certificate: CN is the name, each O a group.
pub fn user_from_certificate(der: &[u8]) -> Option<UserInfo> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let subject = cert.subject();
    let name = subject.iter_common_name().next()?.as_str().ok()?.to_string();
    let groups =
        subject.iter_organization().filter_map(|o| o.as_str().ok().map(String::from)).collect();
    Some(UserInfo::authenticated(name, String::new(), groups))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_token_file_csv() {
        assert_eq!(csv_fields(r#"tok,user,uid,"a,b""#), vec!["tok", "user", "uid", "a,b"]);
        assert_eq!(csv_fields("tok,user,uid"), vec!["tok", "user", "uid"]);
    }

    #[test]
    fn test_token_authentication() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("tokens.csv");
        std::fs::write(&path, "secret,alice,1,\"dev,ops\"\n").unwrap();
        let a = Authenticator::new(Some(&path)).unwrap();
        let u = a.authenticate(Some("Bearer secret"), None).unwrap();
        assert_eq!(u.name, "alice");
        assert_eq!(u.groups, vec!["dev", "ops", "system:authenticated"]);
        let e = a.authenticate(Some("Bearer nope"), None).unwrap_err();
        assert_eq!(e.code(), 401);
        assert_eq!(a.authenticate(None, None).unwrap(), UserInfo::anonymous());
    }
}
