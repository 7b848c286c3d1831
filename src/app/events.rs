//! Live updates: each process's hub fans events out to the streams that follow them.
//!
//! The `events` table is the source of truth. A write records its event in
//! its own transaction; after the commit the store signals, and the hub
//! *catches up*: it reads the events it has not broadcast yet and broadcasts
//! them. On PostgreSQL other nodes' commits arrive as NOTIFY signals that
//! trigger the same catch-up, and a listener that reconnects signals once
//! more, so a gap in listening is filled from the table rather than lost.
//! Browsers that reconnect send `Last-Event-ID` and are replayed from the table.
//!
//! On PostgreSQL event ids come from a sequence, so a transaction can commit
//! after another that took a later id. The hub therefore keeps reading from
//! the lowest id it is still missing, and broadcasts a late event when it
//! arrives; an id missing for [`GAP_WAIT`] belonged to a transaction that
//! rolled back, and is given up.

use super::access::{self, Viewer};
use super::store::{Event, Store, StoreError};
use super::{App, Error, Result};
use std::collections::{BTreeSet, HashSet, VecDeque};
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Mutex, broadcast};

/// Enough for bursts; a stream that falls further behind resyncs from the table.
const CHANNEL_CAPACITY: usize = 1024;
const CATCH_UP_BATCH: i64 = 500;
/// How long a missing event id is waited for. Transactions write their event
/// last, just before committing, so a real one arrives within milliseconds.
pub const GAP_WAIT: Duration = Duration::from_secs(3);
/// A client further behind than this is told to reload instead of replayed.
const MAX_REPLAY: i64 = 1000;

pub struct Hub {
    store: Arc<Store>,
    sender: broadcast::Sender<Arc<Event>>,
    /// What has been broadcast; the lock also keeps catch-ups in order.
    cursor: Mutex<Cursor>,
}

/// Which event ids the hub has handled.
#[derive(Debug, Default)]
struct Cursor {
    /// Every id up to here was broadcast, or given up on.
    done: i64,
    /// Ids above `done` already broadcast.
    sent: BTreeSet<i64>,
    /// Since when `done + 1` has been missing while later ids were there.
    gap_since: Option<Instant>,
}

impl Cursor {
    /// Takes the events read after `done` (oldest first) and returns those
    /// not broadcast yet; then moves `done` up past what is settled.
    fn take(&mut self, events: Vec<Event>, now: Instant) -> Vec<Event> {
        let fresh: Vec<Event> = events.into_iter().filter(|e| e.id > self.done && self.sent.insert(e.id)).collect();
        loop {
            let next = self.done + 1;
            if self.sent.remove(&next) {
                self.done = next;
                self.gap_since = None;
                continue;
            }
            let Some(&later) = self.sent.first() else { break };
            // `next` is missing while later events are here.
            let since = *self.gap_since.get_or_insert(now);
            if now.duration_since(since) < GAP_WAIT {
                break;
            }
            self.done = later - 1;
            self.gap_since = None;
        }
        fresh
    }
}

impl Hub {
    /// Starts from the newest event already stored, and follows this
    /// process's commits and other nodes'.
    pub async fn start(store: Arc<Store>) -> Result<Arc<Hub>, StoreError> {
        let latest = store.latest_event_id().await?;
        let (sender, _) = broadcast::channel(CHANNEL_CAPACITY);
        let mut committed = store.events_committed();
        store.follow_other_nodes();
        let hub = Arc::new(Hub { store, sender, cursor: Mutex::new(Cursor { done: latest, ..Cursor::default() }) });
        let weak = Arc::downgrade(&hub);
        tokio::spawn(async move {
            while committed.changed().await.is_ok() {
                let Some(hub) = weak.upgrade() else { return };
                if let Err(e) = hub.catch_up().await {
                    tracing::warn!(error = %super::error_chain(&e), "could not read new events");
                }
            }
        });
        Ok(hub)
    }

