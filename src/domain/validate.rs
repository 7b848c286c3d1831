//! Input rules shared by the HTML forms and the API, so both reject the same things
//! with the same words.

use super::FieldError;

pub const USERNAME_MIN: usize = 3;
pub const USERNAME_MAX: usize = 30;
pub const PASSWORD_MIN: usize = 10;
/// Long enough for any honest passphrase, short enough that hashing it is cheap.
pub const PASSWORD_MAX: usize = 256;
pub const TITLE_MIN: usize = 5;
pub const TITLE_MAX: usize = 150;
pub const BODY_MAX: usize = 32_000;

pub fn is_username_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.')
}

pub fn username(name: &str) -> Result<(), FieldError> {
    let len = name.chars().count();
    if !(USERNAME_MIN..=USERNAME_MAX).contains(&len) {
        return Err(FieldError::new(
            "username",
            format!("Usernames are {USERNAME_MIN} to {USERNAME_MAX} characters long."),
        ));
    }
    if !name.chars().all(is_username_char) {
        return Err(FieldError::new(
            "username",
            "Use only letters, digits, underscores, hyphens and full stops.",
        ));
    }
    if name.to_ascii_lowercase().starts_with(super::deletion::FORMER_PREFIX) {
        return Err(FieldError::new("username", "Names starting with \"former-member-\" are kept for accounts that have been deleted."));
    }
    Ok(())
}

pub fn password(password: &str) -> Result<(), FieldError> {
    let len = password.chars().count();
    if len < PASSWORD_MIN {
        return Err(FieldError::new(
            "password",
            format!("Passwords need at least {PASSWORD_MIN} characters."),
        ));
    }
    if len > PASSWORD_MAX {
        return Err(FieldError::new(
            "password",
            format!("Passwords can be at most {PASSWORD_MAX} characters."),
        ));
    }
    Ok(())
}

pub fn email(email: &str) -> Result<(), FieldError> {
    let ok = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !email.chars().any(char::is_whitespace);
    if ok { Ok(()) } else { Err(FieldError::new("email", "That doesn't look like an email address.")) }
}

/// Characters that change how text around them displays without showing
/// themselves: control codes (NUL, BEL, ESC…) and bidirectional overrides,
/// which can make "gpj.exe" read as "exe.jpg". Tabs and line breaks are fine.
fn is_hidden_control(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Characters with no width: fine inside words (they join emoji), but not
/// the whole of a title.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}'..='\u{200D}' | '\u{2060}' | '\u{FEFF}')
}

/// Refuses text with hidden control characters, naming the first.
pub fn plain_text(field: &str, text: &str) -> Result<(), FieldError> {
    match text.chars().find(|c| is_hidden_control(*c)) {
        None => Ok(()),
        Some(c) => Err(FieldError::new(
            field,
            format!("This contains a hidden control character (U+{:04X}), often from copying and pasting. Remove it and try again.", c as u32),
        )),
    }
}

/// The text a reader would see: without zero-width characters, trimmed.
fn visible(text: &str) -> String {
    text.chars().filter(|c| !is_invisible(*c)).collect::<String>().trim().to_owned()
}

pub fn title(title: &str) -> Result<(), FieldError> {
    plain_text("title", title)?;
    let len = visible(title).chars().count();
    if !(TITLE_MIN..=TITLE_MAX).contains(&len) {
        return Err(FieldError::new(
            "title",
            format!("Titles are {TITLE_MIN} to {TITLE_MAX} characters long."),
        ));
    }
    Ok(())
}

/// A count as people write it: 32,000.
pub fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, d) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(d);
    }
    out
}

pub fn body(body: &str) -> Result<(), FieldError> {
    if visible(body).is_empty() {
        return Err(FieldError::new("body", "Write something first."));
    }
    let length = body.chars().count();
    if length > BODY_MAX {
        return Err(FieldError::new(
            "body",
            format!(
                "This is {} characters long, and a post can be at most {}. Please shorten it, or split it into two posts: nothing you wrote has been lost.",
                grouped(length),
                grouped(BODY_MAX)
            ),
        ));
    }
    plain_text("body", body)
}

