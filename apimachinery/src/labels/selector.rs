//! Label selectors: requirements, their matching and canonical text, and the parser for the
//! selector language (`a=b,c!=d,e in (f,g),!h,i>3`), as upstream's `pkg/labels/selector.go`.

use std::collections::BTreeSet;
use std::fmt;

use super::invalid;
use super::{Error, Labels, Set};
use crate::errors::field::{BadValue, Path};
use crate::gofmt::aggregate;
use crate::validation::{is_qualified_name, is_valid_label_value};

/// How a requirement relates a label's value to its values (upstream's `selection.Operator`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operator {
    /// `!key`: the label is absent.
    DoesNotExist,
    /// `key=value`.
    Equals,
    /// `key==value`.
    DoubleEquals,
    /// `key in (a,b)`.
    In,
    /// `key!=value`: absent or different.
    NotEquals,
    /// `key notin (a,b)`: absent or none of the values.
    NotIn,
    /// `key`: the label is present.
    Exists,
    /// `key>N` (integer comparison).
    GreaterThan,
    /// `key<N` (integer comparison).
    LessThan,
}

impl Operator {
    /// Upstream's string value of the operator (`!`, `=`, `==`, `in`, `!=`, `notin`, `exists`,
    /// `gt`, `lt`).
    pub fn as_str(self) -> &'static str {
        match self {
            Operator::DoesNotExist => "!",
            Operator::Equals => "=",
            Operator::DoubleEquals => "==",
            Operator::In => "in",
            Operator::NotEquals => "!=",
            Operator::NotIn => "notin",
            Operator::Exists => "exists",
            Operator::GreaterThan => "gt",
            Operator::LessThan => "lt",
        }
    }
}

impl fmt::Display for Operator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The binary operators in upstream's order, as listed in "expected" parse errors.
const BINARY_OPERATORS: &str = "in, notin, =, ==, !=, gt, lt";

/// One condition of a selector: a key, an operator and the operator's values.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    key: String,
    operator: Operator,
    values: Vec<String>,
}

fn validate_label_key(key: &str, path: &Path) -> Option<String> {
    let errs = is_qualified_name(key);
    (!errs.is_empty()).then(|| invalid(path, key, &errs.join("; ")))
}

fn validate_label_value(key: &str, value: &str, path: &Path) -> Option<String> {
    let errs = is_valid_label_value(value);
    (!errs.is_empty()).then(|| invalid(&path.key(key), value, &errs.join("; ")))
}

impl Requirement {
    /// Builds a validated requirement. The key must be a qualified name and every value a valid
    /// label value; `In`/`NotIn` need at least one value, `=`/`==`/`!=` exactly one, `Exists`/
    /// `DoesNotExist` none, and `gt`/`lt` exactly one integer. The error lists every problem in
    /// upstream's wording (`values: Invalid value: [...]: ...`). Values keep their order.
    pub fn new(key: &str, operator: Operator, values: Vec<String>) -> Result<Self, Error> {
        Self::build(key, operator, values, false, &Path::nil())
    }

    /// `nil_values` renders an empty value list as a nil slice (`null`) in messages, as when
    /// upstream converts a `LabelSelector` whose expression has no values.
    pub(crate) fn build(
        key: &str,
        operator: Operator,
        values: Vec<String>,
        nil_values: bool,
        path: &Path,
    ) -> Result<Self, Error> {
        let mut errs = Vec::new();
        errs.extend(validate_label_key(key, &path.child("key")));
        let values_path = path.child("values");
        // A nil slice prints as `null`, an empty one as `[]`.
        let rendered = || {
            if nil_values && values.is_empty() { BadValue::Null } else { BadValue::json(&values) }
        };
        match operator {
            Operator::In | Operator::NotIn => {
                if values.is_empty() {
                    errs.push(invalid(
                        &values_path,
                        rendered(),
                        "for 'in', 'notin' operators, values set can't be empty",
                    ));
                }
            }
            Operator::Equals | Operator::DoubleEquals | Operator::NotEquals => {
                if values.len() != 1 {
                    errs.push(invalid(
                        &values_path,
                        rendered(),
                        "exact-match compatibility requires one single value",
                    ));
                }
            }
            Operator::Exists | Operator::DoesNotExist => {
                if !values.is_empty() {
                    errs.push(invalid(
                        &values_path,
                        rendered(),
                        "values set must be empty for exists and does not exist",
                    ));
                }
            }
            Operator::GreaterThan | Operator::LessThan => {
                if values.len() != 1 {
                    errs.push(invalid(
                        &values_path,
                        rendered(),
                        "for 'Gt', 'Lt' operators, exactly one value is required",
                    ));
                }
                for (i, v) in values.iter().enumerate() {
                    if v.parse::<i64>().is_err() {
                        errs.push(invalid(
                            &values_path.index(i),
                            v.as_str(),
                            "for 'Gt', 'Lt' operators, the value must be an integer",
                        ));
                    }
                }
            }
        }
        for (i, v) in values.iter().enumerate() {
            errs.extend(validate_label_value(key, v, &values_path.index(i)));
        }
        if !errs.is_empty() {
            return Err(Error::InvalidRequirement(aggregate(&errs)));
        }
        Ok(Requirement { key: key.to_string(), operator, values })
    }

