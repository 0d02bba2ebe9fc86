//! The Albanian personal number (NID), DOMAIN.md §6.
//!
//! Structure: decade letter, last digit of the birth year, month (01–12 male, 51–62 female),
//! day, three-digit serial, check letter. The check letter rule is unofficial and issued
//! numbers are known to break it, so a mismatch is reported separately and never blocks.

use chrono::NaiveDate;

use crate::file::Sex;

/// Letters used to value characters and to map the weighted sum back to a check letter.
const CHECK_ALPHABET: &[u8; 23] = b"WABCDEFGHIJKLMNOPQRSTUV";
const WEIGHTS: [u32; 9] = [1, 1, 2, 3, 4, 5, 6, 7, 8];
/// A = 1900s … J = 1990s, K = 2000s, L = 2010s, M = 2020s.
const FIRST_DECADE_YEAR: i32 = 1900;
const LAST_DECADE_LETTER: u8 = b'M';

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NidError {
    Length,
    Format,
    Decade,
    Month,
    Date,
}

impl NidError {
    pub fn code(self) -> &'static str {
        match self {
            NidError::Length => "nid_length",
            NidError::Format => "nid_format",
            NidError::Decade => "nid_decade",
            NidError::Month => "nid_month",
            NidError::Date => "nid_date",
        }
    }
}

/// What a structurally valid NID says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Nid {
    /// Upper-cased, without spaces.
    pub value: String,
    pub birth_date: NaiveDate,
    pub sex: Sex,
    /// False when the check letter does not match the unofficial rule (a warning).
    pub check_letter_ok: bool,
}

/// Upper-case and drop all whitespace, as clerks type numbers with spaces and in any case.
pub fn normalise(input: &str) -> String {
    input
        .chars()
        .filter(|c| !c.is_whitespace())
        .flat_map(char::to_uppercase)
        .collect()
}

fn char_value(c: u8) -> Option<u32> {
    if c.is_ascii_digit() {
        return Some(u32::from(c - b'0'));
    }
    CHECK_ALPHABET
        .iter()
        .position(|&a| a == c)
        .and_then(|p| u32::try_from(p).ok())
}

/// The check letter the unofficial rule gives for the first nine characters.
pub fn check_letter(first_nine: &[u8]) -> Option<char> {
    if first_nine.len() != 9 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first_nine.iter().zip(WEIGHTS) {
        sum += char_value(*c)? * w;
    }
    let idx = usize::try_from(sum % 23).ok()?;
    CHECK_ALPHABET.get(idx).map(|&b| char::from(b))
}

pub fn parse(input: &str) -> Result<Nid, NidError> {
    let value = normalise(input);
    let bytes = value.as_bytes();
    if value.chars().count() != 10 {
        return Err(NidError::Length);
    }
    let shape_ok = bytes[0].is_ascii_uppercase()
        && bytes[1..9].iter().all(u8::is_ascii_digit)
        && bytes[9].is_ascii_uppercase();
    if !shape_ok {
        return Err(NidError::Format);
    }
    if bytes[0] > LAST_DECADE_LETTER {
        return Err(NidError::Decade);
    }
    let digit = |i: usize| i32::from(bytes[i] - b'0');
    let decade = i32::from(bytes[0] - b'A');
    let year = FIRST_DECADE_YEAR + decade * 10 + digit(1);
    let raw_month = digit(2) * 10 + digit(3);
    let (month, sex) = match raw_month {
        1..=12 => (raw_month, Sex::M),
        51..=62 => (raw_month - 50, Sex::F),
        _ => return Err(NidError::Month),
    };
    let day = digit(4) * 10 + digit(5);
    let birth_date = u32::try_from(month)
        .ok()
        .zip(u32::try_from(day).ok())
        .and_then(|(m, d)| NaiveDate::from_ymd_opt(year, m, d))
        .ok_or(NidError::Date)?;
    let check_letter_ok = check_letter(&bytes[..9]) == Some(char::from(bytes[9]));
    Ok(Nid {
        value,
        birth_date,
        sex,
        check_letter_ok,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn table() {
        // (input, expected result: Ok((birth date, sex, check ok)) or Err(code))
        type Expect = Result<(NaiveDate, Sex, bool), &'static str>;
        let cases: &[(&str, Expect)] = &[
            ("G80218157A", Ok((d(1968, 2, 18), Sex::M, true))),
            ("g80218157a", Ok((d(1968, 2, 18), Sex::M, true))),
            (" G8021 8157 A ", Ok((d(1968, 2, 18), Sex::M, true))),
            ("G80218157B", Ok((d(1968, 2, 18), Sex::M, false))),
            ("G85218157A", Ok((d(1968, 2, 18), Sex::F, false))),
            ("J05531001X", Ok((d(1990, 5, 31), Sex::F, false))),
            ("J00531001X", Ok((d(1990, 5, 31), Sex::M, false))),
            ("L35229001A", Err("nid_date")), // 29.02.2013 does not exist
            ("G80230157A", Err("nid_date")),
            ("G81318157A", Err("nid_month")),
            ("G80018157A", Err("nid_month")),
            ("G86318157A", Err("nid_month")),
            ("Z80218157A", Err("nid_decade")),
            ("G8021815A", Err("nid_length")),
            ("G80218157AA", Err("nid_length")),
            ("", Err("nid_length")),
            ("880218157A", Err("nid_format")),
            ("G8O218157A", Err("nid_format")),
            ("G802181571", Err("nid_format")),
            ("Ë80218157A", Err("nid_format")),
        ];
        for (input, expected) in cases {
            let got = parse(input).map(|n| (n.birth_date, n.sex, n.check_letter_ok));
            match (expected, got) {
                (Ok(e), Ok(g)) => assert_eq!(*e, g, "{input}"),
                (Err(code), Err(e)) => assert_eq!(*code, e.code(), "{input}"),
                (e, g) => panic!("{input}: expected {e:?}, got {g:?}"),
            }
        }
    }

    #[test]
    fn leap_day_female_2004_is_valid() {
        // K4 = 2004, month 52 = February (female), day 29: a real date.
        let nid = parse("K45229001A").unwrap();
        assert_eq!(nid.birth_date, d(2004, 2, 29));
        assert_eq!(nid.sex, Sex::F);
    }

    #[test]
    fn generated_numbers_carry_the_check_letter() {
        let first = b"J05531001";
        let letter = check_letter(first).unwrap();
        let nid = parse(&format!("J05531001{letter}")).unwrap();
        assert!(nid.check_letter_ok);
    }
}
