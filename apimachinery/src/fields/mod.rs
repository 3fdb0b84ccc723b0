//! Field selectors (k8s.io/apimachinery `pkg/fields`): sets of field values, the
//! `a=b,c!=d` selector language with backslash escaping of values, matching, canonical text and
//! transformation of field names, with upstream's error messages.

use std::collections::BTreeMap;
use std::fmt;

pub use crate::labels::Operator;

#[cfg(test)]
mod tests;

/// A field-selector error; its text is upstream's message, word for word.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// A term has no operator (or an unknown one).
    #[error("invalid selector: '{selector}'; can't understand '{term}'")]
    InvalidSelector {
        /// The whole selector text.
        selector: String,
        /// The term that could not be read.
        term: String,
    },
    /// A value has a backslash not followed by `\`, `,` or `=`.
    #[error("invalid field selector: invalid escape sequence: {0}")]
    InvalidEscapeSequence(String),
    /// A value has a bare `,` or `=` (upstream prints the character's code point).
    #[error("invalid field selector: unescaped character in value: {}", u32::from(*.0))]
    UnescapedRune(char),
    /// A transform function rejected a term; the text is the function's own.
    #[error("{0}")]
    Transform(String),
}

/// Read access to an object's selectable fields. A missing field reads as the empty string
/// when matching, as upstream's `Get` does.
pub trait Fields {
    /// The value of the field, if present.
    fn lookup(&self, field: &str) -> Option<&str>;

    /// Whether the field is present.
    fn has(&self, field: &str) -> bool {
        self.lookup(field).is_some()
    }
}

/// A map of field paths (`metadata.name`, `spec.nodeName`, ...) to values. It dereferences to
/// its `BTreeMap`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Set(pub BTreeMap<String, String>);

impl Set {
    /// An empty set.
    pub fn new() -> Self {
        Set::default()
    }

    /// The selector matching exactly these field values.
    pub fn as_selector(&self) -> Selector {
        Selector::from_set(self)
    }
}

crate::labels::string_map_set!(Set, Fields);

/// One condition of a field selector: `field=value` or `field!=value`.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Requirement {
    /// `Equals` or `NotEquals`.
    pub operator: Operator,
    /// The field path.
    pub field: String,
    /// The (unescaped) value.
    pub value: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Term {
    Nothing,
    Has { field: String, value: String },
    NotHas { field: String, value: String },
    And(Vec<Selector>),
}

/// A field selector: the AND of `field=value` and `field!=value` terms. The empty selector
/// matches everything; [`Selector::nothing`] matches nothing.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Selector(Term);

impl Default for Selector {
    fn default() -> Self {
        Selector::everything()
    }
}

impl Selector {
    /// The selector with no terms, which matches everything.
    pub fn everything() -> Self {
        Selector(Term::And(Vec::new()))
    }

    /// The selector that matches nothing.
    pub fn nothing() -> Self {
        Selector(Term::Nothing)
    }

    /// Matches objects whose `field` equals `value`.
    pub fn one_term_equal(field: &str, value: &str) -> Self {
        Selector(Term::Has { field: field.to_string(), value: value.to_string() })
    }

    /// Matches objects whose `field` differs from `value`.
    pub fn one_term_not_equal(field: &str, value: &str) -> Self {
        Selector(Term::NotHas { field: field.to_string(), value: value.to_string() })
    }

    /// The AND of the selectors.
    pub fn and(selectors: impl IntoIterator<Item = Selector>) -> Self {
        Selector(Term::And(selectors.into_iter().collect()))
    }

    /// The selector matching exactly the set's field values.
    pub fn from_set(set: &Set) -> Self {
        let mut terms: Vec<Selector> =
            set.iter().map(|(k, v)| Selector::one_term_equal(k, v)).collect();
        if terms.len() == 1 {
            return terms.remove(0);
        }
        Selector(Term::And(terms))
    }

