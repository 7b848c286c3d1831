//! A phpBB 3 board, read from its database (MySQL/MariaDB or SQLite):
//! `phpbb_users`, `phpbb_forums`, `phpbb_topics` and `phpbb_posts`, and the
//! permission tables when they are there. Posts are in either stored-text
//! format, told apart post by post: s9e XML (3.2 and later) or BBCode with
//! the post's uid (before).

use super::Source;
use crate::domain::import::{Access, Category, Format, Member, Message, Pinned, Staff, Topic, s9e};
use std::collections::{BTreeMap, HashSet};

/// A cell as the source database gives it.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Null,
    Int(i64),
    Text(String),
}

impl Cell {
    fn int(&self) -> i64 {
        match self {
            Cell::Int(n) => *n,
            Cell::Text(t) => t.trim().parse().unwrap_or(0),
            Cell::Null => 0,
        }
    }

    fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Null => String::new(),
        }
    }
}

/// The board's database: MySQL/MariaDB, or a SQLite file.
enum Board {
    Mysql(Box<mysql::Conn>),
    Sqlite(rusqlite::Connection),
}

impl Board {
    fn open(url: &str) -> Result<Board, String> {
        if url.starts_with("mysql://") || url.starts_with("mariadb://") {
            let url = url.replacen("mariadb://", "mysql://", 1);
            let opts = mysql::Opts::from_url(&url).map_err(|e| format!("{url}: {e}"))?;
            let conn = mysql::Conn::new(opts).map_err(|e| format!("cannot connect to {url}: {e}"))?;
            return Ok(Board::Mysql(Box::new(conn)));
        }
        let path = url.strip_prefix("sqlite://").or_else(|| url.strip_prefix("sqlite:")).ok_or_else(|| {
            format!("--from {url:?}: give mysql://user:password@host:port/database or sqlite://path/to/board.db")
        })?;
        let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| format!("cannot open {path}: {e}"))?;
        Ok(Board::Sqlite(conn))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Cell>>, String> {
        match self {
            Board::Mysql(conn) => {
                use mysql::prelude::Queryable;
                let rows: Vec<mysql::Row> = conn.query(sql).map_err(|e| format!("{e} (in {sql})"))?;
                Ok(rows
                    .into_iter()
                    .map(|row| {
                        row.unwrap()
                            .into_iter()
                            .map(|v| match v {
                                mysql::Value::NULL => Cell::Null,
                                mysql::Value::Int(n) => Cell::Int(n),
                                mysql::Value::UInt(n) => Cell::Int(n as i64),
                                mysql::Value::Bytes(b) => Cell::Text(String::from_utf8_lossy(&b).into_owned()),
                                other => Cell::Text(other.as_sql(true).trim_matches('\'').to_owned()),
                            })
                            .collect()
                    })
                    .collect())
            }
            Board::Sqlite(conn) => {
                let mut statement = conn.prepare(sql).map_err(|e| format!("{e} (in {sql})"))?;
                let width = statement.column_count();
                let rows = statement
                    .query_map([], |row| {
                        (0..width)
                            .map(|i| {
                                Ok(match row.get_ref(i)? {
                                    rusqlite::types::ValueRef::Null => Cell::Null,
                                    rusqlite::types::ValueRef::Integer(n) => Cell::Int(n),
                                    rusqlite::types::ValueRef::Real(f) => Cell::Int(f as i64),
                                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                                        Cell::Text(String::from_utf8_lossy(t).into_owned())
                                    }
                                })
                            })
                            .collect::<rusqlite::Result<Vec<Cell>>>()
                    })
                    .map_err(|e| format!("{e} (in {sql})"))?;
                rows.collect::<rusqlite::Result<Vec<_>>>().map_err(|e| format!("{e} (in {sql})"))
            }
        }
    }

    /// The table's column names, or none when there is no such table.
    fn columns(&mut self, table: &str) -> Result<Vec<String>, String> {
        let sql = match self {
            Board::Mysql(_) => format!(
                "SELECT COLUMN_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{}'",
                table.replace('\'', "")
            ),
            Board::Sqlite(_) => format!("SELECT name FROM pragma_table_info('{}')", table.replace('\'', "")),
        };
        Ok(self.query(&sql)?.into_iter().map(|r| r[0].text().to_ascii_lowercase()).collect())
    }
}

