//! Managing categories.

use super::ApiJson;
use crate::app::Category;
use crate::app::admin::CategoryForm;
use crate::web::AppState;
use crate::web::auth::Visitor;
use crate::web::error::Error;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use crate::domain::moderation::Settings;
use serde::Deserialize;
use serde_json::{Value, json};

#[derive(Deserialize)]
pub struct CategoryBody {
    slug: String,
    name: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    members_only: bool,
}

impl CategoryBody {
    fn form(&self) -> CategoryForm<'_> {
        CategoryForm { slug: &self.slug, name: &self.name, description: &self.description, members_only: self.members_only }
    }
}

pub async fn create_category(State(state): State<AppState>, visitor: Visitor, ApiJson(input): ApiJson<CategoryBody>) -> Result<Response, Error> {
    let category = state.app.create_category(&visitor.viewer, input.form()).await?;
    Ok((StatusCode::CREATED, Json(category)).into_response())
}

pub async fn update_category(State(state): State<AppState>, visitor: Visitor, Path(slug): Path<String>, ApiJson(input): ApiJson<CategoryBody>) -> Result<Json<Category>, Error> {
    Ok(Json(state.app.update_category(&visitor.viewer, &slug, input.form()).await?))
}

#[derive(Deserialize)]
pub struct SettingsBody {
    flags_to_hide: i64,
    approve_first_posts: i64,
}

pub async fn moderation_settings(State(state): State<AppState>, visitor: Visitor) -> Result<Json<Value>, Error> {
    crate::app::access::check(&visitor.viewer, crate::domain::permission::Action::ManageSettings, crate::domain::permission::Subject::Community)?;
    let s = state.app.moderation_settings().await?;
    Ok(Json(json!({ "flags_to_hide": s.flags_to_hide, "approve_first_posts": s.approve_first_posts })))
}

pub async fn set_moderation_settings(State(state): State<AppState>, visitor: Visitor, ApiJson(input): ApiJson<SettingsBody>) -> Result<Json<Value>, Error> {
    let settings = Settings { flags_to_hide: input.flags_to_hide, approve_first_posts: input.approve_first_posts };
    let s = state.app.set_moderation_settings(&visitor.viewer, settings).await?;
    Ok(Json(json!({ "flags_to_hide": s.flags_to_hide, "approve_first_posts": s.approve_first_posts })))
}
