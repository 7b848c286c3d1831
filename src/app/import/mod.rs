//! Moving a community in: a [`Source`] (a Discourse export, a phpBB
//! database, a Jogette community export) is read on a thread of its own
//! while the importer turns what it reads into Jogette's rows and writes
//! them in batches, each batch one transaction.
//!
//! Every imported thing is recorded in `import_map` under the source's name,
//! so running an import again updates what came before and adds only what is
//! new. Into an empty community, numeric ids are kept as they were, so old
//! links keep their numbers and a Jogette export comes back identical.

pub mod discourse;
pub mod jogette;
pub mod phpbb;

use super::store::data::{Rows, Value};
use super::store::import::{self as stored, PostUpdate};
use super::store::{Store, accounts};
use super::{App, error_chain};
use crate::domain::import::{self as rules, Access, Category, Lookup, Member, Staff, Topic};
use crate::domain::markdown::{self, Rendered};
use std::collections::{BTreeMap, HashMap, HashSet};

/// What an import reads from. Reading blocks (files, databases), so a
/// source runs on a thread of its own.
pub trait Source: Send {
    /// The name its rows are remembered under ("discourse", "phpbb", "jogette").
    fn name(&self) -> &str;
    fn members(&mut self) -> Result<Vec<Member>, String>;
    /// Parents before their children.
    fn categories(&mut self) -> Result<Vec<Category>, String>;
    /// How many posts there are to read, for progress.
    fn post_total(&mut self) -> Result<u64, String>;
    /// The next topics, about `posts` posts' worth; none once all are read.
    fn next_topics(&mut self, posts: usize) -> Result<Vec<Topic>, String>;
    /// What was left out, and why: (reason, how many).
    fn skipped(&self) -> Vec<(String, u64)>;
}

/// How many posts one batch (one transaction) holds.
const BATCH_POSTS: usize = 5_000;

/// What an import did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Report {
    pub members: Counted,
    /// Members who had already joined here, found by their confirmed address.
    pub members_matched: u64,
    pub categories: Counted,
    pub threads: Counted,
    pub posts: Counted,
    pub thanks: u64,
    /// What was left out, and why.
    pub skipped: Vec<(String, u64)>,
}

/// New rows, and rows brought over before that were updated.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub new: u64,
    pub updated: u64,
}

impl std::fmt::Display for Report {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (what, c) in [("members", self.members), ("categories", self.categories), ("threads", self.threads), ("posts", self.posts)] {
            writeln!(f, "{what:>12}: {} new, {} brought over again", c.new, c.updated)?;
        }
        if self.members_matched > 0 {
            writeln!(f, "{:>12}: {} members had already joined here (same confirmed address): their posts are theirs", "matched", self.members_matched)?;
        }
        writeln!(f, "{:>12}: {}", "thanks", self.thanks)?;
        if self.skipped.is_empty() {
            writeln!(f, "Nothing was skipped.")?;
        } else {
            writeln!(f, "Skipped:")?;
            for (why, count) in &self.skipped {
                writeln!(f, "{count:>12}  {why}")?;
            }
        }
        Ok(())
    }
}

/// Where an import stands, for a progress bar: posts done of all.
#[derive(Debug, Clone, Copy)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
}

/// Local ids for a kind of thing: into an empty table, a source's numbers
/// are kept; otherwise, and for keys that aren't numbers, the next free ones.
struct Ids {
    known: HashMap<String, i64>,
    keep_numbers: bool,
    next: i64,
    /// Handed out from `next`: a source number equal to one goes elsewhere.
    handed_out: HashSet<i64>,
}

impl Ids {
    fn new(highest: i64) -> Ids {
        Ids { known: HashMap::new(), keep_numbers: highest == 0, next: highest + 1, handed_out: HashSet::new() }
    }

    /// The local id for `key`, and whether it is new.
    fn assign(&mut self, key: &str) -> (i64, bool) {
        if let Some(&id) = self.known.get(key) {
            return (id, false);
        }
        let id = match key.parse::<i64>() {
            Ok(n) if self.keep_numbers && n > 0 && !self.handed_out.contains(&n) => n,
            _ => {
                let id = self.next;
                self.handed_out.insert(id);
                id
            }
        };
        self.next = self.next.max(id + 1);
        self.known.insert(key.to_owned(), id);
        (id, true)
    }
}

