//! HTTP: the router, the middleware every request passes, and start-up.
//!
//! Requests arrive here and leave as HTML pages ([`pages`]) or JSON
//! ([`api`]); in between, every read and write is a use case in `app`, which
//! checks access once. Nothing here can reach the store: it is private to
//! `app`. Pages and API routes live in one file per area, named as in `app`.

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod events;
pub mod pages;

use crate::app::App;
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::{HeaderValue, StatusCode, header, request::Parts};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use tower_http::compression::CompressionLayer;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
}

impl AppState {
    pub fn new(app: App) -> Self {
        AppState { app: Arc::new(app) }
    }
}

/// The client's address, the key for per-client rate limits.
pub struct ClientAddr(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let addr = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip().to_string());
        Ok(ClientAddr(addr.unwrap_or_else(|| "unknown".into())))
    }
}

pub fn router(state: AppState) -> Router {
    let secure = state.app.config().secure_cookies;
    Router::new()
        .merge(pages::router())
        .nest("/api/v1", api::router())
        .route("/api/openapi.json", get(api::openapi))
        .route("/api/v1/events", get(events::stream))
        .route("/static/{file}", get(assets::static_file))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .fallback(|| async { error::Error::NoRoute })
        .layer(middleware::from_fn(move |req, next| auth::csrf_cookie(req, next, secure)))
        .layer(middleware::from_fn_with_state(state.clone(), read_your_writes))
        .layer(middleware::from_fn(|req, next| error::render(req, next, pages::error_page)))
        .layer(middleware::from_fn(security_headers))
        .layer(middleware::from_fn(request_log))
        // Pages are text and compress several-fold; event streams must not be buffered.
        .layer(CompressionLayer::new().gzip(true).br(true).compress_when(compressible()))
        .with_state(state)
}

fn compressible() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    SizeAbove::new(256).and(NotForContentType::const_new("text/event-stream")).and(NotForContentType::IMAGES)
}

/// Each request chooses where it reads. Requests that write read from the
/// primary; a successful write is noted on the session so that, with a
/// replica, the member's next requests read from the primary too.
async fn read_your_writes(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let writes = !matches!(*request.method(), axum::http::Method::GET | axum::http::Method::HEAD);
    let token = writes.then(|| auth::session_token(request.headers())).flatten();
    crate::app::request_scope(async move {
        if writes {
            crate::app::read_from_primary();
        }
        let response = next.run(request).await;
        let wrote = response.status().is_success() || response.status().is_redirection();
        if let Some(token) = token.filter(|_| wrote)
            && let Err(e) = state.app.note_write(&token).await
        {
            tracing::warn!(error = %crate::app::error_chain(&e), "could not note a session's write");
        }
        response
    })
    .await
}

async fn ready(State(state): State<AppState>) -> Response {
    match state.app.ready().await {
        Ok(()) => "ready".into_response(),
        Err(e) => {
            tracing::warn!(error = %crate::app::error_chain(&e), "database not reachable");
            (StatusCode::SERVICE_UNAVAILABLE, "database unreachable").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    let (queries, on_replica) = state.app.queries_executed();
    let body = format!(
        "# HELP jogette_db_queries_total SQL statements executed.\n# TYPE jogette_db_queries_total counter\njogette_db_queries_total {queries}\n\
         # HELP jogette_db_replica_queries_total Of those, statements a read replica answered.\n# TYPE jogette_db_replica_queries_total counter\njogette_db_replica_queries_total {on_replica}\n"
    );
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// No inline script anywhere, so the policy can forbid it outright.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' https: data:; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

async fn security_headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    response
}

/// One structured line per request.
async fn request_log(request: Request, next: Next) -> Response {
    let started = Instant::now();
    let method = request.method().clone();
    let path = request.uri().path().to_owned();
    let response = next.run(request).await;
    tracing::info!(
        target: "jogette::request",
        %method,
        path,
        status = response.status().as_u16(),
        micros = started.elapsed().as_micros() as u64,
    );
    response
}

/// Serves until `shutdown` resolves, then finishes in-flight requests.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    state.app.start_mailer().map_err(std::io::Error::other)?;
    let app = router(state).into_make_service_with_connect_info::<SocketAddr>();
    axum::serve(listener, app).with_graceful_shutdown(shutdown).await
}
