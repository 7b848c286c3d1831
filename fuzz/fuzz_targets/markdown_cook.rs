//! Cooking any text stays within a time bound per byte: no input, however
//! nested or strange, costs the square of its length.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;
use std::time::{Duration, Instant};

fuzz_target!(|text: &str| {
    let members: HashMap<String, String> = [("ann".to_owned(), "Ann".to_owned())].into();
    let started = Instant::now();
    let _ = jogette::domain::markdown::mention_candidates(text);
    let cooked = jogette::domain::markdown::render(text, &members);
    // Generous for an instrumented build: 20 ms, plus 200 µs a byte.
    let bound = Duration::from_millis(20) + Duration::from_micros(200) * text.len() as u32;
    assert!(started.elapsed() <= bound, "cooking {} bytes took {:?}", text.len(), started.elapsed());
    assert!(cooked.excerpt.chars().count() <= jogette::domain::markdown::EXCERPT_CHARS + 1);
});
