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

pub fn title(title: &str) -> Result<(), FieldError> {
    let len = title.trim().chars().count();
    if !(TITLE_MIN..=TITLE_MAX).contains(&len) {
        return Err(FieldError::new(
            "title",
            format!("Titles are {TITLE_MIN} to {TITLE_MAX} characters long."),
        ));
    }
    Ok(())
}

pub fn body(body: &str) -> Result<(), FieldError> {
    if body.trim().is_empty() {
        return Err(FieldError::new("body", "Write something first."));
    }
    if body.chars().count() > BODY_MAX {
        return Err(FieldError::new("body", format!("Posts can be at most {BODY_MAX} characters.")));
    }
    Ok(())
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
    fn collect_keeps_every_error() {
        let errors = collect([username("x"), password("short")]).unwrap_err();
        assert_eq!(errors.iter().map(|e| e.field.as_str()).collect::<Vec<_>>(), ["username", "password"]);
    }
}
