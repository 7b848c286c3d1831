//! Events on SQLite. One process owns the database file, so there is no
//! other node to tell: the writer's commit answers its callers, and
//! `Store::write` then wakes this process's hub, which reads the new rows.
//! Nothing here differs from the shared statements in `store::events`.
