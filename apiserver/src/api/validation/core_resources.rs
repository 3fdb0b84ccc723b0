//! Validation of Endpoints, Events (core/v1 and events.k8s.io/v1), LimitRanges and
//! ResourceQuotas (pkg/apis/core/validation) and of EndpointSlices
//! (pkg/apis/discovery/validation), as their registry strategies call it.

use std::collections::{BTreeMap, BTreeSet};
use std::net::IpAddr;

use apimachinery::errors::field::{BadValue, Error, ErrorList, Path};
use apimachinery::resource::{MAX_MILLI_VALUE, Quantity as ParsedQuantity};
use apimachinery::validation as v;
use k8s_openapi::api::core::v1 as core;
use k8s_openapi::api::discovery::v1 as discovery;
use k8s_openapi::apimachinery::pkg::api::resource::Quantity;
use k8s_openapi::apimachinery::pkg::apis::meta::v1::{MicroTime, ObjectMeta, Time};

use super::core_kinds::{
    invalid_stringer, is_overcommit_allowed, validate_container_resource_name, validate_ip,
    validate_resource_name, validate_resource_quantity_value,
};
use super::meta::{
    FIELD_IMMUTABLE_ERROR_MSG, go_time_string, invalid_each, validate_dns1123_label,
    validate_immutable, validate_labels, validate_object_meta, validate_object_meta_update,
    validate_qualified_name,
};

const PROTOCOLS: [&str; 3] = ["SCTP", "TCP", "UDP"];

fn meta_path() -> Path {
    Path::new("metadata")
}

fn s(o: &Option<String>) -> &str {
    o.as_deref().unwrap_or_default()
}

fn parse(q: &Quantity) -> ParsedQuantity {
    ParsedQuantity::parse(&q.0).unwrap_or_default()
}

// ---------------------------------------------------------------------------------------------
// IP addresses shared by Endpoints and EndpointSlices.

/// `ValidateNonSpecialIP`: an endpoint may not be unspecified, loopback or link-local.
pub fn validate_non_special_ip(value: &str, path: &Path) -> ErrorList {
    let Some(ip) = v::parse_ip_sloppy(value) else {
        return ErrorList(vec![Error::invalid(path, value, "must be a valid IP address")]);
    };
    // Go reads an IPv4-mapped IPv6 address as the IPv4 one.
    let ip = ip.to_canonical();
    let mut errs = ErrorList::new();
    if ip.is_unspecified() {
        errs.push(Error::invalid(path, value, format!("may not be unspecified ({value})")));
    }
    if ip.is_loopback() {
        errs.push(Error::invalid(
            path,
            value,
            "may not be in the loopback range (127.0.0.0/8, ::1/128)",
        ));
    }
    let link_local_unicast = match ip {
        IpAddr::V4(ip) => ip.is_link_local(),
        IpAddr::V6(ip) => ip.segments()[0] & 0xffc0 == 0xfe80,
    };
    if link_local_unicast {
        errs.push(Error::invalid(
            path,
            value,
            "may not be in the link-local range (169.254.0.0/16, fe80::/10)",
        ));
    }
    let link_local_multicast = match ip {
        IpAddr::V4(ip) => ip.octets()[..3] == [224, 0, 0],
        IpAddr::V6(ip) => ip.octets()[0] == 0xff && ip.octets()[1] & 0x0f == 0x02,
    };
    if link_local_multicast {
        errs.push(Error::invalid(
            path,
            value,
            "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
        ));
    }
    errs
}

fn validate_protocol(protocol: Option<&str>, path: &Path) -> ErrorList {
    match protocol {
        None | Some("") => ErrorList(vec![Error::required(path, "")]),
        Some(p) if !PROTOCOLS.contains(&p) => {
            ErrorList(vec![Error::not_supported(path, p, &PROTOCOLS)])
        }
        Some(_) => ErrorList::new(),
    }
}

// ---------------------------------------------------------------------------------------------
// Endpoints.

fn validate_endpoint_address(a: &core::EndpointAddress, path: &Path) -> ErrorList {
    let mut errs = validate_ip(&a.ip, &path.child("ip"));
    let hostname = s(&a.hostname);
    if !hostname.is_empty() {
        errs.extend(validate_dns1123_label(hostname, &path.child("hostname")));
    }
    if let Some(node) = &a.node_name {
        errs.extend(invalid_each(
            &path.child("nodeName"),
            node,
            v::name_is_dns_subdomain(node, false),
        ));
    }
    errs.extend(validate_non_special_ip(&a.ip, &path.child("ip")));
    errs
}

fn validate_endpoint_port(p: &core::EndpointPort, require_name: bool, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let name = s(&p.name);
    if require_name && name.is_empty() {
        errs.push(Error::required(&path.child("name"), ""));
    } else if !name.is_empty() {
        errs.extend(validate_dns1123_label(name, &path.child("name")));
    }
    for msg in v::is_valid_port_num(i64::from(p.port)) {
        errs.push(Error::invalid(&path.child("port"), p.port, msg));
    }
    errs.extend(validate_protocol(p.protocol.as_deref(), &path.child("protocol")));
    if let Some(app) = &p.app_protocol {
        errs.extend(validate_qualified_name(app, &path.child("appProtocol")));
    }
    errs
}

fn endpoints_body(e: &core::Endpoints) -> ErrorList {
    let mut errs = ErrorList::new();
    for (i, ss) in e.subsets.iter().flatten().enumerate() {
        let idx = Path::new("subsets").index(i);
        let addresses = ss.addresses.as_deref().unwrap_or_default();
        let not_ready = ss.not_ready_addresses.as_deref().unwrap_or_default();
        if addresses.is_empty() && not_ready.is_empty() {
            errs.push(Error::required(&idx, "must specify `addresses` or `notReadyAddresses`"));
        }
        for (j, a) in addresses.iter().enumerate() {
            errs.extend(validate_endpoint_address(a, &idx.child("addresses").index(j)));
        }
        for (j, a) in not_ready.iter().enumerate() {
            errs.extend(validate_endpoint_address(a, &idx.child("notReadyAddresses").index(j)));
        }
        let ports = ss.ports.as_deref().unwrap_or_default();
        for (j, p) in ports.iter().enumerate() {
            errs.extend(validate_endpoint_port(p, ports.len() > 1, &idx.child("ports").index(j)));
        }
    }
    errs
}

/// `ValidateEndpointsCreate`.
pub fn validate_endpoints(e: &core::Endpoints) -> ErrorList {
    let mut errs = validate_object_meta(&e.metadata, true, v::name_is_dns_subdomain, &meta_path());
    errs.extend(endpoints_body(e));
    errs
}

/// `ValidateEndpointsUpdate`: node names may change, so this is the object's own checks.
pub fn validate_endpoints_update(new: &core::Endpoints, old: &core::Endpoints) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    errs.extend(endpoints_body(new));
    errs
}

// ---------------------------------------------------------------------------------------------
// Events.

const REPORTING_INSTANCE_LENGTH_LIMIT: usize = 128;
const ACTION_LENGTH_LIMIT: usize = 128;
const REASON_LENGTH_LIMIT: usize = 128;
const NOTE_LENGTH_LIMIT: usize = 1024;

/// Which API an Event is written through: the core and events.k8s.io/v1beta1 APIs keep the
/// legacy rules; events.k8s.io/v1 adds the strict ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventApi {
    /// core/v1.
    Legacy,
    /// events.k8s.io/v1.
    Strict,
}

fn too_long_event_field(path: &str, limit: usize) -> Error {
    Error::invalid(&Path::new(path), "", format!("can have at most {limit} characters"))
}

