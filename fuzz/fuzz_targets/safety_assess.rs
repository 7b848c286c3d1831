//! The safety reader takes any text without panicking, quickly, and a card
//! always comes with a tier above none.
#![no_main]
use libfuzzer_sys::fuzz_target;
use std::time::Duration;

#[path = "../cpu_time.rs"]
mod cpu_time;
use cpu_time::thread_cpu_time;

fuzz_target!(|text: &str| {
    let rules = jogette::domain::safety::Rules::builtin();
    // Built once, at the first read: its cost is not this input's.
    jogette::domain::safety::resemblance::Bank::builtin();
    let started = thread_cpu_time();
    let assessment = rules.assess(text, "uk");
    assert!(thread_cpu_time() - started <= Duration::from_millis(50) + Duration::from_micros(100) * text.len() as u32);
    assert_eq!(assessment.advice.is_some(), assessment.tier != jogette::domain::safety::Tier::None);
});
