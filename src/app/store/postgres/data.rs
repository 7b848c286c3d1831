//! Bulk loads on PostgreSQL: lists arrive as arrays, and a filled table is
//! analysed and its identity moved past the copied ids.

use super::Conn;
use crate::app::store::Result;

/// Members' post and thanks counts by id, then categories' thread and post counts by id.
pub(in crate::app::store) const SET_COUNTERS: [&str; 2] = [
    "UPDATE users u SET post_count = c.n, thanks_received = c.t FROM unnest(?1::bigint[], ?2::bigint[]) WITH ORDINALITY AS c(n, t, id) WHERE u.id = c.id",
    "UPDATE categories k SET thread_count = c.t, post_count = c.p FROM unnest(?1::bigint[], ?2::bigint[]) WITH ORDINALITY AS c(t, p, id) \
     WHERE k.id = c.id",
];

/// After rows were loaded into `table`: plans cached while it was small
/// (foreign-key checks, trigger statements) would otherwise keep scanning it
/// whole as it grows, and identity columns must carry on after the copied ids.
pub(in crate::app::store) async fn after_import(conn: &Conn<'_>, table: &str, has_identity: bool) -> Result<()> {
    conn.batch(&format!("ANALYZE {table}")).await?;
    if has_identity {
        conn.batch(&format!("SELECT setval(pg_get_serial_sequence('{table}', 'id'), GREATEST((SELECT MAX(id) FROM {table}), 1))")).await?;
    }
    Ok(())
}
