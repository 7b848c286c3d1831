//! The forum itself: categories, threads, posts, their revisions, mentions and thanks.

use super::conn::{Conn, Row, Tx, args};
use super::{Result, Store, StoreError, now_millis};
use crate::domain::markdown::Rendered;
use crate::domain::notify::Level;
use crate::domain::programme::{PainArea, PainSummary, Trend};
use futures_util::future::try_join;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct Category {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub position: i64,
    pub thread_count: i64,
    pub post_count: i64,
    /// Guests see only titles and the start of each thread.
    pub members_only: bool,
    /// Only moderators and admins see it at all (from an import).
    pub staff_only: bool,
    /// The category it sits under, if any.
    pub parent_id: Option<i64>,
}

#[derive(Debug, Clone)]
pub struct CategoryInput {
    pub slug: String,
    pub name: String,
    pub description: String,
    pub members_only: bool,
}

/// A thread as a row in a list.
#[derive(Debug, Clone, Serialize)]
pub struct ThreadSummary {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category_slug: String,
    pub category_name: String,
    pub author: String,
    pub created_at: i64,
    pub last_post_at: i64,
    pub last_poster: String,
    pub replies: i64,
    pub pinned: bool,
    pub locked: bool,
    pub members_only: bool,
    /// The highest post number anyone can read.
    pub last_number: i64,
    /// How the member listing it follows it.
    pub reading: Reading,
}

/// A member's relation to a thread: how far they read, and how they follow it.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Reading {
    /// The last post number they read; None when they never opened it.
    pub last_read: Option<i64>,
    /// The level they chose for the thread itself, if any.
    #[serde(skip)]
    pub chosen: Option<Level>,
    /// Their level for its category, if they chose one.
    #[serde(skip)]
    pub category: Option<Level>,
    /// The member's default level, which a thread they opened takes when
    /// nothing else is chosen (set by the use case from the member).
    #[serde(skip)]
    pub default: Option<Level>,
}

impl Reading {
    /// The level in force: the thread's own, else its category's, else
    /// (once opened) the member's default, else normal.
    pub fn level(&self) -> Level {
        let opened = self.last_read.is_some_and(|n| n > 0);
        crate::domain::notify::effective(self.chosen, self.category, opened.then_some(self.default).flatten())
    }

    fn read(r: &Row, at: usize) -> Result<Reading> {
        let level = |i| r.opt_text(i).map(|l| l.as_deref().and_then(Level::parse));
        Ok(Reading { last_read: r.opt_int(at)?, chosen: level(at + 1)?, category: level(at + 2)?, default: None })
    }
}

#[derive(Debug, Clone)]
pub struct Thread {
    pub id: i64,
    pub title: String,
    pub slug: String,
    pub category_id: i64,
    pub category_slug: String,
    pub category_name: String,
    pub user_id: i64,
    pub created_at: i64,
    /// Highest post number handed out; pages are ranges of numbers.
    pub post_count: i64,
    pub reply_count: i64,
    pub locked: bool,
    /// 0: not pinned; 1: first in its category; 2: first everywhere.
    pub pinned: i64,
    /// Slow mode: at most one post per member per this many seconds (0: off)…
    pub slow_mode_seconds: i64,
    /// …until then, when given.
    pub slow_mode_until: Option<i64>,
    pub members_only: bool,
    /// Only moderators and admins may see it.
    pub staff_only: bool,
    /// The highest post number anyone can read.
    pub last_number: i64,
    /// How the member reading follows it (default for guests).
    pub reading: Reading,
}

impl Thread {
    /// Slow mode's spacing between one member's posts, if it is on at `now`.
    pub fn slow_mode_at(&self, now: i64) -> Option<i64> {
        (self.slow_mode_seconds > 0 && self.slow_mode_until.is_none_or(|until| now < until)).then_some(self.slow_mode_seconds)
    }
}

/// The post a reply answers, enough to show "in reply to #3 by ann: …".
#[derive(Debug, Clone)]
pub struct ReplyContext {
    pub post_id: i64,
    pub number: i64,
    pub author: String,
    pub excerpt: String,
    pub deleted: bool,
    /// Hidden or held: its words are not for everyone.
    pub hidden: bool,
}

#[derive(Debug, Clone)]
pub struct Post {
    pub id: i64,
    pub thread_id: i64,
    pub number: i64,
    pub user_id: i64,
    pub author: String,
    pub body: String,
    pub html: String,
    pub excerpt: String,
    pub reply_to: Option<ReplyContext>,
    pub mentions: Vec<String>,
    pub thanks: i64,
    /// Whether the member reading has thanked it (false for guests).
    pub thanked: bool,
    pub created_at: i64,
    pub edited_at: Option<i64>,
    pub deleted: bool,
    /// Removed by a moderator rather than by its author.
    pub deleted_by_moderator: bool,
    /// Waiting for a moderator's approval.
    pub held: bool,
    pub hidden: bool,
    /// Why, for its author.
    pub hidden_reason: Option<String>,
    /// Its thread's category is members-only.
    pub members_only: bool,
    pub thread_locked: bool,
    /// The member reading muted its author: it folds away behind a line.
    pub author_muted: bool,
    /// The member reading has an unread notification about it.
    pub unread_notice: bool,
    /// Where its author is in the programme ("W5R3"), unless they keep it to themselves.
    pub author_badge: Option<String>,
    /// The address of the author's own picture, if they uploaded one.
    pub author_avatar: Option<String>,
    /// Its author deleted their account: shown as "a former member".
    pub author_gone: bool,
    /// A summary of their pain log the author attached.
    pub pain_summary: Option<PainSummary>,
    /// In a category only moderators and admins may see.
    pub staff_only: bool,
}

