//! Service account tokens: `serviceaccounts/<name>/token` (upstream's TokenRequest REST and
//! its validation), authentication of the tokens it issues (`pkg/serviceaccount` validator:
//! signature, issuer, audiences, expiry, bound objects), TokenReview and the OIDC discovery
//! documents.

use apiserver::serviceaccount::authenticate;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as B64;

use super::*;

const SAS: &str = "/api/v1/namespaces/default/serviceaccounts";
const PODS: &str = "/api/v1/namespaces/default/pods";

async fn service_account(s: &Server, name: &str) -> String {
    let r = s.post(SAS, &json!({"metadata": {"name": name}})).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    r.body["metadata"]["uid"].as_str().unwrap().to_string()
}

async fn request_token(s: &Server, sa: &str, spec: Value) -> Reply {
    let body =
        json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenRequest", "spec": spec});
    s.post(&format!("{SAS}/{sa}/token"), &body).await
}

fn claims(token: &str) -> Value {
    let payload = token.split('.').nth(1).unwrap();
    serde_json::from_slice(&B64.decode(payload).unwrap()).unwrap()
}

#[tokio::test]
async fn test_token_request_issues_a_signed_token() {
    let s = Server::new().await;
    let uid = service_account(&s, "builder").await;
    let r = request_token(&s, "builder", json!({})).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["kind"], "TokenRequest");
    assert_eq!(r.body["apiVersion"], "authentication.k8s.io/v1");
    assert_eq!(r.body["metadata"]["name"], "builder");
    assert_eq!(r.body["spec"]["expirationSeconds"], 3600);
    assert_eq!(r.body["spec"]["audiences"], json!([ISSUER]));
    let token = r.body["status"]["token"].as_str().unwrap();
    let c = claims(token);
    assert_eq!(c["iss"], ISSUER);
    assert_eq!(c["aud"], ISSUER);
    assert_eq!(c["sub"], "system:serviceaccount:default:builder");
    assert_eq!(c["kubernetes.io"]["namespace"], "default");
    assert_eq!(c["kubernetes.io"]["serviceaccount"], json!({"name": "builder", "uid": uid}));
    assert_eq!(c["exp"].as_i64().unwrap() - c["iat"].as_i64().unwrap(), 3600);
    let expiry: jiff::Timestamp =
        r.body["status"]["expirationTimestamp"].as_str().unwrap().parse().unwrap();
    assert_eq!(expiry.as_second(), c["exp"].as_i64().unwrap());

    // The token authenticates as the account.
    let api = s.api();
    let a = authenticate(&api, token, &[ISSUER.to_string()]).await.unwrap().unwrap();
    assert_eq!(a.user.name, "system:serviceaccount:default:builder");
    assert_eq!(a.user.uid, uid);
    assert_eq!(
        a.user.groups,
        vec!["system:serviceaccounts", "system:serviceaccounts:default", "system:authenticated"]
    );
    let jti = c["jti"].as_str().unwrap();
    assert_eq!(
        a.user.extra["authentication.kubernetes.io/credential-id"],
        vec![format!("JTI={jti}")]
    );
}

#[tokio::test]
async fn test_token_request_validation() {
    let s = Server::new().await;
    service_account(&s, "sa").await;
    let r = request_token(&s, "sa", json!({"expirationSeconds": 60})).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "TokenRequest.authentication.k8s.io \"\" is invalid: spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 10 minutes",
    );
    let r = request_token(&s, "sa", json!({"expirationSeconds": 1_i64 << 33})).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let r = request_token(&s, "missing", json!({})).await;
    assert_status(&r, 404, "NotFound", "serviceaccounts \"missing\" not found");
    let r = request_token(
        &s,
        "sa",
        json!({"boundObjectRef": {"kind": "ConfigMap", "apiVersion": "v1", "name": "x"}}),
    )
    .await;
    assert_eq!(r.code, 400, "{:?}", r.body);
}