/// Everything the importer knows while it runs.
struct State {
    source: String,
    members: Ids,
    categories: Ids,
    threads: Ids,
    posts: Ids,
    /// Source username → the name here (most are unchanged).
    names: HashMap<String, String>,
    /// Lower-cased name → canonical, for rendering mentions; and → id.
    mentionable: HashMap<String, String>,
    member_ids: HashMap<String, i64>,
    /// (topic, its number there) → post key, for Discourse's quotes.
    numbered: HashMap<(String, i64), String>,
    /// Threads imported before: the last number they hand out.
    last_numbers: HashMap<i64, i64>,
    /// The member who stands for authors the source doesn't name, made when first needed.
    system: Option<i64>,
    taken_names: HashSet<String>,
    skipped: BTreeMap<String, u64>,
    report: Report,
}

impl Lookup for State {
    fn post(&self, key: &str) -> Option<i64> {
        self.posts.known.get(key).copied()
    }
    fn post_by_number(&self, topic: &str, number: i64) -> Option<i64> {
        self.numbered.get(&(topic.to_owned(), number)).and_then(|key| self.post(key))
    }
    fn username(&self, source_name: &str) -> String {
        self.names.get(source_name).cloned().unwrap_or_else(|| source_name.to_owned())
    }
}

impl State {
    fn skip(&mut self, why: &str, count: u64) {
        *self.skipped.entry(why.to_owned()).or_default() += count;
    }

    /// The clearly named member ("discourse-system") who keeps posts whose
    /// authors the source doesn't name.
    fn system_member(&mut self, batch: &mut Batch) -> i64 {
        if let Some(id) = self.system {
            return id;
        }
        let key = format!("{}-system", self.source);
        let (id, new) = self.members.assign(&key);
        if new {
            let name = rules::username(&key, &self.taken_names);
            self.taken_names.insert(name.to_ascii_lowercase());
            batch.members.push((id, name));
            batch.map.push(self.map_row("member", &key, id));
            self.report.members.new += 1;
        }
        self.system = Some(id);
        id
    }

    fn map_row(&self, kind: &str, key: &str, id: i64) -> Vec<Value> {
        vec![Value::Text(self.source.clone()), Value::Text(kind.to_owned()), Value::Text(key.to_owned()), Value::Int(id)]
    }
}

/// A post brought over again, as it is at the source now.
struct PostChange {
    id: i64,
    reply_to: Option<i64>,
    body: String,
    rendered: Rendered,
    edited_at: Option<i64>,
    hidden_at: Option<i64>,
    uncredited_thanks: i64,
}

/// One batch of topics, as rows.
#[derive(Default)]
struct Batch {
    /// Members made on the way: the system member.
    members: Vec<(i64, String)>,
    threads: Rows,
    thread_updates: Vec<(i64, String, String, i64, Option<i64>)>,
    posts: Rows,
    post_updates: Vec<PostChange>,
    map: Rows,
    thanks: Vec<(i64, i64, i64)>,
    mentions: Vec<(i64, i64)>,
    post_count: u64,
}

fn text(s: &str) -> Value {
    Value::Text(s.to_owned())
}

fn opt(n: Option<i64>) -> Value {
    n.map_or(Value::Null, Value::Int)
}

/// Renders bodies on every core: Markdown is most of an import's work.
fn render_all(bodies: &[String], mentionable: &HashMap<String, String>) -> Vec<Rendered> {
    let cores = std::thread::available_parallelism().map_or(2, |n| n.get()).clamp(1, 8);
    let chunk = bodies.len().div_ceil(cores).max(1);
    std::thread::scope(|scope| {
        let workers: Vec<_> =
            bodies.chunks(chunk).map(|part| scope.spawn(move || part.iter().map(|b| markdown::render(b, mentionable)).collect::<Vec<_>>())).collect();
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    })
}