impl Post {
    /// What the safety reader reads: the words, and an attached pain
    /// summary as a sentence, so its duration and trend count too.
    pub fn safety_text(&self) -> std::borrow::Cow<'_, str> {
        crate::domain::programme::safety_text(&self.body, self.pain_summary.as_ref())
    }

    pub fn with_marks(mut self, marks: &ViewerMarks) -> Post {
        self.thanked = marks.thanked;
        self.author_muted = marks.author_muted;
        self.unread_notice = marks.unread_notice;
        self
    }

    /// About how many bytes it holds, for bounding what is kept.
    pub fn bytes(&self) -> usize {
        std::mem::size_of::<Post>() + self.body.len() + self.html.len() + self.excerpt.len() + self.author.len()
            + self.reply_to.as_ref().map_or(0, |r| r.excerpt.len() + r.author.len())
    }
}

/// An attached pain summary as the posts table keeps it (JSON).
pub fn pain_summary_json(pain: &PainSummary) -> String {
    serde_json::json!({"area": pain.area.key(), "level": pain.level, "days": pain.days, "trend": pain.trend.key()}).to_string()
}

fn pain_summary(json: Option<String>) -> Option<PainSummary> {
    let v: serde_json::Value = serde_json::from_str(&json?).ok()?;
    Some(PainSummary {
        area: PainArea::parse(v["area"].as_str()?)?,
        level: u8::try_from(v["level"].as_u64()?).ok()?.min(10),
        days: u32::try_from(v["days"].as_u64()?).ok()?,
        trend: Trend::parse(v["trend"].as_str()?)?,
    })
}

#[derive(Debug, Clone)]
pub struct Revision {
    pub body: String,
    pub html: String,
    pub created_at: i64,
    pub replaced_at: i64,
}

/// A member's post as listed on their profile.
#[derive(Debug, Clone)]
pub struct PostSummary {
    pub post_id: i64,
    pub thread_id: i64,
    pub thread_title: String,
    pub thread_slug: String,
    pub number: i64,
    pub excerpt: String,
    pub created_at: i64,
}

#[derive(Debug, Clone)]
pub struct NewPost {
    pub author_id: i64,
    /// Unix milliseconds; "now" except when importing or loading the demo.
    pub created_at: i64,
    pub reply_to: Option<i64>,
    pub body: String,
    pub rendered: Rendered,
    /// Waits for a moderator before anyone else sees it.
    pub held: bool,
    /// A summary of their pain log the author chose to attach.
    pub pain_summary: Option<PainSummary>,
}

#[derive(Debug, Clone)]
pub struct NewThread {
    pub category_id: i64,
    pub title: String,
    pub slug: String,
    pub first_post: NewPost,
}

/// One page of a list, with what's needed to link to the others.
#[derive(Debug, Clone)]
pub struct Listing<T> {
    pub items: Vec<T>,
    pub total: i64,
}

const CATEGORY_COLUMNS: &str = "id, slug, name, description, position, thread_count, post_count, members_only, staff_only, parent_id";

fn category(r: &Row) -> Result<Category> {
    Ok(Category {
        id: r.int(0)?,
        slug: r.text(1)?,
        name: r.text(2)?,
        description: r.text(3)?,
        position: r.int(4)?,
        thread_count: r.int(5)?,
        post_count: r.int(6)?,
        members_only: r.flag(7)?,
        staff_only: r.flag(8)?,
        parent_id: r.opt_int(9)?,
    })
}

/// A thread with the reading member's (?2) place and level in it, joined
/// in: none for guests, and no statement of its own for members.
const THREAD_SELECT: &str = "SELECT t.id, t.title, t.slug, c.slug, c.name, t.user_id, t.created_at, t.post_count, t.reply_count, c.id, \
       t.locked_at IS NOT NULL, t.pinned, t.slow_mode_seconds, t.slow_mode_until, c.members_only, t.last_number, \
       mt.last_read, mt.level, mc.level, c.staff_only \
     FROM threads t JOIN categories c ON c.id = t.category_id \
     LEFT JOIN member_threads mt ON mt.thread_id = t.id AND mt.user_id = ?2 \
     LEFT JOIN member_categories mc ON mc.category_id = t.category_id AND mc.user_id = ?2";

fn thread(r: &Row) -> Result<Thread> {
    Ok(Thread {
        id: r.int(0)?,
        title: r.text(1)?,
        slug: r.text(2)?,
        category_slug: r.text(3)?,
        category_name: r.text(4)?,
        user_id: r.int(5)?,
        created_at: r.int(6)?,
        post_count: r.int(7)?,
        reply_count: r.int(8)?,
        category_id: r.int(9)?,
        locked: r.flag(10)?,
        pinned: r.int(11)?,
        slow_mode_seconds: r.int(12)?,
        slow_mode_until: r.opt_int(13)?,
        members_only: r.flag(14)?,
        last_number: r.int(15)?,
        reading: Reading::read(r, 16)?,
        staff_only: r.flag(19)?,
    })
}

