//! Argon2id password hashing. It is CPU-bound on purpose: callers in async code
//! run it inside `spawn_blocking`.

use argon2::{Argon2, PasswordHasher, PasswordVerifier, PasswordHash};

pub fn hash(password: &str) -> String {
    Argon2::default()
        .hash_password(password.as_bytes())
        .expect("argon2 with default parameters and an OS salt cannot fail")
        .to_string()
}

/// False for a wrong password and for a stored hash that cannot be parsed.
pub fn verify(password: &str, stored: &str) -> bool {
    PasswordHash::new(stored)
        .is_ok_and(|parsed| Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
}

/// Verifying against this when the username is unknown keeps login time the same
/// for unknown users and wrong passwords, so timing does not reveal who is a member.
pub fn decoy_hash() -> &'static str {
    static DECOY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    DECOY.get_or_init(|| hash("decoy password that nobody has"))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hashes_are_argon2id_and_verify_only_the_right_password() {
        let stored = super::hash("correct horse battery");
        assert!(stored.starts_with("$argon2id$"));
        assert!(super::verify("correct horse battery", &stored));
        assert!(!super::verify("wrong horse battery", &stored));
        assert!(!super::verify("anything", "not a hash"));
    }
}
