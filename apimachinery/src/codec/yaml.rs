//! YAML reading and writing with upstream's semantics (sigs.k8s.io/yaml over go-yaml v2):
//! `---` document splitting like `util/yaml`'s reader, YAML 1.1 scalar resolution, conversion
//! to JSON values (non-string keys stringified, keys sorted as Go's JSON encoder emits them),
//! duplicate-key detection with line numbers, and block-style output like `kubectl -o yaml`.

use std::collections::HashMap;

use serde_json::{Map, Number, Value};
use serde_saphyr::granit_parser::{Event, Parser, ScalarStyle};

use super::CodecError;

/// Splits a YAML stream into documents the way upstream's `YAMLReader` does: a line starting
/// with `---` ends a document; anything but a comment after the separator is an error; empty
/// documents between separators are dropped. Returned documents keep their line breaks.
pub fn split_yaml_documents(input: &str) -> Result<Vec<String>, CodecError> {
    let mut docs = Vec::new();
    let mut buf = String::new();
    for line in input.split_inclusive('\n') {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let line = line.strip_suffix('\r').unwrap_or(line);
        if let Some(rest) = line.strip_prefix("---") {
            let trimmed = rest.trim();
            if !trimmed.is_empty() && !trimmed.starts_with('#') {
                return Err(CodecError::Yaml(format!(
                    "invalid Yaml document separator: {trimmed}"
                )));
            }
            if !buf.is_empty() {
                docs.push(std::mem::take(&mut buf));
            }
            continue;
        }
        buf.push_str(line);
        buf.push('\n');
    }
    if !buf.is_empty() {
        docs.push(buf);
    }
    Ok(docs)
}

/// A parsed YAML node with the 1-based line it starts on.
#[derive(Debug, Clone)]
enum Node {
    Scalar { value: String, plain: bool, tag: Option<String> },
    Seq(Vec<Node>),
    Map(Vec<(Node, Node, usize)>),
}

/// A scalar resolved with go-yaml v2's rules.
#[derive(Debug, Clone, PartialEq)]
enum Resolved {
    Null,
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(String),
}

fn parse_go_int(s: &str) -> Option<i64> {
    let (neg, body) = match s.as_bytes().first() {
        Some(b'-') => (true, &s[1..]),
        Some(b'+') => (false, &s[1..]),
        _ => (false, s),
    };
    if body.is_empty() {
        return None;
    }
    let lower = body.to_ascii_lowercase();
    let (radix, digits) = if let Some(d) = lower.strip_prefix("0x") {
        (16, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0o") {
        (8, d.to_string())
    } else if let Some(d) = lower.strip_prefix("0b") {
        (2, d.to_string())
    } else if lower.len() > 1 && lower.starts_with('0') {
        (8, lower[1..].to_string())
    } else {
        (10, lower)
    };
    if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
        return None;
    }
    let magnitude = i128::from_str_radix(&digits, radix).ok()?;
    let v = if neg { -magnitude } else { magnitude };
    i64::try_from(v).ok()
}

fn is_yaml_float(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (mantissa, exp) = match b.find(['e', 'E']) {
        Some(i) => (&b[..i], Some(&b[i + 1..])),
        None => (b, None),
    };
    let mantissa_ok = if let Some(frac) = mantissa.strip_prefix('.') {
        !frac.is_empty() && frac.bytes().all(|c| c.is_ascii_digit())
    } else {
        let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        !int.is_empty()
            && int.bytes().all(|c| c.is_ascii_digit())
            && frac.bytes().all(|c| c.is_ascii_digit())
    };
    let exp_ok = match exp {
        None => true,
        Some(e) => {
            let e = e.strip_prefix(['-', '+']).unwrap_or(e);
            !e.is_empty() && e.bytes().all(|c| c.is_ascii_digit())
        }
    };
    mantissa_ok && exp_ok
}