    /// A requirement built without validation, for callers whose input is already known good
    /// (upstream's `SelectorFromValidatedSet`).
    pub(crate) fn unchecked(key: &str, operator: Operator, values: Vec<String>) -> Self {
        Requirement { key: key.to_string(), operator, values }
    }

    /// The label key.
    pub fn key(&self) -> &str {
        &self.key
    }

    /// The operator.
    pub fn operator(&self) -> Operator {
        self.operator
    }

    /// The values as a sorted set (upstream's `Values()`).
    pub fn values(&self) -> BTreeSet<String> {
        self.values.iter().cloned().collect()
    }

    /// The values in the order they were given (upstream's `ValuesUnsorted()`).
    pub fn values_unsorted(&self) -> &[String] {
        &self.values
    }

    fn has_value(&self, value: &str) -> bool {
        self.values.iter().any(|v| v == value)
    }

    /// Whether the labels satisfy this requirement. `!=` and `notin` match when the label is
    /// absent; `gt`/`lt` need the label to be present and both sides to be integers.
    pub fn matches(&self, labels: &(impl Labels + ?Sized)) -> bool {
        match self.operator {
            Operator::In | Operator::Equals | Operator::DoubleEquals => {
                labels.lookup(&self.key).is_some_and(|v| self.has_value(v))
            }
            Operator::NotIn | Operator::NotEquals => {
                labels.lookup(&self.key).is_none_or(|v| !self.has_value(v))
            }
            Operator::Exists => labels.has(&self.key),
            Operator::DoesNotExist => !labels.has(&self.key),
            Operator::GreaterThan | Operator::LessThan => {
                let Some(Ok(label_value)) = labels.lookup(&self.key).map(str::parse::<i64>) else {
                    return false;
                };
                let [wanted] = self.values.as_slice() else {
                    return false;
                };
                let Ok(wanted) = wanted.parse::<i64>() else {
                    return false;
                };
                if self.operator == Operator::GreaterThan {
                    label_value > wanted
                } else {
                    label_value < wanted
                }
            }
        }
    }
}

/// Upstream's string form: `key=v`, `key==v`, `key!=v`, `key in (a,b)`, `key notin (a)`,
/// `key>3`, `key<3`, `key`, `!key`; several values are printed sorted.
impl fmt::Display for Requirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.operator == Operator::DoesNotExist {
            f.write_str("!")?;
        }
        f.write_str(&self.key)?;
        let (op, parens) = match self.operator {
            Operator::Equals => ("=", false),
            Operator::DoubleEquals => ("==", false),
            Operator::NotEquals => ("!=", false),
            Operator::In => (" in ", true),
            Operator::NotIn => (" notin ", true),
            Operator::GreaterThan => (">", false),
            Operator::LessThan => ("<", false),
            Operator::Exists | Operator::DoesNotExist => return Ok(()),
        };
        f.write_str(op)?;
        if parens {
            f.write_str("(")?;
        }
        f.write_str(&safe_sort(&self.values).join(","))?;
        if parens {
            f.write_str(")")?;
        }
        Ok(())
    }
}