/// `legacyValidateEvent`.
fn legacy_validate_event(e: &core::Event) -> ErrorList {
    let mut errs = ErrorList::new();
    let namespace = s(&e.metadata.namespace);
    let involved_ns = s(&e.involved_object.namespace);
    let ns_path = Path::new("involvedObject").child("namespace");
    let mismatch = || Error::invalid(&ns_path, involved_ns, "does not match event.namespace");
    if e.event_time.is_none() {
        if involved_ns.is_empty() {
            if !namespace.is_empty() && namespace != "default" {
                errs.push(mismatch());
            }
        } else if namespace != involved_ns {
            errs.push(mismatch());
        }
    } else {
        if involved_ns.is_empty() && namespace != "default" && namespace != "kube-system" {
            errs.push(mismatch());
        }
        let controller = s(&e.reporting_component);
        let cp = Path::new("reportingController");
        if controller.is_empty() {
            errs.push(Error::required(&cp, ""));
        }
        errs.extend(validate_qualified_name(controller, &cp));
        let instance = s(&e.reporting_instance);
        if instance.is_empty() {
            errs.push(Error::required(&Path::new("reportingInstance"), ""));
        }
        if instance.len() > REPORTING_INSTANCE_LENGTH_LIMIT {
            errs.push(too_long_event_field("reportingInstance", REPORTING_INSTANCE_LENGTH_LIMIT));
        }
        let action = s(&e.action);
        if action.is_empty() {
            errs.push(Error::required(&Path::new("action"), ""));
        }
        if action.len() > ACTION_LENGTH_LIMIT {
            errs.push(too_long_event_field("action", ACTION_LENGTH_LIMIT));
        }
        let reason = s(&e.reason);
        if reason.is_empty() {
            errs.push(Error::required(&Path::new("reason"), ""));
        }
        if reason.len() > REASON_LENGTH_LIMIT {
            errs.push(too_long_event_field("reason", REASON_LENGTH_LIMIT));
        }
        if s(&e.message).len() > NOTE_LENGTH_LIMIT {
            errs.push(too_long_event_field("message", NOTE_LENGTH_LIMIT));
        }
    }
    errs.extend(invalid_each(
        &Path::new("namespace"),
        namespace,
        v::is_dns1123_subdomain(namespace),
    ));
    errs
}

/// `validateV1EventSeries`.
fn validate_event_series(e: &core::Event) -> ErrorList {
    let mut errs = ErrorList::new();
    if let Some(series) = &e.series {
        if series.count.unwrap_or_default() < 2 {
            errs.push(Error::invalid(&Path::new("series.count"), "", "should be at least 2"));
        }
        if series.last_observed_time.is_none() {
            errs.push(Error::required(&Path::new("series.lastObservedTime"), ""));
        }
    }
    errs
}

/// The checks every create gets from the generic registry after the strategy's own passed:
/// metadata with path-segment names and apimachinery's finalizer rule only.
fn generic_object_meta(meta: &ObjectMeta) -> ErrorList {
    validate_object_meta(meta, true, v::validate_path_segment_name, &meta_path())
        .into_iter()
        .filter(|e| !e.detail.starts_with("name is neither a standard finalizer name"))
        .collect()
}

/// `ValidateEventCreate`: the legacy rules, then (events.k8s.io/v1) the strict ones.
pub fn validate_event_create(e: &core::Event, api: EventApi) -> ErrorList {
    let mut errs = legacy_validate_event(e);
    if api == EventApi::Legacy {
        if errs.is_empty() {
            errs.extend(generic_object_meta(&e.metadata));
        }
        return errs;
    }
    errs.extend(validate_object_meta(&e.metadata, true, v::name_is_dns_subdomain, &meta_path()));
    errs.extend(validate_event_series(e));
    if e.event_time.is_none() {
        errs.push(Error::required(&Path::new("eventTime"), ""));
    }
    let ty = s(&e.type_);
    if ty != "Normal" && ty != "Warning" {
        errs.push(Error::invalid(&Path::new("type"), "", format!("has invalid value: {ty}")));
    }
    let unset = |field: &str| Error::invalid(&Path::new(field), "", "needs to be unset");
    if e.first_timestamp.is_some() {
        errs.push(unset("firstTimestamp"));
    }
    if e.last_timestamp.is_some() {
        errs.push(unset("lastTimestamp"));
    }
    if e.count.unwrap_or_default() != 0 {
        errs.push(unset("count"));
    }
    let source = e.source.clone().unwrap_or_default();
    if !s(&source.component).is_empty() || !s(&source.host).is_empty() {
        errs.push(unset("source"));
    }
    errs
}

/// How Go prints a `metav1.MicroTime` (`time.Time.String()`: fractional seconds without
/// trailing zeros).
fn go_micro_time_string(t: &Option<MicroTime>) -> String {
    let Some(t) = t else { return "0001-01-01 00:00:00 +0000 UTC".to_string() };
    let s = serde_json::to_value(t).ok().and_then(|v| v.as_str().map(str::to_string));
    let s = s.unwrap_or_default();
    let Some((date, time)) = s.strip_suffix('Z').and_then(|x| x.split_once('T')) else {
        return s;
    };
    let time = match time.split_once('.') {
        Some((whole, frac)) => match frac.trim_end_matches('0') {
            "" => whole.to_string(),
            frac => format!("{whole}.{frac}"),
        },
        None => time.to_string(),
    };
    format!("{date} {time} +0000 UTC")
}

/// A `metav1.Time` as a bad value: Go prints it through its `String()`, unquoted.
fn go_time(t: &Option<Time>) -> BadValue {
    match t {
        Some(t) => BadValue::GoSyntax(go_time_string(t)),
        None => BadValue::GoSyntax("0001-01-01 00:00:00 +0000 UTC".to_string()),
    }
}

/// `ValidateEventUpdate`: the legacy rules, then (events.k8s.io/v1) nothing but the series and
/// the metadata may change.
pub fn validate_event_update(new: &core::Event, old: &core::Event, api: EventApi) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    errs.extend(legacy_validate_event(new));
    if api == EventApi::Legacy {
        return errs;
    }
    if new.series != old.series {
        errs.extend(validate_event_series(new));
    }
    let immutable = |changed: bool, path: &str, value: BadValue| {
        changed.then(|| Error::invalid(&Path::new(path), value, FIELD_IMMUTABLE_ERROR_MSG))
    };
    let text = |o: &Option<String>| BadValue::String(s(o).to_string());
    let source = |e: &core::Event| e.source.clone().unwrap_or_default();
    let checks = [
        immutable(
            new.involved_object != old.involved_object,
            "involvedObject",
            BadValue::json(&new.involved_object),
        ),
        immutable(s(&new.reason) != s(&old.reason), "reason", text(&new.reason)),
        immutable(s(&new.message) != s(&old.message), "message", text(&new.message)),
        immutable(source(new) != source(old), "source", BadValue::json(&source(new))),
        immutable(
            new.first_timestamp != old.first_timestamp,
            "firstTimestamp",
            go_time(&new.first_timestamp),
        ),
        immutable(
            new.last_timestamp != old.last_timestamp,
            "lastTimestamp",
            go_time(&new.last_timestamp),
        ),
        immutable(
            new.count.unwrap_or_default() != old.count.unwrap_or_default(),
            "count",
            BadValue::Int(i64::from(new.count.unwrap_or_default())),
        ),
        immutable(s(&new.reason) != s(&old.reason), "reason", text(&new.reason)),
        immutable(s(&new.type_) != s(&old.type_), "type", text(&new.type_)),
        immutable(
            new.event_time != old.event_time,
            "eventTime",
            BadValue::GoSyntax(go_micro_time_string(&new.event_time)),
        ),
        immutable(s(&new.action) != s(&old.action), "action", text(&new.action)),
        immutable(
            new.related != old.related,
            "related",
            new.related.as_ref().map_or(BadValue::Null, BadValue::json),
        ),
        immutable(
            s(&new.reporting_component) != s(&old.reporting_component),
            "reportingController",
            text(&new.reporting_component),
        ),
        immutable(
            s(&new.reporting_instance) != s(&old.reporting_instance),
            "reportingInstance",
            text(&new.reporting_instance),
        ),
    ];
    errs.extend(checks.into_iter().flatten());
    errs
}

// ---------------------------------------------------------------------------------------------
// LimitRanges.

fn validate_limit_range_type(ty: &str, path: &Path) -> ErrorList {
    let mut errs = validate_qualified_name(ty, path);
    if errs.is_empty()
        && !ty.contains('/')
        && !["Pod", "Container", "PersistentVolumeClaim"].contains(&ty)
    {
        errs.push(Error::invalid(path, ty, "must be a standard limit type or fully qualified"));
    }
    errs
}

fn validate_limit_range_resource_name(ty: &str, name: &str, path: &Path) -> ErrorList {
    match ty {
        "Pod" | "Container" => validate_container_resource_name(name, path),
        _ => validate_resource_name(name, path),
    }
}

