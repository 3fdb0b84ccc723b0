//! Field paths and field-level validation errors (`spec.containers[0].image: Required value`),
//! as k8s.io/apimachinery's `util/validation/field`.

use std::fmt;
use std::ops::{Deref, DerefMut};
use std::sync::Arc;

use crate::gofmt;

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Element {
    /// A field name, or empty for a subscript.
    name: String,
    /// The subscript (index or map key) when `name` is empty.
    index: String,
}

/// A path to a field inside an object, such as `spec.containers[0].image`.
///
/// Like upstream's, a path points at its last step, which points at its parent: extending a
/// path (done for every field a validation visits) allocates one step and copies nothing.
#[derive(Clone)]
pub struct Path {
    last: Option<Arc<Step>>,
}

struct Step {
    parent: Option<Arc<Step>>,
    element: Element,
    /// Steps from the root to this one, this one included.
    len: usize,
}

impl Path {
    /// A root path naming one field (`NewPath`).
    pub fn new(name: impl Into<String>) -> Self {
        Self::nil().push(Element { name: name.into(), index: String::new() })
    }

    /// Go's nil `*field.Path`: prints `<nil>` alone, and what is appended to it starts a path
    /// with no root (`nil.Key("k")` prints `[k]`).
    pub fn nil() -> Self {
        Self { last: None }
    }

    /// A root path through several fields: `Path::from_names(["spec", "replicas"])`.
    /// An empty list gives the path of the empty name.
    pub fn from_names<I, S>(names: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        let mut out = Self::nil();
        for n in names {
            out = out.child(n);
        }
        if out.last.is_none() {
            return Self::new("");
        }
        out
    }

    fn push(&self, element: Element) -> Self {
        let len = self.len() + 1;
        Self { last: Some(Arc::new(Step { parent: self.last.clone(), element, len })) }
    }

    fn len(&self) -> usize {
        self.last.as_ref().map_or(0, |s| s.len)
    }

    /// The steps from the root.
    fn elements(&self) -> Vec<&Element> {
        let mut out = Vec::with_capacity(self.len());
        let mut step = self.last.as_deref();
        while let Some(s) = step {
            out.push(&s.element);
            step = s.parent.as_deref();
        }
        out.reverse();
        out
    }

    /// This path extended by a field name (`Child`).
    pub fn child(&self, name: impl Into<String>) -> Self {
        self.push(Element { name: name.into(), index: String::new() })
    }

    /// This path extended by a list index: `[3]` (`Index`).
    pub fn index(&self, index: usize) -> Self {
        self.key(index.to_string())
    }

    /// This path extended by a map key: `[key]` (`Key`).
    pub fn key(&self, key: impl Into<String>) -> Self {
        self.push(Element { name: String::new(), index: key.into() })
    }

    /// The path without its last element; `None` at the root.
    pub fn parent(&self) -> Option<Self> {
        if self.len() <= 1 {
            return None;
        }
        Some(Self { last: self.last.as_ref().and_then(|s| s.parent.clone()) })
    }

    /// The first element alone (`Root`).
    pub fn root(&self) -> Self {
        match self.elements().first() {
            Some(e) => Self::nil().push((*e).clone()),
            None => Self::nil(),
        }
    }
}

impl PartialEq for Path {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.elements() == other.elements()
    }
}

impl Eq for Path {}

impl std::hash::Hash for Path {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.elements().hash(state);
    }
}

impl fmt::Debug for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Path").field("elements", &self.elements()).finish()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let elements = self.elements();
        if elements.is_empty() {
            return f.write_str("<nil>");
        }
        for (i, e) in elements.iter().enumerate() {
            if e.name.is_empty() {
                write!(f, "[{}]", e.index)?;
            } else {
                if i > 0 {
                    f.write_str(".")?;
                }
                f.write_str(&e.name)?;
            }
        }
        Ok(())
    }
}

