use super::*;
use super::resemblance::Example;

/// The rules alone: every set here but D, L and the ordinary one is in the
/// second opinion's bank, where it would find each post itself.
fn tier(text: &str) -> Tier {
    Rules::builtin().assess_with(text, "uk", None).tier
}

fn sign_ids(text: &str) -> Vec<String> {
    Rules::builtin().assess_with(text, "uk", None).signs.into_iter().map(|s| s.id).collect()
}

#[test]
fn the_builtin_rules_compile_and_name_a_source_for_every_sign() {
    let rules = Rules::builtin();
    assert!(rules.sign_count() >= 30);
    for sign in &rules.signs {
        assert!(is_reviewed_source(&sign.source), "sign {} needs an NHS or NICE source", sign.id);
    }
    assert!(rules.has_locale("uk") && rules.has_locale("us"));
}

/// The NHS website, an NHS trust's own pages (`*.nhs.uk`, such as a
/// children's hospital's advice), or NICE and its clinical summaries.
fn is_reviewed_source(url: &str) -> bool {
    let Some(host) = url.strip_prefix("https://").and_then(|rest| rest.split('/').next()) else { return false };
    host.ends_with(".nhs.uk") || ["www.nice.org.uk", "cks.nice.org.uk"].contains(&host)
}

#[test]
fn a_source_is_the_nhs_or_nice_by_its_address() {
    assert!(is_reviewed_source("https://www.nhs.uk/conditions/stroke/"));
    assert!(is_reviewed_source("https://www.alderhey.nhs.uk/conditions/symptoms-checker/swallowed-something/"));
    assert!(is_reviewed_source("https://cks.nice.org.uk/topics/back-pain-low-without-radiculopathy/"));
    assert!(!is_reviewed_source("https://www.nhs.uk.example.com/conditions/"));
    assert!(!is_reviewed_source("https://example.com/www.nhs.uk/"));
    assert!(!is_reviewed_source("http://www.nhs.uk/conditions/stroke/"));
}

/// Every condition on the reviewed list has a source, signs of the tier it
/// claims, and a labelled example; every sign stands for some condition.
#[test]
fn every_condition_on_the_list_has_a_source_a_rule_and_an_example() {
    let rules = Rules::builtin();
    let conditions = rules.conditions();
    assert!(conditions.len() >= 35, "{} conditions", conditions.len());
    let examples: Vec<Example> = [LABELLED, HOLDOUT, PROBE, FROZEN[0].1, CONDITIONS].iter().flat_map(|set| cases(set)).collect();
    for condition in conditions {
        assert!(is_reviewed_source(&condition.source), "condition {} needs an NHS or NICE CKS source", condition.id);
        assert!(!condition.features.is_empty(), "condition {} needs its deciding features", condition.id);
        let highest = condition.signs.iter().map(|id| rules.signs.iter().find(|s| &s.id == id).unwrap().tier).max();
        assert_eq!(highest, Some(condition.tier), "condition {}: its signs reach {highest:?}", condition.id);
        assert!(examples.iter().any(|c| c.condition == condition.id), "condition {} has no labelled example", condition.id);
    }
    for sign in &rules.signs {
        assert!(conditions.iter().any(|c| c.signs.contains(&sign.id)), "sign {} stands for no condition on the list", sign.id);
    }
}

/// docs/SAFETY.md is what clinicians review: it must list the rules as they are.
#[test]
fn the_safety_page_lists_every_condition_and_sign() {
    let page = include_str!("../../../docs/SAFETY.md");
    let rules = Rules::builtin();
    for condition in rules.conditions() {
        assert!(page.contains(&format!("`{}`: {}", condition.id, condition.name)), "docs/SAFETY.md lacks condition {}", condition.id);
    }
    for sign in &rules.signs {
        assert!(page.contains(&format!("| `{}` | {} |", sign.id, sign.label)), "docs/SAFETY.md lacks sign {}", sign.id);
    }
}

#[test]
fn a_rules_file_from_before_the_crisis_card_still_loads() {
    let old = BUILTIN_RULES.lines().filter(|l| !l.starts_with("crisis = {") && !l.starts_with("someone_else = {")).collect::<Vec<_>>().join("\n");
    let rules = Rules::parse(&old).unwrap();
    let a = rules.assess("I keep thinking about ending it all.", "uk");
    assert_eq!(a.advice.unwrap().headline, "Call 999 now");
    let other = rules.assess("My friend collapsed at parkrun", "uk");
    assert!(other.advice.unwrap().body.starts_with("You mention someone with collapsing"));
}

