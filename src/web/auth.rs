//! Who is asking, and whether a form really came from our own page.
//!
//! A session is a random token held by the client, as an HttpOnly SameSite=Lax
//! cookie or an `Authorization: Bearer` header; the database keeps only its
//! hash. Forms carry a CSRF token that must match a cookie of the same value
//! (double submit), and every unsafe request from another site is refused by
//! its `Sec-Fetch-Site`/`Origin` headers before any handler runs. Both checks
//! are stateless, so they work across several app nodes.

use super::{AppState, error::Error};
use crate::app::Viewer;
use crate::app::accounts::{SESSION_SECONDS, new_token};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{HeaderMap, HeaderValue, Method, header, request::Parts};
use axum::middleware::Next;
use axum::response::Response;
use serde::de::DeserializeOwned;

pub const SESSION_COOKIE: &str = "jogette_session";
pub const CSRF_COOKIE: &str = "jogette_csrf";

pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_owned())
        .filter(|v| !v.is_empty() && v.len() <= 128 && v.bytes().all(|b| b.is_ascii_alphanumeric()))
}

pub fn set_cookie(name: &str, value: &str, max_age: i64, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}"))
        .expect("token characters are valid in a header")
}

fn bearer(headers: &HeaderMap) -> Option<String> {
    headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(|t| t.trim().to_owned())
}

/// The session token a request carries: a bearer token, else the session cookie.
pub fn session_token(headers: &HeaderMap) -> Option<String> {
    bearer(headers).filter(|t| !t.is_empty()).or_else(|| cookie(headers, SESSION_COOKIE))
}

/// The CSRF token for this request, set by [`csrf_cookie`].
#[derive(Clone)]
pub struct CsrfToken(pub String);

/// The person making the request, as the use cases see them, with what the
/// web layer keeps of their visit: the session token (for logging out) and
/// the CSRF token that forms must carry.
pub struct Visitor {
    pub viewer: Viewer,
    pub token: Option<String>,
    pub csrf: String,
    /// The community's own words, for the page's frame.
    pub site: std::sync::Arc<crate::domain::site::Site>,
}

impl Visitor {
    pub fn is_member(&self) -> bool {
        self.viewer.user.is_some()
    }
}

impl FromRequestParts<AppState> for Visitor {
    type Rejection = Error;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Error> {
        let csrf = parts.extensions.get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let site = parts.extensions.get::<std::sync::Arc<crate::domain::site::Site>>().cloned().unwrap_or_default();
        if bearer(&parts.headers).is_some_and(|t| t.is_empty()) {
            return Err(Error::Unauthorized);
        }
        let Some(token) = session_token(&parts.headers) else { return Ok(Visitor { viewer: Viewer::guest(), token: None, csrf, site }) };
        let user = state.app.session(&token).await?;
        // A bearer token that doesn't match is an error; a stale cookie just means "guest".
        if user.is_none() && parts.headers.contains_key(header::AUTHORIZATION) {
            return Err(Error::Unauthorized);
        }
        Ok(Visitor { token: user.as_ref().map(|_| token), viewer: Viewer { user }, csrf, site })
    }
}

/// A cookie holding the session token, or clearing it (`max_age` 0).
pub fn session_cookie(state: &AppState, token: &str, max_age: i64) -> HeaderValue {
    set_cookie(SESSION_COOKIE, token, max_age, state.app.config().secure_cookies)
}

/// A new session's cookie.
pub fn new_session_cookie(state: &AppState, token: &str) -> HeaderValue {
    session_cookie(state, token, SESSION_SECONDS)
}

/// What the cross-site check needs to know of the site.
#[derive(Clone)]
pub struct Site {
    pub secure_cookies: bool,
    /// `scheme://host[:port]` members use, when the operator said
    /// (`--public-url`): an `Origin` must match it exactly.
    pub origin: Option<String>,
}

/// Refuses unsafe requests that don't come from this site's own pages, and
/// makes sure every visitor of a page has a CSRF cookie for its forms.
pub async fn csrf_cookie(mut request: Request, next: Next, site: Site) -> Response {
    if !matches!(*request.method(), Method::GET | Method::HEAD | Method::OPTIONS) && !same_origin(request.headers(), site.origin.as_deref()) {
        return axum::response::IntoResponse::into_response(Error::Forbidden(
            "This request came from another site, so it was refused.".into(),
        ));
    }
    let existing = cookie(request.headers(), CSRF_COOKIE);
    let token = existing.clone().unwrap_or_else(new_token);
    request.extensions_mut().insert(CsrfToken(token.clone()));
    let mut response = next.run(request).await;
    // Only pages carry forms; scripts, styles and JSON (which caches may
    // share) never set a cookie.
    let page = response.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    if existing.is_none() && page {
        response.headers_mut().append(header::SET_COOKIE, set_cookie(CSRF_COOKIE, &token, 365 * 24 * 3600, site.secure_cookies));
    }
    response
}

