//! Events across app nodes: NOTIFY inside the writing transaction, LISTEN on
//! a connection of its own.
//!
//! NOTIFY is delivered when its transaction commits and never when it rolls
//! back, so other nodes hear of exactly the events that happened. It carries
//! no data: each node reads the `events` table, so a notification lost while
//! a listener was away costs only a catch-up, which the listener asks for
//! each time it reconnects.

use super::Conn;
use crate::app::store::Result;

/// Tells every listening node, at this transaction's commit, that there are
/// new events, and which node wrote them.
pub(in crate::app::store) async fn announce(conn: &Conn<'_>, channel: &str, node: &str) -> Result<()> {
    conn.exec("SELECT pg_notify(?1, ?2)", crate::app::store::conn::args![channel, node]).await.map(|_| ())
}

/// Holds a connection that LISTENs for new events and bumps `signal` for each
/// one, and `changes` (see [`crate::app::store::Store::changes`]) for each
/// from another node than `node` (this node counted its own as it committed
/// them). When the connection drops it reconnects, and bumps both once more
/// on reconnecting: notifications sent while it was away are lost, so the
/// hub resyncs from the table.
pub(in crate::app::store) async fn listen(
    url: String,
    channel: String,
    node: String,
    signal: tokio::sync::watch::Sender<u64>,
    changes: std::sync::Arc<std::sync::atomic::AtomicU64>,
) {
    use futures_util::StreamExt;
    use tokio_postgres::NoTls;
    let bump = |theirs: bool| {
        if theirs {
            changes.fetch_add(1, std::sync::atomic::Ordering::Release);
        }
        signal.send_modify(|n| *n += 1)
    };
    let mut backoff = std::time::Duration::from_millis(100);
    loop {
        match tokio_postgres::connect(&url, NoTls).await {
            Ok((client, mut connection)) => {
                let mut messages = futures_util::stream::poll_fn(move |cx| connection.poll_message(cx));
                let statement = format!("LISTEN {channel}");
                let listen = client.batch_execute(&statement);
                // The connection must be polled for LISTEN to complete.
                let listened = tokio::select! {
                    r = listen => r.is_ok(),
                    _ = messages.next() => false,
                };
                if listened {
                    backoff = std::time::Duration::from_millis(100);
                    bump(true);
                    while let Some(message) = messages.next().await {
                        match message {
                            Ok(tokio_postgres::AsyncMessage::Notification(n)) => bump(n.payload() != node),
                            Ok(_) => {}
                            Err(e) => {
                                tracing::warn!(error = %e, "event listener connection lost; reconnecting");
                                break;
                            }
                        }
                    }
                }
                drop(client);
            }
            Err(e) => tracing::warn!(error = %e, "event listener cannot connect; retrying"),
        }
        if signal.is_closed() {
            return;
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(std::time::Duration::from_secs(5));
    }
}