#[test]
fn a_condition_naming_an_unknown_sign_is_refused() {
    let bad = format!("{BUILTIN_RULES}\n[[conditions]]\nid = \"x\"\nname = \"x\"\ntier = \"soon\"\nfeatures = \"x\"\nsource = \"https://www.nhs.uk/\"\nsigns = [\"no-such-sign\"]\n");
    assert!(Rules::parse(&bad).err().unwrap().contains("no-such-sign"));
}

// ConText: each way a finding can be meant, with a case for each.

#[test]
fn context_a_negated_finding_does_not_count() {
    assert_eq!(tier("No numbness around my bottom and no trouble peeing, just a stiff lower back."), Tier::None);
}

#[test]
fn context_a_hypothetical_or_conditional_finding_does_not_count() {
    for text in [
        "If you ever get chest pain on a run, stop and call 999.",
        "Should your calf swell up and go red after a flight, get it checked.",
        "Watch out for signs like sudden breathlessness or numbness in your groin.",
        "Anyone whose knee swells up and locks should get it looked at.",
    ] {
        assert_eq!(tier(text), Tier::None, "{text}: {:?}", sign_ids(text));
    }
    // Words that only look like a condition: "as if", "not sure if".
    assert_eq!(tier("It feels as if someone is sitting on my chest, a crushing pressure."), Tier::Emergency);
    assert_eq!(tier("Not sure if it matters but my chest is tight and it's going into my jaw."), Tier::Emergency);
}

#[test]
fn context_a_historical_or_resolved_finding_does_not_count() {
    for text in ["I had a stress fracture in my shin two years ago, fully healed now.", "I had a seizure as a child but nothing since."] {
        assert_eq!(tier(text), Tier::None, "{text}: {:?}", sign_ids(text));
    }
    // …unless the past is what the sign is about.
    assert_eq!(tier("I had breast cancer years ago and now my back aches all the time."), Tier::Urgent);
    // …and the present still counts when a clause moves on to it.
    assert_eq!(tier("I broke my ankle years ago but today I heard a crack and can't put weight on it."), Tier::Urgent);
    // …or when the past belongs to a clause of its own: "which I used to love" is about running.
    assert_eq!(tier("I've been feeling really low for weeks and can't be bothered with anything, even running, which I used to love."), Tier::Soon);
}

#[test]
fn context_a_known_managed_problem_raises_nothing_below_an_emergency() {
    assert_eq!(tier("My knee swells a bit after long runs"), Tier::Soon);
    assert_eq!(tier("My knee swells a bit after long runs but my physio says it's nothing to worry about."), Tier::None);
    assert_eq!(
        tier("My angina is well controlled, but today there's a crushing chest pain going into my jaw."),
        Tier::Emergency,
        "an emergency is signposted however well managed the rest is"
    );
}

#[test]
fn context_a_finding_about_someone_else_signposts_in_the_third_person() {
    let a = Rules::builtin().assess("My dad went grey after parkrun and says his chest is tight and it spreads down his left arm.", "uk");
    assert_eq!(a.tier, Tier::Emergency);
    assert_eq!(a.about, About::SomeoneElse);
    let advice = a.advice.unwrap();
    assert!(advice.body.starts_with("You mention someone with chest pain spreading to their arm"), "{}", advice.body);
    assert!(advice.body.contains("call 999 for them"), "{}", advice.body);
    let own = Rules::builtin().assess("My chest is tight and it spreads down my left arm.", "uk");
    assert_eq!(own.about, About::Writer);
    assert!(own.advice.unwrap().body.starts_with("You mention chest pain spreading to your arm"));
}

#[test]
fn words_of_crisis_get_the_someone_may_be_at_risk_card_for_the_locale() {
    let uk = Rules::builtin().assess("I can't do this anymore, I keep thinking about ending it all.", "uk");
    assert_eq!(uk.tier, Tier::Emergency);
    let advice = uk.advice.unwrap();
    assert!(advice.headline.starts_with("Someone may be at risk"), "{}", advice.headline);
    assert!(advice.action.contains("116 123"), "{}", advice.action);
    let us = Rules::builtin().assess("I can't do this anymore, I keep thinking about ending it all.", "us");
    assert!(us.advice.unwrap().action.contains("988"));
    // With a physical emergency too, the emergency card comes first.
    let both = Rules::builtin().assess("I want to end it all. My chest is crushing and going down my arm.", "uk");
    assert_eq!(both.advice.unwrap().headline, "Call 999 now");
    assert_eq!(tier("This hill is killing me lol, I want to die"), Tier::None);
}

