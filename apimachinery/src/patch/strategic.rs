//! Strategic merge patch: applying patches and computing two- and three-way patches, with the
//! `$patch`, `$retainKeys`, `$setElementOrder` and `$deleteFromPrimitiveList` directives and
//! upstream's ordering and conflict semantics.

use serde_json::{Map, Value};

use super::errors::PatchError;
use super::meta::{LookupPatchMeta, Strategy};
use super::sort::go_slice_stable;
use crate::codec::to_yaml;
use crate::gofmt::{GoType, format_map, format_s, format_value, go_type, type_name};

type JsonMap = Map<String, Value>;
type Result<T> = std::result::Result<T, PatchError>;

const DIRECTIVE_MARKER: &str = "$patch";
const DELETE_DIRECTIVE: &str = "delete";
const REPLACE_DIRECTIVE: &str = "replace";
const MERGE_DIRECTIVE: &str = "merge";
const RETAIN_KEYS_DIRECTIVE: &str = "$retainKeys";
const DELETE_FROM_PRIMITIVE_LIST_PREFIX: &str = "$deleteFromPrimitiveList";
const SET_ELEMENT_ORDER_PREFIX: &str = "$setElementOrder";

const MAP_TYPE: &str = "map[string]interface {}";
const SLICE_TYPE: &str = "[]interface {}";

/// A check run on a freshly created patch (upstream's `mergepatch.PreconditionFunc`s).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Precondition {
    /// The patch must not touch this top-level key (`RequireKeyUnchanged`).
    KeyUnchanged(String),
    /// The patch must not touch this key under `metadata` (`RequireMetadataKeyUnchanged`).
    MetadataKeyUnchanged(String),
}

impl Precondition {
    /// True when `patch` satisfies the precondition.
    pub fn holds(&self, patch: &JsonMap) -> bool {
        match self {
            Precondition::KeyUnchanged(key) => !patch.contains_key(key),
            Precondition::MetadataKeyUnchanged(key) => match patch.get("metadata") {
                Some(Value::Object(meta)) => !meta.contains_key(key),
                _ => true,
            },
        }
    }
}

pub(crate) fn check_preconditions(patch: &JsonMap, preconditions: &[Precondition]) -> Result<()> {
    if preconditions.iter().all(|p| p.holds(patch)) {
        Ok(())
    } else {
        Err(PatchError::PreconditionFailed(format!(
            "precondition failed for: {}",
            format_map(patch)
        )))
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct DiffOptions {
    set_element_order: bool,
    ignore_changes_and_additions: bool,
    ignore_deletions: bool,
    build_retain_keys_directive: bool,
}

#[derive(Debug, Clone, Copy, Default)]
struct MergeOptions {
    merge_parallel_list: bool,
    ignore_unmatched_nulls: bool,
}

fn bad_arg_type(expected: &str, actual: &Value) -> PatchError {
    // Upstream prints `reflect.TypeOf(actual)` with `%s`, and a nil type prints as `%!s(<nil>)`.
    let actual = if actual.is_null() { "%!s(<nil>)" } else { type_name(actual) };
    PatchError::Invalid(format!("expected a {expected}, but received a {actual}"))
}

fn no_merge_key(m: &JsonMap, key: &str) -> PatchError {
    PatchError::Invalid(format!(
        "map: {} does not contain declared merge key: {key}",
        format_map(m)
    ))
}

fn bad_patch_type(directive: &Value, m: &JsonMap) -> PatchError {
    PatchError::Invalid(format!(
        "unknown patch type: {} in map: {}",
        format_s(directive),
        format_map(m)
    ))
}

/// Decodes a document the way upstream does for patch inputs: `null` is an empty object and
/// anything but an object is [`PatchError::BadJsonDoc`].
pub(crate) fn to_map(v: &Value) -> Result<JsonMap> {
    match v {
        Value::Object(m) => Ok(m.clone()),
        Value::Null => Ok(JsonMap::new()),
        _ => Err(PatchError::BadJsonDoc),
    }
}

/// Sorts object keys recursively, as Go's JSON encoder emits them.
pub(crate) fn sort_keys(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.sort_keys();
            m.values_mut().for_each(sort_keys);
        }
        Value::Array(items) => items.iter_mut().for_each(sort_keys),
        _ => {}
    }
}

/// Splits the strategies into "has retainKeys" and the other strategy (upstream's
/// `extractRetainKeysPatchStrategy`).
fn extract_retain_keys(strategies: &[Strategy]) -> Result<(bool, String)> {
    let unexpected = || {
        let names: Vec<&str> = strategies.iter().map(Strategy::as_str).collect();
        PatchError::Invalid(format!("unexpected patch strategy: [{}]", names.join(" ")))
    };
    match strategies {
        [] => Ok((false, String::new())),
        [Strategy::RetainKeys] => Ok((true, String::new())),
        [one] => Ok((false, one.as_str().to_string())),
        [Strategy::RetainKeys, other] | [other, Strategy::RetainKeys] => {
            Ok((true, other.as_str().to_string()))
        }
        _ => Err(unexpected()),
    }
}

// ---------------------------------------------------------------------------------------------
// Shared list helpers
// ---------------------------------------------------------------------------------------------

/// The common Go type of the elements of all `lists` (upstream's `sliceElementType`).
fn slice_element_type(lists: &[&[Value]]) -> Result<GoType> {
    let mut prev: Option<GoType> = None;
    for list in lists {
        for v in list.iter() {
            let t = go_type(v);
            match prev {
                None => {
                    if t == GoType::Slice {
                        return Err(PatchError::NoListOfLists);
                    }
                    prev = Some(t);
                }
                Some(p) if p != t => {
                    let rendered: Vec<String> =
                        lists.iter().map(|l| format_value(&Value::Array(l.to_vec()))).collect();
                    return Err(PatchError::Invalid(format!(
                        "list element types are not identical: [{}]",
                        rendered.join(" ")
                    )));
                }
                Some(_) => {}
            }
        }
    }
    prev.ok_or_else(|| PatchError::Invalid("no elements in any of the given slices".into()))
}

