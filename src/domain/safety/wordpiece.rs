//! BERT's WordPiece tokenizer (uncased), as all-MiniLM-L6-v2 was trained
//! with it: the second opinion's vectors are per WordPiece token, so a post
//! must be cut into the same pieces. Lower-cases, strips common accents,
//! splits words from punctuation, then takes the longest piece in the
//! vocabulary at each point ("##" marks a piece inside a word); a word that
//! can't be cut wholly into known pieces is one unknown token.

use std::sync::OnceLock;

const VOCABULARY: &str = include_str!("wordpiece.txt");
pub const UNKNOWN: u32 = 100;
/// Longer words are unknown, as in BERT.
const LONGEST_WORD: usize = 100;

/// The vocabulary's pieces in byte order, each as its id, beside where each
/// id's line starts: a quarter of the memory of a hash map of 30,522 pieces.
struct Vocabulary {
    starts: Vec<u32>,
    sorted: Vec<u32>,
    /// The longest piece, in characters: no longer piece is ever looked up.
    longest: usize,
}

impl Vocabulary {
    fn piece(&self, id: u32) -> &'static str {
        let (start, end) = (self.starts[id as usize] as usize, self.starts[id as usize + 1] as usize);
        &VOCABULARY[start..end - 1]
    }

    fn get(&self, piece: &str) -> Option<&u32> {
        self.sorted.binary_search_by(|&id| self.piece(id).cmp(piece)).ok().map(|at| &self.sorted[at])
    }
}

fn vocabulary() -> &'static Vocabulary {
    static IDS: OnceLock<Vocabulary> = OnceLock::new();
    IDS.get_or_init(|| {
        let mut starts: Vec<u32> = std::iter::once(0).chain(VOCABULARY.match_indices('\n').map(|(at, _)| at as u32 + 1)).collect();
        if !VOCABULARY.ends_with('\n') {
            starts.push(VOCABULARY.len() as u32 + 1);
        }
        let longest = VOCABULARY.lines().map(|piece| piece.trim_start_matches("##").chars().count()).max().unwrap_or(1);
        let mut vocabulary = Vocabulary { sorted: (0..starts.len() as u32 - 1).collect(), starts, longest };
        let mut sorted = std::mem::take(&mut vocabulary.sorted);
        sorted.sort_by_key(|&id| vocabulary.piece(id));
        vocabulary.sorted = sorted;
        vocabulary
    })
}

/// The vocabulary's size: the number of rows a table of vectors needs.
#[cfg(test)]
pub fn vocabulary_size() -> usize {
    VOCABULARY.lines().count()
}

/// BERT counts ASCII symbols as punctuation, and Unicode's punctuation classes.
fn is_punctuation(c: char) -> bool {
    c.is_ascii_punctuation() || matches!(c, '\u{a1}' | '\u{a7}' | '\u{ab}' | '\u{b6}' | '\u{b7}' | '\u{bb}' | '\u{bf}' | '\u{2010}'..='\u{2027}' | '\u{2030}'..='\u{205e}' | '\u{3001}'..='\u{3003}')
}

fn without_accent(c: char) -> char {
    match c {
        'à'..='å' => 'a',
        'ç' => 'c',
        'è'..='ë' => 'e',
        'ì'..='ï' => 'i',
        'ñ' => 'n',
        'ò'..='ö' | 'ø' => 'o',
        'ù'..='ü' => 'u',
        'ý' | 'ÿ' => 'y',
        _ => c,
    }
}

/// The token ids of `text`, without BERT's [CLS] and [SEP] marks.
pub fn ids(text: &str) -> Vec<u32> {
    let vocabulary = vocabulary();
    let mut out = Vec::new();
    let mut word = String::new();
    let mut piece = String::new();
    let mut cut = |word: &mut String, out: &mut Vec<u32>| {
        if word.is_empty() {
            return;
        }
        let start_len = out.len();
        let chars: Vec<(usize, char)> = word.char_indices().collect();
        if chars.len() > LONGEST_WORD {
            out.push(UNKNOWN);
            word.clear();
            return;
        }
        let mut start = 0;
        while start < chars.len() {
            let found = (start + 1..=chars.len().min(start + vocabulary.longest)).rev().find_map(|end| {
                let to = chars.get(end).map_or(word.len(), |(at, _)| *at);
                piece.clear();
                if start > 0 {
                    piece.push_str("##");
                }
                piece.push_str(&word[chars[start].0..to]);
                vocabulary.get(piece.as_str()).map(|&id| (id, end))
            });
            match found {
                Some((id, end)) => {
                    out.push(id);
                    start = end;
                }
                None => {
                    out.truncate(start_len);
                    out.push(UNKNOWN);
                    break;
                }
            }
        }
        word.clear();
    };
    for c in text.chars() {
        if c == '\0' || c == '\u{fffd}' || (c.is_control() && !c.is_whitespace()) {
            continue;
        }
        if c.is_whitespace() {
            cut(&mut word, &mut out);
        } else if is_punctuation(c) {
            cut(&mut word, &mut out);
            let mut one = [0u8; 4];
            out.push(vocabulary.get(c.encode_utf8(&mut one) as &str).copied().unwrap_or(UNKNOWN));
        } else {
            word.extend(c.to_lowercase().map(without_accent));
        }
    }
    cut(&mut word, &mut out);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The ids the `tokenizers` package (0.22) gives all-MiniLM-L6-v2's
    /// tokenizer for the same text, [CLS] and [SEP] left off.
    #[test]
    fn posts_are_cut_into_the_pieces_the_model_was_trained_on() {
        for (text, expected) in crate::domain::safety::resemblance::tests::TOKENIZED {
            assert_eq!(ids(text), *expected, "{text}");
        }
    }

    #[test]
    fn a_word_is_cut_into_pieces_no_longer_than_the_vocabulary_has_and_an_overlong_one_is_unknown() {
        assert_eq!(vocabulary().longest, 18);
        assert_eq!(ids("telecommunications"), vec![*vocabulary().get("telecommunications").unwrap()]);
        let word = "a".repeat(100);
        assert!(ids(&word).len() > 1);
        assert_eq!(ids(&format!("{word} ").repeat(3)).len(), 3 * ids(&word).len());
        assert_eq!(ids(&"a".repeat(101)), vec![UNKNOWN]);
    }

    #[test]
    fn a_word_of_unknown_pieces_is_one_unknown_token() {
        assert_eq!(ids("ok \u{1f600}\u{1f600}"), vec![*vocabulary().get("ok").unwrap(), UNKNOWN]);
        assert_eq!(vocabulary().get("[UNK]"), Some(&UNKNOWN));
        assert_eq!(vocabulary().piece(30_521), "##～");
        assert_eq!(vocabulary_size(), 30_522);
    }
}
