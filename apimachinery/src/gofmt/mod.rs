//! Go's renderings of values, shared by every module whose output must match upstream byte for
//! byte: `%q` (`strconv.Quote`), `%v`, `%s` and `%T` of decoded JSON, float formatting, and
//! `encoding/json` output.
//!
//! A JSON value here stands for what upstream holds after decoding JSON into `interface{}`:
//! objects are `map[string]interface {}`, arrays `[]interface {}`, whole numbers that fit are
//! `int64` and every other number is `float64`.

use std::fmt::{self, Write as _};

use serde_json::{Map, Number, Value};

#[cfg(test)]
mod tests;

/// Go's `time.ParseDuration`: the nanoseconds of a duration such as `1h30m` or `-1.5s`, or
/// `None` when the text is not one (or overflows).
pub fn parse_duration(s: &str) -> Option<i64> {
    crate::codec::protobuf::timefmt::parse_duration(s)
}

/// Whether Go's `strconv.IsPrint` would print the character as is. std has no Unicode category
/// tables, so the format characters (category Cf), private use and the unassigned code points
/// that `%q` escapes are listed by hand.
fn is_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(
        c,
        '\u{ad}'
            | '\u{600}'..='\u{605}'
            | '\u{61c}'
            | '\u{6dd}'
            | '\u{70f}'
            | '\u{180e}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{feff}'
            | '\u{fff9}'..='\u{fffb}'
            | '\u{e000}'..='\u{f8ff}'
            | '\u{f0000}'..='\u{10ffff}'
    )
}

/// Go's `%q` of a string (`strconv.Quote`): Go's escapes, non-printable characters as
/// `\x..`, `\u....` or `\U........`.
pub fn quote(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{7}' => out.push_str("\\a"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{b}' => out.push_str("\\v"),
            c if is_printable(c) => out.push(c),
            c if u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c if u32::from(c) < 0x10000 => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\U{:08x}", u32::from(c));
            }
        }
    }
    out.push('"');
    out
}

/// Go's `%v` of a float64 (`strconv.FormatFloat(f, 'g', -1, 64)`): shortest round-trip digits,
/// exponent form below 1e-4 and from 1e6 on (`1e+06`), `NaN`, `+Inf`, `-Inf`, `-0`.
pub fn format_float(f: f64) -> String {
    format_g(f, format!("{f:e}"))
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)`: like [`format_float`] with float32 digits.
pub(crate) fn format_float32(f: f32) -> String {
    format_g(f64::from(f), format!("{f:e}"))
}

/// `'g'` formatting from the shortest scientific rendering `sci` (`d.ddde±x`) of `f`.
fn format_g(f: f64, sci: String) -> String {
    if f.is_nan() {
        return "NaN".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { "+Inf".into() } else { "-Inf".into() };
    }
    if f == 0.0 {
        return if f.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
    let exp: i32 = exp.parse().unwrap_or(0);
    if !(-4..6).contains(&exp) {
        return exp_form(mantissa, exp, 2);
    }
    let neg = mantissa.starts_with('-');
    let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
    let point = exp + 1;
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    if point <= 0 {
        out.push_str("0.");
        for _ in 0..-point {
            out.push('0');
        }
        out.push_str(&digits);
    } else if point as usize >= digits.len() {
        out.push_str(&digits);
        for _ in 0..(point as usize - digits.len()) {
            out.push('0');
        }
    } else {
        let (whole, frac) = digits.split_at(point as usize);
        out.push_str(whole);
        out.push('.');
        out.push_str(frac);
    }
    out
}

/// `mantissa` `e±` the exponent padded to `min_digits`.
fn exp_form(mantissa: &str, exp: i32, min_digits: usize) -> String {
    let sign = if exp < 0 { '-' } else { '+' };
    format!("{mantissa}e{sign}{:0min_digits$}", exp.unsigned_abs())
}

/// A float as `encoding/json` writes it: plain decimal in [1e-6, 1e21), otherwise exponent
/// form with the exponent's leading zeros trimmed (`1e-7`, `1e+21`).
fn format_float_json(f: f64) -> String {
    let abs = f.abs();
    if abs != 0.0 && !(1e-6..1e21).contains(&abs) {
        let sci = format!("{f:e}");
        let (mantissa, exp) = sci.split_once('e').unwrap_or((sci.as_str(), "0"));
        return exp_form(mantissa, exp.parse().unwrap_or(0), 1);
    }
    format!("{f}")
}

/// Go's `%v` of a decoded JSON number: `int64` in decimal, anything else as a float64.
pub(crate) fn format_number(n: &Number) -> String {
    match n.as_i64() {
        Some(i) => i.to_string(),
        None => format_float(n.as_f64().unwrap_or(f64::NAN)),
    }
}

/// Go's `%v` of a decoded JSON value: `map[k:v ...]` with sorted keys, `[a b]`, `<nil>`, raw
/// strings, floats as [`format_float`].
pub fn format_value(value: &Value) -> String {
    let mut out = String::new();
    write_value(value, &mut out);
    out
}

/// Go's `%v` of a `map[string]interface {}`.
pub(crate) fn format_map(map: &Map<String, Value>) -> String {
    let mut out = String::new();
    write_map(map, &mut out);
    out
}

fn write_value(value: &Value, out: &mut String) {
    match value {
        Value::Null => out.push_str("<nil>"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&format_number(n)),
        Value::String(s) => out.push_str(s),
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(' ');
                }
                write_value(item, out);
            }
            out.push(']');
        }
        Value::Object(map) => write_map(map, out),
    }
}

fn write_map(map: &Map<String, Value>, out: &mut String) {
    out.push_str("map[");
    for (i, (key, item)) in sorted_entries(map).into_iter().enumerate() {
        if i > 0 {
            out.push(' ');
        }
        out.push_str(key);
        out.push(':');
        write_value(item, out);
    }
    out.push(']');
}

fn sorted_entries(map: &Map<String, Value>) -> Vec<(&String, &Value)> {
    let mut entries: Vec<_> = map.iter().collect();
    entries.sort_by(|a, b| a.0.cmp(b.0));
    entries
}

/// Go's `%v` of a slice of `Stringer`s: `[a b c]`.
pub(crate) fn format_list<T: fmt::Display>(items: &[T]) -> String {
    let parts: Vec<String> = items.iter().map(ToString::to_string).collect();
    format!("[{}]", parts.join(" "))
}

/// Go's `%s` of a decoded JSON value: strings raw, other scalars as `%!s(type=value)`.
pub(crate) fn format_s(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Null => "%!s(<nil>)".into(),
        Value::Bool(_) | Value::Number(_) => {
            format!("%!s({}={})", type_name(value), format_value(value))
        }
        _ => format_value(value),
    }
}

/// The Go dynamic type of a decoded JSON value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GoType {
    Nil,
    Bool,
    Int64,
    Float64,
    String,
    Slice,
    Map,
}

/// The Go dynamic type a decoded JSON value has upstream.
pub(crate) fn go_type(value: &Value) -> GoType {
    match value {
        Value::Null => GoType::Nil,
        Value::Bool(_) => GoType::Bool,
        Value::Number(n) if n.is_i64() => GoType::Int64,
        Value::Number(_) => GoType::Float64,
        Value::String(_) => GoType::String,
        Value::Array(_) => GoType::Slice,
        Value::Object(_) => GoType::Map,
    }
}

/// Go's `%T` of a decoded JSON value (`<nil>` for null).
pub(crate) fn type_name(value: &Value) -> &'static str {
    match go_type(value) {
        GoType::Nil => "<nil>",
        GoType::Bool => "bool",
        GoType::Int64 => "int64",
        GoType::Float64 => "float64",
        GoType::String => "string",
        GoType::Slice => "[]interface {}",
        GoType::Map => "map[string]interface {}",
    }
}

/// Go's `json.Marshal` of a decoded JSON value (with `indent`, `json.MarshalIndent(v, "",
/// indent)`): map keys sorted, HTML-safe string escaping, numbers beyond int64 as float64.
pub fn marshal_json(value: &Value, indent: Option<&str>) -> String {
    let mut out = String::new();
    JsonWriter { indent, decoded: true }.write(value, 0, &mut out);
    out
}

/// Go's `json.Marshal` of a value that came from a typed Go value rather than from decoding:
/// fields stay in their stored (struct) order and unsigned integers stay exact.
pub fn marshal_json_ordered(value: &Value) -> String {
    let mut out = String::new();
    JsonWriter { indent: None, decoded: false }.write(value, 0, &mut out);
    out
}

struct JsonWriter<'a> {
    indent: Option<&'a str>,
    /// The value stands for decoded `interface{}` data (sorted maps, int64/float64 numbers).
    decoded: bool,
}

