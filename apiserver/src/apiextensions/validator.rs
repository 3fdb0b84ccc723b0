//! Validation of custom objects against a version's OpenAPI v3 schema: kube-openapi's
//! `validate.SchemaValidator` as upstream runs it for custom resources (types, formats,
//! bounds, lengths, patterns, items, properties, enums, `allOf`/`anyOf`/`oneOf`/`not`), its
//! messages (`spec.replicas in body must be of type integer: "string"`), and the mapping of its
//! results to field errors. Updates ratchet: a value unchanged from the old object is not held
//! against the update.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};

use apimachinery::errors::field::{BadValue, Error, ErrorList, ErrorType, Path};
use apimachinery::gofmt;
use regex::Regex;
use serde_json::Value;

use super::schema::{self, Additional};

/// Compiles a schema `pattern` (Go's RE2 syntax), cached. The error reads like Go's.
pub fn compile_pattern(pattern: &str) -> Result<Regex, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Result<Regex, String>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(r) = cache.get(pattern) {
        return r.clone();
    }
    if cache.len() > 4096 {
        cache.clear();
    }
    let compiled = Regex::new(pattern).map_err(|e| {
        let detail = e.to_string();
        let last = detail.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("").trim();
        let last = last.strip_prefix("error: ").unwrap_or(last);
        format!("error parsing regexp: {last}: `{pattern}`")
    });
    cache.insert(pattern.to_string(), compiled.clone());
    compiled
}

/// What failed, as kube-openapi's error codes tell failures apart.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Code {
    InvalidType,
    Required,
    TooLong,
    MaxItems,
    TooManyProperties,
    Enum,
    Other,
}

/// One failure: a kube-openapi `errors.Validation`, or a plain error (composition and range
/// problems), which upstream reports on the path it was given.
#[derive(Debug, Clone)]
enum Failure {
    Validation {
        code: Code,
        name: String,
        value: Option<Value>,
        valid: Option<i64>,
        values: Vec<Value>,
        message: String,
    },
    Plain(String),
}

impl Failure {
    fn message(&self) -> &str {
        match self {
            Failure::Validation { message, .. } | Failure::Plain(message) => message,
        }
    }

    fn new(code: Code, name: &str, value: Option<Value>, message: String) -> Self {
        Failure::Validation {
            code,
            name: name.to_string(),
            value,
            valid: None,
            values: Vec::new(),
            message,
        }
    }
}

/// A validation result: failures (each message once) and the match count kube-openapi uses
/// to pick the most relevant branch of an `anyOf`/`oneOf`.
#[derive(Debug, Default, Clone)]
struct Outcome {
    errors: Vec<Failure>,
    matches: usize,
}

impl Outcome {
    fn counted() -> Self {
        Outcome { errors: Vec::new(), matches: 1 }
    }

    fn failed(f: Failure) -> Self {
        Outcome { errors: vec![f], matches: 0 }
    }

    fn add(&mut self, f: Failure) {
        if !self.errors.iter().any(|e| e.message() == f.message()) {
            self.errors.push(f);
        }
    }

    fn merge(&mut self, other: Outcome) {
        for e in other.errors {
            self.add(e);
        }
        self.matches += other.matches;
    }

    fn valid(&self) -> bool {
        self.errors.is_empty()
    }
}

/// The schema's types as kube-openapi sees them (`x-kubernetes-int-or-string` is both).
fn types(s: &Value) -> Vec<&str> {
    if schema::int_or_string(s) {
        return vec!["integer", "string"];
    }
    match schema::ty(s) {
        "" => Vec::new(),
        t => vec![t],
    }
}

/// The schema's format, unless upstream drops it as unsupported.
fn format(s: &Value) -> &str {
    let f = schema::text(s, "format");
    if super::formats::supported(f) { f } else { "" }
}

fn number(s: &Value, key: &str) -> Option<f64> {
    s.get(key).and_then(Value::as_f64)
}

fn count(s: &Value, key: &str) -> Option<i64> {
    s.get(key).and_then(Value::as_i64)
}