/// Every post read shares this shape: the post, its author, the post it
/// answers with that post's author, and whether the viewer (?1) thanked it,
/// all in one statement so a page of posts is one query.
const POST_SELECT: &str = "SELECT p.id, p.thread_id, p.number, p.user_id, u.username, p.body, p.html, p.excerpt, \
       p.mentions, p.thanks_count, p.created_at, p.edited_at, p.deleted_at IS NOT NULL, \
       r.id, r.number, ru.username, r.excerpt, r.deleted_at IS NOT NULL, \
       EXISTS (SELECT 1 FROM thanks k WHERE k.post_id = p.id AND k.user_id = ?1), \
       p.deleted_by IS NOT NULL AND p.deleted_by <> p.user_id, p.held_at IS NOT NULL, p.hidden_at IS NOT NULL, p.hidden_reason, \
       pc.members_only, pt.locked_at IS NOT NULL, (r.hidden_at IS NOT NULL OR r.held_at IS NOT NULL), \
       EXISTS (SELECT 1 FROM member_mutes mm WHERE mm.user_id = ?1 AND mm.muted_id = p.user_id), \
       EXISTS (SELECT 1 FROM notifications nn WHERE nn.post_id = p.id AND nn.user_id = ?1 AND nn.read_at IS NULL), \
       CASE WHEN u.show_progress <> 0 THEN u.badge END, p.pain_summary, u.avatar, u.deleted_at IS NOT NULL, pc.staff_only \
     FROM posts p JOIN users u ON u.id = p.user_id \
     JOIN threads pt ON pt.id = p.thread_id JOIN categories pc ON pc.id = pt.category_id \
     LEFT JOIN posts r ON r.id = p.reply_to LEFT JOIN users ru ON ru.id = r.user_id";

fn post(r: &Row) -> Result<Post> {
    let reply_to = match r.opt_int(13)? {
        Some(post_id) => Some(ReplyContext {
            post_id,
            number: r.int(14)?,
            author: r.text(15)?,
            excerpt: r.text(16)?,
            deleted: r.flag(17)?,
            hidden: r.flag(25)?,
        }),
        None => None,
    };
    Ok(Post {
        id: r.int(0)?,
        thread_id: r.int(1)?,
        number: r.int(2)?,
        user_id: r.int(3)?,
        author: r.text(4)?,
        body: r.text(5)?,
        html: r.text(6)?,
        excerpt: r.text(7)?,
        mentions: serde_json::from_str(&r.text(8)?).unwrap_or_default(),
        thanks: r.int(9)?,
        created_at: r.int(10)?,
        edited_at: r.opt_int(11)?,
        deleted: r.flag(12)?,
        reply_to,
        thanked: r.flag(18)?,
        deleted_by_moderator: r.flag(19)?,
        held: r.flag(20)?,
        hidden: r.flag(21)?,
        hidden_reason: r.opt_text(22)?,
        members_only: r.flag(23)?,
        thread_locked: r.flag(24)?,
        author_muted: r.flag(26)?,
        unread_notice: r.flag(27)?,
        author_badge: r.opt_text(28)?,
        pain_summary: pain_summary(r.opt_text(29)?),
        author_avatar: r.opt_text(30)?,
        author_gone: r.flag(31)?,
        staff_only: r.flag(32)?,
    })
}

pub async fn categories(c: &Conn<'_>) -> Result<Vec<Category>> {
    c.all(&format!("SELECT {CATEGORY_COLUMNS} FROM categories ORDER BY position, name"), &[], category).await
}

pub async fn category_by_slug(c: &Conn<'_>, slug: &str) -> Result<Option<Category>> {
    c.one(&format!("SELECT {CATEGORY_COLUMNS} FROM categories WHERE slug = ?1"), args![slug], category).await
}

pub async fn create_category(tx: &Tx<'_>, input: &CategoryInput) -> Result<Category> {
    // Positions are numbered from the current highest.
    tx.lock_table("categories").await?;
    tx.one(
        &format!(
            "INSERT INTO categories (slug, name, description, position, created_at, members_only) \
             VALUES (?1, ?2, ?3, (SELECT COALESCE(MAX(position), 0) + 1 FROM categories), ?4, ?5) \
             RETURNING {CATEGORY_COLUMNS}"
        ),
        args![&input.slug, &input.name, &input.description, now_millis(), input.members_only],
        category,
    )
    .await?
    .ok_or(StoreError::NotFound)
}

pub async fn update_category(tx: &Tx<'_>, slug: &str, input: &CategoryInput) -> Result<Category> {
    tx.one(
        &format!("UPDATE categories SET slug = ?2, name = ?3, description = ?4, members_only = ?5 WHERE slug = ?1 RETURNING {CATEGORY_COLUMNS}"),
        args![slug, &input.slug, &input.name, &input.description, input.members_only],
        category,
    )
    .await?
    .ok_or(StoreError::NotFound)
}

/// How many items come before page `page` (from 1), for any page number a
/// client sends: beyond the last page is simply empty, never an overflow.
pub(crate) fn page_offset(page: i64, per_page: i64) -> i64 {
    (page.max(1) - 1).saturating_mul(per_page)
}

/// One page of a thread list, and the threads pinned above it.
#[derive(Debug, Clone)]
pub struct ThreadPage {
    pub pinned: Vec<ThreadSummary>,
    pub threads: Listing<ThreadSummary>,
}

