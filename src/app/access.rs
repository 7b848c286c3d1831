//! The access gate: the one place that answers "may this viewer see this, or
//! do this?" for pages, the API and the live stream alike. Its rules are
//! `domain::permission`; here they meet the viewer and the forum's records.

use super::{Error, Event, Post, Result, Thread, User};
use crate::domain::moderation::{self, Standing};
use crate::domain::permission::{self, Action, Actor, Decision, PostState, Restriction, Subject, ThreadState, Who};

/// How much of a members-only thread's opening post a guest may read.
pub const TEASER_CHARS: usize = 250;

/// Whoever a request comes from: a guest, or a member with a session.
#[derive(Debug, Clone, Default)]
pub struct Viewer {
    pub user: Option<User>,
}

/// A member as the rules see them at `now`: their role, how established they
/// are, and any sanction in force.
pub fn actor(u: &User, now: i64) -> Actor {
    let level = moderation::level(Standing { joined_at: u.created_at, post_count: u.post_count, trusted_early: u.trusted_at.is_some() }, now);
    let restriction = if u.suspended_until.is_some_and(|t| t > now) {
        Some(Restriction::Suspended)
    } else if u.silenced_until.is_some_and(|t| t > now) {
        Some(Restriction::Silenced)
    } else {
        None
    };
    Actor { user_id: u.id, role: u.role, level, restriction }
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
            Some(u) => Who::Member(actor(u, super::now_millis())),
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

    pub fn is_staff(&self) -> bool {
        matches!(self.who(), Who::Member(a) if a.is_staff())
    }
}

/// What the rules need to know of a post.
pub fn post_subject(post: &Post) -> Subject {
    Subject::Post(PostState {
        author_id: post.user_id,
        deleted: post.deleted,
        hidden: post.hidden,
        held: post.held,
        members_only: post.members_only,
        staff_only: post.staff_only,
        locked: post.thread_locked,
    })
}

/// What the rules need to know of a thread; `slow_mode_wait` is how long the
/// asking member must still wait to post there in slow mode.
pub fn thread_subject(thread: &Thread, slow_mode_wait: Option<i64>) -> Subject {
    Subject::Thread(ThreadState { locked: thread.locked, members_only: thread.members_only, staff_only: thread.staff_only, slow_mode_wait })
}

/// Succeeds when `viewer` may do `action` to `subject`; otherwise the error to show them.
pub fn check(viewer: &Viewer, action: Action, subject: Subject) -> Result<()> {
    match permission::decide(viewer.who(), action, subject) {
        Decision::Allow => Ok(()),
        Decision::LogIn => Err(Error::NeedsLogin),
        Decision::Gone => Err(Error::NotFound),
        Decision::Deny(permission::Refusal::SlowMode(wait)) => {
            Err(Error::Wait { retry_after: wait.max(1) as u64, message: permission::Refusal::SlowMode(wait).message() })
        }
        Decision::Deny(refusal) => Err(Error::Forbidden(refusal.message())),
    }
}

/// Whether `viewer` may do `action`: for which buttons a page offers.
pub fn allows(viewer: &Viewer, action: Action, subject: Subject) -> bool {
    permission::decide(viewer.who(), action, subject) == Decision::Allow
}

/// A post as `viewer` may see it, or nothing where they may not know it is
/// there (a post held for approval, a members-only reply for a guest). A post
/// whose words they may not read keeps its place, number and author, so
/// replies to it still make sense; a guest gets the start of a members-only
/// thread's opening post, as a teaser.
pub fn shown(viewer: &Viewer, mut post: Post) -> Option<Post> {
    match permission::decide(viewer.who(), Action::Read, post_subject(&post)) {
        Decision::Allow => {}
        Decision::Gone if post.held => return None,
        Decision::Gone => clear_words(&mut post),
        Decision::LogIn if post.number == 1 => {
            let teaser = crate::domain::markdown::text_of_html(&post.html, TEASER_CHARS);
            clear_words(&mut post);
            post.excerpt = teaser;
        }
        Decision::LogIn | Decision::Deny(_) => return None,
    }
    if let Some(reply) = &mut post.reply_to
        && (reply.deleted || reply.hidden || post.members_only && viewer.user.is_none())
    {
        reply.excerpt.clear();
    }
    Some(post)
}

fn clear_words(post: &mut Post) {
    post.body.clear();
    post.html.clear();
    post.excerpt.clear();
    post.mentions.clear();
    post.hidden_reason = None;
}

/// A post `viewer` may read on its own (to quote it, reply to it, open it), or "not found".
pub fn readable(viewer: &Viewer, post: Option<Post>) -> Result<Post> {
    let post = post.ok_or(Error::NotFound)?;
    check(viewer, Action::Read, post_subject(&post))?;
    Ok(post)
}

/// Whether a live-stream event may reach `viewer`. Events carry ids only;
/// what they point to passes this gate again when the page fetches it. Still,
/// guests hear nothing of members-only categories, only staff hear of the
/// review queue and of posts held for it, and a member's own events (their
/// notification count changed) reach only them.
pub fn may_see_event(viewer: &Viewer, event: &Event, private: &[PrivateCategory]) -> bool {
    if let Some(member) = event.user_id {
        return viewer.user_id() == Some(member);
    }
    if matches!(event.kind.as_str(), "post-held" | "review") {
        return viewer.is_staff();
    }
    // As for a post in the event's category: guests may not read members-only
    // ones, and only staff staff-only ones.
    let category = event.category_id.and_then(|c| private.iter().find(|p| p.id == c));
    let (members_only, staff_only) = category.map_or((false, false), |c| (true, c.staff_only));
    allows(viewer, Action::Read, Subject::Post(PostState { author_id: -1, members_only, staff_only, ..PostState::default() }))
}

/// A category not everyone may read: members-only, or staff-only too.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrivateCategory {
    pub id: i64,
    pub staff_only: bool,
}