/// Go's `%q`.
fn q(s: &str) -> String {
    gofmt::quote(s)
}

/// Go's `%v` of a JSON number as a Go value (int64 or float64).
fn num_v(v: &Value) -> String {
    match v {
        Value::Number(n) => match n.as_i64() {
            Some(i) => i.to_string(),
            None => gofmt::format_float(n.as_f64().unwrap_or(f64::NAN)),
        },
        other => gofmt::format_value(other),
    }
}

/// `swag.IsFloat64AJSONInteger`.
fn is_json_integer(f: f64) -> bool {
    f.is_finite() && f.fract() == 0.0 && f.abs() <= 9_007_199_254_740_992.0
}

fn invalid_type(path: &str, type_name: &str, value: &str) -> Failure {
    Failure::new(
        Code::InvalidType,
        path,
        Some(Value::String(value.to_string())),
        format!("{path} in body must be of type {type_name}: {}", q(value)),
    )
}

/// The JSON type and format kube-openapi infers for a decoded value.
fn inferred(data: &Value) -> (&'static str, &'static str) {
    match data {
        Value::Bool(_) => ("boolean", ""),
        Value::String(_) => ("string", ""),
        Value::Number(n) if n.is_i64() => ("integer", "int64"),
        Value::Number(_) => ("number", "float64"),
        Value::Array(_) => ("array", ""),
        Value::Object(_) => ("object", ""),
        Value::Null => ("", ""),
    }
}

/// A validator over one schema node, carrying the old value correlated with the node on
/// updates (for ratcheting).
struct Node<'a> {
    s: &'a Value,
    path: String,
    old: Option<&'a Value>,
    root: bool,
}

impl<'a> Node<'a> {
    /// A child reached through a property or index: ratchets when its old value is known.
    fn ratcheting(self, data: &Value) -> Outcome {
        let old = self.old;
        let mut r = self.validate(data);
        if !r.valid() && old == Some(data) {
            r.errors.clear();
        }
        r
    }