/// Whether an unsafe request comes from this site. Browsers say so with
/// `Sec-Fetch-Site`: only "same-origin" (and "none", a request the member
/// typed) pass; "same-site" is a sibling subdomain, which could be anyone's.
/// Older browsers send `Origin`, compared whole, scheme included, with the
/// configured origin (or, without one, with the `Host` asked for). Clients
/// that send neither aren't browsers, so no cookie rides along unasked.
fn same_origin(headers: &HeaderMap, configured: Option<&str>) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return matches!(site, "same-origin" | "none");
    }
    let Some(origin) = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()) else { return true };
    match configured {
        Some(expected) => origin.eq_ignore_ascii_case(expected),
        None => {
            let host = headers.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
            ["http://", "https://"].iter().any(|scheme| origin.eq_ignore_ascii_case(&format!("{scheme}{host}")))
        }
    }
}

/// An HTML form whose `csrf` field matched the visitor's CSRF cookie.
pub struct CsrfForm<T>(pub T);

#[derive(serde::Deserialize)]
struct CsrfField {
    #[serde(default)]
    csrf: String,
}

impl<T: DeserializeOwned + Send> FromRequest<AppState> for CsrfForm<T> {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        let expected = request.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let bytes = axum::body::Bytes::from_request(request, state).await.map_err(Error::unreadable_body)?;
        let sent: CsrfField = serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
        if expected.is_empty() || !constant_time_eq(sent.csrf.as_bytes(), expected.as_bytes()) {
            return Err(Error::Forbidden(
                "This form has expired. Go back, reload the page and try again.".into(),
            ));
        }
        let form = serde_urlencoded::from_bytes(&bytes).map_err(|e| Error::BadRequest(e.to_string()))?;
        Ok(CsrfForm(form))
    }
}

/// A multipart form (one with a file in it) whose `csrf` field matched the
/// visitor's CSRF cookie: its fields by name, text and files alike, each at
/// most `MAX_PART` bytes (a picture, a little over 10 MB).
pub struct CsrfMultipart(pub std::collections::HashMap<String, Vec<u8>>);

const MAX_PART: usize = 1024 * 1024;

impl FromRequest<AppState> for CsrfMultipart {
    type Rejection = Error;

    async fn from_request(request: Request, state: &AppState) -> Result<Self, Error> {
        let expected = request.extensions().get::<CsrfToken>().map(|t| t.0.clone()).unwrap_or_default();
        let mut multipart = axum::extract::Multipart::from_request(request, state).await.map_err(|e| Error::BadRequest(e.body_text()))?;
        let mut fields = std::collections::HashMap::new();
        while let Some(field) = multipart.next_field().await.map_err(|e| Error::BadRequest(e.body_text()))? {
            let name = field.name().unwrap_or_default().to_owned();
            let bytes = field.bytes().await.map_err(|e| Error::BadRequest(e.body_text()))?;
            // A picture may be larger; the use case says how large is too large.
            let most = if name == "picture" { crate::domain::uploads::MAX_UPLOAD_BYTES + 1 } else { MAX_PART };
            if bytes.len() > most {
                return Err(Error::BadRequest(format!("The {name} field is larger than {} MB.", most / (1024 * 1024))));
            }
            fields.insert(name, bytes.to_vec());
        }
        let sent = fields.get("csrf").map(Vec::as_slice).unwrap_or_default();
        if expected.is_empty() || !constant_time_eq(sent, expected.as_bytes()) {
            return Err(Error::Forbidden("This form has expired. Go back, reload the page and try again.".into()));
        }
        Ok(CsrfMultipart(fields))
    }
}

impl CsrfMultipart {
    /// A field as text (empty when missing); bad UTF-8 is replaced, not refused.
    pub fn text(&self, name: &str) -> String {
        self.0.get(name).map(|b| String::from_utf8_lossy(b).into_owned()).unwrap_or_default()
    }
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_this_sites_own_pages_may_send_unsafe_requests() {
        let mut h = HeaderMap::new();
        assert!(same_origin(&h, None), "non-browser clients send neither header");
        h.insert(header::HOST, HeaderValue::from_static("forum.example"));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://evil.example"));
        assert!(!same_origin(&h, None));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://forum.example"));
        assert!(same_origin(&h, None));
        // The scheme counts once the operator names the site's address.
        assert!(same_origin(&h, Some("https://forum.example")));
        assert!(!same_origin(&h, Some("http://forum.example")));
        h.insert(header::ORIGIN, HeaderValue::from_static("https://forum.example.evil.example"));
        assert!(!same_origin(&h, None));
        for (site, ok) in [("same-origin", true), ("none", true), ("same-site", false), ("cross-site", false)] {
            h.insert("sec-fetch-site", HeaderValue::from_static(site));
            assert_eq!(same_origin(&h, Some("https://forum.example")), ok, "{site}");
        }
    }

    #[test]
    fn cookies_with_odd_characters_are_ignored() {
        let mut h = HeaderMap::new();
        h.insert(header::COOKIE, HeaderValue::from_static("a=1; jogette_session=abc123; x=\"y\""));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("abc123"));
        h.insert(header::COOKIE, HeaderValue::from_static("jogette_session=a;b"));
        assert_eq!(cookie(&h, SESSION_COOKIE).as_deref(), Some("a"));
        h.insert(header::COOKIE, HeaderValue::from_static("jogette_session=<x>"));
        assert_eq!(cookie(&h, SESSION_COOKIE), None);
    }
}
