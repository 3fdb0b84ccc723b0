//! Building request paths and query strings as client-go's `Request.URL` does: core resources
//! under `/api/v1`, the others under `/apis/<group>/<version>`, namespaced ones below
//! `namespaces/<ns>`, and query parameters encoded and sorted like Go's `url.Values.Encode`.

use super::error::Error;

/// Escapes a query value as Go's `url.QueryEscape`: unreserved characters stay, a space
/// becomes `+`, every other byte becomes `%XX`.
pub fn query_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Encodes query pairs as Go's `url.Values.Encode`: sorted by key (values of one key keep their
/// order), `key=value` joined by `&`.
pub(crate) fn encode_query(pairs: &[(String, String)]) -> String {
    let mut sorted: Vec<&(String, String)> = pairs.iter().collect();
    sorted.sort_by(|a, b| a.0.cmp(&b.0));
    sorted
        .iter()
        .map(|(k, v)| format!("{}={}", query_escape(k), query_escape(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Why a name cannot be a path segment (apimachinery's `IsValidPathSegmentName`).
fn path_segment_problems(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    ["/", "%"]
        .iter()
        .filter(|bad| name.contains(*bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

fn check_segment(what: &str, value: &str) -> Result<(), Error> {
    let problems = path_segment_problems(value);
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Request(format!(
            "invalid {what} {}: [{}]",
            apimachinery::gofmt::quote(value),
            problems.join(" ")
        )))
    }
}

/// The API path prefix of a group/version: `/api/v1` for the core group, else
/// `/apis/<group>/<version>`.
pub fn api_prefix(group: &str, version: &str) -> String {
    if group.is_empty() { format!("/api/{version}") } else { format!("/apis/{group}/{version}") }
}

/// Where one resource lives: its group/version prefix, its plural name, and the namespace the
/// client is bound to (`None` for cluster-scoped resources or a list across all namespaces).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResourcePath {
    group: String,
    prefix: String,
    plural: String,
    namespace: Option<String>,
}

impl ResourcePath {
    /// The resource `plural` of `group`/`version`, in `namespace` when given.
    pub fn new(group: &str, version: &str, plural: &str, namespace: Option<&str>) -> Self {
        ResourcePath {
            group: group.to_string(),
            prefix: api_prefix(group, version),
            plural: plural.to_string(),
            namespace: namespace.map(str::to_string),
        }
    }

    /// The API group.
    pub fn group(&self) -> &str {
        &self.group
    }

    /// The plural resource name.
    pub fn plural(&self) -> &str {
        &self.plural
    }

    /// The namespace, when bound to one.
    pub fn namespace(&self) -> Option<&str> {
        self.namespace.as_deref()
    }

    fn base(&self) -> Result<String, Error> {
        match self.namespace.as_deref() {
            Some(ns) if !ns.is_empty() => {
                check_segment("namespace", ns)?;
                Ok(format!("{}/namespaces/{ns}/{}", self.prefix, self.plural))
            }
            _ => Ok(format!("{}/{}", self.prefix, self.plural)),
        }
    }

    /// The collection path (list, watch, create, deletecollection).
    pub fn collection(&self) -> Result<String, Error> {
        self.base()
    }

    /// The collection path for a create: client-go refuses an empty namespace set on a
    /// namespaced client.
    pub fn create(&self) -> Result<String, Error> {
        if self.namespace.as_deref() == Some("") {
            return Err(Error::Request("an empty namespace may not be set during creation".into()));
        }
        self.base()
    }

    /// The path of the object `name`.
    pub fn item(&self, name: &str) -> Result<String, Error> {
        if name.is_empty() {
            return Err(Error::Request("resource name may not be empty".into()));
        }
        check_segment("resource name", name)?;
        if self.namespace.as_deref() == Some("") {
            return Err(Error::Request(
                "an empty namespace may not be set when a resource name is provided".into(),
            ));
        }
        Ok(format!("{}/{name}", self.base()?))
    }

    /// The path of a subresource of the object `name` (`status`, `scale`, `log`).
    pub fn subresource(&self, name: &str, subresource: &str) -> Result<String, Error> {
        check_segment("subresource", subresource)?;
        Ok(format!("{}/{subresource}", self.item(name)?))
    }
}
