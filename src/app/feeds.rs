//! Atom feeds of the latest threads, a category's threads, a thread's posts
//! and a member's posts. Feeds are read by programs that never log in, so
//! each shows what a guest would see: members-only and hidden posts never
//! appear, and a members-only category or thread has no feed at all.

use super::store::feeds::{self as store, FeedPost};
use super::store::{accounts, forum};
use super::{App, Error, Result};
use crate::domain::feeds::{Entry, Feed};
use crate::domain::links::{post_url, thread_url};

/// Entries per feed.
const ENTRIES: i64 = 30;

impl App {
    fn entry(&self, p: FeedPost, title: String) -> Entry {
        let base = self.config.public_url();
        Entry {
            title,
            url: format!("{base}{}", post_url(p.thread_id, &p.thread_slug, p.number)),
            id: format!("{base}/p/{}", p.post_id),
            author_url: format!("{base}/u/{}", p.author),
            author: p.author,
            published: p.created_at,
            updated: p.edited_at.unwrap_or(p.created_at),
            html: p.html,
        }
    }

    fn feed(&self, title: String, path: &str, page: &str, entries: Vec<Entry>) -> Feed {
        let base = self.config.public_url();
        Feed { title, self_url: format!("{base}{path}"), page_url: format!("{base}{page}"), base, entries }
    }

    /// The newest threads everywhere, or in the category with that slug.
    pub async fn threads_feed(&self, category: Option<&str>) -> Result<Feed> {
        let slug = category.map(str::to_owned);
        let (category, posts) = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let category = match slug {
                        Some(slug) => Some(forum::category_by_slug(c, &slug).await?.filter(|c| !c.members_only && !c.staff_only).ok_or(super::StoreError::NotFound)?),
                        None => None,
                    };
                    let posts = store::new_threads(c, category.as_ref().map(|c| c.id), ENTRIES).await?;
                    Ok((category, posts))
                })
            })
            .await?;
        let entries = posts.into_iter().map(|p| { let title = p.thread_title.clone(); self.entry(p, title) }).collect();
        Ok(match category {
            Some(c) => self.feed(format!("{}: new threads", c.name), &format!("/c/{}/feed.atom", c.slug), &format!("/c/{}", c.slug), entries),
            None => self.feed("Jogette: new threads".into(), "/feed.atom", "/", entries),
        })
    }

    /// A thread's newest posts.
    pub async fn thread_feed(&self, thread_id: i64) -> Result<Feed> {
        let (thread, posts) = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let thread = forum::thread_by_id(c, thread_id).await?.filter(|t| !t.members_only && !t.staff_only).ok_or(super::StoreError::NotFound)?;
                    Ok((thread, store::thread_posts(c, thread_id, ENTRIES).await?))
                })
            })
            .await?;
        if posts.is_empty() {
            // Held, or every post hidden: nothing a guest may know of.
            return Err(Error::NotFound);
        }
        let entries = posts
            .into_iter()
            .map(|p| {
                let title = if p.number == 1 { p.thread_title.clone() } else { format!("{} replied in “{}”", p.author, p.thread_title) };
                self.entry(p, title)
            })
            .collect();
        Ok(self.feed(format!("“{}”", thread.title), &format!("/t/{}/feed.atom", thread.id), &thread_url(thread.id, &thread.slug), entries))
    }

    /// A member's newest posts.
    pub async fn member_feed(&self, username: &str) -> Result<Feed> {
        let username = username.to_owned();
        let (user, posts) = self
            .store
            .read(move |c| {
                Box::pin(async move {
                    let user = accounts::user_by_name(c, &username).await?.ok_or(super::StoreError::NotFound)?;
                    let posts = store::member_posts(c, user.id, ENTRIES).await?;
                    Ok((user, posts))
                })
            })
            .await?;
        let entries = posts.into_iter().map(|p| { let title = format!("{} in “{}”", p.author, p.thread_title); self.entry(p, title) }).collect();
        Ok(self.feed(format!("Posts by {}", user.username), &format!("/u/{}/feed.atom", user.username), &format!("/u/{}", user.username), entries))
    }
}
