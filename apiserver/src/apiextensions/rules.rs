//! Validation rules of CustomResourceDefinition schemas (`x-kubernetes-validations`): CEL
//! expressions evaluated, as upstream evaluates them for custom objects, with `self` bound to
//! the value of the schema node that carries them and `oldSelf` to its previous value on
//! updates. Values are typed by their schema (integers, doubles, byte strings, durations and
//! timestamps by `format`; object properties by their escaped names); failures become field
//! errors with the rule's `reason`, `message` or `messageExpression`, and `fieldPath`.
//!
//! Expressions are parsed by the `cel` crate, with its string, list and math extensions,
//! Kubernetes' list functions (`isSorted`, `sum`, `min`, `max`) and its regex ones (`find`,
//! `findAll`). There is no type checking or cost estimation before evaluation, so a rule
//! naming an undeclared field fails when it runs rather than when its definition is written;
//! errors that ratcheting forgives are dropped rather than returned as warnings.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use apimachinery::errors::field::{BadValue, Error, ErrorList, ErrorType, Path};
use cel::objects::{Key, Map as CelMap};
use cel::{Context, Env, ExecutionError, Program, Value as Cel};
use serde_json::Value;

use super::schema::{self, Additional};

/// Words CEL reserves, escaped as `__{word}__` when they name a property.
pub const RESERVED: &[&str] = &[
    "true",
    "false",
    "null",
    "in",
    "as",
    "break",
    "const",
    "continue",
    "else",
    "for",
    "function",
    "if",
    "import",
    "let",
    "loop",
    "package",
    "namespace",
    "return",
    "var",
    "void",
    "while",
];

/// The longest message a `messageExpression` may produce.
const MAX_MESSAGE_LEN: usize = 5 * 1024;

/// The environment every rule is compiled in and run with.
fn env() -> &'static Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // Each extension declares names of its own; a clash would only drop that extension.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        let _ = env.add_extension(cel::extensions::math);
        Arc::new(env)
    })
}

/// A compiled rule, and whether it reads `oldSelf` (a transition rule).
#[derive(Clone)]
pub struct Compiled {
    program: Arc<Program>,
    /// Whether the rule reads `oldSelf`.
    pub transition: bool,
}

/// Compiles `source`, cached by its text. The error reads `compilation failed: ...`.
pub fn compile(source: &str) -> Result<Compiled, String> {
    type Cache = Mutex<HashMap<String, Result<Compiled, String>>>;
    static CACHE: OnceLock<Cache> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap_or_else(|e| e.into_inner()).get(source) {
        return hit.clone();
    }
    let compiled = env()
        .compile(source)
        .map(|program| {
            let transition = program.references().has_variable("oldSelf");
            Compiled { program: Arc::new(program), transition }
        })
        .map_err(|e| {
            // cel-go indents the source excerpt under each error by one space.
            let text = e.to_string().trim().replace("\n| ", "\n | ");
            format!("compilation failed: {text}")
        });
    let mut cache = cache.lock().unwrap_or_else(|e| e.into_inner());
    if cache.len() > 4096 {
        cache.clear();
    }
    cache.insert(source.to_string(), compiled.clone());
    compiled
}

/// Whether schema `s` has rules anywhere in it.
pub fn present(s: &Value) -> bool {
    match s {
        Value::Object(m) => m.iter().any(|(k, v)| {
            (k == "x-kubernetes-validations" && v.as_array().is_some_and(|a| !a.is_empty()))
                || (k != "default" && k != "example" && k != "enum" && present(v))
        }),
        Value::Array(items) => items.iter().any(present),
        _ => false,
    }
}

/// The name a property is reached by in CEL, or `None` when it can't be reached.
pub fn escape(name: &str) -> Option<String> {
    if RESERVED.contains(&name) {
        return Some(format!("__{name}__"));
    }
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic() || "_.-/".contains(c));
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || "_.-/".contains(c)) {
        return None;
    }
    Some(
        name.replace("__", "__underscores__")
            .replace('.', "__dot__")
            .replace('-', "__dash__")
            .replace('/', "__slash__"),
    )
}

