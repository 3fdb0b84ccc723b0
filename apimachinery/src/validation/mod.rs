//! String-format validators shared by every API type (k8s.io/apimachinery `pkg/util/validation`,
//! `pkg/api/validate/content`, the name validators of `pkg/api/validation` and the label and
//! annotation checks of `pkg/apis/meta/v1/validation`).
//!
//! Each `is_*` function returns the list of problems with its input, in upstream's exact wording,
//! and an empty list when the input is valid. Attaching a field path to those messages is the
//! caller's business; the few checks that need several fields report [`Issue`]s with a path
//! relative to the value they were given.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

mod ip;
#[cfg(test)]
mod tests;

pub use ip::{cidr_is_ipv4, is_valid_cidr, is_valid_ip, parse_cidr_sloppy, parse_ip_sloppy};

/// Maximum length of a DNS (RFC 1123) label.
pub const DNS1123_LABEL_MAX_LENGTH: usize = 63;
/// Maximum length of a DNS (RFC 1123) subdomain.
pub const DNS1123_SUBDOMAIN_MAX_LENGTH: usize = 253;
/// Maximum length of a DNS (RFC 1035) label.
pub const DNS1035_LABEL_MAX_LENGTH: usize = 63;
/// Maximum length of a label value, and of the name part of a label key.
pub const LABEL_VALUE_MAX_LENGTH: usize = 63;
/// Maximum total size in bytes of an object's annotations (keys plus values): 256 KiB.
pub const TOTAL_ANNOTATION_SIZE_LIMIT_B: usize = 256 * (1 << 10);

const DNS1123_LABEL_FMT: &str = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
const DNS1123_LABEL_ERR_MSG: &str = "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_FMT: &str =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
const DNS1123_SUBDOMAIN_UNDERSCORE_FMT: &str =
    "_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?(\\._?[a-z0-9]([-_a-z0-9]*[a-z0-9])?)*";
const DNS1123_SUBDOMAIN_UNDERSCORE_ERR_MSG: &str = "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '_', '-' or '.', and must start and end with an alphanumeric character";
const DNS1035_LABEL_FMT: &str = "[a-z]([-a-z0-9]*[a-z0-9])?";
const DNS1035_LABEL_ERR_MSG: &str = "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an alphabetic character, and end with an alphanumeric character";
const WILDCARD_DNS1123_SUBDOMAIN_FMT: &str =
    "\\*\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
const WILDCARD_DNS1123_SUBDOMAIN_ERR_MSG: &str = "a wildcard DNS-1123 subdomain must start with '*.', followed by a valid DNS subdomain, which must consist of lower case alphanumeric characters, '-' or '.' and end with an alphanumeric character";
const LABEL_KEY_FMT: &str = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
const LABEL_KEY_ERR_MSG: &str = "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const LABEL_VALUE_FMT: &str = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";
const LABEL_VALUE_ERR_MSG: &str = "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
const C_IDENTIFIER_FMT: &str = "[A-Za-z_][A-Za-z0-9_]*";
const C_IDENTIFIER_ERR_MSG: &str = "a valid C identifier must start with alphabetic character or '_', followed by a string of alphanumeric characters or '_'";
const PERCENT_FMT: &str = "[0-9]+%";
const PERCENT_ERR_MSG: &str =
    "a valid percent string must be a numeric string followed by an ending '%'";
const HTTP_HEADER_NAME_FMT: &str = "[-A-Za-z0-9]+";
const HTTP_HEADER_NAME_ERR_MSG: &str =
    "a valid HTTP header must consist of alphanumeric characters or '-'";
