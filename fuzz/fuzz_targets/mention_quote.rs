//! Mentions are found at character boundaries inside the text, and a quote of
//! any post (or any part of it) is Markdown that cooks.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|input: (&str, &str, Option<&str>)| {
    let (author, body, selection) = input;
    for m in jogette::domain::mention::find(body) {
        assert!(body.is_char_boundary(m.range.start) && body.is_char_boundary(m.range.end) && m.range.end <= body.len());
        assert!(body[m.range.clone()].starts_with('@'));
    }
    let quoted = jogette::domain::quote::compose(author, "/p/1", body, selection);
    let _ = jogette::domain::markdown::render(&quoted, &Default::default());
    let _ = jogette::domain::quote::quoted_authors(&quoted);
    let _ = jogette::domain::quote::relink(&quoted, 1, &|n| Some(n + 1));
});