    fn child(&self, s: &'a Value, path: String, old: Option<&'a Value>) -> Node<'a> {
        Node { s, path, old, root: false }
    }

    /// `SchemaValidator.Validate`.
    fn validate(&self, data: &Value) -> Outcome {
        let mut r = Outcome::default();
        if data.is_null() {
            r.merge(self.type_check(data));
            r.merge(self.enum_check(data));
            return r;
        }
        if !types(self.s).is_empty() || !format(self.s).is_empty() {
            r.merge(self.type_check(data));
            r.matches += 1;
        }
        r.merge(self.junctors(data));
        r.matches += 1;
        if let Value::String(s) = data {
            r.merge(self.string_check(s));
            r.matches += 1;
            let f = format(self.s);
            if !f.is_empty() {
                if !super::formats::validates(f, s) {
                    r.add(invalid_type(&self.path, f, s));
                }
                r.matches += 1;
            }
        }
        if data.is_number() {
            r.merge(self.number_check(data));
            r.matches += 1;
        }
        if let Value::Array(items) = data {
            r.merge(self.slice_check(items));
            r.matches += 1;
        }
        r.merge(self.enum_check(data));
        r.matches += 1;
        if let Value::Object(map) = data {
            r.merge(self.object_check(map));
            r.matches += 1;
        }
        r.matches += 1;
        r
    }

    fn type_check(&self, data: &Value) -> Outcome {
        let t = types(self.s);
        let f = format(self.s);
        if data.is_null() {
            if !t.is_empty() && !t.contains(&"null") && !schema::nullable(self.s) {
                return Outcome::failed(invalid_type(&self.path, &t.join(","), "null"));
            }
            return Outcome::counted();
        }
        let (sch_type, data_format) = inferred(data);
        let contains = |x: &str| t.contains(&x);
        let is_float_int = sch_type == "number"
            && data.as_f64().is_some_and(is_json_integer)
            && contains("integer");
        let is_int_float = sch_type == "integer" && contains("number");
        let string_or_slice = data.is_string() || data.is_array();
        let format_matches = contains(sch_type) || data_format == f || is_float_int || is_int_float;
        if !(string_or_slice || f.is_empty() || format_matches) {
            return Outcome::failed(invalid_type(&self.path, f, data_format));
        }
        let numeric = contains("number") || contains("integer");
        if string_or_slice && !(numeric || f.is_empty()) {
            return Outcome::counted();
        }
        if !(contains(sch_type) || is_float_int || is_int_float) {
            return Outcome::failed(invalid_type(&self.path, &t.join(","), sch_type));
        }
        Outcome::counted()
    }

    /// `allOf`, `anyOf`, `oneOf` and `not`.
    fn junctors(&self, data: &Value) -> Outcome {
        let mut main = Outcome::default();
        let sub =
            |s: &'a Value| Node { s, path: self.path.clone(), old: self.old, root: self.root };
        let any_of = schema::schemas(self.s, "anyOf");
        if !any_of.is_empty() {
            let mut best: Option<Outcome> = None;
            let mut first_success: Option<Outcome> = None;
            let mut succeeded = false;
            for s in any_of {
                let r = sub(s).validate(data);
                if r.valid() {
                    best = None;
                    succeeded = true;
                    first_success.get_or_insert(r);
                    break;
                }
                if best.as_ref().is_none_or(|b| r.matches > b.matches) {
                    best = Some(r);
                }
            }
            if !succeeded {
                main.add(Failure::Plain(format!(
                    "{} must validate at least one schema (anyOf)",
                    q(&self.path)
                )));
            }
            if let Some(b) = best.or(first_success) {
                main.merge(b);
            }
        }
        let one_of = schema::schemas(self.s, "oneOf");
        if !one_of.is_empty() {
            let mut best: Option<Outcome> = None;
            let mut first_success: Option<Outcome> = None;
            let mut validated = 0;
            for s in one_of {
                let r = sub(s).validate(data);
                if r.valid() {
                    validated += 1;
                    best = None;
                    first_success.get_or_insert(r);
                    continue;
                }
                if validated == 0 && best.as_ref().is_none_or(|b| r.matches > b.matches) {
                    best = Some(r);
                }
            }
            if validated != 1 {
                let more = if validated == 0 {
                    "Found none valid".to_string()
                } else {
                    format!("Found {validated} valid alternatives")
                };
                main.add(Failure::Plain(format!(
                    "{} must validate one and only one schema (oneOf). {more}",
                    q(&self.path)
                )));
                if let Some(b) = best {
                    main.merge(b);
                }
            } else if let Some(s) = first_success {
                main.merge(s);
            }
        }
        let all_of = schema::schemas(self.s, "allOf");
        if !all_of.is_empty() {
            let mut validated = 0;
            for s in all_of {
                let r = sub(s).validate(data);
                if r.valid() {
                    validated += 1;
                }
                main.merge(r);
            }
            if validated != all_of.len() {
                let more = if validated == 0 { ". None validated" } else { "" };
                main.add(Failure::Plain(format!(
                    "{} must validate all the schemas (allOf){more}",
                    q(&self.path)
                )));
            }
        }
        if let Some(not) = self.s.get("not").filter(|n| n.is_object())
            && sub(not).validate(data).valid()
        {
            main.add(Failure::Plain(format!(
                "{} must not validate the schema (not)",
                q(&self.path)
            )));
        }
        main.matches += 1;
        main
    }

    fn string_check(&self, data: &str) -> Outcome {
        let len = data.chars().count() as i64;
        let path = &self.path;
        if let Some(max) = count(self.s, "maxLength")
            && len > max
        {
            let mut f = Failure::new(
                Code::TooLong,
                path,
                Some(Value::String(data.into())),
                format!("{path} in body should be at most {max} chars long"),
            );
            if let Failure::Validation { valid, .. } = &mut f {
                *valid = Some(max);
            }
            return Outcome::failed(f);
        }
        if let Some(min) = count(self.s, "minLength")
            && len < min
        {
            return Outcome::failed(Failure::new(
                Code::Other,
                path,
                Some(Value::String(data.into())),
                format!("{path} in body should be at least {min} chars long"),
            ));
        }
        let pattern = schema::text(self.s, "pattern");
        if !pattern.is_empty() {
            let shown = match compile_pattern(pattern) {
                Ok(re) if re.is_match(data) => return Outcome::default(),
                Ok(_) => pattern.to_string(),
                Err(e) => format!("{pattern}, but pattern is invalid: {e}"),
            };
            return Outcome::failed(Failure::new(
                Code::Other,
                path,
                Some(Value::String(data.into())),
                format!("{path} in body should match '{shown}'"),
            ));
        }
        Outcome::default()
    }

    fn number_check(&self, data: &Value) -> Outcome {
        let t = types(self.s);
        let type_name =
            if t.len() == 1 && (t[0] == "integer" || t[0] == "number") { t[0] } else { "" };
        let path = &self.path;
        let as_f = data.as_f64().unwrap_or(0.0);
        let as_int = data.as_i64();
        // Whether a number fits the type (only integers have a range to check once the
        // unsupported formats are dropped).
        let fits = |x: f64| -> bool {
            type_name != "integer"
                || (x.fract() == 0.0
                    && (-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&x))
        };
        let range_error = |prefix: &str| {
            Failure::Plain(format!(
                "{prefix} value must be of type {type_name} (default format) in {path}"
            ))
        };
        let mut r = Outcome::default();
        let data_fits = match as_int {
            Some(_) => true,
            None => fits(as_f),
        };
        if !data_fits {
            r.add(range_error("Checked"));
        }
        let value = Some(data.clone());
        let fail = |message: String| Failure::new(Code::Other, path, value.clone(), message);
        let mut multiple = Outcome::default();
        if let Some(factor) = number(self.s, "multipleOf") {
            let native = fits(factor);
            if !native {
                multiple.add(range_error("MultipleOf"));
            }
            match (native, as_int) {
                (true, Some(i)) => {
                    let factor = factor as i64;
                    if factor <= 0 {
                        multiple.add(fail(format!(
                            "factor MultipleOf declared for {path} must be positive: {factor}"
                        )));
                    } else if (i / factor) * factor != i {
                        multiple
                            .add(fail(format!("{path} in body should be a multiple of {factor}")));
                    }
                }
                _ => {
                    let shown = gofmt::format_float(factor);
                    if factor <= 0.0 {
                        multiple.add(fail(format!(
                            "factor MultipleOf declared for {path} must be positive: {shown}"
                        )));
                    } else {
                        let mult = if factor < 1.0 { 1.0 / factor * as_f } else { as_f / factor };
                        if !is_json_integer(mult) {
                            multiple.add(fail(format!(
                                "{path} in body should be a multiple of {shown}"
                            )));
                        }
                    }
                }
            }
        }
        let bound = |key: &str, exclusive_key: &str, prefix: &str, is_max: bool| -> Outcome {
            let mut o = Outcome::default();
            let Some(limit) = number(self.s, key) else { return o };
            let exclusive = schema::flag(self.s, exclusive_key);
            let native = fits(limit);
            if !native {
                o.add(range_error(prefix));
            }
            let (exceeded, shown) = match (native, as_int) {
                (true, Some(i)) => {
                    let l = limit as i64;
                    let e = if is_max {
                        (!exclusive && i > l) || (exclusive && i >= l)
                    } else {
                        (!exclusive && i < l) || (exclusive && i <= l)
                    };
                    (e, l.to_string())
                }
                _ => {
                    let e = if is_max {
                        (!exclusive && as_f > limit) || (exclusive && as_f >= limit)
                    } else {
                        (!exclusive && as_f < limit) || (exclusive && as_f <= limit)
                    };
                    (e, gofmt::format_float(limit))
                }
            };
            if exceeded {
                let relation = match (is_max, exclusive) {
                    (true, false) => "less than or equal to",
                    (true, true) => "less than",
                    (false, false) => "greater than or equal to",
                    (false, true) => "greater than",
                };
                o.add(fail(format!("{path} in body should be {relation} {shown}")));
            }
            o
        };
        let minimum = bound("minimum", "exclusiveMinimum", "Minimum boundary", false);
        let maximum = bound("maximum", "exclusiveMaximum", "Maximum boundary", true);
        r.merge(multiple);
        r.merge(minimum);
        r.merge(maximum);
        r.matches += 1;
        r
    }

    fn slice_check(&self, items: &[Value]) -> Outcome {
        let mut r = Outcome::default();
        let path = &self.path;
        if let Some(item_schema) = schema::items(self.s) {
            for (i, item) in items.iter().enumerate() {
                let old = self.correlate_index(items, i);
                r.merge(self.child(item_schema, format!("{path}[{i}]"), old).ratcheting(item));
            }
        }
        let size = items.len() as i64;
        if let Some(min) = count(self.s, "minItems")
            && size < min
        {
            r.add(Failure::new(
                Code::Other,
                path,
                Some(Value::from(size)),
                format!("{path} in body should have at least {min} items"),
            ));
        }
        if let Some(max) = count(self.s, "maxItems")
            && size > max
        {
            r.add(Failure::Validation {
                code: Code::MaxItems,
                name: path.clone(),
                value: Some(Value::from(size)),
                valid: Some(max),
                values: Vec::new(),
                message: format!("{path} in body should have at most {max} items"),
            });
        }
        if schema::flag(self.s, "uniqueItems")
            && items.iter().enumerate().any(|(i, a)| items[..i].contains(a))
        {
            r.add(Failure::new(
                Code::Other,
                path,
                None,
                format!("{path} in body shouldn't contain duplicates"),
            ));
        }
        r.matches += 1;
        r
    }

    /// The old element correlated with `items[i]`: only lists of type `map` correlate, by
    /// their keys.
    fn correlate_index(&self, items: &[Value], i: usize) -> Option<&'a Value> {
        let old = self.old?.as_array()?;
        if schema::list_type(self.s) != Some("map") {
            return None;
        }
        let keys = schema::list_map_keys(self.s);
        let key_of =
            |v: &Value| -> Vec<Option<Value>> { keys.iter().map(|k| v.get(*k).cloned()).collect() };
        let wanted = key_of(&items[i]);
        old.iter().find(|o| o.is_object() && key_of(o) == wanted)
    }

    fn enum_check(&self, data: &Value) -> Outcome {
        let Some(values) = self.s.get("enum").and_then(Value::as_array).filter(|e| !e.is_empty())
        else {
            return Outcome::default();
        };
        if values.iter().any(|e| enum_matches(data, e)) {
            return Outcome::default();
        }
        let path = &self.path;
        let listed: Vec<String> = values.iter().map(gofmt::format_value).collect();
        Outcome::failed(Failure::Validation {
            code: Code::Enum,
            name: path.clone(),
            value: Some(data.clone()),
            valid: None,
            values: values.clone(),
            message: format!("{path} in body should be one of [{}]", listed.join(" ")),
        })
    }

    fn object_check(&self, map: &serde_json::Map<String, Value>) -> Outcome {
        let mut r = Outcome::default();
        let path = &self.path;
        let n = map.len() as i64;
        if let Some(min) = count(self.s, "minProperties")
            && n < min
        {
            r.add(Failure::new(
                Code::Other,
                path,
                Some(Value::from(n)),
                format!("{path} in body should have at least {min} properties"),
            ));
        }
        if let Some(max) = count(self.s, "maxProperties")
            && n > max
        {
            r.add(Failure::Validation {
                code: Code::TooManyProperties,
                name: path.clone(),
                value: Some(Value::from(n)),
                valid: Some(max),
                values: Vec::new(),
                message: format!("{path} in body should have at most {max} properties"),
            });
        }
        let props = schema::properties(self.s);
        let is_prop = |k: &str| props.is_some_and(|p| p.contains_key(k));
        let old_field = |k: &str| -> Option<&'a Value> {
            if self.root && (k == "kind" || k == "apiVersion") {
                return None;
            }
            self.old?.as_object()?.get(k)
        };
        match schema::additional(self.s) {
            Some(Additional::Bool(false)) => {
                for k in map.keys().filter(|k| !is_prop(k)) {
                    r.add(Failure::new(
                        Code::Other,
                        path,
                        Some(Value::String(k.clone())),
                        format!("{path}.{k} in body is a forbidden property"),
                    ));
                }
            }
            Some(Additional::Schema(a)) => {
                for (k, v) in map.iter().filter(|(k, _)| !is_prop(k)) {
                    r.merge(self.child(a, format!("{path}.{k}"), old_field(k)).ratcheting(v));
                }
            }
            _ => {}
        }
        let mut names: Vec<&String> = props.map(|p| p.keys().collect()).unwrap_or_default();
        names.sort();
        for name in names {
            if let (Some(v), Some(s)) = (map.get(name.as_str()), props.and_then(|p| p.get(name))) {
                let child_path =
                    if path.is_empty() { name.clone() } else { format!("{path}.{name}") };
                r.merge(self.child(s, child_path, old_field(name)).ratcheting(v));
            }
        }
        for k in self.s.get("required").and_then(Value::as_array).into_iter().flatten() {
            let Some(k) = k.as_str() else { continue };
            if !map.contains_key(k) {
                let name = format!("{path}.{k}");
                r.add(Failure::new(
                    Code::Required,
                    &name,
                    None,
                    format!("{name} in body is required"),
                ));
            }
        }
        r
    }
}