/// Turns topics into rows: ids assigned, text converted and rendered.
fn prepare(state: &mut State, topics: Vec<Topic>) -> Batch {
    let mut batch = Batch::default();
    // Posts first without their rendering, which then runs in parallel.
    struct Pending {
        id: i64,
        new: bool,
        thread: i64,
        number: i64,
        author: i64,
        reply_to: Option<i64>,
        body: String,
        created_at: i64,
        edited_at: Option<i64>,
        hidden_at: Option<i64>,
        deleted_at: Option<i64>,
        held_at: Option<i64>,
        pain_summary: Option<String>,
        uncredited_thanks: i64,
    }
    let mut pending = Vec::new();
    for topic in topics {
        let posts = topic.posts.len() as u64;
        batch.post_count += posts;
        let Some(&category) = state.categories.known.get(&topic.category) else {
            state.skip("posts in topics whose category was not brought over", posts);
            continue;
        };
        if topic.posts.is_empty() {
            state.skip("topics with no posts", 1);
            continue;
        }
        let (thread, new_thread) = state.threads.assign(&topic.key);
        let title = topic.title.trim().chars().take(crate::domain::validate::TITLE_MAX).collect::<String>();
        let title = if title.is_empty() { "(untitled)".to_owned() } else { title };
        let slug = crate::domain::slugify(&title);
        let locked_at = topic.locked.then_some(topic.created_at);
        let author_of = |state: &State, m: &rules::Message| m.author.as_ref().and_then(|a| state.member_ids.get(a)).copied();
        let first_author = match author_of(state, &topic.posts[0]) {
            Some(id) => id,
            None => state.system_member(&mut batch),
        };
        if new_thread {
            state.report.threads.new += 1;
            batch.map.push(state.map_row("thread", &topic.key, thread));
            batch.threads.push(vec![
                Value::Int(thread), Value::Int(category), Value::Int(first_author), text(&title), text(&slug),
                Value::Int(topic.created_at), Value::Int(topic.created_at), Value::Int(first_author), Value::Int(0), Value::Int(0),
                opt(locked_at), Value::Int(topic.pinned.level()),
            ]);
        } else {
            state.report.threads.updated += 1;
            batch.thread_updates.push((thread, title, slug, topic.pinned.level(), locked_at));
        }
        let mut number = state.last_numbers.get(&thread).copied().unwrap_or(0);
        for message in &topic.posts {
            if let Some(n) = message.number {
                state.numbered.insert((topic.key.clone(), n), message.key.clone());
            }
            let author = match (author_of(state, message), &message.author) {
                (Some(id), _) => id,
                (None, Some(_)) => {
                    state.skip("authors not in the source's member list (their posts are kept under the system member)", 1);
                    state.system_member(&mut batch)
                }
                (None, None) => state.system_member(&mut batch),
            };
            let (id, new) = state.posts.assign(&message.key);
            if new {
                // A new thread keeps the source's numbers, so links by number still work.
                number = match message.number {
                    Some(n) if new_thread && n > number => n,
                    _ => number + 1,
                };
                batch.map.push(state.map_row("post", &message.key, id));
            }
            let reply_to = message.reply_to.as_deref().and_then(|key| state.post(key)).filter(|&r| r != id);
            let body = rules::convert(message, state);
            let body = if body.trim().is_empty() && message.deleted_at.is_none() { "*(this post had no words)*".to_owned() } else { body };
            for (who, at) in &message.thanked_by {
                match state.member_ids.get(who) {
                    Some(&member) => batch.thanks.push((id, member, *at)),
                    None => state.skip("likes by members not brought over", 1),
                }
            }
            pending.push(Pending {
                id,
                new,
                thread,
                number,
                author,
                reply_to,
                body,
                created_at: message.created_at,
                edited_at: message.edited_at,
                hidden_at: message.hidden.then_some(message.created_at),
                deleted_at: message.deleted_at,
                held_at: message.held.then_some(message.created_at),
                pain_summary: message.pain_summary.clone(),
                uncredited_thanks: message.uncredited_thanks,
            });
        }
        state.last_numbers.insert(thread, number);
    }
    let bodies: Vec<String> = pending.iter().map(|p| p.body.clone()).collect();
    let rendered = render_all(&bodies, &state.mentionable);
    for (p, r) in pending.into_iter().zip(rendered) {
        for name in &r.mentions {
            if let Some(&member) = state.member_ids.get(&format!("@{}", name.to_lowercase())) {
                batch.mentions.push((p.id, member));
            }
        }
        if p.new {
            state.report.posts.new += 1;
            let mentions = serde_json::to_string(&r.mentions).unwrap_or_else(|_| "[]".into());
            let hidden_reason = p.hidden_at.map_or(Value::Null, |_| text("hidden on the old forum"));
            batch.posts.push(vec![
                Value::Int(p.id), Value::Int(p.thread), Value::Int(p.number), Value::Int(p.author), opt(p.reply_to),
                Value::Text(p.body), Value::Text(r.html), Value::Text(r.excerpt), Value::Text(mentions), Value::Int(0),
                Value::Int(p.created_at), opt(p.edited_at), opt(p.deleted_at), opt(p.held_at), opt(p.hidden_at), hidden_reason,
                Value::Null, p.pain_summary.map_or(Value::Null, Value::Text), Value::Int(p.uncredited_thanks),
            ]);
        } else {
            state.report.posts.updated += 1;
            batch.post_updates.push(PostChange {
                id: p.id,
                reply_to: p.reply_to,
                body: p.body,
                rendered: r,
                edited_at: p.edited_at,
                hidden_at: p.hidden_at,
                uncredited_thanks: p.uncredited_thanks,
            });
        }
    }
    batch
}

