//! Members and their sessions.

use super::conn::{Conn, Row, Tx, args};
use super::{Result, Store, StoreError, now_millis};
use crate::domain::Role;
use crate::domain::validate::username_skeleton;
use crate::domain::notify::{Digest, EmailFrequency, Level, VISIT_GAP_MS};
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
    /// When a moderator trusted them early.
    #[serde(skip)]
    pub trusted_at: Option<i64>,
    #[serde(skip)]
    pub silenced_until: Option<i64>,
    #[serde(skip)]
    pub suspended_until: Option<i64>,
    /// Filled in by [`session_user`] (0 elsewhere), so every page can show it without another query.
    #[serde(skip)]
    pub unread_notifications: i64,
    /// When this session last wrote (from [`session_user`]; 0 elsewhere).
    #[serde(skip)]
    pub session_wrote_at: i64,
    /// When their newest unread notification came (from [`session_user`]).
    #[serde(skip)]
    pub newest_unread_at: i64,
    #[serde(skip)]
    pub email_verified: bool,
    /// When they last used the site, and when their visit before this one ended.
    #[serde(skip)]
    pub last_seen_at: i64,
    #[serde(skip)]
    pub previous_visit_at: i64,
    /// The level threads they post in (and, unless it is normal, open) start at.
    #[serde(skip)]
    pub default_watch: Level,
    /// The plan they follow (None: the community's default).
    #[serde(skip)]
    pub plan_id: Option<i64>,
    /// Where they are in it ("W5R3", "Graduate"), as last worked out.
    #[serde(skip)]
    pub badge: Option<String>,
    /// Others may see their badge and progress.
    #[serde(skip)]
    pub show_progress: bool,
    /// The address of their own picture; none shows the generated avatar.
    pub avatar: Option<String>,
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

const USER_COLUMNS: &str = "u.id, u.username, u.email, u.role, u.created_at, u.post_count, u.thanks_received, u.trusted_at, u.silenced_until, \
     u.suspended_until, u.email_verified_at IS NOT NULL, u.last_seen_at, u.previous_visit_at, u.default_watch, \
     u.plan_id, u.badge, u.show_progress, u.avatar";
/// The columns after [`USER_COLUMNS`] start here.
const AFTER_USER: usize = 18;

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
        trusted_at: r.opt_int(7)?,
        silenced_until: r.opt_int(8)?,
        suspended_until: r.opt_int(9)?,
        unread_notifications: 0,
        session_wrote_at: 0,
        newest_unread_at: 0,
        email_verified: r.flag(10)?,
        last_seen_at: r.int(11)?,
        previous_visit_at: r.int(12)?,
        default_watch: Level::parse(&r.text(13)?).unwrap_or(Level::Tracking),
        plan_id: r.opt_int(14)?,
        badge: r.opt_text(15)?,
        show_progress: r.flag(16)?,
        avatar: r.opt_text(17)?,
    })
}

/// The member whose name `username` could be mistaken for, if any.
pub async fn lookalike(c: &Conn<'_>, username: &str) -> Result<Option<String>> {
    let skeleton = username_skeleton(username);
    c.one("SELECT username FROM users WHERE username_skeleton = ?1 LIMIT 1", args![&skeleton], |r| r.text(0)).await
}

/// Adds a member. A name taken already, or one that could be mistaken for a
/// member's, is a conflict on `username`.
/// When a member joined, for members brought in from elsewhere (imports, the demo).
pub async fn set_joined(tx: &Tx<'_>, id: i64, at: i64) -> Result<()> {
    tx.exec("UPDATE users SET created_at = ?1 WHERE id = ?2", args![at, id]).await?;
    Ok(())
}

pub async fn create_user(tx: &Tx<'_>, username: &str, email: Option<&str>, password_hash: &str, role: Role) -> Result<User> {
    let now = now_millis();
    let lower = username.to_ascii_lowercase();
    // Checked and inserted as one step: two lookalikes joining at once can't both get in.
    tx.serialize("users.username_skeleton").await?;
    if lookalike(tx, username).await?.is_some() {
        return Err(StoreError::Conflict("username"));
    }
    let id = tx
        .one(
            "INSERT INTO users (username, username_lower, email, password_hash, role, created_at, last_seen_at, previous_visit_at, username_skeleton) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?6, ?7) RETURNING id",
            args![username, &lower, email, password_hash, role.as_str(), now, &username_skeleton(username)],
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
        trusted_at: None,
        silenced_until: None,
        suspended_until: None,
        unread_notifications: 0,
        session_wrote_at: 0,
        newest_unread_at: 0,
        email_verified: false,
        last_seen_at: now,
        previous_visit_at: now,
        default_watch: Level::Tracking,
        plan_id: None,
        badge: None,
        show_progress: true,
        avatar: None,
    })
}

