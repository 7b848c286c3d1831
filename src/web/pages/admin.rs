//! The admin page: the community's categories.

use super::{Layout, answer, html, see_other};
use crate::app::Category;
use crate::app::admin::CategoryForm as Checked;
use crate::domain::FieldError;
use crate::web::AppState;
use crate::web::auth::{CsrfForm, Visitor};
use crate::web::error::Error;
use askama::Template;
use axum::extract::{Path, State};
use axum::response::Response;
use axum::routing::{get, post};
use axum::Router;
use serde::Deserialize;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/admin", get(admin))
        .route("/admin/categories", post(create_category))
        .route("/admin/categories/{slug}", post(update_category))
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    categories: Vec<Category>,
    errors: Vec<FieldError>,
}

async fn admin_page(state: &AppState, visitor: &Visitor, errors: Vec<FieldError>) -> Result<Response, Error> {
    let categories = state.app.admin_categories(&visitor.viewer).await?;
    html(AdminPage { layout: Layout::new("Admin", visitor), categories, errors })
}

async fn admin(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    admin_page(&state, &visitor, Vec::new()).await
}

#[derive(Deserialize)]
struct CategoryForm {
    #[serde(default)]
    slug: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    description: String,
}

impl CategoryForm {
    fn checked(&self) -> Checked<'_> {
        Checked { slug: &self.slug, name: &self.name, description: &self.description }
    }
}

async fn create_category(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<CategoryForm>) -> Result<Response, Error> {
    let result = state.app.create_category(&visitor.viewer, form.checked()).await;
    answer(result, |_| see_other("/admin"), async |errors| admin_page(&state, &visitor, errors).await).await
}

async fn update_category(State(state): State<AppState>, visitor: Visitor, Path(slug): Path<String>, CsrfForm(form): CsrfForm<CategoryForm>) -> Result<Response, Error> {
    let result = state.app.update_category(&visitor.viewer, &slug, form.checked()).await;
    answer(result, |_| see_other("/admin"), async |errors| admin_page(&state, &visitor, errors).await).await
}
