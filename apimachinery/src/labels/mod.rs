//! Labels and label selectors (k8s.io/apimachinery `pkg/labels`, plus the `LabelSelector`
//! helpers of `pkg/apis/meta/v1`): label sets, the selector language with upstream's grammar,
//! canonical text and error messages, and conversion to and from the API's `LabelSelector`.

use std::collections::BTreeMap;

mod label_selector;
mod selector;
#[cfg(test)]
mod tests;

pub use label_selector::{
    format_label_selector, label_selector_as_map, label_selector_as_selector,
    parse_to_label_selector, set_as_label_selector,
};
pub use selector::{Operator, Requirement, Selector, parse_to_requirements};

use crate::errors::field::{BadValue, Error as FieldError, Path};

/// Implements what `labels::Set` and `fields::Set` share (upstream keeps them distinct types
/// with the same map behaviour): the lookup trait over the usual string maps, `Deref` to the
/// `BTreeMap`, conversions, and the `k=v,...` display (sorted, values not escaped).
macro_rules! string_map_set {
    ($set:ident, $lookup:ident) => {
        impl $lookup for ::std::collections::BTreeMap<String, String> {
            fn lookup(&self, key: &str) -> Option<&str> {
                self.get(key).map(String::as_str)
            }
        }

        impl $lookup for ::std::collections::HashMap<String, String> {
            fn lookup(&self, key: &str) -> Option<&str> {
                self.get(key).map(String::as_str)
            }
        }

        impl $lookup for $set {
            fn lookup(&self, key: &str) -> Option<&str> {
                self.0.get(key).map(String::as_str)
            }
        }

        impl ::std::ops::Deref for $set {
            type Target = ::std::collections::BTreeMap<String, String>;

            fn deref(&self) -> &Self::Target {
                &self.0
            }
        }

        impl ::std::ops::DerefMut for $set {
            fn deref_mut(&mut self) -> &mut Self::Target {
                &mut self.0
            }
        }

        impl From<::std::collections::BTreeMap<String, String>> for $set {
            fn from(map: ::std::collections::BTreeMap<String, String>) -> Self {
                $set(map)
            }
        }

        impl From<$set> for ::std::collections::BTreeMap<String, String> {
            fn from(set: $set) -> Self {
                set.0
            }
        }

        impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for $set {
            fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
                $set(iter.into_iter().map(|(k, v)| (k.into(), v.into())).collect())
            }
        }

        impl<K: Into<String>, V: Into<String>, const N: usize> From<[(K, V); N]> for $set {
            fn from(pairs: [(K, V); N]) -> Self {
                pairs.into_iter().collect()
            }
        }

        impl ::std::fmt::Display for $set {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&$crate::labels::sorted_pairs(&self.0))
            }
        }
    };
}
pub(crate) use string_map_set;

/// A label or selector error; its text is upstream's message, word for word.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Error {
    /// The selector text could not be parsed.
    #[error("{0}")]
    Parse(String),
    /// A requirement's key, operator or values are invalid (upstream's aggregated field errors).
    #[error("{0}")]
    InvalidRequirement(String),
    /// A `LabelSelector` cannot be converted (bad operator, or not expressible as a map).
    #[error("{0}")]
    InvalidLabelSelector(String),
}

impl Error {
    /// The message, without any variant decoration.
    pub fn message(&self) -> &str {
        match self {
            Error::Parse(m) | Error::InvalidRequirement(m) | Error::InvalidLabelSelector(m) => m,
        }
    }
}

/// Read access to a set of labels, so selectors can match any label storage.
pub trait Labels {
    /// The value of the label, if present.
    fn lookup(&self, label: &str) -> Option<&str>;

    /// Whether the label is present (possibly with an empty value).
    fn has(&self, label: &str) -> bool {
        self.lookup(label).is_some()
    }
}

/// A map of label keys to values. It dereferences to its `BTreeMap`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Set(pub BTreeMap<String, String>);

