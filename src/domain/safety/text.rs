//! Sentences and words, and the small pieces of meaning the rules rely on:
//! negation ("no chest pain") and duration ("for three weeks").

use smol_str::SmolStr;

/// A lower-cased word, with its part in negation worked out once.
#[derive(Debug, Clone)]
pub struct Token {
    /// Inline up to 23 bytes: nearly every word is read without an allocation.
    pub word: SmolStr,
    role: Role,
    /// A comma, colon, dash or bracket comes just before this word.
    after_pause: bool,
}

impl Token {
    pub fn new(word: SmolStr) -> Self {
        Token { role: Role::of(&word), word, after_pause: false }
    }

    /// A new subject after a pause: "…peanuts, my throat is closing".
    fn starts_subject_after_pause(&self) -> bool {
        self.after_pause && self.role == Role::NewSubject
    }

    /// Starts a new clause: a break word ("but", "now") or a new subject after a pause.
    fn opens_clause(&self) -> bool {
        self.role == Role::ClauseBreak || self.starts_subject_after_pause()
    }
}

/// What a word does for negation: most words do nothing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Role {
    Plain,
    Negator,
    NotADenial,
    ClauseBreak,
    NewSubject,
    And,
    Free,
}

impl Role {
    fn of(word: &str) -> Role {
        match word {
            "no" | "not" | "never" | "without" | "none" | "nor" | "neither" | "don't" | "doesn't" | "didn't"
            | "haven't" | "hasn't" | "hadn't" | "isn't" | "wasn't" | "aren't" | "weren't" | "won't" | "wouldn't"
            | "zero" => Role::Negator,
            // "not sure", "not just": a negator followed by these doesn't deny what follows.
            "sure" | "certain" | "know" | "idea" | "just" | "only" | "even" | "quite" | "convinced" | "want" => {
                Role::NotADenial
            }
            "but" | "however" | "although" | "though" | "except" | "yet" | "whereas" | "apart" | "until" | "now" => {
                Role::ClauseBreak
            }
            // "… and my back hurts": "and" followed by a new subject starts a new clause.
            "my" | "i" | "i'm" | "it" | "it's" | "the" | "she" | "he" | "her" | "his" | "then" | "there" | "this"
            | "that" | "which" | "who" | "whose" => Role::NewSubject,
            "and" => Role::And,
            "free" => Role::Free,
            _ => Role::Plain,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Sentence {
    pub tokens: Vec<Token>,
    /// Byte range in the original text.
    pub start: usize,
    pub end: usize,
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || c == '\'' || c == '*' || c == '\u{2019}' || c == '\u{2018}'
}

/// Lower-cased words; `'` stays inside words ("don't"), a lone `_` is a word
/// (the rules' wildcard), and curly apostrophes count as straight ones.
pub fn words(text: &str) -> Vec<String> {
    words_and_pauses(text).into_iter().map(|(word, _)| word.to_string()).collect()
}

/// Words, each with whether a pause (`,` `:` `(` `)` `-` `–` `—`) came just before it.
fn words_and_pauses(text: &str) -> Vec<(SmolStr, bool)> {
    // ASCII lower-casing keeps byte offsets, so words can be sliced out directly.
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut out: Vec<(SmolStr, bool)> = Vec::with_capacity(text.len() / 5 + 1);
    let mut start: Option<usize> = None;
    let mut pause = false;
    let push = |from: usize, to: usize, pause: bool, out: &mut Vec<(SmolStr, bool)>| {
        let raw = &lower[from..to];
        let unicode: String;
        let raw = if raw.is_ascii() {
            raw
        } else {
            unicode = raw.to_lowercase().replace(['\u{2019}', '\u{2018}'], "'");
            &unicode
        };
        let word = raw.trim_matches('\'');
        if word.is_empty() {
            return;
        }
        let word = match with_apostrophe(word) {
            Some(full) => full,
            // "heart's racing", "runner's knee": the noun is what the rules name.
            None => word.strip_suffix("'s").filter(|b| !matches!(*b, "it" | "that" | "what" | "there" | "he" | "she" | "let")).unwrap_or(word),
        };
        out.push((SmolStr::new(word), pause));
    };
    for (i, c) in lower.char_indices() {
        let lone_underscore = c == '_'
            && (i == 0 || bytes[i - 1].is_ascii_whitespace())
            && bytes.get(i + 1).is_none_or(|n| n.is_ascii_whitespace());
        if is_word_char(c) || lone_underscore {
            start.get_or_insert(i);
        } else {
            if let Some(from) = start.take() {
                push(from, i, pause, &mut out);
                pause = false;
            }
            if matches!(c, ',' | ':' | '(' | ')' | '-' | '\u{2013}' | '\u{2014}') {
                pause = true;
            }
        }
    }
    if let Some(from) = start {
        push(from, lower.len(), pause, &mut out);
    }
    out
}

/// People typing fast drop apostrophes ("cant", "isnt"); the rules are written
/// with them. Only unambiguous forms are restored ("its" and "well" are words).
fn with_apostrophe(word: &str) -> Option<&'static str> {
    Some(match word {
        "cant" => "can't",
        "couldnt" => "couldn't",
        "wont" => "won't",
        "wouldnt" => "wouldn't",
        "dont" => "don't",
        "doesnt" => "doesn't",
        "didnt" => "didn't",
        "isnt" => "isn't",
        "wasnt" => "wasn't",
        "arent" => "aren't",
        "werent" => "weren't",
        "havent" => "haven't",
        "hasnt" => "hasn't",
        "hadnt" => "hadn't",
        "shouldnt" => "shouldn't",
        "ive" => "i've",
        "im" => "i'm",
        "id" => "i'd",
        "ill" => return None,
        _ => return None,
    })
}

/// Splits on sentence ends and line breaks. Quoted lines (`> …`, someone
/// else's words) are skipped: the member didn't describe them.
pub fn sentences(text: &str) -> Vec<Sentence> {
    let mut out = Vec::new();
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        if !is_quoted(line) {
            let mut start = offset;
            for (i, c) in line.char_indices() {
                if matches!(c, '.' | '!' | '?' | ';' | '\n') {
                    push_sentence(text, start, offset + i, &mut out);
                    start = offset + i + c.len_utf8();
                }
            }
            push_sentence(text, start, offset + line.len(), &mut out);
        }
        offset += line.len();
    }
    out
}

/// A line of someone else's words, quoted with `>`.
pub fn is_quoted(line: &str) -> bool {
    line.trim_start().starts_with('>')
}

fn push_sentence(text: &str, start: usize, end: usize, out: &mut Vec<Sentence>) {
    let tokens: Vec<Token> = words_and_pauses(&text[start..end])
        .into_iter()
        .map(|(word, after_pause)| Token { after_pause, ..Token::new(word) })
        .collect();
    if !tokens.is_empty() {
        out.push(Sentence { tokens, start, end });
    }
}

/// Which clause of the sentence each token is in: a clause ends at "but",
/// "however", "now"… ("I had cancer years ago and now my back hurts").
pub fn clauses(tokens: &[Token]) -> Vec<u16> {
    let mut clause = 0u16;
    tokens
        .iter()
        .map(|t| {
            if t.opens_clause() {
                clause = clause.saturating_add(1);
            }
            clause
        })
        .collect()
}

const REACH: usize = 6;

/// Whether the phrase starting at `start` is denied within its clause:
/// "no chest pain", "I don't have any numbness", "not dizzy", "pain free".
/// A negator that is part of another matched phrase ("no feeling",
/// "can't put weight") is content, not denial: `in_phrase` says which are.
pub fn is_negated(tokens: &[Token], start: usize, in_phrase: impl Fn(usize) -> bool) -> bool {
    if tokens.get(start + 1).is_some_and(|t| t.role == Role::Free) {
        return true;
    }
    let next_role = |i: usize| tokens.get(i + 1).map_or(Role::Plain, |t| t.role);
    let from = start.saturating_sub(REACH);
    for i in (from..start).rev() {
        // A pause then a new subject ends the negator's reach: "no idea, my chest hurts".
        if tokens[i + 1].starts_subject_after_pause() {
            return false;
        }
        match tokens[i].role {
            Role::ClauseBreak => return false,
            Role::And if next_role(i) == Role::NewSubject => return false,
            Role::Negator if !in_phrase(i) && next_role(i) != Role::NotADenial => return true,
            _ => {}
        }
    }
    false
}

/// Whether a sentence opens by answering "no" to the question before it
/// ("Chest pain? No, just the strap rubbing"), and not "no idea".
pub fn answers_no(tokens: &[Token]) -> bool {
    matches!(tokens.first().map(|t| t.word.as_str()), Some("no" | "nope" | "nah"))
        && tokens.get(1).is_none_or(|t| t.role != Role::NotADenial || t.after_pause)
}

fn number(word: &str) -> Option<u32> {
    if let Ok(n) = word.parse::<u32>() {
        return Some(n);
    }
    Some(match word {
        "a" | "an" | "one" => 1,
        "two" | "couple" => 2,
        "three" | "few" | "several" => 3,
        "four" => 4,
        "five" => 5,
        "six" => 6,
        "seven" => 7,
        "eight" => 8,
        "nine" => 9,
        "ten" => 10,
        "eleven" => 11,
        "twelve" => 12,
        _ => return None,
    })
}

fn unit_days(word: &str) -> Option<u32> {
    if !matches!(word.as_bytes().first(), Some(b'd' | b'w' | b'f' | b'm' | b'y')) {
        return None;
    }
    Some(match word.trim_end_matches('\'') {
        "day" | "days" => 1,
        "week" | "weeks" => 7,
        "fortnight" | "fortnights" => 14,
        "month" | "months" => 30,
        "year" | "years" => 365,
        _ => return None,
    })
}

/// A duration about the programme or a plan ("I've been running for three
/// weeks", "parkrun in two weeks", "three times a week") says nothing about how
/// long a problem has lasted.
const ACTIVITY: &[&str] = &[
    "running", "run", "runs", "jogging", "jog", "programme", "program", "plan", "training", "doing", "started",
    "start", "c25k", "couch", "parkrun", "schedule", "times", "once", "twice", "per", "in", "next", "race",
    "event", "graduated", "since",
];

/// Times that, after "since", mean a month ago or more.
const LONG_AGO_MARKS: &[&str] = &[
    "january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december",
    "spring", "summer", "autumn", "winter", "christmas", "easter",
];

/// The longest problem duration the sentence states, in days (0 when none).
pub fn longest_duration_days(tokens: &[Token]) -> u32 {
    let mut longest = 0;
    for (i, token) in tokens.iter().enumerate() {
        // "like this since September", "since the summer": a month or more,
        // unless it is the programme's time ("running since March").
        let word = |k: usize| tokens.get(k).map(|t| t.word.as_str());
        let long_ago = |w: Option<&str>| w.is_some_and(|w| LONG_AGO_MARKS.contains(&w));
        let since_long_ago = token.word == "since" && (long_ago(word(i + 1)) || (word(i + 1) == Some("the") && long_ago(word(i + 2))));
        // "on every run since the summer" is how often it hurts, not how long the running has gone on.
        let activity_at = |k: usize| ACTIVITY.contains(&tokens[k].word.as_str()) && !(k > 0 && matches!(tokens[k - 1].word.as_str(), "every" | "each"));
        let programme_time = (i.saturating_sub(3)..i).any(activity_at);
        if since_long_ago && !programme_time {
            longest = longest.max(30);
            continue;
        }
        let Some(unit) = unit_days(&token.word) else { continue };
        // "three weeks", "a couple of weeks", "a few days", "for weeks", or
        // "the last month" ("the past six weeks" is read as "six weeks").
        let (count, first) = match (i.checked_sub(1).and_then(word), i.checked_sub(2).and_then(word)) {
            (Some("of"), Some(n)) if number(n).is_some() => (number(n).unwrap_or(1), i - 2),
            (Some(n), _) if number(n).is_some() => (number(n).unwrap_or(1), i - 1),
            (Some("for"), _) if token.word.ends_with('s') => (2, i - 1),
            (Some("last" | "past"), Some("the")) => (if token.word.ends_with('s') { 2 } else { 1 }, i - 2),
            _ => continue,
        };
        let context_start = first.saturating_sub(3);
        // "every two weeks" is how often, but "every morning for six weeks" is how long.
        let how_often = first > 0 && tokens[first - 1].word == "every";
        let about_activity = how_often || (context_start..first).any(activity_at);
        // "I'm 34 weeks", "20 weeks pregnant", "a six-week-old baby": how far
        // along or how old, not how long something has hurt.
        let age = matches!(word(i + 1), Some("pregnant" | "gone" | "old"))
            || first.checked_sub(1).and_then(word).is_some_and(|w| matches!(w, "i'm" | "im" | "she's" | "am"));
        if !about_activity && !age {
            // "33333336666 weeks" is nobody's real duration, but it mustn't overflow.
            longest = longest.max(count.saturating_mul(unit));
        }
    }
    longest
}

/// The sentence as written, trimmed and cut to about `max` characters.
pub fn excerpt(text: &str, sentence: &Sentence, max: usize) -> String {
    let raw = text[sentence.start..sentence.end].trim();
    crate::domain::markdown::truncate_words(raw, max)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(s: &str) -> Vec<Token> {
        sentences(s).swap_remove(0).tokens
    }

    fn negated(sentence: &str, word: &str) -> bool {
        let t = tokens(sentence);
        let at = t.iter().position(|t| t.word == word).unwrap();
        is_negated(&t, at, |_| false)
    }

    #[test]
    fn words_are_lowercased_and_keep_apostrophes() {
        assert_eq!(words("I don’t have ANY light-headed _ feelings*"), ["i", "don't", "have", "any", "light", "headed", "_", "feelings*"]);
        assert_eq!(words("_emphasis_ 'quoted'"), ["emphasis", "quoted"]);
    }

    #[test]
    fn negation_reaches_back_within_the_clause() {
        assert!(negated("no chest pain at all", "chest"));
        assert!(negated("I don't have any numbness or weakness", "weakness"));
        assert!(negated("not dizzy", "dizzy"));
        assert!(negated("my knee is pain free now", "pain"));
        assert!(!negated("no fever but my back hurts", "back"));
        assert!(!negated("no fever and my back is agony", "back"));
        assert!(!negated("I'm not sure but my chest feels tight", "chest"));
        assert!(!negated("not sure if it's chest pain", "chest"));
        assert!(!negated("my chest hurts", "chest"));
        // A pause and a new subject start a new clause; a list after a pause doesn't.
        assert!(!negated("I didn't realise it had peanuts, my throat is closing", "throat"));
        assert!(negated("no fever, numbness or weakness", "numbness"));
    }

    #[test]
    fn durations_count_problem_time_not_programme_time() {
        let days = |s: &str| longest_duration_days(&tokens(s));
        assert_eq!(days("it has ached for three weeks now"), 21);
        assert_eq!(days("hasn't improved despite a week's rest"), 7);
        assert_eq!(days("sore for a couple of weeks"), 14);
        assert_eq!(days("sore for weeks"), 14);
        assert_eq!(days("two months"), 60);
        assert_eq!(days("I've been running for three weeks"), 0);
        assert_eq!(days("my first parkrun is in two weeks"), 0);
        assert_eq!(days("I run three times a week"), 0);
        assert_eq!(days("in week 5 of the plan"), 0);
        assert_eq!(days("I run every two days"), 0);
        assert_eq!(days("my heel has been sore every morning for six weeks"), 42);
        assert_eq!(days("I'm 34 weeks and I've had a bad headache"), 0);
        assert_eq!(days("she is 20 weeks pregnant"), 0);
        assert_eq!(days("my six weeks old baby"), 0);
        assert_eq!(days("everything feels grey, it's been like this since September"), 30);
        assert_eq!(days("my knee has ached since the summer"), 30);
        assert_eq!(days("I've been running since March"), 0);
        assert_eq!(days("my knee has hurt on every run since the summer"), 30);
        assert_eq!(days("sore since yesterday"), 0);
        assert_eq!(days("a sharp pain in my knee for the last month"), 30);
        assert_eq!(days("it has been aching for the past few weeks"), 21);
        assert_eq!(days("knee pain on every run for a month"), 30);
        assert_eq!(days("I've been running for the last month"), 0);
        assert_eq!(days("my last parkrun was the best"), 0);
    }

    #[test]
    fn quoted_lines_are_not_the_writers_words() {
        let s = sentences("> my chest hurts\nThanks for sharing. I'm fine!");
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].tokens[0].word, "thanks");
    }

    #[test]
    fn absurd_durations_saturate_instead_of_overflowing() {
        let tokens = super::sentences("my knee has hurt for 3333333666 weeks")[0].tokens.clone();
        assert_eq!(super::longest_duration_days(&tokens), u32::MAX);
    }
}