/// Removes duplicates in place the way upstream does (a later duplicate is overwritten by the
/// last element), which affects element order.
fn deduplicate_scalars(mut s: Vec<Value>) -> Vec<Value> {
    let mut i = 0;
    while i + 1 < s.len() {
        let mut j = i + 1;
        while j < s.len() {
            if s[i] == s[j] {
                let last = s.len() - 1;
                s.swap(j, last);
                s.truncate(last);
            } else {
                j += 1;
            }
        }
        i += 1;
    }
    s
}

fn sort_scalars(mut s: Vec<Value>) -> Vec<Value> {
    s.sort_by_cached_key(format_value);
    s
}

fn merge_key_value<'a>(item: &'a Value, merge_key: &str) -> Option<&'a Value> {
    item.as_object().and_then(|m| m.get(merge_key))
}

/// Position of `item` in `list`, matching maps by merge key and scalars by value.
fn index_of(list: &[Value], item: &Value, merge_key: &str, kind: GoType) -> Option<usize> {
    if kind == GoType::Map {
        let wanted = merge_key_value(item, merge_key);
        list.iter().position(|v| merge_key_value(v, merge_key) == wanted)
    } else {
        list.iter().position(|v| v == item)
    }
}

fn validate_merge_key_in_lists(merge_key: &str, lists: &[&[Value]]) -> Result<()> {
    for list in lists {
        for item in list.iter() {
            let m = item.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, item))?;
            if !m.contains_key(merge_key) {
                return Err(no_merge_key(m, merge_key));
            }
        }
    }
    Ok(())
}

fn is_delete_directive(m: &JsonMap) -> bool {
    m.get(DIRECTIVE_MARKER).and_then(Value::as_str) == Some(DELETE_DIRECTIVE)
}

/// Splits a list of maps into items to keep and `$patch: delete` items.
fn extract_to_delete_items(list: Vec<Value>) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut keep = Vec::new();
    let mut delete = Vec::new();
    for v in list {
        let m = v.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, &v))?;
        if is_delete_directive(m) {
            delete.push(v);
        } else {
            keep.push(v);
        }
    }
    Ok((keep, delete))
}

/// Sorts `to_sort` by the positions of its items in `order` (upstream's `normalizeSliceOrder`).
fn normalize_slice_order(
    to_sort: Vec<Value>,
    order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Result<Vec<Value>> {
    let (mut to_sort, to_delete) = if kind == GoType::Map {
        validate_merge_key_in_lists(merge_key, &[&to_sort, order])?;
        extract_to_delete_items(to_sort)?
    } else {
        (to_sort, Vec::new())
    };
    go_slice_stable(&mut to_sort, &mut |a: &Value, b: &Value| match (
        index_of(order, a, merge_key, kind),
        index_of(order, b, merge_key, kind),
    ) {
        (Some(i), Some(j)) => i < j,
        _ => true,
    });
    to_sort.extend(to_delete);
    Ok(to_sort)
}

/// Interleaves server-only items (`left`) into patch items (`right`), keeping each list's
/// relative order and using the live order where both items are known.
fn merge_sorted_slice(
    left: Vec<Value>,
    right: Vec<Value>,
    server_order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Vec<Value> {
    let mut out = Vec::with_capacity(left.len() + right.len());
    let mut left = left.into_iter().peekable();
    let mut right = right.into_iter().peekable();
    loop {
        let take_left = match (left.peek(), right.peek()) {
            (None, None) => break,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(r)) => matches!(
                (
                    index_of(server_order, l, merge_key, kind),
                    index_of(server_order, r, merge_key, kind),
                ),
                (Some(li), Some(ri)) if li < ri
            ),
        };
        let next = if take_left { left.next() } else { right.next() };
        out.extend(next);
    }
    out
}

fn normalize_element_order(
    patch: Vec<Value>,
    server_only: Vec<Value>,
    patch_order: &[Value],
    server_order: &[Value],
    merge_key: &str,
    kind: GoType,
) -> Result<Vec<Value>> {
    let patch = normalize_slice_order(patch, patch_order, merge_key, kind)?;
    let server_only = normalize_slice_order(server_only, server_order, merge_key, kind)?;
    Ok(merge_sorted_slice(server_only, patch, server_order, merge_key, kind))
}

/// Finds the first map in `list` whose `key` equals `value`.
fn find_map_by_key(list: &[Value], key: &str, value: &Value) -> Result<Option<usize>> {
    for (i, v) in list.iter().enumerate() {
        let m = v
            .as_object()
            .ok_or_else(|| PatchError::Invalid(format!("value for key {i} is not a map")))?;
        if m.get(key) == Some(value) {
            return Ok(Some(i));
        }
    }
    Ok(None)
}

fn partition_primitives(merged: Vec<Value>, by: &[Value]) -> (Vec<Value>, Vec<Value>) {
    merged.into_iter().partition(|v| by.contains(v))
}

fn partition_maps(
    merged: Vec<Value>,
    by: &[Value],
    merge_key: &str,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let mut patch = Vec::new();
    let mut server_only = Vec::new();
    for v in merged {
        let m = v.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, &v))?;
        let key_value = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
        if find_map_by_key(by, merge_key, key_value)?.is_some() {
            patch.push(v);
        } else {
            server_only.push(v);
        }
    }
    Ok((patch, server_only))
}

fn merge_key_value_equal(left: &Value, right: &Value, merge_key: &str) -> Result<bool> {
    if merge_key.is_empty() {
        return Ok(left == right);
    }
    let l = left.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, left))?;
    let r = right.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, right))?;
    let lv = l.get(merge_key).ok_or_else(|| no_merge_key(l, merge_key))?;
    let rv = r.get(merge_key).ok_or_else(|| no_merge_key(r, merge_key))?;
    Ok(lv == rv)
}

// ---------------------------------------------------------------------------------------------
// Diff (patch creation)
// ---------------------------------------------------------------------------------------------