const ENV_VAR_NAME_FMT: &str = "[-._a-zA-Z][-._a-zA-Z0-9]*";
const ENV_VAR_NAME_ERR_MSG: &str = "a valid environment variable name must consist of alphabetic characters, digits, '_', '-', or '.', and must not start with a digit";
const RELAXED_ENV_VAR_NAME_ERR_MSG: &str = "a valid environment variable name must consist only of printable ASCII characters other than '='";
const CONFIG_MAP_KEY_FMT: &str = "[-._a-zA-Z0-9]+";
const CONFIG_MAP_KEY_ERR_MSG: &str =
    "a valid config key must consist of alphanumeric characters, '-', '_' or '.'";
const DECIMAL_INTEGER_ERR_MSG: &str = "must be a valid decimal integer in canonical form";

// ---------------------------------------------------------------------------------------------
// Message builders.

/// The "string too long" message of `pkg/util/validation`: `must be no more than N characters`.
pub fn max_len_error(length: usize) -> String {
    format!("must be no more than {length} characters")
}

/// The "string too long" message of `pkg/api/validate/content` (label keys and values):
/// `must be no more than N bytes`.
pub fn max_len_bytes_error(length: usize) -> String {
    format!("must be no more than {length} bytes")
}

/// The message for a value that does not match a format, naming the regular expression that
/// documents the format and, when given, some valid examples.
pub fn regex_error(msg: &str, fmt: &str, examples: &[&str]) -> String {
    if examples.is_empty() {
        return format!("{msg} (regex used for validation is '{fmt}')");
    }
    let mut out = String::with_capacity(msg.len() + fmt.len() + 64);
    out.push_str(msg);
    out.push_str(" (e.g. ");
    for (i, example) in examples.iter().enumerate() {
        if i > 0 {
            out.push_str(" or ");
        }
        out.push('\'');
        out.push_str(example);
        out.push_str("', ");
    }
    out.push_str("regex used for validation is '");
    out.push_str(fmt);
    out.push_str("')");
    out
}

/// The "must not be empty" message: `must be non-empty`.
pub fn empty_error() -> String {
    "must be non-empty".to_string()
}

/// The "must be between" message: `must be between LO and HI, inclusive`.
pub fn inclusive_range_error(lo: i64, hi: i64) -> String {
    format!("must be between {lo} and {hi}, inclusive")
}

// ---------------------------------------------------------------------------------------------
// Hand-written matchers for the formats above. They work on bytes because every format is pure
// ASCII: any byte of a multi-byte character fails every class, exactly as the regexes do.

fn is_lower_alnum(b: u8) -> bool {
    b.is_ascii_lowercase() || b.is_ascii_digit()
}

/// `[a-z0-9]([-a-z0-9]*[a-z0-9])?`
fn matches_dns1123_label(s: &[u8]) -> bool {
    match (s.first(), s.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first)
                && is_lower_alnum(last)
                && s.iter().all(|&b| is_lower_alnum(b) || b == b'-')
        }
        _ => false,
    }
}

/// `L(\.L)*` where L is a DNS-1123 label.
fn matches_dns1123_subdomain(s: &[u8]) -> bool {
    s.split(|&b| b == b'.').all(matches_dns1123_label)
}

/// `_?[a-z0-9]([-_a-z0-9]*[a-z0-9])?`
fn matches_dns1123_label_with_underscore(s: &[u8]) -> bool {
    let rest = s.strip_prefix(b"_").unwrap_or(s);
    match (rest.first(), rest.last()) {
        (Some(&first), Some(&last)) => {
            is_lower_alnum(first)
                && is_lower_alnum(last)
                && rest.iter().all(|&b| is_lower_alnum(b) || b == b'-' || b == b'_')
        }
        _ => false,
    }
}

/// `[a-z]([-a-z0-9]*[a-z0-9])?`
fn matches_dns1035_label(s: &[u8]) -> bool {
    matches!(s.first(), Some(b) if b.is_ascii_lowercase()) && matches_dns1123_label(s)
}

