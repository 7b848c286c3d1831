//! What members are told about: today, staff alerts about posts that describe
//! an emergency.

use super::access::Viewer;
use super::{App, Notification, Result};
use crate::domain::links::post_url;

/// How many notifications a list shows.
pub const LISTED: i64 = 50;

/// What a notification says, in words for its reader: a heading and a line.
pub fn describe(n: &Notification) -> (String, String) {
    let actor = n.actor.clone().unwrap_or_else(|| "A member".into());
    let thread = n.thread_title.clone().unwrap_or_default();
    let detail = n.detail.clone().unwrap_or_default();
    let with_detail = |text: String| if detail.is_empty() { format!("{text}.") } else { format!("{text}: {detail}") };
    match n.kind.as_str() {
        "safety-emergency" => (
            "A member may need help now".into(),
            format!("{actor}'s post in “{thread}” describes an emergency warning sign: {}", n.excerpt.clone().unwrap_or_default()),
        ),
        "flag-at-risk" => ("Someone may be at risk".into(), with_detail(format!("A member flagged a post in “{thread}”"))),
        "flag-handled" => ("Thank you for your flag".into(), format!("A moderator has looked at the post you flagged in “{thread}”.")),
        "post-hidden" => ("Your post was hidden".into(), with_detail(format!("A moderator hid your post in “{thread}”"))),
        "post-restored" => ("Your post is back".into(), format!("A moderator restored your post in “{thread}”, so everyone can read it again.")),
        "post-approved" => ("Your post is up".into(), format!("A moderator approved your post in “{thread}”, so everyone can read it now. Welcome!")),
        "post-removed" => ("Your post was removed".into(), with_detail(format!("A moderator removed your post in “{thread}”"))),
        "warned" | "silenced" | "suspended" => ("A message from the moderators".into(), detail),
        "sanction-lifted" => (
            "Your account is back to normal".into(),
            format!("A moderator lifted the {} on your account.", if detail == "suspend" { "suspension" } else { "pause" }),
        ),
        "login-locked" => ("Logins to your account were paused".into(), detail),
        other => (other.to_owned(), format!("{actor} in “{thread}”")),
    }
}

/// Where a notification points: the post it is about, when it still has one.
pub fn notification_url(n: &Notification) -> Option<String> {
    match (n.thread_id, &n.thread_slug, n.number) {
        (Some(thread), Some(slug), Some(number)) => Some(post_url(thread, slug, number)),
        _ => None,
    }
}

impl App {
    /// The viewer's own notifications, newest first.
    pub async fn notifications(&self, viewer: &Viewer) -> Result<Vec<Notification>> {
        let member = viewer.member_or_login()?;
        Ok(self.store.notifications(member.id, LISTED).await?)
    }

    pub async fn mark_notifications_read(&self, viewer: &Viewer) -> Result<()> {
        let member = viewer.member_or_login()?;
        Ok(self.store.mark_notifications_read(member.id).await?)
    }
}
