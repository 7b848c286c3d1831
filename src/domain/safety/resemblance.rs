//! The second opinion: a sentence that reads like labelled posts of a
//! serious tier raises the post to that tier, for wording no lexicon has
//! ("gasping like a fish and it won't settle").
//!
//! A text's vector is the mean of its WordPiece tokens' vectors, each token's
//! vector distilled once from all-MiniLM-L6-v2 (the model run on the token
//! alone, mean-pooled, then the vocabulary's 256 principal components, kept
//! as `i8`: `scripts/safety-wordvec` makes `wordvec.bin` again from the
//! PyPI package, checked by hash). That is a static embedding, as model2vec
//! makes: no network to run, 7.8 MB shipped, and a text costs a table look-up
//! per token. The bank is every labelled post of the tuning sets and the
//! ordinary set, with its tier; the sealed sets D, L and P are never in it,
//! so they measure it. It only ever raises a tier, and only from sentences
//! the rules' context reading finds plain: nothing in them denied,
//! conditional, past or managed.

use super::{Tier, wordpiece};
use std::sync::OnceLock;

static VECTORS: &[u8] = include_bytes!("wordvec.bin");
pub const VECTORS_BLAKE2B: &str = "46b745f073da647d13126e1963688eb1c09724889a07c6a637faf29241e5f2a472b4fe5d77608eea4a6ad6403ba0007e49a7ac5944adb25edd92702d6a7acc94";
pub const DIMENSIONS: usize = 256;

/// How many nearest posts vote, and how similar the nearest must be. Chosen on
/// the tuning sets alone, each left out of the bank in turn: of the settings
/// that add at most 0.02 false alarms there and on the ordinary set (the
/// goal of 0.05 is for rules and all), the most accurate, then the loosest
/// (`cargo run --release --example safety_second_opinion`).
pub const NEAREST: usize = 5;
pub const SIMILAR_ENOUGH: f32 = 0.5;

/// The labelled sets the built-in bank is made of: every tuning set, and
/// the ordinary posts, so that a post near harmless ones is left alone.
pub(super) const BANK: [&str; 22] = [
    include_str!("../../../tests/data/safety_conditions.tsv"),
    include_str!("../../../tests/data/safety_ordinary.tsv"),
    include_str!("../../../tests/data/safety_frozen_a.tsv"),
    include_str!("../../../tests/data/safety_holdout.tsv"),
    include_str!("../../../tests/data/safety_labelled.tsv"),
    include_str!("../../../tests/data/safety_probe.tsv"),
    include_str!("../../../tests/data/safety_sealed_b.tsv"),
    include_str!("../../../tests/data/safety_sealed_c.tsv"),
    include_str!("../../../tests/data/safety_sealed_e.tsv"),
    include_str!("../../../tests/data/safety_sealed_f.tsv"),
    include_str!("../../../tests/data/safety_sealed_g.tsv"),
    include_str!("../../../tests/data/safety_sealed_h.tsv"),
    include_str!("../../../tests/data/safety_sealed_i.tsv"),
    include_str!("../../../tests/data/safety_sealed_j.tsv"),
    include_str!("../../../tests/data/safety_sealed_k.tsv"),
    include_str!("../../../tests/data/safety_sealed_m.tsv"),
    include_str!("../../../tests/data/safety_sealed_n.tsv"),
    include_str!("../../../tests/data/safety_sealed_o.tsv"),
    include_str!("../../../tests/data/safety_sealed_q.tsv"),
    include_str!("../../../tests/data/safety_sealed_r.tsv"),
    include_str!("../../../tests/data/safety_sealed_s.tsv"),
    include_str!("../../../tests/data/safety_sealed_t.tsv"),
];

/// A labelled post: `tier<TAB>[condition<TAB>]post`.
pub struct Example<'a> {
    pub tier: Tier,
    pub condition: &'a str,
    pub post: &'a str,
}

/// The labelled posts of a set's file; comments and blank lines skipped.
pub fn examples(file: &str) -> Result<Vec<Example<'_>>, String> {
    let tier = |name: &str| match name {
        "emergency" => Ok(Tier::Emergency),
        "urgent" => Ok(Tier::Urgent),
        "soon" => Ok(Tier::Soon),
        "none" => Ok(Tier::None),
        _ => Err(format!("unknown tier {name:?}")),
    };
    file.lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .map(|line| match line.split('\t').collect::<Vec<_>>()[..] {
            [t, post] => Ok(Example { tier: tier(t)?, condition: "", post }),
            [t, condition, post] => Ok(Example { tier: tier(t)?, condition, post }),
            _ => Err(format!("not tier<TAB>[condition<TAB>]post: {line}")),
        })
        .collect()
}

/// The table of token vectors, as shipped in the binary.
pub fn table() -> &'static [u8] {
    VECTORS
}

