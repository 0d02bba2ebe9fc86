//! The OpenAPI 3.1 description of every endpoint, written by hand beside the router and
//! served at `/openapi.json`. Tests hold it to the code: its paths and methods equal the
//! router's own list ([`crate::http::routes`]); a sample of every wire type and every variant
//! (each kind of pull item, each outcome, each kind of conflict), serialised by the real
//! types, validates against the schema of the route that carries it, with undescribed fields
//! refused; and another test calls every described route through the real router.

use serde_json::{json, Value};

fn error_response(description: &str) -> Value {
    json!({"description": description,
           "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}})
}

fn ok(schema: &str) -> Value {
    json!({"description": "OK",
           "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

fn body(schema: &str) -> Value {
    json!({"required": true,
           "content": {"application/json": {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}})
}

pub fn document() -> Value {
    let common = json!({
        "403": error_response("station_unknown: no enrolled, enabled station behind the client certificate"),
        "503": error_response("database_unavailable or timeout: try again later")
    });
    let with = |extra: Value| {
        let mut all = common.clone();
        if let (Some(a), Some(e)) = (all.as_object_mut(), extra.as_object()) {
            a.extend(e.clone());
        }
        all
    };
    json!({
        "openapi": "3.1.0",
        "info": {
            "title": "Regjistri central server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Synchronisation between stations and the central directorate server. \
                Every request is made over mutual TLS: the station presents the client certificate \
                issued to it at enrolment, and is identified by it. Errors carry a stable `code` and \
                the message in Albanian (`sq`) and English (`en`)."
        },
        "paths": {
            "/v1/station": {"get": {
                "operationId": "station",
                "summary": "Who the server takes this station to be",
                "responses": with(json!({"200": ok("StationInfo")}))
            }},
            "/v1/push": {"post": {
                "operationId": "push",
                "summary": "Push a batch of change-log mutations (at most 100 or 1 MB)",
                "description": "The mutation id is the idempotency key: a mutation pushed again gets \
                    the result it got the first time and is never applied twice. Each mutation gets \
                    its own result (applied, conflict, rejected); one rejected mutation does not \
                    hold back the others. A batch refused as a whole for its content (400, 413) is \
                    split by the station until the one mutation at fault is alone; that one is \
                    quarantined with the error and the others are pushed.",
                "requestBody": body("PushRequest"),
                "responses": with(json!({
                    "200": ok("PushResponse"),
                    "400": error_response("invalid_request"),
                    "413": error_response("batch_too_large")
                }))
            }},
            "/v1/pull": {"get": {
                "operationId": "pull",
                "summary": "One page of the feed after a cursor",
                "description": "Items in strictly increasing `seq`: full files of the station's \
                    directorate (with their records and photos), index entries of the others, \
                    tombstones. A page holds at most `limit` items and stops at the item that \
                    takes its documents past 4 MiB as stored (the first item always comes), so \
                    `more` may be true on a page shorter than `limit`. Store `next_cursor` in \
                    the same local transaction that applied the page; ask again while `more`.",
                "parameters": [
                    {"name": "after", "in": "query", "schema": {"type": "integer", "format": "int64", "minimum": 0, "default": 0},
                     "description": "The cursor: the last `seq` applied (0 for a full snapshot)"},
                    {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1, "maximum": 1000, "default": 500}},
                    {"name": "count", "in": "query", "schema": {"type": "boolean", "default": false}, "description": "also count the entries after the page (remaining)"}
                ],
                "responses": with(json!({
                    "200": ok("PullPage"),
                    "400": error_response("invalid_request"),
                    "410": error_response("resnapshot_required: pull again from after=0")
                }))
            }},
            "/v1/audit": {"post": {
                "operationId": "pushAudit",
                "summary": "Upload the station's audit events, continuing its hash chain",
                "requestBody": body("AuditPush"),
                "responses": with(json!({
                    "200": ok("AuditAccepted"),
                    "400": error_response("invalid_request"),
                    "409": error_response("audit_chain_gap, audit_chain_fork or audit_hash_mismatch"),
                    "413": error_response("batch_too_large")
                }))
            }},
            "/v1/conflicts": {"get": {
                "operationId": "conflicts",
                "summary": "Open conflicts of the station's directorate, for its supervisors",
                "responses": with(json!({"200": ok("ConflictList")}))
            }},
            "/v1/conflicts/{id}/resolve": {"post": {
                "operationId": "resolveConflict",
                "summary": "A supervisor's decision on an open conflict of the station's directorate",
                "description": "The value kept for each contested path (the server's, the station's, \
                    or one the supervisor typed) becomes a new version of the record; no values \
                    closes the conflict and keeps the server's content. The station checks the \
                    supervisor's role; four eyes are checked on both sides: neither the officer \
                    whose change collided nor anyone who changed the file since its last approval \
                    decides. A decision never sets status to approved.",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                "requestBody": body("ResolveRequest"),
                "responses": with(json!({
                    "200": ok("Resolved"),
                    "400": error_response("invalid_request (a path outside the conflict, or a decision that would approve the file), or choice_invalid (a value that does not fit its field, or makes the file, record or notice invalid: the conflict stays open)"),
                    "404": error_response("conflict_not_found"),
                    "409": error_response("conflict_resolved (decided already, by another decision: the same decision repeated by the same supervisor at the same station, as after a lost reply, gets the first answer), or own_work (the decider's own change)")
                }))
            }},
            "/v1/files/{id}/fetch": {"post": {
                "operationId": "fetchFile",
                "summary": "The full file of any directorate, online only, with a reason",
                "description": "Who asked and why are kept in the access log; the fetch is audited. \
                    With the file come what judges whether the person is registered: the data \
                    that stands approved and the first approval (absent when never approved), \
                    and the file's records and rule notices as the server holds them. The \
                    station derives compliance from these with its own national rule book and \
                    today's date. Never the file's photos, never another record.",
                "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string", "format": "uuid"}}],
                "requestBody": body("FetchRequest"),
                "responses": with(json!({
                    "200": ok("FetchedFile"),
                    "400": error_response("invalid_request: a reason of 1 to 500 characters is required"),
                    "404": error_response("record_not_found")
                }))
            }},
            "/v1/rules": {"post": {
                "operationId": "proposeRules",
                "summary": "A new national rule version, proposed by an administrator at a station of the central administration",
                "description": "Only from a station enrolled with --administration (403 administration_only otherwise). Checked (values in range, effective today or later and not before the latest version), numbered after the latest national version (the provisional defaults are version 1 everywhere) and sent to every station by the feed. The proposal's id makes it idempotent: a retry gets the version made the first time.",
                "requestBody": body("RuleProposal"),
                "responses": with(json!({
                    "200": ok("RuleSetCreated"),
                    "400": error_response("invalid_request: values out of range, a past effective date, or one before the latest version"),
                    "403": error_response("station_unknown, or administration_only: the calling station is not a station of the central administration")
                }))
            }},
            "/openapi.json": {"get": {
                "operationId": "openapi",
                "summary": "This description",
                "responses": {"200": {"description": "OK", "content": {"application/json": {"schema": {"type": "object"}}}}}
            }}
        },
        "components": {"schemas": schemas()}
    })
}

/// A pull item that carries a record's document: `kind` names what the document is.
fn feed_document(kind: &str, what: &str) -> Value {
    json!({"type": "object", "required": ["kind", "seq", "id", "version", "document"], "properties": {
        "kind": {"const": kind}, "seq": {"type": "integer"}, "id": {"type": "string", "format": "uuid"},
        "version": {"type": "integer"},
        "document": {"type": "object", "description": what}}})
}

fn schemas() -> Value {
    json!({
        "Error": {"type": "object", "required": ["code", "message"], "properties": {
            "code": {"type": "string"},
            "message": {"$ref": "#/components/schemas/Text"}}},
        "Text": {"type": "object", "required": ["sq", "en"], "properties": {
            "sq": {"type": "string"}, "en": {"type": "string"}}},
        "StationInfo": {"type": "object", "required": ["code", "directorate", "protocol_version"], "properties": {
            "code": {"type": "string"}, "directorate": {"type": "string"},
            "administration": {"type": "boolean", "description": "A station of the central administration: it may manage accounts of every directorate, grant the administrator and auditor roles and propose rule versions. Any other station manages its own directorate's clerks and supervisors (user mutations outside that are rejected administration_only or out_of_scope), and a national account only to change that officer's own password."},
            "protocol_version": {"type": "integer"}}},
        "FieldChange": {"type": "object", "required": ["path", "old", "new"], "properties": {
            "path": {"type": "string", "examples": ["data.identity.surname", "data.convictions[0190d0a2-…].final_date"]},
            "old": {"description": "null when the field did not exist"},
            "new": {"description": "null when the field was removed"}}},
        "Mutation": {"type": "object",
            "required": ["mutation_id", "entity", "entity_id", "base_version", "diff", "actor", "created_at"],
            "properties": {
                "mutation_id": {"type": "string", "format": "uuid", "description": "UUIDv7 made on the station; the idempotency key"},
                "entity": {"type": "string", "enum": ["offender_file", "file_record", "user", "rule_notice", "photo"]},
                "entity_id": {"type": "string", "format": "uuid"},
                "base_version": {"type": "integer", "format": "int64", "description": "The server version the station's copy came from; 0 creates"},
                "diff": {"type": "array", "items": {"$ref": "#/components/schemas/FieldChange"}},
                "actor": {"type": "string"},
                "created_at": {"type": "string", "format": "date-time"},
                "approves": {"type": "string", "description": "On a mutation that sets status to approved: the SHA-256 of the approved data's leaves (regjistri_sync::document::content_hash). The approval applies only to that same data, else it is rejected approval_outdated; it is rejected own_work when the actor changed the file since its last approval."}}},
        "PushRequest": {"type": "object", "required": ["mutations"], "properties": {
            "mutations": {"type": "array", "maxItems": 100, "items": {"$ref": "#/components/schemas/Mutation"}}}},
        "ConflictRef": {"type": "object", "required": ["id", "kind", "paths"], "properties": {
            "id": {"type": "string", "format": "uuid"},
            "kind": {"$ref": "#/components/schemas/ConflictKind"},
            "paths": {"type": "array", "items": {"type": "string"}}}},
        "ConflictKind": {"type": "string", "enum": ["same_field", "record_withdrawn", "record_deleted"]},
        "MutationResult": {"type": "object", "required": ["mutation_id", "outcome"], "properties": {
            "mutation_id": {"type": "string", "format": "uuid"},
            "outcome": {"type": "string", "enum": ["applied", "conflict", "rejected"]},
            "version": {"type": "integer", "format": "int64"},
            "conflict": {"$ref": "#/components/schemas/ConflictRef"},
            "error": {"$ref": "#/components/schemas/Error"}}},
        "PushResponse": {"type": "object", "required": ["results"], "properties": {
            "results": {"type": "array", "items": {"$ref": "#/components/schemas/MutationResult"}}}},
        "IndexKey": {"type": "object", "required": ["key", "kind", "rank"], "properties": {
            "key": {"type": "string"}, "kind": {"type": "integer"}, "rank": {"type": "integer"}}},
        "IndexEntry": {"type": "object", "required": ["owning_directorate", "status", "date_of_birth", "keys"], "properties": {
            "owning_directorate": {"type": "string"}, "status": {"type": "string"},
            "nid": {"type": ["string", "null"]}, "date_of_birth": {"type": "string", "format": "date"},
            "keys": {"type": "array", "items": {"$ref": "#/components/schemas/IndexKey"}}}},
        "PullItem": {"oneOf": [
            {"type": "object", "required": ["kind", "seq", "id", "version", "document"], "properties": {
                "kind": {"const": "file"}, "seq": {"type": "integer"}, "id": {"type": "string", "format": "uuid"},
                "version": {"type": "integer"},
                "document": {"type": "object", "description": "{status, owning_directorate, data} as the station's write path stores it"},
                "approved": {"$ref": "#/components/schemas/ApprovedCopy"},
                "updated_by": {"type": "string", "description": "who made the last change of content"},
                "authors": {"type": "array", "items": {"type": "string"}, "description": "who changed the content since the last approval, at any station"}}},
            {"type": "object", "required": ["kind", "seq", "id", "version", "entry"], "properties": {
                "kind": {"const": "index"}, "seq": {"type": "integer"}, "id": {"type": "string", "format": "uuid"},
                "version": {"type": "integer"}, "entry": {"$ref": "#/components/schemas/IndexEntry"}}},
            feed_document("record", "a record about a file of the station's directorate (regjistri_domain::records::FileRecord); it may come before its file"),
            feed_document("photo", "a photo of a person of the station's directorate (regjistri_domain::photo::Photo: id, file_id, taken_on, taken_by, media_type image/jpeg or image/png, byte_len, width, height, sha256, recorded_at, void) and its bytes base64 in `data` (at most 512 KiB). Pushed as entity photo; never edited, voided once (else rejected photo_changed)"),
            feed_document("notice", "a rule-change notice to a person of the station's directorate (regjistri_domain::records::RuleNotice)"),
            feed_document("reference", "the national reference data as a whole (regjistri_domain::reference::ReferenceSet), to every station"),
            feed_document("rule_set", "a national rule version with its author (RuleSetDocument), to every station"),
            feed_document("user", "an account of the station's directorate, or an administrator or auditor (user name, role, directorate, PBKDF2 salt and verifier, flags)"),
            {"type": "object", "required": ["kind", "seq", "id"], "properties": {
                "kind": {"const": "tombstone"}, "seq": {"type": "integer"}, "id": {"type": "string", "format": "uuid"}}}
        ], "discriminator": {"propertyName": "kind"}},
        "PullPage": {"type": "object", "required": ["items", "next_cursor", "more"], "properties": {
            "items": {"type": "array", "items": {"$ref": "#/components/schemas/PullItem"}},
            "next_cursor": {"type": "integer", "format": "int64"}, "more": {"type": "boolean"},
            "remaining": {"type": "integer", "format": "int64", "description": "feed entries after next_cursor, for a progress bar (only when count=true)"}}},
        "RuleProposal": {"type": "object", "required": ["id", "effective_from", "values", "note", "created_by"], "properties": {
            "id": {"type": "string", "format": "uuid", "description": "made at the station; the idempotency key"},
            "effective_from": {"type": "string", "format": "date"},
            "values": {"type": "object", "description": "regjistri_domain::rules::RuleValues"},
            "note": {"type": "string", "maxLength": 2000}, "created_by": {"type": "string"}}},
        "RuleSetCreated": {"type": "object", "required": ["id", "version"], "properties": {
            "id": {"type": "string", "format": "uuid"}, "version": {"type": "integer"}}},
        "ApprovedCopy": {"type": "object", "required": ["data", "by", "at", "first_at"], "properties": {
            "data": {"type": "object", "description": "the data that stands approved"},
            "by": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
            "first_at": {"type": "string", "format": "date-time", "description": "the first approval"}}},
        "AuditEvent": {"type": "object",
            "required": ["seq", "id", "at", "actor", "station", "action", "object_type", "object_id", "outcome", "prev_hash", "hash"],
            "properties": {
                "seq": {"type": "integer"}, "id": {"type": "string"}, "at": {"type": "string"},
                "actor": {"type": "string"}, "station": {"type": "string"}, "action": {"type": "string"},
                "object_type": {"type": "string"}, "object_id": {"type": "string"}, "outcome": {"type": "string"},
                "prev_hash": {"type": "string"}, "hash": {"type": "string"}}},
        "AuditPush": {"type": "object", "required": ["events"], "properties": {
            "events": {"type": "array", "maxItems": 1000, "items": {"$ref": "#/components/schemas/AuditEvent"}}}},
        "AuditAccepted": {"type": "object", "required": ["stored", "head_seq", "head_hash"], "properties": {
            "stored": {"type": "integer"}, "head_seq": {"type": "integer"}, "head_hash": {"type": "string"}}},
        "FieldConflict": {"type": "object", "required": ["path", "base", "server", "station"], "properties": {
            "path": {"type": "string"}, "base": {}, "server": {}, "station": {}}},
        "Conflict": {"type": "object",
            "required": ["id", "kind", "record_id", "mutation_id", "station", "actor", "owning_directorate", "fields", "created_at"],
            "properties": {
            "id": {"type": "string", "format": "uuid"}, "kind": {"$ref": "#/components/schemas/ConflictKind"},
            "record_id": {"type": "string", "format": "uuid"}, "mutation_id": {"type": "string", "format": "uuid"},
            "station": {"type": "string"}, "actor": {"type": "string"}, "owning_directorate": {"type": "string"},
            "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FieldConflict"}},
            "created_at": {"type": "string", "format": "date-time"},
            "authors": {"type": "array", "items": {"type": "string"}, "description": "who besides actor may not decide it (four eyes): who changed the file since its last approval, or made, voided or confirmed the record"}}},
        "ChosenValue": {"type": "object", "required": ["path", "value"], "properties": {
            "path": {"type": "string"}, "value": {}}},
        "ResolveRequest": {"type": "object", "required": ["resolved_by"], "properties": {
            "resolved_by": {"type": "string"},
            "values": {"type": "array", "items": {"$ref": "#/components/schemas/ChosenValue"}}}},
        "Resolved": {"type": "object", "required": ["conflict_id", "record_id"], "properties": {
            "conflict_id": {"type": "string", "format": "uuid"}, "record_id": {"type": "string", "format": "uuid"},
            "version": {"type": "integer", "format": "int64"}}},
        "FetchRequest": {"type": "object", "required": ["actor", "reason"], "properties": {
            "actor": {"type": "string"}, "reason": {"type": "string", "minLength": 1, "maxLength": 500}}},
        "FetchedFile": {"type": "object", "required": ["id", "version", "document", "records", "notices"], "properties": {
            "id": {"type": "string", "format": "uuid"}, "version": {"type": "integer", "format": "int64"},
            "document": {"type": "object", "description": "{status, owning_directorate, data}: the current content, which may be an amendment or a new file that nobody approved"},
            "approved": {"$ref": "#/components/schemas/ApprovedCopy"},
            "records": {"type": "array", "items": {"type": "object"}, "description": "the file's records (regjistri_domain::records::FileRecord, voided and unconfirmed ones too) as the server holds them"},
            "notices": {"type": "array", "items": {"type": "object"}, "description": "the file's rule-change notices (regjistri_domain::records::RuleNotice)"}}},
        "ConflictList": {"type": "object", "required": ["conflicts"], "properties": {
            "conflicts": {"type": "array", "items": {"$ref": "#/components/schemas/Conflict"}}}}
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveDate, TimeZone, Utc};
    use regjistri_domain::diff::FieldChange;
    use regjistri_sync::protocol::*;
    use regjistri_sync::{ConflictKind, FieldConflict};
    use serde::Serialize;
    use std::collections::{BTreeMap, BTreeSet};
    use uuid::Uuid;

    fn described_routes(doc: &Value) -> BTreeSet<(String, String)> {
        doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object()
                    .unwrap()
                    .keys()
                    .map(move |m| (m.to_uppercase(), path.clone()))
            })
            .collect()
    }

    #[test]
    fn the_description_lists_exactly_the_routes_the_router_is_built_from() {
        let served: BTreeSet<(String, String)> = crate::http::routes()
            .iter()
            .map(|r| (r.method.to_string(), r.path.to_string()))
            .collect();
        assert_eq!(described_routes(&document()), served);
    }

    #[test]
    fn every_reference_resolves() {
        let doc = document();
        let text = doc.to_string();
        for part in text.split("\"#/components/schemas/").skip(1) {
            let name = &part[..part.find('"').unwrap()];
            assert!(
                doc["components"]["schemas"].get(name).is_some(),
                "{name} is referenced but not described"
            );
        }
    }

    /// The components, with every described object closed (`additionalProperties: false`
    /// where the description says nothing else), so that a field the code sends and the
    /// description does not name fails too.
    fn closed(mut schema: Value) -> Value {
        fn close(v: &mut Value) {
            match v {
                Value::Object(o) => {
                    if o.contains_key("properties") && !o.contains_key("additionalProperties") {
                        o.insert("additionalProperties".into(), Value::Bool(false));
                    }
                    o.values_mut().for_each(close);
                }
                Value::Array(a) => a.iter_mut().for_each(close),
                _ => {}
            }
        }
        close(&mut schema);
        schema
    }

    /// Validates `sample` against `schema` (a schema of the description, its references
    /// resolved in the description's components); the errors, if any.
    fn problems(components: &Value, schema: &Value, sample: &Value) -> Vec<String> {
        let mut root = schema.clone();
        root["components"] = components.clone();
        let validator = jsonschema::options()
            .with_draft(jsonschema::Draft::Draft202012)
            .should_validate_formats(true)
            .build(&root)
            .expect("the description's schema compiles");
        validator
            .iter_errors(sample)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect()
    }

    fn value<T: Serialize>(t: &T) -> Value {
        serde_json::to_value(t).unwrap()
    }

    fn at() -> chrono::DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 5, 4, 8, 0, 0).unwrap()
    }

    fn id(n: u128) -> Uuid {
        Uuid::from_u128(0x0196_0000_0000_7000_8000_0000_0000_0000 + n)
    }

    /// Which variant of the feed an item is. Exhaustive on purpose: a new variant fails to
    /// compile here until it gets a sample below and the count is raised.
    fn pull_kind(item: &PullItem) -> usize {
        match item {
            PullItem::File { .. } => 0,
            PullItem::Index { .. } => 1,
            PullItem::Record { .. } => 2,
            PullItem::Notice { .. } => 3,
            PullItem::Reference { .. } => 4,
            PullItem::RuleSet { .. } => 5,
            PullItem::User { .. } => 6,
            PullItem::Tombstone { .. } => 7,
            PullItem::Photo { .. } => 8,
        }
    }
    const PULL_KINDS: usize = 9;

    fn outcome_kind(o: Outcome) -> usize {
        match o {
            Outcome::Applied => 0,
            Outcome::Conflict => 1,
            Outcome::Rejected => 2,
        }
    }
    const OUTCOMES: usize = 3;

    fn conflict_kind(k: ConflictKind) -> usize {
        match k {
            ConflictKind::SameField => 0,
            ConflictKind::RecordWithdrawn => 1,
            ConflictKind::RecordDeleted => 2,
        }
    }
    const CONFLICT_KINDS: usize = 3;

    fn pull_items() -> Vec<PullItem> {
        let doc = json!({"any": "document"});
        let items = vec![
            PullItem::File {
                seq: 1,
                id: id(1),
                version: 1,
                document: json!({"status": "approved", "owning_directorate": "dvp-tirane", "data": {}}),
                approved: Some(ApprovedCopy {
                    data: json!({}),
                    by: "supervisor.a".into(),
                    at: at(),
                    first_at: at(),
                }),
                updated_by: Some("clerk.a".into()),
                authors: vec!["clerk.a".into()],
            },
            PullItem::File {
                seq: 2,
                id: id(2),
                version: 2,
                document: json!({"status": "pending", "owning_directorate": "dvp-tirane", "data": {}}),
                approved: None,
                updated_by: None,
                authors: Vec::new(),
            },
            PullItem::Index {
                seq: 3,
                id: id(3),
                version: 3,
                entry: IndexEntry {
                    owning_directorate: "dvp-durres".into(),
                    status: "approved".into(),
                    nid: Some("I05101999A".into()),
                    date_of_birth: NaiveDate::from_ymd_opt(1970, 1, 2).unwrap(),
                    keys: vec![IndexKey {
                        key: "hoxha".into(),
                        kind: 0,
                        rank: 1,
                    }],
                },
            },
            PullItem::Index {
                seq: 4,
                id: id(4),
                version: 4,
                entry: IndexEntry {
                    owning_directorate: "dvp-durres".into(),
                    status: "pending".into(),
                    nid: None,
                    date_of_birth: NaiveDate::from_ymd_opt(1970, 1, 2).unwrap(),
                    keys: Vec::new(),
                },
            },
            PullItem::Record {
                seq: 5,
                id: id(5),
                version: 5,
                document: doc.clone(),
            },
            PullItem::Notice {
                seq: 6,
                id: id(6),
                version: 6,
                document: doc.clone(),
            },
            PullItem::Reference {
                seq: 7,
                id: REFERENCE_ID,
                version: 7,
                document: doc.clone(),
            },
            PullItem::RuleSet {
                seq: 8,
                id: id(8),
                version: 8,
                document: doc.clone(),
            },
            PullItem::User {
                seq: 9,
                id: id(9),
                version: 9,
                document: doc.clone(),
            },
            PullItem::Photo {
                seq: 11,
                id: id(11),
                version: 11,
                document: doc,
            },
            PullItem::Tombstone {
                seq: 10,
                id: id(10),
            },
        ];
        let kinds: BTreeSet<usize> = items.iter().map(pull_kind).collect();
        assert_eq!(
            kinds.len(),
            PULL_KINDS,
            "a sample of every kind of pull item"
        );
        items
    }

    fn error() -> WireError {
        WireError::new("out_of_scope", "Jashtë fushës.", "Out of scope.")
    }

    fn mutation(n: u128, approves: Option<String>) -> Mutation {
        Mutation {
            mutation_id: id(100 + n),
            entity: ENTITY_OFFENDER_FILE.into(),
            entity_id: id(n),
            base_version: 3,
            diff: vec![FieldChange {
                path: "data.identity.surname".into(),
                old: json!("Hoxha"),
                new: json!("Hoxhaj"),
            }],
            actor: "clerk.a".into(),
            created_at: at(),
            approves,
        }
    }

    fn push_response() -> PushResponse {
        let results = vec![
            MutationResult {
                mutation_id: id(101),
                outcome: Outcome::Applied,
                version: Some(12),
                conflict: None,
                error: None,
            },
            MutationResult {
                mutation_id: id(102),
                outcome: Outcome::Conflict,
                version: Some(13),
                conflict: Some(ConflictRef {
                    id: id(200),
                    kind: ConflictKind::SameField,
                    paths: vec!["data.identity.surname".into()],
                }),
                error: None,
            },
            MutationResult {
                mutation_id: id(103),
                outcome: Outcome::Rejected,
                version: None,
                conflict: None,
                error: Some(error()),
            },
        ];
        let kinds: BTreeSet<usize> = results.iter().map(|r| outcome_kind(r.outcome)).collect();
        assert_eq!(kinds.len(), OUTCOMES, "a sample of every outcome");
        PushResponse { results }
    }

    fn conflict_list() -> ConflictList {
        let kinds = [
            ConflictKind::SameField,
            ConflictKind::RecordWithdrawn,
            ConflictKind::RecordDeleted,
        ];
        let covered: BTreeSet<usize> = kinds.iter().map(|k| conflict_kind(*k)).collect();
        assert_eq!(
            covered.len(),
            CONFLICT_KINDS,
            "a sample of every kind of conflict"
        );
        ConflictList {
            conflicts: kinds
                .iter()
                .enumerate()
                .map(|(i, kind)| ConflictView {
                    id: id(300 + i as u128),
                    kind: *kind,
                    record_id: id(1),
                    mutation_id: id(102),
                    station: "st-tr-02".into(),
                    actor: "clerk.b".into(),
                    owning_directorate: "dvp-tirane".into(),
                    fields: vec![FieldConflict {
                        path: "data.identity.surname".into(),
                        base: json!("Hoxha"),
                        server: json!("Hoxhaj"),
                        station: Value::Null,
                    }],
                    created_at: at(),
                    authors: vec!["clerk.a".into()],
                })
                .collect(),
        }
    }

    /// For every route: the bodies a station sends and the answers the server makes, each a
    /// real wire type serialised.
    /// (method, path) → (request bodies, answers).
    type Samples = BTreeMap<(&'static str, &'static str), (Vec<Value>, Vec<Value>)>;

    fn samples() -> Samples {
        let proposal = RuleProposal {
            id: id(400),
            effective_from: NaiveDate::from_ymd_opt(2027, 1, 1).unwrap(),
            values: value(&regjistri_domain::rules::RuleValues::provisional()),
            note: "Ndryshim ligjor".into(),
            created_by: "admin".into(),
        };
        BTreeMap::from([
            (
                ("GET", "/v1/station"),
                (
                    vec![],
                    vec![value(&StationInfo {
                        code: "st-tr-01".into(),
                        directorate: "dvp-tirane".into(),
                        administration: true,
                        protocol_version: PROTOCOL_VERSION,
                    })],
                ),
            ),
            (
                ("POST", "/v1/push"),
                (
                    vec![value(&PushRequest {
                        mutations: vec![mutation(1, None), mutation(2, Some("ab12".into()))],
                    })],
                    vec![value(&push_response())],
                ),
            ),
            (
                ("GET", "/v1/pull"),
                (
                    vec![],
                    vec![
                        value(&PullPage {
                            items: pull_items(),
                            next_cursor: 10,
                            more: true,
                            remaining: Some(20),
                        }),
                        value(&PullPage {
                            items: Vec::new(),
                            next_cursor: 10,
                            more: false,
                            remaining: None,
                        }),
                    ],
                ),
            ),
            (
                ("POST", "/v1/audit"),
                (
                    vec![value(&AuditPush {
                        events: vec![AuditEventWire {
                            seq: 1,
                            id: id(500).to_string(),
                            at: "2026-05-04T08:00:00.000000Z".into(),
                            actor: "clerk.a".into(),
                            station: "st-tr-01".into(),
                            action: "file.view".into(),
                            object_type: "offender_file".into(),
                            object_id: id(1).to_string(),
                            outcome: "ok".into(),
                            prev_hash: "0".repeat(64),
                            hash: "1".repeat(64),
                        }],
                    })],
                    vec![value(&AuditAccepted {
                        stored: 1,
                        head_seq: 1,
                        head_hash: "1".repeat(64),
                    })],
                ),
            ),
            (
                ("GET", "/v1/conflicts"),
                (vec![], vec![value(&conflict_list())]),
            ),
            (
                ("POST", "/v1/conflicts/{id}/resolve"),
                (
                    vec![
                        value(&ResolveRequest {
                            resolved_by: "supervisor.a".into(),
                            values: vec![ChosenValue {
                                path: "data.identity.surname".into(),
                                value: json!("Hoxhaj"),
                            }],
                        }),
                        value(&ResolveRequest {
                            resolved_by: "supervisor.a".into(),
                            values: Vec::new(),
                        }),
                    ],
                    vec![
                        value(&Resolved {
                            conflict_id: id(300),
                            record_id: id(1),
                            version: Some(14),
                        }),
                        value(&Resolved {
                            conflict_id: id(300),
                            record_id: id(1),
                            version: None,
                        }),
                    ],
                ),
            ),
            (
                ("POST", "/v1/files/{id}/fetch"),
                (
                    vec![value(&FetchRequest {
                        actor: "clerk.c".into(),
                        reason: "Kontroll dublikate".into(),
                    })],
                    vec![
                        value(&FetchedFile {
                            id: id(1),
                            version: 12,
                            document: json!({"status": "amended", "owning_directorate": "dvp-tirane", "data": {}}),
                            approved: Some(ApprovedCopy {
                                data: json!({}),
                                by: "supervisor.a".into(),
                                at: at(),
                                first_at: at(),
                            }),
                            records: vec![json!({"id": id(5), "file_id": id(1)})],
                            notices: vec![json!({"id": id(6), "file_id": id(1)})],
                        }),
                        value(&FetchedFile {
                            id: id(2),
                            version: 3,
                            document: json!({"status": "pending", "owning_directorate": "dvp-tirane", "data": {}}),
                            approved: None,
                            records: Vec::new(),
                            notices: Vec::new(),
                        }),
                    ],
                ),
            ),
            (
                ("POST", "/v1/rules"),
                (
                    vec![value(&proposal)],
                    vec![value(&RuleSetCreated {
                        id: id(400),
                        version: 2,
                    })],
                ),
            ),
            (("GET", "/openapi.json"), (vec![], vec![document()])),
        ])
    }

    fn schema_of(content: &Value) -> &Value {
        &content["content"]["application/json"]["schema"]
    }

    #[test]
    fn every_wire_type_and_variant_fits_the_description_of_its_route() {
        let doc = document();
        let components = json!({"schemas": closed(doc["components"]["schemas"].clone())});
        let samples = samples();
        let sampled: BTreeSet<(String, String)> = samples
            .keys()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(sampled, described_routes(&doc), "samples for every route");
        let mut checked = 0;
        for ((method, path), (requests, answers)) in &samples {
            let operation = &doc["paths"][path][method.to_lowercase()];
            let request_schema = schema_of(&operation["requestBody"]);
            assert_eq!(
                request_schema.is_null(),
                requests.is_empty(),
                "{method} {path}: a body is described exactly when one is sent"
            );
            for sample in requests {
                let p = problems(&components, request_schema, sample);
                assert!(p.is_empty(), "{method} {path} request: {p:?}\n{sample:#}");
                checked += 1;
            }
            let answer_schema = schema_of(&operation["responses"]["200"]);
            assert!(!answer_schema.is_null(), "{method} {path}: a 200 answer");
            for sample in answers {
                let p = problems(&components, answer_schema, sample);
                assert!(p.is_empty(), "{method} {path} answer: {p:?}\n{sample:#}");
                checked += 1;
            }
            // Every error the route describes is the one error body.
            for (status, response) in operation["responses"].as_object().unwrap() {
                if status != "200" {
                    let p = problems(&components, schema_of(response), &value(&error()));
                    assert!(p.is_empty(), "{method} {path} {status}: {p:?}");
                }
            }
        }
        let total: usize = samples.values().map(|(q, a)| q.len() + a.len()).sum();
        assert_eq!(checked, total);
    }

    #[test]
    fn the_check_itself_refuses_what_the_description_does_not_allow() {
        // The validation above is only worth something if it fails on drift: an unknown kind,
        // a field the description does not name, a missing required field.
        let doc = document();
        let components = json!({"schemas": closed(doc["components"]["schemas"].clone())});
        let page = doc["paths"]["/v1/pull"]["get"]["responses"]["200"].clone();
        let page = schema_of(&page);
        let mut unknown_kind = value(&PullPage {
            items: vec![PullItem::Tombstone { seq: 1, id: id(1) }],
            next_cursor: 1,
            more: false,
            remaining: None,
        });
        unknown_kind["items"][0]["kind"] = json!("parcel");
        let mut extra_field = value(&PullPage {
            items: vec![PullItem::Tombstone { seq: 1, id: id(1) }],
            next_cursor: 1,
            more: false,
            remaining: None,
        });
        extra_field["items"][0]["undescribed"] = json!(1);
        let mut missing = value(&PullPage {
            items: pull_items(),
            next_cursor: 1,
            more: false,
            remaining: None,
        });
        missing["items"][4]
            .as_object_mut()
            .unwrap()
            .remove("document");
        for (what, sample) in [
            ("unknown kind", unknown_kind),
            ("extra field", extra_field),
            ("missing document", missing),
        ] {
            assert!(
                !problems(&components, page, &sample).is_empty(),
                "{what} passed"
            );
        }
        // A fetched file without its records, or with a photo beside them, is not described.
        let fetched = doc["paths"]["/v1/files/{id}/fetch"]["post"]["responses"]["200"].clone();
        let fetched = schema_of(&fetched);
        let file = FetchedFile {
            id: id(1),
            version: 1,
            document: json!({}),
            approved: None,
            records: Vec::new(),
            notices: Vec::new(),
        };
        assert!(problems(&components, fetched, &value(&file)).is_empty());
        let mut without_records = value(&file);
        without_records.as_object_mut().unwrap().remove("records");
        let mut with_photos = value(&file);
        with_photos["photos"] = json!([]);
        for (what, sample) in [
            ("fetched file without records", without_records),
            ("fetched file with photos", with_photos),
        ] {
            assert!(
                !problems(&components, fetched, &sample).is_empty(),
                "{what} passed"
            );
        }
    }
}