    /// Parses `field=value,field2!=value2` (`==` is the same as `=`). Terms are split on
    /// unescaped commas and sorted; a field ends at the first operator; values are unescaped
    /// (see [`unescape_value`]). Empty terms are skipped.
    pub fn parse(selector: &str) -> Result<Self, Error> {
        Self::parse_and_transform(selector, |f, v| Ok((f.to_string(), v.to_string())))
    }

    /// Parses like [`Selector::parse`], then passes every term through `transform` (upstream's
    /// `ParseAndTransformSelector`).
    pub fn parse_and_transform(
        selector: &str,
        transform: impl FnMut(&str, &str) -> Result<(String, String), Error>,
    ) -> Result<Self, Error> {
        let mut parts = split_terms(selector);
        parts.sort();
        let mut items = Vec::new();
        for part in parts.into_iter().filter(|p| !p.is_empty()) {
            let Some((lhs, op, rhs)) = split_term(part) else {
                return Err(Error::InvalidSelector {
                    selector: selector.to_string(),
                    term: part.to_string(),
                });
            };
            let value = unescape_value(rhs)?;
            items.push(if op == "!=" {
                Selector::one_term_not_equal(lhs, &value)
            } else {
                Selector::one_term_equal(lhs, &value)
            });
        }
        if items.len() == 1 {
            return items.remove(0).transform(transform);
        }
        Selector(Term::And(items)).transform(transform)
    }

    /// Whether the fields satisfy every term (a missing field counts as empty).
    pub fn matches(&self, fields: &(impl Fields + ?Sized)) -> bool {
        match &self.0 {
            Term::Nothing => false,
            Term::Has { field, value } => fields.lookup(field).unwrap_or("") == value,
            Term::NotHas { field, value } => fields.lookup(field).unwrap_or("") != value,
            Term::And(terms) => terms.iter().all(|t| t.matches(fields)),
        }
    }

    /// Whether the selector places no restriction. The nothing selector is not empty.
    pub fn is_empty(&self) -> bool {
        match &self.0 {
            Term::Nothing | Term::Has { .. } | Term::NotHas { .. } => false,
            Term::And(terms) => terms.iter().all(Selector::is_empty),
        }
    }

    /// The value the selector requires `field` to equal, if some `field=value` term says so.
    pub fn requires_exact_match(&self, field: &str) -> Option<String> {
        match &self.0 {
            Term::Has { field: f, value } if f == field => Some(value.clone()),
            Term::And(terms) => terms.iter().find_map(|t| t.requires_exact_match(field)),
            _ => None,
        }
    }

    /// A copy with every term's field and value passed through `transform`; a term turned into
    /// an empty field and empty value is dropped.
    pub fn transform<E>(
        &self,
        mut transform: impl FnMut(&str, &str) -> Result<(String, String), E>,
    ) -> Result<Selector, E> {
        self.transform_with(&mut transform)
    }

    fn transform_with<E>(
        &self,
        transform: &mut impl FnMut(&str, &str) -> Result<(String, String), E>,
    ) -> Result<Selector, E> {
        Ok(match &self.0 {
            Term::Nothing => Selector::nothing(),
            Term::Has { field, value } | Term::NotHas { field, value } => {
                let (field, value) = transform(field, value)?;
                if field.is_empty() && value.is_empty() {
                    return Ok(Selector::everything());
                }
                Selector(if matches!(self.0, Term::Has { .. }) {
                    Term::Has { field, value }
                } else {
                    Term::NotHas { field, value }
                })
            }
            Term::And(terms) => {
                let mut next = Vec::with_capacity(terms.len());
                for t in terms {
                    let n = t.transform_with(transform)?;
                    if !n.is_empty() {
                        next.push(n);
                    }
                }
                Selector(Term::And(next))
            }
        })
    }

    /// The terms, flattened, in order.
    pub fn requirements(&self) -> Vec<Requirement> {
        let mut out = Vec::new();
        self.collect_requirements(&mut out);
        out
    }

