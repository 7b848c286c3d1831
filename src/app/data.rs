//! A community's data as a whole: moving it between stores, and filling an
//! empty one with the demo community or a large synthetic one.

use super::store::{self, Store};
use super::{App, Result};

/// The setting that marks a database as the demo's, from before its first
/// member exists.
const DEMO_MARK: &str = "demo";

impl App {
    /// Readies the store for `serve`, keeping the demo and real communities
    /// apart: every demo member's password is published, so a demo database
    /// is served only with `--demo`, and `--demo` never fills a database that
    /// already holds a community. Returns how many demo threads were made, if any.
    pub async fn prepare(&self, demo: bool) -> Result<Option<usize>, String> {
        let failed = |e: super::Error| super::error_chain(&e);
        let settings = self.store.read_primary(|c| Box::pin(store::admin::settings(c))).await.map_err(|e| failed(e.into()))?;
        let marked = settings.iter().any(|(key, value)| key == DEMO_MARK && value == "1");
        let empty = self.is_empty().await.map_err(failed)?;
        match (demo, marked, empty) {
            (false, false, _) => Ok(None),
            (false, true, _) => Err(String::from(
                "this database holds the demo community, whose members all share a published password, so it is served only with --demo. \
                 Start a real community in another database, for example --db sqlite://forum.db"
            )),
            (true, false, false) => Err(String::from(
                "--demo fills an empty database with a demo community, but this one already holds a community. \
                 Leave out --demo to serve it, or give the demo its own database (serve --demo uses sqlite://jogette-demo.db unless told otherwise)"
            )),
            (true, true, false) => Ok(None),
            (true, _, true) => {
                // Marked first: a load cut short still leaves a demo database, never a real one.
                self.store.write(|tx| Box::pin(store::admin::set_setting(tx, DEMO_MARK, "1"))).await.map_err(|e| failed(e.into()))?;
                self.load_demo().await.map(Some)
            }
        }
    }

    /// Fills an empty store with the demo community; returns how many threads
    /// it made. (Serving goes through [`App::prepare`], which marks it as the demo's.)
    pub async fn load_demo(&self) -> Result<usize, String> {
        super::demo::load(&self.store).await
    }

    /// Fills an empty store with `posts` posts in `threads` threads, for measuring.
    pub async fn generate_scale(&self, posts: usize, threads: usize) -> Result<()> {
        self.generate_scale_showing(posts, threads, |_, _| {}).await
    }

    /// As [`App::generate_scale`], telling `progress` the posts made so far, of all.
    pub async fn generate_scale_showing(&self, posts: usize, threads: usize, progress: impl FnMut(u64, u64)) -> Result<()> {
        Ok(super::demo::scale::generate(&self.store, posts, threads, progress).await?)
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