/// Whether `data` equals an enum value after Go's conversion of `data` to the value's type.
fn enum_matches(data: &Value, e: &Value) -> bool {
    match (data, e) {
        (Value::Number(d), Value::Number(n)) => match n.as_i64() {
            Some(i) => d.as_i64().or_else(|| d.as_f64().map(|f| f as i64)) == Some(i),
            None => d.as_f64() == n.as_f64(),
        },
        _ => data == e,
    }
}

/// Go's `%#v` of a decoded JSON value.
pub fn go_syntax(v: &Value) -> String {
    fn inner(v: &Value, out: &mut String) {
        match v {
            Value::Null => out.push_str("interface {}(nil)"),
            Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
            Value::Number(_) => out.push_str(&num_v(v)),
            Value::String(s) => out.push_str(&q(s)),
            Value::Array(items) => {
                out.push_str("[]interface {}{");
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    inner(item, out);
                }
                out.push('}');
            }
            Value::Object(m) => {
                out.push_str("map[string]interface {}{");
                let mut keys: Vec<&String> = m.keys().collect();
                keys.sort();
                for (i, k) in keys.into_iter().enumerate() {
                    if i > 0 {
                        out.push_str(", ");
                    }
                    out.push_str(&q(k));
                    out.push(':');
                    inner(&m[k], out);
                }
                out.push('}');
            }
        }
    }
    let mut out = String::new();
    inner(v, &mut out);
    out
}

