//! A community's data as a whole: moving it between stores, and filling an
//! empty one with the demo community or a large synthetic one.

use super::store::{self, Store};
use super::{App, Result};

impl App {
    /// Fills an empty store with the demo community; returns how many threads it made.
    pub async fn load_demo(&self) -> Result<usize, String> {
        super::demo::load(&self.store).await
    }

    /// Fills an empty store with `posts` posts in `threads` threads, for measuring.
    pub async fn generate_scale(&self, posts: usize, threads: usize) -> Result<()> {
        Ok(super::demo::scale::generate(&self.store, posts, threads).await?)
    }
}

/// Copies a whole community from the store at `from` into the empty one at
/// `to` (created and migrated first), then checks that every table holds the
/// same number of rows on both sides. Returns each table's row count.
pub async fn migrate_store(from: &str, to: &str) -> Result<Vec<(&'static str, i64)>, String> {
    let open = |url: &str| {
        let url = url.to_owned();
        async move { Store::open(&url).await.map_err(|e| format!("{url}: {}", super::error_chain(&e))) }
    };
    let (source, target) = (open(from).await?, open(to).await?);
    store::copy_all(&source, &target).await.map_err(|e| super::error_chain(&e))
}

/// `jogette backup`: a consistent copy of a live SQLite community.
pub async fn backup(db: &str, to: &std::path::Path) -> Result<(), String> {
    store::data::backup(db, to).await.map_err(|e| super::error_chain(&e))
}

/// `jogette restore`: a checked backup put in place of a stopped community's database.
pub async fn restore(db: &str, from: &std::path::Path) -> Result<usize, String> {
    store::data::restore(db, from).await.map_err(|e| super::error_chain(&e))
}
