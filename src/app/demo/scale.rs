//! A large synthetic community for measuring search and pages at scale:
//! `jogette demo --scale 1000000` makes a million posts in 50,000 threads.
//!
//! Posts are recombined from the demo community's own sentences, so lengths and
//! vocabulary are those of real beginner-runner talk. Rows go in through
//! `Store::import_tables` in batches (one transaction each) with counters
//! computed here, rather than a million write transactions.

use crate::app::store::{Rows, Store, StoreError, Value};

const MEMBERS: usize = 5_000;
const BATCH_POSTS: usize = 50_000;
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

/// Makes `posts` posts in `threads` threads in an empty store.
pub(in crate::app) async fn generate(store: &Store, posts: usize, threads: usize) -> Result<(), StoreError> {
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

    // Posts per thread: a long tail, like real forums, summing to `posts`.
    let mut sizes = vec![1usize; threads];
    for _ in threads..posts {
        let t = if rng.below(4) == 0 { rng.below(threads.min(500)) } else { rng.below(threads) };
        sizes[t] += 1;
    }
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
        let category = rng.below(CATEGORIES.len());
        let topic = TOPICS[rng.below(TOPICS.len())];
        let shape = TITLE_SHAPES[rng.below(TITLE_SHAPES.len())];
        let title = shape.replacen("{}", topic, 1).replacen("{}", &(rng.below(9) + 1).to_string(), 1);
        let title = format!("{}{}", title[..1].to_uppercase(), &title[1..]);
        let created = start + (t as i64 * span) / threads as i64;
        let mut at = created;
        let mut last_author = 0;
        let author = rng.below(MEMBERS);
        for number in 1..=*size {
            post_id += 1;
            let writer = if number == 1 { author } else { rng.below(MEMBERS) };
            let mut body = if number == 1 { format!("I wanted to ask about {topic}. ") } else { String::new() };
            for _ in 0..(1 + rng.below(6)) {
                body.push_str(&pool[rng.below(pool.len())]);
                body.push(' ');
            }
            let body = body.trim_end().to_owned();
            let excerpt = crate::domain::markdown::truncate_words(&body, crate::domain::markdown::EXCERPT_CHARS);
            let reply_to = (number > 1 && rng.below(3) == 0).then(|| int(post_id - 1 - rng.below(number - 1) as i64));
            post_rows.push(vec![
                int(post_id), int(thread_id), int(number as i64), int(writer as i64 + 1), reply_to.unwrap_or(Value::Null),
                text(&body), text(&format!("<p>{}</p>\n", crate::domain::markdown::escape_html(&body))), text(&excerpt), text("[]"),
                int(0), int(at), Value::Null, Value::Null,
            ]);
            member_posts[writer] += 1;
            last_author = writer;
            at += 60_000 * (1 + rng.below(600) as i64);
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
            store.import_tables(std::mem::take(&mut tables)).await?;
            tracing::info!(posts = post_id, threads = t + 1, "generated");
        }
    }
    store.set_counters(&member_posts, &category_threads, &category_posts).await
}