fn resolve_plain(s: &str) -> Resolved {
    match s {
        "" | "~" | "null" | "Null" | "NULL" => return Resolved::Null,
        "y" | "Y" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" | "true" | "True" | "TRUE" => {
            return Resolved::Bool(true);
        }
        "n" | "N" | "no" | "No" | "NO" | "off" | "Off" | "OFF" | "false" | "False" | "FALSE" => {
            return Resolved::Bool(false);
        }
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => {
            return Resolved::Float(f64::INFINITY);
        }
        "-.inf" | "-.Inf" | "-.INF" => return Resolved::Float(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Resolved::Float(f64::NAN),
        _ => {}
    }
    let first = s.as_bytes().first().copied().unwrap_or(b' ');
    if first.is_ascii_digit() || first == b'-' || first == b'+' || first == b'.' {
        let plain = s.replace('_', "");
        if let Some(i) = parse_go_int(&plain) {
            return Resolved::Int(i);
        }
        if let Some(u) = plain
            .strip_prefix('+')
            .unwrap_or(&plain)
            .parse::<u64>()
            .ok()
            .filter(|_| !plain.starts_with('-'))
        {
            return Resolved::Uint(u);
        }
        if is_yaml_float(&plain)
            && let Ok(f) = plain.parse::<f64>()
        {
            return Resolved::Float(f);
        }
    }
    Resolved::Str(s.to_string())
}

fn resolve_scalar(value: &str, plain: bool, tag: Option<&str>) -> Resolved {
    match tag {
        Some("str") | Some("binary") => Resolved::Str(value.to_string()),
        Some("null") => Resolved::Null,
        Some("bool") | Some("int") | Some("float") => match resolve_plain(value) {
            Resolved::Str(s) => Resolved::Str(s),
            other => other,
        },
        _ if !plain => Resolved::Str(value.to_string()),
        _ => resolve_plain(value),
    }
}

/// Go's `strconv.FormatFloat(f, 'g', -1, 32)` as go-yaml uses for float map keys.
fn format_float32_key(f: f64) -> String {
    if f.is_nan() {
        return ".nan".into();
    }
    if f.is_infinite() {
        return if f > 0.0 { ".inf".into() } else { "-.inf".into() };
    }
    crate::gofmt::format_float32(f as f32)
}

/// How a resolved key is written in go-yaml's duplicate-key message (`%#v`).
fn go_sharp_v(r: &Resolved) -> String {
    match r {
        Resolved::Str(s) => crate::gofmt::quote(s),
        Resolved::Null => "interface {}(nil)".into(),
        Resolved::Bool(b) => b.to_string(),
        Resolved::Int(i) => i.to_string(),
        Resolved::Uint(u) => format!("0x{u:x}"),
        Resolved::Float(f) => crate::gofmt::format_float(*f),
    }
}

#[derive(Default)]
struct Builder {
    anchors: HashMap<usize, Node>,
}

type Ev<'a> = (Event<'a>, usize);

impl Builder {
    fn node(
        &mut self,
        events: &mut std::iter::Peekable<std::vec::IntoIter<Ev<'_>>>,
    ) -> Result<Node, CodecError> {
        let Some((ev, _line)) = events.next() else {
            return Err(CodecError::Yaml("yaml: unexpected end of document".into()));
        };
        match ev {
            Event::Scalar(value, style, anchor, tag) => {
                let node = Node::Scalar {
                    value: value.into_owned(),
                    plain: matches!(style, ScalarStyle::Plain),
                    tag: tag.and_then(|t| t.core_suffix().map(str::to_string)),
                };
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                Ok(node)
            }
            Event::Alias(id) => self
                .anchors
                .get(&id)
                .cloned()
                .ok_or_else(|| CodecError::Yaml("yaml: unknown anchor referenced".into())),
            Event::SequenceStart(_, anchor, _) => {
                let mut items = Vec::new();
                loop {
                    if matches!(events.peek(), Some((Event::SequenceEnd, _))) {
                        events.next();
                        break;
                    }
                    if events.peek().is_none() {
                        return Err(CodecError::Yaml("yaml: unterminated sequence".into()));
                    }
                    items.push(self.node(events)?);
                }
                let node = Node::Seq(items);
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                Ok(node)
            }
            Event::MappingStart(_, anchor, _) => {
                let mut entries = Vec::new();
                loop {
                    match events.peek() {
                        Some((Event::MappingEnd, _)) => {
                            events.next();
                            break;
                        }
                        None => return Err(CodecError::Yaml("yaml: unterminated mapping".into())),
                        Some((_, line)) => {
                            let line = *line;
                            let k = self.node(events)?;
                            let v = self.node(events)?;
                            entries.push((k, v, line));
                        }
                    }
                }
                let node = Node::Map(entries);
                if anchor != 0 {
                    self.anchors.insert(anchor, node.clone());
                }
                Ok(node)
            }
            other => Err(CodecError::Yaml(format!("yaml: unexpected event {other:?}"))),
        }
    }
}

