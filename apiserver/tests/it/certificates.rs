//! CertificateSigningRequests: the requesting user recorded on create, the request immutable
//! but through `/approval` (its conditions) and `/status` (its certificate and other
//! conditions), and upstream's validation of requests, signer names, usages and conditions.

use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;

use super::*;

const CSRS: &str = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

/// A PEM certificate request, and a certificate, for a fresh key.
fn request_and_certificate() -> (String, String) {
    let key = rcgen::KeyPair::generate().unwrap();
    let params = rcgen::CertificateParams::new(vec!["alice".to_string()]).unwrap();
    let request = params.serialize_request(&key).unwrap().pem().unwrap();
    let certificate = params.self_signed(&key).unwrap().pem();
    (request, certificate)
}

fn csr(name: &str, request: &str) -> Value {
    json!({
        "apiVersion": "certificates.k8s.io/v1",
        "kind": "CertificateSigningRequest",
        "metadata": {"name": name},
        "spec": {
            "request": B64.encode(request),
            "signerName": "example.com/signer",
            "usages": ["client auth"],
            "username": "someone-else",
            "groups": ["system:masters"],
        },
        "status": {"conditions": [{"type": "Approved", "status": "True"}]},
    })
}

fn condition_types(obj: &Value) -> Vec<String> {
    let conditions = obj["status"]["conditions"].as_array().cloned().unwrap_or_default();
    conditions.iter().map(|c| c["type"].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test]
async fn test_csr_records_its_requestor_and_starts_unapproved() {
    let s = Server::new().await;
    let (request, _) = request_and_certificate();
    let r = s.post(CSRS, &csr("alice", &request)).await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["spec"]["username"], "system:anonymous");
    assert_eq!(r.body["spec"]["groups"], json!(["system:unauthenticated"]));
    assert_eq!(r.body["status"], json!({}));
}

#[tokio::test]
async fn test_csr_created_by_apply_records_its_requestor() {
    let s = Server::new().await;
    let (request, _) = request_and_certificate();
    let body = csr("applied", &request);
    let r = s
        .patch(&format!("{CSRS}/applied?fieldManager=test"), "application/apply-patch+yaml", &body)
        .await;
    assert_eq!(r.code, 201, "{:?}", r.body);
    assert_eq!(r.body["spec"]["username"], "system:anonymous");
    assert_eq!(r.body["spec"]["groups"], json!(["system:unauthenticated"]));
}

