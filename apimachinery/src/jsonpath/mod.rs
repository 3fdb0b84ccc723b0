//! kubectl's JSONPath template dialect (`-o jsonpath=...`, `-o custom-columns`,
//! `kubectl wait --for=jsonpath`), as client-go's `util/jsonpath`, evaluated over JSON values.
//!
//! For example the template `{range .items[*]}{.metadata.name}{"\n"}{end}` prints one name per
//! line for a list; `JsonPath::parse` parses it and `JsonPath::execute` runs it.

mod eval;
mod node;
mod parser;
#[cfg(test)]
mod tests;

pub use eval::{ExecuteError, JsonPath};
pub use node::{Node, ParamsEntry};
pub use parser::{ParseError, parse_template, unquote_extend};

/// A custom-columns or sort-by expression that is none of kubectl's accepted shapes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unexpected path string, expected a 'name1.name2' or '.name1.name2' or '{{name1.name2}}' or '{{.name1.name2}}'"
)]
pub struct RelaxedExpressionError;

/// kubectl's `RelaxedJSONPathExpression`: turns `metadata.name`, `.metadata.name`,
/// `{metadata.name}` or `{.metadata.name}` into the template `{.metadata.name}`.
/// The empty string stays empty.
pub fn relaxed_expression(expression: &str) -> Result<String, RelaxedExpressionError> {
    if expression.is_empty() {
        return Ok(String::new());
    }
    // kubectl's pattern is `^\{\.?([^{}]+)\}$|^\.?([^{}]+)$`; a braced input that fails the
    // first branch contains a brace, so it cannot match the second either.
    let body =
        expression.strip_prefix('{').and_then(|rest| rest.strip_suffix('}')).unwrap_or(expression);
    if body.is_empty() || body.contains(['{', '}']) {
        return Err(RelaxedExpressionError);
    }
    // The optional dot gives way when the field would otherwise be empty.
    let field = match body.strip_prefix('.') {
        Some(rest) if !rest.is_empty() => rest,
        _ => body,
    };
    Ok(format!("{{.{field}}}"))
}
