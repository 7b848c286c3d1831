//! The concepts' phrases as a tree of words, so a sentence is scanned once:
//! from each word, the tree is followed as far as the words allow, and every
//! node passed where a phrase ends is a hit. Common first words ("can't",
//! "not", "my") start hundreds of phrases; walking a tree costs one lookup per
//! word where comparing the phrases one by one cost hundreds.

use super::text::{self, Token};
use std::collections::HashMap;

pub type ConceptId = usize;

/// A phrase found in a sentence: which concept, and which tokens.
#[derive(Debug, Clone, Copy)]
pub struct Hit {
    pub concept: ConceptId,
    pub start: usize,
    pub end: usize,
}

/// A word's number in the rules' vocabulary; words the rules never name share [`UNNAMED`].
type WordId = u32;
const UNNAMED: WordId = WordId::MAX;

type NodeId = u32;
const NO_NODE: NodeId = NodeId::MAX;

/// Looked up once per word of every post, so it uses FNV-1a: much cheaper than
/// the default SipHash on short keys, and the keys come from our own rules file.
type WordMap<V> = HashMap<String, V, std::hash::BuildHasherDefault<Fnv>>;

#[derive(Default)]
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        let mut h = if self.0 == 0 { 0xcbf2_9ce4_8422_2325 } else { self.0 };
        for b in bytes {
            h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
        }
        self.0 = h;
    }
}

/// One word of a phrase: a word, a stem (`numb*`) or any word (`_`).
enum WordPattern {
    Exact(WordId),
    Prefix(String),
    Any,
}

/// Where a phrase goes on from here.
#[derive(Default)]
struct Node {
    /// By exact next word, sorted by word number.
    words: Vec<(WordId, NodeId)>,
    stems: Vec<(String, NodeId)>,
    any: Option<NodeId>,
    /// The concepts of the phrases that end here.
    concepts: Vec<ConceptId>,
}

#[derive(Default)]
pub struct PhraseTree {
    /// Every exact word the phrases name, numbered.
    vocabulary: WordMap<WordId>,
    /// The node after each exact first word, by word number.
    first_words: Vec<NodeId>,
    /// The nodes after each stem first word, by the stem's first two letters.
    first_stems: WordMap<Vec<(String, NodeId)>>,
    nodes: Vec<Node>,
}

/// Words that only strengthen what they stand in, so a phrase still reads
/// through one of them: "puffed up" in "puffed right up", "went weak" in "went
/// really weak". A phrase that names one ("really hurts") still needs it.
fn is_filler(word: &str) -> bool {
    matches!(
        word,
        "really" | "very" | "so" | "right" | "completely" | "totally" | "absolutely" | "quite" | "pretty" | "super" | "bloody"
            | "all" | "just" | "still" | "suddenly" | "badly" | "massively" | "properly" | "literally" | "seriously"
    )
}

impl PhraseTree {
    /// Adds `phrase` as a way of saying `concept`.
    pub fn add(&mut self, phrase: &str, concept: ConceptId) -> Result<(), String> {
        let words = self.compile(phrase).ok_or_else(|| format!("bad phrase {phrase:?}"))?;
        let mut node = match &words[0] {
            WordPattern::Exact(w) => {
                let w = *w as usize;
                if self.first_words.len() <= w {
                    self.first_words.resize(w + 1, NO_NODE);
                }
                if self.first_words[w] == NO_NODE {
                    self.first_words[w] = self.new_node();
                }
                self.first_words[w]
            }
            WordPattern::Prefix(stem) => {
                let key: String = stem.chars().take(2).collect();
                match self.first_stems.get(&key).and_then(|s| s.iter().find(|(s, _)| s == stem)) {
                    Some(&(_, node)) => node,
                    None => {
                        let node = self.new_node();
                        self.first_stems.entry(key).or_default().push((stem.clone(), node));
                        node
                    }
                }
            }
            WordPattern::Any => return Err(format!("{phrase:?} cannot start with _")),
        };
        for word in &words[1..] {
            node = self.child_or_new(node, word);
        }
        let concepts = &mut self.nodes[node as usize].concepts;
        if !concepts.contains(&concept) {
            concepts.push(concept);
        }
        Ok(())
    }

