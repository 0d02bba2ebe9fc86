//! Field-level differences between two versions of a file, for the change log (and, later,
//! merges during synchronisation). List items are keyed by their id, never by position, so a
//! change to one conviction does not look like a change to the ones after it.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use ts_rs::TS;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldChange {
    /// e.g. `identity.surname`, `convictions[0190…].final_date`, `identity.citizenships`.
    pub path: String,
    /// `null` when the field did not exist before.
    #[ts(type = "unknown")]
    pub old: Value,
    /// `null` when the field was removed.
    #[ts(type = "unknown")]
    pub new: Value,
}

fn is_keyed_list(items: &[Value]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|v| v.get("id").and_then(Value::as_str).is_some())
}

fn flatten(prefix: &str, value: &Value, out: &mut Map<String, Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let path = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                flatten(&path, v, out);
            }
        }
        Value::Array(items) if is_keyed_list(items) => {
            for item in items {
                let id = item.get("id").and_then(Value::as_str).unwrap_or_default();
                flatten(&format!("{prefix}[{id}]"), item, out);
            }
        }
        other => {
            out.insert(prefix.to_string(), other.clone());
        }
    }
}

/// The changed leaves between `old` and `new` (either may be `null`), sorted by path.
pub fn diff(old: &Value, new: &Value) -> Vec<FieldChange> {
    let mut a = Map::new();
    let mut b = Map::new();
    flatten("", old, &mut a);
    flatten("", new, &mut b);
    let mut changes = Vec::new();
    for (path, new_value) in &b {
        match a.get(path) {
            Some(old_value) if old_value == new_value => {}
            old_value => changes.push(FieldChange {
                path: path.clone(),
                old: old_value.cloned().unwrap_or(Value::Null),
                new: new_value.clone(),
            }),
        }
    }
    for (path, old_value) in &a {
        if !b.contains_key(path) {
            changes.push(FieldChange {
                path: path.clone(),
                old: old_value.clone(),
                new: Value::Null,
            });
        }
    }
    changes.retain(|c| !(c.old.is_null() && c.new.is_null()));
    changes.sort_by(|x, y| x.path.cmp(&y.path));
    changes
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    #[test]
    fn keyed_lists_diff_by_id() {
        let old = json!({"identity": {"surname": "Hoxha", "citizenships": ["AL"]},
                         "convictions": [{"id": "a", "court": "x"}, {"id": "b", "court": "y"}]});
        let new = json!({"identity": {"surname": "Hoxhaj", "citizenships": ["AL"]},
                         "convictions": [{"id": "b", "court": "z"}]});
        let paths: Vec<_> = diff(&old, &new)
            .into_iter()
            .map(|c| (c.path, c.old, c.new))
            .collect();
        assert_eq!(
            paths,
            vec![
                ("convictions[a].court".into(), json!("x"), Value::Null),
                ("convictions[a].id".into(), json!("a"), Value::Null),
                ("convictions[b].court".into(), json!("y"), json!("z")),
                ("identity.surname".into(), json!("Hoxha"), json!("Hoxhaj")),
            ]
        );
    }

    #[test]
    fn creation_lists_every_field() {
        let new = json!({"a": 1, "b": {"c": "x"}});
        assert_eq!(diff(&Value::Null, &new).len(), 2);
        assert!(diff(&new, &new).is_empty());
    }

    proptest! {
        #[test]
        fn applying_the_diff_reproduces_the_new_leaves(
            old in proptest::collection::btree_map("[a-d]", 0i32..4, 0..4),
            new in proptest::collection::btree_map("[a-d]", 0i32..4, 0..4),
        ) {
            let o = serde_json::to_value(&old).unwrap();
            let n = serde_json::to_value(&new).unwrap();
            let mut leaves = Map::new();
            flatten("", &o, &mut leaves);
            for c in diff(&o, &n) {
                if c.new.is_null() { leaves.remove(&c.path); } else { leaves.insert(c.path, c.new); }
            }
            let mut expected = Map::new();
            flatten("", &n, &mut expected);
            prop_assert_eq!(leaves, expected);
        }
    }
}
