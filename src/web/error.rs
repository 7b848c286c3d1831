//! The one error type of the web layer, and the one place it becomes a response.
//!
//! Handlers return [`Error`]; its `IntoResponse` only records the error. The
//! [`render`] middleware, which can see the request, then writes it as an
//! RFC 9457 problem body for API clients or as an HTML page for browsers.

use crate::app;
use crate::domain::FieldError;
use axum::extract::Request;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

/// What went wrong, said the way a kind person would say it: what happened,
/// and what to do now.
#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("Some of what you entered needs another look; each problem is shown beside its field.")]
    Invalid(Vec<FieldError>),
    #[error("You need to be logged in to do that. It only takes a moment, and it helps keep the community safe.")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("It may have moved, or been removed. The home page or the search may help you find what you were looking for.")]
    NotFound,
    /// No route matches the address at all.
    #[error("There's no page at this address. Please check it, or start again from the home page.")]
    NoRoute,
    #[error("This address can't be used that way.")]
    MethodNotAllowed,
    #[error("That's more than we can take in one go: posts can be at most 32,000 characters, and pictures at most 10 MB. Please make it smaller and try again.")]
    TooLarge,
    #[error("You've done that several times in a short while, so it's paused for a moment to keep the forum free of spam. Please try again in {retry_after} seconds.")]
    RateLimited { retry_after: u64 },
    /// A reason to wait that the member should hear.
    #[error("{message}")]
    Wait { retry_after: u64, message: String },
    /// What failed is logged, never sent.
    #[error("Something went wrong on our side, and it isn't your fault. Please try again in a little while.")]
    Internal(#[source] std::sync::Arc<dyn std::error::Error + Send + Sync>),
}

impl Error {
    pub fn status(&self) -> StatusCode {
        match self {
            Error::BadRequest(_) => StatusCode::BAD_REQUEST,
            Error::Invalid(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Error::Unauthorized => StatusCode::UNAUTHORIZED,
            Error::Forbidden(_) => StatusCode::FORBIDDEN,
            Error::NotFound | Error::NoRoute => StatusCode::NOT_FOUND,
            Error::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            Error::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            Error::RateLimited { .. } | Error::Wait { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Internal(std::sync::Arc::new(e))
    }

    /// A body that couldn't be read: too large (413), or otherwise unreadable (400).
    pub fn unreadable_body(e: axum::extract::rejection::BytesRejection) -> Self {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE { Error::TooLarge } else { Error::BadRequest(e.body_text()) }
    }

    fn title(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "We couldn't read that request",
            Error::Invalid(_) => "Some details need another look",
            Error::Unauthorized => "Please log in first",
            Error::Forbidden(_) => "That isn't open to you",
            Error::NotFound | Error::NoRoute => "We couldn't find that page",
            Error::MethodNotAllowed => "That can't be done here",
            Error::TooLarge => "That's too long to send",
            Error::RateLimited { .. } | Error::Wait { .. } => "Please wait a moment",
            Error::Internal(_) => "Sorry, something went wrong",
        }
    }

    fn retry_after(&self) -> Option<u64> {
        match self {
            Error::RateLimited { retry_after } | Error::Wait { retry_after, .. } => Some(*retry_after),
            _ => None,
        }
    }
}

impl From<app::Error> for Error {
    fn from(e: app::Error) -> Self {
        match e {
            app::Error::Invalid(fields) => Error::Invalid(fields),
            app::Error::NeedsLogin => Error::Unauthorized,
            app::Error::Forbidden(why) => Error::Forbidden(why),
            app::Error::NotFound => Error::NotFound,
            app::Error::RateLimited { retry_after } => Error::RateLimited { retry_after },
            app::Error::Wait { retry_after, message } => Error::Wait { retry_after, message },
            app::Error::Internal(cause) => Error::Internal(cause),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let Some(retry_after) = self.retry_after() {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(retry_after));
        }
        response.extensions_mut().insert(self);
        response
    }
}

/// RFC 9457 problem details, with the fields that need attention.
#[derive(Serialize)]
pub struct Problem<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    title: &'static str,
    status: u16,
    detail: String,
    #[serde(skip_serializing_if = "<[_]>::is_empty")]
    errors: &'a [FieldError],
}

pub type HtmlPage = fn(&Error, &Request<()>) -> String;

/// Writes recorded errors, and bodiless error statuses from the router itself
/// (unknown route, wrong method), for whoever asked.
pub async fn render(request: Request, next: Next, html_page: HtmlPage) -> Response {
    let wants_json = wants_json(&request);
    let (parts, body) = request.into_parts();
    let head = Request::from_parts(parts.clone(), ());
    let response = next.run(Request::from_parts(parts, body)).await;

    let recorded = response.extensions().get::<Error>().cloned();
    let status = response.status();
    let (mut parts, body) = response.into_parts();
    let error = match recorded {
        Some(error) => error,
        None if status == StatusCode::METHOD_NOT_ALLOWED => Error::MethodNotAllowed,
        // axum's own extractor rejections (a bad path or query) answer in plain text.
        None if status.is_client_error() && is_plain_text(&parts.headers) => {
            let text = axum::body::to_bytes(body, 4096).await.unwrap_or_default();
            Error::BadRequest(String::from_utf8_lossy(&text).into_owned())
        }
        None => return Response::from_parts(parts, body),
    };
    if let Error::Internal(cause) = &error {
        tracing::error!(cause = %app::error_chain(cause.as_ref()), path = %head.uri().path(), "request failed");
    }
    let body = if wants_json {
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        let errors = match &error {
            Error::Invalid(errors) => errors.as_slice(),
            _ => &[],
        };
        let problem = Problem {
            kind: "about:blank",
            title: error.title(),
            status: error.status().as_u16(),
            detail: error.to_string(),
            errors,
        };
        serde_json::to_string(&problem).unwrap_or_default()
    } else {
        parts.headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
        html_page(&error, &head)
    };
    parts.headers.remove(header::CONTENT_LENGTH);
    Response::from_parts(parts, body.into())
}

fn is_plain_text(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/plain"))
}

fn wants_json(request: &Request) -> bool {
    request.uri().path().starts_with("/api/")
        || request
            .headers()
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|accept| accept.contains("json") && !accept.contains("text/html"))
}

/// Shown beside the status on HTML error pages.
pub fn describe(error: &Error) -> (&'static str, String, Vec<FieldError>) {
    let fields = match error {
        Error::Invalid(errors) => errors.clone(),
        _ => Vec::new(),
    };
    (error.title(), error.to_string(), fields)
}
