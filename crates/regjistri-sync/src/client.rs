//! The station's HTTP client (feature `client`): reqwest over rustls (ring), trusting only
//! the server's CA from the station's bundle and presenting the station's certificate.
//! Every request has a connect, an idle-read and an overall timeout. Push, pull and audit
//! upload are all safe to repeat (mutation ids and audit sequence numbers make them
//! idempotent), so transport failures, timeouts, 5xx, 408 and 429 answers are retried with
//! exponential backoff and full jitter; other 4xx answers are not, nor is a TLS handshake
//! that refused a certificate (the server's or the station's): waiting does not fix that.

use std::sync::Arc;
use std::time::Duration;

use rand::Rng;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::protocol::{
    AuditAccepted, AuditEventWire, AuditPush, ChosenValue, ConflictList, FetchRequest, FetchedFile,
    Mutation, PullPage, PushRequest, PushResponse, ResolveRequest, Resolved, StationInfo,
    WireError,
};

/// What a station needs to reach the server. The key comes from the OS key store; the
/// certificates from the enrolment bundle.
pub struct Identity {
    pub certificate_pem: String,
    pub private_key_pem: String,
    pub server_ca_pem: String,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Identity { private key: … }")
    }
}

impl Identity {
    /// Splits an enrolment bundle (station certificate, private key, server CA).
    pub fn from_bundle(pem: &str) -> Result<Identity, ClientError> {
        let mut certificates = Vec::new();
        let mut key = None;
        let mut rest = pem;
        while let Some(start) = rest.find("-----BEGIN ") {
            let block = &rest[start..];
            let Some(end_marker) = block.find("-----END ") else {
                break;
            };
            let end = block[end_marker..]
                .find("-----\n")
                .map(|i| end_marker + i + 6)
                .unwrap_or(block.len());
            let text = &block[..end];
            if text.starts_with("-----BEGIN CERTIFICATE-----") {
                certificates.push(text.to_string());
            } else if text.contains("PRIVATE KEY-----") {
                key = Some(text.to_string());
            }
            rest = &block[end..];
        }
        match (certificates.as_slice(), key) {
            ([station, ca], Some(key)) => Ok(Identity {
                certificate_pem: station.clone(),
                private_key_pem: key,
                server_ca_pem: ca.clone(),
            }),
            _ => Err(ClientError::Identity(
                "a bundle holds the station certificate, its key and the server CA".into(),
            )),
        }
    }
}

#[derive(Debug, Clone)]
pub struct Settings {
    /// `https://host:port`, the host as in the server's certificate.
    pub base_url: String,
    pub connect_timeout: Duration,
    /// Longest wait for the next bytes of an answer (a stalled server).
    pub idle_timeout: Duration,
    /// Longest time for one whole request.
    pub overall_timeout: Duration,
    /// Attempts after the first.
    pub retries: u32,
    pub backoff_base: Duration,
    pub backoff_max: Duration,
}

