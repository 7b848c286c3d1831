//! Pictures: served by address, uploaded from the composer (by script, or by
//! its "Add picture" button without one), and a member's avatar.

use super::compose::Carried;
use super::{html, see_other};
use crate::app::uploads::Uploaded;
use crate::domain::uploads::{MAX_UPLOAD_BYTES, Purpose};
use crate::web::auth::{CsrfForm, CsrfMultipart, Visitor};
use crate::web::error::Error;
use crate::web::AppState;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::json;

/// A picture, its other fields and the multipart framing fit in this.
pub const UPLOAD_BODY_LIMIT: usize = MAX_UPLOAD_BYTES + 1024 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/uploads/{name}", get(picture))
        .route("/uploads", post(upload).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/compose/picture", post(add_to_draft).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/settings/avatar", post(set_avatar).layer(DefaultBodyLimit::max(UPLOAD_BODY_LIMIT)))
        .route("/settings/avatar/remove", post(remove_avatar))
}

/// A picture never changes at its address (the key is its hash), so browsers
/// and caches keep it for a year.
async fn picture(State(state): State<AppState>, Path(name): Path<String>, headers: HeaderMap) -> Result<Response, Error> {
    let found = state.app.picture(&name).await?;
    let etag = format!("\"{}\"", found.key);
    let cached = [
        (header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable")),
        (header::ETAG, HeaderValue::from_str(&etag).map_err(Error::internal)?),
    ];
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes()) {
        return Ok((StatusCode::NOT_MODIFIED, cached).into_response());
    }
    let kind = HeaderValue::from_str(&found.content_type).map_err(Error::internal)?;
    Ok(([(header::CONTENT_TYPE, kind)], cached, found.bytes).into_response())
}

fn markdown_for(uploaded: &Uploaded, alt: &str) -> String {
    let alt: String = alt.chars().filter(|c| !matches!(c, '[' | ']' | '\n' | '\r')).collect();
    format!("![{}]({})", if alt.trim().is_empty() { "picture" } else { alt.trim() }, uploaded.url)
}

/// The composer's script sends a picture here (dropped, pasted or picked)
/// and puts the Markdown it gets back where the member is typing.
async fn upload(State(state): State<AppState>, visitor: Visitor, form: CsrfMultipart) -> Result<Response, Error> {
    let bytes = form.0.get("picture").cloned().unwrap_or_default();
    let uploaded = state.app.upload_picture(&visitor.viewer, bytes, Purpose::Post).await?;
    let markdown = markdown_for(&uploaded, &form.text("alt"));
    Ok((StatusCode::CREATED, Json(json!({"id": uploaded.id, "url": uploaded.url, "markdown": markdown, "width": uploaded.width, "height": uploaded.height}))).into_response())
}

/// Without a script, the composer's "Add picture" button posts the whole
/// draft here: the picture is kept, and the composer comes back with it at
/// the end of the words (or with the reason it couldn't be added).
async fn add_to_draft(State(state): State<AppState>, visitor: Visitor, form: CsrfMultipart) -> Result<Response, Error> {
    let mut carried = Carried {
        draft_for: form.text("draft_for"),
        draft_body: form.text("body"),
        draft_reply_to: form.text("reply_to"),
        draft_title: form.text("title"),
        draft_category: form.text("category"),
    };
    if carried.is_empty() {
        return Err(Error::BadRequest("That form doesn't say what it was writing.".into()));
    }
    let bytes = form.0.get("picture").cloned().unwrap_or_default();
    let (notice, errors) = match state.app.upload_picture(&visitor.viewer, bytes, Purpose::Post).await {
        Ok(uploaded) => {
            let body = carried.draft_body.trim_end();
            carried.draft_body = format!("{body}{}{}\n", if body.is_empty() { "" } else { "\n\n" }, markdown_for(&uploaded, &form.text("alt")));
            ("Your picture is added at the end of your post. Move its line to wherever you'd like it, then post when you're ready.", Vec::new())
        }
        Err(crate::app::Error::Invalid(errors)) => ("Your words are kept below, but the picture wasn't added.", errors),
        Err(e) => return Err(e.into()),
    };
    let mut page = carried.resume(&state.app, &visitor).await?.with_errors(errors);
    page.notice = Some(notice);
    let status = if page.has_errors() { StatusCode::UNPROCESSABLE_ENTITY } else { StatusCode::OK };
    let mut response = html(page)?;
    *response.status_mut() = status;
    Ok(response)
}

async fn set_avatar(State(state): State<AppState>, visitor: Visitor, form: CsrfMultipart) -> Result<Response, Error> {
    let bytes = form.0.get("picture").cloned().unwrap_or_default();
    let result = state.app.upload_picture(&visitor.viewer, bytes, Purpose::Avatar).await;
    super::answer(result, |_| see_other("/settings#avatar"), async |errors| super::accounts::settings_page(&state, &visitor, None, errors).await).await
}

async fn remove_avatar(State(state): State<AppState>, visitor: Visitor, CsrfForm(_): CsrfForm<super::Empty>) -> Result<Response, Error> {
    state.app.remove_avatar(&visitor.viewer).await?;
    Ok(see_other("/settings#avatar"))
}
