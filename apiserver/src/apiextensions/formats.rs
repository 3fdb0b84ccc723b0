//! The string formats custom resource schemas may name (upstream's supported formats and
//! kube-openapi's `strfmt` checks). Other formats are ignored, as upstream strips them.

use std::net::Ipv6Addr;
use std::sync::OnceLock;

use apimachinery::validation::parse_ip_sloppy;
use regex::Regex;

/// A format's name as the registry keys it (`date-time` is `datetime`).
fn normalize(name: &str) -> String {
    name.replace('-', "")
}

/// Whether a schema's `format` is one upstream validates (the rest are dropped).
pub fn supported(format: &str) -> bool {
    matches!(
        normalize(format).as_str(),
        "bsonobjectid"
            | "uri"
            | "email"
            | "hostname"
            | "ipv4"
            | "ipv6"
            | "cidr"
            | "mac"
            | "uuid"
            | "uuid3"
            | "uuid4"
            | "uuid5"
            | "isbn"
            | "isbn10"
            | "isbn13"
            | "creditcard"
            | "ssn"
            | "hexcolor"
            | "rgbcolor"
            | "byte"
            | "password"
            | "date"
            | "duration"
            | "datetime"
            | "k8sshortname"
            | "k8slongname"
    )
}

fn re(cell: &'static OnceLock<Regex>, pattern: &str) -> &'static Regex {
    cell.get_or_init(|| Regex::new(pattern).unwrap_or_else(|_| Regex::new("$^").expect("empty")))
}

macro_rules! pattern {
    ($name:ident, $re:expr) => {
        fn $name() -> &'static Regex {
            static CELL: OnceLock<Regex> = OnceLock::new();
            re(&CELL, $re)
        }
    };
}

