//! Joining, logging in and out, sessions, and members' profiles.

use super::store::{accounts, forum, mail, notify as notify_store};
pub use super::store::accounts::Preferences;
use super::{App, Error, PostSummary, Result, SessionKind, User};
use crate::domain::notify::{Digest, EmailFrequency, Level};
use crate::domain::{FieldError, Role, hex, validate};
use blake2::{Blake2s256, Digest as _};

/// How long a session lasts without logging in again.
pub const SESSION_SECONDS: i64 = 30 * 24 * 3600;

/// How long after a member's write their requests keep reading from the
/// primary: longer than a healthy replica's lag.
pub const READ_YOUR_WRITES_MS: i64 = 10_000;

pub struct Registration {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
    /// A field people never see on the join form; only programs fill it in.
    pub honeypot: Option<String>,
}

/// After this many wrong passwords in a row an account slows down: one try per `SLOW_SPACING_MS`.
pub const SLOW_AFTER: i64 = 5;
pub const SLOW_SPACING_MS: i64 = 30_000;
/// After this many, it locks for `LOCK_FOR_MS`, and its owner is told.
pub const LOCK_AFTER: i64 = 10;
pub const LOCK_FOR_MS: i64 = 15 * 60_000;

/// A member's own settings page.
pub struct Settings {
    pub email: Option<String>,
    pub email_verified: bool,
    pub preferences: Preferences,
    pub muted: Vec<String>,
}

/// Preferences from their words, each problem named by its field.
pub fn preferences(frequency: &str, digest: &str, default_watch: &str) -> Result<Preferences, Vec<FieldError>> {
    let frequency = EmailFrequency::parse(frequency).ok_or_else(|| FieldError::new("email_frequency", "Choose always, away or never."));
    let digest = Digest::parse(digest).ok_or_else(|| FieldError::new("digest", "Choose daily, weekly or never."));
    let default_watch = Level::parse(default_watch).filter(|l| *l != Level::Muted).ok_or_else(|| FieldError::new("default_watch", "Choose watching, tracking or normal."));
    match (frequency, digest, default_watch) {
        (Ok(frequency), Ok(digest), Ok(default_watch)) => Ok(Preferences { frequency, digest, default_watch }),
        (a, b, c) => Err([a.err(), b.err(), c.err()].into_iter().flatten().collect()),
    }
}

/// A member's public page: who they are and what they wrote lately.
pub struct Profile {
    pub user: User,
    pub recent: Vec<PostSummary>,
}

/// 256 random bits, hex-encoded: session tokens and CSRF tokens.
pub fn new_token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the OS random source is available");
    hex(&bytes)
}

/// Only a token's hash is stored, so a copy of the database cannot be used to log in.
pub(super) fn token_hash(token: &str) -> String {
    hex(&Blake2s256::digest(token.as_bytes()))
}

/// Password work (argon2id hashing and checking) one at a time per core: it
/// is deliberately slow and takes 19 MiB each, so a burst of logins queues
/// here instead of taking every core and a block of memory per request. It
/// runs off the async workers.
pub(super) async fn password_work<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> Result<T> {
    static SLOTS: std::sync::LazyLock<tokio::sync::Semaphore> =
        std::sync::LazyLock::new(|| tokio::sync::Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8)));
    let _slot = SLOTS.acquire().await.map_err(Error::internal)?;
    tokio::task::spawn_blocking(work).await.map_err(Error::internal)
}

pub(super) async fn hash_password(password: String) -> Result<String> {
    password_work(move || crate::domain::password::hash(&password)).await
}

fn mismatch() -> Error {
    Error::Invalid(vec![FieldError::new("password", "That username and password don't match.")])
}

/// The stored "hash" of an account without a password: one brought in by an
/// import, or erased. No password ever matches it.
pub const NO_PASSWORD: &str = "!";

