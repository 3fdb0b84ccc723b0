//! Pruning of unknown fields (upstream's `schema/pruning`): whatever a structural schema does
//! not specify is dropped, except below `x-kubernetes-preserve-unknown-fields` and the type and
//! object metadata of resources. The dropped paths are what `fieldValidation` reports
//! (`unknown field "spec.foo"`).

use serde_json::Value;

use super::schema;

const META_FIELDS: [&str; 3] = ["apiVersion", "kind", "metadata"];

/// Collects the paths of pruned fields (`spec.items[0].foo`).
#[derive(Debug, Default)]
struct Tracker {
    parent: Vec<String>,
    unknown: Vec<String>,
}

impl Tracker {
    fn push_key(&mut self, key: &str) {
        if !self.parent.is_empty() {
            self.parent.push(".".into());
        }
        self.parent.push(key.into());
    }

    fn push_index(&mut self, i: usize) {
        self.parent.push(format!("[{i}]"));
    }

    fn record(&mut self, key: &str) {
        let len = self.parent.len();
        self.push_key(key);
        self.unknown.push(self.parent.concat());
        self.parent.truncate(len);
    }
}

/// Removes the fields of `obj` that `s` does not specify and returns their paths, sorted.
/// At a resource root (`is_resource_root`) apiVersion, kind and metadata are left alone.
pub fn prune(obj: &mut Value, s: Option<&Value>, is_resource_root: bool) -> Vec<String> {
    let mut t = Tracker::default();
    prune_at(obj, s, is_resource_root, &mut t);
    t.unknown.sort();
    t.unknown
}

fn prune_at(x: &mut Value, s: Option<&Value>, resource: bool, t: &mut Tracker) {
    if let Some(s) = s
        && schema::preserves_unknown(s)
    {
        skip_prune(x, Some(s), resource, t);
        return;
    }
    let depth = t.parent.len();
    match x {
        Value::Object(m) => {
            let Some(s) = s else {
                for k in m.keys() {
                    t.record(k);
                }
                m.clear();
                return;
            };
            let embedded = resource || schema::embedded(s);
            let keys: Vec<String> = m.keys().cloned().collect();
            for k in keys {
                if embedded && META_FIELDS.contains(&k.as_str()) {
                    continue;
                }
                if let Some(p) = schema::property(s, &k) {
                    t.push_key(&k);
                    if let Some(v) = m.get_mut(&k) {
                        prune_at(v, Some(p), false, t);
                    }
                    t.parent.truncate(depth);
                } else if let Some(a) = schema::additional(s) {
                    t.push_key(&k);
                    if let Some(v) = m.get_mut(&k) {
                        prune_at(v, a.schema(), false, t);
                    }
                    t.parent.truncate(depth);
                } else {
                    if !META_FIELDS.contains(&k.as_str()) || !t.parent.is_empty() {
                        t.record(&k);
                    }
                    m.shift_remove(&k);
                }
            }
        }
        Value::Array(items) => {
            let item_schema = s.and_then(schema::items);
            for (i, v) in items.iter_mut().enumerate() {
                t.push_index(i);
                prune_at(v, item_schema, false, t);
                t.parent.truncate(depth);
            }
        }
        _ => {}
    }
}

fn skip_prune(x: &mut Value, s: Option<&Value>, resource: bool, t: &mut Tracker) {
    let Some(s) = s else { return };
    let depth = t.parent.len();
    match x {
        Value::Object(m) => {
            let embedded = resource || schema::embedded(s);
            for (k, v) in m.iter_mut() {
                if embedded && META_FIELDS.contains(&k.as_str()) {
                    continue;
                }
                if let Some(p) = schema::property(s, k) {
                    t.push_key(k);
                    prune_at(v, Some(p), false, t);
                    t.parent.truncate(depth);
                } else if let Some(a) = schema::additional(s) {
                    t.push_key(k);
                    prune_at(v, a.schema(), false, t);
                    t.parent.truncate(depth);
                }
            }
        }
        Value::Array(items) => {
            for (i, v) in items.iter_mut().enumerate() {
                t.push_index(i);
                skip_prune(v, schema::items(s), false, t);
                t.parent.truncate(depth);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn prunes_what_the_schema_does_not_know() {
        let s = json!({"type": "object", "properties": {
            "spec": {"type": "object", "properties": {
                "a": {"type": "string"},
                "list": {"type": "array", "items": {"type": "object", "properties": {"x": {"type": "integer"}}}},
                "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": true, "properties": {
                    "typed": {"type": "object", "properties": {"y": {"type": "string"}}},
                }},
                "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                "embedded": {"type": "object", "x-kubernetes-embedded-resource": true, "properties": {"spec": {"type": "object"}}},
            }},
        }});
        let mut obj = json!({
            "apiVersion": "example.com/v1", "kind": "W", "metadata": {"name": "w"},
            "spec": {
                "a": "x", "b": 1,
                "list": [{"x": 1, "z": 2}],
                "free": {"anything": true, "typed": {"y": "ok", "n": 1}},
                "labels": {"k": "v"},
                "embedded": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}, "status": {}},
            },
            "extra": true,
        });
        let unknown = prune(&mut obj, Some(&s), true);
        assert_eq!(
            unknown,
            ["extra", "spec.b", "spec.embedded.status", "spec.free.typed.n", "spec.list[0].z"]
        );
        assert_eq!(
            obj,
            json!({
                "apiVersion": "example.com/v1", "kind": "W", "metadata": {"name": "w"},
                "spec": {
                    "a": "x",
                    "list": [{"x": 1}],
                    "free": {"anything": true, "typed": {"y": "ok"}},
                    "labels": {"k": "v"},
                    "embedded": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"}, "spec": {}},
                },
            })
        );
    }
}
