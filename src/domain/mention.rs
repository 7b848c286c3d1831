//! Finding `@name` mentions in plain text.
//!
//! Markdown decides *where* to look (never inside code or links, see
//! [`super::markdown`]); this module decides *what* counts as a mention.

use super::validate::{USERNAME_MAX, USERNAME_MIN, is_username_char};
use std::ops::Range;

/// A mention found in a piece of text: the byte range of `@name` and the name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention<'t> {
    pub range: Range<usize>,
    pub name: &'t str,
}

/// Every well-formed `@name` in `text`, in order.
///
/// An `@` inside a word (`jo@example.com`) is not a mention, and a trailing
/// full stop or hyphen belongs to the sentence ("thanks @bob.").
pub fn find(text: &str) -> Vec<Mention<'_>> {
    let mut found = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while let Some(offset) = text[i..].find('@') {
        let at = i + offset;
        i = at + 1;
        let preceded_by_word = text[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || matches!(c, '_' | '.' | '-' | '@' | '/'));
        if preceded_by_word {
            continue;
        }
        let start = at + 1;
        let mut end = start;
        while end < bytes.len() && is_username_char(bytes[end] as char) {
            end += 1;
        }
        while end > start && matches!(bytes[end - 1], b'.' | b'-') {
            end -= 1;
        }
        let name = &text[start..end];
        if (USERNAME_MIN..=USERNAME_MAX).contains(&name.len()) {
            found.push(Mention { range: at..end, name });
            i = end;
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::find;

    fn names(text: &str) -> Vec<&str> {
        find(text).into_iter().map(|m| m.name).collect()
    }

    #[test]
    fn finds_mentions_at_word_starts() {
        assert_eq!(names("I agree with @runningnearbeirut"), ["runningnearbeirut"]);
        assert_eq!(names("@Ann and @bob_2, thanks!"), ["Ann", "bob_2"]);
        assert_eq!(names("(@jo.jogs) said"), ["jo.jogs"]);
    }

    #[test]
    fn sentence_punctuation_is_not_part_of_the_name() {
        assert_eq!(names("Thanks @bob."), ["bob"]);
        assert_eq!(names("ask @sam-"), ["sam"]);
    }

    #[test]
    fn email_addresses_and_short_names_are_not_mentions() {
        assert!(names("mail jo@example.com").is_empty());
        assert!(names("@ab is too short, @ alone too").is_empty());
        assert!(names("@@double").is_empty());
    }

    #[test]
    fn ranges_cover_the_at_sign_and_name() {
        let text = "hi @bob!";
        let m = &find(text)[0];
        assert_eq!(&text[m.range.clone()], "@bob");
    }
}