/// phpBB's user types and topic states.
const USER_IGNORE: i64 = 2;
const USER_FOUNDER: i64 = 3;
const FORUM_CATEGORY: i64 = 0;
const FORUM_POSTS: i64 = 1;
const TOPIC_LOCKED: i64 = 1;
const TOPIC_MOVED: i64 = 2;
const ITEM_APPROVED: i64 = 1;

pub struct PhpbbBoard {
    board: Board,
    prefix: String,
    /// 3.1 and later say `post_visibility`; 3.0 `post_approved`.
    post_visible: &'static str,
    topic_visible: &'static str,
    after_topic: i64,
    skipped: BTreeMap<String, u64>,
    /// Forums whose topics are brought over.
    forums: HashSet<i64>,
}

impl PhpbbBoard {
    /// Opens the board at `url` (tables named `prefix…`), checking it has phpBB's tables.
    pub fn open(url: &str, prefix: &str) -> Result<PhpbbBoard, String> {
        let mut board = Board::open(url)?;
        for table in ["users", "forums", "topics", "posts"] {
            if board.columns(&format!("{prefix}{table}"))?.is_empty() {
                return Err(format!("{url} has no {prefix}{table} table: is it a phpBB 3 database, and is its table prefix {prefix:?} (see --prefix)?"));
            }
        }
        let posts = board.columns(&format!("{prefix}posts"))?;
        let topics = board.columns(&format!("{prefix}topics"))?;
        let post_visible = if posts.iter().any(|c| c == "post_visibility") { "post_visibility" } else { "post_approved" };
        let topic_visible = if topics.iter().any(|c| c == "topic_visibility") { "topic_visibility" } else { "topic_approved" };
        Ok(PhpbbBoard { board, prefix: prefix.to_owned(), post_visible, topic_visible, after_topic: 0, skipped: BTreeMap::new(), forums: HashSet::new() })
    }

    fn skip(&mut self, why: &str, count: u64) {
        if count > 0 {
            *self.skipped.entry(why.to_owned()).or_default() += count;
        }
    }

    /// Group ids by name (`GUESTS`, `ADMINISTRATORS`, `GLOBAL_MODERATORS`), when the board has groups.
    fn group(&mut self, name: &str) -> Result<Option<i64>, String> {
        let p = self.prefix.clone();
        if self.board.columns(&format!("{p}groups"))?.is_empty() {
            return Ok(None);
        }
        Ok(self.board.query(&format!("SELECT group_id FROM {p}groups WHERE group_name = '{name}'"))?.first().map(|r| r[0].int()))
    }

    /// Forums guests may read, when the board has its permission tables:
    /// `f_read` given to GUESTS directly or through a role.
    fn readable_by_guests(&mut self) -> Result<Option<HashSet<i64>>, String> {
        let p = self.prefix.clone();
        for table in ["acl_groups", "acl_options", "acl_roles_data"] {
            if self.board.columns(&format!("{p}{table}"))?.is_empty() {
                return Ok(None);
            }
        }
        let Some(guests) = self.group("GUESTS")? else { return Ok(None) };
        let rows = self.board.query(&format!(
            "SELECT g.forum_id FROM {p}acl_groups g JOIN {p}acl_options o ON o.auth_option = 'f_read' \
             WHERE g.group_id = {guests} AND ((g.auth_option_id = o.auth_option_id AND g.auth_setting = 1) \
               OR (g.auth_role_id > 0 AND EXISTS (SELECT 1 FROM {p}acl_roles_data r \
                     WHERE r.role_id = g.auth_role_id AND r.auth_option_id = o.auth_option_id AND r.auth_setting = 1)))"
        ))?;
        Ok(Some(rows.into_iter().map(|r| r[0].int()).collect()))
    }
}

