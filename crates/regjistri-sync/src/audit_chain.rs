//! The station audit chain as the server checks it. The hash is computed exactly as
//! `regjistri-store` computes it (SHA-256 over the previous hash, a newline and the event as
//! a JSON array of its fields in fixed order); the store uses this very function.

use ring::digest::{digest, SHA256};

use crate::protocol::AuditEventWire;

/// The `prev_hash` of a station's first event.
pub const GENESIS: &str = "0000000000000000000000000000000000000000000000000000000000000000";

fn canonical(e: &AuditEventWire) -> String {
    serde_json::Value::from(vec![
        e.id.as_str(),
        e.at.as_str(),
        e.actor.as_str(),
        e.station.as_str(),
        e.action.as_str(),
        e.object_type.as_str(),
        e.object_id.as_str(),
        e.outcome.as_str(),
    ])
    .to_string()
}

/// The hash an event must carry when it follows `prev`.
pub fn chain_hash(prev: &str, e: &AuditEventWire) -> String {
    let input = format!("{prev}\n{}", canonical(e));
    digest(&SHA256, input.as_bytes())
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why an upload does not continue a station's chain.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ChainBreak {
    /// The events do not start right after the server's head (a missing stretch).
    #[error("gap before event {seq}")]
    Gap { seq: i64 },
    /// The event claims another predecessor, or a different event at a number the server
    /// already has: the station's history was rewritten.
    #[error("fork at event {seq}")]
    Fork { seq: i64 },
    /// The event's hash is not the hash of its content.
    #[error("event {seq} does not match its hash")]
    BadHash { seq: i64 },
}

/// Checks that `events` continue the chain whose last verified event is
/// (`head_seq`, `head_hash`). Events at or before the head are not checked here (the caller
/// compares them with what it stored). Returns the new head.
pub fn continue_chain(
    head_seq: i64,
    head_hash: &str,
    events: &[AuditEventWire],
) -> Result<(i64, String), ChainBreak> {
    let mut seq = head_seq;
    let mut prev = head_hash.to_string();
    for e in events.iter().filter(|e| e.seq > head_seq) {
        if e.seq != seq + 1 {
            return Err(ChainBreak::Gap { seq: e.seq });
        }
        if e.prev_hash != prev {
            return Err(ChainBreak::Fork { seq: e.seq });
        }
        if chain_hash(&prev, e) != e.hash {
            return Err(ChainBreak::BadHash { seq: e.seq });
        }
        seq = e.seq;
        prev = e.hash.clone();
    }
    Ok((seq, prev))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A chain built here; that a real station store makes the same chain is tested in
    /// `regjistri-store` (tests/audit_chain.rs), which uses this module for its hashes.
    fn events(n: i64) -> Vec<AuditEventWire> {
        let mut prev = GENESIS.to_string();
        (1..=n)
            .map(|seq| {
                let mut e = AuditEventWire {
                    seq,
                    id: format!("0190-{seq}"),
                    at: "2026-03-01T09:30:00.000000Z".into(),
                    actor: "arta.kola".into(),
                    station: "st-tr-01".into(),
                    action: "file.view".into(),
                    object_type: "offender_file".into(),
                    object_id: format!("file-{seq}"),
                    outcome: "ok".into(),
                    prev_hash: prev.clone(),
                    hash: String::new(),
                };
                e.hash = chain_hash(&prev, &e);
                prev = e.hash.clone();
                e
            })
            .collect()
    }

    #[test]
    fn a_chain_continues_in_parts_and_repeats_are_not_breaks() {
        let events = events(4);
        assert_eq!(
            continue_chain(0, GENESIS, &events),
            Ok((4, events[3].hash.clone()))
        );
        let (seq, hash) = continue_chain(0, GENESIS, &events[..2]).unwrap();
        assert_eq!(
            continue_chain(seq, &hash, &events[2..]),
            Ok((4, events[3].hash.clone()))
        );
        assert_eq!(
            continue_chain(seq, &hash, &events),
            Ok((4, events[3].hash.clone()))
        );
    }

    #[test]
    fn gaps_forks_and_edits_are_refused() {
        let events = events(4);
        assert_eq!(
            continue_chain(1, &events[0].hash, &events[2..]),
            Err(ChainBreak::Gap { seq: 3 })
        );
        assert_eq!(
            continue_chain(2, &events[0].hash, &events[2..]),
            Err(ChainBreak::Fork { seq: 3 })
        );
        let mut edited = events.clone();
        edited[1].object_id = "another-file".into();
        assert_eq!(
            continue_chain(0, GENESIS, &edited),
            Err(ChainBreak::BadHash { seq: 2 })
        );
    }

    #[test]
    fn the_canonical_form_is_a_json_array_in_fixed_order() {
        let e = &events(1)[0];
        assert_eq!(
            canonical(e),
            r#"["0190-1","2026-03-01T09:30:00.000000Z","arta.kola","st-tr-01","file.view","offender_file","file-1","ok"]"#
        );
    }
}
