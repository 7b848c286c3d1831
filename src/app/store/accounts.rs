//! Members and their sessions.

use super::conn::{Conn, Row, Tx, args};
use super::{Result, Store, StoreError, now_millis};
use crate::domain::Role;
use serde::Serialize;
use std::collections::HashMap;

#[derive(Debug, Clone, Serialize)]
pub struct User {
    pub id: i64,
    pub username: String,
    #[serde(skip)]
    pub email: Option<String>,
    pub role: Role,
    pub created_at: i64,
    pub post_count: i64,
    pub thanks_received: i64,
    /// Filled in by [`session_user`] (0 elsewhere), so every page can show it without another query.
    #[serde(skip)]
    pub unread_notifications: i64,
    /// When this session last wrote (from [`session_user`]; 0 elsewhere).
    #[serde(skip)]
    pub session_wrote_at: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SessionKind {
    Cookie,
    Api,
}

impl SessionKind {
    fn as_str(self) -> &'static str {
        match self {
            SessionKind::Cookie => "cookie",
            SessionKind::Api => "api",
        }
    }
}

const USER_COLUMNS: &str = "u.id, u.username, u.email, u.role, u.created_at, u.post_count, u.thanks_received";

fn user(r: &Row) -> Result<User> {
    let role = r.text(3)?;
    Ok(User {
        id: r.int(0)?,
        username: r.text(1)?,
        email: r.opt_text(2)?,
        role: Role::parse(&role).ok_or_else(|| StoreError::message(format!("unknown role {role:?}")))?,
        created_at: r.int(4)?,
        post_count: r.int(5)?,
        thanks_received: r.int(6)?,
        unread_notifications: 0,
        session_wrote_at: 0,
    })
}

pub async fn create_user(tx: &Tx<'_>, username: &str, email: Option<&str>, password_hash: &str, role: Role) -> Result<User> {
    let now = now_millis();
    let lower = username.to_ascii_lowercase();
    let id = tx
        .one(
            "INSERT INTO users (username, username_lower, email, password_hash, role, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
            args![username, &lower, email, password_hash, role.as_str(), now],
            |r| r.int(0),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok(User {
        id,
        username: username.to_owned(),
        email: email.map(str::to_owned),
        role,
        created_at: now,
        post_count: 0,
        thanks_received: 0,
        unread_notifications: 0,
        session_wrote_at: 0,
    })
}

/// The member and their password hash, matched without regard to case.
pub async fn credentials(c: &Conn<'_>, username: &str) -> Result<Option<(User, String)>> {
    let lower = username.to_ascii_lowercase();
    c.one(&format!("SELECT {USER_COLUMNS}, u.password_hash FROM users u WHERE u.username_lower = ?1"), args![&lower], |r| {
        Ok((user(r)?, r.text(7)?))
    })
    .await
}

pub async fn user_by_name(c: &Conn<'_>, username: &str) -> Result<Option<User>> {
    let lower = username.to_ascii_lowercase();
    c.one(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.username_lower = ?1"), args![&lower], user).await
}

/// Maps lower-cased names to canonical usernames, for those that exist.
pub async fn resolve_usernames(c: &Conn<'_>, lowercase_names: &Vec<String>) -> Result<HashMap<String, String>> {
    if lowercase_names.is_empty() {
        return Ok(HashMap::new());
    }
    let pairs = c
        .all("SELECT username_lower, username FROM users WHERE username_lower = ANY(?1)", args![lowercase_names], |r| {
            Ok((r.text(0)?, r.text(1)?))
        })
        .await?;
    Ok(pairs.into_iter().collect())
}

pub async fn create_session(tx: &Tx<'_>, token_hash: &str, user_id: i64, kind: SessionKind, expires_at: i64) -> Result<()> {
    tx.exec(
        "INSERT INTO sessions (token_hash, user_id, kind, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        args![token_hash, user_id, kind.as_str(), now_millis(), expires_at],
    )
    .await?;
    Ok(())
}

/// The member a live session belongs to, with their unread count and when the
/// session last wrote. Read on the primary: it decides where the rest of the
/// request reads.
pub async fn session_user(c: &Conn<'_>, token_hash: &str, now: i64) -> Result<Option<User>> {
    c.one(
        &format!(
            "SELECT {USER_COLUMNS}, \
               (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL), s.last_write_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = ?1 AND s.expires_at > ?2"
        ),
        args![token_hash, now],
        |r| Ok(User { unread_notifications: r.int(7)?, session_wrote_at: r.int(8)?, ..user(r)? }),
    )
    .await
}

/// Notes that this session just wrote (only needed with a read replica).
pub async fn touch_session(tx: &Tx<'_>, token_hash: &str) -> Result<()> {
    tx.exec("UPDATE sessions SET last_write_at = ?2 WHERE token_hash = ?1", args![token_hash, now_millis()]).await?;
    Ok(())
}

pub async fn delete_session(tx: &Tx<'_>, token_hash: &str) -> Result<()> {
    tx.exec("DELETE FROM sessions WHERE token_hash = ?1", args![token_hash]).await?;
    Ok(())
}

/// Single steps, each its own read or transaction.
impl Store {
    pub async fn create_user(&self, username: &str, email: Option<&str>, password_hash: &str, role: Role) -> Result<User> {
        let (username, email, hash) = (username.to_owned(), email.map(str::to_owned), password_hash.to_owned());
        self.write(move |tx| Box::pin(async move { create_user(tx, &username, email.as_deref(), &hash, role).await })).await
    }

    pub async fn user_credentials(&self, username: &str) -> Result<Option<(User, String)>> {
        let username = username.to_owned();
        self.read_primary(move |c| Box::pin(async move { credentials(c, &username).await })).await
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let username = username.to_owned();
        self.read(move |c| Box::pin(async move { user_by_name(c, &username).await })).await
    }

    pub async fn resolve_usernames(&self, lowercase_names: Vec<String>) -> Result<HashMap<String, String>> {
        self.read_primary(move |c| Box::pin(async move { resolve_usernames(c, &lowercase_names).await })).await
    }

    pub async fn create_session(&self, token_hash: &str, user_id: i64, kind: SessionKind, expires_at: i64) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| Box::pin(async move { create_session(tx, &token_hash, user_id, kind, expires_at).await })).await
    }

    pub async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<User>> {
        let token_hash = token_hash.to_owned();
        self.read_primary(move |c| Box::pin(async move { session_user(c, &token_hash, now).await })).await
    }

    pub async fn touch_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| Box::pin(async move { touch_session(tx, &token_hash).await })).await
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write(move |tx| Box::pin(async move { delete_session(tx, &token_hash).await })).await
    }
}
