//! URLs as Go's `net/url` reads them (`url.Parse`), with its error messages, for the places
//! where an upstream component parses a URL and reports what it found (webhook client URLs,
//! kubeconfig proxy URLs).

use crate::gofmt::quote;

/// A URL split as Go's `url.URL` holds it. Parts Go unescapes (user information, host, path,
/// fragment) are held unescaped.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Url {
    /// The scheme, lower-cased.
    pub scheme: String,
    /// The part after `scheme:` of a URL whose rest does not start with `/` (`mailto:x`).
    pub opaque: String,
    /// The user information before `@` in the authority.
    pub user: Option<UserInfo>,
    /// `host` or `host:port` (IPv6 literals keep their brackets).
    pub host: String,
    /// The path.
    pub path: String,
    /// The query without its `?`, still escaped.
    pub raw_query: String,
    /// The fragment without its `#`.
    pub fragment: String,
}

/// A URL's user name and optional password (Go's `url.Userinfo`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    /// The user name.
    pub username: String,
    /// The password, when the user information has a `:`.
    pub password: Option<String>,
}

impl std::fmt::Display for UserInfo {
    /// Go's `Userinfo.String()`: the parts escaped again, joined by `:`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&escape(&self.username, Mode::UserPassword))?;
        if let Some(p) = &self.password {
            write!(f, ":{}", escape(p, Mode::UserPassword))?;
        }
        Ok(())
    }
}

impl Url {
    /// The host without its port and without IPv6 brackets (Go's `URL.Hostname`).
    pub fn hostname(&self) -> &str {
        let (host, _) = split_host_port(&self.host);
        host.strip_prefix('[').and_then(|h| h.strip_suffix(']')).unwrap_or(host)
    }

    /// The port digits, empty when there is none (Go's `URL.Port`).
    pub fn port(&self) -> &str {
        split_host_port(&self.host).1
    }
}

/// `url.Parse`: the URL, or the reason it does not parse (`missing protocol scheme`), without
/// the `parse "<url>": ` that [`parse_error`] puts in front.
pub fn parse(raw: &str) -> Result<Url, String> {
    let (rest, fragment) = match raw.split_once('#') {
        Some((r, f)) => (r, Some(f)),
        None => (raw, None),
    };
    let mut url = parse_without_fragment(rest)?;
    if let Some(f) = fragment {
        url.fragment = unescape(f, Mode::Fragment)?;
    }
    Ok(url)
}

/// The message of the error `url.Parse` returns for `raw`: `parse "<raw>": <reason>`.
pub fn parse_error(raw: &str, reason: &str) -> String {
    format!("parse {}: {reason}", quote(raw))
}

fn parse_without_fragment(raw: &str) -> Result<Url, String> {
    if raw.bytes().any(|b| b < 0x20 || b == 0x7f) {
        return Err("net/url: invalid control character in URL".into());
    }
    let mut url = Url::default();
    if raw == "*" {
        url.path = "*".into();
        return Ok(url);
    }
    let (scheme, rest) = scheme_of(raw)?;
    url.scheme = scheme.to_ascii_lowercase();
    let mut rest = rest;
    if rest.ends_with('?') && rest.matches('?').count() == 1 {
        rest = &rest[..rest.len() - 1];
    } else if let Some((r, q)) = rest.split_once('?') {
        rest = r;
        url.raw_query = q.to_string();
    }
    if !rest.starts_with('/') {
        if !url.scheme.is_empty() {
            url.opaque = rest.to_string();
            return Ok(url);
        }
        let first_segment = rest.split('/').next().unwrap_or("");
        if first_segment.contains(':') {
            return Err("first path segment in URL cannot contain colon".into());
        }
    }
    if (!url.scheme.is_empty() || !rest.starts_with("///")) && rest.starts_with("//") {
        let after = &rest[2..];
        let (authority, path) = match after.find('/') {
            Some(i) => (&after[..i], &after[i..]),
            None => (after, ""),
        };
        let (user, host) = parse_authority(authority)?;
        url.user = user;
        url.host = host;
        rest = path;
    }
    url.path = unescape(rest, Mode::Path)?;
    Ok(url)
}

