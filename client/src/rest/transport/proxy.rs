//! Reaching the API server through a proxy, as Go's `http.Transport` does: the kubeconfig's
//! `proxy-url`, else `HTTPS_PROXY`/`HTTP_PROXY` minus `NO_PROXY` (Go's
//! `ProxyFromEnvironment`, which never proxies `localhost` or loopback addresses). HTTPS
//! targets are tunnelled with `CONNECT` through HTTP and HTTPS proxies; plain HTTP targets are
//! sent to the proxy in absolute form; SOCKS5 proxies connect with no authentication or with
//! the URL's user name and password.

use std::net::IpAddr;
use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use crate::config::{ProxyUrl, default_port, join_host_port, split_host_port};

/// How Go bounds the `CONNECT` exchange.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(60);
/// The most of a `CONNECT` answer's header read before giving up on it.
const MAX_CONNECT_RESPONSE: usize = 64 * 1024;

/// Where a client's connections go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Route {
    /// Straight to the server.
    Direct,
    /// Through this proxy.
    Proxy(ProxyUrl),
    /// Every request fails with this message (Go refuses `HTTP_PROXY` in a CGI process).
    Refused(String),
}

/// The proxy variables Go reads, each from the upper-case name first, then the lower-case.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProxyEnv {
    pub http_proxy: String,
    pub https_proxy: String,
    pub no_proxy: String,
    /// `REQUEST_METHOD` is set: the process is a CGI handler.
    pub cgi: bool,
}

impl ProxyEnv {
    /// Reads the variables through `lookup`.
    pub(crate) fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Self {
        let any = |names: &[&str]| {
            names.iter().find_map(|n| lookup(n).filter(|v| !v.is_empty())).unwrap_or_default()
        };
        ProxyEnv {
            http_proxy: any(&["HTTP_PROXY", "http_proxy"]),
            https_proxy: any(&["HTTPS_PROXY", "https_proxy"]),
            no_proxy: any(&["NO_PROXY", "no_proxy"]),
            cgi: lookup("REQUEST_METHOD").is_some_and(|v| !v.is_empty()),
        }
    }

    /// Reads the process environment.
    pub(crate) fn from_process() -> Self {
        Self::from_lookup(|n| std::env::var(n).ok())
    }

    /// The route for a request to `scheme://host:port` (Go's `proxyForURL`).
    pub(crate) fn route(&self, scheme: &str, host: &str, port: Option<u16>) -> Route {
        let proxy = match scheme {
            "https" => ProxyUrl::parse_env(&self.https_proxy),
            "http" => {
                let p = ProxyUrl::parse_env(&self.http_proxy);
                if p.is_some() && self.cgi {
                    return Route::Refused(
                        "refusing to use HTTP_PROXY value in CGI environment; see golang.org/s/cgihttpproxy"
                            .into(),
                    );
                }
                p
            }
            _ => None,
        };
        let Some(proxy) = proxy else { return Route::Direct };
        let port = port.or_else(|| default_port(scheme)).map(|p| p.to_string()).unwrap_or_default();
        if use_proxy(&self.no_proxy, &join_host_port(host, &port)) {
            Route::Proxy(proxy)
        } else {
            Route::Direct
        }
    }
}

/// The route for a client of `scheme://host:port`: an explicit `proxy-url` always applies (as
/// `http.ProxyURL` does), else the environment decides.
pub(crate) fn route_for(
    proxy_url: Option<&str>,
    env: &ProxyEnv,
    scheme: &str,
    host: &str,
    port: Option<u16>,
) -> Result<Route, String> {
    match proxy_url {
        Some(raw) => ProxyUrl::parse_kubeconfig(raw).map(Route::Proxy),
        None => Ok(env.route(scheme, host, port)),
    }
}

/// One `NO_PROXY` entry.
#[derive(Debug, Clone, PartialEq)]
enum Matcher {
    All,
    Cidr(IpAddr, u8),
    Ip(IpAddr, String),
    Domain { suffix: String, port: String, match_host: bool },
}

/// Parses `NO_PROXY` as Go's `httpproxy` does; malformed entries are skipped.
fn parse_no_proxy(no_proxy: &str) -> (Vec<Matcher>, Vec<Matcher>) {
    let (mut ips, mut domains) = (Vec::new(), Vec::new());
    for p in no_proxy.split(',') {
        let p = p.trim().to_ascii_lowercase();
        if p.is_empty() {
            continue;
        }
        if p == "*" {
            return (vec![Matcher::All], vec![Matcher::All]);
        }
        if let Some((ip, bits)) = parse_cidr(&p) {
            ips.push(Matcher::Cidr(ip, bits));
            continue;
        }
        let (mut phost, pport) = match split_host_port(&p) {
            Ok((h, port)) => {
                if h.is_empty() {
                    continue;
                }
                (h, port)
            }
            Err(_) => (p.clone(), String::new()),
        };
        if phost.len() >= 2 && phost.starts_with('[') && phost.ends_with(']') {
            phost = phost[1..phost.len() - 1].to_string();
        }
        if let Ok(ip) = phost.parse::<IpAddr>() {
            ips.push(Matcher::Ip(ip, pport));
            continue;
        }
        if phost.is_empty() {
            continue;
        }
        if let Some(rest) = phost.strip_prefix("*.") {
            phost = format!(".{rest}");
        }
        let match_host = !phost.starts_with('.');
        if match_host {
            phost = format!(".{phost}");
        }
        domains.push(Matcher::Domain { suffix: phost, port: pport, match_host });
    }
    (ips, domains)
}