impl Settings {
    pub fn new(base_url: impl Into<String>) -> Settings {
        Settings {
            base_url: base_url.into(),
            connect_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(30),
            overall_timeout: Duration::from_secs(120),
            retries: 5,
            backoff_base: Duration::from_millis(250),
            backoff_max: Duration::from_secs(30),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ClientError {
    #[error("identity: {0}")]
    Identity(String),
    #[error("TLS: {0}")]
    Tls(#[from] rustls::Error),
    /// The server could not be reached or did not answer, after every retry.
    #[error("unreachable after {attempts} attempts: {last}")]
    Unreachable { attempts: u32, last: String },
    /// The server refused the request (4xx); retrying will not help.
    #[error("refused {status}: {}", error.code)]
    Refused { status: u16, error: WireError },
    /// The TLS handshake refused a certificate: `server` when this station refused the
    /// server's (expired, issued for another name, not by the CA of the enrolment), else the
    /// server refused the station's (not of its CA, expired, revoked). Not retried.
    #[error("TLS handshake refused: {error}")]
    Handshake { server: bool, error: rustls::Error },
    /// The cursor is too old: pull again from 0 (a full re-snapshot).
    #[error("resnapshot required")]
    ResnapshotRequired,
    #[error("unexpected answer: {0}")]
    Decode(String),
}

impl ClientError {
    /// The stable code to show and classify by.
    pub fn code(&self) -> &str {
        match self {
            ClientError::Identity(_) | ClientError::Tls(_) => "station_identity_invalid",
            ClientError::Unreachable { .. } => "server_unreachable",
            ClientError::Handshake { server: true, .. } => "server_certificate_invalid",
            ClientError::Handshake { server: false, .. } => "station_certificate_refused",
            ClientError::Refused { error, .. } => &error.code,
            ClientError::ResnapshotRequired => "resnapshot_required",
            ClientError::Decode(_) => "server_answer_invalid",
        }
    }
}

/// The delay before retry number `attempt` (0-based): uniformly random in
/// [0, min(max, base × 2^attempt)] ("full jitter"), so that stations that failed together
/// do not retry together. `unit` is the random draw in [0, 1).
pub fn backoff(attempt: u32, base: Duration, max: Duration, unit: f64) -> Duration {
    let ceiling = base
        .saturating_mul(2u32.saturating_pow(attempt.min(20)))
        .min(max);
    ceiling.mul_f64(unit.clamp(0.0, 1.0))
}

/// Cheap to clone: clones share the connection pool.
#[derive(Clone)]
pub struct SyncClient {
    http: reqwest::Client,
    settings: Settings,
}

impl SyncClient {
    pub fn new(identity: &Identity, settings: Settings) -> Result<SyncClient, ClientError> {
        let bad = |what: &str| ClientError::Identity(what.to_string());
        let mut roots = rustls::RootCertStore::empty();
        for ca in CertificateDer::pem_slice_iter(identity.server_ca_pem.as_bytes()) {
            roots.add(ca.map_err(|_| bad("server CA"))?)?;
        }
        let chain = CertificateDer::pem_slice_iter(identity.certificate_pem.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .map_err(|_| bad("station certificate"))?;
        let key = PrivateKeyDer::from_pem_slice(identity.private_key_pem.as_bytes())
            .map_err(|_| bad("station key"))?;
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::ring::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_client_auth_cert(chain, key)?;
        let http = reqwest::Client::builder()
            .tls_backend_preconfigured(tls)
            .connect_timeout(settings.connect_timeout)
            .read_timeout(settings.idle_timeout)
            .timeout(settings.overall_timeout)
            .pool_idle_timeout(Duration::from_secs(60))
            .http1_only()
            .no_proxy()
            .build()
            .map_err(|e| ClientError::Identity(e.to_string()))?;
        Ok(SyncClient { http, settings })
    }

    async fn call<B: Serialize, T: DeserializeOwned>(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&B>,
    ) -> Result<T, ClientError> {
        let url = format!("{}{path}", self.settings.base_url.trim_end_matches('/'));
        let mut last = String::new();
        for attempt in 0..=self.settings.retries {
            if attempt > 0 {
                let unit: f64 = rand::thread_rng().gen();
                tokio::time::sleep(backoff(
                    attempt - 1,
                    self.settings.backoff_base,
                    self.settings.backoff_max,
                    unit,
                ))
                .await;
            }
            let mut request = self.http.request(method.clone(), &url);
            if let Some(b) = body {
                request = request.json(b);
            }
            let response = match request.send().await {
                Ok(r) => r,
                Err(e) => {
                    if let Some(refused) = handshake_refusal(&e) {
                        return Err(refused);
                    }
                    last = transport(&e);
                    continue;
                }
            };
            let status = response.status();
            let bytes = match response.bytes().await {
                Ok(b) => b,
                Err(e) => {
                    if let Some(refused) = handshake_refusal(&e) {
                        return Err(refused);
                    }
                    last = transport(&e);
                    continue;
                }
            };
            if status.is_success() {
                return serde_json::from_slice(&bytes)
                    .map_err(|e| ClientError::Decode(e.to_string()));
            }
            let error: Option<WireError> = serde_json::from_slice(&bytes).ok();
            if transient(status) {
                last = format!(
                    "{status} {}",
                    error.map(|e| e.code).unwrap_or_else(|| "no code".into())
                );
                continue;
            }
            let error = error.unwrap_or_else(|| {
                WireError::new(
                    "unexpected_status",
                    "Përgjigje e papritur nga serveri.",
                    "Unexpected answer from the server.",
                )
            });
            if error.code == "resnapshot_required" {
                return Err(ClientError::ResnapshotRequired);
            }
            return Err(ClientError::Refused {
                status: status.as_u16(),
                error,
            });
        }
        Err(ClientError::Unreachable {
            attempts: self.settings.retries + 1,
            last,
        })
    }

    pub async fn station(&self) -> Result<StationInfo, ClientError> {
        self.call::<(), _>(reqwest::Method::GET, "/v1/station", None)
            .await
    }

    /// One batch (see `protocol::batches`); a retry gets the stored results.
    pub async fn push(&self, mutations: &[Mutation]) -> Result<PushResponse, ClientError> {
        let body = PushRequest {
            mutations: mutations.to_vec(),
        };
        self.call(reqwest::Method::POST, "/v1/push", Some(&body))
            .await
    }

    /// One page of the feed; `count`: also how many entries follow (a query the server
    /// makes only when asked, for the first page of a round).
    pub async fn pull(&self, after: i64, limit: u32, count: bool) -> Result<PullPage, ClientError> {
        self.call::<(), _>(
            reqwest::Method::GET,
            &format!("/v1/pull?after={after}&limit={limit}&count={count}"),
            None,
        )
        .await
    }

    pub async fn push_audit(
        &self,
        events: &[AuditEventWire],
    ) -> Result<AuditAccepted, ClientError> {
        let body = AuditPush {
            events: events.to_vec(),
        };
        self.call(reqwest::Method::POST, "/v1/audit", Some(&body))
            .await
    }

    pub async fn conflicts(&self) -> Result<ConflictList, ClientError> {
        self.call::<(), _>(reqwest::Method::GET, "/v1/conflicts", None)
            .await
    }

    /// A supervisor's decision (the station checked the role and four eyes). Safe to retry:
    /// the same decision again (the same supervisor, the same values) gets the answer the
    /// first one got; any other decision on a decided conflict gets `conflict_resolved`.
    pub async fn resolve_conflict(
        &self,
        id: uuid::Uuid,
        resolved_by: &str,
        values: Vec<ChosenValue>,
    ) -> Result<Resolved, ClientError> {
        let body = ResolveRequest {
            resolved_by: resolved_by.to_string(),
            values,
        };
        self.call(
            reqwest::Method::POST,
            &format!("/v1/conflicts/{id}/resolve"),
            Some(&body),
        )
        .await
    }

    /// A new national rule version (an administrator, online). Safe to retry: the proposal's
    /// id makes it idempotent.
    pub async fn propose_rules(
        &self,
        proposal: &crate::protocol::RuleProposal,
    ) -> Result<crate::protocol::RuleSetCreated, ClientError> {
        self.call(reqwest::Method::POST, "/v1/rules", Some(proposal))
            .await
    }

    /// The full file of another directorate, online only, with the reason (logged).
    pub async fn fetch_file(
        &self,
        id: uuid::Uuid,
        actor: &str,
        reason: &str,
    ) -> Result<FetchedFile, ClientError> {
        let body = FetchRequest {
            actor: actor.to_string(),
            reason: reason.to_string(),
        };
        self.call(
            reqwest::Method::POST,
            &format!("/v1/files/{id}/fetch"),
            Some(&body),
        )
        .await
    }
}

/// 5xx, and the 4xx that say "not now" rather than "not this": a request timeout and too
/// many requests.
fn transient(status: reqwest::StatusCode) -> bool {
    status.is_server_error()
        || status == reqwest::StatusCode::REQUEST_TIMEOUT
        || status == reqwest::StatusCode::TOO_MANY_REQUESTS
}

/// A TLS handshake that refused a certificate, found among the transport error's causes.
/// Other TLS failures (a connection cut mid-handshake) stay transport failures, retried.
fn handshake_refusal(e: &reqwest::Error) -> Option<ClientError> {
    match rustls_cause(e)? {
        error @ rustls::Error::InvalidCertificate(_) => Some(ClientError::Handshake {
            server: true,
            error: error.clone(),
        }),
        error @ rustls::Error::AlertReceived(
            rustls::AlertDescription::UnknownCA
            | rustls::AlertDescription::BadCertificate
            | rustls::AlertDescription::CertificateExpired
            | rustls::AlertDescription::CertificateRevoked
            | rustls::AlertDescription::CertificateRequired
            | rustls::AlertDescription::CertificateUnknown
            | rustls::AlertDescription::UnsupportedCertificate
            | rustls::AlertDescription::AccessDenied,
        ) => Some(ClientError::Handshake {
            server: false,
            error: error.clone(),
        }),
        _ => None,
    }
}

/// rustls's error among the causes of `e`. It sits inside I/O errors there, possibly one
/// inside another, whose `source` skips what they wrap: those are opened with `get_ref`.
fn rustls_cause<'a>(e: &'a (dyn std::error::Error + 'static)) -> Option<&'a rustls::Error> {
    if let Some(tls) = e.downcast_ref::<rustls::Error>() {
        return Some(tls);
    }
    if let Some(inner) = e
        .downcast_ref::<std::io::Error>()
        .and_then(std::io::Error::get_ref)
    {
        if let Some(tls) = rustls_cause(inner) {
            return Some(tls);
        }
    }
    e.source().and_then(rustls_cause)
}

/// A transport failure in words, with its causes (no request content is in them).
fn transport(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(s) = source {
        text.push_str(": ");
        text.push_str(&s.to_string());
        source = s.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_is_capped_and_jittered() {
        let base = Duration::from_millis(100);
        let max = Duration::from_secs(5);
        assert_eq!(backoff(0, base, max, 1.0), Duration::from_millis(100));
        assert_eq!(backoff(3, base, max, 1.0), Duration::from_millis(800));
        assert_eq!(backoff(10, base, max, 1.0), max);
        assert_eq!(backoff(40, base, max, 1.0), max);
        assert_eq!(backoff(3, base, max, 0.5), Duration::from_millis(400));
        assert_eq!(backoff(3, base, max, 0.0), Duration::ZERO);
    }

    #[test]
    fn server_errors_timeouts_and_too_many_requests_are_retried_other_refusals_not() {
        let table = [
            (500, true),
            (502, true),
            (503, true),
            (504, true),
            (408, true),
            (429, true),
            (400, false),
            (403, false),
            (404, false),
            (409, false),
            (410, false),
            (413, false),
        ];
        for (status, retried) in table {
            let status = reqwest::StatusCode::from_u16(status).unwrap();
            assert_eq!(transient(status), retried, "{status}");
        }
    }

    #[test]
    fn a_bundle_splits_into_certificate_key_and_ca() {
        let bundle = "# comment\n-----BEGIN CERTIFICATE-----\nAAA\n-----END CERTIFICATE-----\n\
                      -----BEGIN PRIVATE KEY-----\nBBB\n-----END PRIVATE KEY-----\n\
                      -----BEGIN CERTIFICATE-----\nCCC\n-----END CERTIFICATE-----\n";
        let id = Identity::from_bundle(bundle).unwrap();
        assert!(id.certificate_pem.contains("AAA"));
        assert!(id.private_key_pem.contains("BBB"));
        assert!(id.server_ca_pem.contains("CCC"));
        assert!(Identity::from_bundle(
            "-----BEGIN CERTIFICATE-----\nA\n-----END CERTIFICATE-----\n"
        )
        .is_err());
    }
}