/// The values sorted, leaving the requirement's own order alone.
pub(crate) fn safe_sort(values: &[String]) -> Vec<String> {
    let mut out = values.to_vec();
    out.sort();
    out
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Inner {
    /// Matches no labels at all (upstream's `Nothing()`).
    Nothing,
    /// The AND of the requirements, kept sorted by key.
    Requirements(Vec<Requirement>),
}

/// A label selector: the AND of its requirements. The empty selector matches everything; the
/// special [`Selector::nothing`] matches nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Selector(Inner);

impl Default for Selector {
    fn default() -> Self {
        Selector::everything()
    }
}

impl Selector {
    /// The selector with no requirements, which matches every label set.
    pub fn everything() -> Self {
        Selector(Inner::Requirements(Vec::new()))
    }

    /// The selector that matches no label set (what a null `LabelSelector` means).
    pub fn nothing() -> Self {
        Selector(Inner::Nothing)
    }

    /// Parses upstream's selector syntax:
    ///
    /// ```text
    /// <selector>    ::= <requirement> | <requirement> "," <selector>
    /// <requirement> ::= [!] KEY [ <set-based> | <exact-match> ]
    /// <set-based>   ::= ("in" | "notin") "(" VALUE ("," VALUE)* ")"
    /// <exact-match> ::= ("=" | "==" | "!=" | ">" | "<") VALUE
    /// ```
    ///
    /// Blanks (space, tab, CR, LF) separate tokens; values may be empty. Requirements come out
    /// sorted by key, and set values sorted and de-duplicated. Errors carry upstream's text.
    pub fn parse(selector: &str) -> Result<Self, Error> {
        parse_requirements(selector, &Path::nil()).map(|reqs| Selector(Inner::Requirements(reqs)))
    }

    /// Like [`Selector::parse`], with key and value errors reported under `path` (for example
    /// `spec.selector`) instead of the bare field names.
    pub fn parse_with_path(selector: &str, path: &str) -> Result<Self, Error> {
        parse_requirements(selector, &Path::new(path))
            .map(|reqs| Selector(Inner::Requirements(reqs)))
    }

    /// The selector matching exactly the set's labels, without validating them (upstream's
    /// `SelectorFromSet` / `SelectorFromValidatedSet`); an empty set gives everything.
    pub fn from_set(set: &Set) -> Self {
        let reqs = set
            .iter()
            .map(|(k, v)| Requirement::unchecked(k, Operator::Equals, vec![v.clone()]))
            .collect();
        Selector(Inner::Requirements(reqs))
    }

    /// The selector matching exactly the set's labels, validating keys and values first
    /// (upstream's `ValidatedSelectorFromSet`).
    pub fn validated_from_set(set: &Set) -> Result<Self, Error> {
        let reqs = set
            .iter()
            .map(|(k, v)| Requirement::new(k, Operator::Equals, vec![v.clone()]))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Selector(Inner::Requirements(reqs)))
    }

    /// Whether the labels satisfy every requirement.
    pub fn matches(&self, labels: &(impl Labels + ?Sized)) -> bool {
        match &self.0 {
            Inner::Nothing => false,
            Inner::Requirements(reqs) => reqs.iter().all(|r| r.matches(labels)),
        }
    }

    /// Whether the selector places no restriction (it has no requirements). The nothing
    /// selector is not empty.
    pub fn is_empty(&self) -> bool {
        matches!(&self.0, Inner::Requirements(r) if r.is_empty())
    }

    /// Whether this is the selector that matches nothing (upstream's `MatchesNothing`).
    pub fn matches_nothing(&self) -> bool {
        self.0 == Inner::Nothing
    }

    /// The requirements, or `None` for the nothing selector (upstream's `selectable == false`).
    pub fn requirements(&self) -> Option<&[Requirement]> {
        match &self.0 {
            Inner::Nothing => None,
            Inner::Requirements(reqs) => Some(reqs),
        }
    }

    /// A copy with the requirements added, re-sorted by key (stable for equal keys). Adding to
    /// the nothing selector leaves it nothing.
    pub fn add(&self, requirements: impl IntoIterator<Item = Requirement>) -> Self {
        match &self.0 {
            Inner::Nothing => Selector::nothing(),
            Inner::Requirements(reqs) => {
                let mut all = reqs.clone();
                all.extend(requirements);
                all.sort_by(|a, b| a.key.cmp(&b.key));
                Selector(Inner::Requirements(all))
            }
        }
    }

    /// The single value the selector requires for `label`, if its first requirement on that
    /// label is `=`, `==` or `in` with exactly one value.
    pub fn requires_exact_match(&self, label: &str) -> Option<String> {
        let Inner::Requirements(reqs) = &self.0 else {
            return None;
        };
        let req = reqs.iter().find(|r| r.key == label)?;
        match (req.operator, req.values.as_slice()) {
            (Operator::Equals | Operator::DoubleEquals | Operator::In, [one]) => Some(one.clone()),
            _ => None,
        }
    }
}

