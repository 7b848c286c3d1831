//! What members are told about: today, staff alerts about posts that describe
//! an emergency.

use super::access::Viewer;
use super::{App, Notification, Result};
use crate::domain::links::post_url;

/// How many notifications a list shows.
pub const LISTED: i64 = 50;

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
