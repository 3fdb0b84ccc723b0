//! Evaluation of a parsed template against a JSON document, and printing of the results.
//!
//! Documents are modelled as Go sees an unstructured object: objects are
//! `map[string]interface {}`, integers `int64`, other numbers `float64`. Map members are visited
//! in sorted key order (upstream's order is Go's random map order).

use serde_json::{Number, Value};

use super::node::{Node, ParamsEntry};
use super::parser::{ParseError, parse_template};
use crate::gofmt::{format_float, format_number, format_value, marshal_json, type_name};

/// Why a template could not be evaluated against a document. Messages are upstream's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ExecuteError {
    /// A field matched nothing (and missing keys are not allowed).
    #[error("{0} is not found")]
    NotFound(String),
    /// An identifier other than `range` and `end`.
    #[error("unrecognized identifier {0}")]
    UnrecognizedIdentifier(String),
    /// `{end}` outside a `{range}`.
    #[error("not in range, nothing to end")]
    NotInRange,
    /// An index or slice applied to a non-array; carries the Go type name.
    #[error("{0} is not array or slice")]
    NotArray(String),
    /// An index beyond the array.
    #[error("array index out of bounds: index {index}, length {length}")]
    IndexOutOfBounds {
        /// The offending index, after adding the length to negative ones.
        index: i64,
        /// The array's length.
        length: i64,
    },
    /// A slice whose start lies after its end.
    #[error("starting index {start} is greater than ending index {end}")]
    StartAfterEnd {
        /// The resolved start index.
        start: i64,
        /// The resolved end index.
        end: i64,
    },
    /// A slice step of zero or less.
    #[error("step must be > 0")]
    InvalidStep,
    /// A filter applied to a non-array; carries the value in Go's `%v` form.
    #[error("{0} is not array or slice and cannot be filtered")]
    NotFilterable(String),
    /// A filter operand yielding more than one value.
    #[error("can only compare one element at a time")]
    MultipleValues,
    /// A filter with an operator other than `==`, `!=`, `<`, `>`, `<=`, `>=`.
    #[error("unrecognized filter operator {0}")]
    UnrecognizedOperator(String),
    /// A filter operand that is not a bool, number or string.
    #[error("invalid type for comparison")]
    BadComparisonType,
    /// Filter operands of different types.
    #[error("incompatible types for comparison")]
    IncompatibleComparison,
}

/// A parsed template, ready to be evaluated against documents.
#[derive(Debug, Clone, PartialEq)]
pub struct JsonPath {
    name: String,
    nodes: Vec<Node>,
    allow_missing_keys: bool,
    output_json: bool,
}

impl JsonPath {
    /// Parses `template`; `name` identifies the template (upstream uses it in messages).
    pub fn parse(name: &str, template: &str) -> Result<Self, ParseError> {
        Ok(JsonPath {
            name: name.to_string(),
            nodes: parse_template(template)?,
            allow_missing_keys: false,
            output_json: false,
        })
    }

    /// Whether a field that matches nothing yields no result instead of an error.
    pub fn allow_missing_keys(mut self, allow: bool) -> Self {
        self.allow_missing_keys = allow;
        self
    }

    /// Whether each action prints as an indented JSON array of its results
    /// (`-o jsonpath-as-json`).
    pub fn enable_json_output(mut self, enable: bool) -> Self {
        self.output_json = enable;
        self
    }

    /// The template's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The template's top-level nodes: text and one list per action.
    pub fn nodes(&self) -> &[Node] {
        &self.nodes
    }

    /// Evaluates the template: one result list per printed action or text, in output order
    /// (a `{range}` contributes one group per step per element).
    pub fn find_results(&self, data: &Value) -> Result<Vec<Vec<Value>>, ExecuteError> {
        let groups = self.find_items(data)?;
        Ok(groups
            .into_iter()
            .map(|group| group.into_iter().map(Item::to_value).collect())
            .collect())
    }

    /// Evaluates the template and prints it as upstream's `Execute`.
    pub fn execute(&self, data: &Value) -> Result<String, ExecuteError> {
        let mut out = String::new();
        for group in self.find_items(data)? {
            self.print_items(&group, &mut out);
        }
        Ok(out)
    }

