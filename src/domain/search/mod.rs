//! What a member typed into a search box, understood once for both stores.
//!
//! Input is untrusted text, never query syntax: only words and quoted phrases
//! survive, so FTS operators, unbalanced quotes and very long strings are just
//! text. Each word is widened with the community's synonyms (a data file,
//! `synonyms.txt`); each store turns the result into its own query language.

pub mod passage;

use rust_stemmers::{Algorithm, Stemmer};
use std::collections::HashMap;
use std::sync::OnceLock;

/// How many terms a query keeps; more adds cost, not meaning.
pub const MAX_TERMS: usize = 12;
const MAX_INPUT: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Term {
    /// Any of these words (the typed word first, then its synonyms).
    AnyOf(Vec<String>),
    /// These words, next to each other, in order.
    Phrase(Vec<String>),
}

/// A parsed query: every term must match (search), or any may (similar threads).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Query {
    pub terms: Vec<Term>,
}

impl Query {
    pub fn is_empty(&self) -> bool {
        self.terms.is_empty()
    }
}

const STOPWORDS: &[&str] = &[
    "a", "about", "after", "again", "all", "am", "an", "and", "any", "are", "as", "at", "be", "been", "before", "being",
    "but", "by", "can", "could", "did", "do", "does", "doing", "for", "from", "had", "has", "have", "having", "he",
    "her", "here", "him", "his", "how", "i", "i'm", "if", "in", "into", "is", "it", "it's", "its", "just", "me", "my",
    "myself", "no", "of", "on", "or", "our", "out", "over", "she", "so", "some", "than", "that", "the", "their",
    "them", "then", "there", "these", "they", "this", "to", "too", "up", "very", "was", "we", "were", "what", "when",
    "which", "while", "who", "why", "will", "with", "would", "you", "your", "anyone", "anybody", "else", "get", "got",
    "still", "should", "following", "since", "ive", "im", "dont",
];

fn synonyms() -> &'static HashMap<String, Vec<String>> {
    static MAP: OnceLock<HashMap<String, Vec<String>>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map: HashMap<String, Vec<String>> = HashMap::new();
        for line in include_str!("synonyms.txt").lines().filter(|l| !l.starts_with('#')) {
            let group: Vec<String> = line.split_whitespace().map(str::to_owned).collect();
            for word in &group {
                let entry = map.entry(word.clone()).or_default();
                for other in &group {
                    if other != word && !entry.contains(other) {
                        entry.push(other.clone());
                    }
                }
            }
        }
        map
    })
}

/// Lower-case letters and digits only: the only characters that reach a store.
fn clean_word(word: &str) -> Option<String> {
    let w: String = word.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).take(40).collect();
    (!w.is_empty()).then_some(w)
}

/// The English (Snowball) stem of a word, as both stores' indexes stem it.
pub(crate) fn stem(word: &str) -> String {
    static ENGLISH: OnceLock<Stemmer> = OnceLock::new();
    ENGLISH.get_or_init(|| Stemmer::create(Algorithm::English)).stem(&word.to_lowercase()).into_owned()
}

fn widen(word: String) -> Term {
    let mut words = vec![word.clone()];
    // "aches" and "niggles" share "ache" and "niggle"'s synonyms.
    let base = [word.as_str(), word.trim_end_matches('s'), word.trim_end_matches("es"), word.trim_end_matches("ing"), word.trim_end_matches("ed")]
        .into_iter()
        .find(|w| w.len() >= 3 && synonyms().contains_key(*w));
    if let Some(more) = base.and_then(|b| synonyms().get(b)) {
        words.extend(more.iter().filter(|w| **w != word).cloned());
        if let Some(b) = base.filter(|b| *b != word) {
            words.push(b.to_owned());
        }
    }
    // "hurt", "hurts" and "hurting" are one word to an index; asking for each
    // again would only read the same postings again.
    let mut seen = std::collections::HashSet::new();
    words.retain(|w| seen.insert(stem(w)));
    Term::AnyOf(words)
}

/// Parses what someone typed. `drop_stopwords` suits long, conversational
/// input (a draft title and body); short searches keep every word.
pub fn parse(input: &str, drop_stopwords: bool) -> Query {
    let input: String = input.chars().take(MAX_INPUT).collect();
    let mut terms = Vec::new();
    // Quotes alternate outside/inside; an unbalanced last quote is just text.
    let balanced = input.matches('"').count().is_multiple_of(2);
    for (i, part) in input.split('"').enumerate() {
        let quoted = i % 2 == 1 && (balanced || i < input.split('"').count() - 1);
        let words: Vec<String> = part.split(|c: char| c.is_whitespace() || c == '-' || c == '/').filter_map(clean_word).collect();
        if quoted && words.len() > 1 {
            terms.push(Term::Phrase(words));
            continue;
        }
        for word in words {
            if drop_stopwords && (STOPWORDS.contains(&word.as_str()) || word.len() < 2) {
                continue;
            }
            let term = widen(word);
            if !terms.contains(&term) {
                terms.push(term);
            }
        }
    }
    if terms.is_empty() && drop_stopwords {
        // Only stop words ("what is it"): better to search for them than for nothing.
        return parse(&input, false);
    }
    terms.truncate(MAX_TERMS);
    Query { terms }
}

