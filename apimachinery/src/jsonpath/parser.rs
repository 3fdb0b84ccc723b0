//! Parser of the JSONPath template dialect into a [`Node`] tree.
//!
//! The scanner deliberately follows upstream's quirks (how quotes end, how unions split on
//! commas, how `['a.b']` expands to two fields) because templates written for kubectl rely on
//! them, and its error messages are upstream's.

use super::node::{Node, ParamsEntry};

/// Why a template could not be parsed. Messages are upstream's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ParseError {
    /// An action ran into the end of the input or a line break before its `}`.
    #[error("unclosed action")]
    UnclosedAction,
    /// A character that cannot start any step; carries it in Go's `%#U` form.
    #[error("unrecognized character in action: {0}")]
    UnrecognizedCharacter(String),
    /// `..` directly after another `..`.
    #[error("invalid multiple recursive descent")]
    MultipleRecursiveDescent,
    /// A number literal that is neither an integer nor a float.
    #[error("cannot parse number {0}")]
    InvalidNumber(String),
    /// A `[` without its `]` on the same line.
    #[error("unterminated array")]
    UnterminatedArray,
    /// The text inside `[...]` is not an index, slice, key or union.
    #[error("invalid array index {0}")]
    InvalidArrayIndex(String),
    /// A slice bound that does not fit an integer.
    #[error("array index {0} is not a number")]
    ArrayIndexNotNumber(String),
    /// A filter without its closing `)` on the same line.
    #[error("unterminated filter")]
    UnterminatedFilter,
    /// A filter's `)` not followed by `]`.
    #[error("unclosed array expect ]")]
    UnclosedFilter,
    /// A quoted string without its closing quote on the same line.
    #[error("unterminated quoted string")]
    UnterminatedQuote,
    /// A quoted string with an invalid escape; carries the string with its quotes.
    #[error("unquote string {0} error invalid syntax")]
    InvalidQuote(String),
}

/// Parses a template into its top-level nodes: [`Node::Text`] for literal text and
/// [`Node::List`] for each `{...}` action.
pub fn parse_template(text: &str) -> Result<Vec<Node>, ParseError> {
    let mut parser = Parser { input: text, pos: 0, start: 0, width: 0 };
    parser.parse()
}

struct Parser<'s> {
    input: &'s str,
    pos: usize,
    start: usize,
    width: usize,
}

/// Parses `text` as the inside of one action, as upstream does for union members, filter
/// operands and bracketed keys; anything after the first action is dropped, as upstream does.
fn parse_action(text: &str) -> Result<Vec<Node>, ParseError> {
    let nodes = parse_template(&format!("{{{text}}}"))?;
    Ok(match nodes.into_iter().next() {
        Some(Node::List(list)) => list,
        _ => Vec::new(),
    })
}

impl<'s> Parser<'s> {
    fn parse(&mut self) -> Result<Vec<Node>, ParseError> {
        let mut root = Vec::new();
        loop {
            match self.input[self.pos..].find('{') {
                Some(offset) => {
                    self.pos += offset;
                    if self.pos > self.start {
                        root.push(Node::Text(self.consume().to_string()));
                    }
                    self.pos += 1;
                    self.consume();
                    let mut action = Vec::new();
                    self.parse_inside_action(&mut action)?;
                    root.push(Node::List(action));
                }
                None => {
                    self.pos = self.input.len();
                    if self.pos > self.start {
                        root.push(Node::Text(self.consume().to_string()));
                    }
                    return Ok(root);
                }
            }
        }
    }

