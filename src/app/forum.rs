//! The forum: reading lists and threads, starting threads, replying, editing,
//! deleting and thanking.
//!
//! Writes follow one order: rate limits, access, validation (with a new
//! member's limits and the contact details check), cooking the Markdown,
//! then one transaction holding the change and its side records: the live
//! event; for a held post, its place in the review queue; for a post that
//! describes an emergency, the queue and an alert to every moderator; for a
//! moderator's change to someone else's post, the audit log and a notice.

use super::access::{self, Viewer};
use super::store::moderation::{self as queue_store, AuditEntry};
use super::store::notify::Notice;
use super::store::forum::Posted;
use super::store::{NewEvent, NewPost, NewThread, StoreError, Tx, events, forum, notify, notify as notify_store};
use super::{App, Category, Error, Listing, Post, Result, Revision, Thread, ThreadSummary};
use crate::domain::links::{MAX_THREADS_PER_PAGE, POSTS_PER_PAGE, THREADS_PER_PAGE, pages, post_url};
use crate::domain::markdown::{self, Rendered};
use crate::domain::programme::safety_text;
use crate::domain::moderation::{self, HELD_SCORE, SAFETY_SCORE};
use crate::domain::permission::{Action, Level, Subject, Who};
use crate::domain::{FieldError, quote, slugify, validate};
use futures_util::future::try_join3;

/// One page of a thread: its posts numbered into that page, as the viewer may see them.
#[derive(Clone)]
pub struct ThreadPage {
    pub thread: Thread,
    pub posts: Vec<Post>,
    pub page: i64,
    pub pages: i64,
    /// A guest on a members-only thread: they see its title and the start of
    /// its opening post, and are asked to join to read the rest.
    pub teaser: bool,
}

/// Pages of threads' posts as guests see them, by thread and first number,
/// with what they show of the thread's own row.
pub(super) type KeptPosts = super::kept::Kept<(i64, i64), (KeptStamp, Vec<Post>)>;

/// What a thread's kept posts show of the thread's own row: when the row
/// read afresh differs, the posts are read again.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) struct KeptStamp {
    post_count: i64,
    last_number: i64,
    locked: bool,
    members_only: bool,
    staff_only: bool,
}

impl KeptStamp {
    fn of(thread: &Thread) -> KeptStamp {
        KeptStamp { post_count: thread.post_count, last_number: thread.last_number, locked: thread.locked, members_only: thread.members_only, staff_only: thread.staff_only }
    }
}

/// One page of the latest threads, everywhere or in one category, with the pinned ones above.
pub struct ThreadList {
    pub category: Option<Category>,
    pub pinned: Vec<ThreadSummary>,
    pub threads: super::Listing<ThreadSummary>,
    pub page: i64,
    pub pages: i64,
}

/// A thread opened: a page of it, or (no page asked for) the number of the
/// first post the viewer hasn't read, to go to instead.
pub enum Opened {
    Page(ThreadPage),
    ResumeAt(Thread, i64),
}

/// A thread, or where a merged one's posts went.
pub enum Found {
    Thread(Thread),
    MovedTo(Thread),
}

/// What a member wrote, with their answer to "post anyway?" when it holds contact details.
#[derive(Debug, Clone, Copy)]
pub struct Draft<'a> {
    pub body: &'a str,
    pub contact_details_ok: bool,
    /// Attach a summary of the author's pain log for this area (a pain area's key).
    pub pain_area: Option<&'a str>,
}

impl<'a> Draft<'a> {
    pub fn new(body: &'a str) -> Self {
        Draft { body, contact_details_ok: false, pain_area: None }
    }
}

/// Earlier versions of a post on one page.
pub const REVISIONS_PER_PAGE: i64 = 10;

/// The problem field a form shows "post anyway" beside.
pub const CONTACT_DETAILS: &str = "contact_details";

fn event(kind: &'static str, thread_id: i64, post_id: i64) -> NewEvent {
    NewEvent { kind, thread_id: Some(thread_id), post_id: Some(post_id) }
}

