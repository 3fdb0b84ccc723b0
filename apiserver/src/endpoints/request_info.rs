//! What a request asks for, read from its method, path and query (upstream's
//! `RequestInfoFactory`): resource requests under `/api` and `/apis` get verb, group, version,
//! namespace, resource, subresource and name; everything else is a non-resource request.

/// The parsed request.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    /// Whether the path names an API resource.
    pub is_resource_request: bool,
    /// The path as received.
    pub path: String,
    /// `get`, `list`, `watch`, `create`, `update`, `patch`, `delete`, `deletecollection`, or the
    /// lower-case HTTP method for non-resource requests.
    pub verb: String,
    /// `api` or `apis`.
    pub api_prefix: String,
    /// API group (empty for core).
    pub api_group: String,
    /// API version.
    pub api_version: String,
    /// Namespace, when the path has one.
    pub namespace: String,
    /// Resource (plural).
    pub resource: String,
    /// Subresource (`status`, `scale`, ...).
    pub subresource: String,
    /// Object name.
    pub name: String,
    /// Path segments after the prefix.
    pub parts: Vec<String>,
}

/// Subresources of a namespace object rather than resources inside it.
const NAMESPACE_SUBRESOURCES: &[&str] = &["status", "finalize"];

/// Reads `method` + `path` + decoded `query` into a [`RequestInfo`].
pub fn parse(method: &str, path: &str, query: &[(String, String)]) -> RequestInfo {
    let mut info = RequestInfo {
        path: path.to_string(),
        verb: method.to_ascii_lowercase(),
        ..Default::default()
    };
    let mut parts: Vec<String> =
        path.trim_matches('/').split('/').filter(|s| !s.is_empty()).map(str::to_string).collect();
    if parts.is_empty() || (parts[0] != "api" && parts[0] != "apis") {
        return info;
    }
    info.api_prefix = parts.remove(0);
    if info.api_prefix == "apis" {
        if parts.len() < 2 {
            if let Some(g) = parts.first() {
                info.api_group = g.clone();
            }
            return info;
        }
        info.api_group = parts.remove(0);
    }
    if parts.is_empty() {
        return info;
    }
    info.api_version = parts.remove(0);
    info.is_resource_request = true;
    info.verb = match method {
        "POST" => "create",
        "GET" | "HEAD" => "get",
        "PUT" => "update",
        "PATCH" => "patch",
        "DELETE" => "delete",
        _ => "",
    }
    .to_string();
    if parts.first().is_some_and(|p| p == "watch") && !parts.is_empty() {
        parts.remove(0);
        info.verb = "watch".into();
    }
    if parts.first().is_some_and(|p| p == "namespaces") && parts.len() > 1 {
        info.namespace = parts[1].clone();
        if parts.len() > 2 && !NAMESPACE_SUBRESOURCES.contains(&parts[2].as_str()) {
            parts.drain(..2);
        }
    }
    info.parts = parts.clone();
    if let Some(r) = parts.first() {
        info.resource = r.clone();
    }
    if let Some(n) = parts.get(1) {
        info.name = n.clone();
    }
    if let Some(s) = parts.get(2) {
        info.subresource = s.clone();
    }
    if info.name.is_empty() && info.verb == "get" {
        let watch = query
            .iter()
            .find(|(k, _)| k == "watch")
            .and_then(|(_, v)| super::super::registry::parse_bool_query(v))
            .unwrap_or(false);
        info.verb = if watch { "watch" } else { "list" }.into();
    }
    if info.name.is_empty() && info.verb == "delete" {
        info.verb = "deletecollection".into();
    }
    if info.verb == "list" || info.verb == "watch" {
        // A field selector pinning the name makes the request about that object.
        if let Some((_, fs)) = query.iter().find(|(k, _)| k == "fieldSelector")
            && let Ok(sel) = apimachinery::fields::Selector::parse(fs)
            && let Some(name) = sel.requires_exact_match("metadata.name")
        {
            info.name = name;
        }
    }
    info
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(
        method: &str,
        path: &str,
        query: &str,
        want: (&str, &str, &str, &str, &str, &str, &str),
    ) {
        let q: Vec<(String, String)> = query
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|kv| {
                let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
                (k.to_string(), v.to_string())
            })
            .collect();
        let i = parse(method, path, &q);
        let got = (
            i.verb.as_str(),
            i.api_group.as_str(),
            i.api_version.as_str(),
            i.namespace.as_str(),
            i.resource.as_str(),
            i.subresource.as_str(),
            i.name.as_str(),
        );
        assert_eq!(got, want, "{method} {path}?{query}");
    }

    #[test]
    fn test_get_api_request_info() {
        check("GET", "/api/v1/namespaces", "", ("list", "", "v1", "", "namespaces", "", ""));
        check(
            "GET",
            "/api/v1/namespaces/other",
            "",
            ("get", "", "v1", "other", "namespaces", "", "other"),
        );
        check(
            "GET",
            "/api/v1/namespaces/other/pods",
            "",
            ("list", "", "v1", "other", "pods", "", ""),
        );
        check(
            "GET",
            "/api/v1/namespaces/other/pods/foo",
            "",
            ("get", "", "v1", "other", "pods", "", "foo"),
        );
        check(
            "HEAD",
            "/api/v1/namespaces/other/pods/foo",
            "",
            ("get", "", "v1", "other", "pods", "", "foo"),
        );
        check("GET", "/api/v1/pods", "", ("list", "", "v1", "", "pods", "", ""));
        check(
            "GET",
            "/api/v1/namespaces/other/pods/foo/status",
            "",
            ("get", "", "v1", "other", "pods", "status", "foo"),
        );
        check("GET", "/api/v1/watch/pods", "", ("watch", "", "v1", "", "pods", "", ""));
        check("GET", "/api/v1/pods", "watch=true", ("watch", "", "v1", "", "pods", "", ""));
        check("GET", "/api/v1/pods", "watch=false", ("list", "", "v1", "", "pods", "", ""));
        check(
            "GET",
            "/api/v1/watch/namespaces/other/pods",
            "",
            ("watch", "", "v1", "other", "pods", "", ""),
        );
        check(
            "GET",
            "/apis/extensions/v1beta1/namespaces/other/extensions",
            "",
            ("list", "extensions", "v1beta1", "other", "extensions", "", ""),
        );
        check(
            "PUT",
            "/api/v1/namespaces/other/finalize",
            "",
            ("update", "", "v1", "other", "namespaces", "finalize", "other"),
        );
        check(
            "POST",
            "/api/v1/namespaces/other/pods",
            "",
            ("create", "", "v1", "other", "pods", "", ""),
        );
        check(
            "DELETE",
            "/api/v1/namespaces/other/pods",
            "",
            ("deletecollection", "", "v1", "other", "pods", "", ""),
        );
        check(
            "PATCH",
            "/apis/apps/v1/namespaces/x/deployments/d/scale",
            "",
            ("patch", "apps", "v1", "x", "deployments", "scale", "d"),
        );
        check(
            "GET",
            "/api/v1/namespaces/other/pods",
            "fieldSelector=metadata.name%3Dfoo",
            ("list", "", "v1", "other", "pods", "", ""),
        );
        check(
            "GET",
            "/api/v1/namespaces/other/pods",
            "fieldSelector=metadata.name=foo",
            ("list", "", "v1", "other", "pods", "", "foo"),
        );
    }

    #[test]
    fn test_non_resource_requests() {
        for (method, path) in [
            ("GET", "/"),
            ("GET", "/healthz"),
            ("GET", "/api"),
            ("GET", "/apis"),
            ("GET", "/apis/apps"),
            ("GET", "/version"),
        ] {
            let i = parse(method, path, &[]);
            assert!(!i.is_resource_request, "{path}");
            assert_eq!(i.verb, "get");
        }
    }
}
