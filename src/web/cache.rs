//! Pages kept for guests: a thread that a link brought a thousand readers to
//! is rendered once, not a thousand times.
//!
//! Every guest sees the same page at the same address, so a guest's `GET`
//! (no session cookie, no bearer token) may be answered from a page rendered
//! for an earlier guest, if its handler said the page is the same for every
//! guest ([`SameForEveryGuest`]). A kept page is good while nothing that
//! guests might see has changed since it was rendered: it carries the value
//! [`crate::app::App::changes`] had before rendering, and is dropped once that
//! moves (after any such commit here, or another node's NOTIFY). It is also
//! dropped after [`FRESH_FOR`], so that "5 minutes ago" stays true and changes
//! on other nodes that announce no event still show soon.
//!
//! Guests who ask for a page while another guest's request renders it wait
//! for that render instead of starting their own, so a page that has just
//! changed is rendered once, not once per waiting reader.
//!
//! Kept pages carry an `ETag`, so a browser coming back gets `304 Not
//! Modified` instead of the page, and `Vary: Cookie`, so no cache hands a
//! guest's page to a member. The kept bytes are bounded ([`MAX_BYTES`]).

use super::AppState;
use super::auth::{CsrfToken, SESSION_COOKIE};
use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, RwLock};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

/// How long a kept page may be served, however quiet the forum.
pub const FRESH_FOR: Duration = Duration::from_secs(2);
/// The most bytes of pages kept at once.
pub const MAX_BYTES: usize = 8 << 20;
/// Larger pages are served but not kept.
const MAX_PAGE: usize = 512 << 10;

/// Put in a response's extensions by a handler whose page is the same for
/// every guest at that address: it may be kept and served to the next one.
#[derive(Clone, Copy)]
pub struct SameForEveryGuest;

/// The kept pages of one node.
#[derive(Default)]
pub struct Pages {
    kept: RwLock<HashMap<String, Kept>>,
    /// Renders under way, by address.
    flights: Mutex<HashMap<String, Flight>>,
    bytes: AtomicUsize,
    hits: AtomicU64,
    misses: AtomicU64,
}

#[derive(Clone)]
struct Kept {
    changes: u64,
    at: Instant,
    headers: HeaderMap,
    etag: HeaderValue,
    body: Bytes,
}

/// A render under way: what [`App::changes`](crate::app::App::changes) was
/// when it began, and where its page will land.
struct Flight {
    changes: u64,
    landed: tokio::sync::watch::Receiver<Option<Kept>>,
}

/// What a guest's request does about a page it found no fresh copy of.
enum Boarding {
    /// Render it, and hand it to those who wait.
    Lead(Leader),
    /// Wait for the render another request started.
    Wait(tokio::sync::watch::Receiver<Option<Kept>>),
    /// Render it alone: a render of a newer state is already under way.
    Alone,
}

/// The request rendering a page that others may wait for. However it ends
/// (even dropped, when its client goes away), the waiting are let go.
struct Leader {
    pages: Arc<Pages>,
    address: String,
    changes: u64,
    landed: tokio::sync::watch::Sender<Option<Kept>>,
}

impl Leader {
    fn land(self, page: Option<Kept>) {
        self.landed.send_replace(page);
    }
}

impl Drop for Leader {
    fn drop(&mut self) {
        let mut flights = self.pages.flights.lock().unwrap_or_else(|p| p.into_inner());
        if flights.get(&self.address).is_some_and(|f| f.changes == self.changes) {
            flights.remove(&self.address);
        }
    }
}

impl Pages {
    /// What `/metrics` shows of the kept pages.
    pub fn counts(&self) -> crate::app::kept::Counts {
        crate::app::kept::Counts {
            hits: self.hits.load(Ordering::Relaxed),
            misses: self.misses.load(Ordering::Relaxed),
            bytes: self.bytes.load(Ordering::Relaxed),
        }
    }