impl Source for PhpbbBoard {
    fn name(&self) -> &str {
        "phpbb"
    }

    fn members(&mut self) -> Result<Vec<Member>, String> {
        let p = self.prefix.clone();
        let admins = self.group("ADMINISTRATORS")?;
        let moderators = self.group("GLOBAL_MODERATORS")?;
        let has_memberships = !self.board.columns(&format!("{p}user_group"))?.is_empty();
        let in_group = |group: Option<i64>| match (group, has_memberships) {
            (Some(g), true) => format!("EXISTS (SELECT 1 FROM {p}user_group ug WHERE ug.user_id = u.user_id AND ug.group_id = {g} AND ug.user_pending = 0)"),
            _ => "0 = 1".to_owned(),
        };
        let rows = self.board.query(&format!(
            "SELECT u.user_id, u.username, u.user_email, u.user_regdate, u.user_type, CASE WHEN {} THEN 1 ELSE 0 END, CASE WHEN {} THEN 1 ELSE 0 END \
             FROM {p}users u ORDER BY u.user_id",
            in_group(admins),
            in_group(moderators)
        ))?;
        let mut members = Vec::new();
        let mut ignored = 0;
        for row in rows {
            // The anonymous user and bots.
            if row[4].int() == USER_IGNORE {
                ignored += 1;
                continue;
            }
            let staff = if row[4].int() == USER_FOUNDER || row[5].int() == 1 {
                Staff::Admin
            } else if row[6].int() == 1 {
                Staff::Moderator
            } else {
                Staff::No
            };
            let email = row[2].text();
            members.push(Member {
                key: row[0].int().to_string(),
                username: crate::domain::import::bbcode::unescaped(&row[1].text()),
                email: email.contains('@').then_some(email),
                // phpBB activates accounts by email: an active account's address was theirs.
                email_verified: row[4].int() != 1,
                staff,
                created_at: row[3].int() * 1000,
                badge: None,
            });
        }
        self.skip("guests and bots (phpBB's anonymous and bot accounts; their posts are kept under the system member)", ignored);
        Ok(members)
    }

    fn categories(&mut self) -> Result<Vec<Category>, String> {
        let p = self.prefix.clone();
        let public = self.readable_by_guests()?;
        let rows = self.board.query(&format!("SELECT forum_id, parent_id, forum_name, forum_desc, forum_type, left_id FROM {p}forums ORDER BY left_id"))?;
        let mut categories = Vec::new();
        let mut links = 0;
        for row in rows {
            let (id, kind) = (row[0].int(), row[4].int());
            if kind != FORUM_CATEGORY && kind != FORUM_POSTS {
                links += 1;
                continue;
            }
            if kind == FORUM_POSTS {
                self.forums.insert(id);
            }
            let parent = row[1].int();
            categories.push(Category {
                key: id.to_string(),
                slug: None,
                parent: (parent > 0).then(|| parent.to_string()),
                name: crate::domain::import::bbcode::unescaped(&row[2].text()),
                description: crate::domain::import::bbcode::unescaped(&row[3].text()),
                position: row[5].int(),
                access: match &public {
                    Some(readable) if !readable.contains(&id) => Access::Members,
                    _ => Access::Everyone,
                },
                created_at: crate::app::store::now_millis(),
            });
        }
        self.skip("link forums (they hold no posts)", links);
        Ok(categories)
    }

    fn post_total(&mut self) -> Result<u64, String> {
        let p = self.prefix.clone();
        let visible = self.post_visible;
        let rows = self.board.query(&format!("SELECT COUNT(*), SUM(CASE WHEN {visible} = {ITEM_APPROVED} THEN 0 ELSE 1 END) FROM {p}posts"))?;
        let (all, hidden) = rows.first().map_or((0, 0), |r| (r[0].int(), r[1].int()));
        self.skip("posts not visible on the board (unapproved, deleted or awaiting approval)", hidden.max(0) as u64);
        Ok((all - hidden).max(0) as u64)
    }