    fn consume(&mut self) -> &'s str {
        let value = &self.input[self.start..self.pos];
        self.start = self.pos;
        value
    }

    fn next(&mut self) -> Option<char> {
        match self.input[self.pos..].chars().next() {
            Some(c) => {
                self.width = c.len_utf8();
                self.pos += self.width;
                Some(c)
            }
            None => {
                self.width = 0;
                None
            }
        }
    }

    fn backup(&mut self) {
        self.pos -= self.width;
    }

    fn peek(&mut self) -> Option<char> {
        self.input[self.pos..].chars().next()
    }

    /// The byte two before the cursor: the one preceding a just-read single-byte quote.
    fn byte_before_last(&self) -> Option<u8> {
        self.pos.checked_sub(2).and_then(|i| self.input.as_bytes().get(i).copied())
    }

    /// Parses the steps of one action up to and including its closing `}`.
    fn parse_inside_action(&mut self, cur: &mut Vec<Node>) -> Result<(), ParseError> {
        loop {
            let rest = &self.input[self.pos..];
            if rest.starts_with('}') {
                self.pos += 1;
                self.consume();
                return Ok(());
            }
            if rest.starts_with("[?(") {
                self.parse_filter(cur)?;
                continue;
            }
            if rest.starts_with("..") {
                self.parse_recursive(cur)?;
                continue;
            }
            match self.next() {
                None | Some('\r' | '\n') => return Err(ParseError::UnclosedAction),
                Some(' ' | '@' | '$') => {
                    self.consume();
                }
                Some('[') => self.parse_array(cur)?,
                Some(quote @ ('"' | '\'')) => self.parse_quote(cur, quote)?,
                Some('.') => self.parse_field(cur),
                Some(c) if c == '+' || c == '-' || is_digit(c) => {
                    self.backup();
                    self.parse_number(cur)?;
                }
                Some(c) if is_alphanumeric(c) => {
                    self.backup();
                    self.parse_identifier(cur);
                }
                Some(c) => return Err(ParseError::UnrecognizedCharacter(go_sharp_u(c))),
            }
        }
    }

    fn parse_identifier(&mut self, cur: &mut Vec<Node>) {
        loop {
            let r = self.next();
            if is_terminator(r) {
                self.backup();
                break;
            }
        }
        let value = self.consume();
        cur.push(match value {
            "true" => Node::Bool(true),
            "false" => Node::Bool(false),
            _ => Node::Identifier(value.to_string()),
        });
    }

    fn parse_recursive(&mut self, cur: &mut Vec<Node>) -> Result<(), ParseError> {
        if matches!(cur.last(), Some(Node::Recursive)) {
            return Err(ParseError::MultipleRecursiveDescent);
        }
        self.pos += 2;
        self.consume();
        cur.push(Node::Recursive);
        if self.peek().is_some_and(is_alphanumeric) {
            self.parse_field(cur);
        }
        Ok(())
    }

    fn parse_number(&mut self, cur: &mut Vec<Node>) -> Result<(), ParseError> {
        if matches!(self.peek(), Some('+' | '-')) {
            self.next();
        }
        loop {
            match self.next() {
                Some(c) if c == '.' || is_digit(c) => {}
                _ => {
                    self.backup();
                    break;
                }
            }
        }
        let value = self.consume();
        if let Ok(i) = value.parse::<i64>() {
            cur.push(Node::Int(i));
            return Ok(());
        }
        match parse_go_float(value) {
            Some(f) => {
                cur.push(Node::Float(f));
                Ok(())
            }
            None => Err(ParseError::InvalidNumber(value.to_string())),
        }
    }

    fn parse_array(&mut self, cur: &mut Vec<Node>) -> Result<(), ParseError> {
        loop {
            match self.next() {
                None | Some('\n') => return Err(ParseError::UnterminatedArray),
                Some(']') => break,
                Some(_) => {}
            }
        }
        let text = self.consume();
        let mut text = &text[1..text.len() - 1];
        if text == "*" {
            text = ":";
        }

        if text.contains(',') {
            let mut branches = Vec::new();
            for part in text.split(',') {
                branches.push(parse_action(&format!("[{}]", part.trim_matches(' ')))?);
            }
            cur.push(Node::Union(branches));
            return Ok(());
        }

        if let Some(key) = dict_key(text) {
            cur.extend(parse_action(&format!(".{key}"))?);
            return Ok(());
        }

        cur.push(Node::Array(parse_slice(text)?));
        Ok(())
    }

    fn parse_filter(&mut self, cur: &mut Vec<Node>) -> Result<(), ParseError> {
        self.pos += 3;
        self.consume();
        let mut begin = false;
        let mut end = false;
        let mut pair = '"';
        loop {
            match self.next() {
                None | Some('\n') => return Err(ParseError::UnterminatedFilter),
                Some(q @ ('"' | '\'')) => {
                    if !begin {
                        begin = true;
                        pair = q;
                        continue;
                    }
                    if self.byte_before_last() != Some(b'\\') && q == pair {
                        end = true;
                    }
                }
                // A `)` inside the one tracked quoted string does not close the filter.
                Some(')') if begin == end => break,
                Some(_) => {}
            }
        }
        if self.next() != Some(']') {
            return Err(ParseError::UnclosedFilter);
        }
        let text = self.consume();
        let text = &text[..text.len() - 2];
        match split_comparison(text) {
            None => cur.push(Node::Filter {
                left: parse_action(text)?,
                right: Vec::new(),
                operator: "exists".to_string(),
            }),
            Some((left, op, right)) => {
                let left = parse_action(left)?;
                let right = parse_action(right)?;
                cur.push(Node::Filter { left, right, operator: op.to_string() });
            }
        }
        Ok(())
    }

    fn parse_quote(&mut self, cur: &mut Vec<Node>, end: char) -> Result<(), ParseError> {
        loop {
            match self.next() {
                None | Some('\n') => return Err(ParseError::UnterminatedQuote),
                // Upstream only looks one byte back, so `"\\"` does not end at its last quote.
                Some(c) if c == end && self.byte_before_last() != Some(b'\\') => break,
                Some(_) => {}
            }
        }
        let value = self.consume();
        let text =
            unquote_extend(value).ok_or_else(|| ParseError::InvalidQuote(value.to_string()))?;
        cur.push(Node::Text(text));
        Ok(())
    }

    fn parse_field(&mut self, cur: &mut Vec<Node>) {
        self.consume();
        while self.advance() {}
        let value = self.consume();
        cur.push(if value == "*" { Node::Wildcard } else { Node::Field(value.replace('\\', "")) });
    }

    /// Steps over one character of a field name, honouring backslash escapes.
    fn advance(&mut self) -> bool {
        let r = self.next();
        if r == Some('\\') {
            self.next();
        } else if is_terminator(r) {
            self.backup();
            return false;
        }
        true
    }
}