/// The canonical text: requirements joined by `,`; empty for everything and for nothing.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let Inner::Requirements(reqs) = &self.0 else {
            return Ok(());
        };
        for (i, r) in reqs.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{r}")?;
        }
        Ok(())
    }
}

impl std::str::FromStr for Selector {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

/// Parses a selector into its requirements, sorted by key (upstream's `ParseToRequirements`).
pub fn parse_to_requirements(selector: &str) -> Result<Vec<Requirement>, Error> {
    parse_requirements(selector, &Path::nil())
}

// ---------------------------------------------------------------------------------------------
// Lexer.

/// The lexer's token kinds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Token {
    Error,
    EndOfString,
    ClosedPar,
    Comma,
    DoesNotExist,
    DoubleEquals,
    Equals,
    GreaterThan,
    Identifier,
    In,
    LessThan,
    NotEquals,
    NotIn,
    OpenPar,
}

fn keyword(s: &[u8]) -> Option<Token> {
    Some(match s {
        b")" => Token::ClosedPar,
        b"," => Token::Comma,
        b"!" => Token::DoesNotExist,
        b"==" => Token::DoubleEquals,
        b"=" => Token::Equals,
        b">" => Token::GreaterThan,
        b"in" => Token::In,
        b"<" => Token::LessThan,
        b"!=" => Token::NotEquals,
        b"notin" => Token::NotIn,
        b"(" => Token::OpenPar,
        _ => return None,
    })
}

fn is_whitespace(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_special_symbol(b: u8) -> bool {
    matches!(b, b'=' | b'!' | b'(' | b')' | b',' | b'>' | b'<')
}

/// Splits a selector into tokens. It reads bytes; a NUL byte reads as end of input, as the
/// upstream lexer's zero sentinel does.
pub(crate) struct Lexer<'a> {
    s: &'a [u8],
    pos: usize,
}

impl<'a> Lexer<'a> {
    pub(crate) fn new(s: &'a str) -> Self {
        Lexer { s: s.as_bytes(), pos: 0 }
    }

    fn read(&mut self) -> u8 {
        match self.s.get(self.pos) {
            Some(&b) => {
                self.pos += 1;
                b
            }
            None => 0,
        }
    }

    fn unread(&mut self) {
        self.pos = self.pos.saturating_sub(1);
    }

    fn text(bytes: &[u8]) -> String {
        // Tokens split only at ASCII bytes, so they are whole UTF-8 except around a NUL read
        // inside a character, which str input cannot contain.
        String::from_utf8_lossy(bytes).into_owned()
    }

    fn scan_id_or_keyword(&mut self) -> (Token, String) {
        let start = self.pos;
        let mut end;
        loop {
            end = self.pos;
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if is_special_symbol(ch) || is_whitespace(ch) {
                self.unread();
                break;
            }
        }
        let word = &self.s[start..end];
        (keyword(word).unwrap_or(Token::Identifier), Self::text(word))
    }

    fn scan_special_symbol(&mut self) -> (Token, String) {
        let start = self.pos;
        let mut last: Option<(Token, usize)> = None;
        loop {
            let ch = self.read();
            if ch == 0 {
                break;
            }
            if !is_special_symbol(ch) {
                self.unread();
                break;
            }
            match keyword(&self.s[start..self.pos]) {
                Some(tok) => last = Some((tok, self.pos)),
                None if last.is_some() => {
                    self.unread();
                    break;
                }
                None => {}
            }
        }
        match last {
            Some((tok, end)) => (tok, Self::text(&self.s[start..end])),
            None => (
                Token::Error,
                format!("error expected: keyword found '{}'", Self::text(&self.s[start..self.pos])),
            ),
        }
    }

