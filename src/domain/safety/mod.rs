//! Red-flag signposting: recognises warning signs described in a post and
//! says, in the tier that fits, where to get help. It signposts; it never
//! diagnoses.
//!
//! The conditions, their signs, the lay phrasings of each feature and the
//! signposting text per locale are data ([`rules.toml`](rules.toml)),
//! compiled once into a [`Rules`] value. Matching works on sentences of
//! lower-cased words: a sign needs every one of its features (body site,
//! symptom, onset, severity, what comes with it…) present, so single keywords
//! never raise an alarm on their own.
//!
//! Each finding is read in context the way ConText (Harkema et al., 2009)
//! reads clinical notes: a finding that is negated ("no numbness"),
//! hypothetical ("if it spreads, see someone") or historical ("I had a stress
//! fracture last year") doesn't count; one in a sentence that says the problem
//! is known and managed ("physio says it's nothing") doesn't raise anything
//! below an emergency; and one about someone else ("my friend collapsed")
//! still signposts, worded for a third party.

mod phrases;
pub mod resemblance;
mod text;
mod wordpiece;

use phrases::{ConceptId, Hit, PhraseTree};
use resemblance::Bank;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::cell::OnceCell;
use std::sync::OnceLock;
use text::{Sentence, Token};

pub const BUILTIN_RULES: &str = include_str!("rules.toml");

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    None,
    Soon,
    Urgent,
    Emergency,
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::None => "none",
            Tier::Soon => "soon",
            Tier::Urgent => "urgent",
            Tier::Emergency => "emergency",
        }
    }
}

/// A warning sign found in the text, with the words that showed it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sign {
    pub id: String,
    pub label: String,
    pub evidence: String,
    #[serde(skip)]
    pub tier: Tier,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Advice {
    pub headline: String,
    pub body: String,
    pub action: String,
    /// What the text described, in plain words ("chest pain spreading to your arm…").
    #[serde(default)]
    pub reason: String,
}