    /// Broadcasts every stored event not broadcast yet.
    pub async fn catch_up(&self) -> Result<(), StoreError> {
        let mut cursor = self.cursor.lock().await;
        let mut after = cursor.done;
        loop {
            let events = self.store.events_after(after, CATCH_UP_BATCH).await?;
            let Some(last) = events.last().map(|e| e.id) else { break };
            let full_batch = events.len() as i64 == CATCH_UP_BATCH;
            after = last;
            for event in cursor.take(events, Instant::now()) {
                // No subscribers is fine: nobody is watching right now.
                let _ = self.sender.send(Arc::new(event));
            }
            if !full_batch {
                break;
            }
        }
        Ok(())
    }
}

/// What a stream follows.
#[derive(Debug, Clone, Copy)]
pub enum Scope {
    Thread(i64),
    Category(i64),
    /// New and updated threads anywhere (the home page).
    Everywhere,
    /// The review queue, for moderators.
    Queue,
    /// Only the member's own events.
    Mine,
}

impl Scope {
    fn wants(self, e: &Event) -> bool {
        if e.user_id.is_some() {
            // A member's own events reach every page they have open, whatever it follows.
            return true;
        }
        let list_change = matches!(e.kind.as_str(), "thread-created" | "post-created");
        match self {
            Scope::Thread(id) => e.thread_id == Some(id) && e.kind != "review",
            Scope::Category(id) => list_change && e.category_id == Some(id),
            Scope::Everywhere => list_change,
            Scope::Queue => e.kind == "review",
            Scope::Mine => false,
        }
    }
}

/// What a follower hears next.
pub enum Update {
    Event(Arc<Event>),
    /// The follower fell too far behind to be replayed: reload the page.
    Reset,
}

/// One live stream: what it missed first, then what happens, as its viewer may see it.
pub struct Follower {
    hub: Arc<Hub>,
    viewer: Viewer,
    scope: Scope,
    receiver: broadcast::Receiver<Arc<Event>>,
    backlog: VecDeque<Arc<Event>>,
    /// Ids sent from the table, which the hub may broadcast too.
    replayed: HashSet<i64>,
    /// The highest id handled, sent or filtered out.
    seen: i64,
    reset: bool,
    /// Members-only categories, which guests hear nothing of.
    private: Vec<access::PrivateCategory>,
}

impl Follower {
    pub async fn next(&mut self) -> Option<Update> {
        loop {
            if self.reset {
                self.reset = false;
                return Some(Update::Reset);
            }
            let event = match self.backlog.pop_front() {
                Some(event) => event,
                None => match self.receiver.recv().await {
                    Ok(event) if self.replayed.remove(&event.id) => continue,
                    Ok(event) => event,
                    // Fell behind the hub: read what was skipped from the table.
                    Err(broadcast::error::RecvError::Lagged(_)) => {
                        self.replay().await;
                        continue;
                    }
                    Err(broadcast::error::RecvError::Closed) => return None,
                },
            };
            self.seen = self.seen.max(event.id);
            if event.kind == "category-changed" {
                self.private = private_categories(&self.hub.store).await;
            }
            if self.scope.wants(&event) && access::may_see_event(&self.viewer, &event, &self.private) {
                return Some(Update::Event(event));
            }
        }
    }

    async fn replay(&mut self) {
        match self.hub.store.events_after(self.seen, MAX_REPLAY + 1).await {
            Ok(events) if events.len() as i64 > MAX_REPLAY => {
                self.reset = true;
                self.seen = events.last().map_or(self.seen, |e| e.id);
            }
            Ok(events) => {
                self.replayed.extend(events.iter().map(|e| e.id));
                self.backlog.extend(events.into_iter().map(Arc::new));
            }
            Err(e) => tracing::warn!(error = %super::error_chain(&e), "could not replay events"),
        }
    }
}

/// The members-only categories' ids; none when they can't be read (events
/// carry ids only, so a stream that hears one too many leaks no words).
async fn private_categories(store: &Store) -> Vec<access::PrivateCategory> {
    match store.categories().await {
        Ok(categories) => categories
            .into_iter()
            .filter(|c| c.members_only || c.staff_only)
            .map(|c| access::PrivateCategory { id: c.id, staff_only: c.staff_only })
            .collect(),
        Err(e) => {
            tracing::warn!(error = %super::error_chain(&e), "could not read categories for a live stream");
            Vec::new()
        }
    }
}