/// Parses one YAML document into nodes; None for an empty document.
fn parse_document(doc: &str) -> Result<Option<Node>, CodecError> {
    let mut events: Vec<Ev<'_>> = Vec::new();
    let mut documents = 0;
    for item in Parser::new_from_str(doc) {
        let (ev, span) = item.map_err(|e| {
            CodecError::Yaml(format!("yaml: line {}: {}", e.marker().line(), e.info()))
        })?;
        match ev {
            Event::StreamStart | Event::StreamEnd | Event::DocumentEnd => {}
            Event::DocumentStart(..) => {
                documents += 1;
                if documents > 1 {
                    // Like go-yaml's Unmarshal, only the first document of the chunk is read.
                    break;
                }
            }
            Event::Scalar(..)
            | Event::Alias(_)
            | Event::SequenceStart(..)
            | Event::SequenceEnd
            | Event::MappingStart(..)
            | Event::MappingEnd => events.push((ev, span.start.line())),
            _ => {}
        }
    }
    if events.is_empty() {
        return Ok(None);
    }
    let mut it = events.into_iter().peekable();
    let node = Builder::default().node(&mut it)?;
    Ok(Some(node))
}

/// Converts a node to JSON, collecting duplicate keys as go-yaml's strict mode reports them.
fn to_json(node: &Node, dups: &mut Vec<String>) -> Result<Value, CodecError> {
    match node {
        Node::Scalar { value, plain, tag } => {
            resolved_to_json(resolve_scalar(value, *plain, tag.as_deref()))
        }
        Node::Seq(items) => {
            Ok(Value::Array(items.iter().map(|i| to_json(i, dups)).collect::<Result<_, _>>()?))
        }
        Node::Map(entries) => {
            let mut out: Vec<(String, Value)> = Vec::new();
            let mut seen: Vec<Resolved> = Vec::new();
            let mut merged: Vec<(String, Value)> = Vec::new();
            for (k, v, line) in entries {
                if let Node::Scalar { value, plain: true, tag: None } = k
                    && value == "<<"
                {
                    collect_merge(v, dups, &mut merged)?;
                    continue;
                }
                let key = match k {
                    Node::Scalar { value, plain, tag } => {
                        resolve_scalar(value, *plain, tag.as_deref())
                    }
                    _ => {
                        return Err(CodecError::Yaml(
                            "error converting YAML to JSON: unsupported map key".into(),
                        ));
                    }
                };
                if seen.contains(&key) {
                    dups.push(format!("line {line}: key {} already set in map", go_sharp_v(&key)));
                }
                seen.push(key.clone());
                let ks = key_string(&key)?;
                let val = to_json(v, dups)?;
                out.retain(|(k, _)| *k != ks);
                out.push((ks, val));
            }
            for (k, v) in merged {
                if !out.iter().any(|(ek, _)| *ek == k) {
                    out.push((k, v));
                }
            }
            // Go's JSON encoder writes map keys sorted; the converted document has that order.
            out.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(Value::Object(out.into_iter().collect()))
        }
    }
}