/// `([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]`
fn matches_label_key_name(s: &[u8]) -> bool {
    match (s.first(), s.last()) {
        (Some(first), Some(last)) => {
            first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && s.iter().all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

// ---------------------------------------------------------------------------------------------
// DNS names.

fn dns1123_label_bytes(value: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_LABEL_MAX_LENGTH));
    }
    if !matches_dns1123_label(value) {
        if matches_dns1123_subdomain(value) {
            // A valid subdomain that is not a valid label can only be failing on its dots.
            errs.push("must not contain dots".to_string());
        } else {
            errs.push(regex_error(
                DNS1123_LABEL_ERR_MSG,
                DNS1123_LABEL_FMT,
                &["my-name", "123-abc"],
            ));
        }
    }
    errs
}

fn dns1123_subdomain_bytes(value: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !matches_dns1123_subdomain(value) {
        errs.push(regex_error(DNS1123_SUBDOMAIN_ERR_MSG, DNS1123_SUBDOMAIN_FMT, &["example.com"]));
    }
    errs
}

fn dns1035_label_bytes(value: &[u8]) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1035_LABEL_MAX_LENGTH {
        errs.push(max_len_error(DNS1035_LABEL_MAX_LENGTH));
    }
    if !matches_dns1035_label(value) {
        errs.push(regex_error(DNS1035_LABEL_ERR_MSG, DNS1035_LABEL_FMT, &["my-name", "abc-123"]));
    }
    errs
}

/// Checks a DNS label as RFC 1123 defines it (lower case, at most 63 characters): the format of
/// namespace names and of many other object names.
pub fn is_dns1123_label(value: &str) -> Vec<String> {
    dns1123_label_bytes(value.as_bytes())
}

/// Checks a DNS subdomain as RFC 1123 defines it (dot-separated labels, at most 253
/// characters): the format of most object names.
pub fn is_dns1123_subdomain(value: &str) -> Vec<String> {
    dns1123_subdomain_bytes(value.as_bytes())
}

/// Checks a DNS subdomain whose labels may also contain `_` (and start with one).
pub fn is_dns1123_subdomain_with_underscore(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    if !value.as_bytes().split(|&b| b == b'.').all(matches_dns1123_label_with_underscore) {
        errs.push(regex_error(
            DNS1123_SUBDOMAIN_UNDERSCORE_ERR_MSG,
            DNS1123_SUBDOMAIN_UNDERSCORE_FMT,
            &["example.com"],
        ));
    }
    errs
}

/// Checks a DNS label as RFC 1035 defines it (like RFC 1123, but starting with a letter): the
/// format of service names.
pub fn is_dns1035_label(value: &str) -> Vec<String> {
    dns1035_label_bytes(value.as_bytes())
}

/// Checks a wildcard DNS subdomain (RFC 1034 section 4.3.3): `*.` followed by a subdomain.
pub fn is_wildcard_dns1123_subdomain(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    let ok = value.as_bytes().strip_prefix(b"*.").is_some_and(matches_dns1123_subdomain);
    if !ok {
        errs.push(regex_error(
            WILDCARD_DNS1123_SUBDOMAIN_ERR_MSG,
            WILDCARD_DNS1123_SUBDOMAIN_FMT,
            &["*.example.com"],
        ));
    }
    errs
}

// ---------------------------------------------------------------------------------------------
// Labels and other Kubernetes-specific formats.

