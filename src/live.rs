//! Live updates: each process's hub fans events out to its SSE streams.
//!
//! The `events` table is the source of truth. A write records its event in
//! its own transaction; after the commit the store signals, and the hub
//! *catches up*: it reads every event newer than the last one it published and
//! broadcasts them in id order. On PostgreSQL, other nodes' writes arrive as
//! NOTIFY signals that trigger the same catch-up, and a listener that
//! reconnects signals once more, so a gap in listening is filled from the
//! table rather than lost. Browsers that reconnect send
//! `Last-Event-ID` and are replayed from the table the same way.

use crate::store::{Event, Store, StoreError};
use std::sync::Arc;
use tokio::sync::{Mutex, broadcast};

/// Enough for bursts; a stream that falls further behind resyncs from the table.
const CHANNEL_CAPACITY: usize = 1024;
const CATCH_UP_BATCH: i64 = 500;

pub struct Hub {
    store: Arc<Store>,
    sender: broadcast::Sender<Arc<Event>>,
    /// The id of the last event broadcast; the lock also keeps catch-ups in order.
    published: Mutex<i64>,
}

impl Hub {
    /// Starts from the newest event already stored, and follows other nodes' writes.
    pub async fn start(store: Arc<Store>) -> Result<Arc<Hub>, StoreError> {
        let latest = store.latest_event_id().await?;
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        let hub = Arc::new(Hub { store: store.clone(), sender, published: Mutex::new(latest) });
        let mut committed = store.events_committed();
        store.follow_other_nodes();
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            while committed.changed().await.is_ok() {
                let Some(hub) = weak.upgrade() else { return };
                if let Err(e) = hub.catch_up().await {
                    tracing::warn!(error = %e, "could not read new events");
                }
            }
        });
        Ok(hub)
    }

    /// Broadcasts every stored event newer than the last one broadcast.
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        let mut published = self.published.lock().await;
        loop {
            let events = self.store.events_after(*published, CATCH_UP_BATCH).await?;
            let Some(last) = events.last() else { return Ok(()) };
            *published = last.id;
            let full_batch = events.len() as i64 == CATCH_UP_BATCH;
            for event in events {
                // No subscribers is fine: nobody is watching right now.
                let _ = self.sender.send(Arc::new(event));
            }
            if !full_batch {
                return Ok(());
            }
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<Event>> {
        self.sender.subscribe()
    }

    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }
}
