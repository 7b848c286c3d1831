//! Chooses and measures the safety rules' second opinion (the bank of
//! labelled posts, `domain::safety::resemblance`) against the rules alone.
//! For each setting of how many nearest posts vote and how similar the
//! nearest must be: the tuning sets and the ordinary set, each measured with
//! itself left out of the bank; then sets D, L and P, never in the bank.
//! Prints recall / played down / accuracy / false alarms, to three places:
//! settings often tie at two.
//!
//! cargo run --release --example safety_second_opinion -- tests/data/safety_*.tsv

use jogette::domain::safety::resemblance::{self, Bank, Example};
use jogette::domain::safety::{Rules, Tier};

const NEVER_IN_THE_BANK: [&str; 3] = ["sealed_d", "sealed_l", "sealed_p"];

struct Set {
    name: String,
    text: String,
}

fn measures(pairs: &[(Tier, Tier)]) -> [f64; 4] {
    let share = |hit: usize, of: usize| if of == 0 { 0.0 } else { hit as f64 / of as f64 };
    let count = |f: &dyn Fn(&(Tier, Tier)) -> bool| pairs.iter().filter(|p| f(p)).count();
    [
        share(count(&|(e, a)| *e == Tier::Emergency && *a == Tier::Emergency), count(&|(e, _)| *e == Tier::Emergency)),
        share(count(&|(e, a)| *e >= Tier::Urgent && *a <= Tier::Soon), count(&|(e, _)| *e >= Tier::Urgent)),
        share(count(&|(e, a)| e == a), pairs.len()),
        share(count(&|(e, a)| *e == Tier::None && *a > Tier::None), count(&|(e, _)| *e == Tier::None)),
    ]
}

fn show(m: [f64; 4]) -> String {
    m.iter().map(|x| format!("{x:.3}")).collect::<Vec<_>>().join(" / ")
}

fn examples(set: &Set) -> Vec<Example<'_>> {
    resemblance::examples(&set.text).unwrap_or_else(|e| panic!("{}: {e}", set.name))
}

fn main() {
    let rules = Rules::builtin();
    let sets: Vec<Set> = std::env::args()
        .skip(1)
        .map(|path| {
            let name = path.rsplit('/').next().unwrap_or(&path).trim_start_matches("safety_").trim_end_matches(".tsv").to_owned();
            Set { name, text: std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}")) }
        })
        .collect();
    let tuning: Vec<&Set> = sets.iter().filter(|s| !NEVER_IN_THE_BANK.contains(&s.name.as_str())).collect();
    let bank_without = |left_out: &str, k: usize, tau: f32| {
        Bank::new(tuning.iter().filter(|s| s.name != left_out).flat_map(|s| examples(s)), k, tau)
    };
    let judge = |set: &Set, bank: Option<&Bank>| -> Vec<(Tier, Tier)> {
        examples(set).iter().map(|Example { tier, post, .. }| (*tier, rules.assess_with(post, "uk", bank).tier)).collect()
    };
    let named = |name: &str| sets.iter().find(|s| s.name == name);

    let alone: Vec<(Tier, Tier)> = tuning.iter().flat_map(|s| judge(s, None)).collect();
    println!("rules alone: tuning {}", show(measures(&alone)));
    for name in NEVER_IN_THE_BANK {
        if let Some(set) = named(name) {
            println!("rules alone: {name} {}", show(measures(&judge(set, None))));
        }
    }
    for k in [1, 3, 5] {
        for tau in [0.35, 0.4, 0.45, 0.5, 0.55, 0.6] {
            let left_out: Vec<(Tier, Tier)> = tuning.iter().flat_map(|s| judge(s, Some(&bank_without(&s.name, k, tau)))).collect();
            let full = bank_without("", k, tau);
            let ordinary = tuning.iter().find(|s| s.name == "ordinary").map(|s| judge(s, Some(&bank_without(&s.name, k, tau))));
            let mut line = format!("k={k} tau={tau}: tuning, each left out {}", show(measures(&left_out)));
            if let Some(ordinary) = ordinary {
                line += &format!(" (ordinary, left out: false alarms {:.3})", measures(&ordinary)[3]);
            }
            for name in NEVER_IN_THE_BANK {
                if let Some(set) = named(name) {
                    line += &format!(" | {name} {}", show(measures(&judge(set, Some(&full)))));
                }
            }
            println!("{line}");
        }
    }
}
