//! Proxy URLs as Go's `net/url` reads them: the kubeconfig's `proxy-url` (checked the way
//! clientcmd's `parseProxyURL` does) and the `HTTP_PROXY`/`HTTPS_PROXY` values.

use base64::Engine;

/// The schemes a kubeconfig `proxy-url` may use.
const KUBECONFIG_SCHEMES: &[&str] = &["http", "https", "socks5"];

/// A parsed proxy URL, reduced to what dialing through it needs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProxyUrl {
    /// The scheme, lower-cased (`http`, `https`, `socks5`).
    pub scheme: String,
    /// The host name or IP address, without IPv6 brackets; empty for an opaque URL.
    pub host: String,
    /// The port as written (digits only), empty when absent.
    pub port: String,
    /// The user name and password of the URL's user information (percent-decoded), when the
    /// URL has an `@`.
    pub user: Option<(String, Option<String>)>,
}

impl ProxyUrl {
    /// Parses `raw` as Go's `url.Parse` does, keeping the parts a proxy needs. The error is
    /// the reason only, without the URL.
    pub fn parse(raw: &str) -> Result<ProxyUrl, String> {
        go_parse(raw)
    }

    /// Parses a kubeconfig `proxy-url`: any parse failure is `could not parse: <url>` and only
    /// `http`, `https` and `socks5` are accepted (clientcmd's `parseProxyURL`).
    pub fn parse_kubeconfig(raw: &str) -> Result<ProxyUrl, String> {
        let url = go_parse(raw).map_err(|_| format!("could not parse: {raw}"))?;
        if !KUBECONFIG_SCHEMES.contains(&url.scheme.as_str()) {
            return Err(format!(
                "unsupported scheme {}, must be http, https, or socks5",
                apimachinery::gofmt::quote(&url.scheme)
            ));
        }
        Ok(url)
    }

    /// Parses an `HTTP_PROXY`/`HTTPS_PROXY` value as Go's `httpproxy` package does: a value
    /// without a scheme or host is read again with `http://` in front (`proxy.corp:3128`).
    /// `None` when the value is empty or unusable (Go ignores those).
    pub fn parse_env(raw: &str) -> Option<ProxyUrl> {
        if raw.is_empty() {
            return None;
        }
        match go_parse(raw) {
            Ok(u) if !u.scheme.is_empty() && !u.host.is_empty() => Some(u),
            first => go_parse(&format!("http://{raw}")).ok().or_else(|| first.ok()),
        }
    }

    /// The port to dial: the URL's, else the scheme's default (Go's `canonicalAddr`).
    pub fn port_or_default(&self) -> u16 {
        if let Ok(p) = self.port.parse::<u16>() {
            return p;
        }
        default_port(&self.scheme).unwrap_or(0)
    }

    /// `host:port` for dialing, with brackets around IPv6 addresses.
    pub fn addr(&self) -> String {
        join_host_port(&self.host, &self.port_or_default().to_string())
    }

    /// The `Proxy-Authorization` value for HTTP proxies: basic credentials from the user
    /// information, when there is any.
    pub fn basic_auth(&self) -> Option<String> {
        let (user, password) = self.user.as_ref()?;
        let pair = format!("{user}:{}", password.as_deref().unwrap_or(""));
        Some(format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(pair)))
    }
}

/// The default port of a URL scheme, as Go's proxy code knows them.
pub(crate) fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        "socks5" | "socks5h" => Some(1080),
        _ => None,
    }
}

/// Go's `net.JoinHostPort`.
pub(crate) fn join_host_port(host: &str, port: &str) -> String {
    if host.contains(':') { format!("[{host}]:{port}") } else { format!("{host}:{port}") }
}

/// Go's `net.SplitHostPort`.
pub(crate) fn split_host_port(hostport: &str) -> Result<(String, String), &'static str> {
    let Some(i) = hostport.rfind(':') else { return Err("missing port in address") };
    let (host, j, k) = if hostport.starts_with('[') {
        let Some(end) = hostport.find(']') else { return Err("missing ']' in address") };
        if end + 1 == hostport.len() {
            return Err("missing port in address");
        }
        if end + 1 != i {
            return Err(if hostport.as_bytes()[end + 1] == b':' {
                "too many colons in address"
            } else {
                "missing port in address"
            });
        }
        (&hostport[1..end], 1, end + 1)
    } else {
        let host = &hostport[..i];
        if host.contains(':') {
            return Err("too many colons in address");
        }
        (host, 0, 0)
    };
    if hostport[j..].contains('[') {
        return Err("unexpected '[' in address");
    }
    if hostport[k..].contains(']') {
        return Err("unexpected ']' in address");
    }
    Ok((host.to_string(), hostport[i + 1..].to_string()))
}