/// A text's direction in the distilled space, of unit length; `None` for a
/// text without a token.
pub fn embed(text: &str) -> Option<Vec<f32>> {
    let mut sum = vec![0f32; DIMENSIONS];
    let ids = wordpiece::ids(text);
    for id in &ids {
        let row = &VECTORS[*id as usize * DIMENSIONS..][..DIMENSIONS];
        // Each token counts once, at unit length, whatever its quantisation scale.
        let norm = row.iter().map(|&b| f32::from(b as i8).powi(2)).sum::<f32>().sqrt();
        if norm > 0.0 {
            for (s, &b) in sum.iter_mut().zip(row) {
                *s += f32::from(b as i8) / norm;
            }
        }
    }
    let norm = sum.iter().map(|x| x * x).sum::<f32>().sqrt();
    (norm > 0.0).then(|| sum.into_iter().map(|x| x / norm).collect())
}

/// In eight lanes, so the compiler can keep them in vector registers: a
/// single running sum must be added in order, one product at a time.
fn dot(a: &[i8], b: &[f32]) -> f32 {
    let mut lanes = [0f32; 8];
    for (x, y) in a.chunks_exact(8).zip(b.chunks_exact(8)) {
        for i in 0..8 {
            lanes[i] += f32::from(x[i]) * y[i];
        }
    }
    lanes.iter().sum()
}

/// `vector` less `mean`, at unit length again.
fn centre(vector: &mut [f32], mean: &[f32]) {
    for (x, m) in vector.iter_mut().zip(mean) {
        *x -= m;
    }
    let norm = vector.iter().map(|x| x * x).sum::<f32>().sqrt().max(f32::MIN_POSITIVE);
    vector.iter_mut().for_each(|x| *x /= norm);
}

/// What the bank says of a text: the lowest tier among its nearest posts,
/// and the condition of the nearest post of that tier.
#[derive(Debug, Clone, PartialEq)]
pub struct Likeness {
    pub tier: Tier,
    pub condition: String,
    pub similarity: f32,
}

pub struct Bank {
    tiers: Vec<Tier>,
    conditions: Vec<String>,
    /// One row of `DIMENSIONS` per post, centred on the bank's mean, as
    /// `i8` scaled to the row's largest part (`scales`): a quarter of `f32`.
    vectors: Vec<i8>,
    scales: Vec<f32>,
    /// The bank's mean direction: every text shares it (the common words),
    /// so it is taken out before texts are compared.
    mean: Vec<f32>,
    nearest: usize,
    similar_enough: f32,
}

