//! The forum: reading lists and threads, starting threads, replying, editing,
//! deleting and thanking.
//!
//! Writes follow one order: rate limit, access, validation, cooking the
//! Markdown, then one transaction holding the change and its side records
//! (the live event; a staff alert when the post describes an emergency).

use super::access::{self, Viewer};
use super::store::{Tx, events, forum, notify};
use super::{App, Category, Error, Listing, Post, Result, Revision, Thread, ThreadSummary};
use crate::domain::links::{POSTS_PER_PAGE, THREADS_PER_PAGE, pages, post_url};
use crate::domain::markdown::{self, Rendered};
use crate::domain::permission::{Action, Subject};
use crate::domain::{FieldError, quote, slugify, validate};
use crate::app::store::{NewEvent, NewPost, NewThread};

/// One page of a thread: its posts numbered into that page, as the viewer may see them.
pub struct ThreadPage {
    pub thread: Thread,
    pub posts: Vec<Post>,
    pub page: i64,
    pub pages: i64,
}

/// One page of the latest threads, everywhere or in one category.
pub struct ThreadList {
    pub category: Option<Category>,
    pub threads: Listing<ThreadSummary>,
    pub page: i64,
    pub pages: i64,
}

fn event(kind: &'static str, thread_id: i64, post_id: i64) -> NewEvent {
    NewEvent { kind, thread_id: Some(thread_id), post_id: Some(post_id) }
}

/// Staff hear at once about a post that describes an emergency: the member may
/// need help now. The alert commits with the post.
async fn alert_staff(tx: &Tx<'_>, post: &Post) -> super::store::Result<()> {
    let told = notify::notify_staff(tx, "safety-emergency", post.id, post.user_id).await?;
    tracing::warn!(post = post.id, staff = told, "a post describes an emergency; staff notified");
    Ok(())
}

impl App {
    pub async fn categories(&self) -> Result<Vec<Category>> {
        Ok(self.store.categories().await?)
    }