/// Upstream's `^'([^']*)'$`: a single-quoted key without inner quotes.
fn dict_key(text: &str) -> Option<&str> {
    let inner = text.strip_prefix('\'')?.strip_suffix('\'')?;
    (!inner.contains('\'')).then_some(inner)
}

/// Parses `start:end:step` per upstream's `^(-?[\d]*)(:-?[\d]*)?(:-?[\d]*)?$` and defaults.
fn parse_slice(text: &str) -> Result<[ParamsEntry; 3], ParseError> {
    let parts: Vec<&str> = text.split(':').collect();
    let well_formed = parts.len() <= 3
        && parts.iter().all(|p| {
            let digits = p.strip_prefix('-').unwrap_or(p);
            digits.bytes().all(|b| b.is_ascii_digit())
        });
    if !well_formed {
        return Err(ParseError::InvalidArrayIndex(text.to_string()));
    }
    let mut params = [ParamsEntry::default(); 3];
    for i in 0..3 {
        match parts.get(i) {
            // An absent or empty start, and an empty end or step, stay unknown.
            Some(p) if !p.is_empty() => {
                params[i].known = true;
                params[i].value =
                    p.parse().map_err(|_| ParseError::ArrayIndexNotNumber(p.to_string()))?;
            }
            Some(_) if i > 0 => {}
            None if i == 1 => {
                params[1] = ParamsEntry {
                    value: params[0].value.wrapping_add(1),
                    known: true,
                    derived: true,
                };
            }
            _ => {}
        }
    }
    Ok(params)
}

/// Splits a filter per upstream's `^([^!<>=]+)([!<>=]+)(.+?)$`; `None` means an existence test.
fn split_comparison(text: &str) -> Option<(&str, &str, &str)> {
    let is_op = |c: char| matches!(c, '!' | '<' | '>' | '=');
    if text.contains('\n') {
        return None;
    }
    let left_len = text.find(is_op)?;
    if left_len == 0 {
        return None;
    }
    let rest = &text[left_len..];
    let mut op_len = rest.find(|c: char| !is_op(c)).unwrap_or(rest.len());
    if op_len == rest.len() {
        // The right operand needs at least one character, so the operator gives one back.
        if op_len < 2 {
            return None;
        }
        op_len -= 1;
    }
    Some((&text[..left_len], &rest[..op_len], &rest[op_len..]))
}