/// The kind of a field error; its [`ErrorType::as_str`] is the `StatusCause` type on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ErrorType {
    /// `FieldValueNotFound`: a referenced value does not exist.
    NotFound,
    /// `FieldValueRequired`: a required value is missing.
    Required,
    /// `FieldValueDuplicate`: a value that must be unique is repeated.
    Duplicate,
    /// `FieldValueInvalid`: malformed value.
    Invalid,
    /// `FieldValueNotSupported`: a value outside a fixed set.
    NotSupported,
    /// `FieldValueForbidden`: a value that may not be set here.
    Forbidden,
    /// `FieldValueTooLong`: a value longer than allowed.
    TooLong,
    /// `FieldValueTooMany`: a list with too many items.
    TooMany,
    /// `FieldValueTooFew`: a list with too few items.
    TooFew,
    /// `InternalError`: validation itself failed.
    Internal,
    /// `FieldValueTypeInvalid`: a value of the wrong type.
    TypeInvalid,
    /// `FieldValueTooShort`: a value shorter than allowed.
    TooShort,
    /// Any other type string (kept when reading causes from a server).
    Other(String),
}

impl ErrorType {
    /// The machine-readable type (`FieldValueRequired`, ...).
    pub fn as_str(&self) -> &str {
        match self {
            ErrorType::NotFound => "FieldValueNotFound",
            ErrorType::Required => "FieldValueRequired",
            ErrorType::Duplicate => "FieldValueDuplicate",
            ErrorType::Invalid => "FieldValueInvalid",
            ErrorType::NotSupported => "FieldValueNotSupported",
            ErrorType::Forbidden => "FieldValueForbidden",
            ErrorType::TooLong => "FieldValueTooLong",
            ErrorType::TooMany => "FieldValueTooMany",
            ErrorType::TooFew => "FieldValueTooFew",
            ErrorType::Internal => "InternalError",
            ErrorType::TypeInvalid => "FieldValueTypeInvalid",
            ErrorType::TooShort => "FieldValueTooShort",
            ErrorType::Other(s) => s,
        }
    }

    /// The type named by a machine-readable string.
    pub fn parse(s: &str) -> Self {
        [
            ErrorType::NotFound,
            ErrorType::Required,
            ErrorType::Duplicate,
            ErrorType::Invalid,
            ErrorType::NotSupported,
            ErrorType::Forbidden,
            ErrorType::TooLong,
            ErrorType::TooMany,
            ErrorType::TooFew,
            ErrorType::Internal,
            ErrorType::TypeInvalid,
            ErrorType::TooShort,
        ]
        .into_iter()
        .find(|t| t.as_str() == s)
        .unwrap_or_else(|| ErrorType::Other(s.to_string()))
    }
}

impl fmt::Display for ErrorType {
    /// The human-readable form (`Required value`, ...).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ErrorType::NotFound => "Not found",
            ErrorType::Required => "Required value",
            ErrorType::Duplicate => "Duplicate value",
            ErrorType::Invalid | ErrorType::TypeInvalid => "Invalid value",
            ErrorType::NotSupported => "Unsupported value",
            ErrorType::Forbidden => "Forbidden",
            ErrorType::TooLong => "Too long",
            ErrorType::TooMany => "Too many",
            ErrorType::TooFew => "Too few",
            ErrorType::Internal => "Internal error",
            ErrorType::TooShort => "Too short",
            ErrorType::Other(s) => return write!(f, "<unknown error {}>", gofmt::quote(s)),
        })
    }
}

/// The offending value of a field error, rendered as upstream renders Go values.
#[derive(Debug, Clone, PartialEq)]
pub enum BadValue {
    /// No value is shown at all.
    Omitted,
    /// `null`.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A float, shown as Go's `%v` shows it (`1e+06`).
    Float(f64),
    /// A string, shown quoted (`"x"`).
    String(String),
    /// Any other value (lists, objects), shown as compact JSON.
    Json(serde_json::Value),
    /// A value upstream prints in Go syntax (`%#v`, e.g. `[]byte{0x2d}`), already rendered.
    GoSyntax(String),
}

