//! Red-flag signposting: the rules are `domain::safety`, read at start-up
//! from the built-in file or the operator's own.

use super::{App, Error, Result};
use crate::config::Config;
use crate::domain::safety::{Assessment, BUILTIN_RULES, Rules};

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
        self.safety.assess(text, &self.config.locale)
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