/// Who the warning signs are about, as far as the words show.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "kebab-case")]
pub enum About {
    /// The writer, or no one named.
    #[default]
    Writer,
    /// Someone the writer is with or tells of: "my dad went grey".
    SomeoneElse,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assessment {
    pub tier: Tier,
    pub signs: Vec<Sign>,
    pub advice: Option<Advice>,
    pub about: About,
}

/// The rules file as written.
#[derive(Deserialize)]
struct RulesFile {
    locales: HashMap<String, LocaleText>,
    concepts: HashMap<String, Vec<String>>,
    signs: Vec<SignRule>,
    #[serde(default)]
    conditions: Vec<Condition>,
}

/// A condition on the reviewed list: what decides its tier, where that comes
/// from, and the signs that stand for it.
#[derive(Deserialize, Debug, Clone)]
pub struct Condition {
    pub id: String,
    pub name: String,
    /// The most serious tier its signs give.
    pub tier: Tier,
    /// The features that decide the tier, in words for reviewers.
    pub features: String,
    pub source: String,
    pub signs: Vec<String>,
}

#[derive(Deserialize, Clone)]
struct LocaleText {
    emergency: Advice,
    urgent: Advice,
    soon: Advice,
    /// The "someone may be at risk" card, for words of suicide or self-harm.
    /// Optional so that rules files written before it still load: without
    /// it, words of crisis get the emergency card.
    crisis: Option<Advice>,
    /// The card's second sentence when the signs are someone else's; without
    /// it, the tier's own sentence.
    someone_else: Option<OtherText>,
}

#[derive(Deserialize, Clone)]
struct OtherText {
    emergency: String,
    urgent: String,
    soon: String,
    crisis: String,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
enum Scope {
    #[default]
    Sentence,
    Post,
}

#[derive(Deserialize)]
struct SignRule {
    id: String,
    label: String,
    tier: Tier,
    source: String,
    all: Vec<String>,
    #[serde(default)]
    unless: Vec<String>,
    #[serde(default, rename = "except")]
    except: Vec<String>,
    if_hedged: Option<Tier>,
    min_days: Option<u32>,
    #[serde(default)]
    scope: Scope,
    #[serde(default)]
    fallback: bool,
    /// Which card it gets: the tier's, or "crisis".
    #[serde(default)]
    card: Card,
    /// A sign whose features include the past ("had cancer"): historical
    /// mentions count for it.
    #[serde(default)]
    history: bool,
    /// A sign that a known, managed or painless problem doesn't calm (a
    /// painless lump is the one to check).
    #[serde(default)]
    even_if_managed: bool,
}

#[derive(Deserialize, Clone, Copy, PartialEq, Eq, Default, Debug)]
#[serde(rename_all = "lowercase")]
enum Card {
    #[default]
    Tier,
    Crisis,
}

struct Compiled {
    tier: Tier,
    id: String,
    label: String,
    source: String,
    all: Vec<ConceptId>,
    unless: Vec<ConceptId>,
    except: Vec<ConceptId>,
    if_hedged: Option<Tier>,
    min_days: Option<u32>,
    scope: Scope,
    fallback: bool,
    card: Card,
    history: bool,
    even_if_managed: bool,
}

/// The concepts the context reader uses, when the rules define them.
#[derive(Default)]
struct ContextConcepts {
    hedge: Option<ConceptId>,
    hypothetical: Option<ConceptId>,
    pseudo: Option<ConceptId>,
    historical: Option<ConceptId>,
    managed: Option<ConceptId>,
    other: Option<ConceptId>,
    writer: Option<ConceptId>,
}

impl ContextConcepts {
    /// Whether `concept` says how a finding is meant rather than what was found.
    fn is_context(&self, concept: ConceptId) -> bool {
        [self.hedge, self.hypothetical, self.pseudo, self.historical, self.managed, self.other, self.writer].contains(&Some(concept))
    }
}

/// The id of a sign the second opinion read, before its nearest post's condition.
pub const READS_LIKE: &str = "reads-like-";

/// Compiled rules: every phrase in one tree of words, for scanning a sentence once.
pub struct Rules {
    locales: HashMap<String, LocaleText>,
    phrases: PhraseTree,
    signs: Vec<Compiled>,
    context: ContextConcepts,
    conditions: Vec<Condition>,
    concept_count: usize,
}

/// What one sentence says, worked out once and shared by every sign.
struct Reading {
    hits: Vec<Hit>,
    /// Per hit: denied in its clause ("no chest pain").
    negated: Vec<bool>,
    /// Per hit: hypothetical or conditional ("if it spreads").
    hypothetical: Vec<bool>,
    /// Per hit: in the past ("years ago", "used to").
    historical: Vec<bool>,
    /// Per concept: at least one hit that is neither negated nor off-now.
    present: Vec<bool>,
    /// Per concept: at least one hit that isn't negated or hypothetical, for
    /// signs whose features include the past.
    present_ever: Vec<bool>,
    /// The concepts present ever, each once.
    mentioned: Vec<ConceptId>,
    /// The sentence says the problem is known and managed.
    managed: bool,
    /// The longest problem duration stated, in days: worked out only for
    /// the few sentences a sign with a minimum duration asks about.
    days: OnceCell<u32>,
}

impl Reading {
    /// Everything the sentence describes is denied.
    fn deny(&mut self) {
        self.negated.fill(true);
        self.present.fill(false);
        self.present_ever.fill(false);
        self.mentioned.clear();
    }
}

/// For each concept, the sentences where it is present (at least ever), in
/// order: a sign looks only where its features are, not at every sentence.
struct Mentions {
    /// Where each concept's sentences begin in `sentences`, and one past the last.
    offsets: Vec<u32>,
    sentences: Vec<u32>,
}

impl Mentions {
    fn new(readings: &[Reading], concept_count: usize) -> Mentions {
        let mut offsets = vec![0u32; concept_count + 1];
        for concept in readings.iter().flat_map(|r| &r.mentioned) {
            offsets[concept + 1] += 1;
        }
        for i in 1..offsets.len() {
            offsets[i] += offsets[i - 1];
        }
        let mut next = offsets.clone();
        let mut sentences = vec![0u32; offsets[concept_count] as usize];
        for (s, reading) in readings.iter().enumerate() {
            for &concept in &reading.mentioned {
                sentences[next[concept] as usize] = s as u32;
                next[concept] += 1;
            }
        }
        Mentions { offsets, sentences }
    }