#[tokio::test]
async fn test_csr_approval_writes_conditions_and_nothing_else() {
    let s = Server::new().await;
    let (request, certificate) = request_and_certificate();
    let created = s.post(CSRS, &csr("alice", &request)).await.body;

    // The main resource keeps spec and status.
    let mut changed = created.clone();
    changed["spec"]["usages"] = json!(["server auth"]);
    changed["status"] = json!({"conditions": [{"type": "Approved", "status": "True"}]});
    let r = s.put(&format!("{CSRS}/alice"), &changed).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["spec"]["usages"], json!(["client auth"]));
    assert_eq!(r.body["status"], json!({}));

    // /status may not approve.
    let mut approve = r.body.clone();
    approve["status"] = json!({"conditions": [{"type": "Approved", "status": "True"}]});
    let r = s.put(&format!("{CSRS}/alice/status"), &approve).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "CertificateSigningRequest.certificates.k8s.io \"alice\" is invalid: status.conditions: Forbidden: updates may not add a condition of type \"Approved\"",
    );

    // /approval does, with timestamps, and keeps the certificate out.
    approve["status"]["certificate"] = json!(B64.encode(&certificate));
    approve["status"]["conditions"][0]["reason"] = json!("KubectlApprove");
    let r = s.put(&format!("{CSRS}/alice/approval"), &approve).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(condition_types(&r.body), ["Approved"]);
    let condition = &r.body["status"]["conditions"][0];
    assert_eq!(condition["reason"], "KubectlApprove");
    assert!(condition["lastUpdateTime"].is_string() && condition["lastTransitionTime"].is_string());
    assert!(r.body["status"].get("certificate").is_none());
    let stored = s.get(&format!("{CSRS}/alice")).await.body;
    assert_eq!(condition_types(&stored), ["Approved"]);

    // Denying what is approved is refused; so is removing the approval.
    let mut deny = stored.clone();
    deny["status"]["conditions"]
        .as_array_mut()
        .unwrap()
        .push(json!({"type": "Denied", "status": "True"}));
    let r = s.put(&format!("{CSRS}/alice/approval"), &deny).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "CertificateSigningRequest.certificates.k8s.io \"alice\" is invalid: status.conditions[1].type: Invalid value: \"Denied\": Approved and Denied conditions are mutually exclusive",
    );
    let mut unapprove = stored.clone();
    unapprove["status"]["conditions"] = json!([]);
    let r = s.put(&format!("{CSRS}/alice/approval"), &unapprove).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "CertificateSigningRequest.certificates.k8s.io \"alice\" is invalid: status.conditions: Forbidden: updates may not remove a condition of type \"Approved\"",
    );

    // The signer writes the certificate through /status, once; the approval stays.
    let mut issued = stored.clone();
    issued["status"]["certificate"] = json!(B64.encode(&certificate));
    let r = s.put(&format!("{CSRS}/alice/status"), &issued).await;
    assert_eq!(r.code, 200, "{:?}", r.body);
    assert_eq!(r.body["status"]["certificate"], json!(B64.encode(&certificate)));
    assert_eq!(r.body["status"]["conditions"], stored["status"]["conditions"]);
    let mut again = r.body.clone();
    again["status"]["certificate"] = json!(B64.encode(request_and_certificate().1));
    let r = s.put(&format!("{CSRS}/alice/status"), &again).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "CertificateSigningRequest.certificates.k8s.io \"alice\" is invalid: status.certificate: Forbidden: updates may not modify existing certificate content",
    );
}

#[tokio::test]
async fn test_csr_validation_messages() {
    let s = Server::new().await;
    let mut bad = csr("bob", "hello\n");
    bad["spec"]["signerName"] = json!("example");
    bad["spec"]["usages"] = json!(["client auth", "bogus", "client auth"]);
    bad["spec"]["expirationSeconds"] = json!(60);
    let r = s.post(CSRS, &bad).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let message = r.body["message"].as_str().unwrap();
    for part in [
        "spec.request: Invalid value: []byte{0x68, 0x65, 0x6c, 0x6c, 0x6f, 0xa}: PEM block type must be CERTIFICATE REQUEST",
        "spec.usages[1]: Unsupported value: \"bogus\": supported values: \"any\", \"cert sign\"",
        "spec.usages[2]: Duplicate value: \"client auth\"",
        "spec.signerName: Invalid value: \"example\": must be a fully qualified domain and path of the form 'example.com/signer-name'",
        "spec.expirationSeconds: Invalid value: 60: may not specify a duration less than 600 seconds (10 minutes)",
    ] {
        assert!(message.contains(part), "{part:?} not in {message}");
    }

    // A request whose signature does not match its key.
    let (request, _) = request_and_certificate();
    let body = request.lines().filter(|l| !l.starts_with("-----")).collect::<String>();
    let mut raw = B64.decode(body).unwrap();
    let last = raw.len() - 1;
    raw[last] ^= 1;
    let tampered = format!(
        "-----BEGIN CERTIFICATE REQUEST-----\n{}\n-----END CERTIFICATE REQUEST-----\n",
        B64.encode(&raw)
    );
    let r = s.post(CSRS, &csr("carol", &tampered)).await;
    assert_eq!(r.code, 422, "{:?}", r.body);
    let message = r.body["message"].as_str().unwrap();
    assert!(message.contains("x509: ECDSA verification failure"), "{message}");

    let mut legacy = csr("dave", &request);
    legacy["spec"]["signerName"] = json!("kubernetes.io/legacy-unknown");
    let r = s.post(CSRS, &legacy).await;
    assert_status(
        &r,
        422,
        "Invalid",
        "CertificateSigningRequest.certificates.k8s.io \"dave\" is invalid: spec.signerName: Invalid value: \"kubernetes.io/legacy-unknown\": the legacy signerName is not allowed via this API version",
    );
}