impl Set {
    /// An empty set.
    pub fn new() -> Self {
        Set::default()
    }

    /// The selector matching exactly these labels, unvalidated (upstream's `AsSelector`).
    pub fn as_selector(&self) -> Selector {
        Selector::from_set(self)
    }

    /// The selector matching exactly these labels, after validating them.
    pub fn as_validated_selector(&self) -> Result<Selector, Error> {
        Selector::validated_from_set(self)
    }
}

string_map_set!(Set, Labels);

/// `k=v` pairs joined by `,`, sorted as whole `k=v` strings (as upstream sorts them), which is
/// also a selector matching the set.
/// The text of upstream's `field.Invalid(path, value, detail)` error, as label errors embed it.
fn invalid(path: &Path, value: impl Into<BadValue>, detail: &str) -> String {
    FieldError::invalid(path, value, detail).to_string()
}

pub(crate) fn sorted_pairs(map: &BTreeMap<String, String>) -> String {
    let mut pairs: Vec<String> = map.iter().map(|(k, v)| format!("{k}={v}")).collect();
    pairs.sort();
    pairs.join(",")
}

/// Parses a label selector (see [`Selector::parse`]).
pub fn parse(selector: &str) -> Result<Selector, Error> {
    Selector::parse(selector)
}

/// The selector matching exactly the set, without validation (upstream's `SelectorFromSet`).
pub fn selector_from_set(set: &Set) -> Selector {
    Selector::from_set(set)
}

/// The selector matching exactly an already validated set (upstream's
/// `SelectorFromValidatedSet`; no validation is done).
pub fn selector_from_validated_set(set: &Set) -> Selector {
    Selector::from_set(set)
}

/// The selector matching exactly the set, validating keys and values first (upstream's
/// `ValidatedSelectorFromSet`).
pub fn validated_selector_from_set(set: &Set) -> Result<Selector, Error> {
    Selector::validated_from_set(set)
}

/// Labels as `kubectl` prints them: `k=v,...`, or `<none>` when there are none.
pub fn format_labels(labels: &BTreeMap<String, String>) -> String {
    let s = sorted_pairs(labels);
    if s.is_empty() { "<none>".to_string() } else { s }
}

/// Whether the two sets give some key different values.
pub fn conflicts(a: &Set, b: &Set) -> bool {
    let (small, big) = if b.len() < a.len() { (b, a) } else { (a, b) };
    small.iter().any(|(k, v)| big.get(k).is_some_and(|other| other != v))
}

/// The union of the two sets; on a shared key the second set's value wins.
pub fn merge(a: &Set, b: &Set) -> Set {
    let mut out = a.clone();
    out.extend(b.iter().map(|(k, v)| (k.clone(), v.clone())));
    out
}

/// Reads a plain `k=v,k2=v2` selector into a set, validating keys and values (upstream's
/// `ConvertSelectorToLabelsMap`). Blanks around keys and values are trimmed; any other form
/// (`!=`, `in`, a bare key) is an error.
pub fn convert_selector_to_labels_map(selector: &str) -> Result<Set, Error> {
    let mut set = Set::new();
    if selector.is_empty() {
        return Ok(set);
    }
    let nil = Path::nil();
    for label in selector.split(',') {
        let parts: Vec<&str> = label.split('=').collect();
        let [key, value] = parts.as_slice() else {
            return Err(Error::Parse(format!("invalid selector: [{}]", parts.join(" "))));
        };
        let key = key.trim();
        let msgs = crate::validation::is_qualified_name(key);
        if !msgs.is_empty() {
            return Err(Error::InvalidRequirement(invalid(&nil, key, &msgs.join("; "))));
        }
        let value = value.trim();
        let msgs = crate::validation::is_valid_label_value(value);
        if !msgs.is_empty() {
            return Err(Error::InvalidRequirement(invalid(&nil.key(key), value, &msgs.join("; "))));
        }
        set.insert(key.to_string(), value.to_string());
    }
    Ok(set)
}