/// Checks a "qualified name", the format of label keys, annotation keys (case-insensitively)
/// and finalizers: an optional DNS subdomain prefix and `/`, then a name of at most 63
/// alphanumeric, `-`, `_` or `.` characters starting and ending with an alphanumeric.
pub fn is_qualified_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    let parts: Vec<&str> = value.split('/').collect();
    let name = match parts.as_slice() {
        [name] => *name,
        [prefix, name] => {
            if prefix.is_empty() {
                errs.push(format!("prefix part {}", empty_error()));
            } else {
                errs.extend(
                    is_dns1123_subdomain(prefix).into_iter().map(|m| format!("prefix part {m}")),
                );
            }
            *name
        }
        _ => {
            errs.push(format!(
                "a valid label key {} with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')",
                regex_error(
                    LABEL_KEY_ERR_MSG,
                    LABEL_KEY_FMT,
                    &["MyName", "my.name", "123-abc"]
                )
            ));
            return errs;
        }
    };
    if name.is_empty() {
        errs.push(format!("name part {}", empty_error()));
    } else if name.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(format!("name part {}", max_len_bytes_error(LABEL_VALUE_MAX_LENGTH)));
    }
    if !matches_label_key_name(name.as_bytes()) {
        errs.push(format!(
            "name part {}",
            regex_error(LABEL_KEY_ERR_MSG, LABEL_KEY_FMT, &["MyName", "my.name", "123-abc"])
        ));
    }
    errs
}

/// Checks a label key; the same format as [`is_qualified_name`].
pub fn is_label_key(value: &str) -> Vec<String> {
    is_qualified_name(value)
}

/// Checks a label value: empty, or at most 63 alphanumeric, `-`, `_` or `.` characters starting
/// and ending with an alphanumeric.
pub fn is_valid_label_value(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > LABEL_VALUE_MAX_LENGTH {
        errs.push(max_len_bytes_error(LABEL_VALUE_MAX_LENGTH));
    }
    if !value.is_empty() && !matches_label_key_name(value.as_bytes()) {
        errs.push(regex_error(
            LABEL_VALUE_ERR_MSG,
            LABEL_VALUE_FMT,
            &["MyValue", "my_value", "12345"],
        ));
    }
    errs
}

/// Checks a C identifier (`[A-Za-z_][A-Za-z0-9_]*`); the length is not checked.
pub fn is_c_identifier(value: &str) -> Vec<String> {
    let b = value.as_bytes();
    let ok = matches!(b.first(), Some(f) if f.is_ascii_alphabetic() || *f == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_');
    if ok {
        Vec::new()
    } else {
        vec![regex_error(C_IDENTIFIER_ERR_MSG, C_IDENTIFIER_FMT, &["my_name", "MY_NAME", "MyName"])]
    }
}

/// Checks a port number: 1 to 65535.
pub fn is_valid_port_num(port: i64) -> Vec<String> {
    is_in_range(port, 1, 65535)
}

/// Checks that `value` lies in `min..=max`.
pub fn is_in_range(value: i64, min: i64, max: i64) -> Vec<String> {
    if (min..=max).contains(&value) { Vec::new() } else { vec![inclusive_range_error(min, max)] }
}

/// Checks a Unix group ID: 0 to 2147483647.
pub fn is_valid_group_id(gid: i64) -> Vec<String> {
    is_in_range(gid, 0, i64::from(i32::MAX))
}

/// Checks a Unix user ID: 0 to 2147483647.
pub fn is_valid_user_id(uid: i64) -> Vec<String> {
    is_in_range(uid, 0, i64::from(i32::MAX))
}

/// Checks a named port (an IANA service name, lower case only): at most 15 characters of
/// `[-a-z0-9]` with at least one letter, no leading, trailing or doubled hyphen.
pub fn is_valid_port_name(port: &str) -> Vec<String> {
    let b = port.as_bytes();
    let mut errs = Vec::new();
    if b.len() > 15 {
        errs.push(max_len_error(15));
    }
    if b.is_empty() || !b.iter().all(|&c| is_lower_alnum(c) || c == b'-') {
        errs.push(
            "must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)".to_string(),
        );
    }
    if !b.iter().any(u8::is_ascii_lowercase) {
        errs.push("must contain at least one letter (a-z)".to_string());
    }
    if port.contains("--") {
        errs.push("must not contain consecutive hyphens".to_string());
    }
    if b.first() == Some(&b'-') || b.last() == Some(&b'-') {
        errs.push("must not begin or end with a hyphen".to_string());
    }
    errs
}

/// Checks a percentage string: digits followed by `%`.
pub fn is_valid_percent(percent: &str) -> Vec<String> {
    let ok = percent
        .strip_suffix('%')
        .is_some_and(|digits| !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()));
    if ok { Vec::new() } else { vec![regex_error(PERCENT_ERR_MSG, PERCENT_FMT, &["1%", "93%"])] }
}

