//! Table columns (only the default convertor's, until the kind printers land).

use apimachinery::codec::{Table, TableColumnDefinition, TableRow};
use serde_json::{Value, json};

/// The column definitions of a resource.
pub fn column_definitions(_group: &str, _resource: &str) -> Vec<TableColumnDefinition> {
    vec![
        TableColumnDefinition {
            name: "Name".into(),
            type_: "string".into(),
            format: "name".into(),
            description: "Name must be unique within a namespace.".into(),
            priority: 0,
        },
        TableColumnDefinition {
            name: "Created At".into(),
            type_: "date".into(),
            format: String::new(),
            description: "CreationTimestamp is a timestamp representing the server time when this object was created.".into(),
            priority: 0,
        },
    ]
}

/// One row.
pub fn row(_group: &str, _resource: &str, obj: &Value, _now: jiff::Timestamp) -> TableRow {
    let name = obj.pointer("/metadata/name").cloned().unwrap_or(json!(""));
    let created = obj.pointer("/metadata/creationTimestamp").cloned().unwrap_or(Value::Null);
    TableRow { cells: vec![name, created], ..Default::default() }
}

/// A whole table.
pub fn to_table(group: &str, resource: &str, objects: &[Value], now: jiff::Timestamp) -> Table {
    let mut t = Table::new();
    t.column_definitions = column_definitions(group, resource);
    t.rows = objects.iter().map(|o| row(group, resource, o, now)).collect();
    t
}
