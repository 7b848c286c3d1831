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

#[derive(Debug, Clone, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    BadRequest(String),
    #[error("some fields need attention")]
    Invalid(Vec<FieldError>),
    #[error("you need to log in to do that")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    #[error("that page doesn't exist, or has been removed")]
    NotFound,
    /// No route matches the address at all.
    #[error("no such route")]
    NoRoute,
    #[error("that method is not allowed here")]
    MethodNotAllowed,
    #[error("too many requests; try again in {retry_after} seconds")]
    RateLimited { retry_after: u64 },
    /// What failed is logged, never sent.
    #[error("something went wrong on our side")]
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
            Error::RateLimited { .. } => StatusCode::TOO_MANY_REQUESTS,
            Error::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    pub fn field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Error::Invalid(vec![FieldError::new(field, message)])
    }

    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Error::Internal(std::sync::Arc::new(e))
    }

    fn title(&self) -> &'static str {
        match self {
            Error::BadRequest(_) => "Bad request",
            Error::Invalid(_) => "Some fields need attention",
            Error::Unauthorized => "Please log in",
            Error::Forbidden(_) => "Not allowed",
            Error::NotFound | Error::NoRoute => "Not found",
            Error::MethodNotAllowed => "Method not allowed",
            Error::RateLimited { .. } => "Slow down",
            Error::Internal(_) => "Something went wrong",
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
            app::Error::Internal(cause) => Error::Internal(cause),
        }
    }
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let mut response = self.status().into_response();
        if let Error::RateLimited { retry_after } = &self {
            response.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(*retry_after));
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