    /// Prints one result list as upstream's `PrintResults`: strings raw, scalars as Go prints
    /// them, maps and arrays as JSON, separated by spaces (or one JSON array in JSON mode).
    pub fn print_results(&self, results: &[Value]) -> String {
        let items: Vec<Item<'_>> = results.iter().map(Item::Json).collect();
        let mut out = String::new();
        self.print_items(&items, &mut out);
        out
    }

    fn find_items<'a>(&'a self, data: &'a Value) -> Result<Vec<Vec<Item<'a>>>, ExecuteError> {
        let mut walker = Walker {
            allow_missing_keys: self.allow_missing_keys,
            begin_range: 0,
            in_range: 0,
            end_range: 0,
            last_end: None,
        };
        walker.find(&self.nodes, 0, Item::Json(data))
    }

    fn print_items(&self, items: &[Item<'_>], out: &mut String) {
        if self.output_json {
            let array = Value::Array(items.iter().map(|i| i.to_value()).collect());
            out.push_str(&marshal_json(&array, Some("    ")));
            out.push('\n');
            return;
        }
        for (i, item) in items.iter().enumerate() {
            if i > 0 {
                out.push(' ');
            }
            item.write_text(out);
        }
    }
}

static NULL: Value = Value::Null;

/// A value flowing through evaluation: part of the document, or a literal of the template
/// (whose Go types differ from the document's, which matters for comparisons and messages).
#[derive(Debug, Clone, Copy)]
enum Item<'a> {
    Json(&'a Value),
    Text(&'a str),
    Int(i64),
    Float(f64),
    Bool(bool),
    /// One byte of a string, as Go yields when iterating a string value.
    Byte(u8),
}

/// The comparable kinds of Go's template comparison functions.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Basic<'a> {
    Bool(bool),
    Int(i64),
    Uint(u64),
    Float(f64),
    Str(&'a str),
}

impl<'a> Item<'a> {
    fn is_nil(&self) -> bool {
        matches!(self, Item::Json(Value::Null))
    }

    fn to_value(self) -> Value {
        match self {
            Item::Json(v) => v.clone(),
            Item::Text(s) => Value::String(s.to_string()),
            Item::Int(i) => Value::from(i),
            Item::Float(f) => Number::from_f64(f).map_or(Value::Null, Value::Number),
            Item::Bool(b) => Value::Bool(b),
            Item::Byte(b) => Value::from(b),
        }
    }

    /// What `*` yields: map values by sorted key, array elements, string bytes.
    fn children(&self) -> Vec<Item<'a>> {
        match *self {
            Item::Json(Value::Object(map)) => {
                let mut entries: Vec<_> = map.iter().collect();
                entries.sort_by(|a, b| a.0.cmp(b.0));
                entries.into_iter().map(|(_, v)| Item::Json(v)).collect()
            }
            Item::Json(Value::Array(items)) => items.iter().map(Item::Json).collect(),
            Item::Json(Value::String(s)) => s.bytes().map(Item::Byte).collect(),
            Item::Text(s) => s.bytes().map(Item::Byte).collect(),
            _ => Vec::new(),
        }
    }

    /// The Go type name upstream reports for a non-array.
    fn go_type(&self) -> &'static str {
        match self {
            // A JSON null sits in an `interface {}` slot, which is what reflection reports.
            Item::Json(Value::Null) => "interface {}",
            Item::Json(v) => type_name(v),
            Item::Text(_) => "string",
            Item::Bool(_) => "bool",
            Item::Float(_) => "float64",
            Item::Int(_) => "int",
            Item::Byte(_) => "uint8",
        }
    }

    fn go_v(&self) -> String {
        format_value(&self.to_value())
    }

