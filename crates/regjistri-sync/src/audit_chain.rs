//! The station audit chain as the server checks it. The hash is computed exactly as
//! `regjistri-store` computes it (SHA-256 over the previous hash, a newline and the event as
//! a JSON array of its fields in fixed order); the tests prove it on events a real store made.

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
    use chrono::{TimeZone, Utc};
    use regjistri_store::{Actor, AuditEvent, DbKey, KeyStore, KeyStoreError, Store};
    use std::collections::HashMap;
    use std::sync::Mutex;

    /// A key store in memory: the audit chain does not depend on where the key lives.
    #[derive(Default)]
    struct MemoryKeys(Mutex<HashMap<String, DbKey>>);

    impl KeyStore for MemoryKeys {
        fn get(&self, account: &str) -> Result<Option<DbKey>, KeyStoreError> {
            Ok(self
                .0
                .lock()
                .map_err(|_| KeyStoreError::Locked)?
                .get(account)
                .cloned())
        }
        fn set(&self, account: &str, key: &DbKey) -> Result<(), KeyStoreError> {
            self.0
                .lock()
                .map_err(|_| KeyStoreError::Locked)?
                .insert(account.into(), key.clone());
            Ok(())
        }
        fn delete(&self, account: &str) -> Result<(), KeyStoreError> {
            self.0
                .lock()
                .map_err(|_| KeyStoreError::Locked)?
                .remove(account);
            Ok(())
        }
    }

    /// Events made by a real station store, in wire form.
    pub(crate) fn store_events(n: usize) -> Vec<AuditEventWire> {
        let dir = tempfile::tempdir().unwrap();
        let keys = MemoryKeys::default();
        let now = Utc.with_ymd_and_hms(2026, 3, 1, 9, 30, 0).unwrap();
        let mut store = Store::open(&dir.path().join("s.db"), &keys, now).unwrap();
        let actor = Actor {
            user: "arta.kola".into(),
            station: "st-tr-01".into(),
        };
        for i in 0..n {
            store
                .record(
                    &actor,
                    now + chrono::Duration::seconds(i as i64),
                    &AuditEvent {
                        action: "file.view".into(),
                        object_type: "offender_file".into(),
                        object_id: format!("file-{i}"),
                        outcome: "ok".into(),
                    },
                )
                .unwrap();
        }
        store
            .audit_events(0, 10_000)
            .unwrap()
            .into_iter()
            .map(|e| AuditEventWire {
                seq: e.seq,
                id: e.id,
                at: e.at,
                actor: e.actor,
                station: e.station,
                action: e.action,
                object_type: e.object_type,
                object_id: e.object_id,
                outcome: e.outcome,
                prev_hash: e.prev_hash,
                hash: e.hash,
            })
            .collect()
    }

    #[test]
    fn the_store_and_the_server_compute_the_same_chain() {
        let events = store_events(4);
        assert_eq!(events.len(), 4);
        assert_eq!(events[0].prev_hash, GENESIS);
        assert_eq!(
            continue_chain(0, GENESIS, &events),
            Ok((4, events[3].hash.clone()))
        );
        // In two uploads, the second continuing where the first ended.
        let (seq, hash) = continue_chain(0, GENESIS, &events[..2]).unwrap();
        assert_eq!(
            continue_chain(seq, &hash, &events[2..]),
            Ok((4, events[3].hash.clone()))
        );
        // Repeating events the server has is not a break here.
        assert_eq!(
            continue_chain(seq, &hash, &events),
            Ok((4, events[3].hash.clone()))
        );
    }

    #[test]
    fn gaps_forks_and_edits_are_refused() {
        let events = store_events(4);
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
}