/// Checks an HTTP header field name (alphanumerics and `-`).
pub fn is_http_header_name(value: &str) -> Vec<String> {
    let ok = !value.is_empty() && value.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if ok {
        Vec::new()
    } else {
        vec![regex_error(HTTP_HEADER_NAME_ERR_MSG, HTTP_HEADER_NAME_FMT, &["X-Header-Name"])]
    }
}

fn has_chdir_prefix(value: &str) -> Option<String> {
    if value == "." {
        Some("must not be '.'".to_string())
    } else if value == ".." {
        Some("must not be '..'".to_string())
    } else if value.starts_with("..") {
        Some("must not start with '..'".to_string())
    } else {
        None
    }
}

/// Checks a (strict) environment variable name: `[-._a-zA-Z][-._a-zA-Z0-9]*`, and not `.`,
/// `..` or starting with `..`.
pub fn is_env_var_name(value: &str) -> Vec<String> {
    let b = value.as_bytes();
    let is_char = |c: &u8| c.is_ascii_alphabetic() || matches!(c, b'-' | b'.' | b'_');
    let mut errs = Vec::new();
    let ok = b.first().is_some_and(is_char) && b.iter().all(|c| is_char(c) || c.is_ascii_digit());
    if !ok {
        errs.push(regex_error(
            ENV_VAR_NAME_ERR_MSG,
            ENV_VAR_NAME_FMT,
            &["my.env-name", "MY_ENV.NAME", "MyEnvName1"],
        ));
    }
    errs.extend(has_chdir_prefix(value));
    errs
}

/// Checks a relaxed environment variable name: non-empty printable ASCII without `=`.
pub fn is_relaxed_env_var_name(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.is_empty() {
        errs.push(format!("environment variable name {}", empty_error()));
    }
    if value.chars().any(|c| !(' '..='~').contains(&c) || c == '=') {
        errs.push(RELAXED_ENV_VAR_NAME_ERR_MSG.to_string());
    }
    errs
}

/// Checks a ConfigMap or Secret key: at most 253 characters of `[-._a-zA-Z0-9]`, and not `.`,
/// `..` or starting with `..`.
pub fn is_config_map_key(value: &str) -> Vec<String> {
    let mut errs = Vec::new();
    if value.len() > DNS1123_SUBDOMAIN_MAX_LENGTH {
        errs.push(max_len_error(DNS1123_SUBDOMAIN_MAX_LENGTH));
    }
    let ok = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_'));
    if !ok {
        errs.push(regex_error(
            CONFIG_MAP_KEY_ERR_MSG,
            CONFIG_MAP_KEY_FMT,
            &["key.name", "KEY_NAME", "key-name"],
        ));
    }
    errs.extend(has_chdir_prefix(value));
    errs
}

/// Checks a decimal integer in canonical form: `0`, or an optional `-` then a non-zero digit
/// followed by digits.
pub fn is_decimal_integer(value: &str) -> Vec<String> {
    let b = value.as_bytes();
    if b.is_empty() {
        return vec![empty_error()];
    }
    let digits = b.strip_prefix(b"-").unwrap_or(b);
    let ok = match digits.first() {
        Some(b'0') => b == b"0",
        Some(b'1'..=b'9') => digits.iter().all(u8::is_ascii_digit),
        _ => false,
    };
    if ok { Vec::new() } else { vec![DECIMAL_INTEGER_ERR_MSG.to_string()] }
}