/// Go's `net.ParseCIDR`: an address, `/`, and a prefix no longer than the address.
fn parse_cidr(s: &str) -> Option<(IpAddr, u8)> {
    let (addr, bits) = s.split_once('/')?;
    let ip: IpAddr = addr.parse().ok()?;
    if bits.is_empty() || !bits.bytes().all(|b| b.is_ascii_digit()) || bits.len() > 3 {
        return None;
    }
    let bits: u8 = bits.parse().ok()?;
    let max = if ip.is_ipv4() { 32 } else { 128 };
    (bits <= max).then_some((ip, bits))
}

/// IPv4-mapped IPv6 addresses compare as IPv4, as Go's `net.IP` does.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn cidr_contains(net: IpAddr, bits: u8, ip: IpAddr) -> bool {
    match (canonical(net), canonical(ip)) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = if bits == 0 { 0 } else { u32::MAX << (32 - u32::from(bits)) };
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = if bits == 0 { 0 } else { u128::MAX << (128 - u32::from(bits)) };
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

impl Matcher {
    fn matches(&self, host: &str, port: &str, ip: Option<IpAddr>) -> bool {
        match self {
            Matcher::All => true,
            Matcher::Cidr(net, bits) => ip.is_some_and(|ip| cidr_contains(*net, *bits, ip)),
            Matcher::Ip(want, want_port) => {
                ip.is_some_and(|ip| canonical(ip) == canonical(*want))
                    && (want_port.is_empty() || want_port == port)
            }
            Matcher::Domain { suffix, port: want_port, match_host } => {
                if ip.is_some() {
                    return false;
                }
                (host.ends_with(suffix.as_str()) || (*match_host && host == &suffix[1..]))
                    && (want_port.is_empty() || want_port == port)
            }
        }
    }
}

/// Whether a request to `addr` (`host:port`) goes through the proxy (Go's `useProxy`).
pub(crate) fn use_proxy(no_proxy: &str, addr: &str) -> bool {
    if addr.is_empty() {
        return true;
    }
    let Ok((host, port)) = split_host_port(addr) else { return false };
    if host == "localhost" {
        return false;
    }
    let ip = host.parse::<IpAddr>().ok();
    if ip.is_some_and(|ip| canonical(ip).is_loopback()) {
        return false;
    }
    let host = host.trim().to_ascii_lowercase();
    let (ips, domains) = parse_no_proxy(no_proxy);
    if ip.is_some() && ips.iter().any(|m| m.matches(&host, &port, ip)) {
        return false;
    }
    !domains.iter().any(|m| m.matches(&host, &port, ip))
}

/// Opens a tunnel to `target` (`host:port`) through an HTTP proxy with `CONNECT`. A refusal is
/// the proxy's status text, as Go reports it (`Proxy Authentication Required`).
pub(crate) async fn http_connect<S>(
    io: &mut S,
    target: &str,
    proxy_authorization: Option<&str>,
) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let exchange = async {
        let mut req = format!("CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n");
        if let Some(auth) = proxy_authorization {
            req.push_str(&format!("Proxy-Authorization: {auth}\r\n"));
        }
        req.push_str("\r\n");
        io.write_all(req.as_bytes()).await.map_err(|e| e.to_string())?;
        io.flush().await.map_err(|e| e.to_string())?;
        // Byte by byte: nothing past the header may be consumed, the TLS handshake follows.
        let mut head = Vec::new();
        while !head.ends_with(b"\r\n\r\n") {
            if head.len() >= MAX_CONNECT_RESPONSE {
                return Err("net/http: proxy CONNECT response header too large".to_string());
            }
            let b = io.read_u8().await.map_err(|e| {
                if e.kind() == std::io::ErrorKind::UnexpectedEof {
                    "unexpected EOF".to_string()
                } else {
                    e.to_string()
                }
            })?;
            head.push(b);
        }
        let head = String::from_utf8_lossy(&head);
        let line = head.lines().next().unwrap_or("");
        let Some((_proto, status)) = line.split_once(' ') else {
            return Err(format!("malformed HTTP response {}", apimachinery::gofmt::quote(line)));
        };
        let status = status.trim_start_matches(' ');
        let code = status.split(' ').next().unwrap_or("");
        if code.len() != 3 || !code.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("malformed HTTP status code {}", apimachinery::gofmt::quote(code)));
        }
        if code == "200" {
            return Ok(());
        }
        match status.split_once(' ') {
            Some((_, text)) => Err(text.to_string()),
            None => Err("unknown status code".to_string()),
        }
    };
    tokio::time::timeout(CONNECT_TIMEOUT, exchange)
        .await
        .map_err(|_| "context deadline exceeded".to_string())?
}