    fn basic(&self) -> Result<Basic<'a>, ExecuteError> {
        Ok(match *self {
            Item::Json(Value::Bool(b)) => Basic::Bool(*b),
            Item::Bool(b) => Basic::Bool(b),
            Item::Json(Value::String(s)) => Basic::Str(s),
            Item::Text(s) => Basic::Str(s),
            Item::Json(Value::Number(n)) => match n.as_i64() {
                Some(i) => Basic::Int(i),
                None => Basic::Float(n.as_f64().unwrap_or(0.0)),
            },
            Item::Int(i) => Basic::Int(i),
            Item::Float(f) => Basic::Float(f),
            Item::Byte(b) => Basic::Uint(u64::from(b)),
            Item::Json(_) => return Err(ExecuteError::BadComparisonType),
        })
    }

    fn write_text(&self, out: &mut String) {
        match self {
            Item::Json(v @ (Value::Object(_) | Value::Array(_))) => {
                out.push_str(&marshal_json(v, None));
            }
            Item::Json(Value::Null) => out.push_str("null"),
            Item::Json(Value::Bool(b)) | Item::Bool(b) => {
                out.push_str(if *b { "true" } else { "false" })
            }
            Item::Json(Value::Number(n)) => out.push_str(&format_number(n)),
            Item::Json(Value::String(s)) => out.push_str(s),
            Item::Text(s) => out.push_str(s),
            Item::Int(i) => out.push_str(&i.to_string()),
            Item::Float(f) => out.push_str(&format_float(*f)),
            Item::Byte(b) => out.push_str(&b.to_string()),
        }
    }
}

/// Go's `template.Equal` for two operands.
fn go_equal(a: Basic<'_>, b: Basic<'_>) -> Result<bool, ExecuteError> {
    Ok(match (a, b) {
        (Basic::Bool(x), Basic::Bool(y)) => x == y,
        (Basic::Int(x), Basic::Int(y)) => x == y,
        (Basic::Uint(x), Basic::Uint(y)) => x == y,
        (Basic::Float(x), Basic::Float(y)) => x == y,
        (Basic::Str(x), Basic::Str(y)) => x == y,
        (Basic::Int(x), Basic::Uint(y)) | (Basic::Uint(y), Basic::Int(x)) => {
            u64::try_from(x).is_ok_and(|x| x == y)
        }
        _ => return Err(ExecuteError::IncompatibleComparison),
    })
}

/// Go's `template.Less` for two operands.
fn go_less(a: Basic<'_>, b: Basic<'_>) -> Result<bool, ExecuteError> {
    Ok(match (a, b) {
        (Basic::Bool(_), Basic::Bool(_)) => return Err(ExecuteError::BadComparisonType),
        (Basic::Int(x), Basic::Int(y)) => x < y,
        (Basic::Uint(x), Basic::Uint(y)) => x < y,
        (Basic::Float(x), Basic::Float(y)) => x < y,
        (Basic::Str(x), Basic::Str(y)) => x < y,
        (Basic::Int(x), Basic::Uint(y)) => u64::try_from(x).map_or(true, |x| x < y),
        (Basic::Uint(x), Basic::Int(y)) => u64::try_from(y).is_ok_and(|y| x < y),
        _ => return Err(ExecuteError::IncompatibleComparison),
    })
}

fn compare(op: &str, left: &Item<'_>, right: &Item<'_>) -> Result<bool, ExecuteError> {
    if !matches!(op, "==" | "!=" | "<" | "<=" | ">" | ">=") {
        return Err(ExecuteError::UnrecognizedOperator(op.to_string()));
    }
    let a = left.basic()?;
    let b = right.basic()?;
    match op {
        "==" => go_equal(a, b),
        "!=" => go_equal(a, b).map(|eq| !eq),
        "<" => go_less(a, b),
        "<=" => Ok(go_less(a, b)? || go_equal(a, b)?),
        ">" => Ok(!(go_less(a, b)? || go_equal(a, b)?)),
        _ => go_less(a, b).map(|lt| !lt),
    }
}

/// A failed step, with the values upstream hands back alongside its error (an existence
/// filter looks at them and ignores the error).
struct Failed<'a> {
    partial: Vec<Item<'a>>,
    err: ExecuteError,
}

type Step<'a> = Result<Vec<Item<'a>>, Failed<'a>>;