async fn write_batch(store: &Store, batch: Batch) -> Result<(), String> {
    store
        .write(move |tx| {
            Box::pin(async move {
                for (id, name) in &batch.members {
                    stored::insert_member(tx, *id, name, None, "member", super::now_millis(), None, None).await?;
                }
                if !batch.members.is_empty() {
                    stored::ids_in_use(tx, "users").await?;
                }
                stored::insert(tx, "threads", &batch.threads, &Vec::new()).await?;
                for (id, title, slug, pinned, locked_at) in &batch.thread_updates {
                    stored::update_thread(tx, *id, title, slug, *pinned, *locked_at).await?;
                }
                stored::insert(tx, "posts", &batch.posts, &batch.map).await?;
                for change in &batch.post_updates {
                    let mentions = serde_json::to_string(&change.rendered.mentions).unwrap_or_else(|_| "[]".into());
                    let update = PostUpdate {
                        id: change.id,
                        reply_to: change.reply_to,
                        body: &change.body,
                        html: &change.rendered.html,
                        excerpt: &change.rendered.excerpt,
                        mentions: &mentions,
                        edited_at: change.edited_at,
                        hidden_at: change.hidden_at,
                        uncredited_thanks: change.uncredited_thanks,
                    };
                    stored::update_post(tx, &update).await?;
                }
                stored::thanks_and_mentions(tx, &batch.thanks, &batch.mentions).await
            })
        })
        .await
        .map_err(|e| error_chain(&e))
}

