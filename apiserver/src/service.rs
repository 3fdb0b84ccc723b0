//! Service IP and NodePort allocation (`--service-cluster-ip-range`,
//! `--service-node-port-range`): a new Service gets a free ClusterIP from the range unless it is
//! headless or ExternalName, and NodePort and LoadBalancer ports get free node ports.

use std::collections::HashSet;
use std::net::Ipv4Addr;

use apimachinery::errors::StatusError;
use apimachinery::errors::field::{Error as FieldError, ErrorList, Path};
use apimachinery::schema::GroupKind;
use serde_json::{Value, json};

use crate::registry::{ListParams, ObjectMetaExt, Predicate, Store};

/// An IPv4 CIDR range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ipv4Range {
    base: u32,
    prefix: u8,
}

impl Ipv4Range {
    /// Parses `a.b.c.d/n`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (ip, len) = s.split_once('/').ok_or_else(|| format!("invalid CIDR address: {s}"))?;
        let ip: Ipv4Addr = ip.parse().map_err(|_| format!("invalid CIDR address: {s}"))?;
        let prefix: u8 = len.parse().map_err(|_| format!("invalid CIDR address: {s}"))?;
        if prefix > 30 {
            return Err(format!("service IP range {s} is too small"));
        }
        let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - prefix) };
        Ok(Ipv4Range { base: u32::from(ip) & mask, prefix })
    }

    /// The number of addresses.
    fn size(&self) -> u32 {
        1u32 << (32 - u32::from(self.prefix))
    }

    /// The `n`th address of the range.
    pub fn nth(&self, n: u32) -> Ipv4Addr {
        Ipv4Addr::from(self.base.wrapping_add(n))
    }

    /// Whether `ip` lies in the range (network and broadcast addresses excluded).
    pub fn contains(&self, ip: Ipv4Addr) -> bool {
        let v = u32::from(ip);
        v > self.base && v < self.base.wrapping_add(self.size() - 1)
    }
}

/// The allocation settings.
#[derive(Debug, Clone)]
pub struct Allocators {
    /// `--service-cluster-ip-range`.
    pub cluster_ips: Ipv4Range,
    /// `--service-node-port-range`, inclusive.
    pub node_ports: (u16, u16),
}

impl Allocators {
    /// The ClusterIP of the `kubernetes` Service: the first address of the range.
    pub fn kubernetes_service_ip(&self) -> Ipv4Addr {
        self.cluster_ips.nth(1)
    }

    /// Fills in `spec.clusterIP(s)` and node ports of a Service about to be created, checking
    /// requested ones are in range and free.
    pub async fn allocate(&self, services: &Store, obj: &mut Value) -> Result<(), StatusError> {
        let all =
            services.list(None, &ListParams::default(), &Predicate::everything()).await?.items;
        let used_ips: HashSet<String> = all
            .iter()
            .filter_map(|s| s.pointer("/spec/clusterIP").and_then(Value::as_str).map(String::from))
            .collect();
        let used_ports: HashSet<i64> = all
            .iter()
            .flat_map(|s| {
                s.pointer("/spec/ports")
                    .and_then(Value::as_array)
                    .cloned()
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|p| p.get("nodePort").and_then(Value::as_i64))
            })
            .collect();
        let kind = GroupKind::new("", "Service");
        let name = obj.name().to_string();
        let svc_type =
            obj.pointer("/spec/type").and_then(Value::as_str).unwrap_or("ClusterIP").to_string();
        let requested =
            obj.pointer("/spec/clusterIP").and_then(Value::as_str).unwrap_or("").to_string();
        if svc_type != "ExternalName" && requested != "None" {
            let ip = if requested.is_empty() {
                let size = self.cluster_ips.size();
                let start = u32::from(uuid::Uuid::new_v4().as_bytes()[0]) % (size - 2);
                (0..size - 2)
                    .map(|i| self.cluster_ips.nth(2 + (start + i) % (size - 2)).to_string())
                    .find(|ip| !used_ips.contains(ip))
                    .ok_or_else(|| {
                        StatusError::new_internal_error(
                            "failed to allocate a serviceIP: range is full",
                        )
                    })?
            } else {
                let parsed: Option<Ipv4Addr> = requested.parse().ok();
                let path = Path::new("spec").child("clusterIPs").index(0);
                let mut errs = ErrorList::new();
                match parsed {
                    Some(ip) if !self.cluster_ips.contains(ip) => errs.push(FieldError::invalid(
                        &path,
                        requested.as_str(),
                        "failed to allocate IP: the provided IP is not in the valid range. The range of valid IPs is ".to_string()
                            + &format!("{}/{}", self.cluster_ips.nth(0), self.cluster_ips.prefix),
                    )),
                    Some(_) if used_ips.contains(&requested) => errs.push(FieldError::invalid(
                        &path,
                        requested.as_str(),
                        format!("failed to allocate IP {requested}: provided IP is already allocated"),
                    )),
                    _ => {}
                }
                if !errs.is_empty() {
                    return Err(StatusError::new_invalid(&kind, &name, &errs));
                }
                requested.clone()
            };
            obj["spec"]["clusterIP"] = json!(ip);
            obj["spec"]["clusterIPs"] = json!([ip]);
            if obj.pointer("/spec/ipFamilies").is_none() {
                obj["spec"]["ipFamilies"] = json!(["IPv4"]);
            }
            if obj.pointer("/spec/ipFamilyPolicy").is_none() {
                obj["spec"]["ipFamilyPolicy"] = json!("SingleStack");
            }
        } else if requested == "None" {
            obj["spec"]["clusterIPs"] = json!(["None"]);
            if obj.pointer("/spec/ipFamilies").is_none() {
                obj["spec"]["ipFamilies"] = json!(["IPv4"]);
            }
            if obj.pointer("/spec/ipFamilyPolicy").is_none() {
                obj["spec"]["ipFamilyPolicy"] = json!("SingleStack");
            }
        }
        if svc_type == "NodePort" || svc_type == "LoadBalancer" {
            let mut taken = used_ports.clone();
            if let Some(ports) = obj.pointer_mut("/spec/ports").and_then(Value::as_array_mut) {
                for p in ports {
                    let has = p.get("nodePort").and_then(Value::as_i64).filter(|n| *n != 0);
                    match has {
                        Some(n) => {
                            taken.insert(n);
                        }
                        None => {
                            let (lo, hi) =
                                (i64::from(self.node_ports.0), i64::from(self.node_ports.1));
                            let span = hi - lo + 1;
                            let start = i64::from(uuid::Uuid::new_v4().as_bytes()[1]) * 97 % span;
                            if let Some(n) = (0..span)
                                .map(|i| lo + (start + i) % span)
                                .find(|n| !taken.contains(n))
                            {
                                taken.insert(n);
                                p["nodePort"] = json!(n);
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn test_cidr_parse_and_contains() {
        let r = Ipv4Range::parse("10.0.0.0/24").unwrap();
        assert_eq!(r.nth(1), Ipv4Addr::new(10, 0, 0, 1));
        assert!(r.contains(Ipv4Addr::new(10, 0, 0, 200)));
        assert!(!r.contains(Ipv4Addr::new(10, 0, 0, 0)));
        assert!(!r.contains(Ipv4Addr::new(10, 0, 0, 255)));
        assert!(!r.contains(Ipv4Addr::new(10, 0, 1, 1)));
        assert!(Ipv4Range::parse("10.0.0.0").is_err());
    }
}
