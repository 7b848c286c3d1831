//! The composer: one page for starting a thread, replying and editing, built
//! in one place from what is being written.

use super::safety::SafetyCard;
use super::{Layout, field_error, html};
use crate::app::{App, Category, Post, Thread, Viewer};
use crate::domain::FieldError;
use crate::domain::links::{post_url, thread_url};
use crate::web::auth::Visitor;
use crate::web::error::Error;
use askama::Template;
use axum::response::Response;
use serde::Deserialize;

/// What is being written.
pub enum Composing<'a> {
    NewThread { categories: Vec<Category>, category: String, title: String },
    /// A reply in `thread`, answering one of its posts or none in particular.
    Reply { thread: &'a Thread, answering: Option<&'a Post> },
    Edit { thread: &'a Thread, post: &'a Post },
}

#[derive(Template)]
#[template(path = "compose.html")]
pub struct ComposePage {
    layout: Layout,
    heading: String,
    action: String,
    cancel: String,
    submit: &'static str,
    body_label: &'static str,
    context: Option<ContextPost>,
    reply_to: Option<i64>,
    ask_title: bool,
    categories: Vec<Category>,
    category: String,
    title: String,
    body: String,
    errors: Vec<FieldError>,
    preview_html: Option<String>,
    safety: Option<SafetyCard>,
    similar: Vec<SimilarView>,
    /// The author's recent pain, area by area, to attach: (area key, summary).
    pain_options: Vec<(String, String)>,
    pain_area: String,
    /// The chosen summary as the safety reader reads it, for the preview.
    pain_sentence: Option<String>,
    /// A word about what just happened (words carried back after logging in).
    pub(super) notice: Option<&'static str>,
    /// What the composer is writing, for "Add picture" without a script: a
    /// thread's id, or "new"; empty when editing (the script adds pictures there).
    draft_for: String,
}

/// The post a reply answers, shown above the composer.
pub struct ContextPost {
    pub author: String,
    pub number: i64,
    pub html: String,
}

/// A thread like the one being written, on the composer.
pub struct SimilarView {
    pub url: String,
    pub title: String,
    pub replies: i64,
    pub snippet: String,
}

impl ComposePage {
    pub fn new(visitor: &Visitor, composing: Composing<'_>, body: String, errors: Vec<FieldError>) -> Self {
        let (title, heading, action, cancel, submit, body_label) = match &composing {
            Composing::NewThread { category, .. } => (
                "New thread".to_owned(),
                "Start a new thread".to_owned(),
                "/new-thread".to_owned(),
                if category.is_empty() { "/".to_owned() } else { format!("/c/{category}") },
                "Start thread",
                "What would you like to say?",
            ),
            Composing::Reply { thread, .. } => (
                format!("Reply: {}", thread.title),
                format!("Reply to “{}”", thread.title),
                format!("/t/{}/reply", thread.id),
                thread_url(thread.id, &thread.slug),
                "Post reply",
                "Your reply",
            ),
            Composing::Edit { thread, post } => (
                "Edit post".to_owned(),
                format!("Edit your post in “{}”", thread.title),
                format!("/p/{}/edit", post.id),
                post_url(thread.id, &thread.slug, post.number),
                "Save changes",
                "Your post",
            ),
        };
        let draft_for = match &composing {
            Composing::NewThread { .. } => "new".to_owned(),
            Composing::Reply { thread, .. } => thread.id.to_string(),
            Composing::Edit { .. } => String::new(),
        };
        let answering = match &composing {
            Composing::Reply { answering, .. } => *answering,
            _ => None,
        };
        let (categories, category, thread_title, ask_title) = match composing {
            Composing::NewThread { categories, category, title } => (categories, category, title, true),
            _ => (Vec::new(), String::new(), String::new(), false),
        };
        ComposePage {
            layout: Layout::new(title, visitor),
            heading,
            action,
            cancel,
            submit,
            body_label,
            context: answering.map(|p| ContextPost { author: p.author.clone(), number: p.number, html: p.html.clone() }),
            reply_to: answering.map(|p| p.id),
            ask_title,
            categories,
            category,
            title: thread_title,
            body,
            errors,
            preview_html: None,
            safety: None,
            similar: Vec::new(),
            pain_options: Vec::new(),
            pain_area: String::new(),
            pain_sentence: None,
            notice: None,
            draft_for,
        }
    }

