//! Discourse's JSON export (the shape of `spec/fixtures/json/import-export.json`
//! in discourse/discourse): users, categories, and topics with their posts.

use super::Source;
use crate::domain::dates::parse_rfc3339;
use crate::domain::import::{Access, Category, Format, Member, Message, Pinned, Staff, Topic};
use serde::Deserialize;
use std::collections::{BTreeMap, HashSet, VecDeque};

/// Discourse's system user, who writes welcome and guideline posts.
const SYSTEM_USER: i64 = -1;
/// Groups that hold only staff.
const STAFF_GROUPS: &[&str] = &["staff", "admins", "moderators"];
/// `actions_summary` id of a like.
const LIKE: i64 = 2;

#[derive(Deserialize)]
struct Export {
    #[serde(default)]
    users: Vec<User>,
    #[serde(default)]
    categories: Vec<DCategory>,
    #[serde(default)]
    topics: Vec<DTopic>,
}

#[derive(Deserialize)]
struct User {
    id: i64,
    username: String,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    active: bool,
    #[serde(default)]
    admin: bool,
    #[serde(default)]
    moderator: bool,
}

#[derive(Deserialize)]
struct DCategory {
    id: i64,
    name: String,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    position: Option<i64>,
    #[serde(default)]
    parent_category_id: Option<i64>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    permissions_params: BTreeMap<String, serde_json::Value>,
}

#[derive(Deserialize)]
struct DTopic {
    id: i64,
    title: String,
    #[serde(default)]
    category_id: Option<i64>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    closed: bool,
    #[serde(default)]
    pinned_at: Option<String>,
    #[serde(default)]
    pinned_globally: bool,
    #[serde(default)]
    archetype: Option<String>,
    #[serde(default)]
    posts: Vec<DPost>,
}

#[derive(Deserialize)]
struct DPost {
    id: i64,
    #[serde(default)]
    user_id: Option<i64>,
    post_number: i64,
    #[serde(default)]
    raw: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
    #[serde(default)]
    reply_to_post_number: Option<i64>,
    #[serde(default)]
    hidden: bool,
    #[serde(default)]
    deleted_at: Option<String>,
    #[serde(default)]
    actions_summary: Vec<Action>,
}

#[derive(Deserialize)]
struct Action {
    id: i64,
    #[serde(default)]
    count: i64,
    /// Who acted, when the export names them.
    #[serde(default)]
    users: Vec<Actor>,
}

#[derive(Deserialize)]
struct Actor {
    id: i64,
}

pub struct DiscourseExport {
    users: Vec<User>,
    categories: Vec<DCategory>,
    topics: VecDeque<DTopic>,
    skipped: BTreeMap<String, u64>,
}

impl DiscourseExport {
    /// Reads the export at `path`, refusing what isn't one.
    pub fn open(path: &std::path::Path) -> Result<DiscourseExport, String> {
        let file = std::fs::File::open(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let reader = std::io::BufReader::new(file);
        let export: Export = serde_json::from_reader(reader).map_err(|e| format!("{} is not a Discourse JSON export: {e}", path.display()))?;
        Ok(DiscourseExport { users: export.users, categories: export.categories, topics: export.topics.into(), skipped: BTreeMap::new() })
    }

    fn skip(&mut self, why: &str, count: u64) {
        *self.skipped.entry(why.to_owned()).or_default() += count;
    }
}

fn time(text: &Option<String>) -> i64 {
    text.as_deref().and_then(parse_rfc3339).unwrap_or_else(crate::app::store::now_millis)
}

/// Open to everyone only when `everyone` is named; staff-only when only
/// staff groups are; otherwise (other groups, or nothing said) members-only.
fn access(permissions: &BTreeMap<String, serde_json::Value>) -> Access {
    if permissions.contains_key("everyone") {
        Access::Everyone
    } else if !permissions.is_empty() && permissions.keys().all(|g| STAFF_GROUPS.contains(&g.as_str())) {
        Access::Staff
    } else {
        Access::Members
    }
}

impl Source for DiscourseExport {
    fn name(&self) -> &str {
        "discourse"
    }

    fn members(&mut self) -> Result<Vec<Member>, String> {
        Ok(self
            .users
            .iter()
            .filter(|u| u.id != SYSTEM_USER)
            .map(|u| Member {
                key: u.id.to_string(),
                username: u.username.clone(),
                email: u.email.clone().filter(|e| e.contains('@')),
                email_verified: u.active,
                staff: if u.admin { Staff::Admin } else if u.moderator { Staff::Moderator } else { Staff::No },
                created_at: time(&u.created_at),
                badge: None,
            })
            .collect())
    }

