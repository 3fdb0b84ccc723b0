//! Conversions between the API's `LabelSelector` (matchLabels + matchExpressions) and label
//! selectors, as upstream's `pkg/apis/meta/v1/helpers.go`.

use std::collections::BTreeMap;

use k8s_openapi::apimachinery::pkg::apis::meta::v1::{LabelSelector, LabelSelectorRequirement};

use super::{Error, Operator, Requirement, Selector, Set, parse_to_requirements};
use crate::errors::field::Path;
use crate::gofmt::quote;

/// Converts an API `LabelSelector` into a selector: `None` (a null selector) matches nothing,
/// a selector with no labels and no expressions matches everything. Operators must be `In`,
/// `NotIn`, `Exists` or `DoesNotExist`; keys, values and value counts are validated.
pub fn label_selector_as_selector(selector: Option<&LabelSelector>) -> Result<Selector, Error> {
    let Some(selector) = selector else {
        return Ok(Selector::nothing());
    };
    let labels = selector.match_labels.iter().flatten();
    let exprs = selector.match_expressions.iter().flatten();
    if labels.clone().count() + exprs.clone().count() == 0 {
        return Ok(Selector::everything());
    }
    let nil = Path::nil();
    let mut reqs = Vec::new();
    for (k, v) in labels {
        reqs.push(Requirement::build(k, Operator::Equals, vec![v.clone()], false, &nil)?);
    }
    for expr in exprs {
        let op = match expr.operator.as_str() {
            "In" => Operator::In,
            "NotIn" => Operator::NotIn,
            "Exists" => Operator::Exists,
            "DoesNotExist" => Operator::DoesNotExist,
            other => {
                return Err(Error::InvalidLabelSelector(format!(
                    "{} is not a valid label selector operator",
                    quote(other)
                )));
            }
        };
        let values = expr.values.clone().unwrap_or_default();
        reqs.push(Requirement::build(&expr.key, op, values, true, &nil)?);
    }
    Ok(Selector::everything().add(reqs))
}

/// Converts an API `LabelSelector` into a plain label map, which only works for match labels
/// and `In` expressions with exactly one value. `None` stays `None`.
pub fn label_selector_as_map(
    selector: Option<&LabelSelector>,
) -> Result<Option<BTreeMap<String, String>>, Error> {
    let Some(selector) = selector else {
        return Ok(None);
    };
    let mut map = selector.match_labels.clone().unwrap_or_default();
    for expr in selector.match_expressions.iter().flatten() {
        let op = quote(&expr.operator);
        match expr.operator.as_str() {
            "In" => match expr.values.as_deref() {
                Some([one]) => {
                    map.insert(expr.key.clone(), one.clone());
                }
                _ => {
                    return Err(Error::InvalidLabelSelector(format!(
                        "operator {op} without a single value cannot be converted into the old label selector format"
                    )));
                }
            },
            "NotIn" | "Exists" | "DoesNotExist" => {
                return Err(Error::InvalidLabelSelector(format!(
                    "operator {op} cannot be converted into the old label selector format"
                )));
            }
            _ => {
                return Err(Error::InvalidLabelSelector(format!(
                    "{op} is not a valid selector operator"
                )));
            }
        }
    }
    Ok(Some(map))
}

/// Parses selector text into an API `LabelSelector`: `=`/`==` requirements become match
/// labels, the rest match expressions (values sorted); `!=`, `gt` and `lt` cannot be expressed
/// and are errors. Empty match labels or expressions are left unset, as upstream's JSON omits
/// them.
pub fn parse_to_label_selector(selector: &str) -> Result<LabelSelector, Error> {
    let reqs = parse_to_requirements(selector).map_err(|e| {
        Error::Parse(format!("couldn't parse the selector string \"{selector}\": {}", e.message()))
    })?;
    let mut labels = BTreeMap::new();
    let mut exprs = Vec::new();
    for req in reqs {
        let op = match req.operator() {
            Operator::Equals | Operator::DoubleEquals => {
                let values = req.values();
                let mut it = values.into_iter();
                match (it.next(), it.next()) {
                    (Some(v), None) => {
                        labels.insert(req.key().to_string(), v);
                    }
                    _ => {
                        return Err(Error::InvalidLabelSelector(
                            "equals operator must have exactly one value".to_string(),
                        ));
                    }
                }
                continue;
            }
            Operator::In => "In",
            Operator::NotIn => "NotIn",
            Operator::Exists => "Exists",
            Operator::DoesNotExist => "DoesNotExist",
            Operator::GreaterThan | Operator::LessThan => {
                return Err(Error::InvalidLabelSelector(format!(
                    "{} isn't supported in label selectors",
                    quote(req.operator().as_str())
                )));
            }
            Operator::NotEquals => {
                return Err(Error::InvalidLabelSelector(format!(
                    "{} is not a valid label selector operator",
                    quote(req.operator().as_str())
                )));
            }
        };
        let values: Vec<String> = req.values().into_iter().collect();
        exprs.push(LabelSelectorRequirement {
            key: req.key().to_string(),
            operator: op.to_string(),
            values: (!values.is_empty()).then_some(values),
        });
    }
    Ok(LabelSelector {
        match_labels: (!labels.is_empty()).then_some(labels),
        match_expressions: (!exprs.is_empty()).then_some(exprs),
    })
}

/// The API `LabelSelector` whose match labels are the set.
pub fn set_as_label_selector(set: &Set) -> LabelSelector {
    LabelSelector { match_labels: Some(set.0.clone()), match_expressions: None }
}

/// A `LabelSelector` as `kubectl` prints it: its selector text, `<none>` when that is empty
/// (including a null selector), `<error>` when it does not convert.
pub fn format_label_selector(selector: Option<&LabelSelector>) -> String {
    match label_selector_as_selector(selector) {
        Err(_) => "<error>".to_string(),
        Ok(s) => {
            let text = s.to_string();
            if text.is_empty() { "<none>".to_string() } else { text }
        }
    }
}