fn diff_maps(
    original: &JsonMap,
    modified: &JsonMap,
    schema: &dyn LookupPatchMeta,
    opts: DiffOptions,
) -> Result<JsonMap> {
    let mut patch = JsonMap::new();
    let mut retain_keys = Vec::new();
    for (key, modified_value) in modified {
        if opts.build_retain_keys_directive && !modified_value.is_null() {
            retain_keys.push(Value::String(key.clone()));
        }
        let Some(original_value) = original.get(key) else {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        };
        if key == DIRECTIVE_MARKER {
            let (Some(o), Some(m)) = (original_value.as_str(), modified_value.as_str()) else {
                return Err(PatchError::Invalid(format!(
                    "invalid value for special key: {DIRECTIVE_MARKER}"
                )));
            };
            if o != m {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        }
        if go_type(original_value) != go_type(modified_value) {
            if !opts.ignore_changes_and_additions {
                patch.insert(key.clone(), modified_value.clone());
            }
            continue;
        }
        match (original_value, modified_value) {
            (Value::Object(o), Value::Object(m)) => {
                handle_map_diff(key, o, m, &mut patch, schema, opts)?
            }
            (Value::Array(o), Value::Array(m)) => {
                handle_slice_diff(key, o, m, &mut patch, schema, opts)?
            }
            _ => replace_if_not_equal(key, original_value, modified_value, &mut patch, opts),
        }
    }
    if !opts.ignore_deletions {
        for key in original.keys() {
            if !modified.contains_key(key) {
                patch.insert(key.clone(), Value::Null);
            }
        }
    }
    let has_additional = original.iter().any(|(k, v)| !v.is_null() && !modified.contains_key(k));
    if !retain_keys.is_empty() && (!patch.is_empty() || has_additional) {
        patch.insert(RETAIN_KEYS_DIRECTIVE.into(), Value::Array(sort_scalars(retain_keys)));
    }
    Ok(patch)
}

fn replace_if_not_equal(
    key: &str,
    original: &Value,
    modified: &Value,
    patch: &mut JsonMap,
    opts: DiffOptions,
) {
    if !opts.ignore_changes_and_additions && original != modified {
        patch.insert(key.to_string(), modified.clone());
    }
}

fn handle_map_diff(
    key: &str,
    original: &JsonMap,
    modified: &JsonMap,
    patch: &mut JsonMap,
    schema: &dyn LookupPatchMeta,
    mut opts: DiffOptions,
) -> Result<()> {
    let (sub, meta) = match schema.lookup_map(key) {
        Ok(found) => found,
        Err(_) if original == modified => return Ok(()),
        Err(e) => return Err(e),
    };
    let (retain_keys, strategy) = extract_retain_keys(&meta.strategies)?;
    opts.build_retain_keys_directive = retain_keys;
    if strategy == REPLACE_DIRECTIVE {
        if !opts.ignore_changes_and_additions {
            patch.insert(key.to_string(), Value::Object(modified.clone()));
        }
        return Ok(());
    }
    let value = diff_maps(original, modified, &*sub, opts)?;
    if !value.is_empty() {
        patch.insert(key.to_string(), Value::Object(value));
    }
    Ok(())
}

fn handle_slice_diff(
    key: &str,
    original: &[Value],
    modified: &[Value],
    patch: &mut JsonMap,
    schema: &dyn LookupPatchMeta,
    mut opts: DiffOptions,
) -> Result<()> {
    let (sub, meta) = match schema.lookup_list(key) {
        Ok(found) => found,
        Err(_) if original == modified => return Ok(()),
        Err(e) => return Err(e),
    };
    let (retain_keys, strategy) = extract_retain_keys(&meta.strategies)?;
    if strategy != MERGE_DIRECTIVE {
        replace_if_not_equal(
            key,
            &Value::Array(original.to_vec()),
            &Value::Array(modified.to_vec()),
            patch,
            opts,
        );
        return Ok(());
    }
    opts.build_retain_keys_directive = retain_keys;
    let (add, delete, order) = diff_lists(original, modified, &*sub, meta.merge_key_str(), opts)?;
    if !add.is_empty() {
        patch.insert(key.to_string(), Value::Array(add));
    }
    if !delete.is_empty() {
        patch.insert(format!("{DELETE_FROM_PRIMITIVE_LIST_PREFIX}/{key}"), Value::Array(delete));
    }
    if !order.is_empty() {
        patch.insert(format!("{SET_ELEMENT_ORDER_PREFIX}/{key}"), Value::Array(order));
    }
    Ok(())
}

type ListDiff = (Vec<Value>, Vec<Value>, Vec<Value>);

fn diff_lists(
    original: &[Value],
    modified: &[Value],
    schema: &dyn LookupPatchMeta,
    merge_key: &str,
    opts: DiffOptions,
) -> Result<ListDiff> {
    if original.is_empty() {
        if modified.is_empty() || opts.ignore_changes_and_additions {
            return Ok(Default::default());
        }
        return Ok((modified.to_vec(), Vec::new(), Vec::new()));
    }
    let kind = slice_element_type(&[original, modified])?;
    match kind {
        GoType::Map => {
            let (patch, deletions) =
                diff_lists_of_maps(original, modified, schema, merge_key, opts)?;
            let mut patch = normalize_slice_order(patch, modified, merge_key, kind)?;
            let order_same = is_order_same(original, modified, merge_key)?;
            patch.extend(deletions);
            let mut order = Vec::new();
            if opts.set_element_order
                && ((!opts.ignore_changes_and_additions && (!patch.is_empty() || !order_same))
                    || (!opts.ignore_deletions && !patch.is_empty()))
            {
                for v in modified {
                    let mut entry = JsonMap::new();
                    entry.insert(
                        merge_key.to_string(),
                        merge_key_value(v, merge_key).cloned().unwrap_or(Value::Null),
                    );
                    order.push(Value::Object(entry));
                }
            }
            Ok((patch, Vec::new(), order))
        }
        GoType::Slice => Err(PatchError::NoListOfLists),
        _ => {
            let (add, deletions) = diff_lists_of_scalars(original, modified, opts);
            let add = normalize_slice_order(add, modified, merge_key, kind)?;
            let order = if opts.set_element_order
                && ((!opts.ignore_deletions && !deletions.is_empty())
                    || (!opts.ignore_changes_and_additions
                        && sort_scalars(original.to_vec()) != modified))
            {
                modified.to_vec()
            } else {
                Vec::new()
            };
            Ok((add, deletions, order))
        }
    }
}

fn is_order_same(original: &[Value], modified: &[Value], merge_key: &str) -> Result<bool> {
    if original.len() != modified.len() {
        return Ok(false);
    }
    for (o, m) in original.iter().zip(modified) {
        if !merge_key_value_equal(o, m, merge_key)? {
            return Ok(false);
        }
    }
    Ok(true)
}

fn diff_lists_of_scalars(
    original: &[Value],
    modified: &[Value],
    opts: DiffOptions,
) -> (Vec<Value>, Vec<Value>) {
    let original = sort_scalars(original.to_vec());
    let modified = sort_scalars(modified.to_vec());
    let (mut oi, mut mi) = (0, 0);
    let mut add = Vec::new();
    let mut delete = Vec::new();
    loop {
        let o = original.get(oi);
        let m = modified.get(mi);
        let (os, ms) = (o.map(format_value), m.map(format_value));
        match (o, m) {
            (None, None) => break,
            (Some(_), Some(_)) if os == ms => {
                oi += 1;
                mi += 1;
            }
            (Some(ov), Some(_)) if os < ms => {
                if !opts.ignore_deletions {
                    delete.push(ov.clone());
                }
                oi += 1;
            }
            (Some(ov), None) => {
                if !opts.ignore_deletions {
                    delete.push(ov.clone());
                }
                oi += 1;
            }
            (_, Some(mv)) => {
                if !opts.ignore_changes_and_additions {
                    add.push(mv.clone());
                }
                mi += 1;
            }
        }
    }
    (add, deduplicate_scalars(delete))
}

/// Sorts a list of maps by the `%v` rendering of its merge key values.
fn sort_maps_by_key(list: &[Value], merge_key: &str) -> Result<Vec<Value>> {
    let mut keyed = Vec::with_capacity(list.len());
    for v in list {
        let m = v.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, v))?;
        let k = m.get(merge_key).map(format_value).unwrap_or_else(|| "<nil>".into());
        keyed.push((k, v.clone()));
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(keyed.into_iter().map(|(_, v)| v).collect())
}