impl App {
    async fn hub(&self) -> Result<&Arc<Hub>> {
        // Started on first use, so command-line tasks never listen.
        Ok(self.hub.get_or_try_init(|| Hub::start(self.store.clone())).await?)
    }

    /// A live stream of one thread, one category (by slug), everywhere, the
    /// review queue (for moderators), or only the member's own events,
    /// replaying first what came after `last_event_id`. Every stream also
    /// carries the member's own events.
    pub async fn follow(
        &self,
        viewer: Viewer,
        thread: Option<i64>,
        category: Option<&str>,
        queue: bool,
        mine: bool,
        last_event_id: Option<i64>,
    ) -> Result<Follower> {
        let scope = match (thread, category, queue) {
            (Some(id), ..) => Scope::Thread(self.thread(id).await?.id),
            (None, Some(slug), _) => Scope::Category(self.store.category(slug).await?.ok_or(Error::NotFound)?.id),
            (None, None, true) => {
                access::check(&viewer, crate::domain::permission::Action::Moderate, crate::domain::permission::Subject::Community)?;
                Scope::Queue
            }
            (None, None, false) if mine => {
                viewer.member_or_login()?;
                Scope::Mine
            }
            (None, None, false) => Scope::Everywhere,
        };
        let hub = self.hub().await?.clone();
        // Subscribe before reading the table, so nothing falls between the two.
        let receiver = hub.sender.subscribe();
        let private = private_categories(&self.store).await;
        let mut follower = Follower { hub, viewer, scope, receiver, backlog: VecDeque::new(), replayed: HashSet::new(), seen: 0, reset: false, private };
        match last_event_id {
            Some(id) => {
                follower.seen = id;
                follower.replay().await;
            }
            None => follower.seen = self.store.latest_event_id().await?,
        }
        Ok(follower)
    }

    /// Events with ids above `after`, oldest first, at most `limit`: what a
    /// reconnecting stream replays, and what the crash tests read back.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>> {
        Ok(self.store.events_after(after, limit).await?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn events(ids: &[i64]) -> Vec<Event> {
        ids.iter()
            .map(|&id| Event { id, kind: "post-created".into(), thread_id: Some(1), post_id: Some(id), category_id: Some(1), user_id: None, created_at: 0 })
            .collect()
    }

    fn ids(events: Vec<Event>) -> Vec<i64> {
        events.into_iter().map(|e| e.id).collect()
    }

    #[test]
    fn events_in_order_are_broadcast_once() {
        let mut c = Cursor { done: 10, ..Cursor::default() };
        let now = Instant::now();
        assert_eq!(ids(c.take(events(&[11, 12]), now)), [11, 12]);
        assert_eq!(c.done, 12);
        assert_eq!(ids(c.take(events(&[12, 13]), now)), [13], "an event read twice is broadcast once");
    }

    #[test]
    fn an_event_that_commits_late_is_still_broadcast() {
        let mut c = Cursor { done: 10, ..Cursor::default() };
        let now = Instant::now();
        // 11's transaction has not committed yet; 12's has.
        assert_eq!(ids(c.take(events(&[12]), now)), [12]);
        assert_eq!(c.done, 10, "reading resumes below the gap");
        assert_eq!(ids(c.take(events(&[11, 12]), now + Duration::from_millis(5))), [11]);
        assert_eq!(c.done, 12);
    }

    #[test]
    fn an_id_whose_transaction_rolled_back_is_given_up_after_a_while() {
        let mut c = Cursor { done: 10, ..Cursor::default() };
        let start = Instant::now();
        assert_eq!(ids(c.take(events(&[12, 13]), start)), [12, 13]);
        assert_eq!(ids(c.take(events(&[12, 13]), start + GAP_WAIT / 2)), Vec::<i64>::new());
        assert_eq!(c.done, 10);
        assert_eq!(ids(c.take(events(&[12, 13, 14]), start + GAP_WAIT)), [14]);
        assert_eq!(c.done, 14);
        assert!(c.sent.is_empty());
    }
}