    fn compile(&mut self, phrase: &str) -> Option<Vec<WordPattern>> {
        let words: Vec<WordPattern> = text::words(phrase)
            .into_iter()
            .map(|w| {
                if w == "_" {
                    WordPattern::Any
                } else if let Some(stem) = w.strip_suffix('*') {
                    WordPattern::Prefix(stem.to_owned())
                } else {
                    let next = self.vocabulary.len() as WordId;
                    WordPattern::Exact(*self.vocabulary.entry(w).or_insert(next))
                }
            })
            .collect();
        let valid = !words.is_empty() && words.iter().all(|w| !matches!(w, WordPattern::Prefix(p) if p.chars().count() < 2));
        valid.then_some(words)
    }

    fn new_node(&mut self) -> NodeId {
        self.nodes.push(Node::default());
        (self.nodes.len() - 1) as NodeId
    }

    fn child_or_new(&mut self, parent: NodeId, word: &WordPattern) -> NodeId {
        let existing = {
            let node = &self.nodes[parent as usize];
            match word {
                WordPattern::Exact(w) => node.words.binary_search_by_key(w, |(w, _)| *w).ok().map(|i| node.words[i].1),
                WordPattern::Prefix(stem) => node.stems.iter().find(|(s, _)| s == stem).map(|(_, n)| *n),
                WordPattern::Any => node.any,
            }
        };
        if let Some(child) = existing {
            return child;
        }
        let child = self.new_node();
        let node = &mut self.nodes[parent as usize];
        match word {
            WordPattern::Exact(w) => {
                let at = node.words.partition_point(|(x, _)| x < w);
                node.words.insert(at, (*w, child));
            }
            WordPattern::Prefix(stem) => node.stems.push((stem.clone(), child)),
            WordPattern::Any => node.any = Some(child),
        }
        child
    }

    /// Every phrase in the sentence, in order of where it starts.
    pub fn find(&self, tokens: &[Token]) -> Vec<Hit> {
        let ids: Vec<WordId> = tokens.iter().map(|t| self.vocabulary.get(t.word.as_str()).copied().unwrap_or(UNNAMED)).collect();
        let mut hits = Vec::new();
        for (start, token) in tokens.iter().enumerate() {
            let walk = |node: NodeId, hits: &mut Vec<Hit>| self.walk(node, tokens, &ids, start, start + 1, hits);
            if let Some(&node) = self.first_words.get(ids[start] as usize).filter(|&&n| n != NO_NODE) {
                walk(node, &mut hits);
            }
            let word = token.word.as_str();
            let key = word.char_indices().nth(2).map_or(word, |(i, _)| &word[..i]);
            for &(ref stem, node) in self.first_stems.get(key).into_iter().flatten() {
                if word.starts_with(stem.as_str()) {
                    walk(node, &mut hits);
                }
            }
        }
        hits
    }

    /// Follows the tree from `node`, which the words `start..at` led to.
    fn walk(&self, node: NodeId, tokens: &[Token], ids: &[WordId], start: usize, at: usize, hits: &mut Vec<Hit>) {
        let node = &self.nodes[node as usize];
        hits.extend(node.concepts.iter().map(|&concept| Hit { concept, start, end: at }));
        let Some(token) = tokens.get(at) else { return };
        for child in self.children(node, &token.word, ids[at]) {
            self.walk(child, tokens, ids, start, at + 1, hits);
        }
        // One filler word may stand between two words of a phrase, where the
        // phrase doesn't name it: "puffed right up".
        if is_filler(&token.word)
            && let Some(next) = tokens.get(at + 1)
        {
            for child in self.children(node, &next.word, ids[at + 1]) {
                if !self.children(node, &token.word, ids[at]).any(|c| c == child) {
                    self.walk(child, tokens, ids, start, at + 2, hits);
                }
            }
        }
    }

    /// The children of `node` that the word `word` (numbered `id`) leads to.
    fn children<'a>(&'a self, node: &'a Node, word: &'a str, id: WordId) -> impl Iterator<Item = NodeId> + 'a {
        let exact = node.words.binary_search_by_key(&id, |(w, _)| *w).ok().map(|i| node.words[i].1);
        let stems = node.stems.iter().filter(move |(stem, _)| word.starts_with(stem.as_str())).map(|(_, n)| *n);
        exact.into_iter().chain(stems).chain(node.any)
    }
}