/// The CEL value of `v` as schema `s` types it; `root` limits `metadata` to the name fields.
fn to_cel(v: &Value, s: Option<&Value>, root: bool) -> Cel {
    match v {
        Value::Null => Cel::Null,
        Value::Bool(b) => Cel::Bool(*b),
        Value::Number(n) => {
            let ty = s.map(schema::ty).unwrap_or("");
            match (ty, n.as_i64()) {
                ("number", _) | (_, None) => Cel::Float(n.as_f64().unwrap_or(0.0)),
                (_, Some(i)) => Cel::Int(i),
            }
        }
        Value::String(text) => string_value(text, s),
        Value::Array(items) => {
            let item_schema = s.and_then(schema::items);
            Cel::List(Arc::new(items.iter().map(|i| to_cel(i, item_schema, false)).collect()))
        }
        Value::Object(map) => {
            let mut out: HashMap<Key, Cel> = HashMap::with_capacity(map.len());
            let props = s.and_then(schema::properties);
            let additional = s.and_then(schema::additional);
            let embedded = root || s.is_some_and(schema::embedded);
            for (k, child) in map {
                if embedded && k == "metadata" {
                    out.insert(Key::from("metadata"), name_fields(child));
                    continue;
                }
                let child_schema = props.and_then(|p| p.get(k));
                match (child_schema, &additional) {
                    // A property set to null is absent to rules (`has()` is false).
                    (Some(_), _) if child.is_null() => {}
                    (Some(cs), _) => {
                        if let Some(name) = escape(k) {
                            out.insert(Key::from(name), to_cel(child, Some(cs), false));
                        }
                    }
                    (None, Some(Additional::Schema(cs))) => {
                        out.insert(Key::from(k.as_str()), to_cel(child, Some(cs), false));
                    }
                    // Fields the schema doesn't declare are out of reach, but for the type
                    // fields of a resource.
                    _ if embedded && matches!(k.as_str(), "apiVersion" | "kind") => {
                        out.insert(Key::from(k.as_str()), to_cel(child, None, false));
                    }
                    _ => {}
                }
            }
            Cel::Map(CelMap::from(out))
        }
    }
}

/// `metadata` as rules see it: its `name` and `generateName`.
fn name_fields(meta: &Value) -> Cel {
    let mut out: HashMap<Key, Cel> = HashMap::new();
    for field in ["name", "generateName"] {
        if let Some(Value::String(s)) = meta.get(field) {
            out.insert(Key::from(field), Cel::String(Arc::new(s.clone())));
        }
    }
    Cel::Map(CelMap::from(out))
}

/// A string typed by its schema's `format`.
fn string_value(text: &str, s: Option<&Value>) -> Cel {
    let format = s.map(|s| schema::text(s, "format")).unwrap_or("");
    match format {
        "byte" => {
            use base64::Engine as _;
            match base64::engine::general_purpose::STANDARD.decode(text) {
                Ok(bytes) => Cel::Bytes(Arc::new(bytes)),
                Err(_) => Cel::String(Arc::new(text.to_string())),
            }
        }
        "duration" => match apimachinery::gofmt::parse_duration(text) {
            Some(nanos) => Cel::Duration(chrono::Duration::nanoseconds(nanos)),
            None => Cel::String(Arc::new(text.to_string())),
        },
        "date-time" => match chrono::DateTime::parse_from_rfc3339(text) {
            Ok(t) => Cel::Timestamp(t),
            Err(_) => Cel::String(Arc::new(text.to_string())),
        },
        "date" => match chrono::NaiveDate::parse_from_str(text, "%Y-%m-%d") {
            Ok(d) => Cel::Timestamp(d.and_hms_opt(0, 0, 0).unwrap_or_default().and_utc().into()),
            Err(_) => Cel::String(Arc::new(text.to_string())),
        },
        _ => Cel::String(Arc::new(text.to_string())),
    }
}