impl BadValue {
    /// Any serializable value, shown as JSON (or as the matching scalar form).
    pub fn json<T: serde::Serialize + ?Sized>(value: &T) -> Self {
        match serde_json::to_value(value) {
            Ok(v) => v.into(),
            Err(e) => BadValue::String(e.to_string()),
        }
    }
}

impl fmt::Display for BadValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            BadValue::Omitted => Ok(()),
            BadValue::Null => f.write_str("null"),
            BadValue::Bool(b) => write!(f, "{b}"),
            BadValue::Int(i) => write!(f, "{i}"),
            BadValue::Float(x) => f.write_str(&gofmt::format_float(*x)),
            BadValue::String(s) => f.write_str(&gofmt::quote(s)),
            BadValue::Json(v) => f.write_str(&gofmt::marshal_json_ordered(v)),
            BadValue::GoSyntax(s) => f.write_str(s),
        }
    }
}

impl From<&str> for BadValue {
    fn from(v: &str) -> Self {
        BadValue::String(v.to_string())
    }
}

impl From<String> for BadValue {
    fn from(v: String) -> Self {
        BadValue::String(v)
    }
}

impl From<&String> for BadValue {
    fn from(v: &String) -> Self {
        BadValue::String(v.clone())
    }
}

impl From<bool> for BadValue {
    fn from(v: bool) -> Self {
        BadValue::Bool(v)
    }
}

impl From<f64> for BadValue {
    fn from(v: f64) -> Self {
        BadValue::Float(v)
    }
}

macro_rules! bad_value_from_int {
    ($($t:ty),*) => {$(
        impl From<$t> for BadValue {
            fn from(v: $t) -> Self {
                BadValue::Int(i64::from(v))
            }
        }
    )*};
}
bad_value_from_int!(i8, i16, i32, i64, u8, u16, u32);

impl From<usize> for BadValue {
    fn from(v: usize) -> Self {
        i64::try_from(v).map_or_else(|_| BadValue::Json(v.into()), BadValue::Int)
    }
}

impl From<u64> for BadValue {
    fn from(v: u64) -> Self {
        i64::try_from(v).map_or_else(|_| BadValue::Json(v.into()), BadValue::Int)
    }
}

impl<T: Into<BadValue>> From<Option<T>> for BadValue {
    fn from(v: Option<T>) -> Self {
        v.map_or(BadValue::Null, Into::into)
    }
}

impl From<serde_json::Value> for BadValue {
    fn from(v: serde_json::Value) -> Self {
        use serde_json::Value;
        match v {
            Value::Null => BadValue::Null,
            Value::Bool(b) => BadValue::Bool(b),
            Value::String(s) => BadValue::String(s),
            Value::Number(n) if n.is_i64() => BadValue::Int(n.as_i64().unwrap_or_default()),
            Value::Number(n) if n.is_f64() => BadValue::Float(n.as_f64().unwrap_or_default()),
            other => BadValue::Json(other),
        }
    }
}

/// One validation failure on one field.
#[derive(Debug, Clone, PartialEq)]
pub struct Error {
    /// What kind of failure.
    pub error_type: ErrorType,
    /// The field's path, rendered (`spec.replicas`).
    pub field: String,
    /// The offending value.
    pub bad_value: BadValue,
    /// Extra explanation; may be empty.
    pub detail: String,
    /// Which validation produced the error (for tests and declarative validation).
    pub origin: String,
    /// Whether declarative validation also reports this error.
    pub covered_by_declarative: bool,
}

