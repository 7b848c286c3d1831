//! Thread lists for a member who has read 10,000 threads, beside a guest's,
//! in the same run: their places and levels are joined into the list's one
//! statement, so a member's list should cost about what a guest's does.
//! Also the member's own "unread" and "new" lists.
//!
//! Make the data once, then measure:
//!   jogette demo --db sqlite:///tmp/scale1m.db --scale 1000000
//!   JOGETTE_BENCH_DBS="sqlite:///tmp/scale1m.db postgres://postgres@127.0.0.1/test?options=-c%20search_path%3Dscale1m" \
//!     cargo bench --bench lists
//! JOGETTE_BENCH_ROUNDS sets the requests per list (300). The bench adds a
//! member, `bench_reader`, with a place in the 10,000 most active threads.

mod common;

use common::{measure, row, store_name};
use jogette::app::{App, SessionKind, Viewer};
use jogette::config::Config;
use jogette::domain::Role;
use std::sync::Arc;

const READER: &str = "bench_reader";
const PASSWORD: &str = "a long enough password";
const READ_THREADS: i64 = 10_000;
const PER_PAGE: i64 = 50;
/// Pages the requests spread over: the first 2,000 threads, all read by the member.
const PAGES: usize = 40;

/// A place (two posts short of the end) in each of the most active threads,
/// written straight to the database: setting up, not what is measured.
async fn read_positions(url: &str, member: i64) {
    let sql = format!(
        "INSERT INTO member_threads (user_id, thread_id, last_read, level, updated_at) \
         SELECT {member}, id, CASE WHEN last_number > 2 THEN last_number - 2 ELSE 1 END, NULL, 0 \
         FROM threads WHERE held_at IS NULL ORDER BY last_post_at DESC LIMIT {READ_THREADS} ON CONFLICT DO NOTHING"
    );
    if let Some(path) = url.strip_prefix("sqlite://") {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.execute_batch(&format!("{sql}; ANALYZE;")).unwrap();
        return;
    }
    let (client, connection) = tokio_postgres::connect(url, tokio_postgres::NoTls).await.unwrap();
    tokio::spawn(connection);
    client.batch_execute(&format!("{sql}; ANALYZE member_threads;")).await.unwrap();
}

async fn open(url: &str) -> Arc<App> {
    Arc::new(App::open(Config { db: url.to_owned(), rate_limits: jogette::config::RateLimits::off(), ..Config::default() }).await.unwrap())
}

async fn reader(app: &App, url: &str) -> Viewer {
    if app.create_member(READER, PASSWORD, Role::Member).await.is_ok() {
        let (user, _) = app.log_in("bench", READER, PASSWORD, SessionKind::Api).await.unwrap();
        read_positions(url, user.id).await;
    }
    let (_, token) = app.log_in("bench", READER, PASSWORD, SessionKind::Api).await.unwrap();
    Viewer { user: app.session(&token).await.unwrap() }
}

async fn bench(url: &str, rounds: usize) {
    let app = open(url).await;
    let member = reader(&app, url).await;
    let guest = Viewer::guest();
    let posts: i64 = app.all_categories().await.unwrap().iter().map(|c| c.post_count).sum();
    // Warm caches as a running server would have them.
    for page in 1..=PAGES as i64 {
        app.thread_list_of(&guest, None, page, PER_PAGE).await.unwrap();
        app.thread_list_of(&member, None, page, PER_PAGE).await.unwrap();
    }
    let page_of = |i: usize| 1 + ((i * 7) % PAGES) as i64;
    // Guest and member requests alternate, so both see the same machine.
    let mut guest_times = Vec::with_capacity(rounds);
    let mut member_times = Vec::with_capacity(rounds);
    let mut counted = 0;
    for i in 0..rounds {
        let start = std::time::Instant::now();
        app.thread_list_of(&guest, None, page_of(i), PER_PAGE).await.unwrap();
        guest_times.push(start.elapsed());
        let start = std::time::Instant::now();
        let list = app.thread_list_of(&member, None, page_of(i), PER_PAGE).await.unwrap();
        member_times.push(start.elapsed());
        counted += list.threads.items.iter().filter(|t| t.reading.last_read.is_some()).count();
    }
    assert!(counted > 0, "the member's places are read with the list");
    let guest_list = common::percentiles(guest_times);
    let member_list = common::percentiles(member_times);
    let unread = measure(rounds, |i| {
        let (app, member) = (app.clone(), member.clone());
        async move {
            app.unread_threads(&member, 1 + (i % 3) as i64).await.unwrap();
        }
    })
    .await;
    let new = measure(rounds, |_| {
        let (app, member) = (app.clone(), member.clone());
        async move {
            app.new_threads(&member, 1).await.unwrap();
        }
    })
    .await;
    println!(
        "{}, {posts} posts, a member with {READ_THREADS} read positions, {PER_PAGE}-thread pages 1-{PAGES}, {rounds} requests each \
         (p50 / p95 / p99; ratio = p50 / guest list p50)",
        store_name(url)
    );
    for (what, p) in [
        ("latest threads, guest (baseline)", &guest_list),
        ("latest threads, member", &member_list),
        ("unread (member, 30 per page)", &unread),
        ("new (member, 30 per page)", &new),
    ] {
        println!("{}", row(what, p, &guest_list));
    }
}

#[tokio::main]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let rounds = std::env::var("JOGETTE_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(300);
    match std::env::var("JOGETTE_BENCH_DBS") {
        Ok(urls) if measuring => {
            for url in urls.split_whitespace() {
                bench(url, rounds).await;
            }
        }
        _ => {
            // `cargo test --all-targets`, or no data named: a small community, quickly.
            let dir = tempfile::tempdir().unwrap();
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            open(&url).await.generate_scale(4_000, 200).await.unwrap();
            bench(&url, if measuring { rounds } else { 20 }).await;
        }
    }
}
