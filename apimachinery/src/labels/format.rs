//! Go-compatible renderings used inside upstream's error messages: `%q` quoting, JSON string
//! lists, and field paths, so selector errors read byte for byte like the Go ones.

use std::fmt;

/// Whether Go's `strconv.IsPrint` would call the character printable. Rust has no Unicode
/// category tables in std, so format characters are listed by hand (the common ones: soft
/// hyphen, zero-width and direction marks, word joiners, the byte-order mark).
fn is_go_printable(c: char) -> bool {
    if c == ' ' {
        return true;
    }
    if c.is_control() || c.is_whitespace() {
        return false;
    }
    !matches!(
        c,
        '\u{AD}'
            | '\u{600}'..='\u{605}'
            | '\u{61C}'
            | '\u{6DD}'
            | '\u{70F}'
            | '\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2064}'
            | '\u{2066}'..='\u{206F}'
            | '\u{FEFF}'
            | '\u{FFF9}'..='\u{FFFB}'
            | '\u{E000}'..='\u{F8FF}'
            | '\u{F0000}'..='\u{10FFFF}'
    )
}

/// Go's `%q` (`strconv.Quote`) of a string.
pub(crate) fn go_quote(s: &str) -> String {
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
            c if is_go_printable(c) => out.push(c),
            c if (c as u32) < 0x80 => out.push_str(&format!("\\x{:02x}", c as u32)),
            c if (c as u32) < 0x10000 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push_str(&format!("\\U{:08x}", c as u32)),
        }
    }
    out.push('"');
    out
}

/// Go's `encoding/json` rendering of a string (with its default HTML escaping).
fn go_json_string(s: &str, out: &mut String) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32))
            }
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Go's `encoding/json` rendering of a string slice; `None` is a nil slice (`null`).
pub(crate) fn go_json_list(values: Option<&[String]>) -> String {
    let Some(values) = values else {
        return "null".to_string();
    };
    let mut out = String::from("[");
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        go_json_string(v, &mut out);
    }
    out.push(']');
    out
}

/// A field path as upstream's `field.Path` prints it; the root may be absent (a nil path,
/// printed `<nil>` when nothing was appended to it).
#[derive(Clone, Debug, Default)]
pub(crate) struct FieldPath(Option<String>);

impl FieldPath {
    /// A path starting at a named root.
    pub(crate) fn root(name: &str) -> Self {
        FieldPath(Some(name.to_string()))
    }

    /// `parent.name`, or just `name` under a nil root.
    pub(crate) fn child(&self, name: &str) -> Self {
        match &self.0 {
            None => FieldPath(Some(name.to_string())),
            Some(p) => FieldPath(Some(format!("{p}.{name}"))),
        }
    }

    /// `parent[index]`.
    pub(crate) fn index(&self, index: usize) -> Self {
        self.key(&index.to_string())
    }

    /// `parent[key]`.
    pub(crate) fn key(&self, key: &str) -> Self {
        let base = self.0.as_deref().unwrap_or("");
        FieldPath(Some(format!("{base}[{key}]")))
    }

    /// A `field.Invalid` error's text with an already rendered bad value.
    pub(crate) fn invalid(&self, bad_value: &str, detail: &str) -> String {
        let mut s = format!("{self}: Invalid value: {bad_value}");
        if !detail.is_empty() {
            s.push_str(": ");
            s.push_str(detail);
        }
        s
    }
}

impl fmt::Display for FieldPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            None => f.write_str("<nil>"),
            Some(p) => f.write_str(p),
        }
    }
}

/// Joins error texts as upstream's error aggregate prints them: duplicates dropped, a single
/// error bare, several in `[a, b]`.
pub(crate) fn aggregate(messages: &[String]) -> String {
    let mut seen: Vec<&String> = Vec::new();
    for m in messages {
        if !seen.contains(&m) {
            seen.push(m);
        }
    }
    match seen.as_slice() {
        [] => String::new(),
        [one] => (*one).clone(),
        many => format!("[{}]", many.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")),
    }
}