/// What logging in needs to know of an account.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
    /// Wrong passwords in a row, and when the last one came.
    pub failed_logins: i64,
    pub last_failed_login_at: Option<i64>,
    pub login_locked_until: Option<i64>,
}

/// The member and their password hash, matched without regard to case.
pub async fn credentials(c: &Conn<'_>, username: &str) -> Result<Option<Credentials>> {
    let lower = username.to_ascii_lowercase();
    c.one(
        &format!("SELECT {USER_COLUMNS}, u.password_hash, u.failed_logins, u.last_failed_login_at, u.login_locked_until FROM users u WHERE u.username_lower = ?1"),
        args![&lower],
        |r| {
            Ok(Credentials {
                user: user(r)?,
                password_hash: r.text(AFTER_USER)?,
                failed_logins: r.int(AFTER_USER + 1)?,
                last_failed_login_at: r.opt_int(AFTER_USER + 2)?,
                login_locked_until: r.opt_int(AFTER_USER + 3)?,
            })
        },
    )
    .await
}

/// Counts a wrong password against an account. With `lock_until` the account
/// is locked until then and its count starts again, so the next lock needs as
/// many wrong passwords again.
pub async fn failed_login(tx: &Tx<'_>, user_id: i64, now: i64, lock_until: Option<i64>) -> Result<()> {
    match lock_until {
        Some(until) => tx.exec("UPDATE users SET failed_logins = 0, last_failed_login_at = ?2, login_locked_until = ?3 WHERE id = ?1", args![user_id, now, until]).await?,
        None => tx.exec("UPDATE users SET failed_logins = failed_logins + 1, last_failed_login_at = ?2 WHERE id = ?1", args![user_id, now]).await?,
    };
    Ok(())
}

/// A right password: the count of wrong ones starts again.
pub async fn login_succeeded(tx: &Tx<'_>, user_id: i64) -> Result<()> {
    tx.exec(
        "UPDATE users SET failed_logins = 0, last_failed_login_at = NULL, login_locked_until = NULL WHERE id = ?1 AND failed_logins > 0",
        args![user_id],
    )
    .await?;
    Ok(())
}

/// Ends every session of a member (suspension, password reset).
pub async fn end_sessions(tx: &Tx<'_>, user_id: i64) -> Result<u64> {
    tx.exec("DELETE FROM sessions WHERE user_id = ?1", args![user_id]).await
}

/// Ends a member's sessions but the one with `keep` (a password change from it).
pub async fn set_password(tx: &Tx<'_>, user_id: i64, password_hash: &str) -> Result<()> {
    tx.exec("UPDATE users SET password_hash = ?2, failed_logins = 0, login_locked_until = NULL WHERE id = ?1", args![user_id, password_hash]).await?;
    Ok(())
}

pub async fn password_hash(c: &Conn<'_>, user_id: i64) -> Result<Option<String>> {
    c.one("SELECT password_hash FROM users WHERE id = ?1", args![user_id], |r| r.text(0)).await
}

/// Sets a member's address; `verified_at` when they proved it is theirs.
pub async fn set_email(tx: &Tx<'_>, user_id: i64, email: Option<&str>, verified_at: Option<i64>) -> Result<()> {
    tx.exec("UPDATE users SET email = ?2, email_verified_at = ?3 WHERE id = ?1", args![user_id, email, verified_at]).await?;
    Ok(())
}

/// A member's choices about mail and watching.
#[derive(Debug, Clone, Copy)]
pub struct Preferences {
    pub frequency: EmailFrequency,
    pub digest: Digest,
    pub default_watch: Level,
}

pub async fn set_preferences(tx: &Tx<'_>, user_id: i64, p: Preferences) -> Result<()> {
    tx.exec(
        "UPDATE users SET email_frequency = ?2, digest = ?3, default_watch = ?4 WHERE id = ?1",
        args![user_id, p.frequency.as_str(), p.digest.as_str(), p.default_watch.as_str()],
    )
    .await?;
    Ok(())
}

/// Unsubscribing from every email, or from digests only.
pub async fn stop_email(tx: &Tx<'_>, user_id: i64, digests_only: bool) -> Result<()> {
    let sql = if digests_only {
        "UPDATE users SET digest = 'never' WHERE id = ?1"
    } else {
        "UPDATE users SET digest = 'never', email_frequency = 'never' WHERE id = ?1"
    };
    tx.exec(sql, args![user_id]).await?;
    Ok(())
}

/// Notes that the member is on the site at `now`. After a long enough gap a
/// new visit starts, and the one before becomes their previous visit.
pub async fn seen(tx: &Tx<'_>, user_id: i64, now: i64) -> Result<()> {
    tx.exec(
        "UPDATE users SET previous_visit_at = CASE WHEN ?2 - last_seen_at > ?3 THEN last_seen_at ELSE previous_visit_at END, last_seen_at = ?2 \
         WHERE id = ?1",
        args![user_id, now, VISIT_GAP_MS],
    )
    .await?;
    Ok(())
}

