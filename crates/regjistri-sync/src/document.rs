//! A record's content as the server keeps it: the JSON document the station's write path
//! diffs (`{"status", "owning_directorate", "data"}`), seen as a map of leaves keyed by the
//! same paths as [`regjistri_domain::diff::FieldChange`] (`data.identity.surname`,
//! `data.convictions[<id>].final_date`).
//!
//! The leaves come from [`regjistri_domain::diff::diff`] itself, so the server and the
//! station agree on what a path means. A `null` value and a missing leaf are the same thing.

use std::collections::BTreeMap;

use base64::Engine;
use regjistri_domain::diff::diff;
use regjistri_domain::file::{FileData, FileStatus};
use regjistri_domain::photo::Photo;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The content of an offender file as it travels: what the station's write path diffs.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileDocument {
    pub status: FileStatus,
    pub owning_directorate: String,
    pub data: FileData,
}

impl FileDocument {
    pub fn parse(doc: &Value) -> Result<FileDocument, PathError> {
        // Deserialised from the borrowed value: no copy of the whole tree.
        FileDocument::deserialize(doc).map_err(|e| PathError::NotAFile(e.to_string()))
    }
}

/// A user account as it travels: who they are, their role and directorate, whether they
/// must change their password or are disabled, and the PBKDF2 verifier of their password
/// (never the password). Lockouts after failed sign-ins stay at the station they happened at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserDocument {
    pub user_name: String,
    /// `regjistri_domain::access::Role` as its snake-case name.
    pub role: String,
    pub directorate: String,
    /// Hex.
    pub salt: String,
    /// Hex.
    pub verifier: String,
    pub iterations: u32,
    pub must_change_password: bool,
    pub disabled: bool,
}

impl UserDocument {
    pub fn parse(doc: &Value) -> Result<UserDocument, PathError> {
        UserDocument::deserialize(doc).map_err(|e| PathError::NotAFile(e.to_string()))
    }

    /// Administrators and auditors work nationally: every station holds them.
    pub fn national(&self) -> bool {
        matches!(self.role.as_str(), "administrator" | "auditor")
    }

    /// Whether a station can take the account as it is: a valid user name, a known role, a
    /// verifier as workstations make them (hex salt and verifier of the right lengths,
    /// iterations within bounds). What a station cannot take must never reach the feed:
    /// it would stop every station's pull at that page.
    pub fn well_formed(&self) -> bool {
        use regjistri_domain::password as pw;
        let hex_of = |s: &str, bytes: usize| {
            s.len() == 2 * bytes && s.bytes().all(|b| b.is_ascii_hexdigit())
        };
        pw::valid_user_name(&self.user_name)
            && regjistri_domain::access::Role::parse(&self.role).is_some()
            && !self.directorate.is_empty()
            && self.directorate.len() <= 64
            && hex_of(&self.salt, pw::SALT_BYTES)
            && hex_of(&self.verifier, pw::VERIFIER_BYTES)
            && (pw::MIN_ITERATIONS..=pw::MAX_ITERATIONS).contains(&self.iterations)
    }
}

/// A photo as it travels ([`crate::protocol::ENTITY_PHOTO`]): what the registry says of it
/// and its bytes, base64 (standard alphabet, padded) in `data`. The station's change log
/// keeps the photo without its bytes (they are in the photo table, once); the push adds them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PhotoDocument {
    #[serde(flatten)]
    pub photo: Photo,
    pub data: String,
}

/// Why a photo document is not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhotoRefusal {
    #[error("not a photo document")]
    Shape,
    #[error("the bytes are not base64")]
    Encoding,
    #[error("the bytes are not a photo: {0}")]
    Image(&'static str),
    #[error("the bytes do not match what the document says of them")]
    Mismatch,
    #[error("a photo changes only once, to be voided")]
    Changed,
}