#[test]
fn everyday_words_reach_the_signs() {
    for (text, expected) in [
        ("His words came out all jumbled and his arm just hung there.", Tier::Emergency),
        ("My foot is facing the wrong direction after the fall.", Tier::Emergency),
        ("Gasping like a fish after the hill and it won't settle, been ten minutes.", Tier::Emergency),
        ("Got stung by a wasp and my lips are puffing up.", Tier::Emergency),
        ("Since yesterday my foot keeps slapping down and my toes catch on the kerb.", Tier::Urgent),
        ("My husband collapsed on the sofa after his run and isn't responding.", Tier::Emergency),
        ("She collapsed on the bed and we can't wake her.", Tier::Emergency),
        ("I can't catch my breath and it's been 20 minutes.", Tier::Emergency),
        ("I can't catch my breath sitting at my desk.", Tier::Emergency),
        ("My calf is hot and swollen and now I'm short of breath.", Tier::Emergency),
        ("I've been coughing up blood and I'm really short of breath.", Tier::Emergency),
        ("Tummy's a bit sore, went rock hard and I've been sick green stuff.", Tier::Emergency),
        ("My 3 year old is a bit floppy and has a rash that doesn't fade under a glass.", Tier::Emergency),
        ("Coughing up blood, not short of breath though.", Tier::Urgent),
        ("Swollen calf since the flight, and I get breathless going up the stairs.", Tier::Emergency),
        ("My calf is a bit swollen after the hill session and I was breathless on the hills.", Tier::Soon),
        ("My 3 year old is a bit floppy.", Tier::Emergency),
        ("Our little one is sleepier than normal and difficult to wake.", Tier::Emergency),
        ("Baby has a weak high pitched cry that's not like her normal cry.", Tier::Emergency),
        ("My 5 year old's skin looks blotchy and she's breathing really fast.", Tier::Emergency),
        ("Woke up and half my face won't move.", Tier::Emergency),
        ("My husband was stung by a wasp and has gone pale and floppy.", Tier::Emergency),
        ("Half my face is numb after the dentist.", Tier::None),
    ] {
        assert_eq!(tier(text), expected, "{text}: {:?}", sign_ids(text));
    }
}

/// A bum that went numb on a bus seat or a bike saddle is ordinary; numbness
/// there with back pain is the cauda equina warning, however it started.
#[test]
fn numbness_from_sitting_is_ordinary_unless_the_back_hurts() {
    assert_eq!(tier("My bum went numb after a long bus ride to the parkrun."), Tier::None);
    assert_eq!(tier("Numb bum on the bike saddle after an hour of cycling."), Tier::None);
    let back = "Back pain for a week and my bum has gone numb, even on the bus home it was numb and it hasn't worn off.";
    assert_eq!(tier(back), Tier::Emergency);
    assert_eq!(sign_ids(back), ["back-pain-saddle-numbness"]);
    assert_eq!(tier("I've had numbness around my bottom since yesterday and I can't feel when I wipe."), Tier::Emergency);
}

/// People play down what frightens them: "lol" or "haha" beside a real sign
/// is nervous understatement, not a joke, while laughter that caused the
/// words ("doubled over laughing") still raises nothing.
#[test]
fn nervous_laughter_does_not_play_down_an_emergency() {
    for text in [
        "My husband collapsed at the finish lol and he isn't responding.",
        "I collapsed on the run today haha, came round on the path and I feel awful.",
        "My lips have gone blue lol.",
        "Sorry to be dramatic haha but my lips and fingers look blue and I am gasping.",
        "I'm not joking, his lips are blue.",
        "I keep thinking about ending it all haha.",
        "Been thinking about suicide a lot lately haha",
    ] {
        assert_eq!(tier(text), Tier::Emergency, "{text}: {:?}", sign_ids(text));
    }
    for text in [
        "I nearly collapsed lol that hill",
        "Collapsed in a heap at the finish haha but so proud",
        "Out of nowhere the whole group was doubled over laughing at my tummy rumbling.",
        "My face goes grey and blotchy in the cold, my friends joke I look like a ghost.",
        "I want to die lol my legs are done",
        "Ugh I want to die of embarrassment haha, fell over in front of the whole club",
    ] {
        assert_eq!(tier(text), Tier::None, "{text}: {:?}", sign_ids(text));
    }
}