fn map_and_key<'a>(item: &'a Value, merge_key: &str) -> Result<(&'a JsonMap, &'a Value)> {
    let m = item.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, item))?;
    let v = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
    Ok((m, v))
}

fn delete_directive(merge_key: &str, value: &Value) -> Value {
    let mut m = JsonMap::new();
    m.insert(merge_key.to_string(), value.clone());
    m.insert(DIRECTIVE_MARKER.into(), Value::String(DELETE_DIRECTIVE.into()));
    Value::Object(m)
}

fn diff_lists_of_maps(
    original: &[Value],
    modified: &[Value],
    schema: &dyn LookupPatchMeta,
    merge_key: &str,
    opts: DiffOptions,
) -> Result<(Vec<Value>, Vec<Value>)> {
    let original = sort_maps_by_key(original, merge_key)?;
    let modified = sort_maps_by_key(modified, merge_key)?;
    let mut patch = Vec::new();
    let mut deletions = Vec::new();
    let (mut oi, mut mi) = (0, 0);
    loop {
        let o = original.get(oi).map(|v| map_and_key(v, merge_key)).transpose()?;
        let m = modified.get(mi).map(|v| map_and_key(v, merge_key)).transpose()?;
        let os = o.map(|(_, k)| format_value(k));
        let ms = m.map(|(_, k)| format_value(k));
        match (o, m) {
            (None, None) => break,
            (Some((om, _)), Some((mm, mk))) if os == ms => {
                let mut value = diff_maps(om, mm, schema, opts)?;
                if !value.is_empty() {
                    value.insert(merge_key.to_string(), mk.clone());
                    patch.push(Value::Object(value));
                }
                oi += 1;
                mi += 1;
            }
            (Some((_, ok)), Some(_)) if os < ms => {
                if !opts.ignore_deletions {
                    deletions.push(delete_directive(merge_key, ok));
                }
                oi += 1;
            }
            (Some((_, ok)), None) => {
                if !opts.ignore_deletions {
                    deletions.push(delete_directive(merge_key, ok));
                }
                oi += 1;
            }
            (_, Some((mm, _))) => {
                if !opts.ignore_changes_and_additions {
                    patch.push(Value::Object(mm.clone()));
                }
                mi += 1;
            }
        }
    }
    Ok((patch, deletions))
}

// ---------------------------------------------------------------------------------------------
// Merge (patch application)
// ---------------------------------------------------------------------------------------------

fn merge_map(
    mut original: JsonMap,
    mut patch: JsonMap,
    schema: &dyn LookupPatchMeta,
    opts: MergeOptions,
) -> Result<JsonMap> {
    if let Some(directive) = patch.get(DIRECTIVE_MARKER) {
        return match directive.as_str() {
            Some(REPLACE_DIRECTIVE) => {
                patch.shift_remove(DIRECTIVE_MARKER);
                Ok(patch)
            }
            Some(DELETE_DIRECTIVE) => Ok(JsonMap::new()),
            _ => Err(bad_patch_type(directive, &patch)),
        };
    }
    apply_retain_keys_directive(&mut original, &mut patch, opts)?;
    merge_patch_into_original(&mut original, &mut patch, schema, opts)?;

    for (mut key, patch_value) in patch {
        let mut is_delete_list = false;
        if key.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX) {
            if !opts.merge_parallel_list {
                original.insert(key, patch_value);
                continue;
            }
            is_delete_list = true;
            let stripped = extract_key(&key, DELETE_FROM_PRIMITIVE_LIST_PREFIX)?;
            if !stripped.is_empty() {
                key = stripped;
            }
        }
        if patch_value.is_null() {
            original.shift_remove(&key);
            if opts.ignore_unmatched_nulls {
                continue;
            }
        }
        let Some(original_value) = original.get_mut(&key) else {
            if !is_delete_list {
                set_from_patch(&mut original, key, patch_value, opts);
            }
            continue;
        };
        if go_type(original_value) != go_type(&patch_value) {
            if !is_delete_list {
                set_from_patch(&mut original, key, patch_value, opts);
            }
            continue;
        }
        let current = std::mem::take(original_value);
        let merged = match (current, patch_value) {
            (Value::Object(o), Value::Object(p)) => {
                let (sub, meta) = schema.lookup_map(&key)?;
                let (_, strategy) = extract_retain_keys(&meta.strategies)?;
                if strategy == REPLACE_DIRECTIVE {
                    Value::Object(p)
                } else {
                    Value::Object(merge_map(o, p, &*sub, opts)?)
                }
            }
            (Value::Array(o), Value::Array(p)) => {
                let (sub, meta) = schema.lookup_list(&key)?;
                let (_, strategy) = extract_retain_keys(&meta.strategies)?;
                Value::Array(
                    merge_slice_handler(
                        o,
                        p,
                        &*sub,
                        &strategy,
                        meta.merge_key_str(),
                        is_delete_list,
                        opts,
                    )?
                    .0,
                )
            }
            (_, scalar) => scalar,
        };
        original.insert(key, merged);
    }
    Ok(original)
}