/// A thread list's row: the thread, and the listing member's (?1) place and
/// level in it, joined in so a member's list costs what a guest's does.
const LIST_COLUMNS: &str = "SELECT t.id, t.title, t.slug, c.slug, c.name, a.username, t.created_at, t.last_post_at, l.username, t.reply_count, \
    t.pinned, t.locked_at IS NOT NULL, c.members_only, t.last_number, mt.last_read, mt.level, mc.level";
const LIST_JOINS: &str = "JOIN threads t ON t.id = page.id JOIN categories c ON c.id = t.category_id \
    JOIN users a ON a.id = t.user_id JOIN users l ON l.id = t.last_post_user_id \
    LEFT JOIN member_threads mt ON mt.thread_id = t.id AND mt.user_id = ?1 \
    LEFT JOIN member_categories mc ON mc.category_id = t.category_id AND mc.user_id = ?1";
const BY_ACTIVITY: &str = "ORDER BY t.last_post_at DESC, t.id DESC";

fn summary(r: &Row) -> Result<ThreadSummary> {
    Ok(ThreadSummary {
        id: r.int(0)?,
        title: r.text(1)?,
        slug: r.text(2)?,
        category_slug: r.text(3)?,
        category_name: r.text(4)?,
        author: r.text(5)?,
        created_at: r.int(6)?,
        last_post_at: r.int(7)?,
        last_poster: r.text(8)?,
        replies: r.int(9)?,
        pinned: r.int(10)? > 0,
        locked: r.flag(11)?,
        members_only: r.flag(12)?,
        last_number: r.int(13)?,
        reading: Reading::read(r, 14)?,
    })
}

/// Threads by last activity, newest first; all categories when `category_id`
/// is None, with the pinned ones apart. The page's ids are found in the
/// `threads_latest` or `threads_category_latest` index alone, so skipping to
/// a deep page reads index entries, not rows, and only the page's rows are
/// joined. Pinned threads leave those indexes: everywhere-pins the latest
/// list, any pin its category's.
pub async fn threads(c: &Conn<'_>, reader: Option<i64>, staff: bool, category_id: Option<i64>, page: i64, per_page: i64) -> Result<ThreadPage> {
    let offset = page_offset(page, per_page);
    let (pinned, items, total) = match category_id {
        Some(id) => (
            c.all(
                &format!("{LIST_COLUMNS} FROM (SELECT id FROM threads WHERE category_id = ?2 AND pinned > 0 AND held_at IS NULL) page {LIST_JOINS} {BY_ACTIVITY}"),
                args![reader, id],
                summary,
            )
            .await?,
            c.all(
                &format!(
                    "{LIST_COLUMNS} FROM (SELECT id FROM threads WHERE category_id = ?2 AND pinned = 0 AND held_at IS NULL \
                     ORDER BY last_post_at DESC, id DESC LIMIT ?3 OFFSET ?4) page {LIST_JOINS} {BY_ACTIVITY}"
                ),
                args![reader, id, per_page, offset],
                summary,
            )
            .await?,
            c.one("SELECT thread_count FROM categories WHERE id = ?1", args![id], |r| r.int(0)).await?,
        ),
        None => (
            // "pinned > 0" spelled out lets SQLite use the partial `threads_pinned`
            // index (it doesn't infer it from "pinned = 2"): otherwise every list
            // scans every thread.
            c.all(
                &format!(
                    "{LIST_COLUMNS} FROM (SELECT id FROM threads WHERE pinned > 0 AND pinned = 2 AND held_at IS NULL AND {}) page {LIST_JOINS} {BY_ACTIVITY}",
                    seen_by("category_id", 2)
                ),
                args![reader, staff],
                summary,
            )
                .await?,
            c.all(
                &format!(
                    "{LIST_COLUMNS} FROM (SELECT id FROM threads WHERE pinned < 2 AND held_at IS NULL AND {} \
                     ORDER BY last_post_at DESC, id DESC LIMIT ?2 OFFSET ?3) page {LIST_JOINS} {BY_ACTIVITY}",
                    seen_by("category_id", 4)
                ),
                args![reader, per_page, offset, staff],
                summary,
            )
            .await?,
            c.one("SELECT CAST(COALESCE(SUM(thread_count), 0) AS BIGINT) FROM categories WHERE ?1 = 1 OR staff_only = 0", args![staff], |r| r.int(0)).await?,
        ),
    };
    let total = (total.unwrap_or(0) - pinned.len() as i64).max(0);
    Ok(ThreadPage { pinned: if page <= 1 { pinned } else { Vec::new() }, threads: Listing { items, total } })
}

/// Threads (by `column`, their category) in staff-only categories are left
/// out unless parameter `staff_param` (the viewer is staff) is 1. The few
/// staff-only ids are found once per statement.
fn seen_by(column: &str, staff_param: usize) -> String {
    format!("(?{staff_param} = 1 OR {column} NOT IN (SELECT id FROM categories WHERE staff_only = 1))")
}

/// A member's own lists of what they haven't caught up with.
#[derive(Debug, Clone, Copy)]
pub enum Catching {
    /// Threads they track with posts after the last they read, by activity;
    /// with `opened_tracked`, threads they opened count as tracked unless chosen otherwise.
    Unread { opened_tracked: bool },
    /// Threads started after `since` that they never opened, newest first,
    /// outside the categories they muted.
    New { since: i64 },
}