#[test]
fn chest_pain_spreading_to_the_arm_is_an_emergency_with_the_reason() {
    let a = Rules::builtin().assess("Running today I got chest pain that spread down my left arm.", "uk");
    assert_eq!(a.tier, Tier::Emergency);
    assert_eq!(a.signs[0].id, "chest-pain-spreading");
    assert!(a.signs[0].evidence.contains("chest pain that spread"));
    let advice = a.advice.unwrap();
    assert_eq!(advice.headline, "Call 999 now");
    assert!(advice.body.starts_with("You mention chest pain spreading to your arm, jaw, neck or back."), "{}", advice.body);
    assert_eq!(a.signs.len(), 1, "the less specific chest-pain sign is folded into the specific one");
}

#[test]
fn locales_change_the_signposting_not_the_signs() {
    let us = Rules::builtin().assess("I collapsed on my run", "us");
    assert_eq!(us.advice.unwrap().headline, "Call 911 now");
    let unknown = Rules::builtin().assess("I collapsed on my run", "fr");
    assert_eq!(unknown.advice.unwrap().headline, "Call 999 now", "unknown locales fall back to the UK text");
}

#[test]
fn negation_and_absence_are_not_signs() {
    for text in ["No chest pain, just tired legs", "I don't have any numbness around my bottom", "not dizzy, not faint"] {
        assert_eq!(tier(text), Tier::None, "{text}");
    }
    // "No pain or swelling" denies both: "no pain" is only content for a burn.
    assert_eq!(tier("My knees clicked on the stairs, no pain or swelling, just noisy"), Tier::None);
}

#[test]
fn a_question_its_writer_answers_no_is_not_a_sign() {
    assert_eq!(tier("Pain in my chest? No, just the chest strap rubbing."), Tier::None);
    // "No idea" answers nothing: the question still describes the pain.
    assert_eq!(tier("My chest feels tight and heavy, is that normal? No idea what to do."), Tier::Emergency);
}

#[test]
fn a_phrase_reads_through_a_word_that_only_strengthens_it() {
    assert_eq!(tier("After the wasp sting my lips have puffed right up"), Tier::Emergency);
    assert_eq!(tier("My foot keeps really dragging and catching on the kerb"), Tier::Urgent);
}

#[test]
fn how_often_is_not_how_long() {
    assert_eq!(tier("My heel has been sore first thing every morning for six weeks."), Tier::Soon);
    assert_eq!(tier("My knee gets a bit sore every two weeks or so."), Tier::None);
}

#[test]
fn goodbyes_signpost_crisis_only_with_a_means_at_hand() {
    let a = Rules::builtin().assess("The paracetamol is ready. Thanks for everything, I just wanted to say goodbye.", "uk");
    assert_eq!(a.tier, Tier::Emergency);
    assert!(a.advice.unwrap().headline.contains("Someone may be at risk"));
    assert_eq!(tier("Moving to Spain next month so wanted to say goodbye to you all, thanks for everything!"), Tier::None);
}

/// "Hit the wall" is figurative; "had to grab the wall" is someone nearly going down.
#[test]
fn a_figurative_word_inside_a_phrase_that_means_something_else_does_not_calm_a_sign() {
    assert_eq!(tier("Twice today my vision has gone to static and I've had to grab the wall"), Tier::Urgent);
    assert_eq!(tier("Hit the wall at mile 20 and had to walk, everything went fuzzy in my legs"), Tier::None);
}

#[test]
fn figurative_and_harmless_uses_are_not_signs() {
    for text in [
        "I nearly collapsed on the sofa laughing",
        "my heart was pounding but settled in two minutes",
        "breathless on the hills but recover quickly",
        "I came back from my run with a fever",
        "fell in love with running, ouch my pride hurts",
    ] {
        assert_eq!(tier(text), Tier::None, "{text}: {:?}", sign_ids(text));
    }
}

