//! The events table: what changed, in order, for live pages on every node.
//!
//! An event is a side record: [`record`] writes it in the transaction of the
//! change it describes, so it exists exactly when the change does. Listeners
//! read the table after the commit; NOTIFY (on PostgreSQL) and the local
//! signal only say "there is something new".

use super::conn::{Conn, Tx, Wake, args};
use super::{Result, Store, StoreError, now_millis};
use serde::Serialize;

/// Something that changed, for live updates. Ids only: listeners read what they need.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Event {
    pub id: i64,
    pub kind: String,
    pub thread_id: Option<i64>,
    pub post_id: Option<i64>,
    pub category_id: Option<i64>,
    /// For one member's pages only (their notifications changed).
    #[serde(skip)]
    pub user_id: Option<i64>,
    #[serde(skip)]
    pub created_at: i64,
}

/// What a change did, for [`record`]. The thread's category is looked up as
/// the event is written, so category pages can follow it.
#[derive(Debug, Clone)]
pub struct NewEvent {
    pub kind: &'static str,
    pub thread_id: Option<i64>,
    pub post_id: Option<i64>,
}

/// Records `event` as part of the transaction's change; live pages hear of it after the commit.
pub async fn record(tx: &Tx<'_>, event: &NewEvent) -> Result<i64> {
    let id = tx
        .one(
            "INSERT INTO events (kind, thread_id, post_id, category_id, created_at) \
             VALUES (?1, ?2, ?3, (SELECT category_id FROM threads WHERE id = ?2), ?4) RETURNING id",
            args![event.kind, event.thread_id, event.post_id, now_millis()],
            |r| r.int(0),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    tx.after_commit(Wake::EVENTS);
    Ok(id)
}

/// Events with ids above `after`, oldest first, at most `limit`.
pub async fn events_after(c: &Conn<'_>, after: i64, limit: i64) -> Result<Vec<Event>> {
    c.all(
        "SELECT id, kind, thread_id, post_id, category_id, created_at, user_id FROM events WHERE id > ?1 ORDER BY id LIMIT ?2",
        args![after, limit],
        |r| {
            Ok(Event {
                id: r.int(0)?,
                kind: r.text(1)?,
                thread_id: r.opt_int(2)?,
                post_id: r.opt_int(3)?,
                category_id: r.opt_int(4)?,
                created_at: r.int(5)?,
                user_id: r.opt_int(6)?,
            })
        },
    )
    .await
}

/// Read on the primary: events from other nodes reach it first.
impl Store {
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>> {
        self.read_primary(move |c| Box::pin(events_after(c, after, limit))).await
    }

    pub async fn latest_event_id(&self) -> Result<i64> {
        self.read_primary(|c| Box::pin(async move { Ok(c.one("SELECT COALESCE(MAX(id), 0) FROM events", &[], |r| r.int(0)).await?.unwrap_or(0)) }))
            .await
    }
}