fn collect_merge(
    v: &Node,
    dups: &mut Vec<String>,
    merged: &mut Vec<(String, Value)>,
) -> Result<(), CodecError> {
    match v {
        Node::Map(_) => {
            if let Value::Object(m) = to_json(v, dups)? {
                for (k, val) in m {
                    if !merged.iter().any(|(ek, _)| *ek == k) {
                        merged.push((k, val));
                    }
                }
            }
            Ok(())
        }
        Node::Seq(items) => items.iter().try_for_each(|i| collect_merge(i, dups, merged)),
        _ => Err(CodecError::Yaml(
            "yaml: map merge requires map or sequence of maps as the value".into(),
        )),
    }
}

fn key_string(key: &Resolved) -> Result<String, CodecError> {
    Ok(match key {
        Resolved::Str(s) => s.clone(),
        Resolved::Int(i) => i.to_string(),
        Resolved::Uint(u) => u.to_string(),
        Resolved::Float(f) => format_float32_key(*f),
        Resolved::Bool(b) => b.to_string(),
        Resolved::Null => {
            return Err(CodecError::Yaml(
                "error converting YAML to JSON: unsupported map key of type: %!s(<nil>), key: <nil>".into(),
            ));
        }
    })
}

fn resolved_to_json(r: Resolved) -> Result<Value, CodecError> {
    Ok(match r {
        Resolved::Null => Value::Null,
        Resolved::Bool(b) => Value::Bool(b),
        Resolved::Int(i) => Value::from(i),
        Resolved::Uint(u) => Value::from(u),
        Resolved::Str(s) => Value::String(s),
        Resolved::Float(f) => {
            if !f.is_finite() {
                let shown = if f.is_nan() {
                    "NaN"
                } else if f > 0.0 {
                    "+Inf"
                } else {
                    "-Inf"
                };
                return Err(CodecError::Yaml(format!(
                    "error converting YAML to JSON: json: unsupported value: {shown}"
                )));
            }
            // Go writes integral floats below 1e21 without a fraction, and reading that JSON
            // back with preserved ints yields an integer.
            if f.fract() == 0.0 && f.abs() < 1e21 && f >= i64::MIN as f64 && f < i64::MAX as f64 {
                Value::from(f as i64)
            } else {
                Number::from_f64(f).map(Value::Number).unwrap_or(Value::Null)
            }
        }
    })
}

/// Converts one YAML document to JSON; None for an empty document. Also returns go-yaml's
/// strict-mode duplicate-key messages (`line N: key "x" already set in map`).
pub fn yaml_document_to_json(doc: &str) -> Result<(Option<Value>, Vec<String>), CodecError> {
    let mut dups = Vec::new();
    match parse_document(doc)? {
        None => Ok((None, dups)),
        Some(node) => {
            let v = to_json(&node, &mut dups)?;
            Ok((Some(v), dups))
        }
    }
}

/// Converts a YAML document to JSON (`yaml.YAMLToJSON`); an empty document is `null`.
pub fn yaml_to_json(doc: &str) -> Result<Value, CodecError> {
    Ok(yaml_document_to_json(doc)?.0.unwrap_or(Value::Null))
}

// ---------------------------------------------------------------------------------------------
// Output

const BEST_WIDTH: usize = 80;

/// Renders a value as YAML the way `kubectl get -o yaml` does (sigs.k8s.io/yaml `JSONToYAML`):
/// block style, map keys sorted, sequences not indented under their key, go-yaml's quoting and
/// folding of long plain strings at 80 columns.
pub fn to_yaml(value: &Value) -> String {
    let mut out = String::new();
    emit_root(value, &mut out, true);
    out
}

/// Like [`to_yaml`] but keeps the map keys in their stored order.
pub fn to_yaml_preserve_order(value: &Value) -> String {
    let mut out = String::new();
    emit_root(value, &mut out, false);
    out
}

