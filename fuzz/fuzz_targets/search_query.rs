//! Any search input parses into plain words and phrases: nothing reaches the
//! full-text engines that could be read as one of their operators.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: &str| {
    let (rest, _author) = jogette::domain::search::split_author(input);
    for drop_stopwords in [false, true] {
        let query = jogette::domain::search::parse(&rest, drop_stopwords);
        let text = format!("{query:?}");
        assert!(text.len() < 64 * 1024 + 16 * input.len());
    }
});
