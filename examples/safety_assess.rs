//! Prints the built-in rules' tier for every post of the labelled safety sets,
//! one line each: `set<TAB>expected<TAB>assessed<TAB>post`.
//!
//! cargo run --release --example safety_assess -- [--rules-alone] tests/data/safety_*.tsv
//!
//! `--rules-alone` leaves out the second opinion (the bank of labelled posts).

use jogette::domain::safety::{Rules, resemblance::{self, Bank}};

fn main() {
    let rules = Rules::builtin();
    let alone = std::env::args().any(|a| a == "--rules-alone");
    let bank = (!alone).then(Bank::builtin);
    for path in std::env::args().skip(1).filter(|a| a != "--rules-alone") {
        let set = path.rsplit('/').next().unwrap_or(&path).trim_start_matches("safety_").trim_end_matches(".tsv").to_owned();
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
        for case in resemblance::examples(&text).unwrap_or_else(|e| panic!("{path}: {e}")) {
            println!("{set}\t{}\t{}\t{}", case.tier.as_str(), rules.assess_with(case.post, "uk", bank).tier.as_str(), case.post);
        }
    }
}