    fn next_topics(&mut self, posts: usize) -> Result<Vec<Topic>, String> {
        let p = self.prefix.clone();
        let (post_visible, topic_visible) = (self.post_visible, self.topic_visible);
        let limit = (posts / 20).clamp(20, 2_000);
        let topics = self.board.query(&format!(
            "SELECT topic_id, forum_id, topic_title, topic_time, topic_type, topic_status, {topic_visible} FROM {p}topics \
             WHERE topic_id > {} ORDER BY topic_id LIMIT {limit}",
            self.after_topic
        ))?;
        let Some(last) = topics.last() else { return Ok(Vec::new()) };
        self.after_topic = last[0].int();
        let ids: Vec<String> = topics.iter().map(|t| t[0].int().to_string()).collect();
        let rows = self.board.query(&format!(
            "SELECT post_id, topic_id, poster_id, post_time, post_text, bbcode_uid, post_edit_time FROM {p}posts \
             WHERE topic_id IN ({}) AND {post_visible} = {ITEM_APPROVED} ORDER BY topic_id, post_time, post_id",
            ids.join(",")
        ))?;
        let mut by_topic: BTreeMap<i64, Vec<Message>> = BTreeMap::new();
        for row in rows {
            let text = row[4].text();
            let trimmed = text.trim();
            let xml = (trimmed.starts_with("<r>") && trimmed.ends_with("</r>")) || (trimmed.starts_with("<t>") && trimmed.ends_with("</t>"));
            let earlier = by_topic.entry(row[1].int()).or_default();
            // A quote of an earlier post in the topic answers it.
            let reply_to = if xml {
                s9e::quoted_posts(&text).into_iter().find(|q| earlier.iter().any(|m| &m.key == q))
            } else {
                None
            };
            let poster = row[2].int();
            let created_at = row[3].int() * 1000;
            let edited = row[6].int() * 1000;
            earlier.push(Message {
                key: row[0].int().to_string(),
                number: None,
                author: Some(poster.to_string()),
                format: if xml { Format::PhpbbXml } else { Format::PhpbbBbcode { uid: row[5].text() } },
                text,
                created_at,
                edited_at: (edited > created_at).then_some(edited),
                reply_to,
                hidden: false,
                deleted_at: None,
                held: false,
                pain_summary: None,
                thanked_by: Vec::new(),
                uncredited_thanks: 0,
            });
        }
        let mut batch = Vec::new();
        for topic in topics {
            let (id, forum) = (topic[0].int(), topic[1].int());
            let messages = by_topic.remove(&id).unwrap_or_default();
            if topic[5].int() == TOPIC_MOVED {
                // A "moved" shadow: the topic itself is listed where it went.
                continue;
            }
            if topic[6].int() != ITEM_APPROVED {
                self.skip("posts in topics not visible on the board", messages.len() as u64);
                continue;
            }
            if !self.forums.contains(&forum) {
                self.skip("posts in global announcements or forums that hold no topics here", messages.len() as u64);
                continue;
            }
            batch.push(Topic {
                key: id.to_string(),
                category: forum.to_string(),
                title: crate::domain::import::bbcode::unescaped(&topic[2].text()),
                created_at: topic[3].int() * 1000,
                // Sticky (1) stays on top of its forum; announcements (2, global 3) everywhere.
                pinned: match topic[4].int() {
                    0 => Pinned::No,
                    1 => Pinned::InCategory,
                    _ => Pinned::Everywhere,
                },
                locked: topic[5].int() == TOPIC_LOCKED,
                posts: messages,
            });
        }
        Ok(batch)
    }

    fn skipped(&self) -> Vec<(String, u64)> {
        self.skipped.iter().map(|(k, v)| (k.clone(), *v)).collect()
    }
}