/// Kubernetes' list library: `isSorted`, `sum`, `min` and `max` on lists.
fn add_list_library(ctx: &mut Context<'_, '_>) {
    use cel::extractors::This;
    fn ordered(a: &Cel, b: &Cel) -> Result<std::cmp::Ordering, ExecutionError> {
        a.partial_cmp(b).ok_or_else(|| ExecutionError::ValuesNotComparable(a.clone(), b.clone()))
    }
    let _ = ctx.add_function("isSorted", |This(list): This<Arc<Vec<Cel>>>| {
        for pair in list.windows(2) {
            if ordered(&pair[0], &pair[1])? == std::cmp::Ordering::Greater {
                return Ok(false);
            }
        }
        Ok::<bool, ExecutionError>(true)
    });
    let _ = ctx.add_function("sum", |This(list): This<Arc<Vec<Cel>>>| {
        let mut total: Option<Cel> = None;
        for item in list.iter() {
            total = Some(match (total, item) {
                (None, x) => x.clone(),
                (Some(Cel::Int(a)), Cel::Int(b)) => Cel::Int(
                    a.checked_add(*b)
                        .ok_or_else(|| ExecutionError::function_error("sum", "integer overflow"))?,
                ),
                (Some(Cel::UInt(a)), Cel::UInt(b)) => Cel::UInt(a.wrapping_add(*b)),
                (Some(Cel::Float(a)), Cel::Float(b)) => Cel::Float(a + b),
                (Some(Cel::Duration(a)), Cel::Duration(b)) => Cel::Duration(a + *b),
                (Some(a), b) => {
                    return Err(ExecutionError::function_error(
                        "sum",
                        format!("no such overload: {a:?} + {b:?}"),
                    ));
                }
            });
        }
        Ok::<Cel, ExecutionError>(total.unwrap_or(Cel::Int(0)))
    });
    fn extreme(list: &[Cel], want: std::cmp::Ordering, name: &str) -> Result<Cel, ExecutionError> {
        let mut best: Option<&Cel> = None;
        for item in list {
            best = match best {
                Some(b) if ordered(item, b)? != want => Some(b),
                _ => Some(item),
            };
        }
        best.cloned().ok_or_else(|| {
            ExecutionError::function_error(name, format!("{name} called on empty list"))
        })
    }
    // The standard library's global `min`/`max` take the place of these where they exist.
    let _ = ctx.add_function("min", |This(list): This<Arc<Vec<Cel>>>| {
        extreme(&list, std::cmp::Ordering::Less, "min")
    });
    let _ = ctx.add_function("max", |This(list): This<Arc<Vec<Cel>>>| {
        extreme(&list, std::cmp::Ordering::Greater, "max")
    });
}

/// Kubernetes' regex library: `find` and `findAll` on strings.
fn add_regex_library(ctx: &mut Context<'_, '_>) {
    use cel::extractors::{Arguments, This};
    fn pattern(name: &str, re: &str) -> Result<regex::Regex, ExecutionError> {
        super::validator::compile_pattern(re).map_err(|e| ExecutionError::function_error(name, e))
    }
    let _ = ctx.add_function("find", |This(text): This<Arc<String>>, re: Arc<String>| {
        let found = pattern("find", &re)?.find(&text).map(|m| m.as_str().to_string());
        Ok::<Cel, ExecutionError>(Cel::String(Arc::new(found.unwrap_or_default())))
    });
    let _ = ctx.add_function("findAll", |This(text): This<Arc<String>>, args: Arguments| {
        let (re, limit) = match args.0.as_slice() {
            [Cel::String(re)] => (re.clone(), -1),
            [Cel::String(re), Cel::Int(n)] => (re.clone(), *n),
            _ => {
                return Err(ExecutionError::function_error("findAll", "no such overload"));
            }
        };
        let re = pattern("findAll", &re)?;
        let limit = usize::try_from(limit).unwrap_or(usize::MAX);
        let found: Vec<Cel> = re
            .find_iter(&text)
            .take(limit)
            .map(|m| Cel::String(Arc::new(m.as_str().to_string())))
            .collect();
        Ok(Cel::List(Arc::new(found)))
    });
}

/// Evaluates the rules of schema `s` and of the schemas beneath it against `obj` (and `old`,
/// the previous object, on updates), as upstream's CEL validator does for a whole custom
/// object. Errors of rules that do not read `oldSelf` are dropped for values an update leaves
/// unchanged (ratcheting).
pub fn validate(s: &Value, obj: &Value, old: Option<&Value>) -> ErrorList {
    let mut ctx = Context::with_env(Arc::clone(env()));
    add_list_library(&mut ctx);
    add_regex_library(&mut ctx);
    let mut walk = Walk { ctx: &ctx, errs: ErrorList::new() };
    walk.node(&Path::nil(), s, obj, old, true, old.is_some());
    walk.errs
}

