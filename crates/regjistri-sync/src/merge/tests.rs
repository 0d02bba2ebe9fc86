//! The merge rules as a table, then as properties.

use super::*;
use crate::document::{comparable_leaves, leaves};
use proptest::prelude::*;
use regjistri_domain::diff::diff;
use serde_json::json;

fn base() -> Value {
    json!({
        "status": "approved",
        "owning_directorate": "dvp-tirane",
        "data": {
            "identity": {"surname": "Hoxha", "given_name": "Arben", "nid": null, "citizenships": ["AL"]},
            "description": {"height_cm": 178, "marks": ""},
            "convictions": [{"id": "c1", "court_code": "GJ-TR", "final_date": "2019-03-01"}],
            "addresses": [{"id": "a1", "street": "Rr. Kavajës 12", "to": null}]
        }
    })
}

/// The diff a station records when it sets `path` (a JSON pointer into the document) to `value`.
fn edit(doc: &Value, sets: &[(&str, Value)]) -> Vec<FieldChange> {
    let mut new = doc.clone();
    for (pointer, value) in sets {
        *new.pointer_mut(pointer).expect("pointer exists") = value.clone();
    }
    diff(doc, &new)
}

fn remove_conviction(doc: &Value) -> Vec<FieldChange> {
    let mut new = doc.clone();
    new["data"]["convictions"] = json!([]);
    diff(doc, &new)
}

fn document_of(m: &Merge) -> &Value {
    match m {
        Merge::Applied { document, .. } | Merge::Conflict { document, .. } => document,
        Merge::Rejected(r) => panic!("rejected: {r:?}"),
    }
}

/// What the server holds after `first` applied cleanly to `base`, then the outcome of `second`.
fn second_after_first(first: &[FieldChange], second: &[FieldChange]) -> (Value, Merge) {
    let doc = base();
    let after_first = match merge(
        Current::Live {
            version: 1,
            document: &doc,
        },
        1,
        first,
    ) {
        Merge::Applied { document, .. } => document,
        other => panic!("first mutation should apply cleanly: {other:?}"),
    };
    let outcome = merge(
        Current::Live {
            version: 2,
            document: &after_first,
        },
        1,
        second,
    );
    (after_first, outcome)
}

/// Name, the first station's change, the second's, the outcome of the second, values after.
type Case = (
    &'static str,
    Vec<FieldChange>,
    Vec<FieldChange>,
    Expect,
    Vec<(&'static str, Value)>,
);

#[derive(Debug)]
enum Expect {
    Applied,
    Conflict(ConflictKind, &'static [&'static str]),
}