    fn fresh(&self, address: &str, changes: u64) -> Option<Kept> {
        let kept = self.kept.read().unwrap_or_else(|p| p.into_inner());
        kept.get(address).filter(|k| k.changes == changes && k.at.elapsed() < FRESH_FOR).cloned()
    }

    fn board(self: &Arc<Self>, address: &str, changes: u64) -> Boarding {
        let mut flights = self.flights.lock().unwrap_or_else(|p| p.into_inner());
        match flights.get(address) {
            Some(flight) if flight.changes == changes => return Boarding::Wait(flight.landed.clone()),
            Some(flight) if flight.changes > changes => return Boarding::Alone,
            _ => {}
        }
        let (landed, waiting) = tokio::sync::watch::channel(None);
        flights.insert(address.to_owned(), Flight { changes, landed: waiting });
        Boarding::Lead(Leader { pages: self.clone(), address: address.to_owned(), changes, landed })
    }

    fn keep(&self, address: String, page: Kept) {
        let size = |address: &str, page: &Kept| address.len() + page.body.len();
        let adding = size(&address, &page);
        let mut kept = self.kept.write().unwrap_or_else(|p| p.into_inner());
        let mut bytes = self.bytes.load(Ordering::Relaxed);
        if let Some(old) = kept.remove(&address) {
            bytes -= size(&address, &old);
        }
        if bytes + adding > MAX_BYTES {
            // Stale pages go first; if that isn't enough, all of them: a
            // busy page is back after its next request.
            kept.retain(|_, k| k.at.elapsed() < FRESH_FOR);
            bytes = kept.iter().map(|(a, k)| size(a, k)).sum();
            if bytes + adding > MAX_BYTES {
                kept.clear();
                bytes = 0;
            }
        }
        kept.insert(address, page);
        self.bytes.store(bytes + adding, Ordering::Relaxed);
    }
}

/// The middleware: answers a guest's `GET` from a kept page, or renders it
/// and keeps it when its handler allows.
pub async fn guest_pages(State(state): State<AppState>, request: Request, next: Next) -> Response {
    if request.method() != Method::GET || !is_guest(request.headers()) {
        return next.run(request).await;
    }
    let address = request.uri().path_and_query().map_or("/", |p| p.as_str());
    let asked = request.headers().get(header::IF_NONE_MATCH).cloned();
    // Read before rendering: a change committed while the page renders
    // leaves it marked with the older value, so it is not served again.
    let changes = state.app.changes();
    if let Some(page) = state.pages.fresh(address, changes) {
        state.pages.hits.fetch_add(1, Ordering::Relaxed);
        return answer(page, asked.as_ref());
    }
    let leader = match state.pages.board(address, changes) {
        Boarding::Lead(leader) => Some(leader),
        Boarding::Alone => None,
        Boarding::Wait(mut landed) => {
            let page = landed.wait_for(Option::is_some).await.ok().and_then(|page| page.clone());
            if let Some(page) = page {
                state.pages.hits.fetch_add(1, Ordering::Relaxed);
                return answer(page, asked.as_ref());
            }
            // The render it waited for gave nothing to share: render its own.
            None
        }
    };
    let address = address.to_owned();
    let csrf = request.extensions().get::<CsrfToken>().map(|t| t.0.clone());
    let response = next.run(request).await;
    if response.status() != StatusCode::OK
        || response.extensions().get::<SameForEveryGuest>().is_none()
        || response.headers().contains_key(header::SET_COOKIE)
    {
        return response;
    }
    let (parts, body) = response.into_parts();
    let body = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(body) => body,
        Err(e) => return super::error::Error::Internal(Arc::new(e)).into_response(),
    };
    let etag = match parts.headers.get(header::ETAG) {
        Some(etag) => etag.clone(),
        None => HeaderValue::from_str(&etag_of(&body)).expect("hex in quotes is a valid header"),
    };
    let page = Kept { changes, at: Instant::now(), headers: parts.headers, etag, body };
    // A page showing this visitor's form token is theirs alone, whatever its
    // handler said.
    let personal = csrf.is_some_and(|token| memchr::memmem::find(&page.body, token.as_bytes()).is_some());
    if !personal && page.body.len() <= MAX_PAGE {
        state.pages.misses.fetch_add(1, Ordering::Relaxed);
        state.pages.keep(address, page.clone());
        if let Some(leader) = leader {
            leader.land(Some(page.clone()));
        }
    }
    answer(page, asked.as_ref())
}

