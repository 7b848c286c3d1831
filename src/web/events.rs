//! Server-Sent Events for live pages: `GET /api/v1/events?thread=ID`, `?category=SLUG`,
//! or no filter for new and updated threads everywhere (the home page).
//!
//! A stream first replays what the client missed (events after its
//! `Last-Event-ID`), then follows the hub. Ids are the events table's, so they
//! mean the same on every node.

use super::{AppState, error::Error};
use crate::store::Event;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use std::collections::VecDeque;
use std::convert::Infallible;
use std::sync::Arc;
use tokio::sync::broadcast;

/// A client further behind than this is told to reload instead of replayed.
const MAX_REPLAY: i64 = 1000;

#[derive(Deserialize)]
pub struct Filter {
    thread: Option<i64>,
    category: Option<String>,
    last_event_id: Option<i64>,
}

#[derive(Clone, Copy)]
enum Scope {
    Thread(i64),
    Category(i64),
    Everywhere,
}

impl Scope {
    fn wants(self, e: &Event) -> bool {
        let list_change = matches!(e.kind.as_str(), "thread-created" | "post-created");
        match self {
            Scope::Thread(id) => e.thread_id == Some(id),
            Scope::Category(id) => list_change && e.category_id == Some(id),
            Scope::Everywhere => list_change,
        }
    }
}

struct Follower {
    state: AppState,
    scope: Scope,
    receiver: broadcast::Receiver<Arc<Event>>,
    backlog: VecDeque<Event>,
    /// Highest event id handled, sent or filtered out.
    seen: i64,
    reset: bool,
}

fn message(event: &Event) -> sse::Event {
    sse::Event::default()
        .id(event.id.to_string())
        .event(event.kind.clone())
        .json_data(event)
        .unwrap_or_else(|_| sse::Event::default().comment("unserialisable event"))
}

impl Follower {
    async fn next(&mut self) -> Option<sse::Event> {
        loop {
            if self.reset {
                self.reset = false;
                return Some(sse::Event::default().event("reset").data("reload"));
            }
            if let Some(event) = self.backlog.pop_front() {
                self.seen = self.seen.max(event.id);
                if self.scope.wants(&event) {
                    return Some(message(&event));
                }
                continue;
            }
            match self.receiver.recv().await {
                Ok(event) if event.id <= self.seen => {}
                Ok(event) => {
                    self.seen = event.id;
                    if self.scope.wants(&event) {
                        return Some(message(&event));
                    }
                }
                // Fell behind the hub: read what was skipped from the table.
                Err(broadcast::error::RecvError::Lagged(_)) => self.replay().await,
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    }

    async fn replay(&mut self) {
        match self.state.store.events_after(self.seen, MAX_REPLAY + 1).await {
            Ok(events) if events.len() as i64 > MAX_REPLAY => {
                self.reset = true;
                self.seen = events.last().map_or(self.seen, |e| e.id);
            }
            Ok(events) => self.backlog.extend(events),
            Err(e) => tracing::warn!(error = %e, "could not replay events"),
        }
    }
}

pub async fn stream(
    State(state): State<AppState>,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> Result<([(&'static str, &'static str); 1], Sse<impl Stream<Item = Result<sse::Event, Infallible>>>), Error> {
    let scope = match (&filter.thread, &filter.category) {
        (Some(id), _) => {
            state.store.thread(*id).await?.ok_or(Error::NotFound)?;
            Scope::Thread(*id)
        }
        (None, Some(slug)) => Scope::Category(state.store.category(slug).await?.ok_or(Error::NotFound)?.id),
        (None, None) => Scope::Everywhere,
    };
    let last_event_id = headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<i64>().ok())
        .or(filter.last_event_id);
    // Subscribe before reading the table, so nothing falls between the two.
    let receiver = state.live.subscribe();
    let mut follower = Follower { state: state.clone(), scope, receiver, backlog: VecDeque::new(), seen: 0, reset: false };
    match last_event_id {
        Some(id) => {
            follower.seen = id;
            follower.replay().await;
        }
        None => follower.seen = state.store.latest_event_id().await?,
    }
    let events = futures_util::stream::unfold(follower, |mut f| async move { f.next().await.map(|e| (Ok(e), f)) });
    let sse = Sse::new(events).keep_alive(KeepAlive::new().interval(state.config.sse_keep_alive));
    // Tell proxies such as nginx not to buffer the stream.
    Ok(([("x-accel-buffering", "no")], sse))
}
