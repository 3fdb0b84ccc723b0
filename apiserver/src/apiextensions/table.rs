//! Tables of custom resources from their definition's `additionalPrinterColumns` (upstream's
//! CRD table convertor).

use apimachinery::codec::{Table, TableColumnDefinition, TableRow};
use serde_json::{Value, json};

use crate::registry::{ObjectMetaExt, PrinterColumn};

/// The table of custom resources with these columns (upstream's CRD table convertor).
pub fn table(columns: &[PrinterColumn], objects: &[Value], now: jiff::Timestamp) -> Table {
    let mut t = Table::new();
    t.column_definitions.push(TableColumnDefinition {
        name: "Name".into(),
        type_: "string".into(),
        format: "name".into(),
        description: crate::printers::column_definitions("", "configmaps")
            .first()
            .map(|c| c.description.clone())
            .unwrap_or_default(),
        priority: 0,
    });
    for c in columns {
        t.column_definitions.push(TableColumnDefinition {
            name: c.name.clone(),
            type_: c.type_.clone(),
            format: c.format.clone(),
            description: c.description.clone(),
            priority: c.priority,
        });
    }
    let paths: Vec<Option<apimachinery::jsonpath::JsonPath>> = columns
        .iter()
        .map(|c| {
            apimachinery::jsonpath::JsonPath::parse(&c.name, &format!("{{{}}}", c.json_path))
                .ok()
                .map(|p| p.allow_missing_keys(true))
        })
        .collect();
    for obj in objects {
        let mut cells = vec![json!(obj.name())];
        for (c, path) in columns.iter().zip(&paths) {
            let value = path
                .as_ref()
                .and_then(|p| p.find_results(obj).ok())
                .and_then(|r| r.into_iter().next())
                .and_then(|r| r.into_iter().next());
            cells.push(match value {
                None | Some(Value::Null) => Value::Null,
                Some(v) => cell(&c.type_, v, now),
            });
        }
        t.rows.push(TableRow { cells, ..Default::default() });
    }
    t
}

fn cell(type_: &str, v: Value, now: jiff::Timestamp) -> Value {
    match type_ {
        "integer" => v
            .as_i64()
            .or_else(|| v.as_f64().map(|f| f as i64))
            .map(Value::from)
            .unwrap_or(Value::Null),
        "number" => v.as_f64().map(Value::from).unwrap_or(Value::Null),
        "boolean" => v.as_bool().map(Value::from).unwrap_or(Value::Null),
        "date" => match v.as_str().and_then(|s| s.parse::<jiff::Timestamp>().ok()) {
            Some(t) => {
                let nanos = now.duration_since(t).as_nanos().clamp(0, i64::MAX as i128) as i64;
                json!(crate::printers::human_duration(nanos))
            }
            None => json!("<invalid>"),
        },
        // Strings print as the JSONPath printer prints any value.
        _ => match v {
            Value::String(s) => json!(s),
            other => json!(other.to_string()),
        },
    }
}