pub async fn set_standing(tx: &Tx<'_>, user_id: i64, column: Standing, value: Option<i64>) -> Result<()> {
    let sql = match column {
        Standing::TrustedAt => "UPDATE users SET trusted_at = ?2 WHERE id = ?1",
        Standing::SilencedUntil => "UPDATE users SET silenced_until = ?2 WHERE id = ?1",
        Standing::SuspendedUntil => "UPDATE users SET suspended_until = ?2 WHERE id = ?1",
    };
    if tx.exec(sql, args![user_id, value]).await? == 0 {
        return Err(StoreError::NotFound);
    }
    Ok(())
}

/// The member columns a moderator sets.
#[derive(Debug, Clone, Copy)]
pub enum Standing {
    TrustedAt,
    SilencedUntil,
    SuspendedUntil,
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

/// The ids of the members with these names (any case), for those that exist.
pub async fn ids_of(c: &Conn<'_>, names: &[String]) -> Result<Vec<i64>> {
    if names.is_empty() {
        return Ok(Vec::new());
    }
    let lower: Vec<String> = names.iter().map(|n| n.to_ascii_lowercase()).collect();
    c.all("SELECT id FROM users WHERE username_lower = ANY(?1)", args![&lower], |r| r.int(0)).await
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
               (SELECT COUNT(*) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL), s.last_write_at, \
               (SELECT COALESCE(MAX(n.created_at), 0) FROM notifications n WHERE n.user_id = u.id AND n.read_at IS NULL) \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.token_hash = ?1 AND s.expires_at > ?2 AND (u.suspended_until IS NULL OR u.suspended_until <= ?2)"
        ),
        args![token_hash, now],
        |r| {
            Ok(User {
                unread_notifications: r.int(AFTER_USER)?,
                session_wrote_at: r.int(AFTER_USER + 1)?,
                newest_unread_at: r.int(AFTER_USER + 2)?,
                ..user(r)?
            })
        },
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

/// A member by id.
pub async fn user_by_id(c: &Conn<'_>, id: i64) -> Result<Option<User>> {
    c.one(&format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = ?1"), args![id], user).await
}

/// Single steps, each its own read or transaction.
impl Store {
    pub async fn create_user(&self, username: &str, email: Option<&str>, password_hash: &str, role: Role) -> Result<User> {
        let (username, email, hash) = (username.to_owned(), email.map(str::to_owned), password_hash.to_owned());
        self.write(move |tx| Box::pin(async move { create_user(tx, &username, email.as_deref(), &hash, role).await })).await
    }

    pub async fn user_credentials(&self, username: &str) -> Result<Option<Credentials>> {
        let username = username.to_owned();
        self.read_primary(move |c| Box::pin(async move { credentials(c, &username).await })).await
    }

    pub async fn user_by_name(&self, username: &str) -> Result<Option<User>> {
        let username = username.to_owned();
        self.read(move |c| Box::pin(async move { user_by_name(c, &username).await })).await
    }

    pub async fn resolve_usernames(&self, lowercase_names: Vec<String>) -> Result<HashMap<String, String>> {
        // Most posts mention nobody: no read to hand off.
        if lowercase_names.is_empty() {
            return Ok(HashMap::new());
        }
        self.read_primary(move |c| Box::pin(async move { resolve_usernames(c, &lowercase_names).await })).await
    }

    pub async fn create_session(&self, token_hash: &str, user_id: i64, kind: SessionKind, expires_at: i64) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write_private(move |tx| Box::pin(async move { create_session(tx, &token_hash, user_id, kind, expires_at).await })).await
    }

    pub async fn session_user(&self, token_hash: &str, now: i64) -> Result<Option<User>> {
        let token_hash = token_hash.to_owned();
        self.read_primary_here(move |c| Box::pin(async move { session_user(c, &token_hash, now).await })).await
    }

    pub async fn touch_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write_private(move |tx| Box::pin(async move { touch_session(tx, &token_hash).await })).await
    }

    pub async fn delete_session(&self, token_hash: &str) -> Result<()> {
        let token_hash = token_hash.to_owned();
        self.write_private(move |tx| Box::pin(async move { delete_session(tx, &token_hash).await })).await
    }
}

/// Gives members who joined before lookalikes were checked their skeletons.
pub async fn fill_skeletons(tx: &Tx<'_>) -> Result<u64> {
    let missing = tx.all("SELECT id, username FROM users WHERE username_skeleton IS NULL", &[], |r| Ok((r.int(0)?, r.text(1)?))).await?;
    for (id, name) in &missing {
        tx.exec("UPDATE users SET username_skeleton = ?2 WHERE id = ?1", args![*id, &username_skeleton(name)]).await?;
    }
    Ok(missing.len() as u64)
}