/// Stores a patch value for a key the original lacks (or holds with another type).
fn set_from_patch(original: &mut JsonMap, key: String, mut value: Value, opts: MergeOptions) {
    if opts.ignore_unmatched_nulls {
        discard_null_values(&mut value);
    }
    match remove_directives(value) {
        Some(v) => {
            original.insert(key, v);
        }
        None => {
            original.shift_remove(&key);
        }
    }
}

fn discard_null_values(v: &mut Value) {
    match v {
        Value::Object(m) => {
            m.retain(|_, v| !v.is_null());
            m.values_mut().for_each(discard_null_values);
        }
        Value::Array(items) => items.iter_mut().for_each(discard_null_values),
        _ => {}
    }
}

/// Drops every map carrying a `$patch` directive; `None` when `v` itself is one.
fn remove_directives(v: Value) -> Option<Value> {
    match v {
        Value::Object(m) => {
            if m.contains_key(DIRECTIVE_MARKER) {
                return None;
            }
            Some(Value::Object(
                m.into_iter().filter_map(|(k, v)| remove_directives(v).map(|v| (k, v))).collect(),
            ))
        }
        Value::Array(items) => {
            Some(Value::Array(items.into_iter().filter_map(remove_directives).collect()))
        }
        other => Some(other),
    }
}

fn extract_key(key: &str, prefix: &str) -> Result<String> {
    match key.split_once('/') {
        Some((p, rest)) if p == prefix => Ok(rest.to_string()),
        _ => Err(match prefix {
            DELETE_FROM_PRIMITIVE_LIST_PREFIX => PatchError::BadPatchFormatForPrimitiveList,
            SET_ELEMENT_ORDER_PREFIX => PatchError::BadPatchFormatForSetElementOrderList,
            _ => PatchError::Invalid(format!("fail to find unknown prefix {prefix:?} in {key}\n")),
        }),
    }
}

fn apply_retain_keys_directive(
    original: &mut JsonMap,
    patch: &mut JsonMap,
    opts: MergeOptions,
) -> Result<()> {
    let Some(retain) = patch.shift_remove(RETAIN_KEYS_DIRECTIVE) else {
        return Ok(());
    };
    if !opts.merge_parallel_list {
        match original.get(RETAIN_KEYS_DIRECTIVE) {
            Some(existing) if *existing != retain => {
                return Err(PatchError::Invalid(format!(
                    "{} and {} are not deep equal: this may happen when calculating the 3-way diff patch",
                    format_value(existing),
                    format_value(&retain)
                )));
            }
            Some(_) => {}
            None => {
                original.insert(RETAIN_KEYS_DIRECTIVE.into(), retain);
            }
        }
        return Ok(());
    }
    let Value::Array(list) = retain else {
        return Err(PatchError::BadPatchFormatForRetainKeys);
    };
    let retained = |k: &str| list.iter().any(|v| v.as_str() == Some(k));
    for (k, v) in patch.iter() {
        if v.is_null()
            || k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX)
            || k.starts_with(SET_ELEMENT_ORDER_PREFIX)
        {
            continue;
        }
        if !retained(k) {
            return Err(PatchError::BadPatchFormatForRetainKeys);
        }
    }
    original.retain(|k, _| retained(k));
    Ok(())
}

fn validate_patch_with_set_order_list(
    patch_list: &[Value],
    order: &[Value],
    merge_key: &str,
) -> Result<()> {
    if order.is_empty() || patch_list.is_empty() {
        return Ok(());
    }
    let non_delete = if merge_key.is_empty() {
        patch_list.to_vec()
    } else {
        extract_to_delete_items(patch_list.to_vec())?.0
    };
    let (mut pi, mut si) = (0, 0);
    while pi < non_delete.len() && si < order.len() {
        if non_delete[pi].as_object().is_some_and(|m| m.contains_key(DIRECTIVE_MARKER)) {
            pi += 1;
            continue;
        }
        if merge_key_value_equal(&non_delete[pi], &order[si], merge_key)? {
            pi += 1;
        }
        si += 1;
    }
    if pi < non_delete.len() && si >= order.len() {
        return Err(PatchError::Invalid(format!(
            "The order in patch list:\n{}\n doesn't match {SET_ELEMENT_ORDER_PREFIX} list:\n{}\n",
            format_value(&Value::Array(patch_list.to_vec())),
            format_value(&Value::Array(order.to_vec()))
        )));
    }
    Ok(())
}

fn as_list(v: &Value) -> Result<Vec<Value>> {
    match v {
        Value::Array(items) => Ok(items.clone()),
        other => Err(bad_arg_type(SLICE_TYPE, other)),
    }
}

/// Processes `$setElementOrder/<field>` directives and their lists (upstream's
/// `mergePatchIntoOriginal`).
fn merge_patch_into_original(
    original: &mut JsonMap,
    patch: &mut JsonMap,
    schema: &dyn LookupPatchMeta,
    opts: MergeOptions,
) -> Result<()> {
    let keys: Vec<String> =
        patch.keys().filter(|k| k.starts_with(SET_ELEMENT_ORDER_PREFIX)).cloned().collect();
    for key in keys {
        let Some(order_value) = patch.shift_remove(&key) else {
            continue;
        };
        if !opts.merge_parallel_list {
            match original.get(&key) {
                Some(existing) if *existing != order_value => {
                    return Err(PatchError::BadPatchFormatForSetElementOrderList);
                }
                Some(_) => {}
                None => {
                    original.insert(key.clone(), order_value.clone());
                }
            }
        }
        let order = as_list(&order_value)?;
        let field = extract_key(&key, SET_ELEMENT_ORDER_PREFIX)?;
        let original_list = original.get(&field).map(as_list).transpose()?;
        let patch_list = patch.get(&field).map(as_list).transpose()?;
        let (sub, meta) = schema.lookup_list(&field)?;
        let (_, strategy) = extract_retain_keys(&meta.strategies)?;
        let merge_key = meta.merge_key_str();
        validate_patch_with_set_order_list(
            patch_list.as_deref().unwrap_or_default(),
            &order,
            merge_key,
        )?;
        let mut original_items = original_list.clone().unwrap_or_default();
        let patch_items = patch_list.clone().unwrap_or_default();
        let merged = match (original_list, patch_list) {
            (Some(o), None) => o,
            (None, Some(p)) => match remove_directives(Value::Array(p)) {
                Some(Value::Array(items)) => items,
                _ => continue,
            },
            (Some(o), Some(p)) => {
                let (merged, view) =
                    merge_slice_handler(o, p, &*sub, &strategy, merge_key, false, opts)?;
                if let Some(view) = view {
                    original_items = view;
                }
                merged
            }
            (None, None) => continue,
        };
        let (in_patch, server_only) = if merge_key.is_empty() {
            partition_primitives(merged, &order)
        } else {
            partition_maps(merged, &order, merge_key)?
        };
        let kind = slice_element_type(&[&original_items, &patch_items])?;
        let both = normalize_element_order(
            in_patch,
            server_only,
            &order,
            &original_items,
            merge_key,
            kind,
        )?;
        original.insert(field.clone(), Value::Array(both));
        patch.shift_remove(&field);
    }
    Ok(())
}