/// Go's `%f` of a float64 (six decimals, `+Inf` for infinity).
fn go_float_f(x: f64) -> String {
    if x.is_infinite() {
        return if x > 0.0 { "+Inf".to_string() } else { "-Inf".to_string() };
    }
    if x.is_nan() {
        return "NaN".to_string();
    }
    format!("{x:.6}")
}

/// The ratio a `maxLimitRequestRatio` may not exceed, and the ratio, as upstream computes them
/// (milli precision when every value allows it, whole units otherwise).
fn ratio_and_limit(
    ratio: &ParsedQuantity,
    min: &ParsedQuantity,
    max: &ParsedQuantity,
) -> (f64, f64) {
    let (mut r, mut lo, mut hi) = (ratio.value() as f64, min.value(), max.value());
    if ratio.value() < MAX_MILLI_VALUE && lo < MAX_MILLI_VALUE && hi < MAX_MILLI_VALUE {
        r = ratio.milli_value() as f64 / 1000.0;
        lo = min.milli_value();
        hi = max.milli_value();
    }
    (r, hi as f64 / lo as f64)
}

/// The names of one resource list of a limit, checked for the limit's type, with their
/// quantities.
fn limit_names(
    ty: &str,
    list: &Option<BTreeMap<String, Quantity>>,
    path: &Path,
    keys: &mut BTreeSet<String>,
    errs: &mut ErrorList,
) -> BTreeMap<String, ParsedQuantity> {
    let mut out = BTreeMap::new();
    for (k, q) in list.iter().flatten() {
        errs.extend(validate_limit_range_resource_name(ty, k, &path.key(k)));
        keys.insert(k.clone());
        out.insert(k.clone(), parse(q));
    }
    out
}

fn validate_limit_range_item(
    item: &core::LimitRangeItem,
    types: &mut BTreeSet<String>,
    path: &Path,
) -> ErrorList {
    let ty = item.type_.as_str();
    let mut errs = validate_limit_range_type(ty, &path.child("type"));
    if !types.insert(ty.to_string()) {
        errs.push(Error::duplicate(&path.child("type"), ty));
    }
    let mut keys = BTreeSet::new();
    let max = limit_names(ty, &item.max, &path.child("max"), &mut keys, &mut errs);
    let min = limit_names(ty, &item.min, &path.child("min"), &mut keys, &mut errs);
    let (defaults, default_requests) = if ty == "Pod" {
        let forbidden = "may not be specified when `type` is 'Pod'";
        if item.default.as_ref().is_some_and(|d| !d.is_empty()) {
            errs.push(Error::forbidden(&path.child("default"), forbidden));
        }
        if item.default_request.as_ref().is_some_and(|d| !d.is_empty()) {
            errs.push(Error::forbidden(&path.child("defaultRequest"), forbidden));
        }
        (BTreeMap::new(), BTreeMap::new())
    } else {
        let defaults = limit_names(ty, &item.default, &path.child("default"), &mut keys, &mut errs);
        let requests = limit_names(
            ty,
            &item.default_request,
            &path.child("defaultRequest"),
            &mut keys,
            &mut errs,
        );
        (defaults, requests)
    };
    if ty == "PersistentVolumeClaim" && !min.contains_key("storage") && !max.contains_key("storage")
    {
        errs.push(Error::required(
            &path.child("limits"),
            "either minimum or maximum storage value is required, but neither was provided",
        ));
    }
    let ratios = limit_names(
        ty,
        &item.max_limit_request_ratio,
        &path.child("maxLimitRequestRatio"),
        &mut keys,
        &mut errs,
    );
    for k in &keys {
        let (lo, hi) = (min.get(k), max.get(k));
        let (def, req, ratio) = (defaults.get(k), default_requests.get(k), ratios.get(k));
        let at = |field: &str| path.child(field).key(k);
        let mut invalid = |field: &str, shown: &ParsedQuantity, detail: String| {
            errs.push(invalid_stringer(&at(field), &shown.to_string(), &detail));
        };
        if let (Some(lo), Some(hi)) = (lo, hi)
            && lo > hi
        {
            invalid("min", lo, format!("min value {lo} is greater than max value {hi}"));
        }
        if let (Some(req), Some(lo)) = (req, lo)
            && lo > req
        {
            invalid(
                "defaultRequest",
                req,
                format!("min value {lo} is greater than default request value {req}"),
            );
        }
        if let (Some(req), Some(hi)) = (req, hi)
            && req > hi
        {
            invalid(
                "defaultRequest",
                req,
                format!("default request value {req} is greater than max value {hi}"),
            );
        }
        if let (Some(req), Some(def)) = (req, def)
            && req > def
        {
            invalid(
                "defaultRequest",
                req,
                format!("default request value {req} is greater than default limit value {def}"),
            );
        }
        if let (Some(def), Some(lo)) = (def, lo)
            && lo > def
        {
            invalid("default", lo, format!("min value {lo} is greater than default value {def}"));
        }
        if let (Some(def), Some(hi)) = (def, hi)
            && def > hi
        {
            invalid("default", hi, format!("default value {def} is greater than max value {hi}"));
        }
        if let Some(ratio) = ratio
            && ratio.cmp_i64(1).is_lt()
        {
            invalid("maxLimitRequestRatio", ratio, format!("ratio {ratio} is less than 1"));
        }
        if let (Some(ratio), Some(lo), Some(hi)) = (ratio, lo, hi) {
            let (r, limit) = ratio_and_limit(ratio, lo, hi);
            if r > limit {
                invalid(
                    "maxLimitRequestRatio",
                    ratio,
                    format!("ratio {ratio} is greater than max/min = {}", go_float_f(limit)),
                );
            }
        }
        if let (Some(def), Some(req)) = (def, req)
            && !is_overcommit_allowed(k)
            && def != req
        {
            invalid(
                "defaultRequest",
                req,
                format!("default value {def} must equal to defaultRequest value {req} in {k}"),
            );
        }
    }
    errs
}

fn limit_range_body(lr: &core::LimitRange) -> ErrorList {
    let mut errs = ErrorList::new();
    let mut types = BTreeSet::new();
    let limits = lr.spec.as_ref().map(|s| s.limits.as_slice()).unwrap_or_default();
    for (i, item) in limits.iter().enumerate() {
        let idx = Path::new("spec").child("limits").index(i);
        errs.extend(validate_limit_range_item(item, &mut types, &idx));
    }
    errs
}

/// `ValidateLimitRange`.
pub fn validate_limit_range(lr: &core::LimitRange) -> ErrorList {
    let mut errs = validate_object_meta(&lr.metadata, true, v::name_is_dns_subdomain, &meta_path());
    errs.extend(limit_range_body(lr));
    errs
}

/// A LimitRange update: the metadata rules and the object's own checks.
pub fn validate_limit_range_update(new: &core::LimitRange, old: &core::LimitRange) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    errs.extend(limit_range_body(new));
    errs
}

// ---------------------------------------------------------------------------------------------
// ResourceQuotas.

const STANDARD_QUOTA_RESOURCES: [&str; 19] = [
    "cpu",
    "memory",
    "ephemeral-storage",
    "requests.cpu",
    "requests.memory",
    "requests.storage",
    "requests.ephemeral-storage",
    "limits.cpu",
    "limits.memory",
    "limits.ephemeral-storage",
    "pods",
    "resourcequotas",
    "services",
    "replicationcontrollers",
    "secrets",
    "persistentvolumeclaims",
    "configmaps",
    "services.nodeports",
    "services.loadbalancers",
];

/// `IsStandardQuotaResourceName`.
fn is_standard_quota_resource(name: &str) -> bool {
    STANDARD_QUOTA_RESOURCES.contains(&name)
        || name.starts_with("hugepages-")
        || name.starts_with("requests.hugepages-")
}

/// `IsStandardResourceQuotaScope`.
fn is_standard_quota_scope(scope: &str) -> bool {
    matches!(
        scope,
        "Terminating"
            | "NotTerminating"
            | "BestEffort"
            | "NotBestEffort"
            | "PriorityClass"
            | "CrossNamespacePodAffinity"
    )
}