    /// The next token and its text.
    pub(crate) fn lex(&mut self) -> (Token, String) {
        let mut ch = self.read();
        while is_whitespace(ch) {
            ch = self.read();
        }
        if ch == 0 {
            return (Token::EndOfString, String::new());
        }
        self.unread();
        if is_special_symbol(ch) { self.scan_special_symbol() } else { self.scan_id_or_keyword() }
    }
}

// ---------------------------------------------------------------------------------------------
// Parser.

/// Whether `in`/`notin` are operators (after a key) or plain words (as values).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Context {
    KeyAndOperator,
    Values,
}

pub(crate) struct Parser {
    items: Vec<(Token, String)>,
    position: usize,
    path: Path,
}

impl Parser {
    pub(crate) fn new(selector: &str, path: Path) -> Self {
        let mut lexer = Lexer::new(selector);
        let mut items = Vec::new();
        loop {
            let item = lexer.lex();
            let end = item.0 == Token::EndOfString;
            items.push(item);
            if end {
                break;
            }
        }
        Parser { items, position: 0, path }
    }

    fn item(&self, at: usize, context: Context) -> (Token, String) {
        let (tok, lit) = self
            .items
            .get(at)
            .or(self.items.last())
            .cloned()
            .unwrap_or((Token::EndOfString, String::new()));
        match (context, tok) {
            (Context::Values, Token::In | Token::NotIn) => (Token::Identifier, lit),
            _ => (tok, lit),
        }
    }

    pub(crate) fn lookahead(&self, context: Context) -> (Token, String) {
        self.item(self.position, context)
    }

    pub(crate) fn consume(&mut self, context: Context) -> (Token, String) {
        let item = self.item(self.position, context);
        self.position += 1;
        item
    }

    fn parse(&mut self) -> Result<Vec<Requirement>, Error> {
        let mut reqs = Vec::new();
        loop {
            let (tok, lit) = self.lookahead(Context::Values);
            match tok {
                Token::Identifier | Token::DoesNotExist => {
                    let req = self.parse_requirement().map_err(|e| {
                        Error::Parse(format!("unable to parse requirement: {}", e.message()))
                    })?;
                    reqs.push(req);
                    let (t, l) = self.consume(Context::Values);
                    match t {
                        Token::EndOfString => return Ok(reqs),
                        Token::Comma => {
                            let (t2, l2) = self.lookahead(Context::Values);
                            if t2 != Token::Identifier && t2 != Token::DoesNotExist {
                                return Err(Error::Parse(format!(
                                    "found '{l2}', expected: identifier after ','"
                                )));
                            }
                        }
                        _ => {
                            return Err(Error::Parse(format!(
                                "found '{l}', expected: ',' or 'end of string'"
                            )));
                        }
                    }
                }
                Token::EndOfString => return Ok(reqs),
                _ => {
                    return Err(Error::Parse(format!(
                        "found '{lit}', expected: !, identifier, or 'end of string'"
                    )));
                }
            }
        }
    }

    fn parse_requirement(&mut self) -> Result<Requirement, Error> {
        let (key, operator) = self.parse_key_and_infer_operator()?;
        if let Some(op) = operator {
            return Requirement::build(&key, op, Vec::new(), false, &self.path);
        }
        let operator = self.parse_operator()?;
        let values = match operator {
            Operator::In | Operator::NotIn => self.parse_values()?,
            _ => self.parse_exact_value()?,
        };
        Requirement::build(&key, operator, values.into_iter().collect(), false, &self.path)
    }