impl Bank {
    /// The bank of Jogette's labelled tuning posts.
    pub fn builtin() -> &'static Bank {
        static BUILTIN: OnceLock<Bank> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            let examples = BANK.iter().flat_map(|file| examples(file).expect("the built-in labelled sets are well formed"));
            Bank::new(examples, NEAREST, SIMILAR_ENOUGH)
        })
    }

    pub fn new<'a>(examples: impl IntoIterator<Item = Example<'a>>, nearest: usize, similar_enough: f32) -> Bank {
        // The most serious first, so that a search for a serious likeness can
        // stop when no serious post is near.
        let mut examples: Vec<Example<'a>> = examples.into_iter().collect();
        examples.sort_by_key(|e| std::cmp::Reverse(e.tier));
        // One buffer rather than a vector per post: large, it goes back to the system when dropped.
        let mut embedded: Vec<f32> = Vec::with_capacity(examples.len() * DIMENSIONS);
        let mut kept = Vec::with_capacity(examples.len());
        for example in &examples {
            if let Some(vector) = embed(example.post) {
                embedded.extend(vector);
                kept.push(example);
            }
        }
        let mut mean = vec![0.0; DIMENSIONS];
        for row in embedded.chunks_exact(DIMENSIONS) {
            for (m, x) in mean.iter_mut().zip(row) {
                *m += x / kept.len() as f32;
            }
        }
        let mut bank = Bank { tiers: Vec::new(), conditions: Vec::new(), vectors: Vec::new(), scales: Vec::new(), mean, nearest: nearest.max(1), similar_enough };
        bank.vectors.reserve_exact(embedded.len());
        for (example, row) in kept.iter().zip(embedded.chunks_exact_mut(DIMENSIONS)) {
            centre(row, &bank.mean);
            let largest = row.iter().fold(f32::MIN_POSITIVE, |m, x| m.max(x.abs()));
            bank.tiers.push(example.tier);
            bank.conditions.push(example.condition.to_owned());
            bank.vectors.extend(row.iter().map(|x| (x / largest * 127.0).round() as i8));
            bank.scales.push(largest / 127.0);
        }
        bank
    }

    pub fn len(&self) -> usize {
        self.tiers.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tiers.is_empty()
    }

    /// The bank's verdict on `text`, when its nearest post is similar enough.
    pub fn resemble(&self, text: &str) -> Option<Likeness> {
        self.resemble_at_least(text, Tier::None)
    }

    /// As [`Bank::resemble`], only when the verdict is `floor` or above:
    /// when no post of such a tier is similar enough, the others go unread.
    pub fn resemble_at_least(&self, text: &str, floor: Tier) -> Option<Likeness> {
        let mut vector = embed(text)?;
        centre(&mut vector, &self.mean);
        let high = self.tiers.partition_point(|t| *t >= floor);
        let mut nearest: Vec<(f32, usize)> = Vec::with_capacity(self.nearest + 1);
        for (i, row) in self.vectors.chunks_exact(DIMENSIONS).enumerate() {
            if i == high && nearest.first().is_none_or(|&(s, _)| s < self.similar_enough) {
                return None;
            }
            let similarity = dot(row, &vector) * self.scales[i];
            if nearest.len() < self.nearest || similarity > nearest[nearest.len() - 1].0 {
                let at = nearest.partition_point(|(s, _)| *s >= similarity);
                nearest.insert(at, (similarity, i));
                nearest.truncate(self.nearest);
            }
        }
        let &(similarity, _) = nearest.first()?;
        if similarity < self.similar_enough {
            return None;
        }
        let tier = nearest.iter().map(|&(_, i)| self.tiers[i]).min().filter(|t| *t >= floor)?;
        let (_, voter) = nearest.iter().find(|&&(_, i)| self.tiers[i] == tier)?;
        Some(Likeness { tier, condition: self.conditions[*voter].clone(), similarity })
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;

    /// Texts and the ids the `tokenizers` package gives all-MiniLM-L6-v2's
    /// tokenizer for them, [CLS] and [SEP] left off.
    pub(in crate::domain::safety) const TOKENIZED: &[(&str, &[u32])] = &[
        (
            "Hubby's 58. Came in from his jog grey as a ghost, rubbing his left arm and jaw.",
            &[9594, 3762, 1005, 1055, 5388, 1012, 2234, 1999, 2013, 2010, 8183, 2290, 4462, 2004, 1037, 5745, 1010, 10137, 2010, 2187, 2849, 1998, 5730, 1012],
        ),
        ("My café run: wee looks pinkish — like flat coke!!", &[2026, 7668, 2448, 1024, 16776, 3504, 5061, 4509, 1517, 2066, 4257, 14492, 999, 999]),
        (
            "Couldn't breathe, \u{201c}gasping\u{201d} like a fish\u{2026} 5k @ 6:30/km",
            &[2481, 1005, 1056, 7200, 1010, 1523, 17054, 1524, 2066, 1037, 3869, 1529, 1019, 2243, 1030, 1020, 1024, 2382, 1013, 2463],
        ),
        ("unbelievably tachycardic post-parkrun W5R3", &[4895, 8671, 2666, 3567, 6321, 11937, 11714, 11522, 2594, 2695, 1011, 2380, 15532, 1059, 2629, 2099, 2509]),
    ];

    #[test]
    fn the_shipped_vectors_are_the_ones_distilled_from_the_registry_package() {
        use blake2::Digest as _;
        assert_eq!(VECTORS.len(), wordpiece::vocabulary_size() * DIMENSIONS);
        let digest: String = blake2::Blake2b512::digest(VECTORS).iter().map(|b| format!("{b:02x}")).collect();
        assert_eq!(digest, VECTORS_BLAKE2B);
    }

    #[test]
    fn similar_wording_lands_near_and_different_wording_far() {
        let near = |a: &str, b: &str| -> f32 { embed(a).unwrap().iter().zip(embed(b).unwrap()).map(|(x, y)| x * y).sum() };
        let breathless = near("gasping for air and it won't settle", "I can't catch my breath and it isn't easing");
        let unrelated = near("gasping for air and it won't settle", "lovely sunrise over the canal this morning");
        assert!(breathless > unrelated + 0.1, "{breathless} against {unrelated}");
        assert_eq!(embed("   "), None);
    }

    #[test]
    fn the_bank_speaks_only_for_a_text_close_to_one_of_its_posts_and_gives_the_lowest_tier_of_the_nearest() {
        let file = "emergency\tstroke\this words came out all jumbled and one side of his face dropped\n\
                    none\tordinary\ta lovely jogette by the canal this morning\n\
                    none\tordinary\twhich trainers are best for wide feet?\n\
                    none\tordinary\tgot a blister on my heel, popped a plaster on it\n";
        let bank = Bank::new(examples(file).unwrap(), 1, 0.5);
        let likeness = bank.resemble("his words came out jumbled and one side of his face dropped").unwrap();
        assert_eq!((likeness.tier, likeness.condition.as_str()), (Tier::Emergency, "stroke"));
        assert_eq!(bank.resemble("the parkrun volunteers were brilliant as always").map(|l| l.tier).unwrap_or(Tier::None), Tier::None);

        let both = format!("{file}none\tordinary\this words came out all jumbled and one side of his face dropped\n");
        assert_eq!(Bank::new(examples(&both).unwrap(), 2, 0.5).resemble("his words came out jumbled and one side of his face dropped").unwrap().tier, Tier::None);
        assert!(examples("urgentish\tx\ty").is_err());
    }
}