/// `IsResourceQuotaScopeValidForResource`.
fn scope_applies_to(scope: &str, resource: &str) -> bool {
    const POD_COMPUTE: [&str; 6] =
        ["cpu", "memory", "limits.cpu", "limits.memory", "requests.cpu", "requests.memory"];
    match scope {
        "Terminating"
        | "NotTerminating"
        | "NotBestEffort"
        | "PriorityClass"
        | "CrossNamespacePodAffinity" => resource == "pods" || POD_COMPUTE.contains(&resource),
        "BestEffort" => resource == "pods",
        _ => true,
    }
}

/// `ValidateResourceQuotaResourceName`.
fn validate_quota_resource_name(name: &str, path: &Path) -> ErrorList {
    let mut errs = validate_resource_name(name, path);
    if !name.contains('/') && !is_standard_quota_resource(name) {
        errs.push(Error::invalid(path, name, "must be a standard resource for quota"));
    }
    errs
}

fn validate_quota_list(list: &Option<BTreeMap<String, Quantity>>, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    for (k, q) in list.iter().flatten() {
        let at = path.key(k);
        errs.extend(validate_quota_resource_name(k, &at));
        errs.extend(validate_resource_quantity_value(k, q, &at));
    }
    errs
}

const CONFLICTING_SCOPES: [[&str; 2]; 2] =
    [["BestEffort", "NotBestEffort"], ["Terminating", "NotTerminating"]];

fn validate_quota_scopes(spec: &core::ResourceQuotaSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let scopes = spec.scopes.as_deref().unwrap_or_default();
    if scopes.is_empty() {
        return errs;
    }
    let p = path.child("scopes");
    let value = BadValue::json(scopes);
    let hard: Vec<&String> = spec.hard.iter().flat_map(BTreeMap::keys).collect();
    for scope in scopes {
        if !is_standard_quota_scope(scope) {
            errs.push(Error::invalid(&p, value.clone(), "unsupported scope"));
        }
        for k in &hard {
            if is_standard_quota_resource(k) && !scope_applies_to(scope, k) {
                errs.push(Error::invalid(
                    &p,
                    value.clone(),
                    "unsupported scope applied to resource",
                ));
            }
        }
    }
    for pair in CONFLICTING_SCOPES {
        if pair.iter().all(|s| scopes.iter().any(|x| x == s)) {
            errs.push(Error::invalid(&p, value.clone(), "conflicting scopes"));
        }
    }
    errs
}

fn validate_scope_selector(spec: &core::ResourceQuotaSpec, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let Some(selector) = &spec.scope_selector else { return errs };
    let p = path.child("scopeSelector").child("matchExpressions");
    let hard: Vec<&String> = spec.hard.iter().flat_map(BTreeMap::keys).collect();
    let mut seen = BTreeSet::new();
    for req in selector.match_expressions.iter().flatten() {
        let scope = req.scope_name.as_str();
        if !is_standard_quota_scope(scope) {
            errs.push(Error::invalid(&p.child("scopeName"), scope, "unsupported scope"));
        }
        for k in &hard {
            if is_standard_quota_resource(k) && !scope_applies_to(scope, k) {
                errs.push(Error::invalid(
                    &p,
                    BadValue::json(selector),
                    "unsupported scope applied to resource",
                ));
            }
        }
        if matches!(
            scope,
            "BestEffort"
                | "NotBestEffort"
                | "Terminating"
                | "NotTerminating"
                | "CrossNamespacePodAffinity"
        ) && req.operator != "Exists"
        {
            errs.push(Error::invalid(
                &p.child("operator"),
                req.operator.as_str(),
                "must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
            ));
        }
        let values = req.values.as_deref().unwrap_or_default();
        match req.operator.as_str() {
            "In" | "NotIn" if values.is_empty() => errs.push(Error::required(
                &p.child("values"),
                "must be at least one value when `operator` is 'In' or 'NotIn' for scope selector",
            )),
            "In" | "NotIn" => {}
            "Exists" | "DoesNotExist" if !values.is_empty() => errs.push(Error::invalid(
                &p.child("values"),
                BadValue::json(values),
                "must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
            )),
            "Exists" | "DoesNotExist" => {}
            op => {
                errs.push(Error::invalid(&p.child("operator"), op, "not a valid selector operator"))
            }
        }
        seen.insert(scope);
    }
    for pair in CONFLICTING_SCOPES {
        if pair.iter().all(|s| seen.contains(s)) {
            let scopes = spec.scopes.as_ref().map_or(BadValue::Null, BadValue::json);
            errs.push(Error::invalid(&p, scopes, "conflicting scopes"));
        }
    }
    errs
}

/// `ValidateResourceQuotaSpec`.
fn validate_quota_spec(spec: &core::ResourceQuotaSpec) -> ErrorList {
    let p = Path::new("spec");
    let mut errs = validate_quota_list(&spec.hard, &p.child("hard"));
    errs.extend(validate_quota_scopes(spec, &p));
    errs.extend(validate_scope_selector(spec, &p));
    errs
}

/// `ValidateResourceQuotaStatus`.
fn validate_quota_status(status: &core::ResourceQuotaStatus) -> ErrorList {
    let p = Path::new("status");
    let mut errs = validate_quota_list(&status.hard, &p.child("hard"));
    errs.extend(validate_quota_list(&status.used, &p.child("used")));
    errs
}

/// `ValidateResourceQuota`.
pub fn validate_resource_quota(q: &core::ResourceQuota) -> ErrorList {
    let mut errs = validate_object_meta(&q.metadata, true, v::name_is_dns_subdomain, &meta_path());
    errs.extend(validate_quota_spec(&super::or_default(&q.spec)));
    errs.extend(validate_quota_status(&super::or_default(&q.status)));
    errs
}

/// `ValidateResourceQuotaUpdate`: the spec again, and the scopes may not change.
pub fn validate_resource_quota_update(
    new: &core::ResourceQuota,
    old: &core::ResourceQuota,
) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    let (new_spec, old_spec) = (super::or_default(&new.spec), super::or_default(&old.spec));
    errs.extend(validate_quota_spec(&new_spec));
    let scopes = |s: &core::ResourceQuotaSpec| -> BTreeSet<String> {
        s.scopes.iter().flatten().cloned().collect()
    };
    if scopes(&new_spec) != scopes(&old_spec) {
        let value = new_spec.scopes.as_ref().map_or(BadValue::Null, BadValue::json);
        errs.push(Error::invalid(
            &Path::new("spec").child("scopes"),
            value,
            FIELD_IMMUTABLE_ERROR_MSG,
        ));
    }
    errs
}

/// `ValidateResourceQuotaStatusUpdate`.
pub fn validate_resource_quota_status_update(
    new: &core::ResourceQuota,
    old: &core::ResourceQuota,
) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    if s(&new.metadata.resource_version).is_empty() {
        errs.push(Error::required(&Path::new("resourceVersion"), ""));
    }
    errs.extend(validate_quota_status(&super::or_default(&new.status)));
    errs
}

// ---------------------------------------------------------------------------------------------
// EndpointSlices.

const MAX_TOPOLOGY_LABELS: usize = 16;
const MAX_ADDRESSES: usize = 100;
const MAX_PORTS: usize = 20000;
const MAX_ENDPOINTS: usize = 1000;
const MAX_ZONE_HINTS: usize = 8;
const ADDRESS_TYPES: [&str; 3] = ["FQDN", "IPv4", "IPv6"];

fn too_many(path: &Path, actual: usize, max: usize) -> Error {
    Error::too_many(path, actual as i64, max as i64)
}

/// `IsFullyQualifiedDomainName`.
fn validate_fqdn(name: &str, path: &Path) -> ErrorList {
    if name.is_empty() {
        return ErrorList(vec![Error::required(path, "")]);
    }
    let name = name.strip_suffix('.').unwrap_or(name);
    let msgs = v::is_dns1123_subdomain(name);
    if !msgs.is_empty() {
        return ErrorList(vec![Error::invalid(path, name, msgs.join(","))]);
    }
    if name.split('.').count() < 2 {
        return ErrorList(vec![Error::invalid(
            path,
            name,
            "should be a domain with at least two segments separated by dots",
        )]);
    }
    for label in name.split('.') {
        let msgs = v::is_dns1123_label(label);
        if !msgs.is_empty() {
            return ErrorList(vec![Error::invalid(path, label, msgs.join(","))]);
        }
    }
    ErrorList::new()
}