/// Go's `strconv.ParseFloat` on the digits-and-dots text the number scanner accepts.
fn parse_go_float(text: &str) -> Option<f64> {
    let digits = text.trim_start_matches(['+', '-']);
    if digits.is_empty()
        || digits == "."
        || !digits.bytes().all(|b| b.is_ascii_digit() || b == b'.')
    {
        return None;
    }
    text.parse::<f64>().ok().filter(|f| f.is_finite())
}

/// Unquotes a single- or double-quoted string with Go's escapes, as upstream's
/// `UnquoteExtend`; `None` means invalid syntax.
pub fn unquote_extend(s: &str) -> Option<String> {
    let quote = *s.as_bytes().first()?;
    if s.len() < 2 || s.as_bytes().last() != Some(&quote) || !matches!(quote, b'"' | b'\'') {
        return None;
    }
    let inner = &s[1..s.len() - 1];
    let quote = char::from(quote);
    if !inner.contains(['\\', quote]) {
        return Some(inner.to_string());
    }
    let mut out: Vec<u8> = Vec::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == quote {
            return None;
        }
        if c != '\\' {
            let mut buf = [0u8; 4];
            out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
            continue;
        }
        let esc = chars.next()?;
        let simple = match esc {
            'a' => Some(7u8),
            'b' => Some(8),
            'f' => Some(12),
            'n' => Some(b'\n'),
            'r' => Some(b'\r'),
            't' => Some(b'\t'),
            'v' => Some(11),
            '\\' => Some(b'\\'),
            '\'' | '"' if esc == quote => Some(esc as u8),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            continue;
        }
        match esc {
            'x' | 'u' | 'U' => {
                let n = match esc {
                    'x' => 2,
                    'u' => 4,
                    _ => 8,
                };
                let mut v: u32 = 0;
                for _ in 0..n {
                    v = (v << 4) | chars.next()?.to_digit(16)?;
                }
                if esc == 'x' {
                    // `\x` yields a raw byte, not a code point.
                    out.push(u8::try_from(v).ok()?);
                } else {
                    let c = char::from_u32(v)?;
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
            '0'..='7' => {
                let mut v = esc.to_digit(8)?;
                for _ in 0..2 {
                    v = (v << 3) | chars.next()?.to_digit(8)?;
                }
                out.push(u8::try_from(v).ok()?);
            }
            _ => return None,
        }
    }
    // Raw `\x`/octal bytes may not form UTF-8; Rust strings cannot hold that.
    Some(String::from_utf8_lossy(&out).into_owned())
}

/// Upstream's terminators of identifiers and field names; `None` is the end of input.
fn is_terminator(r: Option<char>) -> bool {
    match r {
        None => true,
        Some(c) => {
            matches!(c, ' ' | '\t' | '\r' | '\n' | '.' | ',' | '[' | ']' | '$' | '@' | '{' | '}')
        }
    }
}

/// Go's `unicode.IsDigit` (decimal digits), approximated outside ASCII.
fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || (!c.is_ascii() && c.is_numeric())
}

fn is_alphanumeric(c: char) -> bool {
    c == '_' || c.is_alphabetic() || is_digit(c)
}

/// Go's `%#U`: `U+002A '*'`, without the quoted rune when it is not printable.
fn go_sharp_u(c: char) -> String {
    let code = format!("U+{:04X}", u32::from(c));
    if is_go_printable(c) { format!("{code} '{c}'") } else { code }
}

/// Go's `strconv.IsPrint`, approximated outside ASCII.
fn is_go_printable(c: char) -> bool {
    if c.is_ascii() {
        return c == ' ' || c.is_ascii_graphic();
    }
    let format_or_private = matches!(u32::from(c),
        0xAD | 0x600..=0x605 | 0x61C | 0x6DD | 0x70F | 0x180E | 0x200B..=0x200F
        | 0x2028..=0x202E | 0x2060..=0x206F | 0xFEFF | 0xFFF9..=0xFFFB
        | 0xE000..=0xF8FF | 0xF0000..);
    !c.is_control() && !c.is_whitespace() && !format_or_private
}
