//! Server-Sent Events for live pages: `GET /api/v1/events?thread=ID`, `?category=SLUG`,
//! `?queue=true` (moderators), `?mine=true` (only the member's own
//! notification count), or no filter for new and updated threads everywhere
//! (the home page). Every stream also carries the member's own events.
//!
//! A stream first replays what the client missed (events after its
//! `Last-Event-ID`), then follows the hub, as `app::events` decides. Ids are
//! the events table's, so they mean the same on every node.

use super::AppState;
use super::auth::Visitor;
use super::error::Error;
use crate::app::events::Update;
use axum::extract::{Query, State};
use axum::http::HeaderMap;
use axum::response::sse::{self, KeepAlive, Sse};
use futures_util::Stream;
use serde::Deserialize;
use std::convert::Infallible;

#[derive(Deserialize)]
pub struct Filter {
    thread: Option<i64>,
    category: Option<String>,
    /// The review queue, for moderators.
    #[serde(default)]
    queue: bool,
    /// Only the member's own events (their notification count), for pages
    /// that follow nothing else.
    #[serde(default)]
    mine: bool,
    last_event_id: Option<i64>,
}

fn message(update: Update) -> sse::Event {
    match update {
        Update::Event(event) => sse::Event::default()
            .id(event.id.to_string())
            .event(event.kind.clone())
            .json_data(&*event)
            .unwrap_or_else(|_| sse::Event::default().comment("unserialisable event")),
        // Too much happened to replay: the page should reload.
        Update::Reset => sse::Event::default().event("reset").data(r#"{"kind":"reset"}"#),
    }
}

pub async fn stream(
    State(state): State<AppState>,
    visitor: Visitor,
    headers: HeaderMap,
    Query(filter): Query<Filter>,
) -> Result<([(&'static str, &'static str); 1], Sse<impl Stream<Item = Result<sse::Event, Infallible>>>), Error> {
    // An id we never sent can't say where to resume from: better said than guessed.
    let header = match headers.get("last-event-id").map(|v| v.to_str().ok().and_then(|v| v.trim().parse::<i64>().ok()).filter(|id| *id >= 0)) {
        Some(None) => return Err(Error::BadRequest("Last-Event-ID must be the id of an event this stream sent.".into())),
        Some(Some(id)) => Some(id),
        None => None,
    };
    let last_event_id = header.or(filter.last_event_id);
    let follower = state.app.follow(visitor.viewer, filter.thread, filter.category.as_deref(), filter.queue, filter.mine, last_event_id).await?;
    let events = futures_util::stream::unfold(follower, |mut f| async move { f.next().await.map(|u| (Ok(message(u)), f)) });
    let sse = Sse::new(events).keep_alive(KeepAlive::new().interval(state.app.config().sse_keep_alive));
    // Tell proxies such as nginx not to buffer the stream.
    Ok(([("x-accel-buffering", "no")], sse))
}
