//! Search and similar-thread latency on a large community, for each store,
//! beside a primary-key post lookup on the same store as the baseline.
//!
//! Make the data once, then measure:
//!   jogette demo --db sqlite:///tmp/scale1m.db --scale 1000000
//!   JOGETTE_BENCH_DBS="sqlite:///tmp/scale1m.db postgres://postgres@127.0.0.1/test?options=-c%20search_path%3Dscale1m" \
//!     cargo bench --bench search
//! JOGETTE_BENCH_ROUNDS sets the requests per operation (300); JOGETTE_BENCH_DETAIL=1
//! also prints each search's median, plain and narrowed each way.

use jogette::app::{App, SearchParams, Viewer};
use jogette::config::Config;
use jogette::domain::search;
mod common;

use common::{measure, row, store_name};
use std::sync::Arc;

const SEARCHES: &[&str] = &[
    "shin splints", "knee pain", "tight calves", "stitch", "achilles", "heel pain morning", "running shoes", "sports bra",
    "running watch", "dark", "blisters socks", "graduated", "parkrun", "10K", "motivation winter", "jogette",
    "\"rest day\"", "eat before running", "asthma", "headphones", "half marathon", "hills", "week 5", "slow down",
    "rain", "physio", "foam roller", "stretch hamstrings", "breathing", "upper back",
];
const DRAFTS: &[&str] = &[
    "upper back ache after my run", "Pain in my shins when I jog on roads", "Knees sore walking down stairs",
    "What should I eat before a morning jog?", "Can I jog two days in a row?", "Finished the programme, what next?",
    "Best trainers for a beginner?", "Tight calves at the start of every jog", "Side stitch on every run, help",
    "Earbuds keep falling out", "Twisted my ankle on a trail run", "Sore heel first thing in the morning",
    "Struggling for breath during the walking recovery", "Thinking about a 10k after graduating",
    "Running when it gets dark early", "Wheezy with asthma when running",
];

/// The narrowings the search page offers, one per request in turn.
#[derive(Clone, Copy)]
enum Narrowing {
    None,
    Category,
    Author,
    LastYear,
    TitleOnly,
    ByDate,
}
const NARROWINGS: [Narrowing; 5] = [Narrowing::Category, Narrowing::Author, Narrowing::LastYear, Narrowing::TitleOnly, Narrowing::ByDate];

async fn search(app: &App, text: &str, narrowing: Narrowing, i: usize) -> i64 {
    let mut params = SearchParams { query: search::parse(text, true), match_all: true, page: 1, per_page: 20, ..Default::default() };
    let year = 365 * 86_400_000;
    match narrowing {
        Narrowing::None => {}
        Narrowing::Category => params.category_id = Some(1 + i as i64 % 5),
        // A member with a few hundred posts, as the demo community's are.
        Narrowing::Author => params.author_id = Some(1 + (i as i64 * 7919) % 5_000),
        Narrowing::LastYear => params.from = Some(jogette::app::now_millis() - year),
        Narrowing::TitleOnly => params.title_only = true,
        Narrowing::ByDate => params.newest_first = true,
    }
    let found = app.run_search(params.clone()).await.unwrap();
    if found.total == 0 && params.query.terms.len() > 1 {
        params.match_all = false;
        return app.run_search(params).await.unwrap().total;
    }
    found.total
}

async fn open(url: &str) -> Arc<App> {
    Arc::new(App::open(Config { db: url.to_owned(), ..Config::default() }).await.unwrap())
}

async fn bench(url: &str, rounds: usize) {
    let app = open(url).await;
    let posts: i64 = app.all_categories().await.unwrap().iter().map(|c| c.post_count).sum();
    // Warm caches as a running server would have them.
    for text in SEARCHES {
        search(app.as_ref(), text, Narrowing::None, 0).await;
    }
    let mut seed = 0x9e37_79b9_u64;
    let baseline = measure(rounds, |_| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
        let id = (seed >> 33) as i64 % posts.max(1) + 1;
        let app = app.clone();
        async move {
            app.post(&Viewer::guest(), id).await.unwrap();
        }
    })
    .await;
    let searched = measure(rounds, |i| {
        let app = app.clone();
        async move {
            search(app.as_ref(), SEARCHES[i % SEARCHES.len()], Narrowing::None, i).await;
        }
    })
    .await;
    let narrowed = measure(rounds, |i| {
        let app = app.clone();
        async move {
            search(app.as_ref(), SEARCHES[i % SEARCHES.len()], NARROWINGS[i % NARROWINGS.len()], i).await;
        }
    })
    .await;
    let similar = measure(rounds, |i| {
        let app = app.clone();
        async move {
            app.similar(&Viewer::guest(), DRAFTS[i % DRAFTS.len()], "").await.unwrap();
        }
    })
    .await;
    if std::env::var_os("JOGETTE_BENCH_DETAIL").is_some() {
        // Which searches make the tail: each one's median of five, plain and narrowed each way.
        println!("  median of 5: plain, category, author, last year, title only, by date");
        for text in SEARCHES {
            let mut row = format!("  {text:<24}");
            for narrowing in std::iter::once(Narrowing::None).chain(NARROWINGS) {
                let p = measure(5, |i| {
                    let app = app.clone();
                    async move {
                        search(app.as_ref(), text, narrowing, i).await;
                    }
                })
                .await;
                row.push_str(&format!(" {:>9.2?}", p.p50));
            }
            println!("{row}");
        }
    }
    let name = store_name(url);
    println!("{name}, {posts} posts, {rounds} requests each (p50 / p95 / p99; ratio = p50 / post lookup p50)");
    for (what, p) in [("post lookup (baseline)", &baseline), ("search", &searched), ("search, narrowed", &narrowed), ("similar threads", &similar)] {
        println!("{}", row(what, p, &baseline));
    }
}

#[tokio::main]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    match std::env::var("JOGETTE_BENCH_DBS") {
        Ok(urls) if measuring => {
            for url in urls.split_whitespace() {
                bench(url, std::env::var("JOGETTE_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(300)).await;
            }
        }
        _ => {
            // `cargo test --all-targets`, or no data named: a small community, quickly.
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            open(&url).await.generate_scale(2_000, 100).await.unwrap();
            bench(&url, if measuring { 300 } else { 20 }).await;
        }
    }
}
