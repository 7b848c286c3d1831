//! The community's own words: its name, tagline, welcome, guidelines and a
//! contact for safety concerns. Defaults come from Jogette (or the
//! operator's `--site` file); admins change them on the admin page.

use super::FieldError;
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Site {
    pub name: String,
    pub tagline: String,
    /// Markdown, for a first visit and just after joining.
    pub welcome: String,
    /// Markdown, at /guidelines.
    pub guidelines: String,
    /// How to reach someone about a member's safety (an address, a page…); empty for none.
    pub safety_contact: String,
}

impl Default for Site {
    fn default() -> Self {
        Site {
            name: "Jogette".into(),
            tagline: "a gentle community for new runners".into(),
            welcome: "New to running, or coming back to it? This is a place to ask anything, however small, and to cheer each other on.\n\n\
                      Start by saying hello in **Introductions**, tell us how your week's runs went, or ask about a niggle in **Injuries and niggles**."
                .into(),
            guidelines: "## How we talk here\n\n\
                         - **Be kind.** Everyone here was a beginner once, and many still are.\n\
                         - **Share what helped you, not what someone else should do.** Forum advice is not medical advice.\n\
                         - **Encourage people to get checked** when something isn't settling, and follow the red-flag cards: call 999 for an emergency.\n\
                         - **Keep personal details out of posts:** phone numbers, addresses, and anything you'd not want a stranger to read.\n\
                         - **Flag a post** that worries you; the moderators are volunteers and read every flag."
                .into(),
            safety_contact: String::new(),
        }
    }
}

/// The longest each may be, in characters.
const NAME_MAX: usize = 60;
const TAGLINE_MAX: usize = 120;
const WELCOME_MAX: usize = 4000;
const GUIDELINES_MAX: usize = 20_000;
const CONTACT_MAX: usize = 300;

impl Site {
    /// Reads an operator's site file (TOML; any of the fields, the rest default).
    pub fn from_file(text: &str) -> Result<Site, String> {
        let site: Site = toml::from_str(text).map_err(|e| e.message().trim().to_owned())?;
        site.check().map_err(|errors| errors.into_iter().map(|e| format!("{}: {}", e.field, e.message)).collect::<Vec<_>>().join("; "))?;
        Ok(site)
    }

    /// Every field trimmed, within its length and free of hidden control
    /// characters; the name is required.
    pub fn check(&self) -> Result<(), Vec<FieldError>> {
        let mut errors = Vec::new();
        for (field, text, max, required) in [
            ("name", &self.name, NAME_MAX, true),
            ("tagline", &self.tagline, TAGLINE_MAX, false),
            ("welcome", &self.welcome, WELCOME_MAX, false),
            ("guidelines", &self.guidelines, GUIDELINES_MAX, false),
            ("safety_contact", &self.safety_contact, CONTACT_MAX, false),
        ] {
            let len = text.trim().chars().count();
            if required && len == 0 {
                errors.push(FieldError::new(field, "Give the community a name."));
            } else if len > max {
                errors.push(FieldError::new(field, format!("At most {max} characters.")));
            } else if let Err(e) = super::validate::plain_text(field, text) {
                errors.push(e);
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(errors) }
    }

    /// The settings keys they are stored under, with their values.
    pub fn to_settings(&self) -> [(&'static str, String); 5] {
        [
            ("site.name", self.name.trim().to_owned()),
            ("site.tagline", self.tagline.trim().to_owned()),
            ("site.welcome", self.welcome.trim().to_owned()),
            ("site.guidelines", self.guidelines.trim().to_owned()),
            ("site.safety_contact", self.safety_contact.trim().to_owned()),
        ]
    }

    /// `defaults`, overridden by whatever the admins have saved.
    pub fn from_settings(defaults: &Site, stored: &[(String, String)]) -> Site {
        let mut site = defaults.clone();
        for (key, value) in stored {
            match key.as_str() {
                "site.name" => site.name = value.clone(),
                "site.tagline" => site.tagline = value.clone(),
                "site.welcome" => site.welcome = value.clone(),
                "site.guidelines" => site.guidelines = value.clone(),
                "site.safety_contact" => site.safety_contact = value.clone(),
                _ => {}
            }
        }
        site
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_site_file_sets_what_it_names_and_the_rest_defaults() {
        let site = Site::from_file("name = \"Couch to 5K Friends\"\nsafety_contact = \"safety@c25k-friends.example\"\n").unwrap();
        assert_eq!(site.name, "Couch to 5K Friends");
        assert_eq!(site.tagline, Site::default().tagline);
        assert!(Site::from_file("name = \"\"").unwrap_err().contains("name"));
        assert!(Site::from_file("colour = \"red\"").unwrap_err().contains("colour"));
        assert!(Site::from_file(&format!("tagline = \"{}\"", "x".repeat(121))).unwrap_err().contains("tagline"));
    }

    #[test]
    fn stored_settings_override_the_defaults() {
        let stored = vec![("site.name".to_owned(), "Jog Club".to_owned()), ("flags_to_hide".to_owned(), "3".to_owned())];
        let site = Site::from_settings(&Site::default(), &stored);
        assert_eq!((site.name.as_str(), site.tagline.as_str()), ("Jog Club", Site::default().tagline.as_str()));
        let round_trip = Site::from_settings(&Site::default(), &site.to_settings().map(|(k, v)| (k.to_owned(), v)));
        assert_eq!(round_trip, site);
    }
}