pattern!(
    hostname_re,
    r"^([a-zA-Z0-9\p{S}\p{L}]((-?[a-zA-Z0-9\p{S}\p{L}]{0,62})?)|([a-zA-Z0-9\p{S}\p{L}](([a-zA-Z0-9\-\p{S}\p{L}]{0,61}[a-zA-Z0-9\p{S}\p{L}])?)(\.)){1,}([a-zA-Z\p{L}]){2,63})$"
);
pattern!(uuid_re, r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
pattern!(uuid3_re, r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?3[0-9a-f]{3}-?[0-9a-f]{4}-?[0-9a-f]{12}$");
pattern!(
    uuid4_re,
    r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?4[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"
);
pattern!(
    uuid5_re,
    r"(?i)^[0-9a-f]{8}-?[0-9a-f]{4}-?5[0-9a-f]{3}-?[89ab][0-9a-f]{3}-?[0-9a-f]{12}$"
);
pattern!(
    credit_card_re,
    r"^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35[0-9]{3})[0-9]{11})$"
);
pattern!(hexcolor_re, r"^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$");
pattern!(
    rgbcolor_re,
    r"^rgb\(\s*(0|[1-9][0-9]?|1[0-9][0-9]?|2[0-4][0-9]|25[0-5])\s*,\s*(0|[1-9][0-9]?|1[0-9][0-9]?|2[0-4][0-9]|25[0-5])\s*,\s*(0|[1-9][0-9]?|1[0-9][0-9]?|2[0-4][0-9]|25[0-5])\s*\)$"
);
pattern!(
    base64_re,
    r"^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{4})$"
);
pattern!(ssn_re, r"^[0-9]{3}[- ]?[0-9]{2}[- ]?[0-9]{4}$");
pattern!(date_time_re, r"^([0-9]{2}):([0-9]{2}):([0-9]{2})(.[0-9]+)?(z|([+-][0-9]{2}:[0-9]{2}))$");
pattern!(duration_re, r"(([0-9]+)\s*([A-Za-zµ]+))");
pattern!(short_name_re, r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$");
pattern!(long_name_re, r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$");

/// Whether `data` is valid for `format` (which must be [`supported`]).
pub fn validates(format: &str, data: &str) -> bool {
    match normalize(format).as_str() {
        "bsonobjectid" => data.len() == 24 && data.bytes().all(|b| b.is_ascii_hexdigit()),
        "uri" => is_request_uri(data),
        "email" => is_email(data),
        "hostname" => is_hostname(data),
        "ipv4" => parse_ip_sloppy(data).is_some() && data.contains('.'),
        "ipv6" => data.parse::<Ipv6Addr>().is_ok() && data.contains(':'),
        "cidr" => is_cidr(data),
        "mac" => is_mac(data),
        "uuid" => uuid_re().is_match(data),
        "uuid3" => uuid3_re().is_match(data),
        "uuid4" => uuid4_re().is_match(data),
        "uuid5" => uuid5_re().is_match(data),
        "isbn" => is_isbn10(data) || is_isbn13(data),
        "isbn10" => is_isbn10(data),
        "isbn13" => is_isbn13(data),
        "creditcard" => is_credit_card(data),
        "ssn" => data.len() == 11 && ssn_re().is_match(data),
        "hexcolor" => hexcolor_re().is_match(data),
        "rgbcolor" => rgbcolor_re().is_match(data),
        "byte" => base64_re().is_match(data),
        "password" => true,
        "date" => is_date(data),
        "datetime" => is_date_time(data),
        "duration" => is_duration(data),
        "k8sshortname" => data.len() <= 63 && short_name_re().is_match(data),
        "k8slongname" => data.len() <= 253 && long_name_re().is_match(data),
        _ => true,
    }
}

fn is_hostname(s: &str) -> bool {
    hostname_re().is_match(s) && s.len() <= 255 && s.split('.').all(|p| p.len() <= 63)
}

fn is_cidr(s: &str) -> bool {
    let Some((ip, prefix)) = s.split_once('/') else { return false };
    let max = if ip.contains(':') { 128 } else { 32 };
    let prefix_ok = !prefix.is_empty()
        && prefix.len() <= 3
        && prefix.bytes().all(|b| b.is_ascii_digit())
        && prefix.parse::<u32>().is_ok_and(|p| p <= max);
    prefix_ok && parse_ip_sloppy(ip).is_some()
}

/// Go's `net.ParseMAC`: 6, 8 or 20 octets separated by `:` or `-`, or dotted groups of four.
fn is_mac(s: &str) -> bool {
    let hex = |p: &str, n: usize| p.len() == n && p.bytes().all(|b| b.is_ascii_hexdigit());
    let count_ok = |n: usize| n == 6 || n == 8 || n == 20;
    if s.len() >= 14 && s.as_bytes().get(4) == Some(&b'.') {
        let groups: Vec<&str> = s.split('.').collect();
        return count_ok(groups.len() * 2) && groups.iter().all(|g| hex(g, 4));
    }
    for sep in [':', '-'] {
        if s.as_bytes().get(2) == Some(&(sep as u8)) {
            let groups: Vec<&str> = s.split(sep).collect();
            return count_ok(groups.len()) && groups.iter().all(|g| hex(g, 2));
        }
    }
    false
}

/// Go's `url.ParseRequestURI`: an absolute URI or an absolute path, without spaces or
/// control characters.
fn is_request_uri(s: &str) -> bool {
    if s.is_empty() || s.chars().any(|c| c.is_control() || c == ' ') {
        return false;
    }
    let rest = s.split('#').next().unwrap_or(s);
    if rest.starts_with('/') {
        return true;
    }
    match rest.split_once(':') {
        Some((scheme, _)) => {
            let mut chars = scheme.chars();
            chars.next().is_some_and(|c| c.is_ascii_alphabetic())
                && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'))
        }
        None => false,
    }
}

/// `net/mail.ParseAddress` accepting `local@domain` or `Name <local@domain>`.
fn is_email(s: &str) -> bool {
    let addr = match (s.rfind('<'), s.ends_with('>')) {
        (Some(i), true) => &s[i + 1..s.len() - 1],
        _ => s.trim(),
    };
    let Some((local, domain)) = addr.rsplit_once('@') else { return false };
    let ok = |p: &str| {
        !p.is_empty()
            && !p.starts_with('.')
            && !p.ends_with('.')
            && !p.contains("..")
            && p.chars()
                .all(|c| !c.is_whitespace() && !c.is_control() && !"<>()[]\\,;:\"@".contains(c))
    };
    ok(local) && ok(domain)
}

fn is_isbn10(s: &str) -> bool {
    let d: Vec<u8> = s.bytes().filter(|b| *b != b'-' && !b.is_ascii_whitespace()).collect();
    if d.len() != 10
        || !d[..9].iter().all(u8::is_ascii_digit)
        || !(d[9].is_ascii_digit() || d[9] == b'X')
    {
        return false;
    }
    let mut sum: u32 =
        d[..9].iter().enumerate().map(|(i, b)| (i as u32 + 1) * u32::from(b - b'0')).sum();
    sum += 10 * if d[9] == b'X' { 10 } else { u32::from(d[9] - b'0') };
    sum.is_multiple_of(11)
}

fn is_isbn13(s: &str) -> bool {
    let d: Vec<u8> = s.bytes().filter(|b| *b != b'-' && !b.is_ascii_whitespace()).collect();
    if d.len() != 13 || !d.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 =
        d[..12].iter().enumerate().map(|(i, b)| [1, 3][i % 2] * u32::from(b - b'0')).sum();
    u32::from(d[12] - b'0') == (10 - sum % 10) % 10
}

fn is_credit_card(s: &str) -> bool {
    let digits: String = s.chars().filter(char::is_ascii_digit).collect();
    if !credit_card_re().is_match(&digits) {
        return false;
    }
    let mut sum = 0;
    for (i, b) in digits.bytes().rev().enumerate() {
        let mut n = u32::from(b - b'0');
        if i % 2 == 1 {
            n *= 2;
            if n >= 10 {
                n = n % 10 + 1;
            }
        }
        sum += n;
    }
    sum.is_multiple_of(10)
}

/// `time.Parse("2006-01-02", s)`.
fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return false;
    }
    let num = |r: std::ops::Range<usize>| -> Option<i32> {
        let part = &s[r];
        part.bytes().all(|c| c.is_ascii_digit()).then(|| part.parse().ok()).flatten()
    };
    match (num(0..4), num(5..7), num(8..10)) {
        (Some(y), Some(m), Some(d)) => {
            let (Ok(y), Ok(m), Ok(d)) = (i16::try_from(y), i8::try_from(m), i8::try_from(d)) else {
                return false;
            };
            jiff::civil::Date::new(y, m, d).is_ok()
        }
        _ => false,
    }
}

/// kube-openapi's `IsDateTime`: a date, a `t`, and a time with an offset.
fn is_date_time(s: &str) -> bool {
    if s.len() < 4 {
        return false;
    }
    let lower = s.to_lowercase();
    let parts: Vec<&str> = lower.split('t').collect();
    if parts.len() < 2 || !is_date(parts[0]) {
        return false;
    }
    let Some(c) = date_time_re().captures(parts[1]) else { return false };
    let g = |i: usize| c.get(i).map(|m| m.as_str()).unwrap_or("");
    g(1) <= "23" && g(2) <= "59" && g(3) <= "59"
}

/// Go's `time.ParseDuration`.
fn parse_go_duration(s: &str) -> bool {
    apimachinery::gofmt::parse_duration(s).is_some()
}

/// kube-openapi's `ParseDuration`: Go's syntax, or numbers with (Scala-like) unit words.
fn is_duration(s: &str) -> bool {
    if parse_go_duration(s) {
        return true;
    }
    const UNITS: &[&[&str]] = &[
        &["ns", "nano"],
        &["us", "µs", "micro"],
        &["ms", "milli"],
        &["s", "sec"],
        &["m", "min"],
        &["h", "hr", "hour"],
        &["d", "day"],
        &["w", "wk", "week"],
    ];
    duration_re().captures_iter(s).any(|c| {
        let unit = c.get(3).map(|m| m.as_str().trim().to_lowercase()).unwrap_or_default();
        UNITS.iter().any(|variants| {
            let last = variants.len() - 1;
            variants
                .iter()
                .enumerate()
                .any(|(i, v)| (i == last && unit.starts_with(v)) || unit.eq_ignore_ascii_case(v))
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_strfmt() {
        let cases: &[(&str, &str, bool)] = &[
            ("date-time", "2024-01-02T03:04:05Z", true),
            ("date-time", "2024-01-02T03:04:05.123+01:00", true),
            ("date-time", "2024-01-02 03:04:05", false),
            ("date-time", "2024-13-02T03:04:05Z", false),
            ("date", "2024-02-29", true),
            ("date", "2023-02-29", false),
            ("byte", "aGVsbG8=", true),
            ("byte", "not base64!", false),
            ("byte", "", false),
            ("ipv4", "10.0.0.1", true),
            ("ipv4", "010.0.0.1", true),
            ("ipv4", "::1", false),
            ("ipv6", "::1", true),
            ("ipv6", "10.0.0.1", false),
            ("cidr", "10.0.0.0/8", true),
            ("cidr", "10.0.0.0/33", false),
            ("mac", "00:1a:2b:3c:4d:5e", true),
            ("mac", "001a.2b3c.4d5e", true),
            ("mac", "00:1a:2b", false),
            ("uuid", "123e4567-e89b-12d3-a456-426614174000", true),
            ("uuid4", "123e4567-e89b-12d3-a456-426614174000", false),
            ("hostname", "example.com", true),
            ("hostname", "-bad", false),
            ("uri", "https://example.com/x", true),
            ("uri", "relative/path", false),
            ("email", "a@b.example", true),
            ("email", "nope", false),
            ("isbn10", "0321751043", true),
            ("isbn13", "978-0321751041", true),
            ("isbn13", "978-0321751042", false),
            ("creditcard", "4111 1111 1111 1111", true),
            ("creditcard", "4111 1111 1111 1112", false),
            ("ssn", "123-45-6789", true),
            ("ssn", "123456789", false),
            ("hexcolor", "#fff", true),
            ("rgbcolor", "rgb(1, 2, 255)", true),
            ("rgbcolor", "rgb(1, 2, 256)", false),
            ("duration", "1h30m", true),
            ("duration", "3 days", true),
            ("duration", "soon", false),
            ("bsonobjectid", "507f1f77bcf86cd799439011", true),
            ("k8s-short-name", "my-name", true),
            ("k8s-short-name", "My-Name", false),
            ("k8s-long-name", "a.b-c.d", true),
        ];
        for (format, data, ok) in cases {
            assert!(supported(format), "{format}");
            assert_eq!(validates(format, data), *ok, "{format} {data:?}");
        }
        assert!(!supported("int32"));
        assert!(!supported("int64"));
        assert!(!supported("float"));
    }
}
