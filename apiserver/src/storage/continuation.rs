//! List continue tokens: base64url (unpadded) JSON `{"v","rv","start"}`, compatible with the tokens
//! upstream's apiserver hands out, so a client may page across servers.

use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::StorageError;

const TOKEN_VERSION: &str = "meta.k8s.io/v1";
const GENERIC_INVALID: &str = "continue key is not valid";

#[derive(Serialize, Deserialize, Default)]
struct Token {
    #[serde(default)]
    v: String,
    #[serde(default)]
    rv: i64,
    #[serde(default)]
    start: String,
}

/// Encodes a token that resumes a list below `key_prefix` at `key`, read at `revision`
/// (`-1` asks to resume at the latest revision).
pub fn encode_continue(key: &str, key_prefix: &str, revision: i64) -> Result<String, StorageError> {
    let start = key.strip_prefix(key_prefix).ok_or_else(|| {
        StorageError::Internal(
            "unable to encode next field: the key and key prefix do not match".to_string(),
        )
    })?;
    let token = Token { v: TOKEN_VERSION.to_string(), rv: revision, start: start.to_string() };
    let value = serde_json::to_value(&token).map_err(|e| StorageError::Internal(e.to_string()))?;
    // Go's encoding/json output (HTML-escaped) keeps tokens byte-identical to upstream's.
    let json = apimachinery::gofmt::marshal_json_ordered(&value);
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(json.as_bytes()))
}

/// Decodes a continue token for a list below `key_prefix`: the full start key and the revision.
pub fn decode_continue(token: &str, key_prefix: &str) -> Result<(String, i64), StorageError> {
    let invalid =
        |detail: String| StorageError::InvalidContinue(format!("{GENERIC_INVALID}: {detail}"));
    let data = base64url_decode(token).map_err(invalid)?;
    let parsed: Token = serde_json::from_slice(&data).map_err(|e| invalid(e.to_string()))?;
    if parsed.v != TOKEN_VERSION {
        return Err(StorageError::InvalidContinue(format!(
            "{GENERIC_INVALID}: server does not recognize this encoded version {}",
            parsed.v
        )));
    }
    if parsed.rv == 0 {
        return Err(StorageError::InvalidContinue(format!(
            "{GENERIC_INVALID}: incorrect encoded start resourceVersion (version meta.k8s.io/v1)"
        )));
    }
    if parsed.start.is_empty() {
        return Err(StorageError::InvalidContinue(format!(
            "{GENERIC_INVALID}: encoded start key empty (version meta.k8s.io/v1)"
        )));
    }
    // A start key that is not already a clean path could climb above the prefix ("../"), so it
    // is refused rather than normalised.
    let rooted = if parsed.start.starts_with('/') {
        parsed.start.clone()
    } else {
        format!("/{}", parsed.start)
    };
    let cleaned = clean_rooted_path(&rooted);
    if cleaned != rooted {
        return Err(invalid(parsed.start));
    }
    Ok((format!("{key_prefix}{}", &cleaned[1..]), parsed.rv))
}

/// Lexical clean of a path that starts with `/`, with Go's `path.Clean` results.
fn clean_rooted_path(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            other => parts.push(other),
        }
    }
    format!("/{}", parts.join("/"))
}

