//! Red-flag signposting: the rules are `domain::safety`, read at start-up
//! from the built-in file or the operator's own.

use super::{App, Error, Result};
use crate::config::Config;
use crate::domain::safety::{Assessment, BUILTIN_RULES, Rules};
use std::collections::HashMap;
use std::hash::BuildHasher;
use std::sync::{Arc, Mutex};

/// How many assessments are remembered (a few MB at most).
const REMEMBERED: usize = 8_192;

/// Assessments remembered by their text: every page of a thread assesses
/// each post it shows, and posts are read far more often than written. The
/// rules and locale are fixed for the process, so a text's assessment never
/// changes; the key is the text's length and a keyed 64-bit hash of it.
pub(super) struct Remembered {
    hasher: std::hash::RandomState,
    map: Mutex<HashMap<(usize, u64), Arc<Assessment>>>,
}

impl Remembered {
    pub(super) fn new() -> Remembered {
        Remembered { hasher: std::hash::RandomState::new(), map: Mutex::new(HashMap::new()) }
    }

    fn get_or(&self, text: &str, assess: impl FnOnce() -> Assessment) -> Arc<Assessment> {
        let key = (text.len(), self.hasher.hash_one(text));
        if let Some(found) = self.map.lock().unwrap_or_else(|e| e.into_inner()).get(&key) {
            return found.clone();
        }
        let assessed = Arc::new(assess());
        let mut map = self.map.lock().unwrap_or_else(|e| e.into_inner());
        // Full: start again rather than track ages; the busy pages come back at once.
        if map.len() >= REMEMBERED {
            map.clear();
        }
        map.insert(key, assessed.clone());
        assessed
    }
}

/// The configured rules, checked to have text for the configured locale.
pub(super) fn load_rules(config: &Config) -> Result<Rules, String> {
    let source = match &config.safety_rules {
        Some(path) => std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?,
        None => BUILTIN_RULES.to_owned(),
    };
    let rules = Rules::parse(&source)?;
    if !rules.has_locale(&config.locale) {
        return Err(format!("the safety rules have no signposting text for locale {:?}", config.locale));
    }
    Ok(rules)
}

impl App {
    /// What a text describes, in the configured locale's words.
    pub fn assess(&self, text: &str) -> Assessment {
        (*self.assessment(text)).clone()
    }

    /// As [`App::assess`], shared rather than copied: most posts need none
    /// of it, and a thread page asks for twenty.
    pub fn assessment(&self, text: &str) -> Arc<Assessment> {
        self.assessments.get_or(text, || self.safety.assess(text, &self.config.locale))
    }

    /// The composer's live check of a draft, limited per client as people type.
    pub fn check_draft(&self, client: &str, text: &str) -> Result<Assessment> {
        self.limit("safety", self.config.rate_limits.safety, client)?;
        let max = crate::domain::validate::BODY_MAX;
        if text.chars().count() > max {
            return Err(Error::field("text", format!("Texts can be at most {max} characters.")));
        }
        Ok(self.assess(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::safety::Tier;

    #[test]
    fn a_text_is_assessed_once_and_remembered_apart_from_others() {
        let remembered = Remembered::new();
        let rules = Rules::parse(BUILTIN_RULES).unwrap();
        let assessed = std::cell::Cell::new(0);
        let assess = |text: &str| {
            remembered.get_or(text, || {
                assessed.set(assessed.get() + 1);
                rules.assess(text, "uk")
            })
        };
        let chest = "Crushing chest pain spreading down my left arm on my run.";
        assert_eq!(assess(chest).tier, Tier::Emergency);
        assert_eq!(assess(chest).tier, Tier::Emergency);
        assert_eq!(assess("A lovely gentle jogette by the canal.").tier, Tier::None);
        assert_eq!(assessed.get(), 2);
        for i in 0..REMEMBERED + 1 {
            assess(&format!("run number {i}"));
        }
        assert!(remembered.map.lock().unwrap().len() <= REMEMBERED);
    }
}
