//! Validation of the `networking.k8s.io` kinds (pkg/apis/networking/validation): network
//! policies and ingresses.

use apimachinery::errors::field::{BadValue, Error, ErrorList, Path};
use apimachinery::validation::{self as v, LabelSelectorValidationOptions};
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta::{invalid_each, validate_label_selector, validate_object_meta};

const CIDR_MSG: &str = "must be a valid CIDR value, (e.g. 10.9.8.0/24 or 2001:db8::/64)";

fn validate_cidr(value: &str, path: &Path) -> ErrorList {
    let ok = value.split_once('/').is_some_and(|(ip, bits)| {
        ip.parse::<std::net::IpAddr>().is_ok_and(|ip| {
            let max = if ip.is_ipv4() { 32 } else { 128 };
            !bits.starts_with('+') && bits.parse::<u8>().is_ok_and(|b| b <= max)
        })
    });
    if ok { ErrorList::new() } else { ErrorList(vec![Error::invalid(path, value, CIDR_MSG)]) }
}

fn validate_policy_port(port: &networking::NetworkPolicyPort, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(p) = &port.protocol
        && !["TCP", "UDP", "SCTP"].contains(&p.as_str())
    {
        errs.push(Error::not_supported(&path.child("protocol"), p, &["TCP", "UDP", "SCTP"]));
    }
    match (&port.port, port.end_port) {
        (Some(IntOrString::Int(n)), end) => {
            for m in v::is_valid_port_num(i64::from(*n)) {
                errs.push(Error::invalid(&path.child("port"), *n, m));
            }
            if let Some(end) = end {
                if end < *n {
                    errs.push(Error::invalid(
                        &path.child("endPort"),
                        *n,
                        "must be greater than or equal to `port`",
                    ));
                }
                for m in v::is_valid_port_num(i64::from(end)) {
                    errs.push(Error::invalid(&path.child("endPort"), end, m));
                }
            }
        }
        (Some(IntOrString::String(name)), end) => {
            if let Some(end) = end {
                errs.push(Error::invalid(
                    &path.child("endPort"),
                    end,
                    "may not be specified when `port` is non-numeric",
                ));
            }
            errs.extend(invalid_each(&path.child("port"), name, v::is_valid_port_name(name)));
        }
        (None, Some(end)) => errs.push(Error::invalid(
            &path.child("endPort"),
            end,
            "may not be specified when `port` is not specified",
        )),
        (None, None) => {}
    }
    errs
}

fn validate_peer(peer: &networking::NetworkPolicyPeer, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let opts = LabelSelectorValidationOptions::default();
    let mut num = 0;
    if let Some(s) = &peer.pod_selector {
        num += 1;
        errs.extend(validate_label_selector(Some(s), opts, &path.child("podSelector")));
    }
    if let Some(s) = &peer.namespace_selector {
        num += 1;
        errs.extend(validate_label_selector(Some(s), opts, &path.child("namespaceSelector")));
    }
    if let Some(b) = &peer.ip_block {
        num += 1;
        let bp = path.child("ipBlock");
        if b.cidr.is_empty() {
            errs.push(Error::required(&bp.child("cidr"), ""));
        } else {
            errs.extend(validate_cidr(&b.cidr, &bp.child("cidr")));
            for (i, e) in b.except.iter().flatten().enumerate() {
                errs.extend(validate_cidr(e, &bp.child("except").index(i)));
            }
        }
    }
    if num == 0 {
        errs.push(Error::required(path, "must specify a peer"));
    } else if num > 1 && peer.ip_block.is_some() {
        errs.push(Error::forbidden(path, "may not specify both ipBlock and another peer"));
    }
    errs
}

/// `ValidateNetworkPolicy`.
pub fn validate_network_policy(np: &networking::NetworkPolicy) -> ErrorList {
    let mut errs =
        validate_object_meta(&np.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&np.spec);
    let p = Path::new("spec");
    let opts = LabelSelectorValidationOptions::default();
    let pod_selector = super::or_default(&spec.pod_selector);
    errs.extend(validate_label_selector(Some(&pod_selector), opts, &p.child("podSelector")));
    for (i, rule) in spec.ingress.iter().flatten().enumerate() {
        let rp = p.child("ingress").index(i);
        for (j, port) in rule.ports.iter().flatten().enumerate() {
            errs.extend(validate_policy_port(port, &rp.child("ports").index(j)));
        }
        for (j, peer) in rule.from.iter().flatten().enumerate() {
            errs.extend(validate_peer(peer, &rp.child("from").index(j)));
        }
    }
    for (i, rule) in spec.egress.iter().flatten().enumerate() {
        let rp = p.child("egress").index(i);
        for (j, port) in rule.ports.iter().flatten().enumerate() {
            errs.extend(validate_policy_port(port, &rp.child("ports").index(j)));
        }
        for (j, peer) in rule.to.iter().flatten().enumerate() {
            errs.extend(validate_peer(peer, &rp.child("to").index(j)));
        }
    }
    let types = super::or_default(&spec.policy_types);
    if types.len() > 2 {
        errs.push(Error::invalid(
            &p.child("policyTypes"),
            BadValue::json(&types),
            "may not specify more than two policyTypes",
        ));
        return errs;
    }
    for (i, t) in types.iter().enumerate() {
        if t != "Ingress" && t != "Egress" {
            errs.push(Error::not_supported(
                &p.child("policyTypes").index(i),
                t,
                &["Ingress", "Egress"],
            ));
        }
    }
    errs
}