/// Whether `errs` holds an error that stops rules from being evaluated, as upstream's
/// `hasBlockingErr`; if so, the error reported instead of the rules' results.
pub fn blocking_error(errs: &ErrorList) -> Option<Error> {
    let blocks = errs.iter().any(|e| {
        matches!(
            e.error_type,
            ErrorType::NotSupported
                | ErrorType::Required
                | ErrorType::TooLong
                | ErrorType::TooMany
                | ErrorType::TypeInvalid
        )
    });
    blocks.then(|| {
        Error::invalid(
            &Path::nil(),
            BadValue::Null,
            "some validation rules were not checked because the object was invalid; correct \
             the existing errors to complete validation",
        )
    })
}

struct Walk<'c, 'a, 'v> {
    ctx: &'c Context<'a, 'v>,
    errs: ErrorList,
}

impl Walk<'_, '_, '_> {
    /// The rules at one node, then its children. `unchanged_above` tells whether the nearest
    /// correlated ancestor is unchanged (for values that can't be correlated themselves).
    fn node(
        &mut self,
        path: &Path,
        s: &Value,
        v: &Value,
        old: Option<&Value>,
        root: bool,
        unchanged_above: bool,
    ) {
        if v.is_null() {
            return;
        }
        let unchanged = match old {
            Some(o) => o == v,
            None => unchanged_above,
        };
        let embedded = root || schema::embedded(s);
        let mut schemas = vec![s];
        schemas.extend(schema::schemas(s, "allOf").iter());
        for node_schema in schemas {
            let rules = schema::schemas(node_schema, "x-kubernetes-validations");
            if !rules.is_empty() {
                self.rules(path, s, rules, v, old, embedded, unchanged);
            }
        }
        match v {
            Value::Object(map) => {
                let props = schema::properties(s);
                let additional = schema::additional(s);
                for (k, child) in map {
                    if embedded && k == "metadata" {
                        continue;
                    }
                    let (child_schema, child_path) =
                        match (props.and_then(|p| p.get(k)), &additional) {
                            (Some(cs), _) => (cs, path.child(k.as_str())),
                            (None, Some(Additional::Schema(cs))) => (*cs, path.key(k.as_str())),
                            _ => continue,
                        };
                    let child_old = old.and_then(|o| o.get(k));
                    self.node(&child_path, child_schema, child, child_old, false, unchanged);
                }
            }
            Value::Array(items) => {
                let Some(item_schema) = schema::items(s) else { return };
                let keys = (schema::list_type(s) == Some("map")).then(|| schema::list_map_keys(s));
                let old_items = old.and_then(Value::as_array);
                for (i, item) in items.iter().enumerate() {
                    let item_old = match (&keys, old_items) {
                        (Some(keys), Some(olds)) => {
                            olds.iter().find(|o| keys.iter().all(|k| o.get(*k) == item.get(*k)))
                        }
                        _ => None,
                    };
                    self.node(&path.index(i), item_schema, item, item_old, false, unchanged);
                }
            }
            _ => {}
        }
    }

    /// Evaluates `rules` on one value.
    #[allow(clippy::too_many_arguments)]
    fn rules(
        &mut self,
        path: &Path,
        s: &Value,
        rules: &[Value],
        v: &Value,
        old: Option<&Value>,
        embedded: bool,
        unchanged: bool,
    ) {
        let this = to_cel(v, Some(s), embedded);
        // The old value is converted only for transition rules, the only ones reading it.
        let transitions = rules.iter().any(|r| {
            r.get("rule")
                .and_then(Value::as_str)
                .is_some_and(|t| compile(t.trim()).is_ok_and(|c| c.transition))
        });
        let before = old.filter(|_| transitions).map(|o| to_cel(o, Some(s), embedded));
        let ty = schema::ty(s);
        for rule in rules {
            let text = |k: &str| rule.get(k).and_then(Value::as_str).unwrap_or("").trim();
            let source = text("rule");
            if source.is_empty() {
                continue;
            }
            let compiled = match compile(source) {
                Ok(c) => c,
                Err(e) => {
                    self.errs.push(Error::invalid(path, ty, format!("rule {e}")));
                    continue;
                }
            };
            let optional_old = rule.get("optionalOldSelf").and_then(Value::as_bool) == Some(true);
            if compiled.transition && before.is_none() && !optional_old {
                continue;
            }
            let mut scope = self.ctx.new_inner_scope();
            scope.add_variable_from_value("self", this.clone());
            if compiled.transition {
                let old_value = match (&before, optional_old) {
                    (Some(b), false) => b.clone(),
                    (b, true) => optional(self.ctx, b.clone()),
                    (None, false) => Cel::Null,
                };
                scope.add_variable_from_value("oldSelf", old_value);
            }
            let shown = if rule
                .get("message")
                .and_then(Value::as_str)
                .is_some_and(|m| !m.trim().is_empty())
            {
                text("message").to_string()
            } else {
                source.to_string()
            };
            let passed = match compiled.program.execute(&scope) {
                Ok(Cel::Bool(b)) => b,
                Ok(_) => false,
                Err(e) => {
                    self.errs.push(Error::invalid(path, ty, runtime_error(&e, &shown)));
                    continue;
                }
            };
            if passed || (!compiled.transition && unchanged) {
                continue;
            }
            let mut detail = if text("message").is_empty() {
                format!("failed rule: {source}")
            } else {
                text("message").to_string()
            };
            let message_expr = text("messageExpression");
            if !message_expr.is_empty()
                && let Ok(c) = compile(message_expr)
                && let Ok(Cel::String(m)) = c.program.execute(&scope)
            {
                let m = m.trim();
                if !m.is_empty() && m.len() <= MAX_MESSAGE_LEN && !m.contains('\n') {
                    detail = m.to_string();
                }
            }
            let at = match field_path(text("fieldPath"), s) {
                Some(steps) => steps.into_iter().fold(path.clone(), |p, step| match step {
                    Step::Child(name) => p.child(name),
                    Step::Key(key) => p.key(key),
                }),
                None => path.clone(),
            };
            let value = match v {
                Value::Object(_) | Value::Array(_) => BadValue::Omitted,
                other => BadValue::from(other.clone()),
            };
            self.errs.push(match text("reason") {
                "FieldValueForbidden" => Error::forbidden(&at, detail),
                "FieldValueRequired" => Error::required(&at, detail),
                "FieldValueDuplicate" => Error::duplicate(&at, value),
                _ => Error::invalid(&at, value, detail),
            });
        }
    }
}