const SOCKS_VERSION: u8 = 5;
const AUTH_NONE: u8 = 0;
const AUTH_USER_PASSWORD: u8 = 2;
const AUTH_NO_ACCEPTABLE: u8 = 0xff;

/// Go's SOCKS reply codes.
fn socks_reply_text(code: u8) -> String {
    match code {
        1 => "general SOCKS server failure".into(),
        2 => "connection not allowed by ruleset".into(),
        3 => "network unreachable".into(),
        4 => "host unreachable".into(),
        5 => "connection refused".into(),
        6 => "TTL expired".into(),
        7 => "command not supported".into(),
        8 => "address type not supported".into(),
        other => format!("unknown code: {other}"),
    }
}

/// Asks a SOCKS5 proxy at `proxy_addr` to connect to `host:port` (RFC 1928), offering
/// username/password authentication (RFC 1929) when `user` is given. Host names go to the
/// proxy unresolved. Errors read as Go's `socks connect tcp proxy->target: ...`.
pub(crate) async fn socks5_connect<S>(
    io: &mut S,
    proxy_addr: &str,
    host: &str,
    port: u16,
    user: Option<(&str, &str)>,
) -> Result<(), String>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let target = join_host_port(host, &port.to_string());
    let wrap = |e: String| format!("socks connect tcp {proxy_addr}->{target}: {e}");
    let io_err = |e: std::io::Error| {
        if e.kind() == std::io::ErrorKind::UnexpectedEof {
            "unexpected EOF".to_string()
        } else {
            e.to_string()
        }
    };
    let methods: &[u8] =
        if user.is_some() { &[AUTH_NONE, AUTH_USER_PASSWORD] } else { &[AUTH_NONE] };
    let mut hello = vec![SOCKS_VERSION, methods.len() as u8];
    hello.extend_from_slice(methods);
    io.write_all(&hello).await.map_err(io_err).map_err(wrap)?;
    let mut choice = [0u8; 2];
    io.read_exact(&mut choice).await.map_err(io_err).map_err(wrap)?;
    if choice[0] != SOCKS_VERSION {
        return Err(wrap(format!("unexpected protocol version {}", choice[0])));
    }
    match choice[1] {
        AUTH_NONE => {}
        AUTH_USER_PASSWORD if user.is_some() => {
            let (name, password) = user.unwrap_or_default();
            if name.is_empty() || name.len() > 255 || password.len() > 255 {
                return Err(wrap("invalid username/password".into()));
            }
            let mut req = vec![1, name.len() as u8];
            req.extend_from_slice(name.as_bytes());
            req.push(password.len() as u8);
            req.extend_from_slice(password.as_bytes());
            io.write_all(&req).await.map_err(io_err).map_err(wrap)?;
            let mut answer = [0u8; 2];
            io.read_exact(&mut answer).await.map_err(io_err).map_err(wrap)?;
            if answer[0] != 1 {
                return Err(wrap("invalid username/password version".into()));
            }
            if answer[1] != 0 {
                return Err(wrap("username/password authentication failed".into()));
            }
        }
        AUTH_NO_ACCEPTABLE => return Err(wrap("no acceptable authentication methods".into())),
        other => return Err(wrap(format!("unsupported authentication method {other}"))),
    }
    let mut req = vec![SOCKS_VERSION, 1, 0];
    match host.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => {
            req.push(1);
            req.extend_from_slice(&v4.octets());
        }
        Ok(IpAddr::V6(v6)) => {
            req.push(4);
            req.extend_from_slice(&v6.octets());
        }
        Err(_) => {
            if host.len() > 255 {
                return Err(wrap("FQDN too long".into()));
            }
            req.push(3);
            req.push(host.len() as u8);
            req.extend_from_slice(host.as_bytes());
        }
    }
    req.extend_from_slice(&port.to_be_bytes());
    io.write_all(&req).await.map_err(io_err).map_err(wrap)?;
    let mut head = [0u8; 4];
    io.read_exact(&mut head).await.map_err(io_err).map_err(wrap)?;
    if head[0] != SOCKS_VERSION {
        return Err(wrap(format!("unexpected protocol version {}", head[0])));
    }
    if head[1] != 0 {
        return Err(wrap(format!("unknown error {}", socks_reply_text(head[1]))));
    }
    if head[2] != 0 {
        return Err(wrap("non-zero reserved field".into()));
    }
    let bound_len = match head[3] {
        1 => 4,
        4 => 16,
        3 => usize::from(io.read_u8().await.map_err(io_err).map_err(wrap)?),
        other => return Err(wrap(format!("unknown address type {other}"))),
    };
    let mut bound = vec![0u8; bound_len + 2];
    io.read_exact(&mut bound).await.map_err(io_err).map_err(wrap)?;
    Ok(())
}

#[cfg(test)]
#[path = "proxy_tests.rs"]
mod tests;