/// Result of merging a list: the merged list and, when upstream's in-place edits of the
/// original list are visible to the caller, what the caller's view of that list became.
type SliceMerge = (Vec<Value>, Option<Vec<Value>>);

fn merge_slice_handler(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: &dyn LookupPatchMeta,
    strategy: &str,
    merge_key: &str,
    is_delete_list: bool,
    opts: MergeOptions,
) -> Result<SliceMerge> {
    if strategy == MERGE_DIRECTIVE || is_delete_list {
        merge_slice(original, patch, schema, merge_key, opts, is_delete_list)
    } else {
        Ok((patch, None))
    }
}

fn merge_slice(
    original: Vec<Value>,
    patch: Vec<Value>,
    schema: &dyn LookupPatchMeta,
    merge_key: &str,
    opts: MergeOptions,
    is_delete_list: bool,
) -> Result<SliceMerge> {
    if original.is_empty() && patch.is_empty() {
        return Ok((original, None));
    }
    let kind = slice_element_type(&[&original, &patch])?;
    let (original, patch, merged, view) = if kind != GoType::Map {
        if opts.merge_parallel_list && is_delete_list {
            let kept = original.into_iter().filter(|v| !patch.contains(v)).collect();
            return Ok((kept, None));
        }
        let mut both = original.clone();
        both.extend(patch.iter().cloned());
        (original, patch, deduplicate_scalars(both), None)
    } else {
        if merge_key.is_empty() {
            return Err(PatchError::Invalid(format!(
                "cannot merge lists without merge key for {}",
                schema.name()
            )));
        }
        let special = merge_slice_with_special_elements(original, patch, merge_key)?;
        let merged = merge_slice_without_special_elements(
            special.original.clone(),
            &special.patch,
            merge_key,
            schema,
            opts,
        )?;
        // Upstream deletes and appends in the caller's backing array, so the caller's list
        // shows the kept items followed by appended items over the vacated slots.
        let view = special.backing.map(|mut backing| {
            if !special.replaced {
                let kept = special.original.len();
                for (slot, item) in (kept..backing.len()).zip(merged.iter().skip(kept)) {
                    backing[slot] = item.clone();
                }
            }
            backing
        });
        (special.original, special.patch, merged, view)
    };
    let (patch_items, server_only) = if merge_key.is_empty() {
        partition_primitives(merged, &patch)
    } else {
        partition_maps(merged, &patch, merge_key)?
    };
    let result =
        normalize_element_order(patch_items, server_only, &patch, &original, merge_key, kind)?;
    Ok((result, view))
}

/// A list after its `$patch` elements were handled.
struct SpecialElements {
    original: Vec<Value>,
    patch: Vec<Value>,
    /// The caller's view of the original after in-place deletions, if any happened.
    backing: Option<Vec<Value>>,
    replaced: bool,
}

fn merge_slice_with_special_elements(
    mut original: Vec<Value>,
    patch: Vec<Value>,
    merge_key: &str,
) -> Result<SpecialElements> {
    let mut plain = Vec::new();
    let mut replace = false;
    let mut backing: Option<Vec<Value>> = None;
    for v in patch {
        let Some(m) = v.as_object() else {
            return Err(bad_arg_type(MAP_TYPE, &v));
        };
        let Some(directive) = m.get(DIRECTIVE_MARKER) else {
            plain.push(v);
            continue;
        };
        match directive.as_str() {
            Some(DELETE_DIRECTIVE) => {
                let value = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
                while let Some(i) = find_map_by_key(&original, merge_key, value)? {
                    let live = original.len();
                    let b = backing.get_or_insert_with(|| original.clone());
                    for j in i..live - 1 {
                        b[j] = b[j + 1].clone();
                    }
                    original.remove(i);
                }
            }
            Some(REPLACE_DIRECTIVE) => replace = true,
            Some(MERGE_DIRECTIVE) => {
                return Err(PatchError::Invalid(
                    "merging lists cannot yet be specified in the patch".into(),
                ));
            }
            _ => return Err(bad_patch_type(directive, m)),
        }
    }
    Ok(if replace {
        SpecialElements { original: plain, patch: Vec::new(), backing, replaced: true }
    } else {
        SpecialElements { original, patch: plain, backing, replaced: false }
    })
}

fn merge_slice_without_special_elements(
    mut original: Vec<Value>,
    patch: &[Value],
    merge_key: &str,
    schema: &dyn LookupPatchMeta,
    opts: MergeOptions,
) -> Result<Vec<Value>> {
    for v in patch {
        let m = v.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, v))?;
        let value = m.get(merge_key).ok_or_else(|| no_merge_key(m, merge_key))?;
        match find_map_by_key(&original, merge_key, value)? {
            Some(i) => {
                let current = match std::mem::take(&mut original[i]) {
                    Value::Object(o) => o,
                    _ => JsonMap::new(),
                };
                original[i] = Value::Object(merge_map(current, m.clone(), schema, opts)?);
            }
            None => original.push(v.clone()),
        }
    }
    Ok(original)
}

