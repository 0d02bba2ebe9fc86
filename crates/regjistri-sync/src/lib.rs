//! Synchronisation between stations and the central directorate server, without I/O:
//!
//! * [`protocol`]: the JSON types that travel (push, pull, audit upload, errors);
//! * [`merge`]: the field-level merge rules, one pure function, never last-writer-wins;
//! * [`document`]: a record's content as leaves keyed by the change log's paths;
//! * [`audit_chain`]: the station audit hash chain, computed as the station's store does.
//!
//! Invariants: no HTTP server, no database, no Tauri; no personal value in any error text.

pub mod audit_chain;
pub mod document;
pub mod merge;
pub mod protocol;

pub use merge::{merge, ConflictKind, Current, FieldConflict, Merge, Rejection};