/// Checks that a name can be used as one segment of a URL path: not `.` or `..`, and without
/// `/` or `%`.
pub fn is_valid_path_segment_name(name: &str) -> Vec<String> {
    if name == "." || name == ".." {
        return vec![format!("may not be '{name}'")];
    }
    is_valid_path_segment_prefix(name)
}

/// Checks that a name prefix (a `generateName`) can start a URL path segment: without `/` or `%`.
pub fn is_valid_path_segment_prefix(name: &str) -> Vec<String> {
    ["/", "%"]
        .iter()
        .filter(|bad| name.contains(*bad))
        .map(|bad| format!("may not contain '{bad}'"))
        .collect()
}

/// Path-segment name validation with the `generateName` prefix flag, as
/// [`ValidateNameFn`] expects.
pub fn validate_path_segment_name(name: &str, prefix: bool) -> Vec<String> {
    if prefix { is_valid_path_segment_prefix(name) } else { is_valid_path_segment_name(name) }
}

/// `IsFullyQualifiedName`: a DNS subdomain of at least three labels (`webhook.example.com`).
/// Its one issue is on the value itself.
pub fn is_fully_qualified_name(name: &str) -> Vec<Issue> {
    if name.is_empty() {
        return vec![Issue::required("", "")];
    }
    let errs = is_dns1123_subdomain(name);
    if !errs.is_empty() {
        return vec![Issue::invalid("", name, errs.join(","))];
    }
    if name.split('.').count() < 3 {
        return vec![Issue::invalid(
            "",
            name,
            "should be a domain with at least three segments separated by dots",
        )];
    }
    Vec::new()
}

const HTTP_PATH_FMT: &str = "[A-Za-z0-9/\\-._~%!$&'()*+,;=:]+";

/// `IsDomainPrefixedPath`: a DNS subdomain, `/`, and a non-empty HTTP path (`acme.io/foo`).
/// The issues are on the value itself; their values are the part at fault.
pub fn is_domain_prefixed_path(value: &str) -> Vec<Issue> {
    if value.is_empty() {
        return vec![Issue::required("", "")];
    }
    let Some((host, path)) = value.split_once('/').filter(|(h, p)| !h.is_empty() && !p.is_empty())
    else {
        return vec![Issue::invalid(
            "",
            value,
            "must be a domain-prefixed path (such as \"acme.io/foo\")",
        )];
    };
    let mut issues: Vec<Issue> =
        is_dns1123_subdomain(host).into_iter().map(|m| Issue::invalid("", host, m)).collect();
    let path_ok =
        path.chars().all(|c| c.is_ascii_alphanumeric() || "/-._~%!$&'()*+,;=:".contains(c));
    if !path_ok {
        issues.push(Issue::invalid("", path, regex_error("Invalid path", HTTP_PATH_FMT, &[])));
    }
    issues
}

// ---------------------------------------------------------------------------------------------
// Object names.

/// A name validator: given a name (or, when `prefix` is true, a `generateName` prefix, which
/// may end in `-`), the problems with it.
pub type ValidateNameFn = fn(name: &str, prefix: bool) -> Vec<String>;

/// A `generateName` prefix gets random characters appended, so a trailing `-` is allowed:
/// replace it (and the character before it, as upstream does) by a letter before validating.
fn mask_trailing_dash(name: &str) -> Vec<u8> {
    let b = name.as_bytes();
    if b.len() > 1 && b.ends_with(b"-") {
        let mut out = b[..b.len() - 2].to_vec();
        out.push(b'a');
        out
    } else {
        b.to_vec()
    }
}

/// Validates an object name that must be a DNS subdomain.
pub fn name_is_dns_subdomain(name: &str, prefix: bool) -> Vec<String> {
    if prefix {
        dns1123_subdomain_bytes(&mask_trailing_dash(name))
    } else {
        is_dns1123_subdomain(name)
    }
}