/// `value` as an optional (`optional.of(value)`, or `optional.none()` without one).
fn optional(ctx: &Context<'_, '_>, value: Option<Cel>) -> Cel {
    let source = if value.is_some() { "optional.of(v)" } else { "optional.none()" };
    let Ok(c) = compile(source) else { return Cel::Null };
    let mut scope = ctx.new_inner_scope();
    if let Some(v) = value {
        scope.add_variable_from_value("v", v);
    }
    c.program.execute(&scope).unwrap_or(Cel::Null)
}

/// The detail of a rule that failed to run, worded as upstream's (cel-go's error texts where
/// the two libraries name the same failure).
#[allow(deprecated)]
fn runtime_error(e: &ExecutionError, rule: &str) -> String {
    let cause = match e {
        ExecutionError::NoSuchOverload(_)
        | ExecutionError::UnsupportedBinaryOperator(..)
        | ExecutionError::UnsupportedUnaryOperator(..)
        | ExecutionError::UnsupportedTargetType { .. }
        | ExecutionError::NotSupportedAsMethod { .. }
        | ExecutionError::ValuesNotComparable(..)
        | ExecutionError::UnexpectedType { .. } => {
            return format!(
                "'no such overload': call arguments did not match a supported operator, \
                 function or macro signature for rule: {rule}"
            );
        }
        ExecutionError::NoSuchKey(key) => format!("no such key: {key}"),
        ExecutionError::DivisionByZero(_) => "division by zero".to_string(),
        ExecutionError::RemainderByZero(_) => "modulus by zero".to_string(),
        ExecutionError::Overflow(..) => "integer overflow".to_string(),
        ExecutionError::IndexOutOfBounds(Cel::Int(i)) => format!("index out of range: {i}"),
        other => other.to_string(),
    };
    format!("{cause} evaluating rule: {rule}")
}