/// How many links a cooked post holds: mentions are links too, but to members.
fn links_in(rendered: &Rendered) -> usize {
    rendered.html.matches("<a href=\"http").count()
}

/// The side records of a new post: its event; its author follows the
/// thread; once anyone may read it, its notifications; and a place in the
/// queue when it waits for approval or describes an emergency.
async fn new_post_records(tx: &Tx<'_>, post: &Posted, body: &str, emergency: bool, away_delay_ms: i64) -> super::store::Result<()> {
    let kind = if post.held { "post-held" } else if post.number == 1 { "thread-created" } else { "post-created" };
    // None of these waits on another's answer, so they are awaited together
    // (one round trip on PostgreSQL); their statements still run in this order.
    let recorded = async { events::record(tx, &event(kind, post.thread_id, post.id)).await };
    let followed = notify_store::follow_on_post(tx, post.author_id, post.thread_id, post.number);
    let told = async {
        if post.held {
            queue_store::queue(tx, post.id, "held", HELD_SCORE).await?;
            events::record(tx, &review_event(post.thread_id, post.id)).await.map(|_| ())
        } else {
            super::notify::published(tx, post.id, &quote::quoted_authors(body), away_delay_ms).await
        }
    };
    try_join3(recorded, followed, told).await?;
    if emergency {
        alert_emergency(tx, post).await?;
    }
    Ok(())
}

/// Tells the moderators' queue page that something changed about a post.
pub(super) fn review_event(thread_id: i64, post_id: i64) -> NewEvent {
    NewEvent { kind: "review", thread_id: Some(thread_id), post_id: Some(post_id) }
}

/// A post that describes an emergency: the member may need help now, so
/// every moderator hears at once, and the post heads the queue.
async fn alert_emergency(tx: &Tx<'_>, post: &Posted) -> super::store::Result<()> {
    let told = notify::notify_staff(tx, Notice { kind: "safety-emergency", post_id: Some(post.id), actor_id: Some(post.author_id), detail: None }).await?;
    queue_store::queue(tx, post.id, "safety", SAFETY_SCORE).await?;
    events::record(tx, &review_event(post.thread_id, post.id)).await?;
    tracing::warn!(post = post.id, staff = told, "a post describes an emergency; staff notified");
    Ok(())
}

impl App {
    /// The categories `viewer` may see: staff-only ones for moderators and admins alone.
    pub async fn categories(&self, viewer: &Viewer) -> Result<Vec<Category>> {
        let staff = viewer.is_staff();
        Ok(self.all_categories().await?.into_iter().filter(|c| staff || !c.staff_only).collect())
    }

    /// Every category, whoever is asking.
    pub async fn all_categories(&self) -> Result<Vec<Category>> {
        Ok(self.store.categories().await?)
    }

    /// The latest threads everywhere (no `category`), or in the category with that slug.
    pub async fn thread_list(&self, viewer: &Viewer, category: Option<&str>, page: i64) -> Result<ThreadList> {
        self.thread_list_of(viewer, category, page, THREADS_PER_PAGE).await
    }

