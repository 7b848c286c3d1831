//! The community's own settings, shared by every app node.

use super::conn::{Conn, Tx, args};
use super::Result;

/// Every setting as stored; those never set take the domain's defaults.
pub async fn settings(c: &Conn<'_>) -> Result<Vec<(String, String)>> {
    c.all("SELECT key, value FROM settings ORDER BY key", &[], |r| Ok((r.text(0)?, r.text(1)?))).await
}

pub async fn set_setting(tx: &Tx<'_>, key: &str, value: &str) -> Result<()> {
    tx.exec("INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value", args![key, value]).await?;
    Ok(())
}
