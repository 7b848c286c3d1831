//! How long red-flag assessment takes on a 2,000-word post, by the rules
//! alone and with the second opinion, side by side with rendering the same
//! post's Markdown (work every post already pays once).
//!
//! Run: `cargo bench --bench safety`

use jogette::domain::markdown;
use jogette::domain::safety::{Rules, resemblance::Bank};
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

/// About 2,000 words of a labelled set's posts, one after another.
fn long_post(set: &str) -> (String, usize) {
    let sentences = set.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).filter_map(|l| l.rsplit('\t').next());
    let mut post = String::new();
    let mut words = 0;
    for sentence in sentences.cycle() {
        if words >= 2_000 {
            break;
        }
        post.push_str(sentence);
        post.push(' ');
        words += sentence.split_whitespace().count();
    }
    (post, words)
}

fn main() {
    // Warning signs: the rules find an emergency, and the second opinion has nothing to raise.
    let (signs, signs_words) = long_post(include_str!("../tests/data/safety_labelled.tsv"));
    // Ordinary words: the second opinion weighs every plain sentence against the whole bank.
    let (ordinary, ordinary_words) = long_post(include_str!("../tests/data/safety_ordinary.tsv"));
    let short = "A week after my W4 run my upper back still aches, worse on waking. Should I see a physio?";
    let rules = Rules::builtin();
    let bank = Some(Bank::builtin());
    let members = HashMap::new();
    // `cargo test --all-targets` runs benches without `--bench`: check they work, quickly.
    if !std::env::args().any(|a| a == "--bench") {
        assert!(rules.assess(&signs, "uk").signs.len() > 10);
        println!("safety bench: smoke run only (use `cargo bench --bench safety` to measure)");
        return;
    }

    println!("post                          words  rules alone  + second opinion  markdown render  rules / render");
    for (name, post, words, per_round) in [
        ("2,000 words, warning signs", &signs, signs_words, 20),
        ("2,000 words, ordinary", &ordinary, ordinary_words, 20),
        ("short post", &short.to_owned(), short.split_whitespace().count(), 2_000),
    ] {
        // Warm up, then alternate so all three see the same machine conditions.
        for _ in 0..10 {
            black_box(rules.assess_with(post, "uk", bank));
            black_box(markdown::render(post, &members));
        }
        let alone = median(15, per_round, || { black_box(rules.assess_with(black_box(post), "uk", None)); });
        let both = median(15, per_round, || { black_box(rules.assess_with(black_box(post), "uk", bank)); });
        let render = median(15, per_round, || { black_box(markdown::render(black_box(post), &members)); });
        println!("{name:<28}  {words:>5}  {alone:>11.1?}  {both:>16.1?}  {render:>15.1?}  {:>14.2}", alone.as_secs_f64() / render.as_secs_f64());
    }
}
