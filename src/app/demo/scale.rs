//! A large synthetic community for measuring search and pages at scale:
//! `jogette demo --scale 1000000` makes a million posts in 50,000 threads.
//!
//! Posts are recombined from the demo community's own sentences, so lengths and
//! vocabulary are those of real beginner-runner talk. Thread sizes have a long
//! tail, topped by a few 5,000-post megathreads ("January starters") once
//! there are 100,000 posts; some replies quote the post they answer or
//! @mention its author, and about a quarter of posts are thanked. Rows go in
//! through `Store::import_tables` in batches (one transaction each) with
//! counters computed here, rather than a million write transactions.

use crate::app::store::{Rows, Store, StoreError, Value};

const MEMBERS: usize = 5_000;
const BATCH_POSTS: usize = 50_000;
/// Posts in each megathread, and one megathread per this many posts (at most five).
const MEGATHREAD: usize = 5_000;
const POSTS_PER_MEGATHREAD: usize = 100_000;
const MEGATHREAD_TITLES: &[&str] = &[
    "January starters: week by week together", "Spring starters 2025", "Summer starters: running in the heat",
    "Autumn starters check in here", "Graduates' parkrun thread",
];
const CATEGORIES: &[(&str, &str, &str)] = &[
    ("introductions", "Introductions", "Say hello, tell us where you're starting from."),
    ("week-by-week", "Week by week", "How each week of the programme is going, run by run."),
    ("injuries", "Injuries and niggles", "Aches, pains and when to get them checked."),
    ("kit", "Kit and shoes", "Shoes, socks, bras, watches, apps and what actually matters."),
    ("graduates", "Graduates", "Finished the nine weeks? Parkruns, 10K plans and staying consistent."),
];
const TOPICS: &[&str] = &[
    "shin pain", "knee ache", "tight calves", "a stitch", "sore hips", "achilles niggle", "heel pain", "blisters",
    "breathing", "running shoes", "sports bras", "socks", "a running watch", "the app", "running in the rain",
    "running in the dark", "early morning runs", "parkrun", "a 10K plan", "motivation", "rest days", "stretching",
    "hills", "week 5 run 3", "week 6", "graduation", "a half marathon", "running with the dog", "headphones",
    "hay fever", "asthma", "the heat", "the cold", "slow running", "a jogette",
];
const TITLE_SHAPES: &[&str] = &[
    "Help with {}", "{} after my run", "Anyone else struggling with {}?", "Tips for {} please", "{}: is this normal?",
    "Question about {}", "My experience with {}", "{} in week {}", "Still getting {}", "How do you deal with {}?",
];

/// A small fixed generator (xorshift): the same community every time.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn sentences() -> Vec<String> {
    let mut out = Vec::new();
    for line in include_str!("community.txt").lines() {
        let text = match line.split_once(' ').map(|(tag, rest)| (tag, rest.rsplit(" | ").next().unwrap_or(""))) {
            Some(("P" | "R" | "Q", text)) => text,
            _ => continue,
        };
        for s in text.replace("\\n", " ").split_inclusive(['.', '!', '?']) {
            let s = s.trim();
            if s.split_whitespace().count() >= 4 {
                out.push(s.to_owned());
            }
        }
    }
    out
}

/// Posts per thread: a long tail, like real forums, summing to `posts`,
/// with the megathreads first; and how many megathreads there are.
fn thread_sizes(posts: usize, threads: usize, rng: &mut Rng) -> (Vec<usize>, usize) {
    let mega = (posts / POSTS_PER_MEGATHREAD).min(MEGATHREAD_TITLES.len()).min(threads - 1);
    let mega = if posts >= threads + mega * (MEGATHREAD - 1) { mega } else { 0 };
    let mut sizes = vec![1usize; threads];
    sizes[..mega].fill(MEGATHREAD);
    let rest = threads - mega;
    for _ in threads + mega * (MEGATHREAD - 1)..posts {
        let t = mega + if rng.below(4) == 0 { rng.below(rest.min(500)) } else { rng.below(rest) };
        sizes[t] += 1;
    }
    (sizes, mega)
}

