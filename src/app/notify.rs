//! What members are told, and how they follow the forum: notifications (a
//! reply, a quote, a mention, thanks, watched threads and categories,
//! moderators' decisions), watch levels, mutes, read positions, and the
//! "unread" and "new" lists.
//!
//! A post's notifications are written in the post's own transaction (see
//! [`published`]): one per member however many reasons apply, each waking
//! that member's open pages, and each queueing an email for members who
//! want one when they are away.

use super::access::{self, Viewer};
use super::store::forum::{self as forum_store, Catching};
use super::store::notify::{self as store, Notice};
use super::store::{Tx, accounts, mail};
use super::{App, Error, Notification, Result, ThreadSummary};
use crate::domain::links::post_url;
use crate::domain::notify::{self as rules, Level, Reason};
use crate::domain::permission::Action;
use futures_util::future::{try_join3, try_join_all};

/// How many notifications a page lists.
pub const PER_PAGE: i64 = 30;
/// How many threads an unread or new list shows per page.
pub const THREADS_PER_PAGE: i64 = 30;

/// What a notification says, in words for its reader: a heading and a line.
pub fn describe(n: &Notification) -> (String, String) {
    let actor = n.actors.first().cloned().unwrap_or_else(|| "A member".into());
    let thread = n.thread_title.clone().unwrap_or_default();
    let detail = n.detail.clone().unwrap_or_default();
    let excerpt = n.excerpt.clone().unwrap_or_default();
    let with_detail = |text: String| if detail.is_empty() { format!("{text}.") } else { format!("{text}: {detail}") };
    // A post's words, when its reader may still read them.
    let words = |lead: String| if excerpt.is_empty() { format!("{lead} (the post is no longer there to read).") } else { format!("{lead}: {excerpt}") };
    match n.kind.as_str() {
        "reply" => (format!("{actor} replied to you"), words(format!("In “{thread}”"))),
        "quote" => (format!("{actor} quoted you"), words(format!("In “{thread}”"))),
        "mention" => (format!("{actor} mentioned you"), words(format!("In “{thread}”"))),
        "watched-thread" => (format!("{actor} replied in a thread you watch"), words(format!("In “{thread}”"))),
        "watched-category" => (format!("{actor} started a thread in a category you watch"), words(format!("“{thread}”"))),
        "thanks" => (thanked_by(&n.actors, n.actor_count), words(format!("Your post in “{thread}”"))),
        "safety-emergency" => (
            "A member may need help now".into(),
            format!("{actor}'s post in “{thread}” describes an emergency warning sign: {excerpt}"),
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
        "export-ready" => ("Your data is ready".into(), detail),
        other => (other.to_owned(), format!("{actor} in “{thread}”")),
    }
}

/// "Sam thanked your post", "Sam and Ann…", "Sam and 2 others…".
fn thanked_by(actors: &[String], count: i64) -> String {
    let first = actors.first().cloned().unwrap_or_else(|| "A member".into());
    match count {
        ..=1 => format!("{first} thanked your post"),
        2 => format!("{first} and {} thanked your post", actors.get(1).cloned().unwrap_or_else(|| "1 other".into())),
        n => format!("{first} and {} others thanked your post", n - 1),
    }
}

/// Where a notification points: the post it is about, when it still has one.
pub fn notification_url(n: &Notification) -> Option<String> {
    match (n.thread_id, &n.thread_slug, n.number) {
        (Some(thread), Some(slug), Some(number)) => Some(post_url(thread, slug, number)),
        _ => None,
    }
}

/// One page of a member's notifications.
pub struct NotificationPage {
    pub items: Vec<Notification>,
    pub unread: i64,
    pub page: i64,
    pub more: bool,
}

/// One page of a member's unread or new threads.
pub struct CatchingUp {
    pub threads: Vec<ThreadSummary>,
    pub page: i64,
    pub more: bool,
}

/// A new post's notifications, in its transaction: who it answers, quotes
/// (`quoted` names, from its Markdown) and mentions, and who watches its
/// thread or category, each told once, minus whoever muted it. Those who
/// want email get a "while you were away" message queued, `away_delay_ms` out.
pub(super) async fn published(tx: &Tx<'_>, post_id: i64, quoted: &[String], away_delay_ms: i64) -> super::store::Result<()> {
    let audience = store::audience(tx, post_id, quoted).await?;
    let opens_thread = audience.opens_thread;
    tell_each(tx, post_id, audience.author, rules::recipients(&audience), opens_thread, away_delay_ms).await
}

/// Mentions added by an edit are told, as a new post's would be; nobody hears twice.
pub(super) async fn mentions_added(tx: &Tx<'_>, post_id: i64, added: &[String], away_delay_ms: i64) -> super::store::Result<()> {
    if added.is_empty() {
        return Ok(());
    }
    let mut audience = store::audience(tx, post_id, &Vec::new()).await?;
    let ids = accounts::ids_of(tx, added).await?;
    audience.mentioned.retain(|id| ids.contains(id));
    audience.answered = None;
    audience.watching.clear();
    tell_each(tx, post_id, audience.author, rules::recipients(&audience), false, away_delay_ms).await
}

async fn tell_each(tx: &Tx<'_>, post_id: i64, author: i64, told: Vec<(i64, Reason)>, opens_thread: bool, away_delay_ms: i64) -> super::store::Result<()> {
    // Each reason's notices, the wake for everyone told, and the mail, are
    // awaited together: one round trip on PostgreSQL.
    let tells = [Reason::Reply, Reason::Quote, Reason::Mention, Reason::Watching].map(|reason| {
        let members: Vec<i64> = told.iter().filter(|(_, r)| *r == reason).map(|(m, _)| *m).collect();
        let notice = Notice { kind: reason.kind(opens_thread), post_id: Some(post_id), actor_id: Some(author), detail: None };
        async move { store::tell_quietly(tx, &members, notice).await }
    });
    let everyone: Vec<i64> = told.iter().map(|(m, _)| *m).collect();
    try_join3(try_join_all(tells), store::count_changed(tx, &everyone), mail::queue_away(tx, &everyone, away_delay_ms)).await.map(|_| ())
}

/// Thanks given or taken back, for the post's author (unless they muted the thanker).
pub(super) async fn thanked(tx: &Tx<'_>, post_id: i64, author: i64, actor: i64, given: bool) -> super::store::Result<()> {
    if author == actor || store::mutes(tx, author, actor).await? {
        return Ok(());
    }
    store::thanked(tx, post_id, author, actor, given).await
}

impl App {
    /// How long a reply or mention waits to be seen on the site before it is emailed.
    pub(super) fn away_delay_ms(&self) -> i64 {
        self.config.email_away_delay.as_millis() as i64
    }

    /// One page of the viewer's own notifications, newest first.
    pub async fn notifications(&self, viewer: &Viewer, page: i64) -> Result<NotificationPage> {
        let member = viewer.member_or_login()?.id;
        let page = page.max(1);
        let (items, more, unread) = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let (items, more) = store::notifications(c, member, page, PER_PAGE).await?;
                    Ok((items, more, store::unread_count(c, member).await?))
                })
            })
            .await?;
        Ok(NotificationPage { items, unread, page, more })
    }

    /// How many of the viewer's notifications are unread.
    pub async fn unread_notifications(&self, viewer: &Viewer) -> Result<i64> {
        let member = viewer.member_or_login()?.id;
        Ok(self.store.unread_count(member).await?)
    }

    /// Marks the viewer's notifications read: those with `ids` (others' ids
    /// are ignored), or all. Returns how many changed.
    pub async fn mark_notifications_read(&self, viewer: &Viewer, ids: Option<Vec<i64>>) -> Result<u64> {
        let member = viewer.member_or_login()?.id;
        Ok(self.store.write_private(move |tx| Box::pin(async move { store::mark_read(tx, member, ids.as_ref()).await })).await?)
    }

    /// Sets how closely the viewer follows a thread they may read.
    pub async fn set_thread_level(&self, viewer: &Viewer, thread_id: i64, level: Level) -> Result<()> {
        let member = viewer.member_or_login()?.id;
        let thread = self.thread(thread_id).await?;
        access::check(viewer, Action::Read, access::thread_subject(&thread, None))?;
        Ok(self.store.write_private(move |tx| Box::pin(store::set_thread_level(tx, member, thread_id, level))).await?)
    }

    /// Sets how closely the viewer follows a category.
    pub async fn set_category_level(&self, viewer: &Viewer, slug: &str, level: Level) -> Result<()> {
        let member = viewer.member_or_login()?.id;
        let category = self.store.category(slug).await?.ok_or(Error::NotFound)?;
        Ok(self.store.write_private(move |tx| Box::pin(store::set_category_level(tx, member, category.id, level))).await?)
    }

    /// The viewer's level for a category (normal for guests).
    pub async fn category_level(&self, viewer: &Viewer, category_id: i64) -> Result<Level> {
        let Some(member) = viewer.user_id() else { return Ok(Level::Normal) };
        Ok(self.store.read(move |c| Box::pin(store::category_level(c, member, category_id))).await?)
    }

    /// Mutes another member, or unmutes them. Staff can't be muted: members
    /// must always be able to read what moderators tell them.
    pub async fn set_muted(&self, viewer: &Viewer, username: &str, muted: bool) -> Result<()> {
        let member = viewer.member_or_login()?.id;
        let other = self.store.user_by_name(username).await?.ok_or(Error::NotFound)?;
        if other.id == member {
            return Err(Error::Forbidden("You can't mute yourself.".into()));
        }
        if muted && other.role != crate::domain::Role::Member {
            return Err(Error::Forbidden("Moderators can't be muted, so that everyone can always read their guidance.".into()));
        }
        Ok(self.store.write_private(move |tx| Box::pin(store::set_muted(tx, member, other.id, muted))).await?)
    }

    /// Whether the viewer muted `user_id`.
    pub async fn mutes(&self, viewer: &Viewer, user_id: i64) -> Result<bool> {
        let Some(member) = viewer.user_id() else { return Ok(false) };
        Ok(self.store.read(move |c| Box::pin(store::mutes(c, member, user_id))).await?)
    }

    pub async fn muted_members(&self, viewer: &Viewer) -> Result<Vec<String>> {
        let member = viewer.member_or_login()?.id;
        Ok(self.store.read(move |c| Box::pin(store::muted_members(c, member))).await?)
    }

    /// The viewer read a page of a thread up to post `number`, seeing
    /// `posts`: their place moves on (never back), and their notifications
    /// about those posts are read. Nothing is written when nothing changes.
    pub async fn read_thread(&self, viewer: &Viewer, thread: &super::Thread, number: i64, posts: &[super::Post]) -> Result<()> {
        let Some(user) = viewer.user.as_ref() else { return Ok(()) };
        let advances = thread.reading.last_read.is_none_or(|read| number > read);
        let noticed: Vec<i64> = posts.iter().filter(|p| p.unread_notice).map(|p| p.id).collect();
        if !advances && noticed.is_empty() {
            return Ok(());
        }
        let (member, thread_id) = (user.id, thread.id);
        Ok(self.store.write_private(move |tx| Box::pin(async move { store::read_to(tx, member, thread_id, number, &noticed).await })).await?)
    }

    /// Notes that a member is using the site, so that "new since your last
    /// visit" and "only when away" know when they were here: at most once a
    /// minute, or at once when a notification came since they were last seen
    /// (they have seen it now, in the header, and it needn't be emailed).
    pub async fn seen(&self, viewer: &Viewer) -> Result<()> {
        let Some(user) = viewer.user.as_ref() else { return Ok(()) };
        let now = super::now_millis();
        if now - user.last_seen_at < rules::SEEN_EVERY_MS && user.newest_unread_at <= user.last_seen_at {
            return Ok(());
        }
        let member = user.id;
        Ok(self.store.write_private(move |tx| Box::pin(accounts::seen(tx, member, now))).await?)
    }

    /// The viewer's tracked threads with posts they haven't read.
    pub async fn unread_threads(&self, viewer: &Viewer, page: i64) -> Result<CatchingUp> {
        let opened_tracked = viewer.member_or_login()?.default_watch.tracked();
        self.catching_up(viewer, Catching::Unread { opened_tracked }, page).await
    }

    /// Threads started since the viewer's last visit (or in the last two
    /// days) that they haven't opened.
    pub async fn new_threads(&self, viewer: &Viewer, page: i64) -> Result<CatchingUp> {
        let member = viewer.member_or_login()?;
        let since = rules::new_since(member.previous_visit_at, super::now_millis());
        self.catching_up(viewer, Catching::New { since }, page).await
    }

    async fn catching_up(&self, viewer: &Viewer, list: Catching, page: i64) -> Result<CatchingUp> {
        let member = viewer.member_or_login()?.id;
        let (page, staff) = (page.max(1), viewer.is_staff());
        let (mut threads, more) = self.store.read(move |c| Box::pin(forum_store::catching_up(c, member, staff, list, page, THREADS_PER_PAGE))).await?;
        for t in &mut threads {
            t.reading.default = viewer.user.as_ref().map(|u| u.default_watch);
        }
        Ok(CatchingUp { threads, page, more })
    }

    /// Where opening a thread should land the viewer: its first post they
    /// haven't read, when they have read some of it and there is more.
    pub fn first_unread(thread: &super::Thread) -> Option<i64> {
        match thread.reading.last_read {
            Some(read) if read > 0 && read < thread.last_number => Some(read + 1),
            _ => None,
        }
    }
}
