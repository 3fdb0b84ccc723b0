//! API group, version, kind and resource identifiers, and their string forms
//! (`apps/v1`, `deployments.apps`, `apps/v1, Kind=Deployment`), as k8s.io/apimachinery's `schema`.

use std::fmt;

use thiserror::Error;

#[cfg(test)]
mod tests;

/// A string that does not name a group/version.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("unexpected GroupVersion string: {0}")]
pub struct ParseGroupVersionError(pub String);

/// An API group and version: `apps/v1`, or `v1` for the core (legacy) group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupVersion {
    /// The group; empty for the core group.
    pub group: String,
    /// The version, such as `v1` or `v1beta1`.
    pub version: String,
}

impl GroupVersion {
    /// A group/version from its parts.
    pub fn new(group: impl Into<String>, version: impl Into<String>) -> Self {
        Self { group: group.into(), version: version.into() }
    }

    /// Parses `group/version` or `version` (the core group). The empty string is the empty
    /// group/version; more than one `/` is an error.
    pub fn parse(s: &str) -> Result<Self, ParseGroupVersionError> {
        if s.is_empty() || s == "/" {
            return Ok(Self::default());
        }
        match s.split_once('/') {
            None => Ok(Self::new("", s)),
            Some((g, v)) if !v.contains('/') => Ok(Self::new(g, v)),
            Some(_) => Err(ParseGroupVersionError(s.to_string())),
        }
    }

    /// True when both group and version are empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.version.is_empty()
    }

    /// This group/version with a kind.
    pub fn with_kind(&self, kind: impl Into<String>) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, &self.version, kind)
    }

    /// This group/version with a resource.
    pub fn with_resource(&self, resource: impl Into<String>) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, &self.version, resource)
    }

    /// The `apiVersion` string (same as `Display`).
    pub fn api_version(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for GroupVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.version)
        } else {
            write!(f, "{}/{}", self.group, self.version)
        }
    }
}

/// A group and kind without a version: `Deployment.apps`, `Pod`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupKind {
    /// The group; empty for the core group.
    pub group: String,
    /// The kind, such as `Deployment`.
    pub kind: String,
}

impl GroupKind {
    /// A group/kind from its parts.
    pub fn new(group: impl Into<String>, kind: impl Into<String>) -> Self {
        Self { group: group.into(), kind: kind.into() }
    }

    /// Parses `Kind.group` (split at the first dot) or `Kind`.
    pub fn parse(s: &str) -> Self {
        match s.split_once('.') {
            Some((k, g)) => Self::new(g, k),
            None => Self::new("", s),
        }
    }

    /// This group/kind at a version.
    pub fn with_version(&self, version: impl Into<String>) -> GroupVersionKind {
        GroupVersionKind::new(&self.group, version, &self.kind)
    }
}

impl fmt::Display for GroupKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.kind)
        } else {
            write!(f, "{}.{}", self.kind, self.group)
        }
    }
}

/// A group and resource without a version: `deployments.apps`, `pods`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupResource {
    /// The group; empty for the core group.
    pub group: String,
    /// The resource (lower-case plural), such as `deployments`.
    pub resource: String,
}

impl GroupResource {
    /// A group/resource from its parts.
    pub fn new(group: impl Into<String>, resource: impl Into<String>) -> Self {
        Self { group: group.into(), resource: resource.into() }
    }

    /// Parses `resource.group` (split at the first dot) or `resource`.
    pub fn parse(s: &str) -> Self {
        match s.split_once('.') {
            Some((r, g)) => Self::new(g, r),
            None => Self::new("", s),
        }
    }

    /// This group/resource at a version.
    pub fn with_version(&self, version: impl Into<String>) -> GroupVersionResource {
        GroupVersionResource::new(&self.group, version, &self.resource)
    }
}

impl fmt::Display for GroupResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.group.is_empty() {
            f.write_str(&self.resource)
        } else {
            write!(f, "{}.{}", self.resource, self.group)
        }
    }
}

/// A fully qualified kind: `apps/v1, Kind=Deployment`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupVersionKind {
    /// The group; empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The kind.
    pub kind: String,
}

impl GroupVersionKind {
    /// A group/version/kind from its parts.
    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        kind: impl Into<String>,
    ) -> Self {
        Self { group: group.into(), version: version.into(), kind: kind.into() }
    }

    /// The kind named by an object's `apiVersion` and `kind` fields. An unparsable
    /// `apiVersion` yields an empty group/version, as upstream's `FromAPIVersionAndKind`.
    pub fn from_api_version_and_kind(api_version: &str, kind: &str) -> Self {
        let gv = GroupVersion::parse(api_version).unwrap_or_default();
        Self::new(gv.group, gv.version, kind)
    }

    /// The `apiVersion` and `kind` strings for this kind.
    pub fn to_api_version_and_kind(&self) -> (String, String) {
        (self.group_version().to_string(), self.kind.clone())
    }

    /// The group/version part.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(&self.group, &self.version)
    }

    /// The group/kind part.
    pub fn group_kind(&self) -> GroupKind {
        GroupKind::new(&self.group, &self.kind)
    }

    /// True when every part is empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.version.is_empty() && self.kind.is_empty()
    }

    /// Parses a kind argument as kubectl does: `Kind.version.group` when it has at least two
    /// dots gives a full kind (returned first); the whole argument is also read as `Kind.group`.
    pub fn parse_kind_arg(arg: &str) -> (Option<GroupVersionKind>, GroupKind) {
        let full = match arg.splitn(3, '.').collect::<Vec<_>>()[..] {
            [kind, version, group] => Some(GroupVersionKind::new(group, version, kind)),
            _ => None,
        };
        (full, GroupKind::parse(arg))
    }
}

impl fmt::Display for GroupVersionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Upstream keeps the slash even for the core group: `/v1, Kind=Pod`.
        write!(f, "{}/{}, Kind={}", self.group, self.version, self.kind)
    }
}

/// A fully qualified resource: `apps/v1, Resource=deployments`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupVersionResource {
    /// The group; empty for the core group.
    pub group: String,
    /// The version.
    pub version: String,
    /// The resource (lower-case plural).
    pub resource: String,
}

impl GroupVersionResource {
    /// A group/version/resource from its parts.
    pub fn new(
        group: impl Into<String>,
        version: impl Into<String>,
        resource: impl Into<String>,
    ) -> Self {
        Self { group: group.into(), version: version.into(), resource: resource.into() }
    }

    /// The group/version part.
    pub fn group_version(&self) -> GroupVersion {
        GroupVersion::new(&self.group, &self.version)
    }

    /// The group/resource part.
    pub fn group_resource(&self) -> GroupResource {
        GroupResource::new(&self.group, &self.resource)
    }

    /// True when every part is empty.
    pub fn is_empty(&self) -> bool {
        self.group.is_empty() && self.version.is_empty() && self.resource.is_empty()
    }

    /// Parses a resource argument as kubectl does (`ParseResourceArg`): `resource.version.group`
    /// when it has at least two dots gives a full resource (returned first); the whole argument
    /// is also read as `resource.group`.
    pub fn parse_resource_arg(arg: &str) -> (Option<GroupVersionResource>, GroupResource) {
        let full = match arg.splitn(3, '.').collect::<Vec<_>>()[..] {
            [resource, version, group] => Some(GroupVersionResource::new(group, version, resource)),
            _ => None,
        };
        (full, GroupResource::parse(arg))
    }
}

impl fmt::Display for GroupVersionResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}, Resource={}", self.group, self.version, self.resource)
    }
}