    fn of(&self, concept: ConceptId) -> impl Iterator<Item = usize> + '_ {
        let range = self.offsets[concept] as usize..self.offsets[concept + 1] as usize;
        self.sentences[range].iter().map(|&s| s as usize)
    }
}

impl Rules {
    /// The rules shipped with Jogette.
    pub fn builtin() -> &'static Rules {
        static RULES: OnceLock<Rules> = OnceLock::new();
        RULES.get_or_init(|| Rules::parse(BUILTIN_RULES).expect("the built-in safety rules are valid"))
    }

    pub fn parse(source: &str) -> Result<Rules, String> {
        let file: RulesFile = basic_toml::from_str(source).map_err(|e| format!("safety rules: {e}"))?;
        let mut concept_names: Vec<String> = file.concepts.keys().cloned().collect();
        concept_names.sort();
        let concept_id = |name: &str| -> Result<ConceptId, String> {
            concept_names.binary_search_by(|n| n.as_str().cmp(name)).map_err(|_| format!("safety rules: unknown concept {name:?}"))
        };
        let mut tree = PhraseTree::default();
        for (name, phrases) in &file.concepts {
            let id = concept_id(name)?;
            for phrase in expand_includes(name, phrases, &file.concepts)? {
                tree.add(phrase, id).map_err(|e| format!("safety rules: {e} in {name}"))?;
            }
        }
        let ids = |names: &[String]| names.iter().map(|n| concept_id(n)).collect::<Result<Vec<_>, _>>();
        for condition in &file.conditions {
            if let Some(missing) = condition.signs.iter().find(|id| !file.signs.iter().any(|s| &s.id == *id)) {
                return Err(format!("safety rules: condition {} names an unknown sign {missing}", condition.id));
            }
        }
        let mut signs = Vec::new();
        for rule in &file.signs {
            if rule.all.is_empty() || rule.tier == Tier::None {
                return Err(format!("safety rules: sign {} needs concepts and a tier above none", rule.id));
            }
            signs.push(Compiled {
                tier: rule.tier,
                id: rule.id.clone(),
                label: rule.label.clone(),
                source: rule.source.clone(),
                all: ids(&rule.all)?,
                unless: ids(&rule.unless)?,
                except: ids(&rule.except)?,
                if_hedged: rule.if_hedged,
                min_days: rule.min_days,
                scope: rule.scope,
                fallback: rule.fallback,
                card: rule.card,
                history: rule.history,
                even_if_managed: rule.even_if_managed,
            });
        }
        if file.locales.is_empty() {
            return Err("safety rules: at least one locale is needed".into());
        }
        let optional = |name: &str| concept_id(name).ok();
        let context = ContextConcepts {
            hedge: optional("hedge"),
            hypothetical: optional("context_hypothetical"),
            pseudo: optional("context_pseudo"),
            historical: optional("context_historical"),
            managed: optional("context_managed"),
            other: optional("context_other"),
            writer: optional("context_writer"),
        };
        Ok(Rules {
            locales: file.locales,
            phrases: tree,
            signs,
            context,
            conditions: file.conditions,
            concept_count: concept_names.len(),
        })
    }

    /// The reviewed list of conditions, in the order the rules file gives.
    pub fn conditions(&self) -> &[Condition] {
        &self.conditions
    }

    pub fn has_locale(&self, locale: &str) -> bool {
        self.locales.contains_key(locale)
    }

    pub fn sign_count(&self) -> usize {
        self.signs.len()
    }

    /// Reads `text` and says which warning signs it describes, and where to
    /// get help: the rules, with the built-in bank's second opinion.
    pub fn assess(&self, text: &str, locale: &str) -> Assessment {
        self.assess_with(text, locale, Some(Bank::builtin()))
    }

