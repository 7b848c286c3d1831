//! Red-flag cards, on posts and in the composer.

use crate::app::{App, Post, Viewer};
use crate::domain::safety::About;

/// A red-flag card: shown on a post (to its author, and to readers so helpers
/// know too), always just after the post's words, and in the composer.
pub struct SafetyCard {
    pub tier: &'static str,
    pub headline: String,
    pub message: String,
    pub action: String,
    /// Each sign read and the words that showed it, so members, moderators
    /// and clinicians can see why the card is there.
    pub read: Vec<(String, String)>,
    /// Where the browser remembers a dismissal; empty in the composer.
    pub key: String,
}

impl SafetyCard {
    /// The card for the writer of `text`, if it describes any warning sign.
    pub fn for_writer(app: &App, text: &str) -> Option<SafetyCard> {
        Self::build(app, text, None, String::new)
    }

    /// The card on a post: addressed to its author, or to the people who might reply.
    pub fn for_post(app: &App, post: &Post, viewer: &Viewer) -> Option<SafetyCard> {
        if post.deleted {
            return None;
        }
        let reader = (viewer.user_id() != Some(post.user_id)).then_some(post.author.as_str());
        Self::build(app, &post.safety_text(), reader, || format!("p{}", post.id))
    }

    fn build(app: &App, text: &str, written_by_someone_else: Option<&str>, key: impl FnOnce() -> String) -> Option<SafetyCard> {
        let assessment = app.assessment(text);
        let advice = assessment.advice.as_ref()?;
        let message = match (written_by_someone_else, assessment.about) {
            (None, _) => advice.body.clone(),
            (Some(author), About::Writer) => format!(
                "This post mentions {}. If you reply, encourage {author} to get help rather than relying on forum advice.",
                advice.reason
            ),
            (Some(author), About::SomeoneElse) => format!(
                "This post mentions someone with {}. If you reply, encourage {author} to get them help rather than relying on forum advice.",
                advice.reason
            ),
        };
        let read = assessment.signs.iter().filter(|s| s.tier == assessment.tier).map(|s| (s.label.clone(), s.evidence.clone())).collect();
        Some(SafetyCard { tier: assessment.tier.as_str(), headline: advice.headline.clone(), message, action: advice.action.clone(), read, key: key() })
    }
}