    /// Offers the author's recent pain log to attach (new threads and
    /// replies; an edit keeps what the post had), with `chosen` selected.
    pub async fn with_pain(mut self, app: &App, viewer: &Viewer, chosen: Option<&str>) -> Result<Self, Error> {
        let summaries = app.pain_summaries(viewer).await?;
        self.pain_area = chosen.unwrap_or_default().to_owned();
        self.pain_sentence = summaries.iter().find(|s| s.area.key() == self.pain_area).map(|s| s.sentence());
        self.pain_options = summaries.iter().map(|s| (s.area.key().to_owned(), s.text())).collect();
        Ok(self)
    }

    fn error(&self, field: &str) -> Option<&str> {
        field_error(&self.errors, field)
    }

    pub(super) fn with_errors(mut self, errors: Vec<FieldError>) -> Self {
        self.errors = errors;
        self
    }

    pub(super) fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }

    /// The no-JavaScript preview step: the cooked post and its safety card,
    /// the text kept; before a new thread, "has this been asked before?".
    pub async fn previewing(mut self, app: &App, viewer: &Viewer) -> Result<Response, Error> {
        let cooked = match app.preview(viewer, &self.body).await {
            Ok(cooked) => cooked,
            Err(crate::app::Error::Invalid(errors)) => {
                self.errors = errors;
                let mut page = html(self)?;
                *page.status_mut() = axum::http::StatusCode::UNPROCESSABLE_ENTITY;
                return Ok(page);
            }
            Err(e) => return Err(e.into()),
        };
        self.preview_html = Some(cooked.html);
        let text = match &self.pain_sentence {
            Some(pain) => format!("{}\n\n{pain}", self.body),
            None => self.body.clone(),
        };
        self.safety = SafetyCard::for_writer(app, &text);
        if self.ask_title {
            self.similar = app
                .similar(viewer, &self.title, &self.body)
                .await?
                .into_iter()
                .map(|t| SimilarView { url: thread_url(t.id, &t.slug), title: t.title, replies: t.replies, snippet: t.snippet })
                .collect();
        }
        html(self)
    }
}

/// What a member was writing when they found they were logged out (their
/// session ended elsewhere), carried through the login form in hidden fields
/// so that it comes back without JavaScript.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct Carried {
    /// The id of the thread a reply was for, or "new" for a new thread;
    /// empty when nothing is carried.
    #[serde(default)]
    pub draft_for: String,
    #[serde(default)]
    pub draft_body: String,
    #[serde(default)]
    pub draft_reply_to: String,
    #[serde(default)]
    pub draft_title: String,
    #[serde(default)]
    pub draft_category: String,
}

impl Carried {
    pub fn reply(thread_id: i64, body: &str, reply_to: Option<i64>) -> Self {
        Carried {
            draft_for: thread_id.to_string(),
            draft_body: body.to_owned(),
            draft_reply_to: reply_to.map(|id| id.to_string()).unwrap_or_default(),
            ..Carried::default()
        }
    }

    pub fn new_thread(category: &str, title: &str, body: &str) -> Self {
        Carried { draft_for: "new".into(), draft_body: body.to_owned(), draft_title: title.to_owned(), draft_category: category.to_owned(), ..Carried::default() }
    }

    pub fn is_empty(&self) -> bool {
        self.draft_for.is_empty()
    }

    /// The composer with the carried words back in it, for `visitor`, who
    /// has just logged in. Nothing is posted until they say so.
    pub async fn resume(&self, app: &App, visitor: &Visitor) -> Result<ComposePage, Error> {
        let mut page = if self.draft_for == "new" {
            let composing = Composing::NewThread { categories: app.categories(&visitor.viewer).await?, category: self.draft_category.clone(), title: self.draft_title.clone() };
            ComposePage::new(visitor, composing, self.draft_body.clone(), Vec::new())
        } else {
            let id: i64 = self.draft_for.parse().map_err(|_| Error::BadRequest("That draft doesn't say which thread it was for.".into()))?;
            let thread = app.thread(id).await?;
            let target = match self.draft_reply_to.parse::<i64>() {
                Ok(post_id) => app.reply_target(&visitor.viewer, id, post_id).await.ok(),
                Err(_) => None,
            };
            ComposePage::new(visitor, Composing::Reply { thread: &thread, answering: target.as_ref() }, self.draft_body.clone(), Vec::new())
        };
        page.notice = Some("You're logged in, and what you were writing is safe below. It isn't posted yet: post it when you're ready.");
        page.with_pain(app, &visitor.viewer, None).await
    }
}