    /// As [`Rules::assess`], with the second opinion of `bank`, or the rules alone.
    pub fn assess_with(&self, text: &str, locale: &str, bank: Option<&Bank>) -> Assessment {
        let sentences = text::sentences(text);
        let mut readings: Vec<Reading> = sentences.iter().map(|s| self.read(&s.tokens)).collect();
        // A question its writer answers "no" describes nothing: "Pain in my chest? No, just the strap."
        for (i, pair) in sentences.windows(2).enumerate() {
            if text[pair[0].end..].starts_with('?') && text::answers_no(&pair[1].tokens) {
                readings[i].deny();
            }
        }

        let mentions = Mentions::new(&readings, self.concept_count);
        let mut signs: Vec<(usize, Sign)> = Vec::new();
        let mut first_sentence: HashMap<&str, (usize, usize)> = HashMap::new();
        for (index, rule) in self.signs.iter().enumerate() {
            if let Some((tier, evidence, at)) = self.match_sign(rule, text, &sentences, &readings, &mentions) {
                first_sentence.insert(rule.id.as_str(), at);
                signs.push((index, Sign { id: rule.id.clone(), label: rule.label.clone(), evidence, tier, source: rule.source.clone() }));
            }
        }
        // A sign whose concepts are all part of a more specific sign of the same tier adds nothing.
        // So is a catch-all sign when something more specific of its tier matched.
        let specific: Vec<(usize, Sign)> = signs
            .iter()
            .filter(|(i, s)| {
                !(self.signs[*i].fallback && signs.iter().any(|(j, other)| other.tier == s.tier && !self.signs[*j].fallback))
            })
            .filter(|(i, s)| {
                !signs.iter().any(|(j, other)| {
                    j != i
                        && other.tier == s.tier
                        && self.signs[*j].all.len() > self.signs[*i].all.len()
                        && self.signs[*i].all.iter().all(|c| self.signs[*j].all.contains(c))
                })
            })
            .cloned()
            .collect();
        let mut signs: Vec<Sign> = Vec::new();
        for (_, sign) in specific {
            if !signs.iter().any(|s| s.label == sign.label) {
                signs.push(sign);
            }
        }
        let mut read_like_at = None;
        if let Some(bank) = bank {
            let ruled = signs.iter().map(|s| s.tier).max().unwrap_or(Tier::None);
            if let Some((sign, at)) = self.second_opinion(bank, text, &sentences, &readings, ruled) {
                read_like_at = Some(at);
                signs.push(sign);
            }
        }
        signs.sort_by_key(|s| std::cmp::Reverse(s.tier));
        let tier = signs.first().map_or(Tier::None, |s| s.tier);
        let at = match signs.first() {
            Some(s) if s.id.starts_with(READS_LIKE) => read_like_at,
            Some(s) => first_sentence.get(s.id.as_str()).copied(),
            None => None,
        };
        let about = at.map_or(About::Writer, |(sentence, token)| self.about(&readings, sentence, token));
        // Words of crisis get their own card, unless another emergency is described too.
        let crisis = tier == Tier::Emergency
            && signs.iter().filter(|s| s.tier == Tier::Emergency).all(|s| self.card_of(&s.id) == Card::Crisis);
        let advice = self.advice(tier, &signs, locale, about, crisis);
        Assessment { tier, signs, advice, about }
    }

    fn card_of(&self, sign: &str) -> Card {
        if let Some(condition) = sign.strip_prefix(READS_LIKE) {
            // A second opinion takes the card of the condition its nearest post was labelled with.
            let signs = self.conditions.iter().find(|c| c.id == condition).map_or(&[][..], |c| &c.signs[..]);
            return if signs.iter().any(|id| self.card_of(id) == Card::Crisis) { Card::Crisis } else { Card::Tier };
        }
        self.signs.iter().find(|s| s.id == sign).map_or(Card::Tier, |s| s.card)
    }