/// Go's `url.Parse` (shared with the server, `apimachinery::gourl`), reduced to what a proxy
/// needs.
fn go_parse(raw: &str) -> Result<ProxyUrl, String> {
    let url = apimachinery::gourl::parse(raw)?;
    Ok(ProxyUrl {
        host: url.hostname().to_string(),
        port: url.port().to_string(),
        user: url.user.map(|u| (u.username, u.password)),
        scheme: url.scheme,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(u: &str, p: Option<&str>) -> Option<(String, Option<String>)> {
        Some((u.to_string(), p.map(str::to_string)))
    }

    #[test]
    fn parses_proxy_urls_like_go() {
        let u = ProxyUrl::parse("http://alice:s%40cret@proxy.corp:3128/ignored?q#f").unwrap();
        assert_eq!(
            (u.scheme.as_str(), u.host.as_str(), u.port.as_str()),
            ("http", "proxy.corp", "3128")
        );
        assert_eq!(u.user, user("alice", Some("s@cret")));
        assert_eq!(u.basic_auth().as_deref(), Some("Basic YWxpY2U6c0BjcmV0"));
        let v6 = ProxyUrl::parse("SOCKS5://[fd00::1]").unwrap();
        assert_eq!((v6.scheme.as_str(), v6.host.as_str()), ("socks5", "fd00::1"));
        assert_eq!(v6.port_or_default(), 1080);
        assert_eq!(v6.addr(), "[fd00::1]:1080");
        assert_eq!(ProxyUrl::parse("https://p").unwrap().addr(), "p:443");
        assert_eq!(ProxyUrl::parse("http://u@p").unwrap().user, user("u", None));
        assert_eq!(ProxyUrl::parse("http://p").unwrap().basic_auth(), None);
        assert_eq!(
            ProxyUrl::parse("http://h:abc").unwrap_err(),
            "invalid port \":abc\" after host"
        );
        assert_eq!(ProxyUrl::parse("http://[::1").unwrap_err(), "missing ']' in host");
        assert_eq!(ProxyUrl::parse("://x").unwrap_err(), "missing protocol scheme");
        assert_eq!(ProxyUrl::parse("http://a b@h").unwrap_err(), "net/url: invalid userinfo");
        assert_eq!(ProxyUrl::parse("http://h%zz").unwrap_err(), "invalid URL escape \"%zz\"");
        assert_eq!(
            ProxyUrl::parse("1.2.3.4:80").unwrap_err(),
            "first path segment in URL cannot contain colon"
        );
    }

    /// Mirrors clientcmd's parseProxyURL and its validation messages.
    #[test]
    fn kubeconfig_proxy_urls() {
        for ok in ["http://p:3128", "https://p", "socks5://u:p@p:1080"] {
            assert!(ProxyUrl::parse_kubeconfig(ok).is_ok(), "{ok}");
        }
        let check = |raw: &str, want: &str| {
            assert_eq!(ProxyUrl::parse_kubeconfig(raw).unwrap_err(), want, "{raw}");
        };
        check("proxy:3128", "unsupported scheme \"proxy\", must be http, https, or socks5");
        check("ftp://p", "unsupported scheme \"ftp\", must be http, https, or socks5");
        check("//p:1", "unsupported scheme \"\", must be http, https, or socks5");
        check("http://p:port", "could not parse: http://p:port");
        check("\u{7f}http://p", "could not parse: \u{7f}http://p");
    }

    /// Mirrors httpproxy's parseProxy: bare host:port values mean http.
    #[test]
    fn environment_proxy_values() {
        let check = |raw: &str, want: Option<(&str, &str, &str)>| {
            let got = ProxyUrl::parse_env(raw);
            let got = got.as_ref().map(|u| (u.scheme.as_str(), u.host.as_str(), u.port.as_str()));
            assert_eq!(got, want, "{raw}");
        };
        check("", None);
        check("proxy.corp:3128", Some(("http", "proxy.corp", "3128")));
        check("10.0.0.1:3128", Some(("http", "10.0.0.1", "3128")));
        check("https://secure:8443", Some(("https", "secure", "8443")));
        check("socks5://s", Some(("socks5", "s", "")));
        check("cache", Some(("http", "cache", "")));
    }

    #[test]
    fn split_host_port_like_go() {
        let ok = |s: &str, h: &str, p: &str| {
            assert_eq!(split_host_port(s), Ok((h.to_string(), p.to_string())), "{s}")
        };
        ok("h:80", "h", "80");
        ok("[::1]:443", "::1", "443");
        ok("h:", "h", "");
        assert_eq!(split_host_port("h"), Err("missing port in address"));
        assert_eq!(split_host_port("::1"), Err("too many colons in address"));
        assert_eq!(split_host_port("[::1]"), Err("missing port in address"));
        assert_eq!(split_host_port("[::1"), Err("missing ']' in address"));
        assert_eq!(join_host_port("::1", "80"), "[::1]:80");
        assert_eq!(join_host_port("h", "80"), "h:80");
    }
}