/// A username reduced to what a reader might mistake it for (after Unicode
/// TR39's "skeleton"): lower case, separators dropped, and look-alike
/// letters and digits folded together (`1`, `i`, `l`; `0`, `o`; `rn`, `m`;
/// `vv`, `w`). Two names with one skeleton can't both be taken.
pub fn username_skeleton(name: &str) -> String {
    let folded: String = name
        .chars()
        .filter(|c| !matches!(c, '_' | '-' | '.'))
        .map(|c| match c.to_ascii_lowercase() {
            '1' | 'i' | '!' | '|' => 'l',
            '0' => 'o',
            '5' => 's',
            '3' => 'e',
            '4' => 'a',
            '8' => 'b',
            '9' => 'g',
            c => c,
        })
        .collect();
    folded.replace("rn", "m").replace("vv", "w").replace("cl", "d")
}

pub fn category_slug(slug: &str) -> Result<(), FieldError> {
    let ok = (2..=40).contains(&slug.len())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-');
    if ok {
        Ok(())
    } else {
        Err(FieldError::new("slug", "Slugs are 2 to 40 lowercase letters, digits or hyphens."))
    }
}

pub fn category_name(name: &str) -> Result<(), FieldError> {
    let len = name.trim().chars().count();
    if (2..=60).contains(&len) {
        Ok(())
    } else {
        Err(FieldError::new("name", "Names are 2 to 60 characters long."))
    }
}

/// Runs every check and keeps every failure, so a form can show them all at once.
pub fn collect(checks: impl IntoIterator<Item = Result<(), FieldError>>) -> Result<(), Vec<FieldError>> {
    let errors: Vec<FieldError> = checks.into_iter().filter_map(Result::err).collect();
    if errors.is_empty() { Ok(()) } else { Err(errors) }
}

#[cfg(test)]
mod tests {
    #[test]
    fn counts_are_grouped_by_thousands() {
        assert_eq!([0, 999, 1000, 32_000, 1_234_567].map(super::grouped), ["0", "999", "1,000", "32,000", "1,234,567"]);
    }

    use super::*;

    #[test]
    fn usernames_allow_letters_digits_and_three_punctuation_marks() {
        for ok in ["bob", "runningnearbeirut", "Jo_Jog-5.k", &"a".repeat(30)] {
            assert!(username(ok).is_ok(), "{ok}");
        }
        for bad in ["ab", &"a".repeat(31), "no spaces", "émile", "a@b", "<script>"] {
            assert!(username(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn passwords_need_ten_characters() {
        assert!(password("123456789").is_err());
        assert!(password("1234567890").is_ok());
    }

    #[test]
    fn titles_are_five_to_150_characters() {
        assert!(title("Ouch").is_err());
        assert!(title("Ouch!").is_ok());
        assert!(title(&"x".repeat(151)).is_err());
        assert!(title("      ").is_err());
    }

    #[test]
    fn hidden_control_characters_are_refused_and_invisible_titles_too() {
        for bad in ["bell \u{7}", "nul \u{0}", "esc \u{1b}[31m", "gpj\u{202E}exe.txt", "x\u{2066}y", "c1 \u{85}"] {
            assert!(body(bad).is_err() && title(&format!("{bad} title")).is_err(), "{bad:?}");
        }
        assert!(body("Line one\nline two\tand a tab").is_ok());
        assert!(body("A family: 👨\u{200D}👩\u{200D}👧").is_ok(), "joiners inside emoji are fine");
        assert!(title(&"\u{200B}".repeat(10)).is_err());
        assert!(title("\u{200B}Hi!\u{200B}\u{200B}").is_err(), "three visible characters is too short");
        assert!(body("\u{200B}\u{FEFF} ").is_err());
        assert!(body("x\u{202E}").unwrap_err().message.contains("U+202E"));
    }

    #[test]
    fn lookalike_usernames_share_a_skeleton() {
        let admin = username_skeleton("site_admin");
        for lookalike in ["site-admin", "site.admin", "site_admln", "slte_admin", "site_adm1n", "SITE_ADMIN", "s1te-adm1n", "siteadmin"] {
            assert_eq!(username_skeleton(lookalike), admin, "{lookalike}");
        }
        assert_eq!(username_skeleton("modern"), username_skeleton("modem"));
        assert_ne!(username_skeleton("sam"), username_skeleton("pam"));
        assert_ne!(username_skeleton("runner"), username_skeleton("runners"));
    }

    #[test]
    fn collect_keeps_every_error() {
        let errors = collect([username("x"), password("short")]).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["username", "password"]);
    }
}