/// One page of `reader`'s unread or new threads, and whether more follow.
/// Both start from the member's own rows or a time index, never a scan of
/// every thread.
pub async fn catching_up(c: &Conn<'_>, reader: i64, staff: bool, list: Catching, page: i64, per_page: i64) -> Result<(Vec<ThreadSummary>, bool)> {
    let offset = page_offset(page, per_page);
    let mut items = match list {
        Catching::Unread { opened_tracked } => {
            let opened = if opened_tracked { Level::Tracking } else { Level::Normal };
            c.all(
                &format!(
                    "{LIST_COLUMNS} FROM (SELECT x.thread_id AS id FROM member_threads x JOIN threads u ON u.id = x.thread_id \
                       LEFT JOIN member_categories y ON y.user_id = x.user_id AND y.category_id = u.category_id \
                       WHERE x.user_id = ?1 AND x.last_read > 0 AND u.last_number > x.last_read AND u.held_at IS NULL \
                         AND COALESCE(x.level, y.level, ?4) IN ('watching', 'tracking') AND {} \
                       ORDER BY u.last_post_at DESC, u.id DESC LIMIT ?2 OFFSET ?3) page {LIST_JOINS} {BY_ACTIVITY}",
                    seen_by("u.category_id", 5)
                ),
                args![reader, per_page + 1, offset, opened.as_str(), staff],
                summary,
            )
            .await?
        }
        Catching::New { since } => {
            c.all(
                &format!(
                    "{LIST_COLUMNS} FROM (SELECT u.id FROM threads u LEFT JOIN member_categories y ON y.user_id = ?1 AND y.category_id = u.category_id \
                       WHERE u.created_at > ?2 AND u.held_at IS NULL AND COALESCE(y.level, 'normal') <> 'muted' \
                         AND NOT EXISTS (SELECT 1 FROM member_threads x WHERE x.user_id = ?1 AND x.thread_id = u.id) AND {} \
                       ORDER BY u.created_at DESC, u.id DESC LIMIT ?3 OFFSET ?4) page {LIST_JOINS} ORDER BY t.created_at DESC, t.id DESC",
                    seen_by("u.category_id", 5)
                ),
                args![reader, since, per_page + 1, offset, staff],
                summary,
            )
            .await?
        }
    };
    let more = items.len() as i64 > per_page;
    items.truncate(per_page as usize);
    Ok((items, more))
}

pub async fn thread_by_id(c: &Conn<'_>, id: i64) -> Result<Option<Thread>> {
    thread_for(c, id, None).await
}

/// A thread as `reader` sees it, with their place and level in it.
pub async fn thread_for(c: &Conn<'_>, id: i64, reader: Option<i64>) -> Result<Option<Thread>> {
    c.one(&format!("{THREAD_SELECT} WHERE t.id = ?1"), args![id, reader], thread).await
}

/// Posts numbered `first..=last`, in order, as `viewer` sees them.
pub async fn thread_posts(c: &Conn<'_>, thread_id: i64, first: i64, last: i64, viewer: Option<i64>) -> Result<Vec<Post>> {
    c.all(&format!("{POST_SELECT} WHERE p.thread_id = ?2 AND p.number BETWEEN ?3 AND ?4 ORDER BY p.number"), args![viewer, thread_id, first, last], post)
        .await
}

/// What is the viewer's own about posts numbered `first..=last`: whether
/// they thanked each, muted its author, or have an unread notification about
/// it. With [`thread_posts`] read for a guest, this makes the page as the
/// viewer sees it.
pub async fn viewer_marks(c: &Conn<'_>, thread_id: i64, first: i64, last: i64, viewer: i64) -> Result<Vec<ViewerMarks>> {
    c.all(
        "SELECT p.id, EXISTS (SELECT 1 FROM thanks k WHERE k.post_id = p.id AND k.user_id = ?1), \
                EXISTS (SELECT 1 FROM member_mutes mm WHERE mm.user_id = ?1 AND mm.muted_id = p.user_id), \
                EXISTS (SELECT 1 FROM notifications nn WHERE nn.post_id = p.id AND nn.user_id = ?1 AND nn.read_at IS NULL) \
         FROM posts p WHERE p.thread_id = ?2 AND p.number BETWEEN ?3 AND ?4",
        args![viewer, thread_id, first, last],
        |r| Ok(ViewerMarks { post_id: r.int(0)?, thanked: r.flag(1)?, author_muted: r.flag(2)?, unread_notice: r.flag(3)? }),
    )
    .await
}

/// A post's marks that are the viewer's own (see [`viewer_marks`]).
#[derive(Debug, Clone, Copy)]
pub struct ViewerMarks {
    pub post_id: i64,
    pub thanked: bool,
    pub author_muted: bool,
    pub unread_notice: bool,
}

pub async fn post_by_id(c: &Conn<'_>, id: i64, viewer: Option<i64>) -> Result<Option<Post>> {
    c.one(&format!("{POST_SELECT} WHERE p.id = ?2"), args![viewer, id], post).await
}

