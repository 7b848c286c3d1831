//! Jogette: a self-hosted forum engine for peer-support communities of beginner runners.
//!
//! A request flows `web` → `domain` → `store`; see `docs/ARCHITECTURE.md`.

pub mod config;
pub mod demo;
pub mod domain;
pub mod live;
pub mod store;
pub mod web;

use config::Config;

/// Opens (creating and migrating) the store, loads the demo when asked and the
/// store is empty, then serves on `listener` until `shutdown` resolves.
pub async fn run(
    config: Config,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> Result<(), String> {
    let store = store::open_with_replica(&config.db, config.db_replica.as_deref()).await.map_err(|e| e.to_string())?;
    let demo = config.demo;
    let state = web::AppState::new(store.clone(), config).await?;
    if demo && store.is_empty().await.map_err(|e| e.to_string())? {
        let threads = demo::load(store.as_ref()).await?;
        tracing::info!(threads, password = demo::DEMO_PASSWORD, "loaded the demo community; every demo member shares this password");
    }
    web::serve(listener, state, shutdown).await.map_err(|e| e.to_string())
}
