//! The use cases: every read and write a page, an API route or the live
//! stream makes, without HTTP.
//!
//! Each use case checks access once, through [`access`], applies the rules
//! of `domain`, and reads or writes through the store. The store is private
//! to this module, so nothing above it (`web`) can reach the data except
//! through a use case: that is a compile-time fact, not a convention. A write
//! names everything that commits with it (its event, a staff alert…) in one
//! `Store::write`.
//!
//! One file per area, named as in `web` and in the store: accounts, forum,
//! admin, moderation, search, notify, mail, feeds, programme, safety, site, events (the live hub), data.

pub mod access;
pub mod accounts;
pub mod admin;
pub mod data;
pub mod deletion;
pub mod demo;
pub mod events;
pub mod export;
pub mod feeds;
pub mod forum;
pub mod import;
pub mod kept;
pub mod mail;
pub mod moderation;
pub mod notify;
pub mod programme;
pub mod ratelimit;
pub mod safety;
pub mod search;
pub mod site;
pub mod uploads;
mod store;

pub use access::Viewer;
pub use store::{
    Category, Event, Found, Listing, Notification, Post, PostSummary, RANK_WINDOW, ReplyContext, Revision, SearchHit, SearchParams,
    SessionKind, SimilarThread, Thread, ThreadSummary, User, now_millis, read_from_primary, request_scope,
};

use crate::config::Config;
use crate::domain::FieldError;
use std::sync::Arc;
use store::{Store, StoreError};

/// The most bytes of threads' posts kept between readers (see [`kept`]).
const KEPT_POSTS_BYTES: usize = 4 << 20;

/// One community's use cases, over its store.
pub struct App {
    store: Arc<Store>,
    config: Config,
    safety: crate::domain::safety::Rules,
    /// Posts' assessments, remembered (see [`safety::Remembered`]).
    assessments: safety::Remembered,
    /// Pages of threads' posts as guests see them, by thread and first number (see [`kept`]).
    kept_posts: Arc<forum::KeptPosts>,
    limiter: ratelimit::RateLimiter,
    hub: tokio::sync::OnceCell<Arc<events::Hub>>,
    /// The key that signs unsubscribe links, read from the settings once.
    mail_secret: std::sync::OnceLock<Vec<u8>>,
    /// The community's words before any admin changes them.
    site_defaults: crate::domain::site::Site,
    /// The community's words as this node last read them.
    site: std::sync::RwLock<site::Cached>,
}

/// Why a use case could not do what was asked, without HTTP: `web` turns it
/// into a status and a page or problem body.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("Some details need another look.")]
    Invalid(Vec<FieldError>),
    #[error("You need to log in to do that.")]
    NeedsLogin,
    #[error("{0}")]
    Forbidden(String),
    #[error("We couldn't find that. It may have moved, or been removed.")]
    NotFound,
    #[error("You've done that a lot in a short while. Please try again in {retry_after} seconds.")]
    RateLimited { retry_after: u64 },
    /// Not yet, for a reason the member should hear (slow mode, an account
    /// locked after wrong passwords).
    #[error("{message}")]
    Wait { retry_after: u64, message: String },
    /// What failed is kept for the log, never shown.
    #[error("Something went wrong on our side, and it isn't your fault. Please try again in a little while.")]
    Internal(#[source] Arc<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Internal(Arc::new(e))
    }
}

impl From<StoreError> for Error {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound => Error::NotFound,
            StoreError::Conflict(field) => Error::field(field, format!("That {field} is already taken.")),
            e @ StoreError::Database(..) => Error::internal(e),
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error and every cause beneath it, as one line for the log.
pub fn error_chain(e: &dyn std::error::Error) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

impl App {
    /// Opens (creating and migrating) the store and reads the safety rules.
    /// Fails when the store can't be opened, or the configured rules file
    /// can't be read, is invalid, or has no text for the configured locale.
    pub async fn open(config: Config) -> Result<App, String> {
        let safety = safety::load_rules(&config)?;
        // A mistyped SMTP address is found at start-up, not at the first email.
        mail::Mailer::new(config.smtp_url.as_deref(), &config.mail_from)?;
        let store = Store::open_with_replica(&config.db, config.db_replica.as_deref()).await.map_err(|e| error_chain(&e))?;
        let site_defaults = site::defaults(&config)?;
        let app = App {
            store: Arc::new(store),
            config,
            safety,
            assessments: safety::Remembered::new(),
            kept_posts: Arc::new(kept::Kept::new(KEPT_POSTS_BYTES)),
            limiter: ratelimit::RateLimiter::default(),
            hub: tokio::sync::OnceCell::new(),
            mail_secret: std::sync::OnceLock::new(),
            site: site::Cached::new(site_defaults.clone()),
            site_defaults,
        };
        app.install_builtin_plans().await.map_err(|e| error_chain(&e))?;
        app.load_site().await.map_err(|e| error_chain(&e))?;
        app.store.write(|tx| Box::pin(store::accounts::fill_skeletons(tx))).await.map_err(|e| error_chain(&e))?;
        Ok(app)
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// Succeeds when the database answers; behind `/readyz`.
    pub async fn ready(&self) -> Result<()> {
        Ok(self.store.ping().await?)
    }

    /// SQL statements run so far, and of those the ones a read replica
    /// answered: for `/metrics` and the query-count tests.
    pub fn queries_executed(&self) -> (u64, u64) {
        (self.store.queries_executed(), self.store.replica_queries_executed())
    }

    /// Write transactions committed, and the writes they carried, for `/metrics`.
    pub fn commits(&self) -> (u64, u64) {
        self.store.commits()
    }

    /// Moves after every change that guests might see, here or on another
    /// node: a page rendered while it held one value is current until it moves.
    pub fn changes(&self) -> u64 {
        self.store.changes()
    }

    /// How often a thread's posts were served as kept (see [`kept`]), for `/metrics`.
    pub fn kept_posts_counts(&self) -> kept::Counts {
        self.kept_posts.counts()
    }

    /// Hears of other nodes' changes from now on (with PostgreSQL), so what
    /// this node keeps for guests follows them; the server calls it at start.
    pub fn follow_other_nodes(&self) {
        self.store.follow_other_nodes()
    }

    /// True before anyone has joined: a new community.
    pub async fn is_empty(&self) -> Result<bool> {
        Ok(self.store.is_empty().await?)
    }

    fn limit(&self, limit: &'static str, rule: Option<crate::config::Rule>, key: &str) -> Result<()> {
        self.limiter.check(limit, rule, key)
    }
}