#[test]
fn two_stations_from_the_same_base() {
    let b = base();
    let withdraw = edit(&b, &[("/status", json!("removed"))]);
    let cases: Vec<Case> = vec![
        (
            "different fields merge",
            edit(&b, &[("/data/identity/surname", json!("Hoxhaj"))]),
            edit(&b, &[("/data/description/marks", json!("scar"))]),
            Expect::Applied,
            vec![
                ("data.identity.surname", json!("Hoxhaj")),
                ("data.description.marks", json!("scar")),
            ],
        ),
        (
            "fields of different list items merge",
            edit(
                &b,
                &[("/data/convictions/0/final_date", json!("2019-04-01"))],
            ),
            edit(&b, &[("/data/addresses/0/to", json!("2024-01-01"))]),
            Expect::Applied,
            vec![
                ("data.convictions[c1].final_date", json!("2019-04-01")),
                ("data.addresses[a1].to", json!("2024-01-01")),
            ],
        ),
        (
            "the same field to the same value is no conflict",
            edit(&b, &[("/data/identity/surname", json!("Hoxhaj"))]),
            edit(&b, &[("/data/identity/surname", json!("Hoxhaj"))]),
            Expect::Applied,
            vec![("data.identity.surname", json!("Hoxhaj"))],
        ),
        (
            "the same field to different values is a conflict; the server keeps its value",
            edit(&b, &[("/data/identity/surname", json!("Hoxhaj"))]),
            edit(&b, &[("/data/identity/surname", json!("Hoxhe"))]),
            Expect::Conflict(ConflictKind::SameField, &["data.identity.surname"]),
            vec![("data.identity.surname", json!("Hoxhaj"))],
        ),
        (
            "a conflict on one field does not hold back the others",
            edit(&b, &[("/data/identity/surname", json!("Hoxhaj"))]),
            edit(
                &b,
                &[
                    ("/data/identity/surname", json!("Hoxhe")),
                    ("/data/identity/given_name", json!("Arbën")),
                ],
            ),
            Expect::Conflict(ConflictKind::SameField, &["data.identity.surname"]),
            vec![
                ("data.identity.surname", json!("Hoxhaj")),
                ("data.identity.given_name", json!("Arbën")),
            ],
        ),
        (
            "an edit of a removed list item is a conflict; the item stays removed",
            remove_conviction(&b),
            edit(
                &b,
                &[("/data/convictions/0/final_date", json!("2019-04-01"))],
            ),
            Expect::Conflict(
                ConflictKind::SameField,
                &["data.convictions[c1].final_date"],
            ),
            vec![("data.convictions[c1].final_date", Value::Null)],
        ),
        (
            "removing an item changed on the server is a conflict; the item stays",
            edit(
                &b,
                &[("/data/convictions/0/final_date", json!("2019-04-01"))],
            ),
            remove_conviction(&b),
            Expect::Conflict(
                ConflictKind::SameField,
                &[
                    "data.convictions[c1].court_code",
                    "data.convictions[c1].final_date",
                    "data.convictions[c1].id",
                ],
            ),
            vec![
                ("data.convictions[c1].final_date", json!("2019-04-01")),
                ("data.convictions[c1].id", json!("c1")),
            ],
        ),
        (
            "removing an item nobody else touched applies",
            edit(&b, &[("/data/addresses/0/to", json!("2024-01-01"))]),
            remove_conviction(&b),
            Expect::Applied,
            vec![("data.convictions[c1].id", Value::Null)],
        ),
        (
            "an edit against a withdrawal is a conflict; the withdrawal stays",
            withdraw.clone(),
            edit(&b, &[("/data/description/marks", json!("scar"))]),
            Expect::Conflict(ConflictKind::RecordWithdrawn, &["data.description.marks"]),
            vec![
                ("status", json!("removed")),
                ("data.description.marks", json!("")),
            ],
        ),
        (
            "withdrawing twice is no conflict",
            withdraw.clone(),
            withdraw,
            Expect::Applied,
            vec![("status", json!("removed"))],
        ),
        (
            "a whole list value (citizenships) is one field",
            edit(&b, &[("/data/identity/citizenships", json!(["AL", "IT"]))]),
            edit(&b, &[("/data/identity/citizenships", json!(["AL", "GR"]))]),
            Expect::Conflict(ConflictKind::SameField, &["data.identity.citizenships"]),
            vec![("data.identity.citizenships", json!(["AL", "IT"]))],
        ),
    ];
    for (name, first, second, expect, values) in cases {
        let (_, outcome) = second_after_first(&first, &second);
        match (&expect, &outcome) {
            (Expect::Applied, Merge::Applied { .. }) => {}
            (
                Expect::Conflict(kind, paths),
                Merge::Conflict {
                    kind: k, fields, ..
                },
            ) => {
                assert_eq!(kind, k, "{name}");
                let got: Vec<&str> = fields.iter().map(|f| f.path.as_str()).collect();
                assert_eq!(&got, paths, "{name}");
                for f in fields {
                    let wanted = second.iter().find(|c| c.path == f.path).expect("path");
                    assert_eq!(f.station, wanted.new, "{name}: the station's value is kept");
                    assert_eq!(f.base, wanted.old, "{name}: the base value is kept");
                }
            }
            _ => panic!("{name}: expected {expect:?}, got {outcome:?}"),
        }
        let got = leaves(document_of(&outcome));
        for (path, value) in values {
            assert_eq!(
                got.get(path).cloned().unwrap_or(Value::Null),
                value,
                "{name}: {path}"
            );
        }
    }
}

#[test]
fn conflicts_keep_the_servers_value_beside_the_stations() {
    let b = base();
    let (_, outcome) = second_after_first(
        &edit(&b, &[("/data/identity/surname", json!("Hoxhaj"))]),
        &edit(&b, &[("/data/identity/surname", json!("Hoxhe"))]),
    );
    let Merge::Conflict { fields, .. } = outcome else {
        panic!("expected a conflict")
    };
    assert_eq!(
        fields,
        vec![FieldConflict {
            path: "data.identity.surname".into(),
            base: json!("Hoxha"),
            server: json!("Hoxhaj"),
            station: json!("Hoxhe"),
        }]
    );
}