/// Validates an object name that must be a DNS (RFC 1123) label.
pub fn name_is_dns_label(name: &str, prefix: bool) -> Vec<String> {
    if prefix { dns1123_label_bytes(&mask_trailing_dash(name)) } else { is_dns1123_label(name) }
}

/// Validates an object name that must be a DNS-1035 label.
pub fn name_is_dns1035_label(name: &str, prefix: bool) -> Vec<String> {
    if prefix { dns1035_label_bytes(&mask_trailing_dash(name)) } else { is_dns1035_label(name) }
}

/// Validates a namespace name (a DNS label).
pub fn validate_namespace_name(name: &str, prefix: bool) -> Vec<String> {
    name_is_dns_label(name, prefix)
}

/// Validates a service account name (a DNS subdomain).
pub fn validate_service_account_name(name: &str, prefix: bool) -> Vec<String> {
    name_is_dns_subdomain(name, prefix)
}

// ---------------------------------------------------------------------------------------------
// Checks over several fields.

/// The kind of a validation problem; it matches upstream's field error types, so a caller can
/// turn an [`Issue`] into a field error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IssueKind {
    /// The value has a bad format (`Invalid value`).
    Invalid,
    /// A needed value is missing (`Required value`).
    Required,
    /// A value is given where none is allowed (`Forbidden`).
    Forbidden,
    /// The value is too long (`Too long`); its value is not echoed back.
    TooLong,
}

/// One validation problem found by a multi-field check.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Issue {
    /// What kind of problem this is.
    pub kind: IssueKind,
    /// Where, relative to the value that was checked, in field-path syntax (`matchLabels`,
    /// `matchExpressions[0].values[1]`); empty for the checked value itself.
    pub path: String,
    /// The offending value, for `Invalid` problems.
    pub value: Option<String>,
    /// The message (for `TooLong`, upstream's whole detail: `may not be more than N bytes`).
    pub detail: String,
}

impl Issue {
    fn required(path: impl Into<String>, detail: impl Into<String>) -> Self {
        Issue { kind: IssueKind::Required, path: path.into(), value: None, detail: detail.into() }
    }

    fn invalid(path: impl Into<String>, value: &str, detail: impl Into<String>) -> Self {
        Issue {
            kind: IssueKind::Invalid,
            path: path.into(),
            value: Some(value.to_string()),
            detail: detail.into(),
        }
    }
}

/// Fails when the annotations' keys and values together exceed
/// [`TOTAL_ANNOTATION_SIZE_LIMIT_B`], with upstream's message.
pub fn validate_annotations_size(annotations: &BTreeMap<String, String>) -> Result<(), String> {
    let total: usize = annotations.iter().map(|(k, v)| k.len() + v.len()).sum();
    if total > TOTAL_ANNOTATION_SIZE_LIMIT_B {
        return Err(format!(
            "annotations size {total} is larger than limit {TOTAL_ANNOTATION_SIZE_LIMIT_B}"
        ));
    }
    Ok(())
}

/// Checks an annotation key: a qualified name, case-insensitively.
pub fn validate_annotation_key(key: &str) -> Vec<String> {
    is_qualified_name(&key.to_lowercase())
}

/// Checks an object's annotations: every key (an `Invalid` issue per message, with the key as
/// value) and the total size (one `TooLong` issue). Paths are empty: the issues are about the
/// `annotations` field itself.
pub fn validate_annotations(annotations: &BTreeMap<String, String>) -> Vec<Issue> {
    let mut issues: Vec<Issue> = annotations
        .keys()
        .flat_map(|k| {
            validate_annotation_key(k).into_iter().map(move |msg| Issue::invalid("", k, msg))
        })
        .collect();
    if validate_annotations_size(annotations).is_err() {
        issues.push(Issue {
            kind: IssueKind::TooLong,
            path: String::new(),
            value: None,
            detail: format!("may not be more than {TOTAL_ANNOTATION_SIZE_LIMIT_B} bytes"),
        });
    }
    issues
}