// ---------------------------------------------------------------------------------------------
// Conflicts
// ---------------------------------------------------------------------------------------------

/// True when two strategic merge patches change the same fields differently (upstream's
/// `MergingMapsHaveConflicts`).
pub fn merging_maps_have_conflicts(
    left: &JsonMap,
    right: &JsonMap,
    schema: &dyn LookupPatchMeta,
) -> Result<bool> {
    maps_have_conflicts(left, right, schema)
}

fn fields_have_conflicts(
    left: &Value,
    right: &Value,
    schema: &dyn LookupPatchMeta,
    strategy: &str,
    merge_key: &str,
) -> Result<bool> {
    match (left, right) {
        (Value::Object(l), r) => {
            let Value::Object(r) = r else {
                return Ok(true);
            };
            let (lm, rm) = (l.get(DIRECTIVE_MARKER), r.get(DIRECTIVE_MARKER));
            if (lm.is_some() || rm.is_some()) && lm != rm {
                return Ok(true);
            }
            if strategy == REPLACE_DIRECTIVE {
                return Ok(false);
            }
            maps_have_conflicts(l, r, schema)
        }
        (Value::Array(l), r) => {
            let Value::Array(r) = r else {
                return Ok(true);
            };
            slices_have_conflicts(l, r, schema, strategy, merge_key)
        }
        _ => Ok(left != right),
    }
}

fn maps_have_conflicts(
    left: &JsonMap,
    right: &JsonMap,
    schema: &dyn LookupPatchMeta,
) -> Result<bool> {
    for (key, lv) in left {
        if key == DIRECTIVE_MARKER || key == RETAIN_KEYS_DIRECTIVE {
            continue;
        }
        let Some(rv) = right.get(key) else {
            continue;
        };
        let conflict = match lv {
            Value::Array(_) => {
                let (sub, meta) = schema.lookup_list(key)?;
                let (_, strategy) = extract_retain_keys(&meta.strategies)?;
                fields_have_conflicts(lv, rv, &*sub, &strategy, meta.merge_key_str())?
            }
            Value::Object(_) => {
                let (sub, meta) = schema.lookup_map(key)?;
                let (_, strategy) = extract_retain_keys(&meta.strategies)?;
                fields_have_conflicts(lv, rv, &*sub, &strategy, meta.merge_key_str())?
            }
            _ => fields_have_conflicts(lv, rv, schema, "", "")?,
        };
        if conflict {
            return Ok(true);
        }
    }
    Ok(false)
}