#[test]
fn duration_and_trend_turn_an_ache_into_see_someone() {
    assert_eq!(tier("my knee aches"), Tier::None);
    assert_eq!(tier("my knee has ached for three weeks now"), Tier::Soon);
    assert_eq!(tier("my knee aches and it hasn't improved despite a week's rest"), Tier::Soon);
    assert_eq!(tier("my knee ache is getting worse every day"), Tier::Soon);
    assert_eq!(tier("I've been running for three weeks and my knees ache a bit"), Tier::None);
}

#[test]
fn got_back_pain_is_back_pain_not_coming_home() {
    assert_eq!(tier("I've got back pain and a high temperature"), Tier::Urgent);
    assert_eq!(tier("I get back pain and a fever after long runs"), Tier::Urgent);
    assert_eq!(tier("I got back from my run with a fever and a sore knee"), Tier::None);
}

#[test]
fn combinations_raise_the_tier() {
    assert_eq!(tier("my lower back hurts"), Tier::None);
    assert_eq!(tier("My lower back hurts. I also have a fever."), Tier::Urgent);
    assert_eq!(tier("back pain and now weakness in both legs"), Tier::Emergency);
    assert_eq!(tier("calf pain with swelling and it feels hot"), Tier::Urgent);
    assert_eq!(tier("I fell on my run and my wrist hurts"), Tier::Soon);
}

#[test]
fn reported_events_about_someone_else_count() {
    assert_eq!(tier("my friend collapsed at parkrun"), Tier::Emergency);
}

#[test]
fn quoted_words_from_another_post_are_not_assessed() {
    assert_eq!(tier("> I collapsed at parkrun\n\nSo glad you're ok now!"), Tier::None);
}

#[test]
fn rules_files_are_validated() {
    assert!(Rules::parse("version = 1").is_err());
    let bad_concept = BUILTIN_RULES.replace("all = [\"seizure\"]", "all = [\"no_such_concept\"]");
    assert!(Rules::parse(&bad_concept).err().unwrap().contains("no_such_concept"));
}

#[test]
fn a_concept_can_include_another_concepts_words() {
    let rules = |extra: &str| Rules::parse(&BUILTIN_RULES.replace("[concepts]\n", &format!("[concepts]\n{extra}\n")));
    let shared = rules("loop_a = [\"@loop_b\", \"alpha\"]\nloop_b = [\"@loop_a\", \"beta\"]");
    assert!(shared.is_ok(), "a cycle of includes is read once: {:?}", shared.err());
    let unknown = rules("loop_a = [\"@no_such_concept\"]").err().unwrap();
    assert!(unknown.contains("no_such_concept"), "{unknown}");
    // Heatstroke reads confusion through the shared lexicon.
    assert_eq!(tier("Hot day, and after the run my brother was walking in circles"), Tier::Emergency);
}

#[test]
fn a_community_can_add_a_sign_without_recompiling() {
    let extra = format!(
        "{BUILTIN_RULES}\n[[signs]]\nid = \"snake-bite\"\nlabel = \"a snake bite\"\ntier = \"emergency\"\nsource = \"https://www.nhs.uk/conditions/snake-bites/\"\nall = [\"snake\"]\n"
    )
    .replace("[concepts]\n", "[concepts]\nsnake = [\"bitten by a snake\", \"snake bit*\", \"adder bit*\"]\n");
    let rules = Rules::parse(&extra).unwrap();
    assert_eq!(rules.assess("I was bitten by a snake on the trail", "uk").tier, Tier::Emergency);
}

const LABELLED: &str = include_str!("../../../tests/data/safety_labelled.tsv");
const TIERS: [Tier; 4] = [Tier::Emergency, Tier::Urgent, Tier::Soon, Tier::None];

const HOLDOUT: &str = include_str!("../../../tests/data/safety_holdout.tsv");
const PROBE: &str = include_str!("../../../tests/data/safety_probe.tsv");

/// The labelled set's goals: emergencies found, few false alarms, tiers right.
#[test]
fn the_labelled_set_meets_the_goals() {
    evaluate(LABELLED);
}

/// The same goals on posts written in other words after the rules were.
#[test]
fn the_holdout_set_meets_the_goals() {
    evaluate(HOLDOUT);
}

/// A third set, written last: its figures are reported in docs/SAFETY.md.
#[test]
fn the_probe_set_meets_the_goals() {
    evaluate(PROBE);
}