/// Makes `posts` posts in `threads` threads in an empty store, telling
/// `progress` how many posts of all are in after each batch.
pub(in crate::app) async fn generate(store: &Store, posts: usize, threads: usize, mut progress: impl FnMut(u64, u64)) -> Result<(), StoreError> {
    if !store.is_empty().await? {
        return Err(StoreError::message("the database is not empty; --scale needs an empty one"));
    }
    let threads = threads.clamp(1, posts.max(1));
    let pool = sentences();
    let mut rng = Rng(0x2545_f491_4f6c_dd1d);
    let hash = crate::domain::password::hash(super::DEMO_PASSWORD);
    let start = crate::app::store::now_millis() - 3 * 365 * 86_400_000;
    let span = 3 * 365 * 86_400_000_i64;
    let int = Value::Int;
    let text = |s: &str| Value::Text(s.to_owned());

    let (sizes, mega) = thread_sizes(posts, threads, &mut rng);
    // Quotes, mentions and thanks come from a generator of their own, so the
    // posts' own words stay those of earlier versions of this community.
    let mut extra = Rng(0x9e37_79b9_7f4a_7c15);
    let mut member_thanks = vec![0i64; MEMBERS];
    let mut thanks_rows: Rows = Vec::new();
    let mut mention_rows: Rows = Vec::new();
    let mut member_posts = vec![0i64; MEMBERS];
    let mut category_threads = [0i64; 5];
    let mut category_posts = [0i64; 5];

    let mut thread_rows: Rows = Vec::with_capacity(threads);
    let mut post_rows: Rows = Vec::with_capacity(BATCH_POSTS);
    let mut post_id = 0i64;
    let mut first_batch = true;
    let mut tables: Vec<(&'static str, Rows)> = Vec::new();
    for (t, size) in sizes.iter().enumerate() {
        let thread_id = t as i64 + 1;
        let megathread = t < mega;
        let category = rng.below(CATEGORIES.len());
        let topic = TOPICS[rng.below(TOPICS.len())];
        let shape = TITLE_SHAPES[rng.below(TITLE_SHAPES.len())];
        let title = shape.replacen("{}", topic, 1).replacen("{}", &(rng.below(9) + 1).to_string(), 1);
        let title = format!("{}{}", title[..1].to_uppercase(), &title[1..]);
        let (category, title) = if megathread { (1, MEGATHREAD_TITLES[t].to_owned()) } else { (category, title) };
        let created = start + (t as i64 * span) / threads as i64;
        let mut at = created;
        let mut last_author = 0;
        let author = rng.below(MEMBERS);
        // Each post's author and first sentence, for replies that quote or mention it.
        let mut earlier: Vec<(usize, String)> = Vec::with_capacity(*size);
        for number in 1..=*size {
            post_id += 1;
            let writer = if number == 1 { author } else { rng.below(MEMBERS) };
            let mut body = if number == 1 { format!("I wanted to ask about {topic}. ") } else { String::new() };
            for _ in 0..(1 + rng.below(6)) {
                body.push_str(&pool[rng.below(pool.len())]);
                body.push(' ');
            }
            let mut body = body.trim_end().to_owned();
            let reply_to = (number > 1 && rng.below(3) == 0).then(|| number - 1 - rng.below(number - 1));
            let first_sentence = body.split_inclusive(['.', '!', '?']).next().unwrap_or(&body).trim().to_owned();
            // Some replies quote the post they answer, some greet its author.
            let answered = reply_to.map(|n| &earlier[n - 1]);
            let (mut quoted, mut mentioned) = (false, None);
            if let Some((their_author, their_words)) = answered {
                match extra.below(8) {
                    0 => {
                        body = format!("> {their_words}\n\n{body}");
                        quoted = true;
                    }
                    1 if *their_author != writer => {
                        let name = format!("runner{:05}", their_author + 1);
                        body = format!("@{name} {body}");
                        mentioned = Some((*their_author, name));
                    }
                    _ => {}
                }
            }
            let (html, excerpt, mentions) = if quoted || mentioned.is_some() {
                let members: std::collections::HashMap<String, String> = mentioned.iter().map(|(_, name)| (name.clone(), name.clone())).collect();
                let cooked = crate::domain::markdown::render(&body, &members);
                (cooked.html, cooked.excerpt, serde_json::to_string(&cooked.mentions).unwrap_or_else(|_| "[]".into()))
            } else {
                let excerpt = crate::domain::markdown::truncate_words(&body, crate::domain::markdown::EXCERPT_CHARS);
                (format!("<p>{}</p>\n", crate::domain::markdown::escape_html(&body)), excerpt, "[]".to_owned())
            };
            if let Some((member, _)) = mentioned {
                mention_rows.push(vec![int(post_id), int(member as i64 + 1)]);
            }
            // About a quarter of posts are thanked, by one to three others.
            let mut thanked = 0;
            if extra.below(4) == 0 {
                let mut by = Vec::new();
                for _ in 0..1 + extra.below(3) {
                    let member = extra.below(MEMBERS);
                    if member != writer && !by.contains(&member) {
                        by.push(member);
                        thanks_rows.push(vec![int(post_id), int(member as i64 + 1), int(at + 3_600_000)]);
                    }
                }
                thanked = by.len() as i64;
                member_thanks[writer] += thanked;
            }
            let reply_to = reply_to.map(|n| int(post_id - (number - n) as i64));
            post_rows.push(vec![
                int(post_id), int(thread_id), int(number as i64), int(writer as i64 + 1), reply_to.unwrap_or(Value::Null),
                text(&body), text(&html), text(&excerpt), text(&mentions),
                int(thanked), int(at), Value::Null, Value::Null,
            ]);
            earlier.push((writer, first_sentence));
            member_posts[writer] += 1;
            last_author = writer;
            // Megathreads move faster: a post every half hour or so.
            let gap = 60_000 * (1 + rng.below(600) as i64);
            at += if megathread { gap / 10 } else { gap };
        }
        category_threads[category] += 1;
        category_posts[category] += *size as i64;
        thread_rows.push(vec![
            int(thread_id), int(category as i64 + 1), int(author as i64 + 1), text(&title), text(&crate::domain::slugify(&title)),
            int(created), int(at), int(last_author as i64 + 1), int(*size as i64), int(*size as i64 - 1),
            // Not locked, pinned, slowed or held; every post readable.
            Value::Null, int(0), int(0), Value::Null, Value::Null, int(*size as i64),
        ]);
        if post_rows.len() >= BATCH_POSTS || t + 1 == threads {
            if first_batch {
                // Members and categories first; their counters are set at the end.
                let users: Rows = (0..MEMBERS)
                    .map(|m| {
                        let name = format!("runner{:05}", m + 1);
                        vec![int(m as i64 + 1), text(&name), text(&name), Value::Null, text(&hash), text("member"), int(start), int(0), int(0)]
                    })
                    .collect();
                let categories: Rows = CATEGORIES
                    .iter()
                    .enumerate()
                    .map(|(i, (slug, name, description))| {
                        vec![int(i as i64 + 1), text(slug), text(name), text(description), int(i as i64 + 1), int(0), int(0), int(start)]
                    })
                    .collect();
                tables.push(("users", users));
                tables.push(("categories", categories));
                first_batch = false;
            }
            tables.push(("threads", std::mem::take(&mut thread_rows)));
            tables.push(("posts", std::mem::take(&mut post_rows)));
            tables.push(("post_mentions", std::mem::take(&mut mention_rows)));
            tables.push(("thanks", std::mem::take(&mut thanks_rows)));
            tables.retain(|(_, rows)| !rows.is_empty());
            store.import_tables(std::mem::take(&mut tables)).await?;
            progress(post_id as u64, posts as u64);
        }
    }
    store.set_counters(&member_posts, &member_thanks, &category_threads, &category_posts).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_million_posts_have_five_megathreads_and_a_long_tail() {
        let (sizes, mega) = thread_sizes(1_000_000, 50_000, &mut Rng(7));
        assert_eq!(sizes.iter().sum::<usize>(), 1_000_000);
        assert_eq!(mega, 5);
        assert!(sizes[..5].iter().all(|&s| s == MEGATHREAD));
        let mut rest = sizes[5..].to_vec();
        rest.sort_unstable();
        let (median, biggest) = (rest[rest.len() / 2], rest[rest.len() - 1]);
        assert!(biggest > 5 * median, "a long tail: median {median}, biggest {biggest}");
        assert!(rest[0] >= 1);
    }

    #[test]
    fn small_communities_have_no_megathread() {
        for (posts, threads) in [(8_000, 2_000), (99_999, 5_000), (100_000, 99_000)] {
            let (sizes, mega) = thread_sizes(posts, threads, &mut Rng(7));
            assert_eq!((mega, sizes.iter().sum::<usize>()), (0, posts), "{posts} posts in {threads} threads");
        }
    }
}
