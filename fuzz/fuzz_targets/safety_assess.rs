//! The safety reader takes any text without panicking, quickly, and a card
//! always comes with a tier above none.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::time::{Duration, Instant};

fuzz_target!(|text: &str| {
    let rules = jogette::domain::safety::Rules::builtin();
    let started = Instant::now();
    let assessment = rules.assess(text, "uk");
    assert!(started.elapsed() <= Duration::from_millis(50) + Duration::from_micros(100) * text.len() as u32);
    assert_eq!(assessment.advice.is_some(), assessment.tier != jogette::domain::safety::Tier::None);
});