/// A field error carrying a decoded value the way Go prints it (`%#v` for objects and lists,
/// a nil value as the string `"null"`).
pub fn error_with_value(t: ErrorType, path: &Path, v: &Value, detail: &str) -> Error {
    match v {
        Value::Object(_) | Value::Array(_) => {
            let shown = go_syntax(v);
            let detail = if detail.is_empty() { shown } else { format!("{shown}: {detail}") };
            Error::new(t, path, BadValue::Omitted, detail)
        }
        Value::Null => Error::new(t, path, "null", detail),
        other => Error::new(t, path, BadValue::from(other.clone()), detail),
    }
}

/// Validates `data` against `schema`; `old` is the previous object on updates (ratcheting).
/// `path` is where errors without a field of their own are reported (`<nil>` for the root).
pub fn validate(path: &Path, schema: &Value, data: &Value, old: Option<&Value>) -> ErrorList {
    let node = Node { s: schema, path: String::new(), old, root: true };
    let outcome = if old.is_some() { node.ratcheting(data) } else { node.validate(data) };
    to_field_errors(path, outcome)
}

fn to_field_errors(path: &Path, outcome: Outcome) -> ErrorList {
    let mut errs = ErrorList::new();
    for f in outcome.errors {
        match f {
            Failure::Plain(message) => errs.push(Error::invalid(path, "", message)),
            Failure::Validation { code, name, value, valid, values, message } => {
                let p = if name.is_empty() || name == "." {
                    path.clone()
                } else {
                    path.child(name.strip_prefix('.').unwrap_or(&name))
                };
                let value = value.unwrap_or_else(|| Value::String(String::new()));
                errs.push(match code {
                    Code::Required => Error::required(&p, ""),
                    Code::Enum => {
                        let allowed: Vec<String> = values
                            .iter()
                            .map(|v| match v {
                                Value::String(s) => s.clone(),
                                other => gofmt::marshal_json(other, None),
                            })
                            .collect();
                        let detail = if allowed.is_empty() {
                            String::new()
                        } else {
                            let quoted: Vec<String> = allowed.iter().map(|a| q(a)).collect();
                            format!("supported values: {}", quoted.join(", "))
                        };
                        error_with_value(ErrorType::NotSupported, &p, &value, &detail)
                    }
                    Code::TooLong => Error::too_long(&p, valid.unwrap_or(-1)),
                    Code::MaxItems | Code::TooManyProperties => {
                        Error::too_many(&p, value.as_i64().unwrap_or(-1), valid.unwrap_or(-1))
                    }
                    Code::InvalidType => {
                        error_with_value(ErrorType::TypeInvalid, &p, &value, &message)
                    }
                    Code::Other => error_with_value(ErrorType::Invalid, &p, &value, &message),
                });
            }
        }
    }
    errs
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn msgs(schema: Value, data: Value) -> Vec<String> {
        validate(&Path::nil(), &schema, &data, None).iter().map(ToString::to_string).collect()
    }

    #[test]
    fn messages_match_kube_openapi() {
        let s = json!({"type": "object", "properties": {"spec": {"type": "object", "required": ["x"], "properties": {
            "replicas": {"type": "integer", "minimum": 1, "maximum": 10},
            "x": {"type": "string"},
            "mode": {"type": "string", "enum": ["a", "b"]},
            "name": {"type": "string", "maxLength": 3, "pattern": "^[a-z]+$"},
            "short": {"type": "string", "minLength": 2},
            "tags": {"type": "array", "maxItems": 1, "minItems": 1, "items": {"type": "string"}},
            "ratio": {"type": "number", "exclusiveMaximum": true, "maximum": 1.5},
            "when": {"type": "string", "format": "date-time"},
            "n32": {"type": "integer", "format": "int32"},
            "ios": {"x-kubernetes-int-or-string": true},
            "opt": {"type": "string", "nullable": true},
        }}}});
        let cases = [
            (
                json!({"replicas": "string", "x": "1"}),
                vec![
                    r#"spec.replicas: Invalid value: "string": spec.replicas in body must be of type integer: "string""#,
                ],
            ),
            (json!({}), vec!["spec.x: Required value"]),
            (
                json!({"x": "1", "mode": "c"}),
                vec![r#"spec.mode: Unsupported value: "c": supported values: "a", "b""#],
            ),
            (
                json!({"x": "1", "name": "abcd"}),
                vec!["spec.name: Too long: may not be more than 3 bytes"],
            ),
            (
                json!({"x": "1", "name": "AB"}),
                vec![
                    r#"spec.name: Invalid value: "AB": spec.name in body should match '^[a-z]+$'"#,
                ],
            ),
            (
                json!({"x": "1", "short": "a"}),
                vec![
                    r#"spec.short: Invalid value: "a": spec.short in body should be at least 2 chars long"#,
                ],
            ),
            (
                json!({"x": "1", "tags": ["a", "b"]}),
                vec!["spec.tags: Too many: 2: must have at most 1 item"],
            ),
            (
                json!({"x": "1", "tags": []}),
                vec!["spec.tags: Invalid value: 0: spec.tags in body should have at least 1 items"],
            ),
            (
                json!({"x": "1", "replicas": 11}),
                vec![
                    "spec.replicas: Invalid value: 11: spec.replicas in body should be less than or equal to 10",
                ],
            ),
            (
                json!({"x": "1", "replicas": 0}),
                vec![
                    "spec.replicas: Invalid value: 0: spec.replicas in body should be greater than or equal to 1",
                ],
            ),
            (
                json!({"x": "1", "ratio": 1.5}),
                vec!["spec.ratio: Invalid value: 1.5: spec.ratio in body should be less than 1.5"],
            ),
            (
                json!({"x": "1", "when": "yesterday"}),
                vec![
                    r#"spec.when: Invalid value: "yesterday": spec.when in body must be of type date-time: "yesterday""#,
                ],
            ),
            // int32 is not a format custom resources validate.
            (json!({"x": "1", "n32": 9_999_999_999_i64}), vec![]),
            (json!({"x": "1", "ios": 3}), vec![]),
            (json!({"x": "1", "ios": "3"}), vec![]),
            (
                json!({"x": "1", "ios": true}),
                vec![
                    r#"spec.ios: Invalid value: "boolean": spec.ios in body must be of type integer,string: "boolean""#,
                ],
            ),
            (json!({"x": "1", "opt": null}), vec![]),
            (
                json!({"x": "1", "mode": null}),
                vec![
                    r#"spec.mode: Invalid value: "null": spec.mode in body must be of type string: "null""#,
                    r#"spec.mode: Unsupported value: "null": supported values: "a", "b""#,
                ],
            ),
            (
                json!({"x": null}),
                vec![
                    r#"spec.x: Invalid value: "null": spec.x in body must be of type string: "null""#,
                ],
            ),
            (
                json!({"x": "1", "replicas": 1.5}),
                vec![
                    r#"spec.replicas: Invalid value: "number": spec.replicas in body must be of type integer: "number""#,
                    r#"<nil>: Invalid value: "": Checked value must be of type integer (default format) in spec.replicas"#,
                ],
            ),
        ];
        for (spec, want) in cases {
            assert_eq!(msgs(s.clone(), json!({"spec": spec})), want, "{spec}");
        }
    }

    #[test]
    fn junctors_report_like_kube_openapi() {
        let s = json!({"type": "object", "properties": {"delta": {
            "anyOf": [{"type": "string", "maxLength": 5}, {"type": "number", "minimum": 0}],
        }}});
        let got = msgs(s, json!({"delta": "foobarbaz"}));
        assert_eq!(
            got,
            [
                r#"<nil>: Invalid value: "": "delta" must validate at least one schema (anyOf)"#,
                "delta: Too long: may not be more than 5 bytes",
            ]
        );
    }

    #[test]
    fn updates_ratchet_unchanged_values() {
        let s = json!({"type": "object", "properties": {"spec": {"type": "object", "properties": {
            "a": {"type": "string", "maxLength": 1},
            "b": {"type": "string", "maxLength": 1},
        }}}});
        let old = json!({"spec": {"a": "long", "b": "x"}});
        let new = json!({"spec": {"a": "long", "b": "yy"}});
        let errs: Vec<String> =
            validate(&Path::nil(), &s, &new, Some(&old)).iter().map(ToString::to_string).collect();
        assert_eq!(errs, ["spec.b: Too long: may not be more than 1 byte"]);
        assert!(validate(&Path::nil(), &s, &old, Some(&old)).is_empty());
    }

    #[test]
    fn go_syntax_of_values() {
        assert_eq!(
            go_syntax(&json!({"b": [1, "x", null], "a": 1.5})),
            r#"map[string]interface {}{"a":1.5, "b":[]interface {}{1, "x", interface {}(nil)}}"#
        );
    }
}
