//! Jogette: a self-hosted forum engine for peer-support communities of beginner runners.
//!
//! A request flows `web` → `app` (use cases, the access gate) → `domain`
//! (rules) and the store; see `docs/ARCHITECTURE.md`.

pub mod app;
pub mod config;
pub mod domain;
pub mod log_writer;
pub mod progress;
pub mod web;

use config::Config;

/// Opens (creating and migrating) the store and readies it to serve: the demo
/// is loaded when asked for and the store is empty, and a demo database is
/// never served as a real one (see [`app::App::prepare`]).
pub async fn open(config: Config) -> Result<app::App, String> {
    let demo = config.demo;
    let app = app::App::open(config).await?;
    if let Some(threads) = app.prepare(demo).await? {
        tracing::info!(threads, password = app::demo::DEMO_PASSWORD, "loaded the demo community; every demo member shares this password");
    }
    Ok(app)
}

/// Serves `app` on `listener` until `shutdown` resolves.
pub async fn serve(app: app::App, listener: tokio::net::TcpListener, shutdown: impl std::future::Future<Output = ()> + Send + 'static) -> Result<(), String> {
    web::serve(listener, web::AppState::new(app), shutdown).await.map_err(|e| e.to_string())
}

/// [`open`], then [`serve`].
pub async fn run(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    serve(open(config).await?, listener, shutdown).await
}
