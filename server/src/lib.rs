//! `regjistri-server`: the central directorate server, a thin shell over
//! `regjistri-central`: mutual TLS with rustls and the server's own CA ([`pki`], [`tls`]),
//! the axum routes ([`http`]), their OpenAPI description ([`openapi`]), and the
//! administrator's commands ([`commands`]: init, serve, enrol-station).
//!
//! Invariants: no logic beyond parsing, calling `Central` and mapping errors; no panic
//! across HTTP and no unwrap on a run-time failure; log lines carry ids and codes only.

pub mod commands;
pub mod http;
pub mod openapi;
pub mod pki;
pub mod tls;