/// Unpadded base64url, as Go's `base64.RawURLEncoding`; decode errors use Go's wording.
fn base64url_decode(input: &str) -> Result<Vec<u8>, String> {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.decode(input).map_err(|err| match err {
        base64::DecodeError::InvalidByte(offset, _)
        | base64::DecodeError::InvalidLastSymbol(offset, _) => {
            format!("illegal base64 data at input byte {offset}")
        }
        base64::DecodeError::InvalidLength(len) => {
            format!("illegal base64 data at input byte {len}")
        }
        other => other.to_string(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn base64url_encode(data: &[u8]) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(data)
    }

    #[test]
    fn test_base64_round_trip() {
        for input in ["", "a", "ab", "abc", "abcd", "{\"v\":\"x\"}\u{0}\u{ff}"] {
            let enc = base64url_encode(input.as_bytes());
            assert!(!enc.contains('='), "{enc}");
            assert_eq!(base64url_decode(&enc).as_deref(), Ok(input.as_bytes()));
        }
        assert_eq!(base64url_encode(b"\xfb\xff"), "-_8");
        assert_eq!(
            base64url_decode("ab$d"),
            Err("illegal base64 data at input byte 2".to_string())
        );
    }

    fn check_decode(token: &str, expect: Result<(&str, i64), &str>) {
        let got = decode_continue(token, "/registry/pods/");
        match expect {
            Ok((key, rv)) => assert_eq!(got, Ok((key.to_string(), rv)), "{token}"),
            Err(msg) => match got {
                Err(StorageError::InvalidContinue(m)) => assert!(m.starts_with(msg), "{m}"),
                other => panic!("{token}: expected error {msg}, got {other:?}"),
            },
        }
    }

    fn token(json: &str) -> String {
        base64url_encode(json.as_bytes())
    }

    // Mirrors TestEncodeContinue/TestDecodeContinue in upstream's continue_test.go.
    #[test]
    fn test_decode_continue() {
        check_decode(
            &token(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"key"}"#),
            Ok(("/registry/pods/key", 1)),
        );
        check_decode(
            &token(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"/key"}"#),
            Ok(("/registry/pods/key", 1)),
        );
        check_decode(
            &token(r#"{"v":"meta.k8s.io/v1","rv":-1,"start":"a/b"}"#),
            Ok(("/registry/pods/a/b", -1)),
        );
        check_decode(
            &token(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"../key"}"#),
            Err("continue key is not valid: ../key"),
        );
        check_decode(
            &token(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"key/"}"#),
            Err("continue key is not valid: key/"),
        );
        check_decode(
            &token(r#"{"v":"meta.k8s.io/v1","rv":1,"start":"a//b"}"#),
            Err("continue key is not valid: a//b"),
        );
        check_decode(
            &token(r#"{"v":"meta.k8s.io/v1","rv":0,"start":"key"}"#),
            Err(
                "continue key is not valid: incorrect encoded start resourceVersion (version meta.k8s.io/v1)",
            ),
        );
        check_decode(
            &token(r#"{"v":"meta.k8s.io/v1","rv":1,"start":""}"#),
            Err("continue key is not valid: encoded start key empty (version meta.k8s.io/v1)"),
        );
        check_decode(
            &token(r#"{"v":"v1alpha1","rv":1,"start":"key"}"#),
            Err(
                "continue key is not valid: server does not recognize this encoded version v1alpha1",
            ),
        );
        check_decode("!!!", Err("continue key is not valid: illegal base64 data at input byte 0"));
        check_decode(&token("not json"), Err("continue key is not valid: "));
    }

    #[test]
    fn test_encode_continue() {
        let t = encode_continue("/registry/pods/a\u{0}", "/registry/pods/", 7).unwrap();
        let json = base64url_decode(&t).unwrap();
        assert_eq!(
            String::from_utf8(json).unwrap(),
            r#"{"v":"meta.k8s.io/v1","rv":7,"start":"a\u0000"}"#
        );
        assert_eq!(
            decode_continue(&t, "/registry/pods/"),
            Ok(("/registry/pods/a\u{0}".to_string(), 7))
        );
        let t = encode_continue("/p/a<b>&", "/p/", 1).unwrap();
        assert_eq!(
            String::from_utf8(base64url_decode(&t).unwrap()).unwrap(),
            r#"{"v":"meta.k8s.io/v1","rv":1,"start":"a\u003cb\u003e\u0026"}"#
        );
        assert!(matches!(
            encode_continue("/other/a", "/p/", 1),
            Err(StorageError::Internal(m)) if m == "unable to encode next field: the key and key prefix do not match"
        ));
    }
}