/// Checks an object's labels: every key must be a qualified name and every value a valid label
/// value. Issues name the key or value as their value, with an empty path (the `labels` field).
pub fn validate_labels(labels: &BTreeMap<String, String>) -> Vec<Issue> {
    let mut issues = Vec::new();
    for (k, v) in labels {
        issues.extend(is_qualified_name(k).into_iter().map(|m| Issue::invalid("", k, m)));
        issues.extend(is_valid_label_value(v).into_iter().map(|m| Issue::invalid("", v, m)));
    }
    issues
}

/// Options for [`validate_label_selector`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LabelSelectorValidationOptions {
    /// Accept invalid label values in match expressions (for data persisted before the check).
    pub allow_invalid_label_value_in_selector: bool,
    /// Accept operators other than In, NotIn, Exists and DoesNotExist.
    pub allow_unknown_operator_in_requirement: bool,
}

/// Whether any match expression of the selector has an invalid label value.
pub fn label_selector_has_invalid_label_value(selector: Option<&LabelSelector>) -> bool {
    selector
        .and_then(|s| s.match_expressions.as_ref())
        .into_iter()
        .flatten()
        .flat_map(|e| e.values.iter().flatten())
        .any(|v| !is_valid_label_value(v).is_empty())
}

/// Checks a label selector as upstream's `ValidateLabelSelector`: the match labels, then each
/// match expression. Paths are relative to the selector (`matchLabels`,
/// `matchExpressions[0].key`, ...).
pub fn validate_label_selector(
    selector: Option<&LabelSelector>,
    opts: LabelSelectorValidationOptions,
) -> Vec<Issue> {
    let Some(selector) = selector else {
        return Vec::new();
    };
    let mut issues = Vec::new();
    if let Some(labels) = &selector.match_labels {
        issues.extend(validate_labels(labels).into_iter().map(|mut i| {
            i.path = "matchLabels".to_string();
            i
        }));
    }
    for (i, expr) in selector.match_expressions.iter().flatten().enumerate() {
        let base = format!("matchExpressions[{i}]");
        issues.extend(validate_label_selector_requirement(expr, opts).into_iter().map(
            |mut issue| {
                issue.path = format!("{base}.{}", issue.path);
                issue
            },
        ));
    }
    issues
}

/// Checks one label selector requirement. Paths are relative to the requirement (`key`,
/// `operator`, `values`, `values[0]`).
pub fn validate_label_selector_requirement(
    req: &LabelSelectorRequirement,
    opts: LabelSelectorValidationOptions,
) -> Vec<Issue> {
    let mut issues = Vec::new();
    let values = req.values.as_deref().unwrap_or_default();
    match req.operator.as_str() {
        "In" | "NotIn" => {
            if values.is_empty() {
                issues.push(Issue {
                    kind: IssueKind::Required,
                    path: "values".to_string(),
                    value: None,
                    detail: "must be specified when `operator` is 'In' or 'NotIn'".to_string(),
                });
            }
        }
        "Exists" | "DoesNotExist" => {
            if !values.is_empty() {
                issues.push(Issue {
                    kind: IssueKind::Forbidden,
                    path: "values".to_string(),
                    value: None,
                    detail: "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"
                        .to_string(),
                });
            }
        }
        other => {
            if !opts.allow_unknown_operator_in_requirement {
                issues.push(Issue::invalid("operator", other, "not a valid selector operator"));
            }
        }
    }
    issues.extend(
        is_qualified_name(&req.key).into_iter().map(|m| Issue::invalid("key", &req.key, m)),
    );
    if !opts.allow_invalid_label_value_in_selector {
        for (i, v) in values.iter().enumerate() {
            issues.extend(
                is_valid_label_value(v)
                    .into_iter()
                    .map(|m| Issue::invalid(format!("values[{i}]"), v, m)),
            );
        }
    }
    issues
}