    /// The bank's word on the post, when it is above what the rules found:
    /// each sentence the context reading finds plain (nothing denied,
    /// conditional, past or managed) and that names a feature, and the whole
    /// post when every sentence is plain. Also says where it read: (sentence, token).
    fn second_opinion(&self, bank: &Bank, text: &str, sentences: &[Sentence], readings: &[Reading], ruled: Tier) -> Option<(Sign, (usize, usize))> {
        if ruled == Tier::Emergency || sentences.is_empty() {
            return None;
        }
        let plain = |r: &Reading| !r.managed && !r.negated.iter().chain(&r.hypothetical).chain(&r.historical).any(|x| *x);
        let names_a_feature = |r: &Reading| r.hits.iter().any(|h| !self.context.is_context(h.concept));
        let mut best: Option<(resemblance::Likeness, Option<usize>)> = None;
        let mut weigh = |likeness: Option<resemblance::Likeness>, at: Option<usize>| {
            // Only serious signs: what tells "soon" from nothing is how long and which way it goes, which a likeness can't see.
            let serious = |l: &resemblance::Likeness| l.tier >= Tier::Urgent && l.tier > ruled;
            if let Some(likeness) = likeness.filter(|l| serious(l) && best.as_ref().is_none_or(|(b, _)| l.tier > b.tier)) {
                best = Some((likeness, at));
            }
        };
        for (s, sentence) in sentences.iter().enumerate() {
            if sentence.tokens.len() >= 3 && plain(&readings[s]) && names_a_feature(&readings[s]) {
                weigh(bank.resemble_at_least(&text[sentence.start..sentence.end], Tier::Urgent), Some(s));
            }
        }
        // The whole post is the member's own sentences, without the lines they quoted.
        let whole = (sentences.len() > 1 && readings.iter().all(plain) && readings.iter().any(names_a_feature))
            .then(|| text.split_inclusive('\n').filter(|line| !text::is_quoted(line)).collect::<String>());
        if let Some(whole) = &whole {
            weigh(bank.resemble_at_least(whole, Tier::Urgent), None);
        }
        let (likeness, at) = best?;
        let condition = if likeness.condition.is_empty() { "labelled-posts" } else { likeness.condition.as_str() };
        let label = if likeness.tier == Tier::Emergency {
            "symptoms that read like posts needing emergency help"
        } else {
            "symptoms that read like posts needing help today"
        };
        // Whom it is about is read, as for a rule, before a feature: here the
        // last one named, as a likeness has no first feature of its own.
        let last_feature = |s: usize| readings[s].hits.iter().rfind(|h| !self.context.is_context(h.concept)).map(|h| (s, h.start));
        let (evidence, at) = match at {
            Some(s) => (text::excerpt(text, &sentences[s], 160), last_feature(s)?),
            None => (crate::domain::markdown::truncate_words(whole?.trim(), 160), (0..sentences.len()).rev().find_map(last_feature)?),
        };
        let source = format!("the second opinion: labelled posts like this one ({condition}, similarity {:.2}); docs/SAFETY.md", likeness.similarity);
        Some((Sign { id: format!("{READS_LIKE}{condition}"), label: label.to_owned(), evidence, tier: likeness.tier, source }, at))
    }

    fn advice(&self, tier: Tier, signs: &[Sign], locale: &str, about: About, crisis: bool) -> Option<Advice> {
        let text = self.locales.get(locale).or_else(|| self.locales.get("uk")).or_else(|| self.locales.values().next())?;
        let other = text.someone_else.as_ref();
        let (base, for_someone_else) = match (tier, text.crisis.as_ref()) {
            (Tier::None, _) => return None,
            (Tier::Emergency, Some(card)) if crisis => (card, other.map(|o| &o.crisis)),
            (Tier::Soon, _) => (&text.soon, other.map(|o| &o.soon)),
            (Tier::Urgent, _) => (&text.urgent, other.map(|o| &o.urgent)),
            (Tier::Emergency, _) => (&text.emergency, other.map(|o| &o.emergency)),
        };
        let for_someone_else = for_someone_else.unwrap_or(&base.body);
        let reasons: Vec<String> = signs
            .iter()
            .filter(|s| s.tier == tier)
            .map(|s| if about == About::SomeoneElse { in_the_third_person(&s.label) } else { s.label.clone() })
            .collect();
        let reasons: Vec<&str> = reasons.iter().map(String::as_str).collect();
        let reason = join_reasons(&reasons);
        let body = match about {
            About::Writer => format!("You mention {reason}. {}", base.body),
            About::SomeoneElse => format!("You mention someone with {reason}. {for_someone_else}"),
        };
        Some(Advice { headline: base.headline.clone(), body, action: base.action.clone(), reason })
    }

