//! Cooking any text stays within a time bound per byte: no input, however
//! nested or strange, costs the square of its length.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::time::Duration;

#[path = "../cpu_time.rs"]
mod cpu_time;
use cpu_time::thread_cpu_time;

fuzz_target!(|text: &str| {
    let members: HashMap<String, String> = [("ann".to_owned(), "Ann".to_owned())].into();
    let started = thread_cpu_time();
    let _ = jogette::domain::markdown::mention_candidates(text);
    let cooked = jogette::domain::markdown::render(text, &members);
    // Generous for an instrumented build: 20 ms, plus 200 µs a byte.
    let bound = Duration::from_millis(20) + Duration::from_micros(200) * text.len() as u32;
    let spent = thread_cpu_time() - started;
    assert!(spent <= bound, "cooking {} bytes took {spent:?} of CPU", text.len());
    assert!(cooked.excerpt.chars().count() <= jogette::domain::markdown::EXCERPT_CHARS + 1);
});