/// Splits off the scheme as Go's `getScheme` does.
fn scheme_of(raw: &str) -> Result<(&str, &str), String> {
    for (i, c) in raw.char_indices() {
        match c {
            'a'..='z' | 'A'..='Z' => {}
            '0'..='9' | '+' | '-' | '.' if i > 0 => {}
            ':' if i == 0 => return Err("missing protocol scheme".into()),
            ':' => return Ok((&raw[..i], &raw[i + 1..])),
            _ => return Ok(("", raw)),
        }
    }
    Ok(("", raw))
}

fn parse_authority(authority: &str) -> Result<(Option<UserInfo>, String), String> {
    let at = authority.rfind('@');
    let host = parse_host(at.map_or(authority, |i| &authority[i + 1..]))?;
    let Some(at) = at else { return Ok((None, host)) };
    let info = &authority[..at];
    let valid = info.chars().all(|c| c.is_ascii_alphanumeric() || "-._:~!$&'()*+,;=%@".contains(c));
    if !valid {
        return Err("net/url: invalid userinfo".into());
    }
    let user = match info.split_once(':') {
        Some((u, p)) => UserInfo {
            username: unescape(u, Mode::UserPassword)?,
            password: Some(unescape(p, Mode::UserPassword)?),
        },
        None => UserInfo { username: unescape(info, Mode::UserPassword)?, password: None },
    };
    Ok((Some(user), host))
}

/// Go's `parseHost`: brackets around IPv6 literals, a numeric port, escapes only for what a
/// host may hold.
fn parse_host(host: &str) -> Result<String, String> {
    if host.starts_with('[') {
        let Some(end) = host.rfind(']') else { return Err("missing ']' in host".into()) };
        let after = &host[end + 1..];
        if !valid_optional_port(after) {
            return Err(format!("invalid port {} after host", quote(after)));
        }
        if let Some(zone) = host[..end].find("%25") {
            let mut out = unescape(&host[..zone], Mode::Host)?;
            out.push_str(&unescape(&host[zone..end], Mode::Zone)?);
            out.push_str(&unescape(&host[end..], Mode::Host)?);
            return Ok(out);
        }
    } else if let Some(i) = host.rfind(':') {
        let after = &host[i..];
        if !valid_optional_port(after) {
            return Err(format!("invalid port {} after host", quote(after)));
        }
    }
    unescape(host, Mode::Host)
}

fn valid_optional_port(port: &str) -> bool {
    match port.strip_prefix(':') {
        None => port.is_empty(),
        Some(digits) => digits.bytes().all(|b| b.is_ascii_digit()),
    }
}

/// Go's unexported `splitHostPort`: a trailing `:digits` is the port.
fn split_host_port(host_port: &str) -> (&str, &str) {
    match host_port.rfind(':') {
        Some(i) if valid_optional_port(&host_port[i..]) => (&host_port[..i], &host_port[i + 1..]),
        _ => (host_port, ""),
    }
}

/// Which part of a URL a string is escaped or unescaped for (Go's `encoding` modes).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    Path,
    Host,
    Zone,
    UserPassword,
    Fragment,
}

/// Go's `shouldEscape`.
fn should_escape(c: u8, mode: Mode) -> bool {
    if c.is_ascii_alphanumeric() {
        return false;
    }
    if matches!(mode, Mode::Host | Mode::Zone)
        && matches!(
            c,
            b'!' | b'$'
                | b'&'
                | b'\''
                | b'('
                | b')'
                | b'*'
                | b'+'
                | b','
                | b';'
                | b'='
                | b':'
                | b'['
                | b']'
                | b'<'
                | b'>'
                | b'"'
        )
    {
        return false;
    }
    match c {
        b'-' | b'_' | b'.' | b'~' => return false,
        b'$' | b'&' | b'+' | b',' | b'/' | b':' | b';' | b'=' | b'?' | b'@' => match mode {
            Mode::Path => return c == b'?',
            Mode::UserPassword => return matches!(c, b'@' | b'/' | b'?' | b':'),
            Mode::Fragment => return false,
            Mode::Host | Mode::Zone => {}
        },
        _ => {}
    }
    !(mode == Mode::Fragment && matches!(c, b'!' | b'(' | b')' | b'*'))
}

