//! Demo content: a small, believable beginner-runners' community, read from
//! `demo/community.txt` (a format meant to be easy to review and extend).
//!
//! Every demo member's password is [`DEMO_PASSWORD`], so people trying Jogette
//! can log in as anyone. Never use `--demo` on a real community.

pub mod scale;

use crate::app::store::programme::{self as runs, PlanRow};
use crate::app::store::{CategoryInput, NewPost, NewThread, Store, StoreError, forum, notify};
use crate::domain::programme::{self as rules, CheckedRun, RunCode};
use crate::domain::{Role, dates, markdown, quote, slugify};
use std::collections::HashMap;

pub const DEMO_PASSWORD: &str = "jogette-demo";
const COMMUNITY: &str = include_str!("demo/community.txt");
const STAFF: &[(&str, Role)] = &[("site_admin", Role::Admin), ("coach_claire", Role::Moderator)];

#[derive(Debug)]
enum Line<'a> {
    Category { slug: &'a str, name: &'a str, description: &'a str },
    Thread { category: &'a str, author: &'a str, title: &'a str },
    Post { reply_to: Option<usize>, author: &'a str, quote: Option<&'a str>, body: String },
    Thanks { number: usize, members: Vec<&'a str> },
    /// The member logged every run of `plan` up to `run`.
    Progress { member: &'a str, plan: &'a str, run: RunCode },
}

fn parse(text: &str) -> Result<Vec<Line<'_>>, String> {
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let bad = || format!("demo/community.txt line {}: cannot read {line:?}", index + 1);
        let (tag, rest) = line.split_once(' ').ok_or_else(bad)?;
        let fields: Vec<&str> = rest.split(" | ").map(str::trim).collect();
        fn numbered<'l>(s: &'l str, bad: &dyn Fn() -> String) -> Result<(usize, &'l str), String> {
            let (n, who) = s.split_once(' ').ok_or_else(bad)?;
            Ok((n.parse().map_err(|_| bad())?, who))
        }
        let body = |s: &str| s.replace("\\n", "\n");
        lines.push(match (tag, fields.as_slice()) {
            ("C", [slug, name, description]) => Line::Category { slug, name, description },
            ("T", [category, author, title]) => Line::Thread { category, author, title },
            ("P", [author, text]) => Line::Post { reply_to: None, author, quote: None, body: body(text) },
            ("R", [head, text]) => {
                let (n, author) = numbered(head, &bad)?;
                Line::Post { reply_to: Some(n), author, quote: None, body: body(text) }
            }
            ("Q", [head, quoted, text]) => {
                let (n, author) = numbered(head, &bad)?;
                Line::Post { reply_to: Some(n), author, quote: Some(quoted), body: body(text) }
            }
            ("G", [member, plan, run]) => Line::Progress { member, plan, run: RunCode::parse(run).ok_or_else(bad)? },
            ("K", [number, members]) => Line::Thanks {
                number: number.parse().map_err(|_| bad())?,
                members: members.split_whitespace().collect(),
            },
            _ => return Err(bad()),
        });
    }
    Ok(lines)
}