#[tokio::test]
async fn test_pod_bound_token_follows_its_pod() {
    let s = Server::new().await;
    service_account(&s, "runner").await;
    let pod = json!({"metadata": {"name": "p"}, "spec": {"serviceAccountName": "runner",
        "containers": [{"name": "c", "image": "x"}]}});
    let r = s.post(PODS, &pod).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let pod_uid = r.body["metadata"]["uid"].as_str().unwrap().to_string();

    // The wrong UID is a conflict; a pod of another account is refused.
    let bound = |uid: &str| json!({"kind": "Pod", "apiVersion": "v1", "name": "p", "uid": uid});
    let r = request_token(&s, "runner", json!({"boundObjectRef": bound("nope")})).await;
    assert_eq!(r.code, 409, "{:?}", r.body);
    service_account(&s, "other").await;
    let r = request_token(&s, "other", json!({"boundObjectRef": bound(&pod_uid)})).await;
    assert_status(
        &r,
        400,
        "BadRequest",
        "cannot bind token for serviceaccount \"other\" to pod running with different serviceaccount name.",
    );

    // Kubelet's 3607 s request gets a year, with warnafter at the requested expiry.
    let r = request_token(
        &s,
        "runner",
        json!({"boundObjectRef": bound(&pod_uid), "expirationSeconds": 3607}),
    )
    .await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    let token = r.body["status"]["token"].as_str().unwrap().to_string();
    let c = claims(&token);
    assert_eq!(c["kubernetes.io"]["pod"], json!({"name": "p", "uid": pod_uid}));
    let iat = c["iat"].as_i64().unwrap();
    assert_eq!(c["exp"].as_i64().unwrap() - iat, 365 * 24 * 3600);
    assert_eq!(c["kubernetes.io"]["warnafter"].as_i64().unwrap() - iat, 3607);

    let api = s.api();
    let aud = [ISSUER.to_string()];
    let a = authenticate(&api, &token, &aud).await.unwrap().unwrap();
    assert_eq!(a.user.extra["authentication.kubernetes.io/pod-name"], vec!["p"]);
    assert_eq!(a.user.extra["authentication.kubernetes.io/pod-uid"], vec![pod_uid.clone()]);

    // Once the pod is gone, so is the token.
    let r = s.call("DELETE", &format!("{PODS}/p?gracePeriodSeconds=0"), &[], b"").await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    let err = authenticate(&api, &token, &aud).await.unwrap().unwrap_err();
    assert_eq!(err, "service account token has been invalidated");
}

#[tokio::test]
async fn test_token_authentication_failures() {
    let s = Server::new().await;
    service_account(&s, "sa").await;
    let api = s.api();
    let aud = [ISSUER.to_string()];
    let r = request_token(&s, "sa", json!({"audiences": ["vault"]})).await;
    let vault = r.body["status"]["token"].as_str().unwrap().to_string();
    let err = authenticate(&api, &vault, &aud).await.unwrap().unwrap_err();
    assert_eq!(
        err,
        "token audiences [\"vault\"] is invalid for the target audiences [\"https://kubernetes.default.svc.cluster.local\"]"
    );
    assert!(authenticate(&api, &vault, &["vault".into()]).await.unwrap().is_ok());

    let r = request_token(&s, "sa", json!({})).await;
    let token = r.body["status"]["token"].as_str().unwrap().to_string();
    // A token signed by someone else.
    let (head, _) = token.rsplit_once('.').unwrap();
    let forged = format!("{head}.{}", B64.encode([7u8; 64]));
    assert_eq!(authenticate(&api, &forged, &aud).await.unwrap().unwrap_err(), "invalid signature");
    // Not a JWT at all, or another issuer's: not ours to judge.
    assert!(authenticate(&api, "plain-token", &aud).await.is_none());
    // The account deleted and recreated: the old UID no longer matches.
    s.delete(&format!("{SAS}/sa")).await;
    let new_uid = service_account(&s, "sa").await;
    let err = authenticate(&api, &token, &aud).await.unwrap().unwrap_err();
    assert!(
        err.starts_with(&format!("service account UID ({new_uid}) does not match claim")),
        "{err}"
    );
}

#[tokio::test]
async fn test_token_review_and_openid_discovery() {
    let s = Server::new().await;
    service_account(&s, "sa").await;
    let r = request_token(&s, "sa", json!({})).await;
    let token = r.body["status"]["token"].as_str().unwrap().to_string();
    let review = |token: &str| json!({"apiVersion": "authentication.k8s.io/v1", "kind": "TokenReview", "spec": {"token": token}});
    let r = s.post("/apis/authentication.k8s.io/v1/tokenreviews", &review(&token)).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["status"]["authenticated"], true);
    assert_eq!(r.body["status"]["user"]["username"], "system:serviceaccount:default:sa");
    assert_eq!(r.body["status"]["audiences"], json!([ISSUER]));
    let r = s.post("/apis/authentication.k8s.io/v1/tokenreviews", &review("garbage")).await;
    assert_eq!(r.body["status"]["authenticated"], Value::Null);
    assert_eq!(r.body["status"]["error"], "invalid bearer token");

    let r = s.get("/.well-known/openid-configuration").await;
    assert_eq!(r.code, 200);
    assert_eq!(r.body["issuer"], ISSUER);
    assert_eq!(r.body["jwks_uri"], format!("{ISSUER}/openid/v1/jwks"));
    assert_eq!(r.body["id_token_signing_alg_values_supported"], json!(["ES256"]));
    let r = s.get("/openid/v1/jwks").await;
    assert_eq!(r.code, 200);
    assert_eq!(r.headers["content-type"], "application/jwk-set+json");
    let kid = {
        let header = token.split('.').next().unwrap();
        let h: Value = serde_json::from_slice(&B64.decode(header).unwrap()).unwrap();
        h["kid"].clone()
    };
    assert_eq!(r.body["keys"][0]["kid"], kid);
    assert_eq!(r.body["keys"][0]["alg"], "ES256");
}