fn slices_have_conflicts(
    left: &[Value],
    right: &[Value],
    schema: &dyn LookupPatchMeta,
    strategy: &str,
    merge_key: &str,
) -> Result<bool> {
    let kind = slice_element_type(&[left, right])?;
    if strategy == MERGE_DIRECTIVE {
        if kind != GoType::Map {
            return Ok(false);
        }
        let l = slice_to_keyed(left, merge_key)?;
        let r = slice_to_keyed(right, merge_key)?;
        for (k, lv) in &l {
            if let Some((_, rv)) = r.iter().find(|(rk, _)| rk == k)
                && fields_have_conflicts(lv, rv, schema, "", "")?
            {
                return Ok(true);
            }
        }
        return Ok(false);
    }
    if left.len() != right.len() {
        return Ok(true);
    }
    let (left, right) = if kind != GoType::Map {
        (
            sort_scalars(deduplicate_scalars(left.to_vec())),
            sort_scalars(deduplicate_scalars(right.to_vec())),
        )
    } else {
        (left.to_vec(), right.to_vec())
    };
    for (l, r) in left.iter().zip(&right) {
        if fields_have_conflicts(l, r, schema, "", "")? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Keys a list of maps by the `%s` rendering of its merge key (later duplicates win).
fn slice_to_keyed(list: &[Value], merge_key: &str) -> Result<Vec<(String, Value)>> {
    let mut out: Vec<(String, Value)> = Vec::new();
    for v in list {
        let m = v.as_object().ok_or_else(|| {
            PatchError::Invalid(format!(
                "invalid element type in merging list:{}",
                format_value(&Value::Array(list.to_vec()))
            ))
        })?;
        let key = m.get(merge_key).ok_or_else(|| {
            PatchError::Invalid(format!(
                "cannot find merge key `{merge_key}` in merging list element:{}",
                format_map(m)
            ))
        })?;
        let key = format_s(key);
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some(slot) => slot.1 = v.clone(),
            None => out.push((key, v.clone())),
        }
    }
    Ok(out)
}

// ---------------------------------------------------------------------------------------------
// Public entry points
// ---------------------------------------------------------------------------------------------

/// Applies a strategic merge patch to `original` (upstream's `StrategicMergeMapPatch`), as
/// the apiserver does for `application/strategic-merge-patch+json`.
///
/// Both documents must be JSON objects (`null` counts as empty). The result keeps the
/// original's key order, with new keys appended.
pub fn strategic_merge_patch(
    original: &Value,
    patch: &Value,
    schema: &dyn LookupPatchMeta,
) -> Result<Value> {
    let original = to_map(original)?;
    let patch = to_map(patch)?;
    let opts = MergeOptions { merge_parallel_list: true, ignore_unmatched_nulls: true };
    merge_map(original, patch, schema, opts).map(Value::Object)
}

/// Applies a strategic merge patch given as JSON bytes to a JSON document (upstream's
/// `StrategicMergePatch`); malformed JSON is [`PatchError::BadJsonDoc`].
pub fn strategic_merge_patch_bytes(
    original: &[u8],
    patch: &[u8],
    schema: &dyn LookupPatchMeta,
) -> Result<Vec<u8>> {
    let original: Value = serde_json::from_slice(original).map_err(|_| PatchError::BadJsonDoc)?;
    let patch: Value = serde_json::from_slice(patch).map_err(|_| PatchError::BadJsonDoc)?;
    let merged = strategic_merge_patch(&original, &patch, schema)?;
    serde_json::to_vec(&merged).map_err(|_| PatchError::BadJsonDoc)
}

/// Merges several strategic merge patches into one, keeping nulls and directives (upstream's
/// `MergeStrategicMergeMapPatchUsingLookupPatchMeta`); later patches win.
pub fn merge_strategic_merge_patches(
    schema: &dyn LookupPatchMeta,
    patches: &[Value],
) -> Result<Value> {
    let opts = MergeOptions::default();
    let mut merged = JsonMap::new();
    for p in patches {
        merged = merge_map(merged, to_map(p)?, schema, opts)?;
    }
    Ok(Value::Object(merged))
}

/// Computes the strategic merge patch turning `original` into `modified` (upstream's
/// `CreateTwoWayMergePatch`), with `$setElementOrder` directives. Keys come out sorted,
/// as upstream's encoder writes them.
pub fn create_two_way_merge_patch(
    original: &Value,
    modified: &Value,
    schema: &dyn LookupPatchMeta,
) -> Result<Value> {
    create_two_way_merge_patch_with_preconditions(original, modified, schema, &[])
}

/// [`create_two_way_merge_patch`], failing with [`PatchError::PreconditionFailed`] when the
/// patch breaks one of `preconditions`.
pub fn create_two_way_merge_patch_with_preconditions(
    original: &Value,
    modified: &Value,
    schema: &dyn LookupPatchMeta,
    preconditions: &[Precondition],
) -> Result<Value> {
    let original = to_map(original)?;
    let modified = to_map(modified)?;
    let opts = DiffOptions { set_element_order: true, ..Default::default() };
    let patch = diff_maps(&original, &modified, schema, opts)?;
    check_preconditions(&patch, preconditions)?;
    let mut patch = Value::Object(patch);
    sort_keys(&mut patch);
    Ok(patch)
}

/// Computes the patch kubectl's client-side apply sends (upstream's
/// `CreateThreeWayMergePatch`): changes from `current` (live) to `modified` (new config)
/// without deletions, plus deletions from `original` (last applied) to `modified`.
///
/// Unless `overwrite`, fails with [`PatchError::Conflict`] when the patch changes fields that
/// were changed differently from `original` to `current`.
pub fn create_three_way_merge_patch(
    original: &Value,
    modified: &Value,
    current: &Value,
    schema: &dyn LookupPatchMeta,
    overwrite: bool,
) -> Result<Value> {
    create_three_way_merge_patch_with_preconditions(
        original,
        modified,
        current,
        schema,
        overwrite,
        &[],
    )
}

/// [`create_three_way_merge_patch`] with preconditions checked on the patch.
pub fn create_three_way_merge_patch_with_preconditions(
    original: &Value,
    modified: &Value,
    current: &Value,
    schema: &dyn LookupPatchMeta,
    overwrite: bool,
    preconditions: &[Precondition],
) -> Result<Value> {
    let original = to_map(original)?;
    let modified = to_map(modified)?;
    let current = to_map(current)?;
    let delta = diff_maps(
        &current,
        &modified,
        schema,
        DiffOptions { ignore_deletions: true, set_element_order: true, ..Default::default() },
    )?;
    let deletions = diff_maps(
        &original,
        &modified,
        schema,
        DiffOptions {
            set_element_order: true,
            ignore_changes_and_additions: true,
            ..Default::default()
        },
    )?;
    let patch = merge_map(deletions, delta, schema, MergeOptions::default())?;
    check_preconditions(&patch, preconditions)?;
    if !overwrite {
        let changed = diff_maps(&original, &current, schema, DiffOptions::default())?;
        if merging_maps_have_conflicts(&patch, &changed, schema)? {
            return Err(PatchError::Conflict {
                patch: to_yaml(&Value::Object(patch)),
                current: to_yaml(&Value::Object(changed)),
            });
        }
    }
    let mut patch = Value::Object(patch);
    sort_keys(&mut patch);
    Ok(patch)
}

#[cfg(test)]
pub(crate) fn sort_merge_lists_for_test(v: &Value, schema: &dyn LookupPatchMeta) -> Result<Value> {
    test_sort::sort_map(&to_map(v)?, schema).map(Value::Object)
}

/// Upstream's test-only `sortMergeListsByName`: sorts merging lists so patched documents can be
/// compared regardless of list order.
#[cfg(test)]
mod test_sort {
    use super::*;

    pub(super) fn sort_map(s: &JsonMap, schema: &dyn LookupPatchMeta) -> Result<JsonMap> {
        let mut out = JsonMap::new();
        for (k, v) in s {
            let v = if k == RETAIN_KEYS_DIRECTIVE {
                let Value::Array(items) = v else {
                    return Err(PatchError::BadPatchFormatForRetainKeys);
                };
                Value::Array(sort_scalars(items.clone()))
            } else if k.starts_with(DELETE_FROM_PRIMITIVE_LIST_PREFIX) {
                let Value::Array(items) = v else {
                    return Err(PatchError::BadPatchFormatForPrimitiveList);
                };
                Value::Array(sort_scalars(items.clone()))
            } else if k.starts_with(SET_ELEMENT_ORDER_PREFIX) {
                if !v.is_array() {
                    return Err(PatchError::BadPatchFormatForSetElementOrderList);
                }
                v.clone()
            } else if k != DIRECTIVE_MARKER {
                match v {
                    Value::Object(m) => {
                        let (sub, _) = schema.lookup_map(k)?;
                        Value::Object(sort_map(m, &*sub)?)
                    }
                    Value::Array(items) => {
                        let (sub, meta) = schema.lookup_list(k)?;
                        let (_, strategy) = extract_retain_keys(&meta.strategies)?;
                        if strategy == MERGE_DIRECTIVE {
                            Value::Array(sort_array(items, &*sub, meta.merge_key_str())?)
                        } else {
                            v.clone()
                        }
                    }
                    _ => v.clone(),
                }
            } else {
                v.clone()
            };
            out.insert(k.clone(), v);
        }
        Ok(out)
    }

    fn sort_array(
        s: &[Value],
        schema: &dyn LookupPatchMeta,
        merge_key: &str,
    ) -> Result<Vec<Value>> {
        if s.is_empty() {
            return Ok(Vec::new());
        }
        if slice_element_type(&[s])? != GoType::Map {
            return Ok(sort_scalars(deduplicate_scalars(s.to_vec())));
        }
        let mut out = Vec::new();
        for elem in s {
            let m = elem.as_object().ok_or_else(|| bad_arg_type(MAP_TYPE, elem))?;
            out.push(Value::Object(sort_map(m, schema)?));
        }
        sort_maps_by_key(&out, merge_key)
    }
}
