//! The access gate: the one place that answers "may this viewer see this, or
//! do this?" for pages, the API and the live stream alike. Its rules are
//! `domain::permission`; here they meet the viewer and the forum's records.

use super::{Error, Event, Post, Result, User};
use crate::domain::permission::{self, Action, Actor, Decision, Subject, Who};

/// Whoever a request comes from: a guest, or a member with a session.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub user: Option<User>,
}

impl Viewer {
    pub fn guest() -> Self {
        Viewer { user: None }
    }

    pub fn member(user: User) -> Self {
        Viewer { user: Some(user) }
    }

    pub fn who(&self) -> Who {
        match &self.user {
            Some(u) => Who::Member(Actor { user_id: u.id, role: u.role }),
            None => Who::Guest,
        }
    }

    pub fn user_id(&self) -> Option<i64> {
        self.user.as_ref().map(|u| u.id)
    }

    /// The member, or "log in first".
    pub fn member_or_login(&self) -> Result<&User> {
        self.user.as_ref().ok_or(Error::NeedsLogin)
    }
}

/// What the rules need to know of a post.
pub fn post_subject(post: &Post) -> Subject {
    Subject::Post { author_id: post.user_id, deleted: post.deleted }
}

/// Succeeds when `viewer` may do `action` to `subject`; otherwise the error to show them.
pub fn check(viewer: &Viewer, action: Action, subject: Subject) -> Result<()> {
    match permission::decide(viewer.who(), action, subject) {
        Decision::Allow => Ok(()),
        Decision::LogIn => Err(Error::NeedsLogin),
        Decision::Gone => Err(Error::NotFound),
        Decision::Deny(refusal) => Err(Error::Forbidden(refusal.message().to_owned())),
    }
}

/// Whether `viewer` may do `action`: for which buttons a page offers.
pub fn allows(viewer: &Viewer, action: Action, subject: Subject) -> bool {
    permission::decide(viewer.who(), action, subject) == Decision::Allow
}

/// A post as `viewer` may see it: when they may not read its words, it keeps
/// its place, number and author (so replies to it still make sense) and loses
/// its body, its HTML and its mentions.
pub fn shown(viewer: &Viewer, mut post: Post) -> Post {
    if !allows(viewer, Action::Read, post_subject(&post)) {
        post.body.clear();
        post.html.clear();
        post.excerpt.clear();
        post.mentions.clear();
    }
    if let Some(reply) = &mut post.reply_to
        && reply.deleted
    {
        reply.excerpt.clear();
    }
    post
}

/// A post `viewer` may read on its own (to quote it, reply to it, open it), or "not found".
pub fn readable(viewer: &Viewer, post: Option<Post>) -> Result<Post> {
    let post = post.ok_or(Error::NotFound)?;
    check(viewer, Action::Read, post_subject(&post))?;
    Ok(post)
}

/// Whether a live-stream event may reach `viewer`: when they may read the
/// thread it is about. An event carries ids only; what it points to passes
/// this gate again when the page fetches it.
pub fn may_see_event(viewer: &Viewer, event: &Event) -> bool {
    event.thread_id.is_none() || allows(viewer, Action::Read, Subject::Thread)
}
