//! The OpenAPI 3.1 description of every endpoint, written by hand beside the router and
//! served at `/openapi.json`. A test holds its paths equal to [`ROUTES`], and another calls
//! every route in [`ROUTES`] through the real router.

use serde_json::{json, Value};

/// Every route the router serves: (method, path).
pub const ROUTES: &[(&str, &str)] = &[
    ("get", "/v1/station"),
    ("post", "/v1/push"),
    ("get", "/v1/pull"),
    ("post", "/v1/audit"),
    ("get", "/v1/conflicts"),
    ("post", "/v1/conflicts/{id}/resolve"),
    ("post", "/v1/files/{id}/fetch"),
    ("post", "/v1/rules"),
    ("get", "/openapi.json"),
];

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
                    hold back the others.",
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
                    "400": error_response("invalid_request: a path outside the conflict, or values that make the file invalid"),
                    "404": error_response("conflict_not_found"),
                    "409": error_response("conflict_resolved, or own_work (the decider's own change)")
                }))
            }},
            "/v1/files/{id}/fetch": {"post": {
                "operationId": "fetchFile",
                "summary": "The full file of any directorate, online only, with a reason",
                "description": "Who asked and why are kept in the access log; the fetch is audited.",
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
            {"type": "object", "required": ["kind", "seq", "id", "version", "document"], "properties": {
                "kind": {"const": "record"}, "seq": {"type": "integer"}, "id": {"type": "string", "format": "uuid"},
                "version": {"type": "integer"},
                "document": {"type": "object", "description": "a record about a file of the station's directorate (regjistri_domain::records::FileRecord)"}}},
            {"type": "object", "required": ["kind", "seq", "id", "version", "document"], "properties": {
                "kind": {"const": "photo"}, "seq": {"type": "integer"}, "id": {"type": "string", "format": "uuid"},
                "version": {"type": "integer"},
                "document": {"type": "object", "description": "a photo of a person of the station's directorate (regjistri_domain::photo::Photo: id, file_id, taken_on, taken_by, media_type image/jpeg or image/png, byte_len, width, height, sha256, recorded_at, void) and its bytes base64 in `data` (at most 512 KiB). Pushed as entity photo; never edited, voided once (else rejected photo_changed)"}}},
            {"type": "object", "required": ["kind", "seq", "id", "version", "entry"], "properties": {
                "kind": {"const": "index"}, "seq": {"type": "integer"}, "id": {"type": "string", "format": "uuid"},
                "version": {"type": "integer"}, "entry": {"$ref": "#/components/schemas/IndexEntry"}}},
            {"type": "object", "required": ["kind", "seq", "id", "version", "document"], "properties": {
                "kind": {"enum": ["notice", "rule_set", "user"]}, "seq": {"type": "integer"}, "id": {"type": "string", "format": "uuid"},
                "version": {"type": "integer"},
                "document": {"type": "object", "description": "notice: a rule-change notice of a file of the station's directorate (RuleNotice); rule_set: a national rule version with its author; user: an account of the station's directorate, or an administrator or auditor (user name, role, directorate, PBKDF2 salt and verifier, flags)"}}},
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
        "Conflict": {"type": "object", "properties": {
            "id": {"type": "string", "format": "uuid"}, "kind": {"$ref": "#/components/schemas/ConflictKind"},
            "record_id": {"type": "string", "format": "uuid"}, "mutation_id": {"type": "string", "format": "uuid"},
            "station": {"type": "string"}, "actor": {"type": "string"}, "owning_directorate": {"type": "string"},
            "fields": {"type": "array", "items": {"$ref": "#/components/schemas/FieldConflict"}},
            "created_at": {"type": "string", "format": "date-time"}}},
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
        "FetchedFile": {"type": "object", "required": ["id", "version", "document"], "properties": {
            "id": {"type": "string", "format": "uuid"}, "version": {"type": "integer", "format": "int64"},
            "document": {"type": "object"}}},
        "ConflictList": {"type": "object", "required": ["conflicts"], "properties": {
            "conflicts": {"type": "array", "items": {"$ref": "#/components/schemas/Conflict"}}}}
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeSet;

    #[test]
    fn the_description_lists_exactly_the_routes() {
        let doc = document();
        let described: BTreeSet<(String, String)> = doc["paths"]
            .as_object()
            .unwrap()
            .iter()
            .flat_map(|(path, ops)| {
                ops.as_object()
                    .unwrap()
                    .keys()
                    .map(move |m| (m.clone(), path.clone()))
            })
            .collect();
        let served: BTreeSet<(String, String)> = ROUTES
            .iter()
            .map(|(m, p)| (m.to_string(), p.to_string()))
            .collect();
        assert_eq!(described, served);
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
}