impl App {
    /// Brings a community in from `source`, telling `progress` as it goes.
    pub async fn import(&self, source: Box<dyn Source>, mut progress: impl FnMut(Progress) + Send) -> Result<Report, String> {
        let store = &self.store;
        let failed = |e: super::store::StoreError| error_chain(&e);
        let source_name = source.name().to_owned();
        let (mut source, members, categories, total) = tokio::task::spawn_blocking(move || -> Result<_, String> {
            let mut source = source;
            let members = source.members()?;
            let categories = source.categories()?;
            let total = source.post_total()?;
            Ok((source, members, categories, total))
        })
        .await
        .map_err(|e| e.to_string())??;

        let name = source_name.clone();
        let mapping = store.read_primary(move |c| Box::pin(async move { stored::mapping(c, &name).await })).await.map_err(failed)?;
        let (taken_names, taken_slugs) = store.read_primary(|c| Box::pin(stored::taken_names(c))).await.map_err(failed)?;
        let highest = store.read_primary(|c| Box::pin(stored::highest_ids(c))).await.map_err(failed)?;
        let mut state = State {
            source: source_name.clone(),
            members: Ids::new(highest[0]),
            categories: Ids::new(highest[1]),
            threads: Ids::new(highest[2]),
            posts: Ids::new(highest[3]),
            names: HashMap::new(),
            mentionable: HashMap::new(),
            member_ids: HashMap::new(),
            numbered: HashMap::new(),
            last_numbers: HashMap::new(),
            system: None,
            taken_names: HashSet::new(),
            skipped: BTreeMap::new(),
            report: Report::default(),
        };
        for (kind, key, id) in mapping {
            let ids = match kind.as_str() {
                "member" => &mut state.members,
                "category" => &mut state.categories,
                "thread" => &mut state.threads,
                _ => &mut state.posts,
            };
            ids.known.insert(key, id);
            // Brought over before: what's new now takes the next free numbers.
            ids.keep_numbers = false;
        }
        let threads_before: Vec<i64> = state.threads.known.values().copied().collect();
        state.last_numbers = store
            .read_primary(move |c| Box::pin(async move { stored::last_numbers(c, &threads_before).await }))
            .await
            .map_err(failed)?
            .into_iter()
            .collect();

        self.import_members(&mut state, members, taken_names).await?;
        self.import_categories(&mut state, categories, taken_slugs).await?;

        // Topics: read on the source's thread, prepared and written here.
        let (sender, mut receiver) = tokio::sync::mpsc::channel::<Result<Vec<Topic>, String>>(2);
        let reader = std::thread::spawn(move || {
            loop {
                let next = source.next_topics(BATCH_POSTS);
                let done = matches!(&next, Ok(topics) if topics.is_empty()) || next.is_err();
                if sender.blocking_send(next).is_err() || done {
                    break;
                }
            }
            source.skipped()
        });
        let mut done = 0;
        progress(Progress { done, total });
        while let Some(next) = receiver.recv().await {
            let topics = next?;
            if topics.is_empty() {
                break;
            }
            let (back, batch) = tokio::task::spawn_blocking(move || {
                let batch = prepare(&mut state, topics);
                (state, batch)
            })
            .await
            .map_err(|e| e.to_string())?;
            state = back;
            done += batch.post_count;
            write_batch(store, batch).await?;
            progress(Progress { done, total: total.max(done) });
        }
        let skipped = reader.join().map_err(|_| "the source's reader stopped unexpectedly".to_owned())?;
        let name = source_name.clone();
        store.write(move |tx| Box::pin(async move { stored::recount(tx, &name).await })).await.map_err(failed)?;
        store.write(|tx| Box::pin(async move { accounts::fill_skeletons(tx).await.map(|_| ()) })).await.map_err(failed)?;
        for (why, count) in skipped {
            state.skip(&why, count);
        }
        let mut report = state.report.clone();
        report.thanks = store.read_primary(|c| Box::pin(stored::thanks_count(c))).await.map_err(failed)?;
        report.skipped = state.skipped.into_iter().collect();
        Ok(report)
    }

