//! The HTTP shell: one thin handler per `Central` operation, JSON errors with a stable code
//! and the message in Albanian and English, and the connection loop that terminates mutual
//! TLS and tells the handlers which certificate the peer presented.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::rejection::{BytesRejection, PathRejection, QueryRejection};
use axum::extract::{DefaultBodyLimit, FromRequestParts, Path, Query, State};
use axum::handler::Handler;
use axum::http::request::Parts;
use axum::http::{Method, Request, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{on, MethodFilter, MethodRouter};
use axum::{Json, Router};
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use regjistri_central::{Central, CentralError, Station};
use regjistri_sync::protocol::{
    AuditPush, ConflictList, FetchRequest, FetchedFile, PullPage, PushRequest, ResolveRequest,
    Resolved, RuleProposal, RuleSetCreated, StationInfo, WireError, MAX_PUSH_BYTES,
    MAX_PUSH_MUTATIONS, PROTOCOL_VERSION,
};
use serde::Deserialize;
use tokio::net::TcpListener;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt;
use uuid::Uuid;

use crate::{openapi, pki};

/// A TLS handshake must finish within this time.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);
/// A request's headers must arrive within this time (also bounds idle keep-alive waits).
pub const HEADER_TIMEOUT: Duration = Duration::from_secs(30);
/// A whole request must be answered within this time.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

#[derive(Clone)]
pub struct AppState {
    pub central: Central,
}

/// The SHA-256 of the client certificate the peer presented on this connection.
#[derive(Debug, Clone)]
pub struct PeerCertificate(pub Option<String>);

/// An error as the client sees it.
#[derive(Debug)]
pub struct ApiError {
    status: StatusCode,
    body: WireError,
}

impl ApiError {
    pub fn new(status: StatusCode, code: &str, sq: &str, en: &str) -> ApiError {
        ApiError {
            status,
            body: WireError::new(code, sq, en),
        }
    }

    fn invalid(what: &str) -> ApiError {
        log::info!("invalid request: {what}");
        ApiError::new(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "Kërkesa nuk është e vlefshme.",
            "The request is not valid.",
        )
    }

    fn too_large() -> ApiError {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "batch_too_large",
            "Dërgesa është shumë e madhe: të shumtën 100 ndryshime ose 1 MB.",
            "The push is too large: at most 100 mutations or 1 MB.",
        )
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        (self.status, Json(self.body)).into_response()
    }
}

impl From<CentralError> for ApiError {
    fn from(e: CentralError) -> ApiError {
        let status = match &e {
            CentralError::Database(_) | CentralError::Migrate(_) | CentralError::Busy => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            CentralError::BatchTooLarge { .. } => StatusCode::PAYLOAD_TOO_LARGE,
            CentralError::ResnapshotRequired { .. } => StatusCode::GONE,
            CentralError::AuditChain(_) | CentralError::StationExists(_) => StatusCode::CONFLICT,
            CentralError::UnknownStation(_) | CentralError::AdministrationOnly(_) => {
                StatusCode::FORBIDDEN
            }
            CentralError::NotFound(_)
            | CentralError::RecordNotFound(_)
            | CentralError::ConflictNotFound(_) => StatusCode::NOT_FOUND,
            CentralError::ConflictResolved(_) | CentralError::OwnWork(_) => StatusCode::CONFLICT,
            CentralError::Invalid(_) | CentralError::ChoiceInvalid(_) => StatusCode::BAD_REQUEST,
            // Found at start-up, never in a request; a server error if they ever were.
            CentralError::Corrupt(_)
            | CentralError::AppLoginMissing
            | CentralError::SchemaNotCurrent { .. }
            | CentralError::PrivilegedLogin { .. } => StatusCode::INTERNAL_SERVER_ERROR,
        };
        if status.is_server_error() {
            // Details stay in the log (ids and database messages, no personal values).
            log::error!("{e}");
        }
        let message = e.message();
        ApiError {
            status,
            body: WireError {
                code: e.code().to_string(),
                message,
            },
        }
    }
}

/// The station behind the request's client certificate, enrolled and not disabled.
pub struct Caller(pub Station);

impl FromRequestParts<AppState> for Caller {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let unknown = || {
            ApiError::new(
                StatusCode::FORBIDDEN,
                "station_unknown",
                "Ky stacion nuk është i regjistruar ose është çaktivizuar.",
                "This station is not enrolled or has been disabled.",
            )
        };
        let Some(PeerCertificate(Some(sha))) = parts.extensions.get::<PeerCertificate>() else {
            return Err(unknown());
        };
        match state.central.station_by_certificate(sha).await? {
            Some(station) if !station.disabled => Ok(Caller(station)),
            _ => Err(unknown()),
        }
    }
}

