//! RESTMapper behaviour over a [`ResourceTable`]: the matching kubectl gets from client-go's
//! discovery RESTMapper (per-group/version mappers, the short-name expander and the priority
//! mapper), and kubectl's rule for turning a typed argument (`po`, `deploy.apps`,
//! `deployments.v1.apps`, `Pod`) into a resource. Error messages are upstream's.

use std::fmt;

use thiserror::Error;

use super::table::{ResourceInfo, ResourceTable};
use crate::gofmt::{format_list, quote};
use crate::schema::{
    GroupKind, GroupResource, GroupVersion, GroupVersionKind, GroupVersionResource,
};

/// The version string that means "unversioned" to the mapper, as upstream's
/// `runtime.APIVersionInternal`.
const INTERNAL_VERSION: &str = "__internal";

/// Why a name did not map to exactly one resource or kind.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MapperError {
    /// The request named no resource at all.
    #[error("a resource must be present, got: {0}")]
    ResourceRequired(GroupVersionResource),
    /// No resource matched (`meta.NoResourceMatchError`).
    #[error("no matches for {0}")]
    NoResourceMatch(GroupVersionResource),
    /// No kind matched in the searched versions (`meta.NoKindMatchError`).
    #[error("{}", no_kind_match_message(group_kind, searched_versions))]
    NoKindMatch {
        /// The group and kind looked for.
        group_kind: GroupKind,
        /// The versions searched (may contain `""`).
        searched_versions: Vec<String>,
    },
    /// A partial resource matched several resources or kinds (`meta.AmbiguousResourceError`).
    #[error("{}", ambiguous_message(partial, resources, kinds))]
    AmbiguousResource {
        /// The partial resource asked for.
        partial: GroupVersionResource,
        /// The resources it matched.
        resources: Vec<GroupVersionResource>,
        /// The kinds it matched.
        kinds: Vec<GroupVersionKind>,
    },
    /// A group/kind matched several kinds (`meta.AmbiguousKindError`).
    #[error("{}", ambiguous_message(partial, resources, kinds))]
    AmbiguousKind {
        /// The partial kind asked for.
        partial: GroupVersionKind,
        /// The resources it matched.
        resources: Vec<GroupVersionResource>,
        /// The kinds it matched.
        kinds: Vec<GroupVersionKind>,
    },
    /// kubectl's answer when an argument is neither a resource nor a kind.
    #[error("the server doesn't have a resource type {}", quote(.0))]
    UnknownResourceType(String),
}

impl MapperError {
    /// Whether this is a "no match" (upstream's `meta.IsNoMatchError`).
    pub fn is_no_match(&self) -> bool {
        matches!(self, Self::NoResourceMatch(_) | Self::NoKindMatch { .. })
    }

    /// Whether this is an ambiguity (upstream's `meta.IsAmbiguousError`).
    pub fn is_ambiguous(&self) -> bool {
        matches!(self, Self::AmbiguousResource { .. } | Self::AmbiguousKind { .. })
    }
}

fn no_kind_match_message(gk: &GroupKind, searched: &[String]) -> String {
    let mut versions: Vec<String> =
        searched.iter().map(|v| GroupVersion::new(&gk.group, v).to_string()).collect();
    versions.sort();
    versions.dedup();
    match versions.as_slice() {
        [] => {
            format!("no matches for kind {} in group {}", quote(&gk.kind), quote(&gk.group))
        }
        [one] => format!("no matches for kind {} in version {}", quote(&gk.kind), quote(one)),
        many => {
            let quoted: Vec<String> = many.iter().map(|v| quote(v)).collect();
            format!("no matches for kind {} in versions [{}]", quote(&gk.kind), quoted.join(" "))
        }
    }
}

fn ambiguous_message(
    partial: &dyn fmt::Display,
    resources: &[GroupVersionResource],
    kinds: &[GroupVersionKind],
) -> String {
    match (resources.is_empty(), kinds.is_empty()) {
        (false, false) => format!(
            "{partial} matches multiple resources {} and kinds {}",
            format_list(resources),
            format_list(kinds)
        ),
        (true, false) => format!("{partial} matches multiple kinds {}", format_list(kinds)),
        (false, true) => format!("{partial} matches multiple resources {}", format_list(resources)),
        (true, true) => format!("{partial} matches multiple resources or kinds"),
    }
}

