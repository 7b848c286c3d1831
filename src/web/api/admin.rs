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
use serde::Deserialize;

#[derive(Deserialize)]
pub struct CategoryBody {
    slug: String,
    name: String,
    #[serde(default)]
    description: String,
}

impl CategoryBody {
    fn form(&self) -> CategoryForm<'_> {
        CategoryForm { slug: &self.slug, name: &self.name, description: &self.description }
    }
}

pub async fn create_category(State(state): State<AppState>, visitor: Visitor, ApiJson(input): ApiJson<CategoryBody>) -> Result<Response, Error> {
    let category = state.app.create_category(&visitor.viewer, input.form()).await?;
    Ok((StatusCode::CREATED, Json(category)).into_response())
}

pub async fn update_category(State(state): State<AppState>, visitor: Visitor, Path(slug): Path<String>, ApiJson(input): ApiJson<CategoryBody>) -> Result<Json<Category>, Error> {
    Ok(Json(state.app.update_category(&visitor.viewer, &slug, input.form()).await?))
}