fn emit_root(value: &Value, out: &mut String, sort: bool) {
    match value {
        Value::Object(m) if !m.is_empty() => emit_map(m, 0, out, sort),
        Value::Array(a) if !a.is_empty() => emit_seq(a, 0, out, sort),
        other => {
            let mut col = 0;
            emit_scalar(other, 2, &mut col, out);
            out.push('\n');
        }
    }
}

fn sorted_entries(m: &Map<String, Value>, sort: bool) -> Vec<(&String, &Value)> {
    let mut e: Vec<_> = m.iter().collect();
    if sort {
        e.sort_by(|a, b| a.0.cmp(b.0));
    }
    e
}

fn emit_map(m: &Map<String, Value>, indent: usize, out: &mut String, sort: bool) {
    for (k, v) in sorted_entries(m, sort) {
        out.push_str(&" ".repeat(indent));
        let mut col = indent;
        emit_string(k, indent + 2, &mut col, out, true);
        out.push(':');
        match v {
            Value::Object(c) if !c.is_empty() => {
                out.push('\n');
                emit_map(c, indent + 2, out, sort);
            }
            Value::Array(a) if !a.is_empty() => {
                out.push('\n');
                emit_seq(a, indent, out, sort);
            }
            other => {
                out.push(' ');
                col += 2;
                emit_scalar(other, indent + 2, &mut col, out);
                out.push('\n');
            }
        }
    }
}

fn emit_seq(a: &[Value], indent: usize, out: &mut String, sort: bool) {
    for v in a {
        out.push_str(&" ".repeat(indent));
        out.push_str("- ");
        match v {
            Value::Object(c) if !c.is_empty() => {
                // The first key shares the dash's line; the rest align under it.
                let mut first = String::new();
                emit_map(c, indent + 2, &mut first, sort);
                out.push_str(first.get(indent + 2..).unwrap_or(""));
            }
            Value::Array(inner) if !inner.is_empty() => {
                let mut nested = String::new();
                emit_seq(inner, indent + 2, &mut nested, sort);
                out.push_str(nested.get(indent + 2..).unwrap_or(""));
            }
            other => {
                let mut col = indent + 2;
                emit_scalar(other, indent + 2, &mut col, out);
                out.push('\n');
            }
        }
    }
}

fn emit_scalar(v: &Value, indent: usize, col: &mut usize, out: &mut String) {
    match v {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&yaml_number(n)),
        Value::String(s) => emit_string(s, indent, col, out, false),
        Value::Object(_) => out.push_str("{}"),
        Value::Array(_) => out.push_str("[]"),
    }
}

fn yaml_number(n: &Number) -> String {
    if let Some(i) = n.as_i64() {
        return i.to_string();
    }
    if let Some(u) = n.as_u64() {
        return u.to_string();
    }
    // go-yaml writes floats with strconv 'g' and the shortest digits.
    crate::gofmt::format_float(n.as_f64().unwrap_or(0.0))
}

fn is_printable(c: char) -> bool {
    matches!(c, '\n' | '\u{85}')
        || (' '..='~').contains(&c)
        || ('\u{A0}'..='\u{D7FF}').contains(&c)
        || (('\u{E000}'..='\u{FFFD}').contains(&c) && c != '\u{FEFF}')
        || ('\u{10000}'..='\u{10FFFF}').contains(&c)
}

enum Style {
    Plain,
    Single,
    Double,
    Literal,
}

/// YAML 1.1 sexagesimal floats (`1:20`), which go-yaml quotes to keep them strings.
fn is_base60_float(s: &str) -> bool {
    let b = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (main, frac) = b.split_once('.').unwrap_or((b, ""));
    let mut parts = main.split(':');
    let head = parts.next().unwrap_or("");
    let head_ok = head.starts_with(|c: char| c.is_ascii_digit())
        && head.chars().all(|c| c.is_ascii_digit() || c == '_');
    let rest: Vec<&str> = parts.collect();
    let rest_ok = !rest.is_empty()
        && rest.iter().all(|p| {
            let d = p.as_bytes();
            matches!(d.len(), 1 | 2)
                && d.iter().all(u8::is_ascii_digit)
                && (d.len() == 1 || d[0] <= b'5')
        });
    head_ok && rest_ok && frac.chars().all(|c| c.is_ascii_digit() || c == '_')
}