    /// The latest threads everywhere (no `category`), or in the category with that slug.
    pub async fn thread_list(&self, category: Option<&str>, page: i64) -> Result<ThreadList> {
        let page = page.max(1);
        let slug = category.map(str::to_owned);
        let (category, threads) = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let category = match slug {
                        Some(slug) => Some(forum::category_by_slug(c, &slug).await?.ok_or(super::store::StoreError::NotFound)?),
                        None => None,
                    };
                    let threads = forum::threads(c, category.as_ref().map(|c| c.id), page, THREADS_PER_PAGE).await?;
                    Ok((category, threads))
                })
            })
            .await?;
        let pages = pages(threads.total, THREADS_PER_PAGE);
        Ok(ThreadList { category, threads, page, pages })
    }

    pub async fn thread(&self, id: i64) -> Result<Thread> {
        self.store.thread(id).await?.ok_or(Error::NotFound)
    }

    /// One page of a thread, in one read: the thread, and its posts with their
    /// authors, the posts they answer, and whether the viewer thanked each.
    pub async fn thread_page(&self, viewer: &Viewer, thread_id: i64, page: i64) -> Result<ThreadPage> {
        access::check(viewer, Action::Read, Subject::Thread)?;
        let reader = viewer.user_id();
        let found = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let Some(thread) = forum::thread_by_id(c, thread_id).await? else { return Ok(None) };
                    let pages = pages(thread.post_count, POSTS_PER_PAGE);
                    if page < 1 || page > pages {
                        return Ok(None);
                    }
                    let first = (page - 1) * POSTS_PER_PAGE + 1;
                    let posts = forum::thread_posts(c, thread_id, first, first + POSTS_PER_PAGE - 1, reader).await?;
                    Ok(Some((thread, posts, pages)))
                })
            })
            .await?;
        let (thread, posts, pages) = found.ok_or(Error::NotFound)?;
        let posts = posts.into_iter().map(|p| access::shown(viewer, p)).collect();
        Ok(ThreadPage { thread, posts, page, pages })
    }

    /// A post as the viewer may see it: a deleted one keeps its place, not its words.
    pub async fn post(&self, viewer: &Viewer, id: i64) -> Result<Post> {
        let post = self.store.post(id, viewer.user_id()).await?.ok_or(Error::NotFound)?;
        Ok(access::shown(viewer, post))
    }

    /// Where a post lives, for a link to it (its place stays when it is deleted).
    pub async fn post_url(&self, id: i64) -> Result<String> {
        let post = self.store.post(id, None).await?.ok_or(Error::NotFound)?;
        let thread = self.thread(post.thread_id).await?;
        Ok(post_url(thread.id, &thread.slug, post.number))
    }

    pub async fn revisions(&self, viewer: &Viewer, post_id: i64) -> Result<Vec<Revision>> {
        let post = self.store.post(post_id, None).await?.ok_or(Error::NotFound)?;
        access::check(viewer, Action::ReadRevisions, access::post_subject(&post))?;
        Ok(self.store.revisions(post_id).await?)
    }

    /// The Markdown a composer starts with when quoting a post (or the selected part of it).
    pub async fn quote(&self, viewer: &Viewer, post_id: i64, selection: Option<&str>) -> Result<(Post, String)> {
        let post = access::readable(viewer, self.store.post(post_id, None).await?)?;
        let thread = self.thread(post.thread_id).await?;
        let markdown = quote::compose(&post.author, &post_url(thread.id, &thread.slug, post.number), &post.body, selection);
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
    pub async fn cook(&self, body: &str) -> Result<Rendered> {
        let members = self.store.resolve_usernames(markdown::mention_candidates(body)).await?;
        Ok(markdown::render(body, &members))
    }

    fn describes_emergency(&self, body: &str) -> bool {
        self.assess(body).tier == crate::domain::safety::Tier::Emergency
    }

    pub async fn start_thread(&self, viewer: &Viewer, category_slug: &str, title: &str, body: &str) -> Result<(Thread, Post)> {
        access::check(viewer, Action::StartThread, Subject::Community)?;
        let author = viewer.member_or_login()?;
        self.limit("post", self.config.rate_limits.post, &author.id.to_string())?;
        let category = self.store.category(category_slug).await?;
        let category_error = category.is_none().then(|| Err(FieldError::new("category", "Choose a category.")));
        validate::collect([validate::title(title), validate::body(body), category_error.unwrap_or(Ok(()))]).map_err(Error::Invalid)?;
        let category = category.expect("checked above");
        let title = title.trim();
        let new = NewThread {
            category_id: category.id,
            title: title.to_owned(),
            slug: slugify(title),
            first_post: NewPost { author_id: author.id, created_at: super::now_millis(), reply_to: None, body: body.to_owned(), rendered: self.cook(body).await? },
        };
        let emergency = self.describes_emergency(body);
        let created = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let (thread, post) = forum::create_thread(tx, &new).await?;
                    events::record(tx, &event("thread-created", thread.id, post.id)).await?;
                    if emergency {
                        alert_staff(tx, &post).await?;
                    }
                    Ok((thread, post))
                })
            })
            .await?;
        Ok(created)
    }

    pub async fn reply(&self, viewer: &Viewer, thread_id: i64, body: &str, reply_to: Option<i64>) -> Result<Post> {
        access::check(viewer, Action::Reply, Subject::Thread)?;
        let author = viewer.member_or_login()?;
        self.limit("post", self.config.rate_limits.post, &author.id.to_string())?;
        validate::body(body).map_err(|e| Error::Invalid(vec![e]))?;
        self.thread(thread_id).await?;
        if let Some(id) = reply_to
            && self.reply_target(viewer, thread_id, id).await.is_err()
        {
            return Err(Error::field("reply_to", "That post is not in this thread, or it was deleted."));
        }
        let new = NewPost { author_id: author.id, created_at: super::now_millis(), reply_to, body: body.to_owned(), rendered: self.cook(body).await? };
        let emergency = self.describes_emergency(body);
        let post = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let post = forum::create_post(tx, thread_id, &new).await?;
                    events::record(tx, &event("post-created", thread_id, post.id)).await?;
                    if emergency {
                        alert_staff(tx, &post).await?;
                    }
                    Ok(post)
                })
            })
            .await?;
        Ok(post)
    }

    /// The post and its thread, when the viewer may change the post.
    pub async fn editable(&self, viewer: &Viewer, post_id: i64) -> Result<(Post, Thread)> {
        viewer.member_or_login()?;
        let post = self.store.post(post_id, viewer.user_id()).await?.ok_or(Error::NotFound)?;
        access::check(viewer, Action::Edit, access::post_subject(&post))?;
        let thread = self.thread(post.thread_id).await?;
        Ok((post, thread))
    }

    pub async fn edit(&self, viewer: &Viewer, post_id: i64, body: &str) -> Result<Post> {
        viewer.member_or_login()?;
        validate::body(body).map_err(|e| Error::Invalid(vec![e]))?;
        let (post, _) = self.editable(viewer, post_id).await?;
        if post.body == body {
            return Ok(post);
        }
        let rendered = self.cook(body).await?;
        // An edit only alerts staff when it newly describes an emergency.
        let newly_emergency = self.describes_emergency(body) && !self.describes_emergency(&post.body);
        let (body, editor, thread_id) = (body.to_owned(), viewer.member_or_login()?.id, post.thread_id);
        let edited = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let edited = forum::edit_post(tx, post_id, editor, &body, &rendered).await?;
                    events::record(tx, &event("post-edited", thread_id, post_id)).await?;
                    if newly_emergency {
                        alert_staff(tx, &edited).await?;
                    }
                    Ok(edited)
                })
            })
            .await?;
        Ok(edited)
    }

    pub async fn delete(&self, viewer: &Viewer, post_id: i64) -> Result<Post> {
        viewer.member_or_login()?;
        let post = self.store.post(post_id, viewer.user_id()).await?.ok_or(Error::NotFound)?;
        access::check(viewer, Action::Delete, access::post_subject(&post))?;
        let thread_id = post.thread_id;
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    forum::delete_post(tx, post_id).await?;
                    events::record(tx, &event("post-deleted", thread_id, post_id)).await?;
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
        let thread_id = post.thread_id;
        let count = self
            .store
            .write(move |tx| {
                Box::pin(async move {
                    let count = forum::set_thanks(tx, post_id, member, thanked).await?;
                    events::record(tx, &event("thanks", thread_id, post_id)).await?;
                    Ok(count)
                })
            })
            .await?;
        Ok((post, count))
    }
}