fn validate_slice_address(address: &str, address_type: &str, path: &Path) -> ErrorList {
    let canonical = v::parse_ip_sloppy(address).map(|ip| ip.to_canonical());
    match address_type {
        "IPv4" => {
            let mut errs = ErrorList::new();
            if !matches!(canonical, Some(IpAddr::V4(_))) {
                errs.push(Error::invalid(path, address, "must be a valid IPv4 address"));
            }
            errs.extend(validate_non_special_ip(address, path));
            errs
        }
        "IPv6" => {
            let mut errs = ErrorList::new();
            if !matches!(canonical, Some(IpAddr::V6(_))) {
                errs.push(Error::invalid(path, address, "must be a valid IPv6 address"));
            }
            errs.extend(validate_non_special_ip(address, path));
            errs
        }
        "FQDN" => validate_fqdn(address, path),
        _ => ErrorList::new(),
    }
}

fn validate_slice_endpoints(endpoints: &[discovery::Endpoint], address_type: &str) -> ErrorList {
    let mut errs = ErrorList::new();
    let path = Path::new("endpoints");
    if endpoints.len() > MAX_ENDPOINTS {
        errs.push(too_many(&path, endpoints.len(), MAX_ENDPOINTS));
        return errs;
    }
    for (i, ep) in endpoints.iter().enumerate() {
        let idx = path.index(i);
        let addr_path = idx.child("addresses");
        if ep.addresses.is_empty() {
            errs.push(Error::required(&addr_path, "must contain at least 1 address"));
        } else if ep.addresses.len() > MAX_ADDRESSES {
            errs.push(too_many(&addr_path, ep.addresses.len(), MAX_ADDRESSES));
        }
        for (j, address) in ep.addresses.iter().enumerate() {
            errs.extend(validate_slice_address(address, address_type, &addr_path.index(j)));
        }
        if let Some(node) = &ep.node_name {
            errs.extend(invalid_each(
                &idx.child("nodeName"),
                node,
                v::name_is_dns_subdomain(node, false),
            ));
        }
        let topology_path = idx.child("deprecatedTopology");
        let topology = ep.deprecated_topology.as_ref();
        let topology_len = topology.map_or(0, BTreeMap::len);
        if topology_len > MAX_TOPOLOGY_LABELS {
            errs.push(too_many(&topology_path, topology_len, MAX_TOPOLOGY_LABELS));
        }
        errs.extend(validate_labels(topology, &topology_path));
        if topology.is_some_and(|t| t.contains_key("topology.kubernetes.io/zone")) {
            errs.push(Error::internal(
                &topology_path.key("topology.kubernetes.io/zone"),
                "reserved key was not removed in conversion",
            ));
        }
        if let Some(hostname) = &ep.hostname {
            errs.extend(validate_dns1123_label(hostname, &idx.child("hostname")));
        }
        if let Some(hints) = &ep.hints {
            errs.extend(validate_slice_hints(hints, &idx.child("hints")));
        }
    }
    errs
}

fn validate_slice_hints(hints: &discovery::EndpointHints, path: &Path) -> ErrorList {
    let mut errs = ErrorList::new();
    let zones_path = path.child("forZones");
    let zones = hints.for_zones.as_deref().unwrap_or_default();
    if zones.len() > MAX_ZONE_HINTS {
        errs.push(too_many(&zones_path, zones.len(), MAX_ZONE_HINTS));
        return errs;
    }
    let mut names = BTreeSet::new();
    for (i, zone) in zones.iter().enumerate() {
        let zone_path = zones_path.index(i).child("name");
        if !names.insert(zone.name.as_str()) {
            errs.push(Error::duplicate(&zone_path, zone.name.as_str()));
        }
        errs.extend(invalid_each(&zone_path, &zone.name, v::is_valid_label_value(&zone.name)));
    }
    errs
}

fn validate_slice_ports(ports: &[discovery::EndpointPort]) -> ErrorList {
    let mut errs = ErrorList::new();
    let path = Path::new("ports");
    if ports.len() > MAX_PORTS {
        errs.push(too_many(&path, ports.len(), MAX_PORTS));
        return errs;
    }
    let mut names = BTreeSet::new();
    for (i, port) in ports.iter().enumerate() {
        let idx = path.index(i);
        let name = s(&port.name);
        if !name.is_empty() {
            errs.extend(validate_dns1123_label(name, &idx.child("name")));
        }
        if !names.insert(name) {
            errs.push(Error::duplicate(&idx.child("name"), name));
        }
        match port.protocol.as_deref() {
            None => errs.push(Error::required(&idx.child("protocol"), "")),
            Some(p) if !PROTOCOLS.contains(&p) => {
                errs.push(Error::not_supported(&idx.child("protocol"), p, &PROTOCOLS));
            }
            Some(_) => {}
        }
        if let Some(app) = &port.app_protocol {
            errs.extend(validate_qualified_name(app, &idx.child("appProtocol")));
        }
    }
    errs
}

fn slice_body(es: &discovery::EndpointSlice, old: Option<&discovery::EndpointSlice>) -> ErrorList {
    let mut errs = ErrorList::new();
    let at = Path::new("addressType");
    if es.address_type.is_empty() {
        errs.push(Error::required(&at, ""));
    } else if !ADDRESS_TYPES.contains(&es.address_type.as_str()) {
        errs.push(Error::not_supported(&at, es.address_type.as_str(), &ADDRESS_TYPES));
    }
    errs.extend(validate_slice_ports(es.ports.as_deref().unwrap_or_default()));
    // Endpoints an update leaves alone are not checked again: they may hold addresses an
    // older, looser check let in.
    if old.is_none_or(|o| o.endpoints != es.endpoints) {
        errs.extend(validate_slice_endpoints(&es.endpoints, &es.address_type));
    }
    errs
}

/// `ValidateEndpointSliceCreate`.
pub fn validate_endpoint_slice(es: &discovery::EndpointSlice) -> ErrorList {
    let mut errs = validate_object_meta(&es.metadata, true, v::name_is_dns_subdomain, &meta_path());
    errs.extend(slice_body(es, None));
    errs
}

/// `ValidateEndpointSliceUpdate`: the address type may not change.
pub fn validate_endpoint_slice_update(
    new: &discovery::EndpointSlice,
    old: &discovery::EndpointSlice,
) -> ErrorList {
    let mut errs = validate_object_meta_update(&new.metadata, &old.metadata, &meta_path());
    errs.extend(slice_body(new, Some(old)));
    errs.extend(validate_immutable(
        &new.address_type,
        &old.address_type,
        new.address_type.as_str(),
        &Path::new("addressType"),
    ));
    errs
}

#[cfg(test)]
pub(crate) mod tests {
    //! Cases named after upstream's validation_test.go (TestValidateEndpoints*,
    //! TestValidateEvent*, TestValidateLimitRange, TestValidateResourceQuota*) and
    //! discovery's TestValidateEndpointSlice*. Objects are defaulted and prepared first, as the
    //! registry sends them.

    use serde_json::{Value, json};

    use crate::api::{default_object, prepare_for_create, prepare_for_update};
    use crate::api::{validate_create, validate_status_update, validate_update};

    /// What a case does with its objects.
    pub(crate) enum Op {
        /// A create of the object.
        Create(Value),
        /// An update from the second object to the first.
        Update(Value, Value),
        /// A status write from the second object to the first.
        Status(Value, Value),
    }

    /// One case: the resource, the operation and the rendered errors (`…` in an entry stands
    /// for any text).
    pub(crate) struct Case {
        pub name: &'static str,
        pub group: &'static str,
        pub kind: &'static str,
        pub resource: &'static str,
        pub op: Op,
        pub want: Vec<String>,
    }

    pub(crate) fn check(cases: Vec<Case>) {
        for c in cases {
            // Events of events.k8s.io are stored, defaulted and prepared as core Events.
            let kind_group = if c.group == "events.k8s.io" { "" } else { c.group };
            let errs = match c.op {
                Op::Create(mut obj) => {
                    prepare_for_create(kind_group, c.kind, &mut obj);
                    validate_create(c.group, c.resource, &obj)
                }
                Op::Update(mut new, mut old) => {
                    default_object(kind_group, c.kind, &mut old);
                    default_object(kind_group, c.kind, &mut new);
                    prepare_for_update(kind_group, c.kind, &mut new, &old);
                    validate_update(c.group, c.resource, &new, &old)
                }
                Op::Status(mut new, mut old) => {
                    default_object(kind_group, c.kind, &mut old);
                    default_object(kind_group, c.kind, &mut new);
                    validate_status_update(c.group, c.resource, "status", &new, &old)
                }
            };
            let got: Vec<String> = errs.iter().map(ToString::to_string).collect();
            let matches = got.len() == c.want.len()
                && got.iter().zip(&c.want).all(|(g, w)| match w.split_once('…') {
                    Some((prefix, suffix)) => g.starts_with(prefix) && g.ends_with(suffix),
                    None => g == w,
                });
            assert!(matches, "{}:\n got: {got:#?}\nwant: {:#?}", c.name, c.want);
        }
    }