#[test]
fn creation_unknown_records_and_future_versions() {
    let b = base();
    let create = diff(&Value::Null, &b);
    let Merge::Applied { document, changed } = merge(Current::Absent, 0, &create) else {
        panic!("creation should apply")
    };
    assert!(changed);
    assert_eq!(leaves(&document), leaves(&b));
    assert_eq!(
        merge(Current::Absent, 3, &create),
        Merge::Rejected(Rejection::UnknownRecord)
    );
    // An edit (an approval, say) of a record whose creation never arrived or was refused
    // is not a creation, nor a conflict for anyone to decide.
    let approve = vec![FieldChange {
        path: "status".into(),
        old: json!("pending"),
        new: json!("approved"),
    }];
    assert_eq!(
        merge(Current::Absent, 0, &approve),
        Merge::Rejected(Rejection::UnknownRecord)
    );
    assert_eq!(
        merge(
            Current::Live {
                version: 2,
                document: &b
            },
            5,
            &[]
        ),
        Merge::Rejected(Rejection::FutureBaseVersion)
    );
    let bad = vec![FieldChange {
        path: "status.deeper".into(),
        old: Value::Null,
        new: json!(1),
    }];
    assert_eq!(
        merge(
            Current::Live {
                version: 2,
                document: &b
            },
            2,
            &bad
        ),
        Merge::Rejected(Rejection::BadPath)
    );
}