/// Go's `unescape`, with its errors: a malformed `%` escape, an escape a host may not use, a
/// character a host may not hold.
fn unescape(s: &str, mode: Mode) -> Result<String, String> {
    let b = s.as_bytes();
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' => {
                let ok =
                    i + 2 < b.len() && b[i + 1].is_ascii_hexdigit() && b[i + 2].is_ascii_hexdigit();
                if !ok {
                    let bad: String = String::from_utf8_lossy(&b[i..(i + 3).min(b.len())]).into();
                    return Err(format!("invalid URL escape {}", quote(&bad)));
                }
                if mode == Mode::Host && hex(b[i + 1]) < 8 && &s[i..i + 3] != "%25" {
                    return Err(format!("invalid URL escape {}", quote(&s[i..i + 3])));
                }
                if mode == Mode::Zone {
                    let v = hex(b[i + 1]) << 4 | hex(b[i + 2]);
                    if &s[i..i + 3] != "%25" && v != b' ' && should_escape(v, Mode::Host) {
                        return Err(format!("invalid URL escape {}", quote(&s[i..i + 3])));
                    }
                }
                i += 3;
            }
            c => {
                if matches!(mode, Mode::Host | Mode::Zone) && c < 0x80 && should_escape(c, mode) {
                    let bad = (c as char).to_string();
                    return Err(format!("invalid character {} in host name", quote(&bad)));
                }
                i += 1;
            }
        }
    }
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            out.push(hex(b[i + 1]) << 4 | hex(b[i + 2]));
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    // Go keeps the bytes as they are; invalid UTF-8 is shown with replacement characters.
    Ok(String::from_utf8(out).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into()))
}

fn hex(c: u8) -> u8 {
    match c {
        b'0'..=b'9' => c - b'0',
        b'a'..=b'f' => c - b'a' + 10,
        b'A'..=b'F' => c - b'A' + 10,
        _ => 0,
    }
}

/// Go's `escape` for the modes that never turn spaces into `+`.
fn escape(s: &str, mode: Mode) -> String {
    let mut out = String::with_capacity(s.len());
    for &c in s.as_bytes() {
        if should_escape(c, mode) {
            out.push_str(&format!("%{c:02X}"));
        } else {
            out.push(c as char);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_urls_like_go() {
        let u = parse("HTTPS://alice:s%40cret@example.com:8443/a%20b?x=1#frag%21").unwrap();
        assert_eq!(u.scheme, "https");
        assert_eq!(u.host, "example.com:8443");
        assert_eq!((u.hostname(), u.port()), ("example.com", "8443"));
        assert_eq!(
            u.user,
            Some(UserInfo { username: "alice".into(), password: Some("s@cret".into()) })
        );
        assert_eq!(u.user.as_ref().unwrap().to_string(), "alice:s%40cret");
        assert_eq!((u.path.as_str(), u.raw_query.as_str()), ("/a b", "x=1"));
        assert_eq!(u.fragment, "frag!");
        let v6 = parse("https://[fd00::1]:443/").unwrap();
        assert_eq!(
            (v6.host.as_str(), v6.hostname(), v6.port()),
            ("[fd00::1]:443", "fd00::1", "443")
        );
        assert_eq!(parse("mailto:x@y").unwrap().opaque, "x@y");
        assert_eq!(parse("/just/a/path").unwrap().path, "/just/a/path");
        assert_eq!(parse("https:///nohost").unwrap().host, "");
        assert_eq!(parse("http://u@h").unwrap().user.unwrap().to_string(), "u");
    }

    #[test]
    fn parse_errors_read_as_go_writes_them() {
        let err = |raw: &str| parse(raw).unwrap_err();
        assert_eq!(err("://x"), "missing protocol scheme");
        assert_eq!(err("1.2.3.4:80"), "first path segment in URL cannot contain colon");
        assert_eq!(err("http://h:abc"), "invalid port \":abc\" after host");
        assert_eq!(err("http://[::1"), "missing ']' in host");
        assert_eq!(err("http://a b@h"), "net/url: invalid userinfo");
        assert_eq!(err("http://h%zz"), "invalid URL escape \"%zz\"");
        assert_eq!(err("http://a b"), "invalid character \" \" in host name");
        assert_eq!(err("http://h%2f"), "invalid URL escape \"%2f\"");
        assert_eq!(err("http://h/%"), "invalid URL escape \"%\"");
        assert_eq!(err("http://h\n"), "net/url: invalid control character in URL");
        assert_eq!(
            parse_error("http://a b", &err("http://a b")),
            "parse \"http://a b\": invalid character \" \" in host name"
        );
    }
}