    /// As [`App::thread_list`], with pages of `per_page` threads (at most [`MAX_THREADS_PER_PAGE`]).
    pub async fn thread_list_of(&self, viewer: &Viewer, category: Option<&str>, page: i64, per_page: i64) -> Result<ThreadList> {
        let per_page = per_page.clamp(1, MAX_THREADS_PER_PAGE);
        let page = page.max(1);
        let slug = category.map(str::to_owned);
        let (reader, staff) = (viewer.user_id(), viewer.is_staff());
        let (category, listed) = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let category = match slug {
                        Some(slug) => Some(forum::category_by_slug(c, &slug).await?.filter(|c| staff || !c.staff_only).ok_or(StoreError::NotFound)?),
                        None => None,
                    };
                    let listed = forum::threads(c, reader, staff, category.as_ref().map(|c| c.id), page, per_page).await?;
                    Ok((category, listed))
                })
            })
            .await?;
        let pages = pages(listed.threads.total, per_page);
        let (mut pinned, mut threads) = (listed.pinned, listed.threads);
        for t in pinned.iter_mut().chain(threads.items.iter_mut()) {
            t.reading.default = viewer.user.as_ref().map(|u| u.default_watch);
        }
        Ok(ThreadList { category, pinned, threads, page, pages })
    }

    pub async fn thread(&self, id: i64) -> Result<Thread> {
        self.store.thread(id).await?.ok_or(Error::NotFound)
    }

    /// A thread by id; a merged thread's address leads to where its posts went.
    pub async fn find_thread(&self, id: i64) -> Result<Found> {
        let found = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    if let Some(thread) = forum::thread_by_id(c, id).await? {
                        return Ok(Some(Found::Thread(thread)));
                    }
                    let Some(to) = queue_store::redirect(c, id).await? else { return Ok(None) };
                    Ok(forum::thread_by_id(c, to).await?.map(Found::MovedTo))
                })
            })
            .await?;
        found.ok_or(Error::NotFound)
    }

    /// One page of a thread, in one read: the thread, and its posts with their
    /// authors, the posts they answer, and whether the viewer thanked each.
    /// The viewer's place in the thread moves on to the page's last post.
    pub async fn thread_page(&self, viewer: &Viewer, thread_id: i64, page: i64) -> Result<ThreadPage> {
        match self.open_thread(viewer, thread_id, Some(page)).await? {
            Opened::Page(page) => Ok(page),
            Opened::ResumeAt(..) => Err(Error::NotFound),
        }
    }

    /// A thread opened at `page`, or with no page where the viewer left off:
    /// a member who has read some of it and not the rest resumes at their
    /// first unread post (found in the same read, before anything is marked read).
    pub async fn open_thread(&self, viewer: &Viewer, thread_id: i64, page: Option<i64>) -> Result<Opened> {
        let reader = viewer.user_id();
        // The posts as a guest sees them are kept for the next reader (see
        // `kept`), while the thread's own row, read afresh, still matches
        // them: a reply on another node shows even before its NOTIFY does.
        // A request that must see the primary's latest skips a replica's.
        let must_read_primary = self.config.db_replica.is_some() && super::store::reads_from_primary();
        let kept = (!must_read_primary).then(|| (self.kept_posts.clone(), self.changes()));
        let found = self
            .store
            .read_here(move |c| {
                Box::pin(async move {
                    let Some(thread) = forum::thread_for(c, thread_id, reader).await? else { return Ok(None) };
                    if page.is_none()
                        && let Some(number) = App::first_unread(&thread)
                    {
                        return Ok(Some((thread, Err(number))));
                    }
                    let page = page.unwrap_or(1);
                    let pages = pages(thread.post_count, POSTS_PER_PAGE);
                    if page < 1 || page > pages {
                        return Ok(None);
                    }
                    let (first, last) = ((page - 1) * POSTS_PER_PAGE + 1, page * POSTS_PER_PAGE);
                    let stamp = KeptStamp::of(&thread);
                    let posts = match kept.as_ref().and_then(|(kept, changes)| kept.get(&(thread_id, first), *changes)).filter(|k| k.0 == stamp) {
                        Some(posts) => posts,
                        None => {
                            let posts = forum::thread_posts(c, thread_id, first, last, None).await?;
                            let bytes = posts.iter().map(Post::bytes).sum();
                            let posts = std::sync::Arc::new((stamp, posts));
                            if let Some((kept, changes)) = kept {
                                kept.keep((thread_id, first), changes, posts.clone(), bytes);
                            }
                            posts
                        }
                    };
                    let marks = match reader {
                        Some(reader) => forum::viewer_marks(c, thread_id, first, last, reader).await?,
                        None => Vec::new(),
                    };
                    Ok(Some((thread, Ok((posts, marks, page, pages)))))
                })
            })
            .await?;
        let (mut thread, loaded) = found.ok_or(Error::NotFound)?;
        thread.reading.default = viewer.user.as_ref().map(|u| u.default_watch);
        access::check(viewer, Action::Read, access::thread_subject(&thread, None))?;
        let (posts, marks, page, pages) = match loaded {
            Ok(loaded) => loaded,
            Err(number) => return Ok(Opened::ResumeAt(thread, number)),
        };
        // A thread held for approval is its author's and the moderators' alone.
        let opening_held = page == 1 && posts.1.first().is_some_and(|p| p.number == 1 && p.held);
        let posts: Vec<Post> = posts
            .1
            .iter()
            .map(|p| match marks.iter().find(|m| m.post_id == p.id) {
                Some(marks) => p.clone().with_marks(marks),
                None => p.clone(),
            })
            .filter_map(|p| access::shown(viewer, p))
            .collect();
        if opening_held && posts.first().is_none_or(|p| p.number != 1) {
            return Err(Error::NotFound);
        }
        let teaser = thread.members_only && viewer.user.is_none();
        if let Some(last) = posts.last().map(|p| p.number) {
            self.read_thread(viewer, &thread, last, &posts).await?;
        }
        Ok(Opened::Page(ThreadPage { thread, posts, page, pages, teaser }))
    }

    /// A post as the viewer may see it: a deleted or hidden one keeps its place, not its words.
    pub async fn post(&self, viewer: &Viewer, id: i64) -> Result<Post> {
        let post = self.store.post(id, viewer.user_id()).await?.ok_or(Error::NotFound)?;
        access::shown(viewer, post).ok_or(Error::NotFound)
    }

    /// Where a post lives, for a link to it (its place stays when it is deleted).
    pub async fn post_url(&self, viewer: &Viewer, id: i64) -> Result<String> {
        let post = self.post(viewer, id).await?;
        let thread = self.thread(post.thread_id).await?;
        Ok(post_url(thread.id, &thread.slug, post.number))
    }

    /// A page of a post's earlier versions, oldest first, for its author and
    /// the moderators; with the post and how many pages there are.
    pub async fn revisions(&self, viewer: &Viewer, post_id: i64, page: i64) -> Result<(Post, Listing<Revision>, i64)> {
        // Only its author and the moderators ever see them: a guest is asked to log in first.
        viewer.member_or_login()?;
        let post = self.store.post(post_id, None).await?.ok_or(Error::NotFound)?;
        access::check(viewer, Action::ReadRevisions, access::post_subject(&post))?;
        let listed = self.store.revisions(post_id, page.max(1), REVISIONS_PER_PAGE).await?;
        let pages = pages(listed.total, REVISIONS_PER_PAGE);
        Ok((post, listed, pages))
    }

    /// The Markdown a composer starts with when quoting a post (or the selected part of it).
    pub async fn quote(&self, viewer: &Viewer, post_id: i64, selection: Option<&str>) -> Result<(Post, String)> {
        let post = access::readable(viewer, self.store.post(post_id, None).await?)?;
        let markdown = quote::compose(&post.author, &format!("/p/{}", post.id), &post.body, selection);
        Ok((post, markdown))
    }

    /// The post a reply in `thread_id` answers, when the viewer may read it and it is in that thread.
    pub async fn reply_target(&self, viewer: &Viewer, thread_id: i64, post_id: i64) -> Result<Post> {
        let post = access::readable(viewer, self.store.post(post_id, None).await?)?;
        if post.thread_id != thread_id {
            return Err(Error::NotFound);
        }
        Ok(post)
    }

    /// Markdown to safe HTML, with mentions resolved against the member list.
    /// Parsing a long post is CPU work, so it runs on the blocking pool, never
    /// on the async workers that answer everyone else's requests. A short one
    /// (most replies) cooks in a few microseconds, less than the hand-off to
    /// the pool and back would cost, so it cooks in place.
    pub async fn cook(&self, body: &str) -> Result<Rendered> {
        const COOKS_IN_PLACE: usize = 2048;
        if body.len() <= COOKS_IN_PLACE {
            let members = self.store.resolve_usernames(markdown::mention_candidates(body)).await?;
            return Ok(markdown::render(body, &members));
        }
        let source: std::sync::Arc<str> = body.into();
        let parsing = source.clone();
        let candidates = tokio::task::spawn_blocking(move || markdown::mention_candidates(&parsing)).await.map_err(Error::internal)?;
        let members = self.store.resolve_usernames(candidates).await?;
        tokio::task::spawn_blocking(move || markdown::render(&source, &members)).await.map_err(Error::internal)
    }

    /// The composer's preview of a draft, limited per member: each one cooks it.
    pub async fn preview(&self, viewer: &Viewer, body: &str) -> Result<Rendered> {
        let member = viewer.member_or_login()?;
        self.limit("preview", self.config.rate_limits.preview, &member.id.to_string())?;
        validate::body(body).map_err(|e| Error::Invalid(vec![e]))?;
        self.cook(body).await
    }

    fn describes_emergency(&self, body: &str) -> bool {
        self.assess(body).tier == crate::domain::safety::Tier::Emergency
    }

    /// A draft checked and cooked: a new member's limits on links and
    /// mentions, then contact details, pointed out unless the author chose to
    /// post them anyway.
    async fn cooked(&self, viewer: &Viewer, draft: Draft<'_>) -> Result<Rendered> {
        validate::body(draft.body).map_err(|e| Error::Invalid(vec![e]))?;
        let rendered = self.cook(draft.body).await?;
        if let Who::Member(actor) = viewer.who()
            && actor.level == Level::New
            && !actor.is_staff()
        {
            moderation::new_member_limits(links_in(&rendered), rendered.mentions.len()).map_err(|e| Error::Invalid(vec![e]))?;
        }
        let details = moderation::contact_details(draft.body);
        if !draft.contact_details_ok && !details.is_empty() {
            return Err(Error::field(
                CONTACT_DETAILS,
                format!(
                    "Your post includes contact details ({}). Anyone can read the forum, so it's usually safer to keep them out. \
                     Edit them out, or choose “Post anyway”.",
                    details.join(", ")
                ),
            ));
        }
        Ok(rendered)
    }

    /// Whether a post by `viewer` waits for a moderator: their first posts,
    /// when the community asks for that, unless they are staff or trusted.
    async fn holds(&self, viewer: &Viewer) -> Result<bool> {
        let Who::Member(actor) = viewer.who() else { return Ok(false) };
        if actor.is_staff() || actor.level == Level::Trusted {
            return Ok(false);
        }
        let settings = self.moderation_settings().await?;
        let approved = viewer.user.as_ref().map_or(0, |u| u.post_count);
        Ok(settings.approve_first_posts > 0 && approved < settings.approve_first_posts)
    }

    /// Posting is limited per member and per address.
    fn limit_posting(&self, member: i64, client: &str) -> Result<()> {
        self.limit("post", self.config.rate_limits.post, &member.to_string())?;
        self.limit("post-address", self.config.rate_limits.post_address, client)
    }

    pub async fn start_thread(&self, viewer: &Viewer, client: &str, category_slug: &str, title: &str, draft: Draft<'_>) -> Result<(Thread, Post)> {
        access::check(viewer, Action::StartThread, Subject::Community)?;
        let author = viewer.member_or_login()?;
        self.limit_posting(author.id, client)?;
        let category = self.store.category(category_slug).await?.filter(|c| viewer.is_staff() || !c.staff_only);
        let category_error = category.is_none().then(|| Err(FieldError::new("category", "Choose a category.")));
        validate::collect([validate::title(title), validate::body(draft.body), category_error.unwrap_or(Ok(()))]).map_err(Error::Invalid)?;
        let category = category.expect("checked above");
        let title = title.trim();
        let rendered = self.cooked(viewer, draft).await?;
        let pain = self.attached_pain(viewer, draft.pain_area).await?;
        let held = self.holds(viewer).await?;
        let new = NewThread {
            category_id: category.id,
            title: title.to_owned(),
            slug: slugify(title),
            first_post: NewPost { author_id: author.id, created_at: super::now_millis(), reply_to: None, body: draft.body.to_owned(), rendered, held, pain_summary: pain },
        };
        let (emergency, delay) = (self.describes_emergency(&safety_text(draft.body, pain.as_ref())), self.away_delay_ms());
        let created = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let (thread, post) = forum::create_thread(tx, &new).await?;
                    new_post_records(tx, &Posted::from(&post), &post.body, emergency, delay).await?;
                    Ok((thread, post))
                })
            })
            .await?;
        Ok(created)
    }

    pub async fn reply(&self, viewer: &Viewer, client: &str, thread_id: i64, draft: Draft<'_>, reply_to: Option<i64>) -> Result<Post> {
        let author = viewer.member_or_login()?;
        let thread = self.thread(thread_id).await?;
        let wait = self.slow_mode_wait(&thread, author.id).await?;
        access::check(viewer, Action::Reply, access::thread_subject(&thread, wait))?;
        self.limit_posting(author.id, client)?;
        validate::body(draft.body).map_err(|e| Error::Invalid(vec![e]))?;
        if let Some(id) = reply_to
            && self.reply_target(viewer, thread_id, id).await.is_err()
        {
            return Err(Error::field("reply_to", "That post is not in this thread, or it was deleted."));
        }
        let rendered = self.cooked(viewer, draft).await?;
        let pain = self.attached_pain(viewer, draft.pain_area).await?;
        let held = self.holds(viewer).await?;
        let new = NewPost { author_id: author.id, created_at: super::now_millis(), reply_to, body: draft.body.to_owned(), rendered, held, pain_summary: pain };
        let (emergency, delay) = (self.describes_emergency(&safety_text(draft.body, pain.as_ref())), self.away_delay_ms());
        // Replies to a busy thread queue on its row; grouped, they share commits.
        let new = std::sync::Arc::new(new);
        let posted = self
            .store
            .write_grouped(move |tx| {
                let new = new.clone();
                Box::pin(async move {
                    let posted = forum::insert_post(tx, thread_id, &new).await?;
                    new_post_records(tx, &posted, &new.body, emergency, delay).await?;
                    Ok(posted)
                })
            })
            .await?;
        // Read back once committed, beside other replies, not on their writer.
        self.store.post(posted.id, Some(posted.author_id)).await?.ok_or(Error::NotFound)
    }

    /// In slow mode, how many seconds `member` must still wait to post in `thread`.
    async fn slow_mode_wait(&self, thread: &Thread, member: i64) -> Result<Option<i64>> {
        let now = super::now_millis();
        let Some(spacing) = thread.slow_mode_at(now) else { return Ok(None) };
        let thread_id = thread.id;
        let last = self.store.read_primary(move |c| Box::pin(forum::last_post_by(c, thread_id, member))).await?;
        Ok(Some(last.map_or(0, |at| (spacing - (now - at) / 1000).max(0))))
    }

    /// The post and its thread, when the viewer may change the post.
    pub async fn editable(&self, viewer: &Viewer, post_id: i64) -> Result<(Post, Thread)> {
        viewer.member_or_login()?;
        let post = self.store.post(post_id, viewer.user_id()).await?.ok_or(Error::NotFound)?;
        access::check(viewer, Action::Edit, access::post_subject(&post))?;
        let thread = self.thread(post.thread_id).await?;
        Ok((post, thread))
    }

    pub async fn edit(&self, viewer: &Viewer, post_id: i64, draft: Draft<'_>) -> Result<Post> {
        let editor = viewer.member_or_login()?.id;
        validate::body(draft.body).map_err(|e| Error::Invalid(vec![e]))?;
        let (post, _) = self.editable(viewer, post_id).await?;
        if post.body == draft.body {
            return Ok(post);
        }
        self.limit("edit", self.config.rate_limits.edit, &editor.to_string())?;
        let rendered = self.cooked(viewer, draft).await?;
        // An edit only alerts staff when it newly describes an emergency.
        let pain = post.pain_summary.as_ref();
        let newly_emergency = self.describes_emergency(&safety_text(draft.body, pain)) && !self.describes_emergency(&post.safety_text());
        let by_moderator = (editor != post.user_id).then(|| post_audit("edit-post", editor, &post, None));
        // Members newly mentioned are told, unless the post isn't up yet.
        let added: Vec<String> =
            if post.held { Vec::new() } else { rendered.mentions.iter().filter(|m| !post.mentions.iter().any(|o| o.eq_ignore_ascii_case(m))).cloned().collect() };
        let delay = self.away_delay_ms();
        let (body, thread_id) = (draft.body.to_owned(), post.thread_id);
        let edited = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let edited = forum::edit_post(tx, post_id, editor, &body, &rendered).await?;
                    events::record(tx, &event("post-edited", thread_id, post_id)).await?;
                    super::notify::mentions_added(tx, post_id, &added, delay).await?;
                    if newly_emergency {
                        alert_emergency(tx, &Posted::from(&edited)).await?;
                    }
                    if let Some(entry) = by_moderator {
                        queue_store::audit(tx, &entry).await?;
                    }
                    Ok(edited)
                })
            })
            .await?;
        Ok(edited)
    }

    /// Deletes a post: its author's own, or anyone's by a moderator, who may
    /// say why (the author is told, and the log keeps it).
    pub async fn delete(&self, viewer: &Viewer, post_id: i64, reason: Option<&str>) -> Result<Post> {
        let by = viewer.member_or_login()?.id;
        let post = self.store.post(post_id, Some(by)).await?.ok_or(Error::NotFound)?;
        access::check(viewer, Action::Delete, access::post_subject(&post))?;
        let reason = moderation::reason(reason).map_err(|e| Error::Invalid(vec![e]))?;
        let moderated = (by != post.user_id).then(|| post_audit("delete-post", by, &post, reason.as_deref()));
        let (thread_id, author) = (post.thread_id, post.user_id);
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    forum::delete_post(tx, post_id, by).await?;
                    events::record(tx, &event("post-deleted", thread_id, post_id)).await?;
                    if let Some(entry) = moderated {
                        queue_store::audit(tx, &entry).await?;
                        let handled = queue_store::handle_post(tx, post_id, by, "deleted").await?;
                        super::moderation::tell_flaggers(tx, post_id, &handled).await?;
                        let detail = entry.reason.as_deref();
                        notify::notify(tx, author, Notice { kind: "post-removed", post_id: Some(post_id), actor_id: None, detail }).await?;
                        events::record(tx, &review_event(thread_id, post_id)).await?;
                    }
                    Ok(())
                })
            })
            .await?;
        Ok(post)
    }

    /// Thanks a post, or takes the thanks back; returns the post and its new count.
    pub async fn thank(&self, viewer: &Viewer, post_id: i64, thanked: bool) -> Result<(Post, i64)> {
        let member = viewer.member_or_login()?.id;
        let post = self.store.post(post_id, Some(member)).await?.ok_or(Error::NotFound)?;
        access::check(viewer, Action::Thank, access::post_subject(&post))?;
        let (thread_id, author) = (post.thread_id, post.user_id);
        let count = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let (count, changed) = forum::set_thanks(tx, post_id, member, thanked).await?;
                    events::record(tx, &event("thanks", thread_id, post_id)).await?;
                    if changed {
                        super::notify::thanked(tx, post_id, author, member, thanked).await?;
                    }
                    Ok(count)
                })
            })
            .await?;
        Ok((post, count))
    }
}

/// The audit entry for a moderator's change to someone's post.
pub(super) fn post_audit(action: &'static str, actor: i64, post: &Post, reason: Option<&str>) -> AuditEntry {
    AuditEntry {
        actor_id: Some(actor),
        action,
        target_kind: "post",
        target_id: Some(post.id),
        member_id: Some(post.user_id),
        reason: reason.map(str::trim).filter(|r| !r.is_empty()).map(str::to_owned),
        before: Some(post_state(post)),
        after: None,
    }
}

/// What the log keeps of a post's state: its flags and the start of its words.
pub(super) fn post_state(p: &Post) -> String {
    serde_json::json!({ "hidden": p.hidden, "held": p.held, "deleted": p.deleted, "excerpt": p.excerpt }).to_string()
}