/// One step of a rule's `fieldPath`.
enum Step {
    Child(String),
    Key(String),
}

/// The steps of a `fieldPath` (`.a.b`, `.a['b.c']`) below schema `s`: properties become
/// children and additionalProperties keys become keys. `None` when it doesn't parse.
fn field_path(text: &str, mut s: &Value) -> Option<Vec<Step>> {
    if text.is_empty() {
        return None;
    }
    let mut steps = Vec::new();
    let mut rest = text;
    while !rest.is_empty() {
        let name;
        if let Some(r) = rest.strip_prefix("['") {
            let end = r.find("']")?;
            name = &r[..end];
            rest = &r[end + 2..];
        } else if let Some(r) = rest.strip_prefix('.') {
            let end = r.find(['.', '[']).unwrap_or(r.len());
            name = &r[..end];
            rest = &r[end..];
        } else {
            return None;
        }
        if name.is_empty() {
            return None;
        }
        if let Some(cs) = schema::property(s, name) {
            steps.push(Step::Child(name.to_string()));
            s = cs;
        } else if let Some(Additional::Schema(cs)) = schema::additional(s) {
            steps.push(Step::Key(name.to_string()));
            s = cs;
        } else {
            return None;
        }
    }
    Some(steps)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// A Widget schema whose `spec` carries `rules`, with a few typed properties.
    fn widget(rules: Value) -> Value {
        json!({
            "type": "object",
            "properties": {
                "metadata": {"type": "object"},
                "spec": {
                    "type": "object",
                    "x-kubernetes-validations": rules,
                    "properties": {
                        "replicas": {"type": "integer"},
                        "ratio": {"type": "number"},
                        "color": {"type": "string"},
                        "x-y": {"type": "string"},
                        "namespace": {"type": "string"},
                        "timeout": {"type": "string", "format": "duration"},
                        "at": {"type": "string", "format": "date-time"},
                        "tags": {"type": "array", "items": {"type": "string"}},
                        "sizes": {"type": "array", "items": {"type": "integer"}},
                        "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                        "ports": {
                            "type": "array",
                            "x-kubernetes-list-type": "map",
                            "x-kubernetes-list-map-keys": ["name"],
                            "items": {
                                "type": "object",
                                "properties": {
                                    "name": {"type": "string"},
                                    "port": {
                                        "type": "integer",
                                        "x-kubernetes-validations": [
                                            {"rule": "self >= oldSelf", "message": "may not shrink"}
                                        ]
                                    }
                                }
                            }
                        }
                    }
                }
            }
        })
    }

    fn obj(spec: Value) -> Value {
        json!({"apiVersion": "example.com/v1", "kind": "Widget",
               "metadata": {"name": "w1", "namespace": "default", "labels": {"a": "b"}},
               "spec": spec})
    }

    fn messages(errs: &ErrorList) -> Vec<String> {
        errs.iter().map(ToString::to_string).collect()
    }

    fn check(rules: Value, spec: Value) -> Vec<String> {
        messages(&validate(&widget(rules), &obj(spec), None))
    }

    #[test]
    fn test_failed_rules_report_message_or_rule() {
        let rules = json!([
            {"rule": "self.replicas <= 10", "message": "too many"},
            {"rule": "self.replicas > 0"}
        ]);
        assert!(check(rules.clone(), json!({"replicas": 3})).is_empty());
        assert_eq!(
            check(rules.clone(), json!({"replicas": 11})),
            ["spec: Invalid value: too many"]
        );
        assert_eq!(
            check(rules, json!({"replicas": 0})),
            ["spec: Invalid value: failed rule: self.replicas > 0"]
        );
    }

    #[test]
    fn test_scalar_rules_show_the_value() {
        let mut s = widget(json!([]));
        s["properties"]["spec"]["properties"]["replicas"]["x-kubernetes-validations"] =
            json!([{"rule": "self < 5"}]);
        s["properties"]["spec"]["properties"]["color"]["x-kubernetes-validations"] =
            json!([{"rule": "self in ['red', 'blue']", "message": "bad color"}]);
        let errs = validate(&s, &obj(json!({"replicas": 7, "color": "green"})), None);
        let mut got = messages(&errs);
        got.sort();
        assert_eq!(
            got,
            [
                "spec.color: Invalid value: \"green\": bad color",
                "spec.replicas: Invalid value: 7: failed rule: self < 5"
            ]
        );
    }

    #[test]
    fn test_reasons_field_paths_and_message_expressions() {
        let rules = json!([
            {"rule": "has(self.color)", "reason": "FieldValueRequired", "fieldPath": ".color",
             "message": "color is required"},
            {"rule": "self.replicas < 3", "reason": "FieldValueForbidden",
             "messageExpression": "'replicas ' + string(self.replicas) + ' is too many'"},
            {"rule": "self.replicas < 4", "reason": "FieldValueDuplicate"},
            {"rule": "self.replicas < 5", "messageExpression": "self.nope",
             "message": "fallback", "fieldPath": ".labels['a.b']"}
        ]);
        assert_eq!(
            check(rules, json!({"replicas": 9})),
            [
                "spec.color: Required value: color is required",
                "spec: Forbidden: replicas 9 is too many",
                "spec: Duplicate value",
                "spec.labels[a.b]: Invalid value: fallback",
            ]
        );
    }

    #[test]
    fn test_runtime_errors() {
        let rules = json!([
            {"rule": "self.color == 'red'"},
            {"rule": "self.replicas + 'x' == 1", "message": "bad"}
        ]);
        assert_eq!(
            check(rules, json!({"replicas": 1})),
            [
                "spec: Invalid value: \"object\": no such key: color evaluating rule: \
                 self.color == 'red'",
                "spec: Invalid value: \"object\": 'no such overload': call arguments did not \
                 match a supported operator, function or macro signature for rule: bad",
            ]
        );
    }

    #[test]
    fn test_values_are_typed_by_their_schema() {
        let rules = json!([
            {"rule": "self.ratio == 2.0 && type(self.ratio) == double"},
            {"rule": "self.timeout < duration('1h') && self.timeout > duration('1m')"},
            {"rule": "self.at < timestamp('2030-01-01T00:00:00Z')"},
            {"rule": "self.x__dash__y == 'dash' && self.__namespace__ == 'ns'"},
            {"rule": "self.labels['a.b'] == 'c' && !has(self.labels.zzz)"},
            {"rule": "self.tags.isSorted() && self.sizes.sum() == 6"},
            {"rule": "self.sizes.min() == 1 && self.sizes.max() == 3"},
            {"rule": "self.tags.all(t, t.startsWith('t')) && self.tags.exists_one(t, t == 't2')"},
            {"rule": "'t1,t2'.split(',') == self.tags && 'AB'.lowerAscii() == 'ab'"},
            {"rule": "'abc 123 45'.find('[0-9]+') == '123' && 'x'.find('[0-9]') == ''"},
            {"rule": "'a1b22c333'.findAll('[0-9]+') == ['1', '22', '333']"},
            {"rule": "'a1b22c333'.findAll('[0-9]+', 2) == ['1', '22']"}
        ]);
        let spec = json!({
            "ratio": 2, "timeout": "5m30s", "at": "2026-11-24T10:00:00Z", "x-y": "dash",
            "namespace": "ns", "labels": {"a.b": "c"}, "tags": ["t1", "t2"], "sizes": [3, 1, 2]
        });
        assert_eq!(check(rules, spec), Vec::<String>::new());
        assert_eq!(
            check(json!([{"rule": "self.sizes.isSorted()"}]), json!({"sizes": [2, 1]})),
            ["spec: Invalid value: failed rule: self.sizes.isSorted()"]
        );
    }

    #[test]
    fn test_root_sees_only_the_name_fields_of_metadata() {
        let mut s = widget(json!([]));
        s["x-kubernetes-validations"] = json!([
            {"rule": "self.metadata.name.startsWith('w') && self.kind == 'Widget'"},
            {"rule": "has(self.metadata.labels)", "message": "labels are hidden"}
        ]);
        assert_eq!(
            messages(&validate(&s, &obj(json!({})), None)),
            ["<nil>: Invalid value: labels are hidden"]
        );
    }

    #[test]
    fn test_transition_rules_and_ratcheting() {
        let old = obj(json!({"replicas": 20, "ports": [{"name": "a", "port": 80}]}));
        let rules = json!([
            {"rule": "self.replicas <= 10", "message": "too many"},
            {"rule": "self.replicas >= oldSelf.replicas", "message": "may not scale down"}
        ]);
        let s = widget(rules);
        // Creates skip transition rules; the item rule has no old item either.
        assert_eq!(messages(&validate(&s, &old, None)), ["spec: Invalid value: too many"]);
        // An unchanged invalid spec is not held against an update.
        assert!(validate(&s, &old, Some(&old)).is_empty());
        // A changed one is, and so are transition rules.
        let new = obj(json!({"replicas": 15, "ports": [{"name": "a", "port": 70}]}));
        assert_eq!(
            messages(&validate(&s, &new, Some(&old))),
            [
                "spec: Invalid value: too many",
                "spec: Invalid value: may not scale down",
                "spec.ports[0].port: Invalid value: 70: may not shrink",
            ]
        );
        // Map-list items correlate by key: a new item has no old value.
        let renamed = obj(json!({"replicas": 20, "ports": [{"name": "b", "port": 70}]}));
        assert_eq!(
            messages(&validate(&s, &renamed, Some(&old))),
            ["spec: Invalid value: too many"]
        );
    }

    #[test]
    fn test_optional_old_self() {
        let rules = json!([{
            "rule": "!oldSelf.hasValue() || self.replicas >= oldSelf.value().replicas",
            "optionalOldSelf": true, "message": "may not scale down"
        }, {
            "rule": "oldSelf.hasValue() || self.replicas == 1", "optionalOldSelf": true,
            "message": "start at one"
        }]);
        let s = widget(rules);
        assert_eq!(
            messages(&validate(&s, &obj(json!({"replicas": 2})), None)),
            ["spec: Invalid value: start at one"]
        );
        let old = obj(json!({"replicas": 5}));
        assert_eq!(
            messages(&validate(&s, &obj(json!({"replicas": 4})), Some(&old))),
            ["spec: Invalid value: may not scale down"]
        );
    }

    #[test]
    fn test_null_values_are_not_checked() {
        let mut s = widget(json!([]));
        s["properties"]["spec"]["properties"]["color"]["nullable"] = json!(true);
        s["properties"]["spec"]["properties"]["color"]["x-kubernetes-validations"] =
            json!([{"rule": "self == 'red'"}]);
        assert!(validate(&s, &obj(json!({"color": null})), None).is_empty());
        // ...and a null property is absent to the rules of its parent.
        let s = widget(json!([{"rule": "!has(self.color)", "message": "color is set"}]));
        assert!(validate(&s, &obj(json!({"color": null})), None).is_empty());
        assert_eq!(
            messages(&validate(&s, &obj(json!({"color": "red"})), None)),
            ["spec: Invalid value: color is set"]
        );
    }

    #[test]
    fn test_blocking_errors() {
        let mut errs = ErrorList::new();
        errs.push(Error::invalid(&Path::new("spec"), 1, "x"));
        assert!(blocking_error(&errs).is_none());
        errs.push(Error::required(&Path::new("spec"), ""));
        assert_eq!(
            blocking_error(&errs).map(|e| e.to_string()).as_deref(),
            Some(
                "<nil>: Invalid value: null: some validation rules were not checked because the \
                 object was invalid; correct the existing errors to complete validation"
            )
        );
    }

    #[test]
    fn test_compile_and_escape() {
        assert!(compile("self.a > 1").is_ok_and(|c| !c.transition));
        assert!(compile("self == oldSelf").is_ok_and(|c| c.transition));
        assert!(compile("self.a >").err().is_some_and(|e| e.starts_with("compilation failed: ")));
        assert_eq!(
            escape("a-b.c/d__e").as_deref(),
            Some("a__dash__b__dot__c__slash__d__underscores__e")
        );
        assert_eq!(escape("if").as_deref(), Some("__if__"));
        assert_eq!(escape("1abc"), None);
        assert_eq!(escape("a:b"), None);
        assert!(present(&widget(json!([{"rule": "true"}]))));
        assert!(!present(&json!({"type": "object", "default": {"x-kubernetes-validations": [1]}})));
    }
}