/// A guest carries no session: no session cookie and no bearer token.
fn is_guest(headers: &HeaderMap) -> bool {
    !headers.contains_key(header::AUTHORIZATION) && super::auth::cookie(headers, SESSION_COOKIE).is_none()
}

/// The page, or `304 Not Modified` when the browser already has it.
fn answer(page: Kept, asked: Option<&HeaderValue>) -> Response {
    let unchanged = asked.is_some_and(|asked| matches(asked, &page.etag));
    let mut response = match unchanged {
        true => {
            let mut response = StatusCode::NOT_MODIFIED.into_response();
            if let Some(policy) = page.headers.get(header::CACHE_CONTROL) {
                response.headers_mut().insert(header::CACHE_CONTROL, policy.clone());
            }
            response
        }
        false => {
            let mut response = Response::new(Body::from(page.body));
            *response.headers_mut() = page.headers;
            response
        }
    };
    let headers = response.headers_mut();
    headers.insert(header::ETAG, page.etag);
    // A page without a policy of its own changes with every reply, so a
    // browser must ask each time; and it is a guest's (members send a cookie).
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
        headers.insert(header::VARY, HeaderValue::from_static("Cookie"));
    }
    response
}

/// A weak validator from the page's bytes: the same bytes give the same tag
/// on every node, and "weak" lets it stand for the compressed forms too.
pub fn etag_of(body: &[u8]) -> String {
    use blake2::{Blake2s256, Digest};
    let digest = Blake2s256::digest(body);
    format!("W/\"{}\"", crate::domain::hex(&digest[..12]))
}

/// Whether `If-None-Match` names this tag, compared weakly (RFC 9110 §13.1.2).
pub fn matches(asked: &HeaderValue, etag: &HeaderValue) -> bool {
    let opaque = |tag: &str| tag.trim().trim_start_matches("W/").to_owned();
    let Ok(etag) = etag.to_str() else { return false };
    asked.to_str().is_ok_and(|asked| asked.split(',').any(|tag| tag.trim() == "*" || opaque(tag) == opaque(etag)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn page(bytes: usize) -> Kept {
        Kept { changes: 0, at: Instant::now(), headers: HeaderMap::new(), etag: HeaderValue::from_static("W/\"x\""), body: Bytes::from(vec![b'a'; bytes]) }
    }

    #[test]
    fn validators_compare_weakly_and_in_lists() {
        let etag = HeaderValue::from_static("W/\"abc\"");
        for asked in ["W/\"abc\"", "\"abc\"", "\"zzz\", W/\"abc\"", "*"] {
            assert!(matches(&HeaderValue::from_static(asked), &etag), "{asked}");
        }
        assert!(!matches(&HeaderValue::from_static("\"abd\""), &etag));
        assert_eq!(etag_of(b"same"), etag_of(b"same"));
        assert_ne!(etag_of(b"same"), etag_of(b"other"));
    }

    #[test]
    fn kept_pages_stay_within_their_bytes_and_go_when_anything_changes() {
        let pages = Pages::default();
        pages.keep("/t/1/a".into(), page(1000));
        assert!(pages.fresh("/t/1/a", 0).is_some());
        assert!(pages.fresh("/t/1/a", 1).is_none(), "a commit since it was rendered");
        assert!(pages.fresh("/t/2/b", 0).is_none());
        for n in 0..40 {
            pages.keep(format!("/t/{n}/big"), page(MAX_PAGE / 2));
            assert!(pages.counts().bytes <= MAX_BYTES, "{} bytes after {n}", pages.counts().bytes);
        }
        assert!(pages.fresh("/t/39/big", 0).is_some(), "the newest page is kept");
    }
}