/// Fills an empty store with the demo community. Returns the number of threads made.
pub(super) async fn load(store: &Store) -> Result<usize, String> {
    let lines = parse(COMMUNITY)?;
    let err = |e: StoreError| e.to_string();

    let hash = crate::domain::password::hash(DEMO_PASSWORD);
    let mut members: HashMap<String, i64> = HashMap::new();
    let authors = lines.iter().filter_map(|l| match l {
        Line::Thread { author, .. } | Line::Post { author, .. } => Some(*author),
        _ => None,
    });
    for name in STAFF.iter().map(|(n, _)| *n).chain(authors) {
        if !members.contains_key(name) {
            let role = STAFF.iter().find(|(n, _)| *n == name).map_or(Role::Member, |(_, r)| *r);
            let user = store.create_user(name, None, &hash, role).await.map_err(err)?;
            members.insert(name.to_owned(), user.id);
        }
    }
    let directory: HashMap<String, String> = members.keys().map(|n| (n.to_ascii_lowercase(), n.clone())).collect();
    let member = |name: &str| members.get(name).copied().ok_or_else(|| format!("unknown demo member {name}"));

    let mut categories: HashMap<&str, i64> = HashMap::new();
    let mut pending_thread: Option<(i64, &str, i64)> = None; // category, title, author
    let mut thread: Option<(i64, String)> = None;
    // Post ids and authors by number in the current thread.
    let mut posts: Vec<(i64, String)> = Vec::new();
    let mut threads = 0;
    let mut clock = DemoClock::new(lines.iter().filter(|l| matches!(l, Line::Post { .. })).count());
    // When each member first did something, so they can be shown joining before it.
    let mut first_seen: HashMap<i64, i64> = HashMap::new();
    let demo_starts = clock.now;
    for line in &lines {
        match line {
            Line::Category { slug, name, description } => {
                let input = CategoryInput { slug: slug.to_string(), name: name.to_string(), description: description.to_string(), members_only: false };
                categories.insert(slug, store.create_category(input).await.map_err(err)?.id);
            }
            Line::Thread { category, author, title } => {
                let category = *categories.get(category).ok_or_else(|| format!("unknown category {category}"))?;
                pending_thread = Some((category, title, member(author)?));
            }
            Line::Post { reply_to, author, quote: quoted, body } => {
                let author_id = member(author)?;
                let parent = reply_to.map(|n| posts.get(n - 1).cloned().ok_or(format!("no post #{n} to reply to")));
                let parent = parent.transpose()?;
                let body = match (quoted, &parent) {
                    (Some(words), Some((parent_id, parent_author))) => {
                        format!("{}{body}", quote::compose(parent_author, &format!("/p/{parent_id}"), words, None))
                    }
                    _ => body.clone(),
                };
                let rendered = markdown::render(&body, &directory);
                let starts_thread = pending_thread.is_some();
                let created_at = clock.next(starts_thread);
                first_seen.entry(author_id).and_modify(|at| *at = (*at).min(created_at)).or_insert(created_at);
                let post = NewPost { author_id, created_at, reply_to: parent.map(|(id, _)| id), body, rendered, held: false, pain_summary: None };
                if let Some((category_id, title, _)) = pending_thread.take() {
                    let new = NewThread { category_id, title: title.to_owned(), slug: slugify(title), first_post: post };
                    let (saved, first) = store
                        .write(move |tx| {
                            Box::pin(async move {
                                let (thread, first) = forum::create_thread(tx, &new).await?;
                                notify::follow_on_post(tx, first.user_id, thread.id, 1).await?;
                                Ok((thread, first))
                            })
                        })
                        .await
                        .map_err(err)?;
                    thread = Some((saved.id, saved.slug));
                    posts = vec![(first.id, author.to_string())];
                    threads += 1;
                } else {
                    let (thread_id, _) = thread.as_ref().ok_or("a reply before any thread")?;
                    let thread_id = *thread_id;
                    let saved = store
                        .write(move |tx| {
                            Box::pin(async move {
                                let saved = forum::create_post(tx, thread_id, &post).await?;
                                // Demo members follow the threads they write in, as members do.
                                notify::follow_on_post(tx, saved.user_id, thread_id, saved.number).await?;
                                Ok(saved)
                            })
                        })
                        .await
                        .map_err(err)?;
                    posts.push((saved.id, author.to_string()));
                }
            }
            Line::Progress { .. } => {}
            Line::Thanks { number, members: thankers } => {
                let (post_id, _) = posts.get(number - 1).ok_or(format!("no post #{number} to thank"))?;
                for name in thankers {
                    let (post_id, member) = (*post_id, member(name)?);
                    store.write(move |tx| Box::pin(async move { forum::set_thanks(tx, post_id, member, true).await.map(|_| ()) })).await.map_err(err)?;
                }
            }
        }
    }
    for (id, first_run) in load_progress(store, &lines, &member).await? {
        first_seen.entry(id).and_modify(|at| *at = (*at).min(first_run)).or_insert(first_run);
    }
    backdate_joining(store, members.values().copied(), &first_seen, demo_starts).await?;
    Ok(threads)
}

/// Each member joined a few days before they first posted or ran (staff, a
/// fortnight before the demo starts), so no one's posts predate their joining.
async fn backdate_joining(store: &Store, members: impl Iterator<Item = i64>, first_seen: &HashMap<i64, i64>, demo_starts: i64) -> Result<(), String> {
    const DAY: i64 = 86_400_000;
    let joined: Vec<(i64, i64)> = members
        .map(|id| match first_seen.get(&id) {
            // Between one and six days before, varied by member.
            Some(first) => (id, first - DAY - (id % 6) * DAY + (id * 7919) % DAY),
            None => (id, demo_starts - 14 * DAY),
        })
        .collect();
    store
        .write(move |tx| {
            Box::pin(async move {
                for (id, at) in &joined {
                    crate::app::store::accounts::set_joined(tx, *id, *at).await?;
                }
                Ok(())
            })
        })
        .await
        .map_err(|e| e.to_string())
}