    fn collect_requirements(&self, out: &mut Vec<Requirement>) {
        match &self.0 {
            Term::Nothing => {}
            Term::Has { field, value } => out.push(Requirement {
                operator: Operator::Equals,
                field: field.clone(),
                value: value.clone(),
            }),
            Term::NotHas { field, value } => out.push(Requirement {
                operator: Operator::NotEquals,
                field: field.clone(),
                value: value.clone(),
            }),
            Term::And(terms) => terms.iter().for_each(|t| t.collect_requirements(out)),
        }
    }
}

/// The canonical text: `field=value` / `field!=value` terms (values escaped) joined by `,`;
/// empty for everything and nothing.
impl fmt::Display for Selector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            Term::Nothing => Ok(()),
            Term::Has { field, value } => write!(f, "{field}={}", escape_value(value)),
            Term::NotHas { field, value } => write!(f, "{field}!={}", escape_value(value)),
            Term::And(terms) => {
                for (i, t) in terms.iter().enumerate() {
                    if i > 0 {
                        f.write_str(",")?;
                    }
                    write!(f, "{t}")?;
                }
                Ok(())
            }
        }
    }
}

impl std::str::FromStr for Selector {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Selector::parse(s)
    }
}

/// Parses a field selector (upstream's `ParseSelector`).
pub fn parse_selector(selector: &str) -> Result<Selector, Error> {
    Selector::parse(selector)
}

/// Matches objects whose `field` equals `value` (upstream's `OneTermEqualSelector`).
pub fn one_term_equal_selector(field: &str, value: &str) -> Selector {
    Selector::one_term_equal(field, value)
}

/// Escapes a literal value for use in a field selector: `\` becomes `\\`, `,` becomes `\,` and
/// `=` becomes `\=`.
pub fn escape_value(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        if matches!(c, '\\' | ',' | '=') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Reverses [`escape_value`]: `\\`, `\,` and `\=` become `\`, `,` and `=`; any other escape, a
/// trailing lone backslash, or a bare `,` or `=` is an error.
pub fn unescape_value(value: &str) -> Result<String, Error> {
    if !value.contains(['\\', ',', '=']) {
        return Ok(value.to_string());
    }
    let mut out = String::with_capacity(value.len());
    let mut in_slash = false;
    for c in value.chars() {
        if in_slash {
            if !matches!(c, '\\' | ',' | '=') {
                return Err(Error::InvalidEscapeSequence(format!("\\{c}")));
            }
            out.push(c);
            in_slash = false;
            continue;
        }
        match c {
            '\\' => in_slash = true,
            ',' | '=' => return Err(Error::UnescapedRune(c)),
            c => out.push(c),
        }
    }
    if in_slash {
        return Err(Error::InvalidEscapeSequence("\\".to_string()));
    }
    Ok(out)
}

/// Splits on commas not escaped by a backslash, keeping escapes in the terms.
fn split_terms(selector: &str) -> Vec<&str> {
    if selector.is_empty() {
        return Vec::new();
    }
    let mut terms = Vec::new();
    let mut start = 0;
    let mut in_slash = false;
    for (i, c) in selector.char_indices() {
        if in_slash {
            in_slash = false;
        } else if c == '\\' {
            in_slash = true;
        } else if c == ',' {
            terms.push(&selector[start..i]);
            start = i + 1;
        }
    }
    terms.push(&selector[start..]);
    terms
}

/// Splits a term at its first operator, trying `!=`, then `==`, then `=` at each position.
fn split_term(term: &str) -> Option<(&str, &'static str, &str)> {
    for (i, _) in term.char_indices() {
        let rest = &term[i..];
        for op in ["!=", "==", "="] {
            if let Some(rhs) = rest.strip_prefix(op) {
                return Some((&term[..i], op, rhs));
            }
        }
    }
    None
}