/// Starts a thread with its opening post. A thread whose opening post is held
/// is listed nowhere, and counted nowhere, until the post is approved.
pub async fn create_thread(tx: &Tx<'_>, new: &NewThread) -> Result<(Thread, Post)> {
    let first = &new.first_post;
    let held_at = first.held.then_some(first.created_at);
    let id = tx
        .one(
            "INSERT INTO threads (category_id, user_id, title, slug, created_at, last_post_at, last_post_user_id, held_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?5, ?2, ?6) RETURNING id",
            args![new.category_id, first.author_id, &new.title, &new.slug, first.created_at, held_at],
            |r| r.int(0),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if !first.held {
        tx.exec("UPDATE categories SET thread_count = thread_count + 1 WHERE id = ?1", args![new.category_id]).await?;
    }
    let post = create_post(tx, id, first).await?;
    let thread = thread_by_id(tx, id).await?.ok_or(StoreError::NotFound)?;
    Ok((thread, post))
}

/// Adds a post to `thread_id`, keeping every counter in step, and returns it
/// as its author sees it. A held post takes its number now but counts (as a
/// reply, its thread's latest activity, its category's and its author's
/// posts) only once it is approved.
pub async fn create_post(tx: &Tx<'_>, thread_id: i64, new: &NewPost) -> Result<Post> {
    let posted = insert_post(tx, thread_id, new).await?;
    post_by_id(tx, posted.id, Some(posted.author_id)).await?.ok_or(StoreError::NotFound)
}

/// A post just written: what its side records need, known without reading it back.
#[derive(Debug, Clone, Copy)]
pub struct Posted {
    pub id: i64,
    pub thread_id: i64,
    pub number: i64,
    pub author_id: i64,
    pub held: bool,
}

impl From<&Post> for Posted {
    fn from(post: &Post) -> Posted {
        Posted { id: post.id, thread_id: post.thread_id, number: post.number, author_id: post.user_id, held: post.held }
    }
}

/// As [`create_post`], without reading the post back: a reply reads it after
/// its commit, off the writer, whose time every reply to the thread waits on.
pub async fn insert_post(tx: &Tx<'_>, thread_id: i64, new: &NewPost) -> Result<Posted> {
    // Taking the number also locks the thread's row on PostgreSQL, so
    // concurrent replies are numbered one at a time. It finds no row, too,
    // when the post it answers is not in the thread: a reply may only answer
    // a post in the same thread, checked without a statement of its own.
    let (category_id, number) = tx
        .one(
            "UPDATE threads SET post_count = post_count + 1, \
             reply_count = reply_count + (CASE WHEN ?4 = 0 AND post_count > 0 THEN 1 ELSE 0 END), \
             last_post_at = CASE WHEN ?4 = 0 THEN ?2 ELSE last_post_at END, \
             last_post_user_id = CASE WHEN ?4 = 0 THEN ?3 ELSE last_post_user_id END, \
             last_number = CASE WHEN ?4 = 0 THEN post_count + 1 ELSE last_number END \
             WHERE id = ?1 AND (CAST(?5 AS BIGINT) IS NULL OR EXISTS (SELECT 1 FROM posts WHERE id = ?5 AND thread_id = ?1)) \
             RETURNING category_id, post_count",
            args![thread_id, new.created_at, new.author_id, new.held, new.reply_to],
            |r| Ok((r.int(0)?, r.int(1)?)),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let mentions = serde_json::to_string(&new.rendered.mentions).unwrap_or_else(|_| "[]".into());
    let held_at = new.held.then_some(new.created_at);
    let id = tx
        .one(
            "INSERT INTO posts (thread_id, number, user_id, reply_to, body, html, excerpt, mentions, created_at, held_at, pain_summary) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11) RETURNING id",
            args![
                thread_id,
                number,
                new.author_id,
                new.reply_to,
                &new.body,
                &new.rendered.html,
                &new.rendered.excerpt,
                &mentions,
                new.created_at,
                held_at,
                &new.pain_summary.as_ref().map(pain_summary_json)
            ],
            |r| r.int(0),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    let counted = async {
        if !new.held {
            let category = async { tx.exec("UPDATE categories SET post_count = post_count + 1 WHERE id = ?1", args![category_id]).await };
            let author = async { tx.exec("UPDATE users SET post_count = post_count + 1 WHERE id = ?1", args![new.author_id]).await };
            try_join(category, author).await?;
        }
        Ok(())
    };
    // A new post has no mentions to replace: one statement fewer while the thread's row is locked.
    try_join(counted, insert_mentions(tx, id, &new.rendered.mentions)).await?;
    Ok(Posted { id, thread_id, number, author_id: new.author_id, held: new.held })
}

/// A held post goes up, counted from now as if it had just been written; a
/// held opening post brings its thread into the lists.
pub async fn approve_post(tx: &Tx<'_>, post_id: i64) -> Result<Post> {
    let now = now_millis();
    let (thread_id, number, author) = tx
        .one("UPDATE posts SET held_at = NULL WHERE id = ?1 AND held_at IS NOT NULL RETURNING thread_id, number, user_id", args![post_id], |r| {
            Ok((r.int(0)?, r.int(1)?, r.int(2)?))
        })
        .await?
        .ok_or(StoreError::NotFound)?;
    let category_id = tx
        .one(
            "UPDATE threads SET reply_count = reply_count + ?2, last_post_at = ?3, last_post_user_id = ?4, held_at = NULL, \
             last_number = CASE WHEN last_number > ?5 THEN last_number ELSE ?5 END \
             WHERE id = ?1 RETURNING category_id",
            args![thread_id, i64::from(number > 1), now, author, number],
            |r| r.int(0),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if number == 1 {
        tx.exec("UPDATE categories SET thread_count = thread_count + 1 WHERE id = ?1", args![category_id]).await?;
    }
    tx.exec("UPDATE categories SET post_count = post_count + 1 WHERE id = ?1", args![category_id]).await?;
    tx.exec("UPDATE users SET post_count = post_count + 1 WHERE id = ?1", args![author]).await?;
    post_by_id(tx, post_id, None).await?.ok_or(StoreError::NotFound)
}

/// Hides a post until a moderator restores it; `reason` is shown to its author.
pub async fn hide_post(tx: &Tx<'_>, post_id: i64, reason: &str) -> Result<bool> {
    Ok(tx
        .exec("UPDATE posts SET hidden_at = ?2, hidden_reason = ?3 WHERE id = ?1 AND hidden_at IS NULL AND deleted_at IS NULL", args![post_id, now_millis(), reason])
        .await?
        > 0)
}

pub async fn restore_post(tx: &Tx<'_>, post_id: i64) -> Result<bool> {
    Ok(tx.exec("UPDATE posts SET hidden_at = NULL, hidden_reason = NULL WHERE id = ?1 AND hidden_at IS NOT NULL", args![post_id]).await? > 0)
}

/// Replaces the members a post mentions.
async fn record_mentions(tx: &Tx<'_>, post_id: i64, usernames: &[String]) -> Result<()> {
    tx.exec("DELETE FROM post_mentions WHERE post_id = ?1", args![post_id]).await?;
    insert_mentions(tx, post_id, usernames).await
}

async fn insert_mentions(tx: &Tx<'_>, post_id: i64, usernames: &[String]) -> Result<()> {
    if !usernames.is_empty() {
        let lower: Vec<String> = usernames.iter().map(|n| n.to_ascii_lowercase()).collect();
        tx.exec(
            "INSERT INTO post_mentions (post_id, user_id) SELECT ?1, id FROM users WHERE username_lower = ANY(?2) ON CONFLICT DO NOTHING",
            args![post_id, &lower],
        )
        .await?;
    }
    Ok(())
}

/// Replaces the body, keeping the previous version as a revision.
pub async fn edit_post(tx: &Tx<'_>, post_id: i64, editor_id: i64, body: &str, rendered: &Rendered) -> Result<Post> {
    let now = now_millis();
    let kept = tx
        .exec(
            "INSERT INTO post_revisions (post_id, body, html, created_at, replaced_at, replaced_by) \
             SELECT id, body, html, COALESCE(edited_at, created_at), ?2, ?3 FROM posts WHERE id = ?1 AND deleted_at IS NULL",
            args![post_id, now, editor_id],
        )
        .await?;
    if kept == 0 {
        return Err(StoreError::NotFound);
    }
    // The first version and the latest ones are kept, not every step between:
    // a post edited hundreds of times doesn't grow without end.
    tx.exec(
        "DELETE FROM post_revisions WHERE post_id = ?1 \
           AND id <> (SELECT MIN(id) FROM post_revisions WHERE post_id = ?1) \
           AND id NOT IN (SELECT id FROM post_revisions WHERE post_id = ?1 ORDER BY id DESC LIMIT ?2)",
        args![post_id, KEPT_REVISIONS - 1],
    )
    .await?;
    let mentions = serde_json::to_string(&rendered.mentions).unwrap_or_else(|_| "[]".into());
    tx.exec(
        "UPDATE posts SET body = ?2, html = ?3, excerpt = ?4, mentions = ?5, edited_at = ?6 WHERE id = ?1",
        args![post_id, body, &rendered.html, &rendered.excerpt, &mentions, now],
    )
    .await?;
    record_mentions(tx, post_id, &rendered.mentions).await?;
    post_by_id(tx, post_id, Some(editor_id)).await?.ok_or(StoreError::NotFound)
}

/// Marks a post deleted by `by` (its author or a moderator); its place and
/// number stay. A held post was never counted, so nothing is taken off.
pub async fn delete_post(tx: &Tx<'_>, post_id: i64, by: i64) -> Result<()> {
    let (thread_id, user_id, number, held) = tx
        .one(
            "UPDATE posts SET deleted_at = ?2, deleted_by = ?3 WHERE id = ?1 AND deleted_at IS NULL RETURNING thread_id, user_id, number, held_at IS NOT NULL",
            args![post_id, now_millis(), by],
            |r| Ok((r.int(0)?, r.int(1)?, r.int(2)?, r.flag(3)?)),
        )
        .await?
        .ok_or(StoreError::NotFound)?;
    if held {
        return Ok(());
    }
    if number > 1 {
        tx.exec("UPDATE threads SET reply_count = reply_count - 1 WHERE id = ?1", args![thread_id]).await?;
    }
    tx.exec("UPDATE users SET post_count = post_count - 1 WHERE id = ?1", args![user_id]).await?;
    Ok(())
}

/// When `user_id` last posted in `thread_id`, for slow mode.
pub async fn last_post_by(c: &Conn<'_>, thread_id: i64, user_id: i64) -> Result<Option<i64>> {
    c.one("SELECT MAX(created_at) FROM posts WHERE thread_id = ?1 AND user_id = ?2 AND deleted_at IS NULL", args![thread_id, user_id], |r| r.opt_int(0))
        .await
        .map(Option::flatten)
}

/// Earlier versions kept per post: the first, and the latest ones.
pub const KEPT_REVISIONS: i64 = 20;

/// A page of a post's earlier versions, oldest first.
pub async fn revisions(c: &Conn<'_>, post_id: i64, page: i64, per_page: i64) -> Result<Listing<Revision>> {
    let offset = (page.max(1) - 1).saturating_mul(per_page);
    let items = c
        .all(
            "SELECT body, html, created_at, replaced_at FROM post_revisions WHERE post_id = ?1 ORDER BY id LIMIT ?2 OFFSET ?3",
            args![post_id, per_page, offset],
            |r| Ok(Revision { body: r.text(0)?, html: r.text(1)?, created_at: r.int(2)?, replaced_at: r.int(3)? }),
        )
        .await?;
    let total = c.one("SELECT COUNT(*) FROM post_revisions WHERE post_id = ?1", args![post_id], |r| r.int(0)).await?.unwrap_or(0);
    Ok(Listing { items, total })
}

/// Adds or removes `user_id`'s thanks (idempotent); returns the new count
/// and whether this changed it.
pub async fn set_thanks(tx: &Tx<'_>, post_id: i64, user_id: i64, thanked: bool) -> Result<(i64, bool)> {
    let author = tx.one("SELECT user_id FROM posts WHERE id = ?1", args![post_id], |r| r.int(0)).await?.ok_or(StoreError::NotFound)?;
    let changed = if thanked {
        tx.exec("INSERT INTO thanks (post_id, user_id, created_at) VALUES (?1, ?2, ?3) ON CONFLICT DO NOTHING", args![post_id, user_id, now_millis()])
            .await?
    } else {
        tx.exec("DELETE FROM thanks WHERE post_id = ?1 AND user_id = ?2", args![post_id, user_id]).await?
    } as i64;
    let delta = if thanked { changed } else { -changed };
    if delta == 0 {
        return Ok((tx.one("SELECT thanks_count FROM posts WHERE id = ?1", args![post_id], |r| r.int(0)).await?.unwrap_or(0), false));
    }
    tx.exec("UPDATE users SET thanks_received = thanks_received + ?2 WHERE id = ?1", args![author, delta]).await?;
    let count = tx
        .one("UPDATE posts SET thanks_count = thanks_count + ?2 WHERE id = ?1 RETURNING thanks_count", args![post_id, delta], |r| r.int(0))
        .await?
        .ok_or(StoreError::NotFound)?;
    Ok((count, true))
}

/// A member's latest posts that everyone may read (with `members_only`, those
/// in members-only categories too).
pub async fn recent_posts_by(c: &Conn<'_>, user_id: i64, limit: i64, members_only: bool, staff: bool) -> Result<Vec<PostSummary>> {
    c.all(
        "SELECT p.id, p.thread_id, t.title, t.slug, p.number, p.excerpt, p.created_at \
         FROM posts p JOIN threads t ON t.id = p.thread_id JOIN categories c ON c.id = t.category_id \
         WHERE p.user_id = ?1 AND p.deleted_at IS NULL AND p.hidden_at IS NULL AND p.held_at IS NULL AND (?3 = 1 OR c.members_only = 0) AND (?4 = 1 OR c.staff_only = 0) \
         ORDER BY p.created_at DESC LIMIT ?2",
        args![user_id, limit, members_only, staff],
        |r| {
            Ok(PostSummary {
                post_id: r.int(0)?,
                thread_id: r.int(1)?,
                thread_title: r.text(2)?,
                thread_slug: r.text(3)?,
                number: r.int(4)?,
                excerpt: r.text(5)?,
                created_at: r.int(6)?,
            })
        },
    )
    .await
}

/// Single steps, each its own read or transaction.
impl Store {
    pub async fn categories(&self) -> Result<Vec<Category>> {
        self.read(|c| Box::pin(categories(c))).await
    }

    pub async fn category(&self, slug: &str) -> Result<Option<Category>> {
        let slug = slug.to_owned();
        self.read(move |c| Box::pin(async move { category_by_slug(c, &slug).await })).await
    }

    pub async fn create_category(&self, input: CategoryInput) -> Result<Category> {
        self.write(move |tx| Box::pin(async move { create_category(tx, &input).await })).await
    }

    pub async fn update_category(&self, slug: &str, input: CategoryInput) -> Result<Category> {
        let slug = slug.to_owned();
        self.write(move |tx| Box::pin(async move { update_category(tx, &slug, &input).await })).await
    }

    pub async fn thread(&self, id: i64) -> Result<Option<Thread>> {
        self.read(move |c| Box::pin(thread_by_id(c, id))).await
    }

    pub async fn thread_posts(&self, thread_id: i64, first: i64, last: i64, viewer: Option<i64>) -> Result<Vec<Post>> {
        self.read(move |c| Box::pin(thread_posts(c, thread_id, first, last, viewer))).await
    }

    pub async fn post(&self, id: i64, viewer: Option<i64>) -> Result<Option<Post>> {
        self.read(move |c| Box::pin(post_by_id(c, id, viewer))).await
    }

    pub async fn revisions(&self, post_id: i64, page: i64, per_page: i64) -> Result<Listing<Revision>> {
        self.read(move |c| Box::pin(revisions(c, post_id, page, per_page))).await
    }

}
