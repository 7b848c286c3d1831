//! The composer's live red-flag check.

use super::ApiJson;
use crate::domain::safety::Assessment;
use crate::web::error::Error;
use crate::web::{AppState, ClientAddr};
use axum::extract::State;
use axum::Json;
use serde::Deserialize;

#[derive(Deserialize)]
pub struct SafetyCheck {
    text: String,
}

/// Red-flag signposting for a draft; the composer calls it as people type.
pub async fn check(State(state): State<AppState>, ClientAddr(client): ClientAddr, ApiJson(input): ApiJson<SafetyCheck>) -> Result<Json<Assessment>, Error> {
    Ok(Json(state.app.check_draft(&client, &input.text)?))
}