/// Base64 of bytes, as photo documents carry them.
pub fn encode_bytes(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// The bytes of base64 text (standard alphabet, padded).
pub fn decode_bytes(text: &str) -> Result<Vec<u8>, PhotoRefusal> {
    base64::engine::general_purpose::STANDARD
        .decode(text)
        .map_err(|_| PhotoRefusal::Encoding)
}

/// SHA-256 of bytes, lower-case hex.
pub fn sha256_hex(bytes: &[u8]) -> String {
    regjistri_domain::photo::hex(ring::digest::digest(&ring::digest::SHA256, bytes).as_ref())
}

impl PhotoDocument {
    /// The document and its bytes, if the bytes are a photo within the limits and are what
    /// the document says (type, size, dimensions, SHA-256).
    pub fn parse(doc: &Value) -> Result<(PhotoDocument, Vec<u8>), PhotoRefusal> {
        let parsed = PhotoDocument::deserialize(doc).map_err(|_| PhotoRefusal::Shape)?;
        let bytes = decode_bytes(&parsed.data)?;
        let facts =
            regjistri_domain::photo::inspect(&bytes).map_err(|p| PhotoRefusal::Image(p.code()))?;
        let p = &parsed.photo;
        if facts.media_type != p.media_type
            || facts.width != p.width
            || facts.height != p.height
            || usize::try_from(p.byte_len).ok() != Some(bytes.len())
            || sha256_hex(&bytes) != p.sha256
        {
            return Err(PhotoRefusal::Mismatch);
        }
        Ok((parsed, bytes))
    }

    /// What may become of a stored photo: nothing, or its void set once. `before` and
    /// `after` are whole documents (with their bytes).
    pub fn change_allowed(before: &Value, after: &Value) -> Result<(), PhotoRefusal> {
        let without_void = |v: &Value| {
            let mut l = leaves(v);
            l.retain(|path, _| path != "void" && !path.starts_with("void."));
            l
        };
        let void = |v: &Value| v.get("void").cloned().unwrap_or(Value::Null);
        if without_void(before) != without_void(after) {
            return Err(PhotoRefusal::Changed);
        }
        let (was, is) = (void(before), void(after));
        if !was.is_null() && was != is {
            return Err(PhotoRefusal::Changed);
        }
        if !is.is_null() && regjistri_domain::records::Void::deserialize(&is).is_err() {
            return Err(PhotoRefusal::Shape);
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PathError {
    #[error("malformed path {0:?}")]
    Malformed(String),
    #[error("path {0:?} goes through a value that is not an object or keyed list")]
    Shape(String),
    #[error("the merged content is not a valid file: {0}")]
    NotAFile(String),
}

/// Every non-null leaf of `doc`, by path.
pub fn leaves(doc: &Value) -> BTreeMap<String, Value> {
    diff(&Value::Null, doc)
        .into_iter()
        .map(|c| (c.path, c.new))
        .collect()
}

fn is_keyed(items: &[Value]) -> bool {
    !items.is_empty()
        && items
            .iter()
            .all(|v| v.get("id").and_then(Value::as_str).is_some())
}

/// The leaves without empty lists: an empty list and no list hold the same items.
pub fn comparable_leaves(doc: &Value) -> BTreeMap<String, Value> {
    let mut out = leaves(doc);
    out.retain(|_, v| !v.as_array().is_some_and(Vec::is_empty));
    out
}

/// The SHA-256 (hex) of a content's comparable leaves: the same for the same content
/// whatever the order of its keys (PostgreSQL's jsonb reorders them) or empty lists. An
/// approval carries the hash of the data the supervisor saw, so that the server can tell
/// whether it is still the data it holds.
pub fn content_hash(content: &Value) -> String {
    let canonical = serde_json::to_vec(&comparable_leaves(content)).unwrap_or_default();
    ring::digest::digest(&ring::digest::SHA256, &canonical)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// A digest of a station's synchronised content: its directorate's full files (id, server
/// version, content hash) and the index entries of the others (id, version), in id order.
/// A station that has converged computes the same digest as the server computes for its
/// directorate, so "nothing lost, nothing duplicated" can be checked with one comparison.
pub fn replica_checksum(
    files: impl IntoIterator<Item = (uuid::Uuid, i64, String)>,
    index: impl IntoIterator<Item = (uuid::Uuid, i64)>,
) -> String {
    let mut files: Vec<_> = files.into_iter().collect();
    files.sort();
    let mut index: Vec<_> = index.into_iter().collect();
    index.sort();
    let mut ctx = ring::digest::Context::new(&ring::digest::SHA256);
    for (id, version, hash) in &files {
        ctx.update(format!("file {id} {version} {hash}\n").as_bytes());
    }
    for (id, version) in &index {
        ctx.update(format!("index {id} {version}\n").as_bytes());
    }
    ctx.finish()
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment<'a> {
    Field(&'a str),
    /// An item of a list keyed by `id`.
    Item(&'a str, &'a str),
}

fn segments(path: &str) -> Result<Vec<Segment<'_>>, PathError> {
    let bad = || PathError::Malformed(path.to_string());
    let mut out = Vec::new();
    let mut rest = path;
    loop {
        let end = rest.find(['.', '[']).unwrap_or(rest.len());
        let name = &rest[..end];
        if name.is_empty() {
            return Err(bad());
        }
        rest = &rest[end..];
        if let Some(after) = rest.strip_prefix('[') {
            let close = after.find(']').ok_or_else(bad)?;
            let id = &after[..close];
            if id.is_empty() {
                return Err(bad());
            }
            out.push(Segment::Item(name, id));
            rest = &after[close + 1..];
        } else {
            out.push(Segment::Field(name));
        }
        if rest.is_empty() {
            return Ok(out);
        }
        rest = rest.strip_prefix('.').ok_or_else(bad)?;
    }
}

/// Sets the leaf at `path` to `new` in `doc`, creating objects and keyed list items on the
/// way when `new` is not null. Setting an item's `id` to null removes the item (that is how
/// the diff records a removed conviction or address).
pub fn apply(doc: &mut Value, path: &str, new: &Value) -> Result<(), PathError> {
    let segs = segments(path)?;
    apply_at(doc, &segs, new, path)
}

fn as_object<'v>(
    doc: &'v mut Value,
    create: bool,
    path: &str,
) -> Result<Option<&'v mut Map<String, Value>>, PathError> {
    if doc.is_null() {
        if !create {
            return Ok(None);
        }
        *doc = Value::Object(Map::new());
    }
    match doc {
        Value::Object(map) => Ok(Some(map)),
        _ => Err(PathError::Shape(path.to_string())),
    }
}

fn apply_at(doc: &mut Value, segs: &[Segment], new: &Value, path: &str) -> Result<(), PathError> {
    let create = !new.is_null();
    let Some((first, rest)) = segs.split_first() else {
        return Err(PathError::Malformed(path.to_string()));
    };
    let Some(map) = as_object(doc, create, path)? else {
        return Ok(());
    };
    match *first {
        Segment::Field(name) => {
            if rest.is_empty() {
                // An empty list is a leaf only while the list is empty: it never replaces
                // keyed items, which come and go through their own paths (a concurrent
                // station may have added one).
                let keeps_items = new.as_array().is_some_and(Vec::is_empty)
                    && map
                        .get(name)
                        .and_then(Value::as_array)
                        .is_some_and(|items| is_keyed(items));
                if !keeps_items && (create || map.contains_key(name)) {
                    map.insert(name.to_string(), new.clone());
                }
                return Ok(());
            }
            if !create && !map.contains_key(name) {
                return Ok(());
            }
            let child = map.entry(name.to_string()).or_insert(Value::Null);
            apply_at(child, rest, new, path)
        }
        Segment::Item(name, id) => {
            if rest.is_empty() {
                // A keyed item is never itself a leaf: its fields are.
                return Err(PathError::Malformed(path.to_string()));
            }
            let list = map.entry(name.to_string()).or_insert(Value::Null);
            if list.is_null() {
                if !create {
                    return Ok(());
                }
                *list = Value::Array(Vec::new());
            }
            let Value::Array(items) = list else {
                return Err(PathError::Shape(path.to_string()));
            };
            let position = items
                .iter()
                .position(|v| v.get("id").and_then(Value::as_str) == Some(id));
            let removes_item = !create && rest == [Segment::Field("id")];
            match position {
                None if !create => Ok(()),
                None => {
                    let mut item = Map::new();
                    item.insert("id".into(), Value::String(id.to_string()));
                    items.push(Value::Object(item));
                    let last = items.len() - 1;
                    apply_at(&mut items[last], rest, new, path)
                }
                Some(i) if removes_item => {
                    items.remove(i);
                    Ok(())
                }
                Some(i) => apply_at(&mut items[i], rest, new, path),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn photo_document(bytes: &[u8]) -> Value {
        let photo = Photo {
            id: uuid::Uuid::from_u128(1),
            file_id: uuid::Uuid::from_u128(2),
            taken_on: chrono::NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            taken_by: "clerk".into(),
            media_type: regjistri_domain::photo::MediaType::Png,
            byte_len: bytes.len() as u32,
            width: regjistri_demo::photos::WIDTH,
            height: regjistri_demo::photos::HEIGHT,
            sha256: sha256_hex(bytes),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            void: None,
        };
        serde_json::to_value(PhotoDocument {
            photo,
            data: encode_bytes(bytes),
        })
        .unwrap()
    }

    #[test]
    fn a_photo_document_must_hold_the_photo_it_describes() {
        let bytes = regjistri_demo::photos::avatar(7);
        let good = photo_document(&bytes);
        let (parsed, back) = PhotoDocument::parse(&good).unwrap();
        assert_eq!(back, bytes);
        assert_eq!(parsed.photo.sha256, sha256_hex(&bytes));
        let with = |path: &str, v: Value| {
            let mut d = good.clone();
            apply(&mut d, path, &v).unwrap();
            d
        };
        let other = regjistri_demo::photos::avatar(8);
        let cases = [
            (with("data", json!("%%%")), PhotoRefusal::Encoding),
            (
                with("data", json!(encode_bytes(b"GIF89a"))),
                PhotoRefusal::Image("photo_format"),
            ),
            (
                with("data", json!(encode_bytes(&other))),
                PhotoRefusal::Mismatch,
            ),
            (with("sha256", json!("00")), PhotoRefusal::Mismatch),
            (with("width", json!(10)), PhotoRefusal::Mismatch),
            (with("byte_len", json!(1)), PhotoRefusal::Mismatch),
            (
                with("media_type", json!("image/jpeg")),
                PhotoRefusal::Mismatch,
            ),
            (with("media_type", json!("image/gif")), PhotoRefusal::Shape),
            (json!({"id": "x"}), PhotoRefusal::Shape),
        ];
        for (doc, refusal) in cases {
            assert_eq!(
                PhotoDocument::parse(&doc).err(),
                Some(refusal),
                "{refusal:?}"
            );
        }
    }

    #[test]
    fn a_stored_photo_only_gains_a_void_once() {
        let good = photo_document(&regjistri_demo::photos::avatar(7));
        let void =
            json!({"reason": "wrong person", "by": "supervisor", "at": "2026-12-02T10:00:00Z"});
        let mut voided = good.clone();
        voided["void"] = void.clone();
        let mut revoided = voided.clone();
        revoided["void"]["reason"] = json!("another reason");
        let mut unvoided = voided.clone();
        unvoided["void"] = Value::Null;
        let mut retaken = good.clone();
        retaken["taken_on"] = json!("2026-11-30");
        let mut rebytes = good.clone();
        rebytes["data"] = json!(encode_bytes(&regjistri_demo::photos::avatar(8)));
        let mut bad_void = good.clone();
        bad_void["void"] = json!({"reason": 3});
        let cases = [
            (&good, &good, true),
            (&good, &voided, true),
            (&voided, &voided, true),
            (&voided, &revoided, false),
            (&voided, &unvoided, false),
            (&good, &retaken, false),
            (&good, &rebytes, false),
            (&good, &bad_void, false),
        ];
        for (i, (before, after, ok)) in cases.into_iter().enumerate() {
            assert_eq!(
                PhotoDocument::change_allowed(before, after).is_ok(),
                ok,
                "case {i}"
            );
        }
    }

    #[test]
    fn paths_parse_into_fields_and_keyed_items() {
        assert_eq!(
            segments("data.convictions[0190-ab].final_date").unwrap(),
            vec![
                Segment::Field("data"),
                Segment::Item("convictions", "0190-ab"),
                Segment::Field("final_date")
            ]
        );
        for bad in ["", ".a", "a.", "a..b", "a[", "a[]", "a[x]b", "[x].a"] {
            assert!(segments(bad).is_err(), "{bad:?} should be refused");
        }
    }

    #[test]
    fn applying_a_diff_reproduces_the_new_document() {
        let old = json!({"status": "approved", "data": {"identity": {"surname": "Hoxha", "nid": null,
            "citizenships": ["AL"]}, "convictions": [{"id": "a", "court": "x"}, {"id": "b", "court": "y"}],
            "addresses": []}});
        let new = json!({"status": "amended", "data": {"identity": {"surname": "Hoxhaj", "nid": "G80218157A",
            "citizenships": ["AL", "IT"]}, "convictions": [{"id": "b", "court": "z"}],
            "addresses": [{"id": "c", "street": "Rr. e Durrësit"}]}});
        let mut doc = old.clone();
        for c in diff(&old, &new) {
            apply(&mut doc, &c.path, &c.new).unwrap();
        }
        assert_eq!(leaves(&doc), leaves(&new));
        // And back: removing the last item leaves an empty list, as the station has.
        for c in diff(&new, &old) {
            apply(&mut doc, &c.path, &c.new).unwrap();
        }
        assert_eq!(leaves(&doc), leaves(&old));
        assert_eq!(doc["data"]["addresses"], json!([]));
    }

    #[test]
    fn content_hash_ignores_key_order_and_empty_lists_but_not_values() {
        let a = json!({"identity": {"surname": "Hoxha", "given_name": "Arben"}, "addresses": []});
        let b: Value =
            serde_json::from_str(r#"{"identity": {"given_name": "Arben", "surname": "Hoxha"}}"#)
                .unwrap();
        assert_eq!(content_hash(&a), content_hash(&b));
        assert_eq!(content_hash(&a).len(), 64);
        let c = json!({"identity": {"surname": "Hoxhaj", "given_name": "Arben"}});
        assert_ne!(content_hash(&a), content_hash(&c));
    }

    #[test]
    fn a_path_through_a_leaf_is_refused() {
        let mut doc = json!({"status": "approved"});
        assert!(matches!(
            apply(&mut doc, "status.x", &json!(1)),
            Err(PathError::Shape(_))
        ));
    }

    fn document() -> impl Strategy<Value = Value> {
        let item = ("[a-c]", proptest::option::of(0i32..3), "[xy]{0,2}")
            .prop_map(|(id, n, s)| json!({"id": id, "n": n, "s": s}));
        (
            proptest::option::of("[a-c]{1,3}"),
            proptest::collection::btree_map("[a-c]", item, 0..3),
            proptest::collection::vec("[A-C]{2}", 0..3),
        )
            .prop_map(|(name, items, tags)| {
                let items: Vec<Value> = items
                    .into_iter()
                    .map(|(id, mut v)| {
                        v["id"] = json!(id);
                        v
                    })
                    .collect();
                json!({"identity": {"surname": name, "tags": tags}, "items": items})
            })
    }

    proptest! {
        #[test]
        fn apply_of_diff_is_the_target(old in document(), new in document()) {
            let mut doc = old.clone();
            for c in diff(&old, &new) {
                apply(&mut doc, &c.path, &c.new).unwrap();
            }
            prop_assert_eq!(leaves(&doc), leaves(&new));
        }
    }
}