fn fail<'a>(partial: Vec<Item<'a>>, err: ExecuteError) -> Step<'a> {
    Err(Failed { partial, err })
}

/// Evaluation state of one run; the range counters mirror upstream's bookkeeping, which
/// decides how `{range}` and `{end}` pair up.
struct Walker {
    allow_missing_keys: bool,
    begin_range: usize,
    in_range: usize,
    end_range: usize,
    last_end: Option<usize>,
}

impl Walker {
    fn find<'a>(
        &mut self,
        nodes: &'a [Node],
        start: usize,
        root: Item<'a>,
    ) -> Result<Vec<Vec<Item<'a>>>, ExecuteError> {
        let mut full = Vec::new();
        let mut i = start;
        while let Some(node) = nodes.get(i) {
            let results = self.walk(vec![root], node).map_err(|f| f.err)?;
            if self.end_range > 0 && self.end_range <= self.in_range {
                self.end_range -= 1;
                self.last_end = Some(i);
                break;
            }
            if self.begin_range > 0 {
                self.begin_range -= 1;
                self.in_range += 1;
                if results.is_empty() {
                    // The body still runs once so that the matching `{end}` is found.
                    self.find(nodes, i + 1, Item::Json(&NULL))?;
                } else {
                    for value in results {
                        full.extend(self.find(nodes, i + 1, value)?);
                    }
                }
                self.in_range -= 1;
                if let Some(end) = self.last_end.filter(|&end| end > i) {
                    i = end;
                }
                i += 1;
                continue;
            }
            full.push(results);
            i += 1;
        }
        Ok(full)
    }

    fn walk<'a>(&mut self, input: Vec<Item<'a>>, node: &'a Node) -> Step<'a> {
        match node {
            Node::List(nodes) => self.eval_list(input, nodes),
            Node::Text(text) => Ok(vec![Item::Text(text)]),
            Node::Field(name) => self.eval_field(input, name),
            Node::Array(params) => eval_array(input, params),
            Node::Filter { left, right, operator } => {
                self.eval_filter(input, left, right, operator)
            }
            Node::Int(i) => Ok(vec![Item::Int(*i); input.len()]),
            Node::Float(f) => Ok(vec![Item::Float(*f); input.len()]),
            Node::Bool(b) => Ok(vec![Item::Bool(*b); input.len()]),
            Node::Wildcard => {
                Ok(input.iter().filter(|v| !v.is_nil()).flat_map(Item::children).collect())
            }
            Node::Recursive => Ok(eval_recursive(&input)),
            Node::Union(branches) => {
                let mut result = Vec::new();
                for branch in branches {
                    match self.eval_list(input.clone(), branch) {
                        Ok(values) => result.extend(values),
                        Err(f) => return fail(input, f.err),
                    }
                }
                Ok(result)
            }
            Node::Identifier(name) => self.eval_identifier(input, name),
        }
    }

    fn eval_list<'a>(&mut self, input: Vec<Item<'a>>, nodes: &'a [Node]) -> Step<'a> {
        let mut cur = input;
        for node in nodes {
            cur = self.walk(cur, node)?;
        }
        Ok(cur)
    }

    fn eval_identifier<'a>(&mut self, input: Vec<Item<'a>>, name: &str) -> Step<'a> {
        match name {
            "range" => {
                self.begin_range += 1;
                Ok(input)
            }
            "end" if self.in_range > 0 => {
                self.end_range += 1;
                Ok(Vec::new())
            }
            "end" => fail(Vec::new(), ExecuteError::NotInRange),
            _ => fail(input, ExecuteError::UnrecognizedIdentifier(name.to_string())),
        }
    }

    fn eval_field<'a>(&mut self, input: Vec<Item<'a>>, name: &str) -> Step<'a> {
        if input.is_empty() {
            return Ok(input);
        }
        let results: Vec<Item<'a>> = input
            .iter()
            .filter_map(|v| match v {
                Item::Json(Value::Object(map)) => map.get(name).map(Item::Json),
                _ => None,
            })
            .collect();
        if results.is_empty() && !self.allow_missing_keys {
            return fail(results, ExecuteError::NotFound(name.to_string()));
        }
        Ok(results)
    }

    fn eval_filter<'a>(
        &mut self,
        input: Vec<Item<'a>>,
        left: &'a [Node],
        right: &'a [Node],
        operator: &str,
    ) -> Step<'a> {
        let mut results = Vec::new();
        for value in &input {
            let Item::Json(Value::Array(elements)) = value else {
                let err = ExecuteError::NotFilterable(value.go_v());
                return fail(input, err);
            };
            for element in elements {
                let element = Item::Json(element);
                if operator == "exists" {
                    let lefts = match self.eval_list(vec![element], left) {
                        Ok(values) => values,
                        Err(f) => f.partial,
                    };
                    if !lefts.is_empty() {
                        results.push(element);
                    }
                    continue;
                }
                let lhs = match self.operand(element, left) {
                    Ok(Some(v)) => v,
                    Ok(None) => continue,
                    Err(err) => return fail(input, err),
                };
                let rhs = match self.operand(element, right) {
                    Ok(Some(v)) => v,
                    Ok(None) => continue,
                    Err(err) => return fail(input, err),
                };
                match compare(operator, &lhs, &rhs) {
                    Ok(true) => results.push(element),
                    Ok(false) => {}
                    Err(err) => return fail(results, err),
                }
            }
        }
        Ok(results)
    }

    /// One filter operand; `None` when it yields nothing (the element is then skipped).
    fn operand<'a>(
        &mut self,
        element: Item<'a>,
        nodes: &'a [Node],
    ) -> Result<Option<Item<'a>>, ExecuteError> {
        let values = self.eval_list(vec![element], nodes).map_err(|f| f.err)?;
        match values.as_slice() {
            [] => Ok(None),
            [one] => Ok(Some(*one)),
            _ => Err(ExecuteError::MultipleValues),
        }
    }
}

