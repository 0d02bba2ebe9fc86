//! Password policy for sign-in: at least 12 characters, not a common password, not the user
//! name. Checked when a user sets a password; verifiers are the store's business.

const COMMON: &str = include_str!("../reference/common-passwords.txt");
pub const MIN_CHARS: usize = 12;
pub const MAX_CHARS: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PasswordProblem {
    TooShort,
    TooLong,
    Common,
    ContainsUserName,
    Repetitive,
}

impl PasswordProblem {
    pub fn code(self) -> &'static str {
        match self {
            PasswordProblem::TooShort => "password_too_short",
            PasswordProblem::TooLong => "password_too_long",
            PasswordProblem::Common => "password_common",
            PasswordProblem::ContainsUserName => "password_contains_user_name",
            PasswordProblem::Repetitive => "password_repetitive",
        }
    }
}

/// A user name: 3–64 lower-case letters, digits, '.', '-', '_'.
pub fn valid_user_name(name: &str) -> bool {
    (3..=64).contains(&name.len())
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

/// Salt and verifier lengths (bytes) and the iteration bounds of a PBKDF2-HMAC-SHA256
/// password verifier, as workstations make them and the server accepts them.
pub const SALT_BYTES: usize = 16;
pub const VERIFIER_BYTES: usize = 32;
pub const MIN_ITERATIONS: u32 = 600_000;
pub const MAX_ITERATIONS: u32 = 10_000_000;

pub fn check(password: &str, user_name: &str) -> Result<(), PasswordProblem> {
    let chars = password.chars().count();
    if chars < MIN_CHARS {
        return Err(PasswordProblem::TooShort);
    }
    if chars > MAX_CHARS {
        return Err(PasswordProblem::TooLong);
    }
    let lower = password.to_lowercase();
    if COMMON
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .any(|c| c == lower)
    {
        return Err(PasswordProblem::Common);
    }
    let user = user_name.trim().to_lowercase();
    if user.chars().count() >= 3 && lower.contains(&user) {
        return Err(PasswordProblem::ContainsUserName);
    }
    let mut distinct: Vec<char> = lower.chars().collect();
    distinct.sort_unstable();
    distinct.dedup();
    if distinct.len() < 4 {
        return Err(PasswordProblem::Repetitive);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table() {
        let cases: &[(&str, &str, Result<(), PasswordProblem>)] = &[
            ("short", "arta", Err(PasswordProblem::TooShort)),
            ("elevenchars", "arta", Err(PasswordProblem::TooShort)),
            ("Password1234", "arta", Err(PasswordProblem::Common)),
            ("SHQIPERIA2026", "arta", Err(PasswordProblem::Common)),
            (
                "arta.kola-lule-mali",
                "arta.kola",
                Err(PasswordProblem::ContainsUserName),
            ),
            ("aaaaaaaaaaaabbbb", "arta", Err(PasswordProblem::Repetitive)),
            ("lule mali e bardhë 7", "arta", Ok(())),
            ("kalë-i-bardhë-në-mal", "arta", Ok(())),
        ];
        for (pw, user, expected) in cases {
            assert_eq!(check(pw, user), *expected, "{pw}");
        }
        assert_eq!(
            check(&"ab1".repeat(100), "x"),
            Err(PasswordProblem::TooLong)
        );
    }
}
