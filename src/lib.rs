//! Jogette: a self-hosted forum engine for peer-support communities of beginner runners.
//!
//! A request flows `web` → `app` (use cases, the access gate) → `domain`
//! (rules) and the store; see `docs/ARCHITECTURE.md`.

pub mod app;
pub mod config;
pub mod domain;
pub mod web;

use config::Config;

/// Opens (creating and migrating) the store, loads the demo when asked and the
/// store is empty, then serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let demo = config.demo;
    let app = app::App::open(config).await?;
    if demo && app.is_empty().await.map_err(|e| app::error_chain(&e))? {
        let threads = app.load_demo().await?;
        tracing::info!(threads, password = app::demo::DEMO_PASSWORD, "loaded the demo community; every demo member shares this password");
    }
    web::serve(listener, web::AppState::new(app), shutdown).await.map_err(|e| e.to_string())
}
