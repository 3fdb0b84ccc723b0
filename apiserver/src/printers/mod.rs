//! Server-side printing: the meta.k8s.io/v1 `Table` form of built-in objects (what `kubectl get`
//! shows), with kube-apiserver's columns and cells for each resource.
//!
//! Objects are read as served JSON. A resource without a printer gets the default convertor's
//! `Name` and `Created At` columns, as upstream's generic registry gives it.
//!
//! **Invariant:** the API server always prints in wide form, so every row carries one cell per
//! declared column (priority-1 columns included) and clients choose what to hide.

mod access;
mod apps;
mod autoscaling;
mod batch;
mod control;
mod core;
mod docs;
mod duration;
mod networking;
mod resource;
mod storage;
mod util;

#[cfg(test)]
mod tests;

use apimachinery::codec::{Table, TableColumnDefinition, TableRow};
use k8s_openapi::jiff::Timestamp;
use serde_json::Value;

pub use self::duration::{human_duration, short_human_duration};
use self::util::{Col, NAME, Printer, cells, name, time};

const ALL: &[&[Printer]] = &[
    core::PRINTERS,
    apps::PRINTERS,
    batch::PRINTERS,
    autoscaling::PRINTERS,
    networking::PRINTERS,
    storage::PRINTERS,
    access::PRINTERS,
    control::PRINTERS,
    resource::PRINTERS,
];

fn printer(group: &str, resource: &str) -> Option<&'static Printer> {
    ALL.iter().flat_map(|p| p.iter()).find(|p| p.group == group && p.resource == resource)
}

/// The default convertor's columns (`rest.NewDefaultTableConvertor`).
const DEFAULT_COLUMNS: &[Col] = &[NAME, util::col("Created At", "date", docs::META_CREATION)];

/// The columns of `resource` in `group` (`""` for core), as kube-apiserver declares them.
pub fn column_definitions(group: &str, resource: &str) -> Vec<TableColumnDefinition> {
    let columns = printer(group, resource).map_or(DEFAULT_COLUMNS, |p| p.columns);
    columns.iter().map(Col::definition).collect()
}

/// Whether `resource` in `group` has its own printer rather than the default convertor.
pub fn has_printer(group: &str, resource: &str) -> bool {
    printer(group, resource).is_some()
}

/// One object's row: its cells (and row conditions where upstream sets them), with ages
/// measured at `now`. `object` is left for the caller to fill per `includeObject`.
pub fn row(group: &str, resource: &str, obj: &Value, now: Timestamp) -> TableRow {
    match printer(group, resource) {
        Some(p) => (p.print)(obj, now),
        None => default_row(obj),
    }
}

/// A table of `objects` (already the items of a list, or a single object), without list
/// metadata or embedded objects, which the caller sets.
pub fn to_table(group: &str, resource: &str, objects: &[Value], now: Timestamp) -> Table {
    let mut table = Table::new();
    table.column_definitions = column_definitions(group, resource);
    table.rows = objects.iter().map(|o| row(group, resource, o, now)).collect();
    table
}

/// `Name` and the creation time in RFC 3339, UTC, whole seconds.
fn default_row(obj: &Value) -> TableRow {
    let created = time(obj, &["metadata", "creationTimestamp"]).map_or_else(
        || "0001-01-01T00:00:00Z".to_string(),
        |t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    );
    cells(vec![name(obj).into(), created.into()])
}
