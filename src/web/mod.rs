//! HTTP: the router, the middleware every request passes, and start-up.
//!
//! Requests arrive here and leave as HTML pages ([`pages`]) or JSON
//! ([`api`]); in between, every read and write is a use case in `app`, which
//! checks access once. Nothing here can reach the store: it is private to
//! `app`. Pages and API routes live in one file per area, named as in `app`.

pub mod api;
pub mod assets;
pub mod auth;
pub mod cache;
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
use std::time::{Duration, Instant};

#[derive(Clone)]
pub struct AppState {
    pub app: Arc<App>,
    /// Pages kept for guests, on this node.
    pub pages: Arc<cache::Pages>,
}

impl AppState {
    pub fn new(app: App) -> Self {
        AppState { app: Arc::new(app), pages: Arc::default() }
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
    let site = auth::Site {
        secure_cookies: state.app.config().secure_cookies,
        origin: state.app.config().public_url.as_ref().map(|_| origin_of(&state.app.config().public_url())),
    };
    let hsts = site.secure_cookies;
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
        // Innermost: a kept page is a handler's output, before any cookie
        // or header the layers around it add for this visitor.
        .layer(middleware::from_fn_with_state(state.clone(), cache::guest_pages))
        .layer(middleware::from_fn(move |req, next| auth::csrf_cookie(req, next, site.clone())))
        .layer(middleware::from_fn_with_state(state.clone(), read_your_writes))
        .layer(middleware::from_fn_with_state(state.clone(), site_words))
        .layer(middleware::from_fn(|req, next| error::render(req, next, pages::error_page)))
        .layer(middleware::from_fn(move |req, next| security_headers(req, next, hsts)))
        .layer(middleware::from_fn(request_log))
        // Pages are text and compress several-fold; event streams must not be buffered.
        .layer(CompressionLayer::new().gzip(true).br(true).compress_when(compressible()))
        .with_state(state)
}

/// `scheme://host[:port]` of a URL: what a browser sends as `Origin`.
fn origin_of(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => format!("{}://{}", scheme.to_ascii_lowercase(), rest.split('/').next().unwrap_or("").to_ascii_lowercase()),
        None => url.to_owned(),
    }
}

fn compressible() -> impl tower_http::compression::Predicate {
    use tower_http::compression::predicate::{NotForContentType, Predicate, SizeAbove};
    SizeAbove::new(256).and(NotForContentType::const_new("text/event-stream")).and(NotForContentType::IMAGES)
}

/// Every page shows the community's own words (its name, its tagline…):
/// each request carries them, as this node last read them.
async fn site_words(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    let site = state.app.site().await;
    request.extensions_mut().insert(site);
    next.run(request).await
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

/// Counters for the operator's monitoring, on this machine only: they say
/// how busy the community is, which is nobody else's business.
async fn metrics(State(state): State<AppState>, ClientAddr(client): ClientAddr) -> Response {
    if !client.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback()) {
        return error::Error::NotFound.into_response();
    }
    let (queries, on_replica) = state.app.queries_executed();
    let (commits, writes) = state.app.commits();
    let mut body = String::new();
    metric(&mut body, "jogette_db_queries_total", "counter", "SQL statements executed.", queries);
    metric(&mut body, "jogette_db_replica_queries_total", "counter", "Of those, statements a read replica answered.", on_replica);
    metric(&mut body, "jogette_db_commits_total", "counter", "Write transactions committed.", commits);
    metric(&mut body, "jogette_db_committed_writes_total", "counter", "Writes those transactions carried: grouped writes share a commit.", writes);
    kept_metrics(&mut body, "guest_page", ["Guests' pages served as kept.", "Guests' pages rendered and kept.", "Bytes of guests' pages kept now."], state.pages.counts());
    let posts = ["Pages of a thread's posts read from memory, for anyone.", "Pages of a thread's posts read from the database.", "Bytes of threads' posts kept now."];
    kept_metrics(&mut body, "kept_posts", posts, state.app.kept_posts_counts());
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], body).into_response()
}

/// One metric as `/metrics` lines: its help text, its type and its value.
fn metric(body: &mut String, name: &str, kind: &str, help: &str, value: impl std::fmt::Display) {
    use std::fmt::Write;
    let _ = write!(body, "# HELP {name} {help}\n# TYPE {name} {kind}\n{name} {value}\n");
}

/// A kept store's hits, misses and bytes as `/metrics` lines, each with its help text.
fn kept_metrics(body: &mut String, name: &str, help: [&str; 3], counts: crate::app::kept::Counts) {
    let [hits, misses, bytes] = help;
    metric(body, &format!("jogette_{name}_hits_total"), "counter", hits, counts.hits);
    metric(body, &format!("jogette_{name}_misses_total"), "counter", misses, counts.misses);
    metric(body, &format!("jogette_{name}_bytes"), "gauge", bytes, counts.bytes);
}

/// No inline script anywhere, so the policy can forbid it outright. Pictures
/// come only from this site: posts show pictures members uploaded here, and
/// any other site's become links, so no post can carry a tracking pixel.
const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; \
     connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'";

/// Powerful browser features the forum never uses, switched off for every
/// page (and anything injected into one). The guided run's wake lock stays.
const PERMISSIONS: &str = "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), hid=(), \
     midi=(), display-capture=(), interest-cohort=()";

/// `hsts`: the site is served over HTTPS (`--secure-cookies`), so browsers
/// are told to use nothing else for a year.
async fn security_headers(request: Request, next: Next, hsts: bool) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("same-origin"));
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert("permissions-policy", HeaderValue::from_static(PERMISSIONS));
    if hsts {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000"));
    }
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
/// Serves HTTP/1.1 on `listener` until `shutdown`, then finishes what is in
/// flight. Each connection must send its request headers within
/// `header_timeout` (also the longest a kept-alive connection may idle), each
/// request must be read and answered within `request_timeout` (a 408
/// otherwise; event streams answer at once and then stream), and at most
/// `max_connections` are open at a time: further ones are closed at once,
/// so slow or idle clients can't hold the server's memory and sockets.
pub async fn serve(
    listener: tokio::net::TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    use hyper_util::service::TowerToHyperService;
    use tower::Layer as _;

    state.app.start_mailer().map_err(std::io::Error::other)?;
    state.app.start_deletions();
    state.app.follow_other_nodes();
    let config = state.app.config().clone();
    let router = router(state).layer(tower_http::timeout::TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout));
    let permits = config.max_connections.max(1);
    let open = std::sync::Arc::new(tokio::sync::Semaphore::new(permits));
    let (closing, closed) = tokio::sync::watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let (stream, address) = tokio::select! {
            _ = &mut shutdown => break,
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors, usually: wait for some to close.
                    tracing::warn!(error = %e, "could not accept a connection");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            tracing::warn!(%address, limit = permits, "too many open connections: closing a new one");
            drop(stream);
            continue;
        };
        let service = TowerToHyperService::new(axum::Extension(ConnectInfo(address)).layer(router.clone()));
        let mut closing = closed.clone();
        let header_timeout = config.header_timeout;
        tokio::spawn(async move {
            let _permit = permit;
            let connection = hyper::server::conn::http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout)
                .serve_connection(TokioIo::new(stream), service)
                .with_upgrades();
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                _ = connection.as_mut() => {}
                _ = closing.changed() => {
                    connection.as_mut().graceful_shutdown();
                    let _ = connection.await;
                }
            }
        });
    }
    // Finish what is in flight: each connection ends after its current
    // request, and the last to go hands back the last permit.
    let _ = closing.send(true);
    let _ = open.acquire_many(permits as u32).await;
    Ok(())
}
