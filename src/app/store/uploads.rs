//! Pictures members upload, and the picture a member shows as their avatar.

use super::conn::{Conn, Tx, args};
use super::{Result, now_millis};
use crate::domain::uploads::Prepared;

/// A stored picture, as served.
pub struct Picture {
    pub content_type: String,
    pub key: String,
    pub bytes: Vec<u8>,
}

/// Keeps a prepared picture; returns its id.
pub async fn insert(tx: &Tx<'_>, user_id: i64, purpose: &str, key: &str, picture: &Prepared) -> Result<i64> {
    let id = tx
        .one(
            "INSERT INTO uploads (user_id, purpose, content_type, key, width, height, bytes, created_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) RETURNING id",
            args![user_id, purpose, picture.content_type, key, i64::from(picture.width), i64::from(picture.height), picture.bytes.as_slice(), now_millis()],
            |r| r.int(0),
        )
        .await?;
    id.ok_or_else(|| super::StoreError::message("the upload was not stored"))
}

pub async fn picture(c: &Conn<'_>, id: i64) -> Result<Option<Picture>> {
    c.one("SELECT content_type, key, bytes FROM uploads WHERE id = ?1", args![id], |r| {
        Ok(Picture { content_type: r.text(0)?, key: r.text(1)?, bytes: r.bytes(2)? })
    })
    .await
}

/// Sets (or with `None`, clears) the picture a member shows beside their name.
pub async fn set_avatar(tx: &Tx<'_>, user_id: i64, path: Option<&str>) -> Result<()> {
    tx.exec("UPDATE users SET avatar = ?1 WHERE id = ?2", args![path, user_id]).await?;
    Ok(())
}
