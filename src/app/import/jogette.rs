//! Another Jogette's community export (`jogette admin export-community`):
//! a community moves between two sites and comes back the same.

use super::Source;
use crate::domain::export::{COMMUNITY_FORMAT, Community, CommunityThread, unzip};
use crate::domain::import::{Access, Category, Format, Member, Message, Pinned, Staff, Topic};
use std::collections::VecDeque;

pub struct JogetteExport {
    community: Community,
    threads: VecDeque<CommunityThread>,
}

impl JogetteExport {
    /// Reads the ZIP at `path`, refusing what isn't a community export.
    pub fn open(path: &std::path::Path) -> Result<JogetteExport, String> {
        let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let files = unzip(&bytes).map_err(|e| format!("{}: {e}", path.display()))?;
        let data = files.into_iter().find(|(name, _)| name == "data.json").map(|(_, d)| d).ok_or_else(|| format!("{} has no data.json", path.display()))?;
        let mut community: Community =
            serde_json::from_slice(&data).map_err(|e| format!("{}: data.json is not a Jogette community export: {e}", path.display()))?;
        if community.format != COMMUNITY_FORMAT {
            return Err(format!("{}: this is a {:?} export; a whole community's export (jogette admin export-community) is needed", path.display(), community.format));
        }
        let threads = std::mem::take(&mut community.threads).into();
        Ok(JogetteExport { community, threads })
    }
}

impl Source for JogetteExport {
    fn name(&self) -> &str {
        "jogette"
    }

    fn members(&mut self) -> Result<Vec<Member>, String> {
        Ok(self
            .community
            .members
            .iter()
            .map(|m| Member {
                key: m.id.to_string(),
                username: m.username.clone(),
                email: m.email.clone(),
                email_verified: m.email_verified,
                staff: match m.role.as_str() {
                    "admin" => Staff::Admin,
                    "moderator" => Staff::Moderator,
                    _ => Staff::No,
                },
                created_at: m.created_at,
                badge: m.badge.clone(),
            })
            .collect())
    }

    fn categories(&mut self) -> Result<Vec<Category>, String> {
        Ok(self
            .community
            .categories
            .iter()
            .map(|c| Category {
                key: c.id.to_string(),
                slug: Some(c.slug.clone()),
                parent: c.parent_id.map(|p| p.to_string()),
                name: c.name.clone(),
                description: c.description.clone(),
                position: c.position,
                access: match (c.members_only, c.staff_only) {
                    (_, true) => Access::Staff,
                    (true, false) => Access::Members,
                    (false, false) => Access::Everyone,
                },
                created_at: c.created_at,
            })
            .collect())
    }

    fn post_total(&mut self) -> Result<u64, String> {
        Ok(self.threads.iter().map(|t| t.posts.len() as u64).sum())
    }

    fn next_topics(&mut self, posts: usize) -> Result<Vec<Topic>, String> {
        let mut batch = Vec::new();
        let mut count = 0;
        while count < posts {
            let Some(thread) = self.threads.pop_front() else { break };
            count += thread.posts.len();
            batch.push(Topic {
                key: thread.id.to_string(),
                category: thread.category_id.to_string(),
                title: thread.title,
                created_at: thread.created_at,
                pinned: match thread.pinned {
                    0 => Pinned::No,
                    1 => Pinned::InCategory,
                    _ => Pinned::Everywhere,
                },
                locked: thread.locked,
                posts: thread
                    .posts
                    .into_iter()
                    .map(|p| Message {
                        key: p.id.to_string(),
                        number: Some(p.number),
                        author: Some(p.user_id.to_string()),
                        text: p.body,
                        format: Format::Jogette,
                        created_at: p.created_at,
                        edited_at: p.edited_at,
                        reply_to: p.reply_to.map(|r| r.to_string()),
                        hidden: p.hidden,
                        deleted_at: p.deleted_at,
                        held: p.held,
                        pain_summary: p.pain_summary,
                        thanked_by: p.thanked_by.into_iter().map(|(m, at)| (m.to_string(), at)).collect(),
                        uncredited_thanks: p.uncredited_thanks,
                    })
                    .collect(),
            });
        }
        Ok(batch)
    }

    fn skipped(&self) -> Vec<(String, u64)> {
        Vec::new()
    }
}
