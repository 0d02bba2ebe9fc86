//! The merge rules, as one pure function: what a station's mutation does to the server's
//! copy of a record. Never last-writer-wins:
//!
//! * Each changed field is a three-way comparison of the value the station started from
//!   (`old`), the value it wants (`new`) and the server's current value. Server still at
//!   `old`: the change applies. Server already at `new`: nothing to do (a retry, or both
//!   sides made the same change). Anything else means the field was changed on both sides to
//!   different values: a **conflict** that keeps the base, the server's and the station's
//!   value for a supervisor; the server's value stays until then.
//! * Changes to different fields merge: the clean ones apply even when another field of the
//!   same mutation conflicts.
//! * Items of keyed lists (convictions, addresses, aliases) come and go whole: an edit of an
//!   item the server no longer has is a conflict (never a half-resurrected item), and so is
//!   the removal of an item the server changed since the station saw it (the item stays).
//! * A withdrawn record (status `removed`) or a deleted one (a tombstone) stays so: any
//!   change from a station becomes a conflict and nothing is applied.
//! * A base version the server never issued, an unknown record, or a path that does not
//!   fit the document is rejected.
//!
//! The base version is not needed for the comparison (the field's `old` value carries what
//! the station saw), so a station may push several edits of the same file made offline one
//! after the other, each against the same server version.

use regjistri_domain::diff::FieldChange;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::document::{apply, leaves};

/// The status that marks a withdrawn record.
pub const WITHDRAWN_STATUS: &str = "removed";