fn validate_backend(b: &networking::IngressBackend, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    match (&b.resource, &b.service) {
        (Some(_), Some(_)) => {
            errs.push(Error::invalid(path, "", "cannot set both resource and service backends"));
        }
        (Some(r), None) => {
            let rp = path.child("resource");
            if r.kind.is_empty() {
                errs.push(Error::required(&rp.child("kind"), ""));
            }
            if r.name.is_empty() {
                errs.push(Error::required(&rp.child("name"), ""));
            }
        }
        (None, Some(s)) => {
            let sp = path.child("service");
            if s.name.is_empty() {
                errs.push(Error::required(&sp.child("name"), ""));
            } else {
                errs.extend(invalid_each(
                    &sp.child("name"),
                    &s.name,
                    v::name_is_dns1035_label(&s.name, false),
                ));
            }
            let port = super::or_default(&s.port);
            let name = port.name.clone().unwrap_or_default();
            let number = port.number.unwrap_or_default();
            if !name.is_empty() && number != 0 {
                errs.push(Error::invalid(path, "", "cannot set both port name & port number"));
            } else if !name.is_empty() {
                errs.extend(invalid_each(
                    &sp.child("port").child("name"),
                    &name,
                    v::is_valid_port_name(&name),
                ));
            } else if number != 0 {
                for m in v::is_valid_port_num(i64::from(number)) {
                    errs.push(Error::invalid(&sp.child("port").child("number"), number, m));
                }
            } else {
                errs.push(Error::required(path, "port name or number is required"));
            }
        }
        (None, None) => {
            errs.push(Error::invalid(path, "", "resource or service backend is required"))
        }
    }
    errs
}

fn validate_ingress_path(p: &networking::HTTPIngressPath, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let value = p.path.clone().unwrap_or_default();
    match p.path_type.as_str() {
        "" => {
            return ErrorList(vec![Error::required(
                &path.child("pathType"),
                "pathType must be specified",
            )]);
        }
        "Exact" | "Prefix" => {
            if !value.starts_with('/') {
                errs.push(Error::invalid(&path.child("path"), &value, "must be an absolute path"));
            }
            if !value.is_empty() {
                for seq in ["//", "/./", "/../", "%2f", "%2F"] {
                    if value.contains(seq) {
                        errs.push(Error::invalid(
                            &path.child("path"),
                            &value,
                            format!("must not contain '{seq}'"),
                        ));
                    }
                }
                for suffix in ["/..", "/."] {
                    if value.ends_with(suffix) {
                        errs.push(Error::invalid(
                            &path.child("path"),
                            &value,
                            format!("cannot end with '{suffix}'"),
                        ));
                    }
                }
            }
        }
        "ImplementationSpecific" => {
            if !value.is_empty() && !value.starts_with('/') {
                errs.push(Error::invalid(&path.child("path"), &value, "must be an absolute path"));
            }
        }
        other => errs.push(Error::not_supported(
            &path.child("pathType"),
            other,
            &["Exact", "ImplementationSpecific", "Prefix"],
        )),
    }
    errs.extend(validate_backend(&p.backend, &path.child("backend")));
    errs
}

fn validate_host(host: &str, path: &Path) -> ErrorList {
    if host.contains('*') {
        invalid_each(path, host, v::is_wildcard_dns1123_subdomain(host))
    } else {
        invalid_each(path, host, v::is_dns1123_subdomain(host))
    }
}

/// `ValidateIngressCreate` (metadata and spec).
pub fn validate_ingress(ing: &networking::Ingress) -> ErrorList {
    let mut errs =
        validate_object_meta(&ing.metadata, true, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&ing.spec);
    let p = Path::new("spec");
    let rules = super::or_default(&spec.rules);
    if rules.is_empty() && spec.default_backend.is_none() {
        let value = spec.rules.as_ref().map_or(BadValue::Null, BadValue::json);
        errs.push(Error::invalid(
            &p,
            value,
            "either `defaultBackend` or `rules` must be specified",
        ));
    }
    if let Some(b) = &spec.default_backend {
        errs.extend(validate_backend(b, &p.child("defaultBackend")));
    }
    for (i, rule) in rules.iter().enumerate() {
        let rp = p.child("rules").index(i);
        let host = rule.host.clone().unwrap_or_default();
        if !host.is_empty() {
            if host.parse::<std::net::IpAddr>().is_ok() {
                errs.push(Error::invalid(
                    &rp.child("host"),
                    &host,
                    "must be a DNS name, not an IP address",
                ));
            }
            errs.extend(validate_host(&host, &rp.child("host")));
        }
        if let Some(http) = &rule.http {
            let hp = rp.child("http");
            if http.paths.is_empty() {
                errs.push(Error::required(&hp.child("paths"), ""));
            }
            for (j, path) in http.paths.iter().enumerate() {
                errs.extend(validate_ingress_path(path, &hp.child("paths").index(j)));
            }
        }
    }
    for (i, tls) in spec.tls.iter().flatten().enumerate() {
        let tp = p.child("tls").index(i);
        for (j, host) in tls.hosts.iter().flatten().enumerate() {
            errs.extend(validate_host(host, &tp.child("hosts").index(j)));
        }
        let secret = tls.secret_name.clone().unwrap_or_default();
        if !secret.is_empty() {
            errs.extend(invalid_each(
                &tp.child("secretName"),
                &secret,
                v::name_is_dns_subdomain(&secret, false),
            ));
        }
    }
    if let Some(class) = spec.ingress_class_name.as_deref().filter(|c| !c.is_empty()) {
        errs.extend(invalid_each(
            &p.child("ingressClassName"),
            class,
            v::name_is_dns_subdomain(class, false),
        ));
    }
    errs
}
