//! Rendering a thread page from memory: the work a member's view does after
//! its reads (each post's view, its safety card, the template), beside two
//! baselines timed in the same run on the same 20 posts:
//! - joining the posts' stored HTML into one string, the least any page of
//!   those posts could cost (copying its bytes);
//! - cooking the posts' Markdown, what each of them paid once when written.
//!
//! Run: `cargo bench --bench render` (JOGETTE_BENCH_ROUNDS sets the rounds, 2,000).

// Shared with the other benchmarks, which use the rest of it.
#[allow(dead_code)]
mod common;

use common::{percentiles, row};
use jogette::app::forum::ThreadPage;
use jogette::app::{App, SessionKind, Viewer};
use jogette::config::Config;
use jogette::domain::{Role, markdown};
use jogette::web::auth::Visitor;
use jogette::web::pages::render_thread;
use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Times `op` once per round, the three kinds of work alternating so that
/// all see the same machine.
fn alternate(rounds: usize, ops: &mut [&mut dyn FnMut()]) -> Vec<Vec<Duration>> {
    let mut times = vec![Vec::with_capacity(rounds); ops.len()];
    for _ in 0..rounds {
        for (op, times) in ops.iter_mut().zip(&mut times) {
            let start = Instant::now();
            op();
            times.push(start.elapsed());
        }
    }
    times
}

/// A generated community's first thread with a full first page, read by a member.
async fn a_full_page() -> (App, Visitor, ThreadPage) {
    let dir = std::env::temp_dir().join(format!("jogette-render-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let config = Config { db: format!("sqlite://{}", dir.join("bench.db").display()), rate_limits: jogette::config::RateLimits::off(), ..Config::default() };
    let app = App::open(config).await.unwrap();
    app.generate_scale(3_000, 60).await.unwrap();
    app.create_member("bench_reader", "a long enough password", Role::Member).await.unwrap();
    let (_, token) = app.log_in("bench", "bench_reader", "a long enough password", SessionKind::Api).await.unwrap();
    let viewer = Viewer { user: app.session(&token).await.unwrap() };
    let list = app.thread_list_of(&viewer, None, 1, 60).await.unwrap();
    let thread = list.threads.items.iter().find(|t| t.replies >= 19).expect("a thread of 20 posts or more").id;
    let page = app.thread_page(&viewer, thread, 1).await.unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
    let visitor = Visitor { viewer, token: Some(token), csrf: "a form token".into(), site: Default::default() };
    (app, visitor, page)
}

#[tokio::main]
async fn main() {
    let measuring = std::env::args().any(|a| a == "--bench");
    let rounds = if measuring { std::env::var("JOGETTE_BENCH_ROUNDS").ok().and_then(|r| r.parse().ok()).unwrap_or(2_000) } else { 20 };
    let (app, visitor, page) = a_full_page().await;
    let members = HashMap::new();
    let html = render_thread(&app, &visitor, page.clone()).unwrap();
    // The page really is the thread's: every post's words are on it.
    assert!(page.posts.len() >= 20 && page.posts.iter().all(|p| html.contains(&p.html)));

    let mut render = || {
        black_box(render_thread(&app, &visitor, black_box(page.clone())).unwrap());
    };
    // Rendering takes the page by value, so the baseline pays the same clone.
    let mut join = || {
        let mut out = String::new();
        for post in &black_box(page.clone()).posts {
            out.push_str(&post.html);
        }
        black_box(out);
    };
    let mut cook = || {
        for post in &page.posts {
            black_box(markdown::render(black_box(&post.body), &members));
        }
    };
    // Warm up (the safety assessments are remembered after their first time,
    // as in a running server), then measure.
    alternate(rounds / 10 + 1, &mut [&mut render, &mut join, &mut cook]);
    let mut times = alternate(rounds, &mut [&mut render, &mut join, &mut cook]).into_iter().map(percentiles);
    let (render, join, cook) = (times.next().unwrap(), times.next().unwrap(), times.next().unwrap());
    println!(
        "a thread page of {} posts ({} bytes) for a member, {rounds} rounds (p50 / p95 / p99; ratio = p50 / joining the posts' HTML)",
        page.posts.len(),
        html.len()
    );
    println!("{}", row("join the posts' HTML (baseline)", &join, &join));
    println!("{}", row("render the page", &render, &join));
    println!("{}", row("cook the posts' Markdown", &cook, &join));
    println!("  rendering ÷ cooking: {:.2}", render.p50.as_secs_f64() / cook.p50.as_secs_f64());
}