fn eval_array<'a>(input: Vec<Item<'a>>, params: &[ParamsEntry; 3]) -> Step<'a> {
    let mut result = Vec::new();
    for value in &input {
        if value.is_nil() {
            continue;
        }
        let Item::Json(Value::Array(elements)) = value else {
            let err = ExecuteError::NotArray(value.go_type().to_string());
            return fail(input, err);
        };
        let len = i64::try_from(elements.len()).unwrap_or(i64::MAX);
        let mut start = if params[0].known { params[0].value } else { 0 };
        if start < 0 {
            start = start.wrapping_add(len);
        }
        let mut end = if params[1].known { params[1].value } else { len };
        if end < 0 || (end == 0 && params[1].derived) {
            end = end.wrapping_add(len);
        }
        if start == end {
            // An empty selection ends the whole step, as upstream does.
            return Ok(result);
        }
        if start >= len || start < 0 {
            return fail(input, ExecuteError::IndexOutOfBounds { index: start, length: len });
        }
        if end > len || end < 0 {
            let index = end.wrapping_sub(1);
            return fail(input, ExecuteError::IndexOutOfBounds { index, length: len });
        }
        if start > end {
            return fail(input, ExecuteError::StartAfterEnd { start, end });
        }
        let step = if params[2].known {
            if params[2].value <= 0 {
                return fail(input, ExecuteError::InvalidStep);
            }
            usize::try_from(params[2].value).unwrap_or(usize::MAX)
        } else {
            1
        };
        // Both bounds are within 0..=len here, so the conversions cannot fail.
        let (from, to) = (usize::try_from(start).unwrap_or(0), usize::try_from(end).unwrap_or(0));
        if let Some(selected) = elements.get(from..to) {
            result.extend(selected.iter().step_by(step).map(Item::Json));
        }
    }
    Ok(result)
}

/// Every value with members, each followed by those below it, depth first.
fn eval_recursive<'a>(input: &[Item<'a>]) -> Vec<Item<'a>> {
    let mut result = Vec::new();
    for value in input {
        if value.is_nil() {
            continue;
        }
        let children = value.children();
        if !children.is_empty() {
            result.push(*value);
            result.extend(eval_recursive(&children));
        }
    }
    result
}