    /// Who a finding at `token` of sentence `sentence` is about: the nearest
    /// person named before it, in that sentence or the ones before.
    fn about(&self, readings: &[Reading], sentence: usize, token: usize) -> About {
        let (Some(other), Some(writer)) = (self.context.other, self.context.writer) else { return About::Writer };
        for s in (0..=sentence).rev() {
            let limit = if s == sentence { token } else { usize::MAX };
            // The person phrase ending last before the finding; "my husband" beats the "my" inside it.
            let nearest = readings[s]
                .hits
                .iter()
                .filter(|h| (h.concept == other || h.concept == writer) && h.end <= limit)
                .max_by_key(|h| (h.end, h.concept == other));
            if let Some(hit) = nearest {
                let overlapped_by_other = readings[s].hits.iter().any(|o| o.concept == other && o.start <= hit.start && o.end >= hit.end);
                return if hit.concept == other || overlapped_by_other { About::SomeoneElse } else { About::Writer };
            }
        }
        About::Writer
    }

    fn read(&self, tokens: &[Token]) -> Reading {
        let hits = self.phrases.find(tokens);
        let c = &self.context;
        // Who is speaking ("i", "my", "he") is never denied, and is most of
        // the hits: skipping them keeps reading linear in practice.
        let people = |hit: &Hit| Some(hit.concept) == c.writer || Some(hit.concept) == c.other;
        let negated: Vec<bool> = hits
            .iter()
            .map(|hit| {
                if people(hit) {
                    return false;
                }
                // A negator inside another phrase ("no feeling") is content, unless
                // that phrase also contains this hit ("won't settle" denies "settle").
                let in_other_phrase = |i: usize| {
                    hits.iter().any(|x| x.start <= i && i < x.end && !(x.start <= hit.start && hit.end <= x.end))
                };
                text::is_negated(tokens, hit.start, in_other_phrase)
            })
            .collect();
        let is = |concept: Option<ConceptId>, hit: &Hit| Some(hit.concept) == concept;
        // Most sentences hold no trigger at all: only those pay for context.
        let triggers: Vec<&Hit> = hits.iter().filter(|h| is(c.hypothetical, h) || is(c.historical, h)).collect();
        let (hypothetical, historical) = if triggers.is_empty() {
            (vec![false; hits.len()], vec![false; hits.len()])
        } else {
            let clauses = text::clauses(tokens);
            // A pseudo-trigger ("as if", "not sure if") contains a trigger word that isn't one.
            let real = |t: &Hit| !hits.iter().any(|p| is(c.pseudo, p) && p.start <= t.start && p.end >= t.end);
            let triggers: Vec<&Hit> = triggers.into_iter().filter(|t| real(t)).collect();
            let hypothetical =
                hits.iter().map(|hit| triggers.iter().any(|t| is(c.hypothetical, t) && t.end <= hit.start && clauses[t.start] == clauses[hit.start])).collect();
            let historical = hits.iter().map(|hit| triggers.iter().any(|t| is(c.historical, t) && clauses[t.start] == clauses[hit.start])).collect();
            (hypothetical, historical)
        };
        let mut present = vec![false; self.concept_count];
        let mut present_ever = vec![false; self.concept_count];
        let mut mentioned = Vec::new();
        for (i, hit) in hits.iter().enumerate() {
            if !negated[i] && !hypothetical[i] {
                if !present_ever[hit.concept] {
                    present_ever[hit.concept] = true;
                    mentioned.push(hit.concept);
                }
                if !historical[i] {
                    present[hit.concept] = true;
                }
            }
        }
        let managed = c.managed.is_some_and(|m| present[m]);
        Reading { days: OnceCell::new(), hits, negated, hypothetical, historical, present, present_ever, mentioned, managed }
    }