impl Error {
    /// An error of any type.
    pub fn new(
        error_type: ErrorType,
        field: &Path,
        bad_value: impl Into<BadValue>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            error_type,
            field: field.to_string(),
            bad_value: bad_value.into(),
            detail: detail.into(),
            origin: String::new(),
            covered_by_declarative: false,
        }
    }

    /// A required value is missing (`Required`).
    pub fn required(field: &Path, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Required, field, "", detail)
    }

    /// A malformed value (`Invalid`).
    pub fn invalid(field: &Path, value: impl Into<BadValue>, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Invalid, field, value, detail)
    }

    /// A value of the wrong type (`TypeInvalid`).
    pub fn type_invalid(
        field: &Path,
        value: impl Into<BadValue>,
        detail: impl Into<String>,
    ) -> Self {
        Self::new(ErrorType::TypeInvalid, field, value, detail)
    }

    /// A value outside a fixed set; the set is listed quoted in the detail (`NotSupported`).
    pub fn not_supported<V: fmt::Display>(
        field: &Path,
        value: impl Into<BadValue>,
        valid_values: &[V],
    ) -> Self {
        let detail = if valid_values.is_empty() {
            String::new()
        } else {
            let quoted: Vec<String> =
                valid_values.iter().map(|v| gofmt::quote(&v.to_string())).collect();
            format!("supported values: {}", quoted.join(", "))
        };
        Self::new(ErrorType::NotSupported, field, value, detail)
    }

    /// A repeated value that must be unique (`Duplicate`).
    pub fn duplicate(field: &Path, value: impl Into<BadValue>) -> Self {
        Self::new(ErrorType::Duplicate, field, value, "")
    }

    /// A referenced value that does not exist (`NotFound`).
    pub fn not_found(field: &Path, value: impl Into<BadValue>) -> Self {
        Self::new(ErrorType::NotFound, field, value, "")
    }

    /// A value that may not be set (`Forbidden`).
    pub fn forbidden(field: &Path, detail: impl Into<String>) -> Self {
        Self::new(ErrorType::Forbidden, field, "", detail)
    }

    /// A value longer than `max_length` bytes; negative means unknown (`TooLong`).
    pub fn too_long(field: &Path, max_length: i64) -> Self {
        Self::too_long_unit(field, max_length, "byte")
    }

    /// A value longer than `max_length` characters (`TooLongCharacters`).
    pub fn too_long_characters(field: &Path, max_length: i64) -> Self {
        Self::too_long_unit(field, max_length, "character")
    }

    fn too_long_unit(field: &Path, max_length: i64, unit: &str) -> Self {
        let detail = if max_length >= 0 {
            let plural = if max_length == 1 { "" } else { "s" };
            format!("may not be more than {max_length} {unit}{plural}")
        } else {
            "value is too long".to_string()
        };
        Self::new(ErrorType::TooLong, field, "<value omitted>", detail)
    }

    /// A value shorter than `min_length` characters (`TooShort`).
    pub fn too_short(field: &Path, value: impl Into<BadValue>, min_length: i64) -> Self {
        let detail = if min_length >= 0 {
            let plural = if min_length == 1 { "" } else { "s" };
            format!("must be at least {min_length} character{plural}")
        } else {
            "value is too short".to_string()
        };
        Self::new(ErrorType::TooShort, field, value, detail)
    }

    /// A list with `actual` items where at most `max` are allowed; negative `actual` omits the
    /// count, negative `max` means unknown (`TooMany`).
    pub fn too_many(field: &Path, actual: i64, max: i64) -> Self {
        let detail = if max >= 0 {
            let plural = if max == 1 { "" } else { "s" };
            format!("must have at most {max} item{plural}")
        } else {
            "has too many items".to_string()
        };
        let value = if actual >= 0 { BadValue::Int(actual) } else { BadValue::Omitted };
        Self::new(ErrorType::TooMany, field, value, detail)
    }

    /// A list with `actual` items where at least `min` are required (`TooFew`).
    pub fn too_few(field: &Path, actual: i64, min: i64) -> Self {
        let detail = if min >= 0 {
            let plural = if min == 1 { "" } else { "s" };
            format!("must have at least {min} item{plural}")
        } else {
            "has too few items".to_string()
        };
        Self::new(ErrorType::TooFew, field, actual, detail)
    }

    /// Validation itself failed (`InternalError`).
    pub fn internal(field: &Path, err: impl fmt::Display) -> Self {
        let message = err.to_string();
        Self::new(ErrorType::Internal, field, message.clone(), message)
    }

    /// Records which validation produced the error.
    pub fn with_origin(mut self, origin: impl Into<String>) -> Self {
        self.origin = origin.into();
        self
    }

    /// Marks the error as also reported by declarative validation.
    pub fn mark_covered_by_declarative(mut self) -> Self {
        self.covered_by_declarative = true;
        self
    }

    /// The message without the field path (`ErrorBody`): what a `StatusCause` carries.
    pub fn body(&self) -> String {
        let mut s = match &self.error_type {
            ErrorType::Required
            | ErrorType::Forbidden
            | ErrorType::TooLong
            | ErrorType::TooShort
            | ErrorType::Internal => self.error_type.to_string(),
            ErrorType::Other(_) => {
                let inner =
                    format!("unhandled error code: {}: please report this", self.error_type);
                format!("{}: {inner}", ErrorType::Internal)
            }
            t => match &self.bad_value {
                BadValue::Omitted => t.to_string(),
                v => format!("{t}: {v}"),
            },
        };
        if !self.detail.is_empty() {
            s.push_str(": ");
            s.push_str(&self.detail);
        }
        s
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.body())
    }
}