impl JsonWriter<'_> {
    fn newline(&self, depth: usize, out: &mut String) {
        if let Some(unit) = self.indent {
            out.push('\n');
            for _ in 0..depth {
                out.push_str(unit);
            }
        }
    }

    fn write(&self, value: &Value, depth: usize, out: &mut String) {
        match value {
            Value::Null => out.push_str("null"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(n) => match (n.as_i64(), n.as_u64()) {
                (Some(i), _) => out.push_str(&i.to_string()),
                (None, Some(u)) if !self.decoded => out.push_str(&u.to_string()),
                _ => out.push_str(&format_float_json(n.as_f64().unwrap_or(0.0))),
            },
            Value::String(s) => write_json_string(s, out),
            Value::Array(items) => {
                if items.is_empty() {
                    out.push_str("[]");
                    return;
                }
                out.push('[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.newline(depth + 1, out);
                    self.write(item, depth + 1, out);
                }
                self.newline(depth, out);
                out.push(']');
            }
            Value::Object(map) => {
                if map.is_empty() {
                    out.push_str("{}");
                    return;
                }
                let entries: Vec<(&String, &Value)> =
                    if self.decoded { sorted_entries(map) } else { map.iter().collect() };
                out.push('{');
                for (i, (key, item)) in entries.into_iter().enumerate() {
                    if i > 0 {
                        out.push(',');
                    }
                    self.newline(depth + 1, out);
                    write_json_string(key, out);
                    out.push(':');
                    if self.indent.is_some() {
                        out.push(' ');
                    }
                    self.write(item, depth + 1, out);
                }
                self.newline(depth, out);
                out.push('}');
            }
        }
    }
}

/// A string as `encoding/json` writes it, with its default HTML escaping.
fn write_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if u32::from(c) < 0x20 || matches!(c, '<' | '>' | '&' | '\u{2028}' | '\u{2029}') => {
                let _ = write!(out, "\\u{:04x}", u32::from(c));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Joins error messages as upstream's error aggregate prints them: duplicates dropped, one
/// message bare, several as `[a, b]`, none as the empty string.
pub(crate) fn aggregate<S: AsRef<str>>(messages: &[S]) -> String {
    let mut seen: Vec<&str> = Vec::new();
    for m in messages {
        if !seen.contains(&m.as_ref()) {
            seen.push(m.as_ref());
        }
    }
    match seen.as_slice() {
        [] => String::new(),
        [one] => (*one).to_string(),
        many => format!("[{}]", many.join(", ")),
    }
}