fn parse<T: serde::de::DeserializeOwned>(
    body: Result<Bytes, BytesRejection>,
) -> Result<T, ApiError> {
    let body = match body {
        Ok(b) => b,
        Err(r) if r.status() == StatusCode::PAYLOAD_TOO_LARGE => return Err(ApiError::too_large()),
        Err(r) => return Err(ApiError::invalid(&r.body_text())),
    };
    // serde's message may quote the offending value, which could be personal: log where
    // the body went wrong, never what it said.
    serde_json::from_slice(&body).map_err(|e| {
        ApiError::invalid(&format!(
            "body: {:?} error at line {} column {}",
            e.classify(),
            e.line(),
            e.column()
        ))
    })
}

async fn station(Caller(s): Caller) -> Json<StationInfo> {
    Json(StationInfo {
        code: s.code,
        directorate: s.directorate,
        administration: s.administration,
        protocol_version: PROTOCOL_VERSION,
    })
}

async fn push(
    State(state): State<AppState>,
    Caller(s): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: PushRequest = parse(body)?;
    if request.mutations.len() > MAX_PUSH_MUTATIONS {
        return Err(ApiError::too_large());
    }
    Ok(Json(state.central.push(&s, &request.mutations).await?).into_response())
}

#[derive(Debug, Deserialize)]
struct PullQuery {
    #[serde(default)]
    after: i64,
    #[serde(default = "default_limit")]
    limit: u32,
    /// Also count what follows the page (for a progress bar).
    #[serde(default)]
    count: bool,
}

fn default_limit() -> u32 {
    500
}

async fn pull(
    State(state): State<AppState>,
    Caller(s): Caller,
    query: Result<Query<PullQuery>, QueryRejection>,
) -> Result<Json<PullPage>, ApiError> {
    let Query(q) = query.map_err(|r| ApiError::invalid(&r.body_text()))?;
    Ok(Json(
        state
            .central
            .pull_counting(&s, q.after, q.limit, q.count)
            .await?,
    ))
}

async fn audit(
    State(state): State<AppState>,
    Caller(s): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let request: AuditPush = parse(body)?;
    Ok(Json(state.central.push_audit(&s, &request.events).await?).into_response())
}

async fn conflicts(
    State(state): State<AppState>,
    Caller(s): Caller,
) -> Result<Json<ConflictList>, ApiError> {
    Ok(Json(ConflictList {
        conflicts: state.central.open_conflicts(&s.directorate).await?,
    }))
}

async fn resolve(
    State(state): State<AppState>,
    Caller(s): Caller,
    id: Result<Path<Uuid>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<Resolved>, ApiError> {
    let Path(id) = id.map_err(|r| ApiError::invalid(&r.body_text()))?;
    let request: ResolveRequest = parse(body)?;
    Ok(Json(
        state
            .central
            .resolve_conflict(&s, id, &request.resolved_by, &request.values)
            .await?,
    ))
}

async fn fetch(
    State(state): State<AppState>,
    Caller(s): Caller,
    id: Result<Path<Uuid>, PathRejection>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<FetchedFile>, ApiError> {
    let Path(id) = id.map_err(|r| ApiError::invalid(&r.body_text()))?;
    let request: FetchRequest = parse(body)?;
    Ok(Json(
        state
            .central
            .fetch_file(&s, id, &request.actor, &request.reason)
            .await?,
    ))
}

async fn rules(
    State(state): State<AppState>,
    Caller(s): Caller,
    body: Result<Bytes, BytesRejection>,
) -> Result<Json<RuleSetCreated>, ApiError> {
    let proposal: RuleProposal = parse(body)?;
    Ok(Json(state.central.add_rule_set(&s, &proposal).await?))
}

async fn openapi_json() -> Json<serde_json::Value> {
    Json(openapi::document())
}

async fn not_found() -> ApiError {
    ApiError::new(
        StatusCode::NOT_FOUND,
        "not_found",
        "Kjo adresë nuk ekziston.",
        "No such endpoint.",
    )
}

async fn method_not_allowed() -> ApiError {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_not_allowed",
        "Kjo metodë nuk lejohet këtu.",
        "This method is not allowed here.",
    )
}

/// One route: its method and path, as the OpenAPI description names them, and its handler.
pub struct Route {
    pub method: Method,
    pub path: &'static str,
    handler: MethodRouter<AppState>,
}

fn route<H, T>(method: Method, path: &'static str, handler: H) -> Route
where
    H: Handler<T, AppState>,
    T: 'static,
{
    let filter = MethodFilter::try_from(method.clone()).unwrap_or(MethodFilter::GET);
    Route {
        method,
        path,
        handler: on(filter, handler),
    }
}

/// Every route the server answers: the router is built from this list and nothing else, and
/// the OpenAPI test compares its description with it.
pub fn routes() -> Vec<Route> {
    vec![
        route(Method::GET, "/v1/station", station),
        route(Method::POST, "/v1/push", push),
        route(Method::GET, "/v1/pull", pull),
        route(Method::POST, "/v1/audit", audit),
        route(Method::GET, "/v1/conflicts", conflicts),
        route(Method::POST, "/v1/conflicts/{id}/resolve", resolve),
        route(Method::POST, "/v1/files/{id}/fetch", fetch),
        route(Method::POST, "/v1/rules", rules),
        route(Method::GET, "/openapi.json", openapi_json),
    ]
}

/// The router of [`routes`], with the JSON fallbacks, the body limit and the panic guard.
pub fn router(state: AppState) -> Router {
    routes()
        .into_iter()
        .fold(Router::new(), |router, r| router.route(r.path, r.handler))
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(MAX_PUSH_BYTES))
        .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked))
        .with_state(state)
}