/// Logs each demo runner's runs, one every other day up to yesterday, and
/// gives them the plan and badge that follow from them. Returns when each
/// runner's first run was.
async fn load_progress(store: &Store, lines: &[Line<'_>], member: &dyn Fn(&str) -> Result<i64, String>) -> Result<Vec<(i64, i64)>, String> {
    let err = |e: StoreError| e.to_string();
    let rows: Vec<PlanRow> = store.read(|c| Box::pin(runs::plans(c))).await.map_err(err)?;
    let plans: Vec<(PlanRow, rules::Plan)> =
        rows.into_iter().map(|row| rules::parse(&row.source).map(|plan| (row, plan)).map_err(|e| e.to_string())).collect::<Result<_, _>>()?;
    let plan = |slug: &str| plans.iter().find(|(row, _)| row.slug == slug).ok_or_else(|| format!("no plan {slug} for the demo"));
    let yesterday = dates::day_of(crate::app::store::now_millis()) - 1;
    let mut runners: Vec<&str> = lines.iter().filter_map(|l| if let Line::Progress { member, .. } = l { Some(*member) } else { None }).collect();
    runners.dedup();
    let mut first_runs = Vec::new();
    for name in runners {
        let id = member(name)?;
        let mine: Vec<(&str, RunCode)> = lines.iter().filter_map(|l| match l { Line::Progress { member, plan, run } if *member == name => Some((*plan, *run)), _ => None }).collect();
        let mut logged: Vec<(i64, RunCode)> = Vec::new();
        for (slug, last) in &mine {
            let (row, plan) = plan(slug)?;
            logged.extend(plan.runs().map(|r| r.code).take_while(|c| c <= last).map(|c| (row.id, c)));
        }
        let (chosen_row, chosen) = plan(mine.last().map_or(rules::DEFAULT_PLAN, |(slug, _)| slug))?;
        let on_chosen: Vec<RunCode> = logged.iter().filter(|(p, _)| *p == chosen_row.id).map(|(_, c)| *c).collect();
        let graduated = mine.iter().any(|(slug, run)| plan(slug).is_ok_and(|(_, p)| p.graduates && p.is_last(*run)));
        let badge = rules::badge(chosen, &rules::progress(chosen, &on_chosen), graduated);
        let (plan_id, count) = (chosen_row.id, logged.len() as i64);
        first_runs.push((id, (yesterday - 2 * (count - 1)) * 86_400_000));
        store
            .write(move |tx| {
                Box::pin(async move {
                    for (i, (plan, code)) in logged.iter().enumerate() {
                        let day = yesterday - 2 * (count - 1 - i as i64);
                        let run = CheckedRun { code: Some(*code), day, distance_m: None, duration_s: None, felt: None, note: String::new(), pain: Vec::new() };
                        runs::insert_run(tx, id, Some(*plan), &run, None).await?;
                    }
                    runs::set_member_plan(tx, id, plan_id).await?;
                    runs::set_standing(tx, id, badge.as_deref(), graduated).await
                })
            })
            .await
            .map_err(err)?;
    }
    Ok(first_runs)
}

/// Spreads the demo over the past weeks, so lists show a believable history:
/// threads start hours apart and replies follow within hours.
struct DemoClock {
    now: i64,
    state: u64,
}

impl DemoClock {
    const HOUR: i64 = 3_600_000;

    fn new(posts: usize) -> Self {
        // About five hours per post on average, ending a little before now.
        let now = crate::app::store::now_millis() - posts as i64 * 5 * Self::HOUR - Self::HOUR;
        DemoClock { now, state: 0x9E37_79B9_7F4A_7C15 }
    }

    /// A fixed pseudo-random walk (xorshift), so every demo looks the same.
    fn next(&mut self, new_thread: bool) -> i64 {
        self.state ^= self.state << 13;
        self.state ^= self.state >> 7;
        self.state ^= self.state << 17;
        let spread = if new_thread { 8 } else { 4 };
        self.now += Self::HOUR / 4 + (self.state % (spread * Self::HOUR as u64)) as i64;
        self.now
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_demo_community_is_big_enough_and_uses_every_feature() {
        let lines = parse(COMMUNITY).expect("community.txt parses");
        let threads = lines.iter().filter(|l| matches!(l, Line::Thread { .. })).count();
        let mut authors: Vec<&str> = lines
            .iter()
            .filter_map(|l| if let Line::Post { author, .. } = l { Some(*author) } else { None })
            .collect();
        authors.sort();
        authors.dedup();
        assert!(threads >= 40, "{threads} threads");
        assert!(authors.len() + 1 >= 20, "{} members", authors.len());
        assert!(lines.iter().any(|l| matches!(l, Line::Post { quote: Some(_), .. })));
        assert!(lines.iter().any(|l| matches!(l, Line::Post { body, .. } if body.contains('@'))));
        assert!(lines.iter().any(|l| matches!(l, Line::Thanks { .. })));
        assert!(lines.iter().filter(|l| matches!(l, Line::Progress { .. })).count() >= 10, "runners with badges");
        // No demo member could be mistaken for another.
        let mut names: Vec<&str> = authors.iter().copied().chain(STAFF.iter().map(|(n, _)| *n)).collect();
        names.sort();
        names.dedup();
        let mut skeletons: Vec<String> = names.iter().map(|n| crate::domain::validate::username_skeleton(n)).collect();
        let count = skeletons.len();
        skeletons.sort();
        skeletons.dedup();
        assert_eq!(skeletons.len(), count);
    }
}
