//! Printers for networking.k8s.io (ingresses, ingress classes, network policies, service CIDRs,
//! IP addresses) and discovery.k8s.io endpoint slices.

use apimachinery::codec::TableRow;
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

use super::core::load_balancer_ingress;
use super::docs as d;
use super::util::{
    AGE, Col, NAME, Printer, age, arr, capped_list, cells, col, format_selector, get, int, name,
    opt_int, opt_s, s,
};

const NET: &str = "networking.k8s.io";

pub(super) const PRINTERS: &[Printer] = &[
    Printer { group: NET, resource: "ingresses", columns: INGRESS, print: print_ingress },
    Printer {
        group: NET,
        resource: "ingressclasses",
        columns: INGRESS_CLASS,
        print: print_ingress_class,
    },
    Printer {
        group: NET,
        resource: "networkpolicies",
        columns: NETWORK_POLICY,
        print: print_network_policy,
    },
    Printer {
        group: NET,
        resource: "servicecidrs",
        columns: SERVICE_CIDR,
        print: print_service_cidr,
    },
    Printer { group: NET, resource: "ipaddresses", columns: IP_ADDRESS, print: print_ip_address },
    Printer {
        group: "discovery.k8s.io",
        resource: "endpointslices",
        columns: ENDPOINT_SLICE,
        print: print_endpoint_slice,
    },
];

const INGRESS: &[Col] = &[
    NAME,
    col(
        "Class",
        "string",
        d::Doc::Text(
            "The name of the IngressClass resource that should be used for additional configuration",
        ),
    ),
    col(
        "Hosts",
        "string",
        d::Doc::Text("Hosts that incoming requests are matched against before the ingress rule"),
    ),
    col(
        "Address",
        "string",
        d::Doc::Text("Address is a list containing ingress points for the load-balancer"),
    ),
    col("Ports", "string", d::Doc::Text("Ports of TLS configurations that open")),
    AGE,
];

/// `formatHosts`: up to three hosts, `*` when no rule names one.
fn format_hosts(rules: &[Value]) -> String {
    const MAX: usize = 3;
    let mut list: Vec<&str> = Vec::new();
    let mut more = false;
    for rule in rules {
        if list.len() == MAX {
            more = true;
        }
        let host = s(rule, &["host"]);
        if !more && !host.is_empty() {
            list.push(host);
        }
    }
    if list.is_empty() {
        return "*".to_string();
    }
    let ret = list.join(",");
    if more { format!("{ret} + {} more...", rules.len() - MAX) } else { ret }
}

fn print_ingress(v: &Value, now: Timestamp) -> TableRow {
    let ports = if arr(v, &["spec", "tls"]).is_empty() { "80" } else { "80, 443" };
    cells(vec![
        name(v).into(),
        opt_s(v, &["spec", "ingressClassName"]).unwrap_or("<none>").into(),
        format_hosts(arr(v, &["spec", "rules"])).into(),
        load_balancer_ingress(arr(v, &["status", "loadBalancer", "ingress"])).into(),
        ports.into(),
        age(v, now),
    ])
}

const INGRESS_CLASS: &[Col] = &[
    NAME,
    col(
        "Controller",
        "string",
        d::Doc::Text("Controller that is responsible for handling this class"),
    ),
    col(
        "Parameters",
        "string",
        d::Doc::Text("A reference to a resource with additional parameters"),
    ),
    AGE,
];

fn print_ingress_class(v: &Value, now: Timestamp) -> TableRow {
    let parameters = match get(v, &["spec", "parameters"]) {
        None => "<none>".to_string(),
        Some(p) => {
            let mut out = s(p, &["kind"]).to_string();
            if let Some(group) = opt_s(p, &["apiGroup"]) {
                out = format!("{out}.{group}");
            }
            format!("{out}/{}", s(p, &["name"]))
        }
    };
    cells(vec![
        name(v).into(),
        s(v, &["spec", "controller"]).into(),
        parameters.into(),
        age(v, now),
    ])
}

const NETWORK_POLICY: &[Col] = &[NAME, col("Pod-Selector", "string", d::NETPOL_POD_SELECTOR), AGE];

fn print_network_policy(v: &Value, now: Timestamp) -> TableRow {
    // podSelector is a struct, never nil: a missing one is the empty selector.
    let selector = if get(v, &["spec", "podSelector"]).is_some() {
        format_selector(v, &["spec", "podSelector"])
    } else {
        "<none>".to_string()
    };
    cells(vec![name(v).into(), selector.into(), age(v, now)])
}

const SERVICE_CIDR: &[Col] = &[NAME, col("CIDRs", "string", d::SCIDR_CIDRS), AGE];

fn print_service_cidr(v: &Value, now: Timestamp) -> TableRow {
    let cidrs: Vec<&str> = arr(v, &["spec", "cidrs"]).iter().filter_map(Value::as_str).collect();
    cells(vec![name(v).into(), cidrs.join(",").into(), age(v, now)])
}

const IP_ADDRESS: &[Col] = &[NAME, col("ParentRef", "string", d::IPADDR_PARENT_REF)];

fn print_ip_address(v: &Value, now: Timestamp) -> TableRow {
    let parent = match get(v, &["spec", "parentRef"]) {
        None => "<none>".to_string(),
        Some(p) => {
            let resource = s(p, &["resource"]);
            let group = s(p, &["group"]);
            let gr =
                if group.is_empty() { resource.to_string() } else { format!("{resource}.{group}") };
            let mut out = gr.to_lowercase();
            let ns = s(p, &["namespace"]);
            if !ns.is_empty() {
                out = format!("{out}/{ns}");
            }
            format!("{out}/{}", s(p, &["name"]))
        }
    };
    // Upstream prints an age cell although it declares no Age column.
    cells(vec![name(v).into(), parent.into(), age(v, now)])
}

const ENDPOINT_SLICE: &[Col] = &[
    NAME,
    col("AddressType", "string", d::EPS_ADDRESS_TYPE),
    col("Ports", "string", d::EPS_PORTS),
    col("Endpoints", "string", d::EPS_ENDPOINTS),
    AGE,
];

fn print_endpoint_slice(v: &Value, now: Timestamp) -> TableRow {
    let ports = arr(v, &["ports"]).iter().map(|p| match opt_int(p, &["port"]) {
        Some(_) => int(p, &["port"]).to_string(),
        None => opt_s(p, &["name"]).unwrap_or("*").to_string(),
    });
    let addresses = arr(v, &["endpoints"])
        .iter()
        .flat_map(|e| arr(e, &["addresses"]).iter().map(|a| a.as_str().unwrap_or("").to_string()));
    cells(vec![
        name(v).into(),
        s(v, &["addressType"]).into(),
        capped_list(ports, 3).into(),
        capped_list(addresses, 3).into(),
        age(v, now),
    ])
}
