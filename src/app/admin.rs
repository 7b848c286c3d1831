//! Running the community: its categories. (Its moderation settings live with
//! moderation.)

use super::access::{self, Viewer};
use super::store::moderation::{self as log, AuditEntry};
use super::store::{CategoryInput, forum};
use super::{App, Category, Error, Result};
use crate::domain::permission::{Action, Subject};
use crate::domain::validate;

/// A category as an admin typed it, checked and trimmed.
pub struct CategoryForm<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
    /// Guests see only titles and the start of each thread.
    pub members_only: bool,
}

impl CategoryForm<'_> {
    fn checked(&self) -> Result<CategoryInput> {
        let slug = self.slug.trim();
        validate::collect([validate::category_slug(slug), validate::category_name(self.name)]).map_err(Error::Invalid)?;
        Ok(CategoryInput { slug: slug.into(), name: self.name.trim().into(), description: self.description.trim().into(), members_only: self.members_only })
    }
}

fn category_state(c: &Category) -> String {
    serde_json::json!({ "slug": c.slug, "name": c.name, "members_only": c.members_only }).to_string()
}

impl App {
    /// The categories, for the admin page; only admins may see it.
    pub async fn admin_categories(&self, viewer: &Viewer) -> Result<Vec<Category>> {
        access::check(viewer, Action::ManageCategories, Subject::Community)?;
        self.all_categories().await
    }

    pub async fn create_category(&self, viewer: &Viewer, form: CategoryForm<'_>) -> Result<Category> {
        access::check(viewer, Action::ManageCategories, Subject::Community)?;
        self.add_category(Some(viewer.member_or_login()?.id), form).await
    }

    /// As [`App::create_category`], for the operator at the command line
    /// (before anyone can log in to the admin page).
    pub async fn create_category_from_cli(&self, form: CategoryForm<'_>) -> Result<Category> {
        self.add_category(None, form).await
    }

    async fn add_category(&self, admin: Option<i64>, form: CategoryForm<'_>) -> Result<Category> {
        let input = form.checked()?;
        Ok(self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let category = forum::create_category(tx, &input).await?;
                    let entry = AuditEntry {
                        actor_id: admin,
                        action: "create-category",
                        target_kind: "category",
                        target_id: Some(category.id),
                        after: Some(category_state(&category)),
                        ..AuditEntry::default()
                    };
                    log::audit(tx, &entry).await?;
                    Ok(category)
                })
            })
            .await?)
    }

    pub async fn update_category(&self, viewer: &Viewer, slug: &str, form: CategoryForm<'_>) -> Result<Category> {
        access::check(viewer, Action::ManageCategories, Subject::Community)?;
        let (input, admin) = (form.checked()?, viewer.member_or_login()?.id);
        let before = self.store.category(slug).await?.ok_or(Error::NotFound)?;
        let slug = slug.to_owned();
        Ok(self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let category = forum::update_category(tx, &slug, &input).await?;
                    // Live streams re-read which categories are members-only.
                    super::store::events::record(tx, &super::store::NewEvent { kind: "category-changed", thread_id: None, post_id: None }).await?;
                    let entry = AuditEntry {
                        actor_id: Some(admin),
                        action: "update-category",
                        target_kind: "category",
                        target_id: Some(category.id),
                        before: Some(category_state(&before)),
                        after: Some(category_state(&category)),
                        ..AuditEntry::default()
                    };
                    log::audit(tx, &entry).await?;
                    Ok(category)
                })
            })
            .await?)
    }
}