    /// An object as storage holds it.
    pub(crate) fn stored(mut obj: Value) -> Value {
        obj["metadata"]["resourceVersion"] = json!("5");
        obj["metadata"]["uid"] = json!("uid-1");
        obj
    }

    fn strs(v: &[&str]) -> Vec<String> {
        v.iter().map(ToString::to_string).collect()
    }

    fn endpoints(subsets: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default"}, "subsets": subsets})
    }

    fn ep_case(name: &'static str, subsets: Value, want: &[&str]) -> Case {
        Case {
            name,
            group: "",
            kind: "Endpoints",
            resource: "endpoints",
            op: Op::Create(endpoints(subsets)),
            want: strs(want),
        }
    }

    #[test]
    fn test_validate_endpoints_create() {
        check(vec![
            ep_case(
                "the kubernetes service's endpoints",
                json!([{"addresses": [{"ip": "10.0.0.1"}],
                    "ports": [{"name": "https", "port": 6443, "protocol": "TCP"}]}]),
                &[],
            ),
            ep_case(
                "headless: addresses without ports, defaulted protocols",
                json!([{"addresses": [{"ip": "10.1.2.3", "hostname": "a", "nodeName": "node-1"}],
                    "notReadyAddresses": [{"ip": "2001:db8::1"}]},
                    {"addresses": [{"ip": "10.1.2.4"}], "ports": [{"port": 80}]}]),
                &[],
            ),
            ep_case(
                "empty subset",
                json!([{}]),
                &["subsets[0]: Required value: must specify `addresses` or `notReadyAddresses`"],
            ),
            ep_case(
                "loopback address",
                json!([{"addresses": [{"ip": "127.0.0.1"}]}]),
                &[
                    "subsets[0].addresses[0].ip: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
                ],
            ),
            ep_case(
                "special addresses",
                json!([{"addresses": [{"ip": "0.0.0.0"}, {"ip": "169.254.169.254"},
                    {"ip": "224.0.0.251"}, {"ip": "fe80::1"}]}]),
                &[
                    "subsets[0].addresses[0].ip: Invalid value: \"0.0.0.0\": may not be unspecified (0.0.0.0)",
                    "subsets[0].addresses[1].ip: Invalid value: \"169.254.169.254\": may not be in the link-local range (169.254.0.0/16, fe80::/10)",
                    "subsets[0].addresses[2].ip: Invalid value: \"224.0.0.251\": may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)",
                    "subsets[0].addresses[3].ip: Invalid value: \"fe80::1\": may not be in the link-local range (169.254.0.0/16, fe80::/10)",
                ],
            ),
            ep_case(
                "invalid address, hostname and node name",
                json!([{"notReadyAddresses": [{"ip": "1.2.3", "hostname": "A_B", "nodeName": "N!"}]}]),
                &[
                    "subsets[0].notReadyAddresses[0].ip: Invalid value: \"1.2.3\": must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)",
                    "subsets[0].notReadyAddresses[0].hostname: Invalid value: \"A_B\": a lowercase RFC 1123 label…",
                    "subsets[0].notReadyAddresses[0].nodeName: Invalid value: \"N!\": a lowercase RFC 1123 subdomain…",
                    "subsets[0].notReadyAddresses[0].ip: Invalid value: \"1.2.3\": must be a valid IP address",
                ],
            ),
            ep_case(
                "ports: names required when several, numbers and protocols",
                json!([{"addresses": [{"ip": "10.1.1.1"}],
                    "ports": [{"port": 0, "protocol": "HTTP"}, {"name": "b", "port": 70000,
                        "appProtocol": "-bad"}]}]),
                &[
                    "subsets[0].ports[0].name: Required value",
                    "subsets[0].ports[0].port: Invalid value: 0: must be between 1 and 65535, inclusive",
                    "subsets[0].ports[0].protocol: Unsupported value: \"HTTP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                    "subsets[0].ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive",
                    "subsets[0].ports[1].appProtocol: Invalid value: \"-bad\": name part must consist of…",
                ],
            ),
        ]);
    }

    #[test]
    fn test_validate_endpoints_update() {
        let old = stored(endpoints(
            json!([{"addresses": [{"ip": "10.1.1.1", "nodeName": "a"}], "ports": [{"port": 80}]}]),
        ));
        let mut moved = old.clone();
        moved["subsets"][0]["addresses"][0]["nodeName"] = json!("b");
        let mut looped = old.clone();
        looped["subsets"][0]["addresses"][0]["ip"] = json!("::1");
        check(vec![
            Case {
                name: "node names may change",
                group: "",
                kind: "Endpoints",
                resource: "endpoints",
                op: Op::Update(moved, old.clone()),
                want: vec![],
            },
            Case {
                name: "an update is checked as a create",
                group: "",
                kind: "Endpoints",
                resource: "endpoints",
                op: Op::Update(looped, old),
                want: strs(&[
                    "subsets[0].addresses[0].ip: Invalid value: \"::1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
                ]),
            },
        ]);
    }