/// Chooses go-yaml's scalar style for a string, following its encoder and libyaml's analysis.
fn choose_style(s: &str, simple_key: bool) -> Style {
    let resolves_to_string = matches!(resolve_plain(s), Resolved::Str(_)) && !is_base60_float(s);
    let multiline = s.contains('\n');
    let (mut plain_ok, mut single_ok, mut block_ok) = (true, true, !simple_key);
    if s.is_empty() {
        plain_ok = false;
    }
    let chars: Vec<char> = s.chars().collect();
    let mut special = false;
    let mut flow_or_block_indicator = false;
    let mut space_break = false;
    let (mut leading_space, mut leading_break, mut trailing_space, mut trailing_break) =
        (false, false, false, false);
    if s.starts_with("---") || s.starts_with("...") {
        plain_ok = false;
    }
    let n = chars.len();
    for (i, &c) in chars.iter().enumerate() {
        let first = i == 0;
        let last = i + 1 == n;
        let next = chars.get(i + 1).copied();
        let prev = if first { None } else { chars.get(i - 1).copied() };
        if first {
            if "#,[]{}&*!|>'\"%@`".contains(c)
                || (c == '?' || c == ':') && next.is_none_or(|x| x == ' ' || x == '\t' || x == '\n')
            {
                flow_or_block_indicator = true;
            }
            if c == '-' && next.is_none_or(|x| x == ' ' || x == '\t' || x == '\n') {
                flow_or_block_indicator = true;
            }
        } else {
            if ",?[]{}".contains(c) {
                flow_or_block_indicator = true;
            }
            if c == ':' && next.is_none_or(|x| x == ' ' || x == '\t' || x == '\n') {
                flow_or_block_indicator = true;
            }
            if c == '#' && prev.is_some_and(|p| p == ' ' || p == '\t' || p == '\n') {
                flow_or_block_indicator = true;
            }
        }
        if !is_printable(c) {
            special = true;
        }
        if c == ' ' {
            if first {
                leading_space = true;
            }
            if last {
                trailing_space = true;
            }
            if next == Some('\n') {
                space_break = true;
            }
        } else if c == '\n' {
            if first {
                leading_break = true;
            }
            if last {
                trailing_break = true;
            }
        }
    }
    if leading_space || leading_break || trailing_space || trailing_break {
        plain_ok = false;
    }
    if trailing_space {
        block_ok = false;
    }
    if space_break || special {
        plain_ok = false;
        single_ok = false;
        block_ok = false;
    }
    if multiline {
        plain_ok = false;
    }
    if flow_or_block_indicator {
        plain_ok = false;
    }
    if multiline && simple_key {
        single_ok = false;
    }
    if multiline && !simple_key {
        if block_ok {
            return Style::Literal;
        }
        return Style::Double;
    }
    if resolves_to_string && plain_ok {
        return Style::Plain;
    }
    if !resolves_to_string || s.is_empty() {
        // go-yaml asks for double quotes when the text would read back as another type.
        return Style::Double;
    }
    if single_ok { Style::Single } else { Style::Double }
}

fn emit_string(s: &str, indent: usize, col: &mut usize, out: &mut String, simple_key: bool) {
    match choose_style(s, simple_key) {
        Style::Plain => write_folded(s, indent, col, out, !simple_key, None),
        Style::Single => {
            out.push('\'');
            *col += 1;
            let escaped = s.replace('\'', "''");
            write_folded(&escaped, indent, col, out, !simple_key, Some('\''));
            out.push('\'');
            *col += 1;
        }
        Style::Double => write_double(s, indent, col, out, !simple_key),
        Style::Literal => write_literal(s, indent, out),
    }
}

