//! Validation of the `networking.k8s.io` kinds (pkg/apis/networking/validation): network
//! policies, ingresses, ingress classes, service CIDRs and IP addresses.

use apimachinery::errors::field::{BadValue, Error, ErrorList, Path};
use apimachinery::validation::{self as v, LabelSelectorValidationOptions};
use k8s_openapi::api::networking::v1 as networking;
use k8s_openapi::apimachinery::pkg::util::intstr::IntOrString;

use super::meta::{
    FIELD_IMMUTABLE_ERROR_MSG, invalid_each, issues_to_errors, validate_immutable,
    validate_label_selector, validate_object_meta, validate_object_meta_update,
};

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

const MAX_LEN_INGRESS_CLASS_CONTROLLER: i64 = 250;

/// `ValidateIngressClass`.
pub fn validate_ingress_class(ic: &networking::IngressClass) -> ErrorList {
    let mut errs =
        validate_object_meta(&ic.metadata, false, v::name_is_dns_subdomain, &Path::new("metadata"));
    let spec = super::or_default(&ic.spec);
    let p = Path::new("spec");
    let controller = spec.controller.as_deref().unwrap_or_default();
    let cp = p.child("controller");
    if controller.is_empty() {
        errs.push(Error::required(&cp, ""));
    } else {
        if controller.len() as i64 > MAX_LEN_INGRESS_CLASS_CONTROLLER {
            errs.push(Error::too_long(&cp, MAX_LEN_INGRESS_CLASS_CONTROLLER));
        }
        errs.extend(issues_to_errors(v::is_domain_prefixed_path(controller), &cp));
    }
    if let Some(params) = &spec.parameters {
        errs.extend(validate_ingress_class_parameters(params, &p.child("parameters")));
    }
    errs
}

fn validate_ingress_class_parameters(
    params: &networking::IngressClassParametersReference,
    path: &Path,
) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(group) = &params.api_group {
        errs.extend(invalid_each(&path.child("apiGroup"), group, v::is_dns1123_subdomain(group)));
    }
    for (field, value) in [("kind", &params.kind), ("name", &params.name)] {
        if value.is_empty() {
            errs.push(Error::required(&path.child(field), ""));
        } else {
            errs.extend(invalid_each(
                &path.child(field),
                value,
                v::is_valid_path_segment_name(value),
            ));
        }
    }
    let Some(scope) = params.scope.as_deref() else {
        errs.push(Error::required(&path.child("scope"), ""));
        return errs;
    };
    let np = path.child("namespace");
    match (scope, params.namespace.as_deref()) {
        ("Namespace", None) => {
            errs.push(Error::required(&np, "`parameters.scope` is set to 'Namespace'"));
        }
        ("Namespace", Some(ns)) => {
            errs.extend(invalid_each(&np, ns, v::validate_namespace_name(ns, false)));
        }
        ("Cluster", Some(_)) => {
            errs.push(Error::forbidden(&np, "`parameters.scope` is set to 'Cluster'"));
        }
        ("Cluster", None) => {}
        (other, _) => {
            errs.push(Error::not_supported(&path.child("scope"), other, &["Cluster", "Namespace"]))
        }
    }
    errs
}

/// `ValidateIngressClassUpdate`: the metadata update rules, an unchanged controller, then the
/// whole class again (metadata included, as upstream does).
pub fn validate_ingress_class_update(
    new: &networking::IngressClass,
    old: &networking::IngressClass,
) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    let controller = |ic: &networking::IngressClass| {
        ic.spec.as_ref().and_then(|s| s.controller.clone()).unwrap_or_default()
    };
    let (nc, oc) = (controller(new), controller(old));
    errs.extend(validate_immutable(&nc, &oc, nc.as_str(), &Path::new("spec").child("controller")));
    errs.extend(validate_ingress_class(new));
    errs
}

/// `ValidateServiceCIDR`.
pub fn validate_service_cidr(sc: &networking::ServiceCIDR) -> ErrorList {
    let mut errs =
        validate_object_meta(&sc.metadata, false, v::name_is_dns_subdomain, &Path::new("metadata"));
    errs.extend(validate_service_cidr_spec(&service_cidrs(sc)));
    errs
}

fn service_cidrs(sc: &networking::ServiceCIDR) -> Vec<String> {
    sc.spec.as_ref().and_then(|s| s.cidrs.clone()).unwrap_or_default()
}

fn validate_service_cidr_spec(cidrs: &[String]) -> ErrorList {
    let path = Path::from_names(["spec", "cidrs"]);
    if cidrs.is_empty() {
        return ErrorList(vec![Error::required(&path, "at least one CIDR required")]);
    }
    if cidrs.len() > 2 {
        // Upstream shows the internal spec struct, whose field is `CIDRs`.
        let spec = serde_json::json!({ "CIDRs": cidrs });
        return ErrorList(vec![Error::invalid(
            &path,
            BadValue::Json(spec),
            "may only hold up to 2 values",
        )]);
    }
    let mut errs = ErrorList::new();
    for (i, cidr) in cidrs.iter().enumerate() {
        errs.extend(invalid_each(&path.index(i), cidr, v::is_valid_cidr(cidr)));
    }
    if cidrs.len() == 2
        && let Some(first) = v::cidr_is_ipv4(&cidrs[0])
        && v::cidr_is_ipv4(&cidrs[1]) == Some(first)
    {
        errs.push(Error::invalid(
            &path,
            BadValue::json(cidrs),
            "may specify no more than one IP for each IP family, i.e 192.168.0.0/24 and 2001:db8::/64",
        ));
    }
    errs
}