/// The server's copy of a record, as the merge needs it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Current<'a> {
    /// No record with this id, and no tombstone.
    Absent,
    Live {
        version: i64,
        document: &'a Value,
    },
    /// Deleted; only the tombstone is left.
    Deleted {
        version: i64,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConflictKind {
    /// The same field was changed on both sides to different values.
    SameField,
    /// The record was withdrawn; the station edited an older copy.
    RecordWithdrawn,
    /// The record was deleted; the station edited an older copy.
    RecordDeleted,
}

impl ConflictKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConflictKind::SameField => "same_field",
            ConflictKind::RecordWithdrawn => "record_withdrawn",
            ConflictKind::RecordDeleted => "record_deleted",
        }
    }
    pub fn parse(s: &str) -> Option<ConflictKind> {
        [
            ConflictKind::SameField,
            ConflictKind::RecordWithdrawn,
            ConflictKind::RecordDeleted,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

/// One field both sides changed: the three values a supervisor chooses from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FieldConflict {
    pub path: String,
    /// What the station started from.
    pub base: Value,
    /// What the server holds (and keeps until a supervisor decides).
    pub server: Value,
    /// What the station wanted.
    pub station: Value,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rejection {
    /// base version > 0 for a record the server has never had.
    UnknownRecord,
    /// base version newer than the server's version of the record.
    FutureBaseVersion,
    /// A path that does not fit the document.
    BadPath,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Merge {
    /// Every change is in place. `changed` is false when all of them already were.
    Applied {
        document: Value,
        changed: bool,
    },
    /// The fields that did not collide are applied (in `document`; `changed` says whether
    /// any was); `fields` did not, and wait for a supervisor.
    Conflict {
        document: Value,
        changed: bool,
        kind: ConflictKind,
        fields: Vec<FieldConflict>,
    },
    Rejected(Rejection),
}

/// What `changes`, made by a station against `base_version`, do to `current`.
pub fn merge(current: Current<'_>, base_version: i64, changes: &[FieldChange]) -> Merge {
    let document = match current {
        Current::Absent if base_version > 0 => return Merge::Rejected(Rejection::UnknownRecord),
        // A change of values the server never had (the record's creation was refused or
        // never arrived) is not a creation.
        Current::Absent if changes.iter().any(|c| !c.old.is_null()) => {
            return Merge::Rejected(Rejection::UnknownRecord)
        }
        Current::Absent => Value::Null,
        Current::Deleted { version } | Current::Live { version, .. } if base_version > version => {
            return Merge::Rejected(Rejection::FutureBaseVersion)
        }
        Current::Deleted { .. } => {
            return withdrawn(&Value::Null, changes, ConflictKind::RecordDeleted);
        }
        Current::Live { document, .. } => document.clone(),
    };
    let now = leaves(&document);
    let value_at = |path: &str| now.get(path).cloned().unwrap_or(Value::Null);
    if now.get("status").and_then(Value::as_str) == Some(WITHDRAWN_STATUS) {
        return withdrawn(&document, changes, ConflictKind::RecordWithdrawn);
    }
    // List items come and go as a whole: an edit of an item the server no longer has is a
    // conflict (never a half-resurrected item), and a removal of an item the server has
    // changed since is a conflict (never a silent loss of that change).
    let creates: Vec<&str> = changes
        .iter()
        .filter_map(|c| {
            let item = c.path.strip_suffix(".id").filter(|p| p.ends_with(']'))?;
            (c.old.is_null() && !c.new.is_null()).then_some(item)
        })
        .collect();
    let mut fields = Vec::new();
    let mut held: Vec<String> = Vec::new();
    for c in changes {
        let Some(item) = c.path.strip_suffix(".id").filter(|p| p.ends_with(']')) else {
            continue;
        };
        if c.old.is_null() || !c.new.is_null() || !now.contains_key(&c.path) {
            continue;
        }
        let prefix = format!("{item}.");
        let seen_as_station_saw = now
            .iter()
            .filter(|(p, _)| p.starts_with(&prefix))
            .all(|(p, v)| changes.iter().any(|x| &x.path == p && &x.old == v));
        if !seen_as_station_saw {
            for x in changes.iter().filter(|x| x.path.starts_with(&prefix)) {
                fields.push(FieldConflict {
                    path: x.path.clone(),
                    base: x.old.clone(),
                    server: value_at(&x.path),
                    station: x.new.clone(),
                });
            }
            for (p, v) in now.iter().filter(|(p, _)| p.starts_with(&prefix)) {
                if !changes.iter().any(|x| &x.path == p) {
                    fields.push(FieldConflict {
                        path: p.clone(),
                        base: Value::Null,
                        server: v.clone(),
                        station: Value::Null,
                    });
                }
            }
            held.push(prefix);
        }
    }
    let mut merged = document.clone();
    for c in changes {
        if held.iter().any(|p| c.path.starts_with(p.as_str())) {
            continue;
        }
        let server = value_at(&c.path);
        if server == c.new {
            continue;
        }
        let item_gone = items_of(&c.path)
            .any(|item| !now.contains_key(&format!("{item}.id")) && !creates.contains(&item));
        if server == c.old && !item_gone {
            if apply(&mut merged, &c.path, &c.new).is_err() {
                return Merge::Rejected(Rejection::BadPath);
            }
        } else {
            fields.push(FieldConflict {
                path: c.path.clone(),
                base: c.old.clone(),
                server,
                station: c.new.clone(),
            });
        }
    }
    fields.sort_by(|a, b| a.path.cmp(&b.path));
    let changed = merged != document;
    if fields.is_empty() {
        Merge::Applied {
            document: merged,
            changed,
        }
    } else {
        Merge::Conflict {
            document: merged,
            changed,
            kind: ConflictKind::SameField,
            fields,
        }
    }
}

/// The keyed list items a path goes through: `a[x].b[y].c` → `a[x]`, `a[x].b[y]`.
fn items_of(path: &str) -> impl Iterator<Item = &str> {
    path.match_indices(']').map(move |(i, _)| &path[..=i])
}

/// Against a withdrawn or deleted record nothing applies: every change not already in
/// place is kept as a conflict.
fn withdrawn(document: &Value, changes: &[FieldChange], kind: ConflictKind) -> Merge {
    let now = leaves(document);
    let fields: Vec<FieldConflict> = changes
        .iter()
        .filter_map(|c| {
            let server = now.get(&c.path).cloned().unwrap_or(Value::Null);
            (server != c.new).then(|| FieldConflict {
                path: c.path.clone(),
                base: c.old.clone(),
                server,
                station: c.new.clone(),
            })
        })
        .collect();
    if fields.is_empty() {
        Merge::Applied {
            document: document.clone(),
            changed: false,
        }
    } else {
        Merge::Conflict {
            document: document.clone(),
            changed: false,
            kind,
            fields,
        }
    }
}

#[cfg(test)]
mod tests;
