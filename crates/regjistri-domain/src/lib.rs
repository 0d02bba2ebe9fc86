//! The domain of Regjistri: offender files and the rules about them (DOMAIN.md).
//!
//! Invariants: no I/O, no storage, no Tauri or HTTP; time and ids are passed in.

pub mod access;
pub mod clock;
pub mod compliance;
pub mod dates;
pub mod diff;
pub mod file;
pub mod message;
pub mod names;
pub mod nid;
pub mod password;
pub mod photo;
pub mod records;
pub mod reference;
pub mod rules;
pub mod validate;

pub use message::{FieldError, Severity, Text};