/// Writes text, breaking at a single space once past the best width (libyaml's folding).
fn write_folded(
    s: &str,
    indent: usize,
    col: &mut usize,
    out: &mut String,
    allow_breaks: bool,
    _q: Option<char>,
) {
    let chars: Vec<char> = s.chars().collect();
    let mut prev_space = false;
    for (i, &c) in chars.iter().enumerate() {
        if c == ' ' {
            let next_is_space = chars.get(i + 1).is_some_and(|n| *n == ' ');
            if allow_breaks
                && !prev_space
                && *col > BEST_WIDTH
                && !next_is_space
                && i != 0
                && i + 1 != chars.len()
            {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                *col = indent;
            } else {
                out.push(' ');
                *col += 1;
            }
            prev_space = true;
        } else {
            out.push(c);
            *col += 1;
            prev_space = false;
        }
    }
}

fn write_double(s: &str, indent: usize, col: &mut usize, out: &mut String, allow_breaks: bool) {
    out.push('"');
    *col += 1;
    let chars: Vec<char> = s.chars().collect();
    let mut prev_space = false;
    for (i, &c) in chars.iter().enumerate() {
        let esc: Option<String> = match c {
            '\0' => Some("\\0".into()),
            '\x07' => Some("\\a".into()),
            '\x08' => Some("\\b".into()),
            '\t' => Some("\\t".into()),
            '\n' => Some("\\n".into()),
            '\x0b' => Some("\\v".into()),
            '\x0c' => Some("\\f".into()),
            '\r' => Some("\\r".into()),
            '\x1b' => Some("\\e".into()),
            '"' => Some("\\\"".into()),
            '\\' => Some("\\\\".into()),
            '\u{85}' => Some("\\N".into()),
            '\u{A0}' => Some("\\_".into()),
            '\u{2028}' => Some("\\L".into()),
            '\u{2029}' => Some("\\P".into()),
            c if !is_printable(c) || c == '\u{FEFF}' => Some(if (c as u32) <= 0xFF {
                format!("\\x{:02X}", c as u32)
            } else if (c as u32) <= 0xFFFF {
                format!("\\u{:04X}", c as u32)
            } else {
                format!("\\U{:08X}", c as u32)
            }),
            _ => None,
        };
        if let Some(e) = esc {
            *col += e.len();
            out.push_str(&e);
            prev_space = false;
        } else if c == ' ' {
            if allow_breaks && !prev_space && *col > BEST_WIDTH && i != 0 && i + 1 != chars.len() {
                out.push('\n');
                out.push_str(&" ".repeat(indent));
                *col = indent;
                if chars.get(i + 1) == Some(&' ') {
                    out.push('\\');
                    *col += 1;
                }
            } else {
                out.push(' ');
                *col += 1;
            }
            prev_space = true;
        } else {
            out.push(c);
            *col += 1;
            prev_space = false;
        }
    }
    out.push('"');
    *col += 1;
}

fn write_literal(s: &str, indent: usize, out: &mut String) {
    out.push('|');
    if s.starts_with(' ') || s.starts_with('\n') {
        out.push('2');
    }
    let trailing = s.len() - s.trim_end_matches('\n').len();
    match trailing {
        0 => out.push('-'),
        1 => {}
        _ => out.push('+'),
    }
    out.push('\n');
    let body = if trailing == 1 {
        &s[..s.len() - 1]
    } else if trailing == 0 {
        s
    } else {
        &s[..s.len() - 1]
    };
    for line in body.split('\n') {
        if !line.is_empty() {
            out.push_str(&" ".repeat(indent));
            out.push_str(line);
        }
        out.push('\n');
    }
    // The caller adds the final line break after a scalar.
    if out.ends_with('\n') {
        out.pop();
    }
}
