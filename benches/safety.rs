//! How long red-flag assessment takes on a 2,000-word post, side by side with
//! rendering the same post's Markdown (work every post already pays once).
//!
//! Run: `cargo bench --bench safety`

use jogette::domain::{markdown, safety::Rules};
use std::collections::HashMap;
use std::hint::black_box;
use std::time::{Duration, Instant};

/// Median time per call over `rounds` rounds of `per_round` calls.
fn median(rounds: usize, per_round: usize, mut f: impl FnMut()) -> Duration {
    let mut times: Vec<Duration> = (0..rounds)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..per_round {
                f();
            }
            start.elapsed() / per_round as u32
        })
        .collect();
    times.sort();
    times[rounds / 2]
}

fn main() {
    let labelled = include_str!("../tests/data/safety_labelled.tsv");
    let sentences: Vec<&str> = labelled.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split_once('\t').map(|(_, t)| t)).collect();
    let mut post = String::new();
    let mut words = 0;
    for sentence in sentences.iter().cycle() {
        if words >= 2_000 {
            break;
        }
        post.push_str(sentence);
        post.push(' ');
        words += sentence.split_whitespace().count();
    }
    let short = "A week after my W4 run my upper back still aches, worse on waking. Should I see a physio?";
    let rules = Rules::builtin();
    let members = HashMap::new();
    // `cargo test --all-targets` runs benches without `--bench`: check they work, quickly.
    if !std::env::args().any(|a| a == "--bench") {
        assert!(rules.assess(&post, "uk").signs.len() > 10);
        println!("safety bench: smoke run only (use `cargo bench --bench safety` to measure)");
        return;
    }

    // Warm up, then alternate so both see the same machine conditions.
    for _ in 0..20 {
        black_box(rules.assess(&post, "uk"));
        black_box(markdown::render(&post, &members));
    }
    let assess_long = median(15, 20, || { black_box(rules.assess(black_box(&post), "uk")); });
    let render_long = median(15, 20, || { black_box(markdown::render(black_box(&post), &members)); });
    let assess_short = median(15, 2_000, || { black_box(rules.assess(black_box(short), "uk")); });
    let render_short = median(15, 2_000, || { black_box(markdown::render(black_box(short), &members)); });

    println!("post               words  assess       markdown render   assess / render");
    println!("2,000-word post    {words:>5}  {:>9.1?}  {:>9.1?}          {:.2}", assess_long, render_long, assess_long.as_secs_f64() / render_long.as_secs_f64());
    println!("short post         {:>5}  {:>9.1?}  {:>9.1?}          {:.2}", short.split_whitespace().count(), assess_short, render_short, assess_short.as_secs_f64() / render_short.as_secs_f64());
}
