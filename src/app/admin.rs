//! Running the community: its categories.

use super::access::{self, Viewer};
use super::{App, Category, Error, Result};
use crate::app::store::CategoryInput;
use crate::domain::permission::{Action, Subject};
use crate::domain::validate;

/// A category as an admin typed it, checked and trimmed.
pub struct CategoryForm<'a> {
    pub slug: &'a str,
    pub name: &'a str,
    pub description: &'a str,
}

impl CategoryForm<'_> {
    fn checked(&self) -> Result<CategoryInput> {
        let slug = self.slug.trim();
        validate::collect([validate::category_slug(slug), validate::category_name(self.name)]).map_err(Error::Invalid)?;
        Ok(CategoryInput { slug: slug.into(), name: self.name.trim().into(), description: self.description.trim().into() })
    }
}

impl App {
    /// The categories, for the admin page; only admins may see it.
    pub async fn admin_categories(&self, viewer: &Viewer) -> Result<Vec<Category>> {
        access::check(viewer, Action::ManageCategories, Subject::Community)?;
        self.categories().await
    }

    pub async fn create_category(&self, viewer: &Viewer, form: CategoryForm<'_>) -> Result<Category> {
        access::check(viewer, Action::ManageCategories, Subject::Community)?;
        Ok(self.store.create_category(form.checked()?).await?)
    }

    pub async fn update_category(&self, viewer: &Viewer, slug: &str, form: CategoryForm<'_>) -> Result<Category> {
        access::check(viewer, Action::ManageCategories, Subject::Community)?;
        Ok(self.store.update_category(slug, form.checked()?).await?)
    }
}
