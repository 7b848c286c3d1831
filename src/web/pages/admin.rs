//! The admin page: the community's categories.

use super::{Layout, answer, for_every_guest, html, see_other};
use super::html as html_page;
use crate::app::Category;
use crate::domain::moderation::Settings;
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
        .route("/admin/settings", post(save_settings))
        .route("/admin/site", post(save_site))
        .route("/admin/community.zip", get(export_community))
        .route("/guidelines", get(guidelines))
}

#[derive(Template)]
#[template(path = "admin.html")]
struct AdminPage {
    layout: Layout,
    categories: Vec<Category>,
    settings: Settings,
    /// The community's words as the form shows them (what was typed, after an error).
    site: crate::domain::site::Site,
    errors: Vec<FieldError>,
}

impl AdminPage {
    fn error(&self, field: &str) -> Option<&str> {
        super::field_error(&self.errors, field)
    }
}

async fn admin_page(state: &AppState, visitor: &Visitor, errors: Vec<FieldError>) -> Result<Response, Error> {
    admin_page_with(state, visitor, errors, None).await
}

async fn admin_page_with(state: &AppState, visitor: &Visitor, errors: Vec<FieldError>, typed: Option<crate::domain::site::Site>) -> Result<Response, Error> {
    let categories = state.app.admin_categories(&visitor.viewer).await?;
    let settings = state.app.moderation_settings().await?;
    let site = typed.unwrap_or_else(|| (*visitor.site).clone());
    html(AdminPage { layout: Layout::new("Admin", visitor), categories, settings, site, errors })
}

/// `GET /admin/community.zip`: the whole community, for another Jogette (admins only).
async fn export_community(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    super::zip_file(state.app.export_community_for(&visitor.viewer).await?, "community.zip")
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
    members_only: Option<String>,
}

impl CategoryForm {
    fn checked(&self) -> Checked<'_> {
        Checked { slug: &self.slug, name: &self.name, description: &self.description, members_only: self.members_only.as_deref().is_some_and(|v| !v.is_empty()) }
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

#[derive(Deserialize)]
struct SettingsForm {
    #[serde(default)]
    flags_to_hide: String,
    #[serde(default)]
    approve_first_posts: String,
}

async fn save_settings(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<SettingsForm>) -> Result<Response, Error> {
    let number = |v: &str, field: &str| v.trim().parse::<i64>().map_err(|_| FieldError::new(field, "Enter a whole number."));
    let parsed = crate::domain::validate::collect([
        number(&form.flags_to_hide, "flags_to_hide").map(|_| ()),
        number(&form.approve_first_posts, "approve_first_posts").map(|_| ()),
    ]);
    let result = match parsed {
        Ok(()) => {
            let settings = Settings {
                flags_to_hide: number(&form.flags_to_hide, "").unwrap_or_default(),
                approve_first_posts: number(&form.approve_first_posts, "").unwrap_or_default(),
            };
            state.app.set_moderation_settings(&visitor.viewer, settings).await
        }
        Err(errors) => Err(crate::app::Error::Invalid(errors)),
    };
    answer(result, |_| see_other("/admin"), async |errors| admin_page(&state, &visitor, errors).await).await
}

#[derive(Deserialize)]
struct SiteForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    tagline: String,
    #[serde(default)]
    welcome: String,
    #[serde(default)]
    guidelines: String,
    #[serde(default)]
    safety_contact: String,
}

async fn save_site(State(state): State<AppState>, visitor: Visitor, CsrfForm(form): CsrfForm<SiteForm>) -> Result<Response, Error> {
    let site = crate::domain::site::Site { name: form.name, tagline: form.tagline, welcome: form.welcome, guidelines: form.guidelines, safety_contact: form.safety_contact };
    let result = state.app.set_site(&visitor.viewer, site.clone()).await;
    answer(result, |_| see_other("/admin#site"), async |mut errors| {
        // The category form has a "name" too; the site's is "site_name" on this page.
        for e in errors.iter_mut().filter(|e| e.field == "name") {
            e.field = "site_name".into();
        }
        admin_page_with(&state, &visitor, errors, Some(site)).await
    })
    .await
}

#[derive(Template)]
#[template(path = "guidelines.html")]
struct GuidelinesPage {
    layout: Layout,
    html: String,
}

/// The community's guidelines, as its admins wrote them.
async fn guidelines(State(state): State<AppState>, visitor: Visitor) -> Result<Response, Error> {
    let html = state.app.cook(&visitor.site.guidelines).await?.html;
    for_every_guest(html_page(GuidelinesPage { layout: Layout::new("Community guidelines", &visitor), html }))
}