impl App {
    pub async fn register(&self, client: &str, input: Registration) -> Result<User> {
        self.limit("register", self.config.rate_limits.register, client)?;
        if input.honeypot.as_deref().is_some_and(|h| !h.trim().is_empty()) {
            return Err(Error::field(
                "website",
                "This form looks as if a program filled it in. If you're a person, please try again and leave the box marked “leave this empty” empty.",
            ));
        }
        let email = input.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        validate::collect([validate::username(&input.username), validate::password(&input.password), email.map_or(Ok(()), validate::email)])
            .map_err(Error::Invalid)?;
        self.name_is_free(&input.username).await?;
        let hash = hash_password(input.password).await?;
        let (username, email) = (input.username, email.map(str::to_owned));
        let user = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let user = accounts::create_user(tx, &username, email.as_deref(), &hash, Role::Member).await?;
                    // An address is confirmed before anything else is sent to it.
                    if let Some(email) = &email {
                        super::store::mail::queue(tx, "verify", user.id, super::now_millis(), Some(email), None).await?;
                    }
                    Ok(user)
                })
            })
            .await?;
        Ok(user)
    }

    /// Refuses a name that is taken, or that could be mistaken for a member's.
    async fn name_is_free(&self, username: &str) -> Result<()> {
        let name = username.to_owned();
        let found = self.store.read_primary(move |c| Box::pin(async move { accounts::lookalike(c, &name).await })).await?;
        match found {
            None => Ok(()),
            Some(existing) if existing.eq_ignore_ascii_case(username) => Err(Error::field("username", "That username is already taken.")),
            Some(existing) => Err(Error::field(
                "username",
                format!("That name looks too much like “{existing}”, who is already a member. Choose another, so nobody is mistaken for anyone else."),
            )),
        }
    }

    /// Creates a member in any role, as an operator does from the command line.
    pub async fn create_member(&self, username: &str, password: &str, role: Role) -> Result<User> {
        validate::collect([validate::username(username), validate::password(password)]).map_err(Error::Invalid)?;
        self.name_is_free(username).await?;
        let hash = hash_password(password.to_owned()).await?;
        Ok(self.store.create_user(username, None, &hash, role).await?)
    }

    /// Checks the password and opens a session; returns the member and the raw token.
    ///
    /// Besides the limit per address, each account defends itself: after
    /// [`SLOW_AFTER`] wrong passwords in a row it takes one try per 30 s, and
    /// after [`LOCK_AFTER`] it locks for 15 minutes and tells its owner. While
    /// it waits, even the right password is refused, or guessing would go on.
    pub async fn log_in(&self, client: &str, username: &str, password: &str, kind: SessionKind) -> Result<(User, String)> {
        self.log_in_replacing(client, username, password, kind, None).await
    }

    /// As [`App::log_in`], ending the session the visitor had (`replacing`),
    /// if any, in the same step: a new login always gets a new token, so a
    /// token someone planted or saw before is worth nothing after.
    pub async fn log_in_replacing(&self, client: &str, username: &str, password: &str, kind: SessionKind, replacing: Option<&str>) -> Result<(User, String)> {
        self.limit("login", self.config.rate_limits.login, client)?;
        let found = self.store.user_credentials(username.trim()).await?;
        let now = super::now_millis();
        if let Some(account) = &found {
            let locked = account.login_locked_until.filter(|until| *until > now);
            let slowed = (account.failed_logins >= SLOW_AFTER).then(|| account.last_failed_login_at.unwrap_or(0) + SLOW_SPACING_MS).filter(|at| *at > now);
            if let Some(until) = locked.or(slowed) {
                let seconds = ((until - now) / 1000).max(1);
                let wait = if seconds > 90 { format!("{} minutes", (seconds + 59) / 60) } else { format!("{seconds} seconds") };
                return Err(Error::Wait {
                    retry_after: seconds as u64,
                    message: format!("For your safety, this account is pausing logins for {wait} after several wrong passwords. Please try again then."),
                });
            }
        }
        let password = password.to_owned();
        let checked = found.clone();
        let right = password_work(move || match &checked {
            Some(account) => crate::domain::password::verify(&password, &account.password_hash),
            None => {
                // The same work either way, so timing doesn't tell who has an account.
                crate::domain::password::verify(&password, crate::domain::password::decoy_hash());
                false
            }
        })
        .await?;
        let Some(account) = found else { return Err(mismatch()) };
        let user_id = account.user.id;
        if account.password_hash == NO_PASSWORD && !account.user.username.starts_with(crate::domain::deletion::FORMER_PREFIX) {
            return Err(Error::Forbidden(
                "This account came from the forum's old home and has no password here yet. Choose one with “Forgot your password?”: \
                 the link goes to the email address the account had there."
                    .into(),
            ));
        }
        if !right {
            let lock = (account.failed_logins + 1 >= LOCK_AFTER).then_some(now + LOCK_FOR_MS);
            self.store
                .write(move |tx| {
                    Box::pin(async move {
                        accounts::failed_login(tx, user_id, now, lock).await?;
                        if lock.is_some() {
                            let detail = "Someone tried to log in to your account with the wrong password many times, so logins were paused for 15 minutes. \
                                          If it was you, no harm done. If not, your account is safe: consider a longer password.";
                            super::store::notify::notify(tx, user_id, super::store::notify::Notice { kind: "login-locked", post_id: None, actor_id: None, detail: Some(detail) })
                                .await?;
                        }
                        Ok(())
                    })
                })
                .await?;
            return Err(mismatch());
        }
        if let Some(until) = account.user.suspended_until.filter(|u| *u > now) {
            let why = self.store.read_primary(move |c| Box::pin(super::store::moderation::sanctions(c, user_id))).await?;
            let reason = why.iter().find(|s| s.kind == "suspend" && s.lifted_at.is_none()).map(|s| s.reason.clone()).unwrap_or_default();
            let when = if until == i64::MAX { "until a moderator lifts it".to_owned() } else { format!("until {} (UTC)", crate::domain::dates::human(until)) };
            return Err(Error::Forbidden(format!("Your account is suspended {when}. The moderators said: {reason}")));
        }
        let token = new_token();
        let expires = now + SESSION_SECONDS * 1000;
        let (hash, had_failures) = (token_hash(&token), account.failed_logins > 0);
        let old = replacing.map(token_hash);
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    if had_failures {
                        accounts::login_succeeded(tx, user_id).await?;
                    }
                    if let Some(old) = &old {
                        accounts::delete_session(tx, old).await?;
                    }
                    // Logging in during the grace period calls a deletion off.
                    if super::store::deletion::cancel(tx, user_id).await? {
                        super::store::moderation::audit(tx, &super::deletion::logged(Some(user_id), "cancel-deletion", user_id, None)).await?;
                    }
                    accounts::create_session(tx, &hash, user_id, kind, expires).await
                })
            })
            .await?;
        Ok((account.user, token))
    }

    pub async fn log_out(&self, token: &str) -> Result<()> {
        Ok(self.store.delete_session(&token_hash(token)).await?)
    }

    /// The viewer a session token stands for: a guest when it has expired or
    /// never existed. Just after the member wrote, the rest of the request
    /// reads from the primary, since a replica may not have their write yet.
    pub async fn session(&self, token: &str) -> Result<Option<User>> {
        let now = super::now_millis();
        let user = self.store.session_user(&token_hash(token), now).await?;
        if user.as_ref().is_some_and(|u| now - u.session_wrote_at < READ_YOUR_WRITES_MS) {
            super::read_from_primary();
        }
        if let Some(user) = &user {
            // Knowing when a member was last here is worth less than their page.
            if let Err(e) = self.seen(&super::Viewer::member(user.clone())).await {
                tracing::warn!(error = %super::error_chain(&e), "could not note a member's visit");
            }
        }
        Ok(user)
    }

    /// Notes that this session just wrote, so that its next reads go to the
    /// primary (only needed with a read replica).
    pub async fn note_write(&self, token: &str) -> Result<()> {
        if self.config.db_replica.is_none() {
            return Ok(());
        }
        Ok(self.store.touch_session(&token_hash(token)).await?)
    }

    /// The viewer's own settings.
    pub async fn settings(&self, viewer: &super::Viewer) -> Result<Settings> {
        let member = viewer.member_or_login()?.id;
        let (recipient, muted) = self
            .store
            .read_primary(move |c| Box::pin(async move { Ok((mail::recipient(c, member).await?, notify_store::muted_members(c, member).await?)) }))
            .await?;
        let recipient = recipient.ok_or(Error::NotFound)?;
        let default_watch = viewer.user.as_ref().map_or(crate::domain::notify::Level::Tracking, |u| u.default_watch);
        Ok(Settings {
            email: recipient.email,
            email_verified: recipient.verified,
            preferences: Preferences { frequency: recipient.frequency, digest: recipient.digest, default_watch },
            muted,
        })
    }

    pub async fn set_preferences(&self, viewer: &super::Viewer, preferences: Preferences) -> Result<()> {
        let member = viewer.member_or_login()?.id;
        if preferences.default_watch == crate::domain::notify::Level::Muted {
            return Err(Error::field("default_watch", "Choose watching, tracking or normal: muting every thread you post in would hide the answers."));
        }
        Ok(self.store.write(move |tx| Box::pin(accounts::set_preferences(tx, member, preferences))).await?)
    }

    /// Ends every session of the viewer's, this one included.
    pub async fn log_out_everywhere(&self, viewer: &super::Viewer) -> Result<()> {
        let member = viewer.member_or_login()?.id;
        Ok(self.store.write(move |tx| Box::pin(async move { accounts::end_sessions(tx, member).await.map(|_| ()) })).await?)
    }

    /// Changes the viewer's password after checking the current one. Every
    /// session of theirs ends, and the one they changed it from carries on
    /// under a new token (of `kind`), which is returned.
    pub async fn change_password(&self, viewer: &super::Viewer, kind: SessionKind, current: &str, new: &str) -> Result<String> {
        let member = viewer.member_or_login()?.id;
        self.limit("login", self.config.rate_limits.login, &format!("password-change:{member}"))?;
        let stored = self.store.read_primary(move |c| Box::pin(accounts::password_hash(c, member))).await?.ok_or(Error::NotFound)?;
        let current = current.to_owned();
        let right = password_work(move || crate::domain::password::verify(&current, &stored)).await?;
        if !right {
            return Err(Error::field("current_password", "That isn't your current password."));
        }
        validate::password(new).map_err(|e| Error::Invalid(vec![FieldError { field: "new_password".into(), message: e.message }]))?;
        let hash = hash_password(new.to_owned()).await?;
        let token = new_token();
        let (session, expires) = (token_hash(&token), super::now_millis() + SESSION_SECONDS * 1000);
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    accounts::set_password(tx, member, &hash).await?;
                    accounts::end_sessions(tx, member).await?;
                    accounts::create_session(tx, &session, member, kind, expires).await
                })
            })
            .await?;
        Ok(token)
    }

    /// A member's page: who they are, and their latest posts that the viewer may read.
    pub async fn profile(&self, viewer: &super::Viewer, username: &str, recent: i64) -> Result<Profile> {
        let username = username.to_owned();
        let (members, staff) = (viewer.user.is_some(), viewer.is_staff());
        let (user, recent) = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let Some(user) = accounts::user_by_name(c, &username).await? else { return Ok(None) };
                    let recent = forum::recent_posts_by(c, user.id, recent, members, staff).await?;
                    Ok(Some((user, recent)))
                })
            })
            .await?
            .ok_or(Error::NotFound)?;
        Ok(Profile { user, recent })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_long_random_and_hashed_differently() {
        let (a, b) = (new_token(), new_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_ne!(token_hash(&a), a);
        assert_eq!(token_hash(&a), token_hash(&a));
        assert!(a.bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
    }
}
