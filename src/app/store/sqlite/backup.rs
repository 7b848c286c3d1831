//! Backups of a SQLite community: a consistent snapshot of a live database,
//! and putting one back.
//!
//! The snapshot is `VACUUM INTO`, run on a connection of its own: it reads
//! inside one transaction, so in WAL mode the server's writers carry on and
//! the copy holds exactly what was committed when it began, compacted.

use super::MIGRATIONS;
use crate::app::store::{Result, StoreError};
use rusqlite::{Connection, OpenFlags};
use std::path::Path;

/// Writes a consistent copy of the database at `db` to `to`, which must not exist yet.
pub(in crate::app::store) fn backup(db: &str, to: &Path) -> Result<()> {
    if to.exists() {
        return Err(StoreError::message(format!("{} exists already: back up to a new file", to.display())));
    }
    if !Path::new(db).exists() {
        return Err(StoreError::message(format!("there is no database at {db}")));
    }
    let conn = Connection::open_with_flags(db, OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
    conn.busy_timeout(std::time::Duration::from_secs(30))?;
    let target = to.to_str().ok_or_else(|| StoreError::message("the backup file's name must be UTF-8"))?;
    conn.execute("VACUUM INTO ?1", [target])?;
    // The copy is on disk before we say so.
    std::fs::File::open(to).and_then(|f| f.sync_all()).map_err(|e| StoreError::failed("syncing the backup", e))?;
    check(to)?;
    Ok(())
}

/// Checks that `file` is a sound Jogette database that this version can open:
/// SQLite's integrity check passes and its schema is not from a newer release.
/// Returns its schema version.
pub(in crate::app::store) fn check(file: &Path) -> Result<usize> {
    let conn = Connection::open_with_flags(file, OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| StoreError::failed(format!("{} can't be opened as a database", file.display()), e))?;
    let verdict: Vec<String> = conn
        .prepare("PRAGMA integrity_check")
        .and_then(|mut s| s.query_map([], |r| r.get::<_, String>(0))?.collect())
        .map_err(|e| StoreError::failed(format!("{} is not a sound database", file.display()), e))?;
    if verdict != ["ok"] {
        return Err(StoreError::message(format!("{} failed its integrity check: {}", file.display(), verdict.join("; "))));
    }
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let members: i64 = conn
        .query_row("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name IN ('users', 'posts', 'threads')", [], |r| r.get(0))?;
    if members != 3 {
        return Err(StoreError::message(format!("{} is not a Jogette database", file.display())));
    }
    if version as usize > MIGRATIONS.len() {
        return Err(StoreError::message(format!(
            "{} comes from a newer Jogette (schema {version}; this one knows {}): upgrade first",
            file.display(),
            MIGRATIONS.len()
        )));
    }
    Ok(version as usize)
}

/// Puts the checked backup `from` in place of the database at `db`. Refused
/// while anything has the database open, so stop Jogette first; the next start
/// migrates an older backup forward.
pub(in crate::app::store) fn restore(db: &str, from: &Path) -> Result<usize> {
    let version = check(from)?;
    let target = Path::new(db);
    if target.exists() {
        // Leaving WAL mode needs the database to itself: a running server
        // holds it open, and then this fails rather than pulling the file
        // from under it.
        let conn = Connection::open(target)?;
        conn.busy_timeout(std::time::Duration::from_millis(200))?;
        let mode: std::result::Result<String, _> = conn.query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0));
        match mode {
            Ok(mode) if mode.eq_ignore_ascii_case("delete") => {}
            _ => {
                return Err(StoreError::message(format!(
                    "{db} is in use: stop Jogette (every node using this file) before restoring over it"
                )));
            }
        }
    }
    let staging = target.with_extension("restoring");
    std::fs::copy(from, &staging).map_err(|e| StoreError::failed(format!("copying {} beside {db}", from.display()), e))?;
    std::fs::File::open(&staging).and_then(|f| f.sync_all()).map_err(|e| StoreError::failed("syncing the restored copy", e))?;
    for stale in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{db}{stale}"));
    }
    std::fs::rename(&staging, target).map_err(|e| StoreError::failed(format!("putting the restored copy in place of {db}"), e))?;
    if let Some(dir) = target.parent().filter(|d| !d.as_os_str().is_empty()) {
        let _ = std::fs::File::open(dir).and_then(|d| d.sync_all());
    }
    Ok(version)
}
