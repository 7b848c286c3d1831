//! The stylesheet, the script and the icon, built into the binary.

use super::error::Error;
use axum::extract::Path;
use axum::http::header;
use axum::response::{IntoResponse, Response};

/// Changes whenever the CSS or JS does, so browsers may cache them for a year.
pub const ASSET_VERSION: &str = env!("CARGO_PKG_VERSION");

pub async fn static_file(Path(file): Path<String>) -> Result<Response, Error> {
    let (body, kind): (&'static str, &str) = match file.as_str() {
        "style.css" => (include_str!("static/style.css"), "text/css; charset=utf-8"),
        "app.js" => (include_str!("static/app.js"), "text/javascript; charset=utf-8"),
        "icon.svg" => (include_str!("static/icon.svg"), "image/svg+xml"),
        _ => return Err(Error::NotFound),
    };
    Ok(([(header::CONTENT_TYPE, kind), (header::CACHE_CONTROL, "public, max-age=31536000, immutable")], body).into_response())
}
