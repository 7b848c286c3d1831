//! Search, and "has this been asked before?" while composing.

use super::access::{self, Viewer};
use super::{App, Error, Found, Result, SearchParams, SimilarThread};
use crate::domain::links::RESULTS_PER_PAGE;
use crate::domain::permission::{Action, PostState, Subject};
use crate::domain::{FieldError, search, validate};

/// What the search page and `GET /api/v1/search` accept.
#[derive(serde::Deserialize, Default, Clone)]
pub struct SearchInput {
    #[serde(default)]
    pub q: String,
    pub category: Option<String>,
    pub author: Option<String>,
    pub title_only: Option<String>,
    pub from: Option<String>,
    pub to: Option<String>,
    pub sort: Option<String>,
    pub page: Option<i64>,
}

fn nonempty(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Midnight UTC of a `YYYY-MM-DD` date, or the field's problem.
fn date(field: &'static str, value: &Option<String>) -> Result<Option<i64>, FieldError> {
    match nonempty(value) {
        None => Ok(None),
        Some(text) => crate::domain::dates::parse_date(text).map(Some).ok_or_else(|| FieldError::new(field, "Use a date like 2026-11-28.")),
    }
}

impl App {
    /// Runs a search; `@name` in the words filters by author, as does `author`.
    pub async fn search(&self, viewer: &Viewer, input: &SearchInput) -> Result<Found> {
        let (words, typed_author) = search::split_author(&input.q);
        let (from, to) = (date("from", &input.from), date("to", &input.to));
        validate::collect([from.clone().map(|_| ()), to.clone().map(|_| ())]).map_err(Error::Invalid)?;
        let category_id = match nonempty(&input.category) {
            Some(slug) => Some(self.store.category(slug).await?.ok_or_else(|| Error::field("category", "There is no such category."))?.id),
            None => None,
        };
        let author = nonempty(&input.author).map(|a| a.trim_start_matches('@').to_owned()).or(typed_author);
        let author_id = match author {
            Some(name) => match self.store.user_by_name(&name).await? {
                Some(user) => Some(user.id),
                None => return Ok(Found::none()),
            },
            None => None,
        };
        let mut params = SearchParams {
            query: search::parse(&words, true),
            match_all: true,
            category_id,
            author_id,
            title_only: nonempty(&input.title_only).is_some_and(|v| v != "0" && v != "false"),
            from: from.unwrap_or(None),
            // The "to" day is included in full.
            until: to.unwrap_or(None).map(|t| t + 86_400_000),
            newest_first: nonempty(&input.sort) == Some("date"),
            page: input.page.unwrap_or(1).max(1),
            per_page: RESULTS_PER_PAGE,
            hidden_categories: self.unreadable_categories(viewer).await?,
        };
        let found = self.run_search(params.clone()).await?;
        // Nothing has every word: show what has some of them, best first.
        if found.total == 0 && params.query.terms.len() > 1 {
            params.match_all = false;
            return self.run_search(params).await;
        }
        Ok(found)
    }

    /// A search already parsed and narrowed (the benchmarks call it directly).
    pub async fn run_search(&self, params: SearchParams) -> Result<Found> {
        Ok(self.store.search(params).await?)
    }

    /// "Has this been asked before?": up to five threads like a draft's title and body.
    pub async fn similar(&self, viewer: &Viewer, title: &str, body: &str) -> Result<Vec<SimilarThread>> {
        let body: String = body.chars().take(600).collect();
        let query = search::parse(&format!("{title} {body}"), true);
        Ok(self.store.similar_threads(query, 5, self.unreadable_categories(viewer).await?).await?)
    }

    /// The categories whose posts `viewer` may not read, asked of the access
    /// gate category by category: for a guest, the members-only ones.
    pub(super) async fn unreadable_categories(&self, viewer: &Viewer) -> Result<Vec<i64>> {
        let categories = self.all_categories().await?;
        Ok(categories
            .into_iter()
            .filter(|c| {
                let subject = Subject::Post(PostState { author_id: -1, members_only: c.members_only, staff_only: c.staff_only, ..PostState::default() });
                !access::allows(viewer, Action::Read, subject)
            })
            .map(|c| c.id)
            .collect())
    }
}