/// A bug must not take a connection down without an answer: a panic in a handler becomes
/// a 500 with the usual error body (and a log line without the panic's text, which could
/// hold a value).
fn panicked(_: Box<dyn std::any::Any + Send + 'static>) -> Response {
    log::error!("a request handler panicked");
    ApiError::new(
        StatusCode::INTERNAL_SERVER_ERROR,
        "internal",
        "Gabim i brendshëm i serverit.",
        "Internal server error.",
    )
    .into_response()
}

fn timeout_response() -> Response {
    ApiError::new(
        StatusCode::SERVICE_UNAVAILABLE,
        "timeout",
        "Serveri nuk u përgjigj në kohë. Provoni përsëri.",
        "The server did not answer in time. Try again.",
    )
    .into_response()
}

/// How many connections the kernel holds for the server before it accepts them (capped by
/// `net.core.somaxconn`). The standard library's and tokio's 128 is too few when hundreds of
/// stations connect at once (after an outage, at the same minute): connections beyond it
/// are dropped and the station's TCP retries them after 200 ms and more.
pub const LISTEN_BACKLOG: u32 = 4096;

/// The server's listening socket on `addr`, with [`LISTEN_BACKLOG`].
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    // As tokio's own bind does: a restarted server rebinds at once.
    #[cfg(not(windows))]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(LISTEN_BACKLOG)
}

/// Accepts connections until `shutdown` completes: mutual TLS (handshake bounded in time),
/// then HTTP/1.1 with header and whole-request timeouts. A refused handshake is logged with
/// the peer's address only.
pub async fn serve(
    listener: TcpListener,
    tls: Arc<rustls::ServerConfig>,
    app: Router,
    shutdown: impl Future<Output = ()>,
) {
    let acceptor = TlsAcceptor::from(tls);
    tokio::pin!(shutdown);
    loop {
        let (tcp, peer): (tokio::net::TcpStream, SocketAddr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    log::warn!("accept failed: {e}");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        let acceptor = acceptor.clone();
        let app = app.clone();
        tokio::spawn(async move {
            let stream = match tokio::time::timeout(HANDSHAKE_TIMEOUT, acceptor.accept(tcp)).await {
                Ok(Ok(s)) => s,
                Ok(Err(e)) => {
                    log::info!("TLS handshake with {peer} refused: {e}");
                    return;
                }
                Err(_) => {
                    log::info!("TLS handshake with {peer} timed out");
                    return;
                }
            };
            let certificate = PeerCertificate(
                stream
                    .get_ref()
                    .1
                    .peer_certificates()
                    .and_then(|chain| chain.first())
                    .map(|c| pki::sha256_hex(c)),
            );
            let service = hyper::service::service_fn(move |mut req: Request<Incoming>| {
                req.extensions_mut().insert(certificate.clone());
                let app = app.clone();
                async move {
                    match tokio::time::timeout(REQUEST_TIMEOUT, app.oneshot(req)).await {
                        Ok(answer) => answer,
                        Err(_) => Ok(timeout_response()),
                    }
                }
            });
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(HEADER_TIMEOUT)
                .serve_connection(TokioIo::new(stream), service);
            if let Err(e) = connection.await {
                log::debug!("connection with {peer} ended: {e}");
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    #[tokio::test]
    async fn a_panicking_handler_answers_500_with_the_error_body() {
        let app: Router = Router::new()
            .route(
                "/boom",
                get(|| async {
                    panic!("a bug");
                    #[allow(unreachable_code)]
                    "never"
                }),
            )
            .layer(tower_http::catch_panic::CatchPanicLayer::custom(panicked));
        let response = app
            .oneshot(
                Request::get("/boom")
                    .body(axum::body::Body::empty())
                    .unwrap(),
            )
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::INTERNAL_SERVER_ERROR);
        let body = axum::body::to_bytes(response.into_body(), 10_000)
            .await
            .unwrap();
        let error: WireError = serde_json::from_slice(&body).unwrap();
        assert_eq!(error.code, "internal");
    }
}