    /// The key, with `Exists` or `DoesNotExist` when no binary operator follows it.
    fn parse_key_and_infer_operator(&mut self) -> Result<(String, Option<Operator>), Error> {
        let mut operator = None;
        let (mut tok, mut lit) = self.consume(Context::Values);
        if tok == Token::DoesNotExist {
            operator = Some(Operator::DoesNotExist);
            (tok, lit) = self.consume(Context::Values);
        }
        if tok != Token::Identifier {
            return Err(Error::Parse(format!("found '{lit}', expected: identifier")));
        }
        if let Some(err) = validate_label_key(&lit, &self.path) {
            return Err(Error::Parse(err));
        }
        let (next, _) = self.lookahead(Context::Values);
        if (next == Token::EndOfString || next == Token::Comma) && operator.is_none() {
            operator = Some(Operator::Exists);
        }
        Ok((lit, operator))
    }

    pub(crate) fn parse_operator(&mut self) -> Result<Operator, Error> {
        let (tok, lit) = self.consume(Context::KeyAndOperator);
        Ok(match tok {
            Token::In => Operator::In,
            Token::Equals => Operator::Equals,
            Token::DoubleEquals => Operator::DoubleEquals,
            Token::GreaterThan => Operator::GreaterThan,
            Token::LessThan => Operator::LessThan,
            Token::NotIn => Operator::NotIn,
            Token::NotEquals => Operator::NotEquals,
            _ => {
                return Err(Error::Parse(format!("found '{lit}', expected: {BINARY_OPERATORS}")));
            }
        })
    }

    /// `( a, b, ... )`; `()` is the single empty value.
    fn parse_values(&mut self) -> Result<BTreeSet<String>, Error> {
        let (tok, lit) = self.consume(Context::Values);
        if tok != Token::OpenPar {
            return Err(Error::Parse(format!("found '{lit}' expected: '('")));
        }
        let (tok, lit) = self.lookahead(Context::Values);
        match tok {
            Token::Identifier | Token::Comma => {
                let values = self.parse_identifiers_list()?;
                let (tok, _) = self.consume(Context::Values);
                if tok != Token::ClosedPar {
                    return Err(Error::Parse(format!("found '{lit}', expected: ')'")));
                }
                Ok(values)
            }
            Token::ClosedPar => {
                self.consume(Context::Values);
                Ok(BTreeSet::from([String::new()]))
            }
            _ => Err(Error::Parse(format!("found '{lit}', expected: ',', ')' or identifier"))),
        }
    }

    /// A comma-separated list in which empty items are the empty value.
    fn parse_identifiers_list(&mut self) -> Result<BTreeSet<String>, Error> {
        let mut values = BTreeSet::new();
        loop {
            let (tok, lit) = self.consume(Context::Values);
            match tok {
                Token::Identifier => {
                    values.insert(lit);
                    let (tok2, lit2) = self.lookahead(Context::Values);
                    match tok2 {
                        Token::Comma => continue,
                        Token::ClosedPar => return Ok(values),
                        _ => {
                            return Err(Error::Parse(format!(
                                "found '{lit2}', expected: ',' or ')'"
                            )));
                        }
                    }
                }
                Token::Comma => {
                    if values.is_empty() {
                        values.insert(String::new());
                    }
                    let (tok2, _) = self.lookahead(Context::Values);
                    if tok2 == Token::ClosedPar {
                        values.insert(String::new());
                        return Ok(values);
                    }
                    if tok2 == Token::Comma {
                        values.insert(String::new());
                    }
                }
                _ => {
                    return Err(Error::Parse(format!(
                        "found '{lit}', expected: ',', or identifier"
                    )));
                }
            }
        }
    }

    /// The one value after `=`, `==`, `!=`, `>` or `<`; nothing before `,` or the end is the
    /// empty value.
    fn parse_exact_value(&mut self) -> Result<BTreeSet<String>, Error> {
        let (tok, _) = self.lookahead(Context::Values);
        if tok == Token::EndOfString || tok == Token::Comma {
            return Ok(BTreeSet::from([String::new()]));
        }
        let (tok, lit) = self.consume(Context::Values);
        if tok == Token::Identifier {
            return Ok(BTreeSet::from([lit]));
        }
        Err(Error::Parse(format!("found '{lit}', expected: identifier")))
    }
}

fn parse_requirements(selector: &str, path: &Path) -> Result<Vec<Requirement>, Error> {
    let mut reqs = Parser::new(selector, path.clone()).parse()?;
    reqs.sort_by(|a, b| a.key.cmp(&b.key));
    Ok(reqs)
}