/// The outcome of resolving a typed name: the resource, and the warnings kubectl would print
/// on the way (a short name that also names a lower-priority resource).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved<'a> {
    /// The resource the name maps to.
    pub info: &'a ResourceInfo,
    /// Warnings, without kubectl's `Warning: ` prefix.
    pub warnings: Vec<String>,
}

/// A priority pattern: `None` matches any group or version.
type Pattern<'a> = (Option<&'a str>, Option<&'a str>);

fn pattern_matches(pattern: &Pattern<'_>, group: &str, version: &str) -> bool {
    pattern.0.is_none_or(|g| g == group) && pattern.1.is_none_or(|v| v == version)
}

impl ResourceTable {
    /// The priority patterns client-go's discovery RESTMapper builds: core `v1`, then each
    /// group's preferred version and its other versions in discovery order, then each group
    /// at any version.
    fn priority_patterns(&self) -> Vec<Pattern<'_>> {
        let mut out: Vec<Pattern<'_>> = vec![(Some(""), Some("v1"))];
        for group in self.groups() {
            for v in &group.versions {
                out.push((Some(group.name.as_str()), Some(v.version.as_str())));
            }
        }
        for group in self.groups() {
            out.push((Some(group.name.as_str()), None));
        }
        out
    }

    /// Narrows `candidates` by the priority patterns, as the priority RESTMapper does; `None`
    /// when they cannot pick one.
    fn pick_by_priority<T: Clone>(
        &self,
        extra: &[Pattern<'_>],
        candidates: &[T],
        gv: impl Fn(&T) -> (String, String),
    ) -> Option<T> {
        if let [one] = candidates {
            return Some(one.clone());
        }
        let mut remaining: Vec<T> = candidates.to_vec();
        let patterns = self.priority_patterns();
        for pattern in extra.iter().chain(patterns.iter()) {
            let matched: Vec<T> = remaining
                .iter()
                .filter(|c| {
                    let (g, v) = gv(c);
                    pattern_matches(pattern, &g, &v)
                })
                .cloned()
                .collect();
            match matched.len() {
                0 => continue,
                1 => return matched.into_iter().next(),
                _ => remaining = matched,
            }
        }
        if remaining.len() == 1 {
            return remaining.into_iter().next();
        }
        None
    }

    /// Expands a short name as client-go's shortcut expander does, returning the expanded
    /// resource and any ambiguity warnings. A name that is already a resource's plural or
    /// singular (case-sensitively) is returned unchanged; an expanded short name keeps only
    /// group and resource (the version is dropped, as upstream).
    pub fn expand_shortcut(
        &self,
        resource: &GroupVersionResource,
    ) -> (GroupVersionResource, Vec<String>) {
        let wanted = resource.resource.as_str();
        let group_ok = |g: &str| resource.group.is_empty() || resource.group == g;
        for r in self.resources().iter().filter(|r| group_ok(&r.group)) {
            // Discovery also lists subresources (`pods/status`) by name.
            let is_subresource_name = wanted
                .split_once('/')
                .is_some_and(|(res, sub)| res == r.resource && r.subresource(sub).is_some());
            if r.is_named(wanted) || is_subresource_name {
                return (resource.clone(), Vec::new());
            }
        }

        let mut warnings = Vec::new();
        let mut found: Option<GroupResource> = None;
        let mut warned: Vec<GroupResource> = Vec::new();
        for r in self.resources().iter().filter(|r| group_ok(&r.group)) {
            if !r.short_names.iter().any(|s| s == wanted) {
                continue;
            }
            let long = r.group_resource();
            match &found {
                None => found = Some(long),
                Some(first) if *first == long => {}
                Some(_) => {
                    if !warned.contains(&long) {
                        warnings.push(format!(
                            "short name {} could also match lower priority resource {}",
                            quote(wanted),
                            long
                        ));
                        warned.push(long);
                    }
                }
            }
        }
        if let Some(gr) = found {
            return (gr.with_version(""), warnings);
        }
        if resource.group.is_empty() {
            return (resource.clone(), warnings);
        }
        for r in self.resources() {
            if r.group.starts_with(resource.group.as_str())
                && r.short_names.iter().any(|s| s == wanted)
            {
                return (
                    GroupVersionResource::new(&r.group, &resource.version, &r.resource),
                    warnings,
                );
            }
        }
        (resource.clone(), warnings)
    }

    /// The resources a partial resource names, before any short-name expansion, in discovery
    /// order (the order client-go's per-group/version mappers answer in).
    fn matching(&self, input: &GroupVersionResource) -> Result<Vec<&ResourceInfo>, MapperError> {
        let mut resource = input.clone();
        resource.resource = resource.resource.to_lowercase();
        if resource.version == INTERNAL_VERSION {
            resource.version.clear();
        }
        if resource.resource.is_empty() {
            return Err(MapperError::ResourceRequired(resource));
        }
        let has_group = !resource.group.is_empty();
        let has_version = !resource.version.is_empty();
        let out: Vec<&ResourceInfo> = self
            .resources()
            .iter()
            .filter(|r| r.is_named(&resource.resource))
            .filter(|r| match (has_group, has_version) {
                (true, true) => r.group == resource.group && r.version == resource.version,
                // An exact group wins inside its own mapper; other mappers fall back to prefix
                // matching, which an exact group also satisfies.
                (true, false) => r.group.starts_with(resource.group.as_str()),
                (false, true) => r.version == resource.version,
                (false, false) => true,
            })
            .collect();
        if out.is_empty() {
            return Err(MapperError::NoResourceMatch(input.clone()));
        }
        Ok(out)
    }

    fn kinds_for_expanded(
        &self,
        input: &GroupVersionResource,
        warnings: &mut Vec<String>,
    ) -> Result<(GroupVersionResource, Vec<GroupVersionKind>), MapperError> {
        let (expanded, warned) = self.expand_shortcut(input);
        warnings.extend(warned);
        let kinds = self.matching(&expanded)?.iter().map(|r| r.gvk()).collect();
        Ok((expanded, kinds))
    }

    /// Every kind a (possibly partial) resource may mean, most preferred group/version first
    /// (upstream's `KindsFor` through the shortcut expander). Matching is on the lower-cased
    /// plural or singular name; a group matches by prefix (`deployments.app`).
    pub fn kinds_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionKind>, MapperError> {
        self.kinds_for_expanded(resource, &mut Vec::new()).map(|(_, kinds)| kinds)
    }

    /// Every resource a (possibly partial) resource may mean (upstream's `ResourcesFor`).
    pub fn resources_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<Vec<GroupVersionResource>, MapperError> {
        let (expanded, _) = self.expand_shortcut(resource);
        Ok(self.matching(&expanded)?.iter().map(|r| r.gvr()).collect())
    }

    /// The one kind a partial resource means, the priority order breaking ties (upstream's
    /// `KindFor`): `events` is the core `Event`, `horizontalpodautoscalers` is `autoscaling/v2`.
    pub fn kind_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionKind, MapperError> {
        self.kind_for_with_warnings(resource, &mut Vec::new())
    }

    fn kind_for_with_warnings(
        &self,
        resource: &GroupVersionResource,
        warnings: &mut Vec<String>,
    ) -> Result<GroupVersionKind, MapperError> {
        let (expanded, kinds) = self.kinds_for_expanded(resource, warnings)?;
        self.pick_by_priority(&[], &kinds, |k| (k.group.clone(), k.version.clone())).ok_or(
            MapperError::AmbiguousResource { partial: expanded, resources: Vec::new(), kinds },
        )
    }

    /// The one resource a partial resource means (upstream's `ResourceFor`).
    pub fn resource_for(
        &self,
        resource: &GroupVersionResource,
    ) -> Result<GroupVersionResource, MapperError> {
        let (expanded, _) = self.expand_shortcut(resource);
        let resources = self.resources_for(&expanded)?;
        self.pick_by_priority(&[], &resources, |r| (r.group.clone(), r.version.clone())).ok_or(
            MapperError::AmbiguousResource { partial: expanded, resources, kinds: Vec::new() },
        )
    }

    /// Every resource serving `group_kind` in the first of `versions` each group/version mapper
    /// serves, or at every served version when `versions` holds no non-empty version
    /// (upstream's `RESTMappings`). The kind matches exactly or in lower case.
    pub fn rest_mappings(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<Vec<&ResourceInfo>, MapperError> {
        let given: Vec<&str> =
            versions.iter().copied().filter(|v| !v.is_empty() && *v != INTERNAL_VERSION).collect();
        let out: Vec<&ResourceInfo> = self
            .resources()
            .iter()
            .filter(|r| r.group == group_kind.group)
            .filter(|r| given.is_empty() || given.contains(&r.version.as_str()))
            .filter(|r| r.kind == group_kind.kind || r.kind.to_lowercase() == group_kind.kind)
            .collect();
        if out.is_empty() {
            return Err(MapperError::NoKindMatch {
                group_kind: group_kind.clone(),
                searched_versions: versions.iter().map(|v| (*v).to_string()).collect(),
            });
        }
        Ok(out)
    }

    /// The one resource serving `group_kind`, preferring the given versions in order, then the
    /// discovery priority (upstream's priority `RESTMapping`).
    pub fn rest_mapping(
        &self,
        group_kind: &GroupKind,
        versions: &[&str],
    ) -> Result<&ResourceInfo, MapperError> {
        let mappings = self.rest_mappings(group_kind, versions)?;
        let extra: Vec<Pattern<'_>> =
            versions.iter().map(|v| (Some(group_kind.group.as_str()), Some(*v))).collect();
        self.pick_by_priority(&extra, &mappings, |r| (r.group.clone(), r.version.clone()))
            .ok_or_else(|| MapperError::AmbiguousKind {
                partial: group_kind.with_version(""),
                resources: Vec::new(),
                kinds: mappings.iter().map(|r| r.gvk()).collect(),
            })
    }

    /// Resolves what a user typed as kubectl's resource builder does: first as a resource
    /// (`pods`, `pod`, `po`, `Pod`, `deploy.apps`, `deployments.v1.apps`, `hpa.autoscaling`),
    /// then as a kind (`Deployment`, `Deployment.v1.apps`, `Deployment.apps`). Short names
    /// match case-sensitively; plural and singular names case-insensitively; kinds exactly or
    /// in lower case. An argument that is neither gives `the server doesn't have a resource
    /// type "<name>"`.
    pub fn resolve(&self, arg: &str) -> Result<Resolved<'_>, MapperError> {
        let mut warnings = Vec::new();
        let (full_gvr, gr) = GroupVersionResource::parse_resource_arg(arg);
        let mut gvk = full_gvr
            .as_ref()
            .and_then(|full| self.kind_for_with_warnings(full, &mut warnings).ok());
        if gvk.is_none() {
            gvk = self.kind_for_with_warnings(&gr.with_version(""), &mut warnings).ok();
        }
        if let Some(gvk) = gvk {
            let info = self.rest_mapping(&gvk.group_kind(), &[gvk.version.as_str()])?;
            return Ok(Resolved { info, warnings });
        }

        let (full_gvk, gk) = GroupVersionKind::parse_kind_arg(arg);
        let full_gvk = full_gvk.unwrap_or_else(|| gk.with_version(""));
        if !full_gvk.is_empty()
            && let Ok(info) =
                self.rest_mapping(&full_gvk.group_kind(), &[full_gvk.version.as_str()])
        {
            return Ok(Resolved { info, warnings });
        }
        match self.rest_mapping(&gk, &[""]) {
            Ok(info) => Ok(Resolved { info, warnings }),
            Err(err) if err.is_no_match() => Err(MapperError::UnknownResourceType(gr.resource)),
            Err(err) => Err(err),
        }
    }
}