#[test]
fn an_edit_of_a_deleted_record_is_a_conflict() {
    let b = base();
    let change = edit(&b, &[("/data/description/marks", json!("scar"))]);
    match merge(Current::Deleted { version: 9 }, 1, &change) {
        Merge::Conflict {
            kind: ConflictKind::RecordDeleted,
            changed: false,
            fields,
            ..
        } => assert_eq!(fields.len(), 1),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

#[test]
fn successive_offline_edits_against_one_server_version_apply_in_order() {
    let b = base();
    let mut local = b.clone();
    local["data"]["identity"]["surname"] = json!("Hoxhaj");
    let first = diff(&b, &local);
    let mut later = local.clone();
    later["data"]["identity"]["surname"] = json!("Hoxha-Leka");
    let second = diff(&local, &later);
    let (after_first, outcome) = second_after_first(&first, &second);
    assert!(matches!(outcome, Merge::Applied { changed: true, .. }));
    assert_eq!(after_first["data"]["identity"]["surname"], json!("Hoxhaj"));
    assert_eq!(
        document_of(&outcome)["data"]["identity"]["surname"],
        json!("Hoxha-Leka")
    );
}

// ---- properties ----

/// A small document: three scalar fields and a keyed list of two items with two fields.
fn doc_from(fields: &[Option<i32>; 3], items: &[(bool, Option<i32>, Option<i32>); 2]) -> Value {
    let list: Vec<Value> = items
        .iter()
        .zip(["i1", "i2"])
        .filter(|((present, ..), _)| *present)
        .map(|((_, x, y), id)| json!({"id": id, "x": x, "y": y}))
        .collect();
    json!({"status": "approved", "f": {"a": fields[0], "b": fields[1], "c": fields[2]}, "items": list})
}

fn any_doc() -> impl Strategy<Value = Value> {
    (
        proptest::array::uniform3(proptest::option::of(0i32..3)),
        proptest::array::uniform2((
            any::<bool>(),
            proptest::option::of(0i32..3),
            proptest::option::of(0i32..3),
        )),
    )
        .prop_map(|(f, i)| doc_from(&f, &i))
}

fn live(doc: &Value) -> Current<'_> {
    Current::Live {
        version: 1,
        document: doc,
    }
}

fn after(doc: &Value, changes: &[FieldChange]) -> Merge {
    merge(live(doc), 1, changes)
}

proptest! {
    /// Two stations edit the same base. Whatever they did, nothing is lost: every field
    /// ends at one side's value, a field both changed to different values is a conflict
    /// carrying both, and a field only one side changed has that side's value.
    #[test]
    fn nothing_is_lost_between_two_stations(base in any_doc(), a in any_doc(), b in any_doc()) {
        let da = diff(&base, &a);
        let db = diff(&base, &b);
        let Merge::Applied { document: server, .. } = after(&base, &da) else {
            return Err(TestCaseError::fail("the first push from the base must apply"));
        };
        let outcome = after(&server, &db);
        let (merged, conflicts) = match &outcome {
            Merge::Applied { document, .. } => (document.clone(), vec![]),
            Merge::Conflict { document, fields, kind, .. } => {
                prop_assert_eq!(*kind, ConflictKind::SameField);
                (document.clone(), fields.clone())
            }
            Merge::Rejected(r) => return Err(TestCaseError::fail(format!("rejected {r:?}"))),
        };
        let (lb, la, lbb, lm) = (comparable_leaves(&base), comparable_leaves(&a), comparable_leaves(&b), comparable_leaves(&merged));
        let at = |m: &std::collections::BTreeMap<String, Value>, p: &str| m.get(p).cloned().unwrap_or(Value::Null);
        let mut paths: Vec<&String> = lb.keys().chain(la.keys()).chain(lbb.keys()).collect();
        paths.sort();
        paths.dedup();
        for p in paths {
            let (vb, va, vbb, vm) = (at(&lb, p), at(&la, p), at(&lbb, p), at(&lm, p));
            let conflict = conflicts.iter().find(|c| &c.path == p);
            match (va != vb, vbb != vb) {
                (false, false) => prop_assert_eq!(&vm, &vb, "untouched {}", p),
                (true, false) => prop_assert_eq!(&vm, &va, "only A changed {}", p),
                (false, true) => {
                    // B's change applies, unless A removed the list item it belongs to.
                    if let Some(c) = conflict {
                        prop_assert_eq!(&c.station, &vbb);
                        prop_assert_eq!(&vm, &va);
                    } else {
                        prop_assert_eq!(&vm, &vbb, "only B changed {}", p);
                    }
                }
                (true, true) if va == vbb => prop_assert_eq!(&vm, &va),
                (true, true) => {
                    let c = conflict.ok_or_else(|| TestCaseError::fail(format!("no conflict for {p}")))?;
                    prop_assert_eq!(&vm, &va, "the server keeps its value at {}", p);
                    prop_assert_eq!(&c.server, &va);
                    prop_assert_eq!(&c.station, &vbb);
                    prop_assert_eq!(&c.base, &vb);
                }
            }
        }
    }

    /// Changes to disjoint fields give the same document in either order, with no conflict.
    #[test]
    fn disjoint_changes_commute(base in any_doc(), a in any_doc(), b in any_doc()) {
        let da = diff(&base, &a);
        let db: Vec<FieldChange> = diff(&base, &b)
            .into_iter()
            .filter(|c| !da.iter().any(|x| x.path == c.path || same_item(&x.path, &c.path)))
            .collect();
        let ab = match after(&base, &da) { Merge::Applied { document, .. } => after(&document, &db), m => m };
        let ba = match after(&base, &db) { Merge::Applied { document, .. } => after(&document, &da), m => m };
        match (&ab, &ba) {
            (Merge::Applied { document: x, .. }, Merge::Applied { document: y, .. }) =>
                prop_assert_eq!(comparable_leaves(x), comparable_leaves(y)),
            _ => return Err(TestCaseError::fail(format!("expected clean merges: {ab:?} / {ba:?}"))),
        }
    }

    /// Pushing the same mutation again changes nothing and raises no conflict.
    #[test]
    fn a_mutation_applied_twice_is_applied_once(base in any_doc(), a in any_doc()) {
        let da = diff(&base, &a);
        let Merge::Applied { document: once, .. } = after(&base, &da) else {
            return Err(TestCaseError::fail("must apply"));
        };
        match after(&once, &da) {
            Merge::Applied { document, changed } => {
                prop_assert!(!changed);
                prop_assert_eq!(document, once);
            }
            other => return Err(TestCaseError::fail(format!("{other:?}"))),
        }
    }

    /// A withdrawn record never changes through a station's edit.
    #[test]
    fn a_withdrawn_record_stays_withdrawn(base in any_doc(), a in any_doc()) {
        let mut withdrawn = base.clone();
        withdrawn["status"] = json!(WITHDRAWN_STATUS);
        let da = diff(&base, &a);
        match after(&withdrawn, &da) {
            Merge::Applied { document, changed } => {
                prop_assert!(!changed);
                prop_assert_eq!(document, withdrawn);
            }
            Merge::Conflict { document, changed, kind, .. } => {
                prop_assert!(!changed);
                prop_assert_eq!(kind, ConflictKind::RecordWithdrawn);
                prop_assert_eq!(document, withdrawn);
            }
            Merge::Rejected(r) => return Err(TestCaseError::fail(format!("{r:?}"))),
        }
    }
}

/// Two paths in the same keyed list item: removing the item touches every field of it.
fn same_item(a: &str, b: &str) -> bool {
    let item = |p: &str| p.find(']').map(|i| p[..=i].to_string());
    matches!((item(a), item(b)), (Some(x), Some(y)) if x == y)
}