    async fn import_members(&self, state: &mut State, members: Vec<Member>, taken: Vec<String>) -> Result<(), String> {
        let mut taken: HashSet<String> = taken.into_iter().collect();
        let existing = self.store.read_primary(|c| Box::pin(stored::existing_members(c))).await.map_err(|e| error_chain(&e))?;
        let by_email: HashMap<String, (i64, String)> =
            existing.iter().filter_map(|m| m.confirmed_email.clone().map(|e| (e, (m.id, m.username.clone())))).collect();
        let by_id: HashMap<i64, String> = existing.into_iter().map(|m| (m.id, m.username)).collect();
        // Numbers the source uses are kept free for those who have them, when kept.
        if state.members.keep_numbers {
            state.members.next = state.members.next.max(members.iter().filter_map(|m| m.key.parse::<i64>().ok()).max().unwrap_or(0) + 1);
        }
        let mut new_rows = Vec::new();
        let mut updates = Vec::new();
        let mut map = Rows::new();
        for member in members {
            let role = match member.staff {
                Staff::No => "member",
                Staff::Moderator => "moderator",
                Staff::Admin => "admin",
            };
            let verified_at = member.email_verified.then_some(member.created_at);
            // Someone who already joined here with the address they confirmed
            // at the source is the same person: their posts come to them.
            let same_person = (!state.members.known.contains_key(&member.key) && member.email_verified)
                .then(|| member.email.as_ref().and_then(|e| by_email.get(&e.to_lowercase())))
                .flatten();
            if let Some((id, name)) = same_person {
                state.members.known.insert(member.key.clone(), *id);
                map.push(state.map_row("member", &member.key, *id));
                state.report.members_matched += 1;
                if *name != member.username {
                    state.names.insert(member.username.clone(), name.clone());
                }
                state.member_ids.insert(member.key.clone(), *id);
                state.member_ids.insert(format!("@{}", name.to_lowercase()), *id);
                state.mentionable.insert(name.to_lowercase(), name.clone());
                continue;
            }
            let (id, new) = state.members.assign(&member.key);
            let username = if new {
                let name = rules::username(&member.username, &taken);
                taken.insert(name.to_ascii_lowercase());
                map.push(state.map_row("member", &member.key, id));
                new_rows.push((id, name.clone(), member.email.clone(), role, member.created_at, verified_at, member.badge.clone()));
                state.report.members.new += 1;
                name
            } else {
                updates.push((id, member.email.clone(), verified_at, role));
                state.report.members.updated += 1;
                by_id.get(&id).cloned().unwrap_or_else(|| member.username.clone())
            };
            if username != member.username {
                state.names.insert(member.username.clone(), username.clone());
            }
            state.member_ids.insert(member.key.clone(), id);
            state.member_ids.insert(format!("@{}", username.to_lowercase()), id);
            state.mentionable.insert(username.to_lowercase(), username);
        }
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    for (id, name, email, role, created_at, verified_at, badge) in &new_rows {
                        stored::insert_member(tx, *id, name, email.as_deref(), role, *created_at, *verified_at, badge.as_deref()).await?;
                    }
                    for (id, email, verified_at, role) in &updates {
                        stored::update_member(tx, *id, email.as_deref(), *verified_at, role).await?;
                    }
                    stored::insert(tx, "import_map", &map, &Vec::new()).await?;
                    stored::ids_in_use(tx, "users").await
                })
            })
            .await
            .map_err(|e| error_chain(&e))?;
        state.taken_names = taken;
        Ok(())
    }

    async fn import_categories(&self, state: &mut State, categories: Vec<Category>, taken: Vec<String>) -> Result<(), String> {
        let mut taken: HashSet<String> = taken.into_iter().collect();
        let mut new_rows = Rows::new();
        let mut updates = Vec::new();
        let mut map = Rows::new();
        for category in categories {
            let parent = category.parent.as_ref().and_then(|p| state.categories.known.get(p)).copied();
            if category.parent.is_some() && parent.is_none() {
                state.skip("categories whose parent was not brought over (made top-level)", 1);
            }
            let (members_only, staff_only) = match category.access {
                Access::Everyone => (false, false),
                Access::Members => (true, false),
                Access::Staff => (true, true),
            };
            let (id, new) = state.categories.assign(&category.key);
            let name = category.name.trim().to_owned();
            if new {
                let base = category.slug.clone().unwrap_or_else(|| crate::domain::slugify(&name));
                let slug = (1..).map(|n| if n == 1 { base.clone() } else { format!("{base}-{n}") }).find(|s| !taken.contains(s)).unwrap_or(base);
                taken.insert(slug.clone());
                map.push(state.map_row("category", &category.key, id));
                new_rows.push(vec![
                    Value::Int(id), text(&slug), text(&name), text(&category.description), Value::Int(category.position),
                    Value::Int(0), Value::Int(0), Value::Int(category.created_at), Value::Int(i64::from(members_only)), opt(parent),
                    Value::Int(i64::from(staff_only)),
                ]);
                state.report.categories.new += 1;
            } else {
                updates.push((id, name, category.description.clone(), parent, members_only, staff_only));
                state.report.categories.updated += 1;
            }
        }
        self.store
            .write(move |tx| {
                Box::pin(async move {
                    stored::insert(tx, "categories", &new_rows, &map).await?;
                    for (id, name, description, parent, members_only, staff_only) in &updates {
                        stored::update_category(tx, *id, name, description, *parent, *members_only, *staff_only).await?;
                    }
                    Ok(())
                })
            })
            .await
            .map_err(|e| error_chain(&e))
    }
}
