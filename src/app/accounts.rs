//! Joining, logging in and out, sessions, and members' profiles.

use super::store::{accounts, forum};
use super::{App, Error, PostSummary, Result, SessionKind, User};
use crate::domain::{FieldError, Role, validate};
use blake2::{Blake2s256, Digest};

/// How long a session lasts without logging in again.
pub const SESSION_SECONDS: i64 = 30 * 24 * 3600;

/// How long after a member's write their requests keep reading from the
/// primary: longer than a healthy replica's lag.
pub const READ_YOUR_WRITES_MS: i64 = 10_000;

pub struct Registration {
    pub username: String,
    pub password: String,
    pub email: Option<String>,
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
fn token_hash(token: &str) -> String {
    hex(&Blake2s256::digest(token.as_bytes()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// argon2id is deliberately slow, so it runs off the async workers.
async fn hash_password(password: String) -> Result<String> {
    tokio::task::spawn_blocking(move || crate::domain::password::hash(&password)).await.map_err(Error::internal)
}

impl App {
    pub async fn register(&self, client: &str, input: Registration) -> Result<User> {
        self.limit("register", self.config.rate_limits.register, client)?;
        let email = input.email.as_deref().map(str::trim).filter(|e| !e.is_empty());
        validate::collect([validate::username(&input.username), validate::password(&input.password), email.map_or(Ok(()), validate::email)])
            .map_err(Error::Invalid)?;
        if self.store.user_by_name(&input.username).await?.is_some() {
            return Err(Error::field("username", "That username is already taken."));
        }
        let hash = hash_password(input.password).await?;
        Ok(self.store.create_user(&input.username, email, &hash, Role::Member).await?)
    }

    /// Creates a member in any role, as an operator does from the command line.
    pub async fn create_member(&self, username: &str, password: &str, role: Role) -> Result<User> {
        validate::collect([validate::username(username), validate::password(password)]).map_err(Error::Invalid)?;
        let hash = hash_password(password.to_owned()).await?;
        Ok(self.store.create_user(username, None, &hash, role).await?)
    }

    /// Checks the password and opens a session; returns the member and the raw token.
    pub async fn log_in(&self, client: &str, username: &str, password: &str, kind: SessionKind) -> Result<(User, String)> {
        self.limit("login", self.config.rate_limits.login, client)?;
        let found = self.store.user_credentials(username.trim()).await?;
        let password = password.to_owned();
        let user = tokio::task::spawn_blocking(move || match found {
            Some((user, hash)) => crate::domain::password::verify(&password, &hash).then_some(user),
            None => {
                // The same work either way, so timing doesn't tell who has an account.
                crate::domain::password::verify(&password, crate::domain::password::decoy_hash());
                None
            }
        })
        .await
        .map_err(Error::internal)?;
        let Some(user) = user else {
            return Err(Error::Invalid(vec![FieldError::new("password", "That username and password don't match.")]));
        };
        let token = new_token();
        let expires = super::now_millis() + SESSION_SECONDS * 1000;
        self.store.create_session(&token_hash(&token), user.id, kind, expires).await?;
        Ok((user, token))
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

    pub async fn profile(&self, username: &str, recent: i64) -> Result<Profile> {
        let username = username.to_owned();
        let (user, recent) = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let Some(user) = accounts::user_by_name(c, &username).await? else { return Ok(None) };
                    let recent = forum::recent_posts_by(c, user.id, recent).await?;
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
    }
}