impl std::error::Error for Error {}

/// A list of field errors, as validation functions return them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ErrorList(pub Vec<Error>);

impl ErrorList {
    /// An empty list.
    pub fn new() -> Self {
        Self::default()
    }

    /// The errors as one aggregate, duplicates (same message) dropped; `None` when empty
    /// (`ToAggregate`).
    pub fn to_aggregate(&self) -> Option<Aggregate> {
        let mut seen = std::collections::HashSet::new();
        let errors: Vec<Error> =
            self.0.iter().filter(|e| seen.insert(e.to_string())).cloned().collect();
        if errors.is_empty() { None } else { Some(Aggregate { errors }) }
    }

    /// The errors whose type is not in `types` (`Filter` with type matchers).
    pub fn filter_out(&self, types: &[ErrorType]) -> ErrorList {
        ErrorList(self.0.iter().filter(|e| !types.contains(&e.error_type)).cloned().collect())
    }

    /// Sets the origin on every error (`WithOrigin`).
    pub fn with_origin(mut self, origin: &str) -> Self {
        for e in &mut self.0 {
            e.origin = origin.to_string();
        }
        self
    }

    /// Prefixes every detail (`PrefixDetail`).
    pub fn prefix_detail(mut self, prefix: &str) -> Self {
        for e in &mut self.0 {
            e.detail.insert_str(0, prefix);
        }
        self
    }
}

impl Deref for ErrorList {
    type Target = Vec<Error>;

    fn deref(&self) -> &Vec<Error> {
        &self.0
    }
}

impl DerefMut for ErrorList {
    fn deref_mut(&mut self) -> &mut Vec<Error> {
        &mut self.0
    }
}

impl From<Vec<Error>> for ErrorList {
    fn from(v: Vec<Error>) -> Self {
        Self(v)
    }
}

impl FromIterator<Error> for ErrorList {
    fn from_iter<I: IntoIterator<Item = Error>>(iter: I) -> Self {
        Self(iter.into_iter().collect())
    }
}

impl Extend<Error> for ErrorList {
    fn extend<I: IntoIterator<Item = Error>>(&mut self, iter: I) {
        self.0.extend(iter);
    }
}

impl IntoIterator for ErrorList {
    type Item = Error;
    type IntoIter = std::vec::IntoIter<Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.into_iter()
    }
}

impl<'a> IntoIterator for &'a ErrorList {
    type Item = &'a Error;
    type IntoIter = std::slice::Iter<'a, Error>;

    fn into_iter(self) -> Self::IntoIter {
        self.0.iter()
    }
}

/// Several errors reported as one: one message alone, or `[a, b]` (util/errors `Aggregate`).
#[derive(Debug, Clone, PartialEq)]
pub struct Aggregate {
    errors: Vec<Error>,
}

impl Aggregate {
    /// The errors, in order.
    pub fn errors(&self) -> &[Error] {
        &self.errors
    }
}

impl fmt::Display for Aggregate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let msgs: Vec<String> = self.errors.iter().map(ToString::to_string).collect();
        f.write_str(&gofmt::aggregate(&msgs))
    }
}

impl std::error::Error for Aggregate {}