    fn event(extra: Value) -> Value {
        let mut e = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "pod-a.17a8b2c3d4e5f", "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "name": "pod-a", "namespace": "ns"},
            "reason": "Started", "message": "Started container app", "type": "Normal",
            "source": {"component": "kubelet", "host": "node-1"},
            "firstTimestamp": "2024-01-01T00:00:00Z", "lastTimestamp": "2024-01-01T00:00:00Z",
            "count": 1});
        for (k, v) in extra.as_object().into_iter().flatten() {
            e[k] = v.clone();
        }
        e
    }

    /// An events.k8s.io/v1 Event as it reaches validation: in the core Event's fields.
    fn new_event(extra: Value) -> Value {
        let mut e = json!({"apiVersion": "v1", "kind": "Event",
            "metadata": {"name": "pod-a.17a8b2c3d4e5f", "namespace": "ns"},
            "involvedObject": {"kind": "Pod", "name": "pod-a", "namespace": "ns"},
            "eventTime": "2024-01-01T00:00:00.120000Z", "reportingComponent": "kubelet",
            "reportingInstance": "node-1", "action": "Starting", "reason": "Started",
            "type": "Normal"});
        for (k, v) in extra.as_object().into_iter().flatten() {
            e[k] = v.clone();
        }
        e
    }

    fn ev_case(name: &'static str, group: &'static str, obj: Value, want: &[&str]) -> Case {
        Case {
            name,
            group,
            kind: "Event",
            resource: "events",
            op: Op::Create(obj),
            want: strs(want),
        }
    }

    #[test]
    fn test_validate_event_create() {
        check(vec![
            ev_case("legacy event as kubectl and client-go write it", "", event(json!({})), &[]),
            ev_case(
                "legacy: a cluster-scoped object's event in default",
                "",
                {
                    let mut e = event(json!({"involvedObject": {"kind": "Node", "name": "n"}}));
                    e["metadata"]["namespace"] = json!("default");
                    e
                },
                &[],
            ),
            ev_case(
                "legacy: names are only path segments",
                "",
                {
                    let mut e = event(json!({}));
                    e["metadata"]["name"] = json!("Pod_A.1");
                    e
                },
                &[],
            ),
            ev_case(
                "legacy: involved object in another namespace",
                "",
                event(
                    json!({"involvedObject": {"kind": "Pod", "name": "p", "namespace": "other"}}),
                ),
                &[
                    "involvedObject.namespace: Invalid value: \"other\": does not match event.namespace",
                ],
            ),
            ev_case(
                "legacy: the new fields are required once eventTime is set",
                "",
                event(json!({"eventTime": "2024-01-01T00:00:00.000000Z", "reason": null})),
                &[
                    "reportingController: Required value",
                    "reportingController: Invalid value: \"\": name part must be non-empty",
                    "reportingController: Invalid value: \"\": name part must consist of…",
                    "reportingInstance: Required value",
                    "action: Required value",
                    "reason: Required value",
                ],
            ),
            ev_case("events.k8s.io: a new event", "events.k8s.io", new_event(json!({})), &[]),
            ev_case(
                "events.k8s.io: the deprecated fields must be unset and the type known",
                "events.k8s.io",
                new_event(json!({"type": "Bad", "count": 2, "source": {"component": "x"},
                    "firstTimestamp": "2024-01-01T00:00:00Z",
                    "series": {"count": 1}})),
                &[
                    "series.count: Invalid value: \"\": should be at least 2",
                    "series.lastObservedTime: Required value",
                    "type: Invalid value: \"\": has invalid value: Bad",
                    "firstTimestamp: Invalid value: \"\": needs to be unset",
                    "count: Invalid value: \"\": needs to be unset",
                    "source: Invalid value: \"\": needs to be unset",
                ],
            ),
            ev_case(
                "events.k8s.io: eventTime and a subdomain name are required",
                "events.k8s.io",
                {
                    let mut e = event(json!({}));
                    e["metadata"]["name"] = json!("Bad_Name");
                    e["source"] = json!(null);
                    e["firstTimestamp"] = json!(null);
                    e["lastTimestamp"] = json!(null);
                    e["count"] = json!(null);
                    e
                },
                &[
                    "metadata.name: Invalid value: \"Bad_Name\": a lowercase RFC 1123 subdomain…",
                    "eventTime: Required value",
                ],
            ),
        ]);
    }

    #[test]
    fn test_validate_event_update() {
        let old = stored(new_event(json!({})));
        let mut changed = old.clone();
        changed["reason"] = json!("Killing");
        changed["eventTime"] = json!("2024-01-02T00:00:00.250000Z");
        changed["series"] = json!({"count": 2, "lastObservedTime": "2024-01-02T00:00:00.000000Z"});
        let legacy_old = stored(event(json!({})));
        let mut legacy_new = legacy_old.clone();
        legacy_new["count"] = json!(2);
        legacy_new["message"] = json!("again");
        check(vec![
            Case {
                name: "core: count and message may change",
                group: "",
                kind: "Event",
                resource: "events",
                op: Op::Update(legacy_new, legacy_old),
                want: vec![],
            },
            Case {
                name: "events.k8s.io: only the series may change",
                group: "events.k8s.io",
                kind: "Event",
                resource: "events",
                op: Op::Update(changed, old),
                want: strs(&[
                    "reason: Invalid value: \"Killing\": field is immutable",
                    "reason: Invalid value: \"Killing\": field is immutable",
                    "eventTime: Invalid value: 2024-01-02 00:00:00.25 +0000 UTC: field is immutable",
                ]),
            },
        ]);
    }

    fn limit_range(limits: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "LimitRange",
            "metadata": {"name": "limits", "namespace": "ns"}, "spec": {"limits": limits}})
    }

    fn lr_case(name: &'static str, limits: Value, want: &[&str]) -> Case {
        Case {
            name,
            group: "",
            kind: "LimitRange",
            resource: "limitranges",
            op: Op::Create(limit_range(limits)),
            want: strs(want),
        }
    }

    #[test]
    fn test_validate_limit_range() {
        check(vec![
            lr_case(
                "container, pod and claim limits",
                json!([
                    {"type": "Container", "max": {"cpu": "2", "memory": "1Gi"},
                        "min": {"cpu": "100m"}, "default": {"cpu": "500m"},
                        "defaultRequest": {"cpu": "200m"}, "maxLimitRequestRatio": {"cpu": "10"}},
                    {"type": "Pod", "max": {"cpu": "4"}},
                    {"type": "PersistentVolumeClaim", "min": {"storage": "1Gi"}},
                    {"type": "example.com/thing", "max": {"example.com/res": "1"}},
                ]),
                &[],
            ),
            lr_case(
                "unknown and repeated types",
                json!([{"type": "Foo"}, {"type": "Pod"}, {"type": "Pod"}]),
                &[
                    "spec.limits[0].type: Invalid value: \"Foo\": must be a standard limit type or fully qualified",
                    "spec.limits[2].type: Duplicate value: \"Pod\"",
                ],
            ),
            lr_case(
                "pod limits take no defaults",
                json!([{"type": "Pod", "default": {"cpu": "1"}, "defaultRequest": {"cpu": "1"}}]),
                &[
                    "spec.limits[0].default: Forbidden: may not be specified when `type` is 'Pod'",
                    "spec.limits[0].defaultRequest: Forbidden: may not be specified when `type` is 'Pod'",
                ],
            ),
            lr_case(
                "resource names",
                json!([{"type": "Pod", "max": {"foo": "1", "storage": "1Gi"}}]),
                &[
                    "spec.limits[0].max[foo]: Invalid value: \"foo\": must be a standard resource type or fully qualified",
                    "spec.limits[0].max[foo]: Invalid value: \"foo\": must be a standard resource for containers",
                    "spec.limits[0].max[storage]: Invalid value: \"storage\": must be a standard resource for containers",
                ],
            ),
            lr_case(
                "claims need a storage bound",
                json!([{"type": "PersistentVolumeClaim", "max": {"cpu": "1"}}]),
                &[
                    "spec.limits[0].limits: Required value: either minimum or maximum storage value is required, but neither was provided",
                ],
            ),
            lr_case(
                "min above max",
                json!([{"type": "Pod", "min": {"cpu": "2"}, "max": {"cpu": "1"}}]),
                &[
                    "spec.limits[0].min[cpu]: Invalid value: 2: min value 2 is greater than max value 1",
                ],
            ),
            lr_case(
                "defaults outside the bounds",
                json!([{"type": "Container", "min": {"memory": "1Gi"}, "max": {"memory": "2Gi"},
                    "default": {"memory": "3Gi"}, "defaultRequest": {"memory": "512Mi"}}]),
                &[
                    "spec.limits[0].defaultRequest[memory]: Invalid value: 512Mi: min value 1Gi is greater than default request value 512Mi",
                    "spec.limits[0].default[memory]: Invalid value: 2Gi: default value 3Gi is greater than max value 2Gi",
                ],
            ),
            lr_case(
                "ratios",
                json!([{"type": "Pod", "min": {"cpu": "100m", "memory": "1Gi"},
                    "max": {"cpu": "200m", "memory": "2Gi"},
                    "maxLimitRequestRatio": {"cpu": "3", "memory": "500m"}}]),
                &[
                    "spec.limits[0].maxLimitRequestRatio[cpu]: Invalid value: 3: ratio 3 is greater than max/min = 2.000000",
                    "spec.limits[0].maxLimitRequestRatio[memory]: Invalid value: 500m: ratio 500m is less than 1",
                ],
            ),
            lr_case(
                "extended resources may not overcommit",
                json!([{"type": "Container", "default": {"example.com/gpu": "2"},
                    "defaultRequest": {"example.com/gpu": "1"}}]),
                &[
                    "spec.limits[0].defaultRequest[example.com/gpu]: Invalid value: 1: default value 2 must equal to defaultRequest value 1 in example.com/gpu",
                ],
            ),
        ]);
    }

    fn quota(spec: Value) -> Value {
        json!({"apiVersion": "v1", "kind": "ResourceQuota",
            "metadata": {"name": "my-quota", "namespace": "ns"}, "spec": spec})
    }

    fn rq_case(name: &'static str, spec: Value, want: &[&str]) -> Case {
        Case {
            name,
            group: "",
            kind: "ResourceQuota",
            resource: "resourcequotas",
            op: Op::Create(quota(spec)),
            want: strs(want),
        }
    }

    #[test]
    fn test_validate_resource_quota() {
        check(vec![
            rq_case(
                "kubectl create quota",
                json!({"hard": {"cpu": "1", "memory": "1G", "pods": "2", "services": "3",
                    "replicationcontrollers": "2", "resourcequotas": "1", "secrets": "5",
                    "persistentvolumeclaims": "10", "count/deployments.apps": "2",
                    "requests.storage": "500m", "requests.nvidia.com/gpu": "4"}}),
                &[],
            ),
            rq_case(
                "scoped quota",
                json!({"hard": {"pods": "2", "cpu": "1"}, "scopes": ["NotBestEffort", "Terminating"],
                    "scopeSelector": {"matchExpressions": [
                        {"scopeName": "PriorityClass", "operator": "In", "values": ["high"]}]}}),
                &[],
            ),
            rq_case(
                "names and values",
                json!({"hard": {"foo": "1", "pods": "1.5", "cpu": "-1", "storage": "1Gi"}}),
                &[
                    "spec.hard[cpu]: Invalid value: \"-1\": must be greater than or equal to 0",
                    "spec.hard[foo]: Invalid value: \"foo\": must be a standard resource type or fully qualified",
                    "spec.hard[foo]: Invalid value: \"foo\": must be a standard resource for quota",
                    "spec.hard[pods]: Invalid value: 1500m: must be an integer",
                    "spec.hard[storage]: Invalid value: \"storage\": must be a standard resource for quota",
                ],
            ),
            rq_case(
                "scopes",
                json!({"hard": {"cpu": "1"}, "scopes": ["BestEffort", "NotBestEffort", "Foo"]}),
                &[
                    "spec.scopes: Invalid value: [\"BestEffort\",\"NotBestEffort\",\"Foo\"]: unsupported scope applied to resource",
                    "spec.scopes: Invalid value: [\"BestEffort\",\"NotBestEffort\",\"Foo\"]: unsupported scope",
                    "spec.scopes: Invalid value: [\"BestEffort\",\"NotBestEffort\",\"Foo\"]: conflicting scopes",
                ],
            ),
            rq_case(
                "scope selector",
                json!({"scopeSelector": {"matchExpressions": [
                    {"scopeName": "Terminating", "operator": "In", "values": ["x"]},
                    {"scopeName": "PriorityClass", "operator": "Exists", "values": ["x"]},
                    {"scopeName": "PriorityClass", "operator": "Has"}]}}),
                &[
                    "spec.scopeSelector.matchExpressions.operator: Invalid value: \"In\": must be 'Exists' when scope is any of ResourceQuotaScopeTerminating, ResourceQuotaScopeNotTerminating, ResourceQuotaScopeBestEffort, ResourceQuotaScopeNotBestEffort or ResourceQuotaScopeCrossNamespacePodAffinity",
                    "spec.scopeSelector.matchExpressions.values: Invalid value: [\"x\"]: must be no value when `operator` is 'Exist' or 'DoesNotExist' for scope selector",
                    "spec.scopeSelector.matchExpressions.operator: Invalid value: \"Has\": not a valid selector operator",
                ],
            ),
        ]);
    }

    #[test]
    fn test_validate_resource_quota_update() {
        let old = stored(quota(json!({"hard": {"pods": "2"}, "scopes": ["NotBestEffort"]})));
        let mut grown = old.clone();
        grown["spec"]["hard"]["pods"] = json!("4");
        let mut rescoped = old.clone();
        rescoped["spec"]["scopes"] = json!(["BestEffort"]);
        let mut status = old.clone();
        status["status"] = json!({"hard": {"pods": "2"}, "used": {"pods": "-1"}});
        check(vec![
            Case {
                name: "hard limits may change",
                group: "",
                kind: "ResourceQuota",
                resource: "resourcequotas",
                op: Op::Update(grown, old.clone()),
                want: vec![],
            },
            Case {
                name: "scopes may not",
                group: "",
                kind: "ResourceQuota",
                resource: "resourcequotas",
                op: Op::Update(rescoped, old.clone()),
                want: strs(&["spec.scopes: Invalid value: [\"BestEffort\"]: field is immutable"]),
            },
            Case {
                name: "status",
                group: "",
                kind: "ResourceQuota",
                resource: "resourcequotas",
                op: Op::Status(status, old),
                want: strs(&[
                    "status.used[pods]: Invalid value: \"-1\": must be greater than or equal to 0",
                ]),
            },
        ]);
    }

    fn slice(address_type: &str, endpoints: Value, ports: Value) -> Value {
        json!({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": "default"},
            "addressType": address_type, "endpoints": endpoints, "ports": ports})
    }

    fn es_case(name: &'static str, obj: Value, want: &[&str]) -> Case {
        Case {
            name,
            group: "discovery.k8s.io",
            kind: "EndpointSlice",
            resource: "endpointslices",
            op: Op::Create(obj),
            want: strs(want),
        }
    }

    #[test]
    fn test_validate_endpoint_slice_create() {
        check(vec![
            es_case(
                "the kubernetes service's slice",
                slice(
                    "IPv4",
                    json!([{"addresses": ["10.0.0.1"], "conditions": {"ready": true}}]),
                    json!([{"name": "https", "port": 6443, "protocol": "TCP"}]),
                ),
                &[],
            ),
            es_case(
                "FQDN and IPv6 slices, hints, unnamed port",
                slice(
                    "FQDN",
                    json!([{"addresses": ["example.com", "a.b.c."], "nodeName": "node-1",
                        "hostname": "web-0", "zone": "z1",
                        "hints": {"forZones": [{"name": "z1"}]}}]),
                    json!([{"port": 80}]),
                ),
                &[],
            ),
            es_case(
                "address type",
                slice("IP", json!([]), json!([])),
                &[
                    "addressType: Unsupported value: \"IP\": supported values: \"FQDN\", \"IPv4\", \"IPv6\"",
                ],
            ),
            es_case(
                "addresses of the wrong family or special",
                slice(
                    "IPv4",
                    json!([{"addresses": ["2001:db8::1", "127.0.0.1"]}, {"addresses": []}]),
                    json!([]),
                ),
                &[
                    "endpoints[0].addresses[0]: Invalid value: \"2001:db8::1\": must be a valid IPv4 address",
                    "endpoints[0].addresses[1]: Invalid value: \"127.0.0.1\": may not be in the loopback range (127.0.0.0/8, ::1/128)",
                    "endpoints[1].addresses: Required value: must contain at least 1 address",
                ],
            ),
            es_case(
                "FQDN addresses",
                slice("FQDN", json!([{"addresses": ["localhost", "Foo.com"]}]), json!([])),
                &[
                    "endpoints[0].addresses[0]: Invalid value: \"localhost\": should be a domain with at least two segments separated by dots",
                    "endpoints[0].addresses[1]: Invalid value: \"Foo.com\": a lowercase RFC 1123 subdomain…",
                ],
            ),
            es_case(
                "ports: repeated names and protocols",
                slice(
                    "IPv4",
                    json!([]),
                    json!([{"port": 80}, {"port": 81}, {"name": "Http", "protocol": "ICMP"}]),
                ),
                &[
                    "ports[1].name: Duplicate value: \"\"",
                    "ports[2].name: Invalid value: \"Http\": a lowercase RFC 1123 label…",
                    "ports[2].protocol: Unsupported value: \"ICMP\": supported values: \"SCTP\", \"TCP\", \"UDP\"",
                ],
            ),
            es_case(
                "topology and hints",
                slice(
                    "IPv4",
                    json!([{"addresses": ["10.1.1.1"],
                        "deprecatedTopology": {"topology.kubernetes.io/zone": "a"},
                        "hints": {"forZones": [{"name": "z"}, {"name": "z"}]}}]),
                    json!([]),
                ),
                &[
                    "endpoints[0].deprecatedTopology[topology.kubernetes.io/zone]: Internal error: reserved key was not removed in conversion",
                    "endpoints[0].hints.forZones[1].name: Duplicate value: \"z\"",
                ],
            ),
        ]);
    }

    #[test]
    fn test_validate_endpoint_slice_update() {
        let old = stored(slice("IPv4", json!([{"addresses": ["127.0.0.1"]}]), json!([])));
        let mut relabelled = old.clone();
        relabelled["metadata"]["labels"] = json!({"a": "b"});
        let mut retyped = old.clone();
        retyped["addressType"] = json!("IPv6");
        retyped["endpoints"] = json!([]);
        check(vec![
            Case {
                name: "unchanged endpoints are not checked again",
                group: "discovery.k8s.io",
                kind: "EndpointSlice",
                resource: "endpointslices",
                op: Op::Update(relabelled, old.clone()),
                want: vec![],
            },
            Case {
                name: "the address type is immutable",
                group: "discovery.k8s.io",
                kind: "EndpointSlice",
                resource: "endpointslices",
                op: Op::Update(retyped, old),
                want: strs(&["addressType: Invalid value: \"IPv6\": field is immutable"]),
            },
        ]);
    }
}