/// `ValidateServiceCIDRUpdate`: the CIDRs are immutable, except that a single-stack range may
/// gain a second CIDR of the other family.
pub fn validate_service_cidr_update(
    new: &networking::ServiceCIDR,
    old: &networking::ServiceCIDR,
) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    let (nc, oc) = (service_cidrs(new), service_cidrs(old));
    let path = Path::from_names(["spec", "cidrs"]);
    if nc.len() == oc.len() {
        for (i, (n, o)) in nc.iter().zip(&oc).enumerate() {
            if n != o {
                errs.push(Error::invalid(&path.index(i), n, FIELD_IMMUTABLE_ERROR_MSG));
            }
        }
    } else if oc.len() == 1 && nc.len() == 2 {
        if nc[0] != oc[0] {
            errs.push(Error::invalid(&path.index(0), &nc[0], FIELD_IMMUTABLE_ERROR_MSG));
        }
        errs.extend(validate_service_cidr_spec(&nc));
    } else {
        let shown = new.spec.as_ref().and_then(|s| s.cidrs.as_ref());
        errs.push(Error::invalid(
            &path,
            shown.map_or(BadValue::Null, BadValue::json),
            FIELD_IMMUTABLE_ERROR_MSG,
        ));
    }
    errs
}

/// `ValidateIPAddressName`: the name is the address itself, in canonical form.
fn ip_address_name(name: &str, _prefix: bool) -> Vec<String> {
    v::is_valid_ip(name)
}

/// The parent reference of an IP address; `None` when unset. The wire type reads a missing
/// reference as an empty one, so an empty one is taken for missing, the usual case (upstream
/// tells an explicit `{}` apart).
fn parent_ref(ip: &networking::IPAddress) -> Option<networking::ParentReference> {
    let r = ip.spec.as_ref()?.parent_ref.clone();
    let empty = |o: &Option<String>| o.as_deref().unwrap_or_default().is_empty();
    let unset =
        empty(&r.group) && r.resource.is_empty() && empty(&r.namespace) && r.name.is_empty();
    (!unset).then_some(r)
}

/// `ValidateIPAddress`.
pub fn validate_ip_address(ip: &networking::IPAddress) -> ErrorList {
    let mut errs =
        validate_object_meta(&ip.metadata, false, ip_address_name, &Path::new("metadata"));
    let path = Path::new("spec").child("parentRef");
    let Some(r) = parent_ref(ip) else {
        errs.push(Error::required(&path, ""));
        return errs;
    };
    let group = r.group.as_deref().unwrap_or_default();
    if !group.is_empty() {
        errs.extend(invalid_each(&path.child("group"), group, v::is_dns1123_subdomain(group)));
    }
    for (field, value) in [("resource", &r.resource), ("name", &r.name)] {
        if value.is_empty() {
            errs.push(Error::required(&path.child(field), ""));
        } else {
            errs.extend(invalid_each(
                &path.child(field),
                value,
                v::is_valid_path_segment_name(value),
            ));
        }
    }
    let namespace = r.namespace.as_deref().unwrap_or_default();
    if !namespace.is_empty() {
        errs.extend(invalid_each(
            &path.child("namespace"),
            namespace,
            v::is_valid_path_segment_name(namespace),
        ));
    }
    errs
}

/// `ValidateIPAddressUpdate`: the parent reference may not change.
pub fn validate_ip_address_update(
    new: &networking::IPAddress,
    old: &networking::IPAddress,
) -> ErrorList {
    let mut errs =
        validate_object_meta_update(&new.metadata, &old.metadata, &Path::new("metadata"));
    let (n, o) = (parent_ref(new), parent_ref(old));
    // Upstream shows the internal struct, whose fields carry no JSON names.
    let shown = n.as_ref().map_or(BadValue::Null, |r| {
        BadValue::Json(serde_json::json!({
            "Group": r.group.as_deref().unwrap_or_default(),
            "Resource": r.resource,
            "Namespace": r.namespace.as_deref().unwrap_or_default(),
            "Name": r.name,
        }))
    });
    let normalized = |r: &Option<networking::ParentReference>| {
        r.as_ref().map(|r| {
            (
                r.group.clone().unwrap_or_default(),
                r.resource.clone(),
                r.namespace.clone().unwrap_or_default(),
                r.name.clone(),
            )
        })
    };
    errs.extend(validate_immutable(
        &normalized(&n),
        &normalized(&o),
        shown,
        &Path::new("spec").child("parentRef"),
    ));
    errs
}