    /// The tier and evidence for `rule`, when the text shows it.
    /// Also says where the sign's first feature was read: (sentence, token).
    fn match_sign(&self, rule: &Compiled, text: &str, sentences: &[Sentence], readings: &[Reading], mentions: &Mentions) -> Option<(Tier, String, (usize, usize))> {
        // Whether `concept` counts in sentence `s`: present now (or ever, for
        // signs about history), in a sentence that doesn't call the problem
        // managed (emergencies aside), and for signs with exceptions, not only
        // inside a phrase that means something else.
        let live = |r: &Reading, i: usize| !r.negated[i] && !r.hypothetical[i] && (rule.history || !r.historical[i]);
        // Inside a phrase that means something else: "burning up" is not a
        // burning chest, and "grab the wall" is not hitting one.
        let in_exception = |r: &Reading, h: &Hit| rule.except.iter().any(|e| r.hits.iter().any(|x| x.concept == *e && x.start <= h.start && x.end >= h.end));
        let counts = |s: usize, concept: ConceptId| -> bool {
            let r = &readings[s];
            let present = if rule.history { r.present_ever[concept] } else { r.present[concept] };
            if !present || (r.managed && rule.tier < Tier::Emergency && !rule.even_if_managed) {
                return false;
            }
            if rule.except.is_empty() {
                return true;
            }
            r.hits.iter().enumerate().any(|(i, h)| h.concept == concept && live(r, i) && !in_exception(r, h))
        };
        // An `unless` word calms the sign, except where it is part of an exception.
        let excluded = |s: usize| {
            let r = &readings[s];
            rule.unless.iter().any(|u| r.present[*u] && (rule.except.is_empty() || r.hits.iter().any(|h| h.concept == *u && !in_exception(r, h))))
        };
        let long_enough = |s: usize| {
            rule.min_days.is_none_or(|min| *readings[s].days.get_or_init(|| text::longest_duration_days(&sentences[s].tokens)) >= min)
        };

        let mut evidence: Vec<usize> = Vec::new();
        let mut hedged = false;
        match rule.scope {
            Scope::Sentence => {
                let s = mentions.of(rule.all[0]).find(|&s| rule.all.iter().all(|c| counts(s, *c)) && !excluded(s) && long_enough(s))?;
                hedged = self.is_hedged(&readings[s], rule.all[0]);
                evidence.push(s);
            }
            Scope::Post => {
                for concept in &rule.all {
                    let s = mentions.of(*concept).find(|&s| counts(s, *concept) && !excluded(s))?;
                    if !evidence.contains(&s) {
                        evidence.push(s);
                    }
                }
                if rule.min_days.is_some() && !(0..sentences.len()).any(long_enough) {
                    return None;
                }
            }
        }
        let tier = match (hedged, rule.if_hedged) {
            (true, Some(Tier::None)) => return None,
            (true, Some(tier)) => tier,
            _ => rule.tier,
        };
        let first = evidence[0];
        let token = readings[first].hits.iter().enumerate().find(|(i, h)| h.concept == rule.all[0] && live(&readings[first], *i)).map_or(0, |(_, h)| h.start);
        evidence.sort_unstable();
        let quoted: Vec<String> = evidence.iter().map(|&s| text::excerpt(text, &sentences[s], 160)).collect();
        Some((tier, quoted.join(" … "), (first, token)))
    }

    /// "nearly collapsed": a hedge phrase ending just before the concept's first live match.
    fn is_hedged(&self, reading: &Reading, concept: ConceptId) -> bool {
        let Some(hedge) = self.context.hedge else { return false };
        let first = reading.hits.iter().zip(&reading.negated).find(|(h, denied)| h.concept == concept && !**denied);
        let Some((first, _)) = first else { return false };
        reading.hits.iter().any(|h| h.concept == hedge && h.end <= first.start && first.start - h.end <= 3)
    }
}

/// A concept's phrases, with each `@other` replaced by the phrases of the
/// concept `other` (and theirs, in turn), so one feature's lexicon, such as
/// confusion, can serve every sign that reads it.
fn expand_includes<'a>(name: &str, phrases: &'a [String], concepts: &'a HashMap<String, Vec<String>>) -> Result<Vec<&'a str>, String> {
    let mut out = Vec::new();
    let mut pending: Vec<&'a [String]> = vec![phrases];
    let mut seen = vec![name];
    while let Some(list) = pending.pop() {
        for phrase in list {
            match phrase.strip_prefix('@') {
                None => out.push(phrase.as_str()),
                Some(other) => {
                    let (key, included) = concepts
                        .get_key_value(other)
                        .ok_or_else(|| format!("safety rules: {name} includes an unknown concept {other:?}"))?;
                    if !seen.contains(&key.as_str()) {
                        seen.push(key);
                        pending.push(included);
                    }
                }
            }
        }
    }
    Ok(out)
}

/// A sign's label ("chest pain spreading to your arm") said of someone else.
fn in_the_third_person(label: &str) -> String {
    label
        .split(' ')
        .map(|w| match w {
            "your" => "their",
            "you" => "them",
            "yourself" => "themselves",
            other => other,
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn join_reasons(reasons: &[&str]) -> String {
    match reasons {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests;