    fn categories(&mut self) -> Result<Vec<Category>, String> {
        // Parents first, whatever order the export lists them in.
        let ids: HashSet<i64> = self.categories.iter().map(|c| c.id).collect();
        let mut placed: HashSet<i64> = HashSet::new();
        let mut ordered = Vec::new();
        while ordered.len() < self.categories.len() {
            let before = ordered.len();
            for c in &self.categories {
                let parent_ready = c.parent_category_id.is_none_or(|p| placed.contains(&p) || !ids.contains(&p));
                if !placed.contains(&c.id) && parent_ready {
                    placed.insert(c.id);
                    ordered.push(Category {
                        key: c.id.to_string(),
                        slug: None,
                        parent: c.parent_category_id.map(|p| p.to_string()),
                        name: c.name.clone(),
                        description: c.description.clone().unwrap_or_default(),
                        position: c.position.unwrap_or(0),
                        access: access(&c.permissions_params),
                        created_at: time(&c.created_at),
                    });
                }
            }
            if ordered.len() == before {
                return Err("the export's categories are their own ancestors".into());
            }
        }
        Ok(ordered)
    }

    fn post_total(&mut self) -> Result<u64, String> {
        // What will be read: not private messages, uncategorised topics or deleted posts.
        let read = |t: &&DTopic| t.archetype.as_deref() != Some("private_message") && t.category_id.is_some();
        Ok(self.topics.iter().filter(read).map(|t| t.posts.iter().filter(|p| p.deleted_at.is_none()).count() as u64).sum())
    }

    fn next_topics(&mut self, posts: usize) -> Result<Vec<Topic>, String> {
        let mut batch = Vec::new();
        let mut count = 0;
        while count < posts {
            let Some(topic) = self.topics.pop_front() else { break };
            if topic.archetype.as_deref() == Some("private_message") {
                self.skip("private messages (Jogette has none)", topic.posts.len() as u64);
                continue;
            }
            let Some(category) = topic.category_id else {
                self.skip("posts in topics without a category", topic.posts.len() as u64);
                continue;
            };
            let mut messages = Vec::with_capacity(topic.posts.len());
            let mut posts_sorted = topic.posts;
            posts_sorted.sort_by_key(|p| p.post_number);
            let by_number: BTreeMap<i64, i64> = posts_sorted.iter().map(|p| (p.post_number, p.id)).collect();
            for post in posts_sorted {
                if post.deleted_at.is_some() {
                    self.skip("deleted posts", 1);
                    continue;
                }
                let likes = post.actions_summary.iter().find(|a| a.id == LIKE);
                let named: Vec<(String, i64)> = likes.map(|l| l.users.iter().map(|u| (u.id.to_string(), time(&post.created_at))).collect()).unwrap_or_default();
                let uncredited = likes.map_or(0, |l| (l.count - named.len() as i64).max(0));
                let created_at = time(&post.created_at);
                let updated = post.updated_at.as_deref().and_then(parse_rfc3339).filter(|&u| u > created_at + 5 * 60_000);
                messages.push(Message {
                    key: post.id.to_string(),
                    number: Some(post.post_number),
                    author: post.user_id.filter(|&u| u != SYSTEM_USER).map(|u| u.to_string()),
                    text: post.raw.unwrap_or_default(),
                    format: Format::Discourse,
                    created_at,
                    edited_at: updated,
                    reply_to: post.reply_to_post_number.and_then(|n| by_number.get(&n)).map(|id| id.to_string()),
                    hidden: post.hidden,
                    deleted_at: None,
                    held: false,
                    pain_summary: None,
                    thanked_by: named,
                    uncredited_thanks: uncredited,
                });
            }
            count += messages.len();
            batch.push(Topic {
                key: topic.id.to_string(),
                category: category.to_string(),
                title: topic.title,
                created_at: time(&topic.created_at),
                pinned: match (topic.pinned_globally, topic.pinned_at.is_some()) {
                    (true, _) => Pinned::Everywhere,
                    (false, true) => Pinned::InCategory,
                    (false, false) => Pinned::No,
                },
                locked: topic.closed,
                posts: messages,
            });
        }
        Ok(batch)
    }

    fn skipped(&self) -> Vec<(String, u64)> {
        self.skipped.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_category_is_public_only_when_discourse_opened_it_to_everyone() {
        let of = |pairs: &[&str]| access(&pairs.iter().map(|g| (g.to_string(), serde_json::json!(1))).collect());
        assert_eq!(of(&["everyone"]), Access::Everyone);
        assert_eq!(of(&["custom_group", "everyone"]), Access::Everyone);
        assert_eq!(of(&["staff"]), Access::Staff);
        assert_eq!(of(&["admins", "moderators"]), Access::Staff);
        assert_eq!(of(&["custom_group_import", "staff"]), Access::Members);
        assert_eq!(of(&["trust_level_3"]), Access::Members);
        assert_eq!(of(&[]), Access::Members);
    }
}
