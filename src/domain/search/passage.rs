//! The few words of a post worth showing beside a result, with the words that
//! matched marked. Both stores use this, so a snippet looks the same whichever
//! database found the post, and only the posts on the page pay for it.

use super::{Query, Term, stem};
use std::collections::HashMap;

/// Long posts are looked at this far; a passage further in is not worth the time.
const MAX_WORDS_READ: usize = 3_000;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Passage {
    /// How many of the query's terms the passage contains.
    pub terms: usize,
    /// How many matching words it contains.
    pub hits: usize,
    /// Escaped text with `<mark>` around the matching words.
    pub html: String,
}

/// Each stemmed query word, pointing at the term it belongs to.
fn stems(query: &Query) -> HashMap<String, usize> {
    let mut map = HashMap::new();
    for (i, term) in query.terms.iter().enumerate() {
        let (Term::AnyOf(words) | Term::Phrase(words)) = term;
        for w in words {
            map.entry(stem(w)).or_insert(i);
        }
    }
    map
}

/// Byte ranges of the words in `text` (letters and digits), up to `MAX_WORDS_READ`.
fn words(text: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                out.push((s, i));
                start = None;
                if out.len() == MAX_WORDS_READ {
                    return out;
                }
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        out.push((s, text.len()));
    }
    out
}

/// Writes text as one escaped line: runs of white space become one space, and
/// Markdown punctuation (emphasis, headings, code, quote markers) is dropped.
struct Line {
    html: String,
    space: bool,
    line_start: bool,
}

impl Line {
    fn new() -> Self {
        Line { html: String::new(), space: false, line_start: true }
    }

    fn push(&mut self, text: &str) {
        for c in text.chars() {
            match c {
                '\n' => (self.space, self.line_start) = (true, true),
                c if c.is_whitespace() || c.is_control() => self.space = true,
                '*' | '_' | '#' | '`' | '~' => {}
                '>' if self.line_start => {}
                c => {
                    self.spaced();
                    self.line_start = false;
                    crate::domain::markdown::push_escaped(&mut self.html, c);
                }
            }
        }
    }

    fn raw(&mut self, html: &str) {
        self.spaced();
        self.html.push_str(html);
    }

    /// Writes the one space that white space since the last character stands for.
    fn spaced(&mut self) {
        if self.space && !self.html.is_empty() && !self.html.ends_with(' ') {
            self.html.push(' ');
        }
        self.space = false;
    }
}

/// The window of `width` words that holds the most different query terms
/// (then the most matches), marked up. With no match, the opening words.
pub fn best(query: &Query, text: &str, width: usize) -> Passage {
    let stems = stems(query);
    let spans = words(text);
    let term_of: Vec<Option<usize>> = spans.iter().map(|&(s, e)| stems.get(&stem(&text[s..e])).copied()).collect();
    let width = width.max(1);
    let (mut best_start, mut best_key) = (0, (0, 0));
    let mut counts = vec![0usize; query.terms.len()];
    let (mut distinct, mut hits) = (0, 0);
    for end in 0..spans.len() {
        if let Some(t) = term_of[end] {
            counts[t] += 1;
            hits += 1;
            distinct += usize::from(counts[t] == 1);
        }
        if let Some(t) = end.checked_sub(width).and_then(|i| term_of[i]) {
            counts[t] -= 1;
            hits -= 1;
            distinct -= usize::from(counts[t] == 0);
        }
        if (distinct, hits) > best_key {
            best_key = (distinct, hits);
            best_start = (end + 1).saturating_sub(width);
        }
    }
    // Start a word or two before the first match, for context.
    if best_key.1 > 0 {
        best_start = (best_start..spans.len()).find(|&i| term_of[i].is_some()).unwrap_or(best_start).saturating_sub(2);
    }
    let mut line = Line::new();
    let Some(&(first, _)) = spans.get(best_start) else {
        line.push(text);
        return Passage { terms: 0, hits: 0, html: line.html };
    };
    let last = (best_start + width).min(spans.len()) - 1;
    if best_start > 0 {
        line.raw("…");
    }
    let mut at = first;
    for i in best_start..=last {
        let (s, e) = spans[i];
        line.push(&text[at..s]);
        if term_of[i].is_some() {
            line.raw("<mark>");
            line.push(&text[s..e]);
            line.raw("</mark>");
        } else {
            line.push(&text[s..e]);
        }
        at = e;
    }
    if last + 1 < spans.len() {
        line.space = false;
        line.raw("…");
    } else {
        // The last sentence's closing punctuation.
        line.push(&text[at..]);
    }
    let html = line.html.trim_end().to_owned();
    Passage { terms: best_key.0, hits: best_key.1, html }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::search::parse;

    #[test]
    fn matches_are_marked_whatever_their_ending() {
        let p = best(&parse("aches running", false), "My knee aches after I ran, and it ached when running.", 30);
        assert_eq!(p.html, "My knee <mark>aches</mark> after I ran, and it <mark>ached</mark> when <mark>running</mark>.");
        assert_eq!((p.terms, p.hits), (2, 3));
    }

    #[test]
    fn synonyms_count_as_the_word_they_stand_for() {
        let p = best(&parse("pain", false), "Sore shins on tarmac.", 10);
        assert!(p.html.contains("<mark>Sore</mark>"));
    }

    #[test]
    fn the_window_with_the_most_terms_wins_and_is_cut_with_ellipses() {
        let filler = "word ".repeat(40);
        let text = format!("tennis {filler} a tennis ball against the wall {filler}");
        let p = best(&parse("\"tennis ball\"", false), &text, 8);
        assert!(p.html.starts_with('…') && p.html.ends_with('…'), "{}", p.html);
        assert!(p.html.contains("<mark>tennis</mark> <mark>ball</mark>"));
        assert_eq!(p.terms, 1);
    }

    #[test]
    fn text_is_escaped_and_markdown_noise_dropped() {
        let p = best(&parse("script", false), "**Bold** <script>alert(1)</script>\n\n> quoted & \"more\"", 30);
        assert_eq!(p.html, "Bold &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; quoted &amp; &quot;more&quot;");
    }

    #[test]
    fn no_match_shows_the_opening_words() {
        let p = best(&parse("zebra", false), "one two three four five", 3);
        assert_eq!((p.terms, p.html.as_str()), (0, "one two three…"));
        assert_eq!(best(&parse("zebra", false), "", 3).html, "");
    }
}
