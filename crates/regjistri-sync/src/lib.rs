//! Synchronisation between stations and the central directorate server, without I/O:
//!
//! * [`protocol`]: the JSON types that travel (push, pull, audit upload, errors);
//! * [`merge`]: the field-level merge rules, one pure function, never last-writer-wins;
//! * [`document`]: a record's content as leaves keyed by the change log's paths;
//! * [`audit_chain`]: the station audit hash chain, computed as the station's store does;
//! * [`schedule`]: when the background round runs next (jitter, backoff after failures);
//! * with the `client` feature, `client` (reqwest over rustls, timeouts, retry with backoff
//!   and jitter) and `worker` (one synchronisation round over a `Replica` of the station's
//!   store).
//!
//! Invariants: no HTTP server, no database, no Tauri; no personal value in any error text.

pub mod audit_chain;
#[cfg(feature = "client")]
pub mod client;
pub mod document;
pub mod merge;
pub mod protocol;
pub mod schedule;
#[cfg(feature = "client")]
pub mod worker;

pub use merge::{merge, ConflictKind, Current, FieldConflict, Merge, Rejection};