/// A set's labelled posts: `tier<TAB>post` or `tier<TAB>condition<TAB>post` lines.
fn cases(set: &str) -> Vec<Example<'_>> {
    resemblance::examples(set).unwrap()
}

/// The four measures the safety issue sets goals for, and what was missed.
struct Score {
    cases: usize,
    confusion: [[usize; 4]; 4],
    misses: Vec<String>,
    failing_conditions: Vec<String>,
}

fn index(t: Tier) -> usize {
    TIERS.iter().position(|x| *x == t).unwrap()
}

impl Score {
    fn of(set: &str) -> Score {
        Score::judged(set, tier)
    }

    fn judged(set: &str, tier: impl Fn(&str) -> Tier) -> Score {
        let cases = cases(set);
        // confusion[expected][assessed]
        let mut confusion = [[0usize; 4]; 4];
        let mut misses = Vec::new();
        let mut failing_conditions: Vec<String> = Vec::new();
        for case in &cases {
            let got = tier(case.post);
            confusion[index(case.tier)][index(got)] += 1;
            if got != case.tier {
                misses.push(format!("{:>9} → {:<9} [{}] {}  {:?}", case.tier.as_str(), got.as_str(), case.condition, case.post, sign_ids(case.post)));
                if !case.condition.is_empty() && !failing_conditions.iter().any(|c| c == case.condition) {
                    failing_conditions.push(case.condition.to_owned());
                }
            }
        }
        failing_conditions.sort();
        Score { cases: cases.len(), confusion, misses, failing_conditions }
    }

    fn row(&self, t: Tier) -> &[usize; 4] {
        &self.confusion[index(t)]
    }

    fn emergency_recall(&self) -> f64 {
        let row = self.row(Tier::Emergency);
        row[0] as f64 / row.iter().sum::<usize>().max(1) as f64
    }

    /// Emergency or urgent posts assessed as "soon" or nothing.
    fn serious_played_down(&self) -> f64 {
        let (e, u) = (self.row(Tier::Emergency), self.row(Tier::Urgent));
        let down = e[2] + e[3] + u[2] + u[3];
        down as f64 / (e.iter().sum::<usize>() + u.iter().sum::<usize>()).max(1) as f64
    }

    fn accuracy(&self) -> f64 {
        (0..4).map(|i| self.confusion[i][i]).sum::<usize>() as f64 / self.cases as f64
    }

    fn false_alarms(&self) -> f64 {
        let none = self.row(Tier::None);
        (none.iter().sum::<usize>() - none[3]) as f64 / none.iter().sum::<usize>().max(1) as f64
    }

    fn report(&self, name: &str) {
        println!("== {name}: {} posts", self.cases);
        println!("expected \\ assessed | emergency | urgent | soon | none");
        for t in TIERS {
            let row = self.row(t);
            println!("{:>9} | {} | {} | {} | {}", t.as_str(), row[0], row[1], row[2], row[3]);
        }
        println!(
            "emergency recall {:.2}, serious played down {:.2}, accuracy {:.2}, false alarms {:.2}",
            self.emergency_recall(),
            self.serious_played_down(),
            self.accuracy(),
            self.false_alarms()
        );
        if !self.failing_conditions.is_empty() {
            println!("conditions with a miss: {}", self.failing_conditions.join(", "));
        }
        for miss in &self.misses {
            println!("{miss}");
        }
    }
}

fn evaluate(set: &str) {
    let score = Score::of(set);
    score.report("set");
    assert!(score.cases >= 30);
    assert!(score.emergency_recall() >= 0.95, "emergency recall {:.2}", score.emergency_recall());
    assert!(score.false_alarms() <= 0.10, "false alarms on none posts {:.2}", score.false_alarms());
    assert!(score.accuracy() >= 0.85, "four-tier accuracy {:.3}", score.accuracy());
}

const CONDITIONS: &str = include_str!("../../../tests/data/safety_conditions.tsv");

/// The second batch of conditions, by their worked examples.
#[test]
fn the_condition_examples_meet_the_goals() {
    evaluate(CONDITIONS);
}

const ORDINARY: &str = include_str!("../../../tests/data/safety_ordinary.tsv");