/// The terms a thread must contain to be considered as similar, so that on a
/// large community ranking looks at a bounded number of threads: the rarest
/// terms, while their matches (`matches[i]`, counted up to a cap) add up to no
/// more than `budget`, and always the rarest one. Common words ("run", "pain")
/// still add to the score of threads that are considered; alone they admit too
/// many threads to tell apart.
pub fn selective_terms(matches: &[i64], budget: i64) -> Vec<usize> {
    let mut order: Vec<usize> = (0..matches.len()).collect();
    order.sort_by_key(|&i| (matches[i], i));
    let mut total = 0;
    let mut chosen = Vec::new();
    for i in order {
        if matches[i] == 0 {
            continue;
        }
        if !chosen.is_empty() && total + matches[i] > budget {
            break;
        }
        total += matches[i];
        chosen.push(i);
    }
    chosen.sort_unstable();
    chosen
}

/// What the results page offers: `@name` in the box filters by author.
pub fn split_author(input: &str) -> (String, Option<String>) {
    let mut author = None;
    let rest: Vec<&str> = input
        .split_whitespace()
        .filter(|w| match w.strip_prefix('@') {
            Some(name) if !name.is_empty() && author.is_none() => {
                author = Some(name.to_owned());
                false
            }
            _ => true,
        })
        .collect();
    (rest.join(" "), author)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(q: &Query) -> Vec<Vec<String>> {
        q.terms
            .iter()
            .map(|t| match t {
                Term::AnyOf(w) | Term::Phrase(w) => w.clone(),
            })
            .collect()
    }

    #[test]
    fn words_are_widened_with_the_communitys_synonyms() {
        let q = parse("Upper back ACHE", false);
        assert_eq!(words(&q)[0], ["upper"]);
        assert!(words(&q)[2].starts_with(&["ache".to_string(), "pain".to_string()]));
    }

    #[test]
    fn a_word_and_its_synonyms_are_each_asked_for_once() {
        let q = parse("knee hurting", false);
        for term in words(&q) {
            let stems: Vec<String> = term.iter().map(|w| stem(w)).collect();
            let unique: std::collections::HashSet<&String> = stems.iter().collect();
            assert_eq!(unique.len(), stems.len(), "{term:?}");
        }
        assert_eq!(words(&q)[1][0], "hurting", "the typed word comes first");
    }

    #[test]
    fn quoted_phrases_stay_phrases() {
        let q = parse("\"shin splints\" rest", false);
        assert_eq!(q.terms[0], Term::Phrase(vec!["shin".into(), "splints".into()]));
    }

    #[test]
    fn hostile_input_is_only_text() {
        for input in ["\"unbalanced", "NEAR(a b) OR title:x * ^ -", "a\"b\"\"c", "'; DROP TABLE posts; --", &"long ".repeat(500), "\u{0}\u{1}"] {
            let q = parse(input, false);
            assert!(q.terms.len() <= MAX_TERMS);
            for t in &q.terms {
                let (Term::AnyOf(w) | Term::Phrase(w)) = t;
                assert!(w.iter().all(|w| w.chars().all(char::is_alphanumeric)), "{input:?} -> {w:?}");
            }
        }
        assert!(parse("\"\"\" ***", false).is_empty());
    }

    #[test]
    fn drafts_drop_stopwords() {
        let q = parse("Has anyone had a sore knee after running?", true);
        assert_eq!(words(&q).iter().map(|w| w[0].as_str()).collect::<Vec<_>>(), ["sore", "knee", "running"]);
    }

    #[test]
    fn rare_terms_admit_threads_and_common_ones_only_add_to_the_score() {
        // "upper" 40, "back" 900, "ache…" 5,000 (capped), "run…" 5,000 (capped).
        assert_eq!(selective_terms(&[40, 900, 5_001, 5_001], 2_000), [0, 1]);
        // Only common words: the rarest alone.
        assert_eq!(selective_terms(&[5_001, 3_000], 2_000), [1]);
        // A word nothing contains admits nothing.
        assert_eq!(selective_terms(&[0, 10], 2_000), [1]);
        assert!(selective_terms(&[0, 0], 2_000).is_empty());
    }

    #[test]
    fn an_at_name_filters_by_author() {
        assert_eq!(split_author("shin @Ann pain"), ("shin pain".to_string(), Some("Ann".to_string())));
        assert_eq!(split_author("no author"), ("no author".to_string(), None));
    }
}