/// Harmless uses of the words the wider condition list listens for.
#[test]
fn ordinary_posts_with_alarming_words_raise_no_card() {
    let score = Score::of(ORDINARY);
    score.report("ordinary words");
    assert!(score.false_alarms() <= 0.05, "false alarms {:.2}", score.false_alarms());
}


/// The frozen sets, each with its last measured emergency recall, serious
/// signs played down, accuracy and false alarms. Every set but D, I and L
/// shaped the rules after its first measurement (docs/SAFETY.md has those
/// first-sight figures); D and L were never tuned on and are the honest
/// estimates, with their misses listed there (L's first sight is the figure
/// to quote: a later change reached one of its misses).
const FROZEN: [(&str, &str, [f64; 4]); 20] = [
    ("A", include_str!("../../../tests/data/safety_frozen_a.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("B", include_str!("../../../tests/data/safety_sealed_b.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("C", include_str!("../../../tests/data/safety_sealed_c.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("D", include_str!("../../../tests/data/safety_sealed_d.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("E", include_str!("../../../tests/data/safety_sealed_e.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("F", include_str!("../../../tests/data/safety_sealed_f.tsv"), [1.0, 0.04, 0.96, 0.0]),
    ("G", include_str!("../../../tests/data/safety_sealed_g.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("H", include_str!("../../../tests/data/safety_sealed_h.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("I", include_str!("../../../tests/data/safety_sealed_i.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("J", include_str!("../../../tests/data/safety_sealed_j.tsv"), [0.97, 0.0, 0.99, 0.0]),
    ("K", include_str!("../../../tests/data/safety_sealed_k.tsv"), [1.0, 0.0, 0.99, 0.0]),
    ("L", include_str!("../../../tests/data/safety_sealed_l.tsv"), [0.97, 0.27, 0.79, 0.0]),
    ("M", include_str!("../../../tests/data/safety_sealed_m.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("N", include_str!("../../../tests/data/safety_sealed_n.tsv"), [1.0, 0.0, 0.97, 0.0]),
    ("O", include_str!("../../../tests/data/safety_sealed_o.tsv"), [1.0, 0.0, 0.98, 0.0]),
    ("P", include_str!("../../../tests/data/safety_sealed_p.tsv"), [0.81, 0.17, 0.88, 0.0]),
    ("Q", include_str!("../../../tests/data/safety_sealed_q.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("R", include_str!("../../../tests/data/safety_sealed_r.tsv"), [1.0, 0.0, 1.0, 0.0]),
    ("S", include_str!("../../../tests/data/safety_sealed_s.tsv"), [1.0, 0.03, 0.97, 0.0]),
    ("T", include_str!("../../../tests/data/safety_sealed_t.tsv"), [1.0, 0.0, 1.0, 0.0]),
];

/// The goals are recall ≥ 0.95, played down ≤ 0.05, accuracy ≥ 0.90
/// and false alarms ≤ 0.05; this holds the rules to what they reached, so a
/// change can't quietly make them worse.
#[test]
fn the_frozen_sets_do_no_worse_than_last_measured() {
    for (name, set, [recall, played_down, accuracy, false_alarms]) in FROZEN {
        let score = Score::of(set);
        score.report(&format!("set {name}"));
        assert!(score.emergency_recall() >= recall, "set {name}: emergency recall {:.2} < {recall}", score.emergency_recall());
        assert!(score.serious_played_down() <= played_down, "set {name}: played down {:.2} > {played_down}", score.serious_played_down());
        assert!(score.accuracy() >= accuracy, "set {name}: accuracy {:.2} < {accuracy}", score.accuracy());
        assert!(score.false_alarms() <= false_alarms, "set {name}: false alarms {:.2} > {false_alarms}", score.false_alarms());
    }
}

/// The second opinion beside the rules, on the sets never in its bank (the
/// figures of docs/SAFETY.md, "The second opinion").
#[test]
fn the_second_opinion_reaches_further_into_sets_it_never_saw_without_a_false_alarm() {
    let with_bank = |text: &str| Rules::builtin().assess(text, "uk").tier;
    let sets: [(&str, &str, [f64; 3]); 3] =
        [("D", FROZEN[3].1, [1.0, 0.0, 1.0]), ("L", FROZEN[11].1, [1.0, 0.2, 0.83]), ("P", FROZEN[15].1, [0.93, 0.04, 0.95])];
    for (name, set, [recall, played_down, accuracy]) in sets {
        let (rules, both) = (Score::of(set), Score::judged(set, with_bank));
        both.report(&format!("set {name} with the second opinion"));
        assert!(both.emergency_recall() >= recall.max(rules.emergency_recall()), "set {name}: recall {:.2}", both.emergency_recall());
        assert!(both.serious_played_down() <= played_down.min(rules.serious_played_down()), "set {name}: played down {:.2}", both.serious_played_down());
        assert!(both.accuracy() >= accuracy.max(rules.accuracy()), "set {name}: accuracy {:.2}", both.accuracy());
        assert_eq!(both.false_alarms(), 0.0, "set {name}");
    }
    // The ordinary posts are in the bank: measured, they are left out of it.
    let others = resemblance::BANK.iter().filter(|set| **set != ORDINARY).flat_map(|set| resemblance::examples(set).unwrap());
    let bank = Bank::new(others, resemblance::NEAREST, resemblance::SIMILAR_ENOUGH);
    let ordinary = Score::judged(ORDINARY, |text| Rules::builtin().assess_with(text, "uk", Some(&bank)).tier);
    assert!(ordinary.false_alarms() <= 0.02, "{:.3}", ordinary.false_alarms());
}

#[test]
fn the_shipped_set_has_200_posts_and_a_third_are_ordinary_aches() {
    let cases: Vec<&str> = LABELLED.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).collect();
    let none = cases.iter().filter(|l| l.starts_with("none\t")).count();
    assert!(cases.len() >= 200, "{}", cases.len());
    assert!(none * 3 >= cases.len(), "{none} of {}", cases.len());
}

#[test]
fn a_catch_all_sign_gives_way_to_a_specific_one() {
    let a = Rules::builtin().assess("My upper back has ached for two weeks and it isn't getting better", "uk");
    assert_eq!(a.tier, Tier::Soon);
    assert_eq!(a.signs.len(), 1, "{:?}", a.signs);
    assert_eq!(a.advice.unwrap().reason, "upper back pain that isn't settling");
}

#[test]
fn words_no_lexicon_has_get_a_card_when_they_read_like_labelled_posts_and_the_card_says_what_it_read() {
    let text = "Dad's coffee kept dribbling out one side of his mouth and he couldn't find the word for spoon";
    assert_eq!(tier(text), Tier::None, "the rules alone");
    let a = Rules::builtin().assess(text, "uk");
    assert_eq!(a.tier, Tier::Emergency);
    assert!(a.signs[0].id.starts_with(READS_LIKE), "{:?}", a.signs);
    assert_eq!(a.signs[0].evidence, text);
    assert!(a.signs[0].source.contains("similarity"), "{}", a.signs[0].source);
    assert_eq!(a.about, About::SomeoneElse);
    assert!(a.advice.unwrap().body.starts_with("You mention someone with symptoms that read like posts needing emergency help"));
}

#[test]
fn the_second_opinion_never_reads_a_denied_conditional_past_or_managed_sentence() {
    for text in [
        "If your dad's coffee dribbles out one side of his mouth and he can't find the word for spoon, call 999.",
        "Years ago dad's coffee kept dribbling out one side of his mouth and he couldn't find the word for spoon.",
        "Dad's coffee never dribbles out one side of his mouth and he always finds the word for spoon.",
        "My asthma kicks in a little on frosty mornings, two puffs of the blue inhaler before I go and I'm sorted",
    ] {
        assert_eq!(Rules::builtin().assess(text, "uk").tier, tier(text), "{text}");
    }
}

/// A reply quoting someone's emergency is read for the replier's own words:
/// the whole-post likeness once took in the quote, and raised "my legs ache"
/// to an emergency.
#[test]
fn the_second_opinion_reads_a_reply_without_the_lines_it_quotes() {
    let reply = "> Dad's coffee kept dribbling out one side of his mouth and he couldn't find the word for spoon\n\
                 > His words were all jumbled.\n\n\
                 My legs ache after the run. My knees are sore too.";
    assert_eq!(Rules::builtin().assess(reply, "uk").tier, Tier::None);
}

#[test]
fn the_second_opinion_only_ever_raises_a_tier() {
    for (_, set, _) in FROZEN {
        for case in cases(set).iter().chain(&cases(ORDINARY)) {
            assert!(Rules::builtin().assess(case.post, "uk").tier >= tier(case.post), "{}", case.post);
        }
    }
}
