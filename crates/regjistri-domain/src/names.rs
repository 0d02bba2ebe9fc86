//! Name folding and search keys, DOMAIN.md §7.
//!
//! Keys are computed once, here, and stored; search compares keys, never raw names.
//! * `fold`: compatibility-decompose, drop combining marks, lower-case, drop apostrophes
//!   and periods. "Çela", "CELA", "C\u{327}ela" and "çela" all fold to "cela".
//! * exact key: one folded token of a name ("hoxha").
//! * variant key: the exact key with foreign transliterations mapped to one spelling and the
//!   definite/indefinite ending or the -aj form stripped ("Hoxha", "Hoxhaj", "Hodja" → "hoj").

use serde::{Deserialize, Serialize};
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// Which part of a person's name a key came from; lower ranks first in search results.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum NameField {
    Surname = 0,
    GivenName = 1,
    FatherName = 2,
    Alias = 3,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum KeyKind {
    Exact = 0,
    Variant = 1,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct NameKey {
    pub key: String,
    pub kind: KeyKind,
    pub field: NameField,
    /// True when the key is the whole name ("hoxha" of "Hoxha", "hoxhaleka" of
    /// "Hoxha-Leka"), false for one part of a longer name ("hoxha" of "Hoxha-Leka").
    pub whole: bool,
}

impl NameKey {
    /// The order of a key among a file's keys in search ranking: surname before given name
    /// before father's name before alias, the whole name before a part of it. 0..=7.
    pub fn rank(&self) -> u8 {
        (self.field as u8) * 2 + u8::from(!self.whole)
    }
}

pub fn is_apostrophe(c: char) -> bool {
    matches!(
        c,
        '\'' | '\u{2019}' | '\u{2018}' | '\u{02BC}' | '\u{02BB}' | '`' | '\u{00B4}' | '\u{2032}'
    )
}

/// Folds a name (or a query) to lower-case letters and digits without diacritics.
/// Separators (spaces, hyphens, anything not a letter or digit) become single spaces.
pub fn fold(input: &str) -> String {
    let mut out = String::with_capacity(input.len());
    let mut pending_space = false;
    for c in input.nfkd() {
        if is_combining_mark(c) || is_apostrophe(c) || c == '.' {
            continue;
        }
        if c.is_alphanumeric() {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.extend(c.to_lowercase());
        } else {
            pending_space = true;
        }
    }
    out
}

/// The tokens of a name: its folded words. A hyphenated or multi-word name also yields the
/// words joined, so "Hoxha-Leka" is found as "hoxha", "leka" and "hoxhaleka".
pub fn tokens(name: &str) -> Vec<String> {
    let folded = fold(name);
    let mut out: Vec<String> = folded
        .split(' ')
        .filter(|t| !t.is_empty())
        .map(str::to_string)
        .collect();
    if out.len() > 1 {
        out.push(out.concat());
    }
    out
}

/// Maps foreign transliterations onto one spelling: Xh/Dj/J, Sch/Sh, Ch/Ç/C.
fn phonetic(token: &str) -> String {
    token
        .replace("sch", "sh")
        .replace("xh", "j")
        .replace("dj", "j")
        .replace("dzh", "j")
        .replace("ch", "c")
        .replace("tsh", "c")
}

/// Strips the -aj form and a definite/indefinite ending from a token of more than three letters.
fn stem(token: &str) -> String {
    let chars: Vec<char> = token.chars().collect();
    let mut end = chars.len();
    if end > 4 && chars[end - 2] == 'a' && chars[end - 1] == 'j' {
        end -= 2;
    }
    if end > 3 && matches!(chars[end - 1], 'a' | 'e' | 'i' | 'u') {
        end -= 1;
    }
    chars[..end].iter().collect()
}

pub fn variant(token: &str) -> String {
    stem(&phonetic(token))
}

/// The keys stored for one file. Each key appears once, with the best rank it came from.
pub fn name_keys<'a>(
    surname: &str,
    given_name: &str,
    father_name: &str,
    aliases: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Vec<NameKey> {
    let mut keys: Vec<NameKey> = Vec::new();
    let mut add = |name: &str, field: NameField| {
        let parts = tokens(name);
        let count = parts.len();
        for (i, t) in parts.into_iter().enumerate() {
            // A single word, or the joined form that `tokens` appends last, is the whole name.
            let whole = count == 1 || i + 1 == count;
            let v = variant(&t);
            keys.push(NameKey {
                key: t,
                kind: KeyKind::Exact,
                field,
                whole,
            });
            keys.push(NameKey {
                key: v,
                kind: KeyKind::Variant,
                field,
                whole,
            });
        }
    };
    add(surname, NameField::Surname);
    add(given_name, NameField::GivenName);
    add(father_name, NameField::FatherName);
    for (alias_surname, alias_given) in aliases {
        add(alias_surname, NameField::Alias);
        add(alias_given, NameField::Alias);
    }
    keys.sort_by(|a, b| (&a.key, a.kind, a.rank()).cmp(&(&b.key, b.kind, b.rank())));
    keys.dedup_by(|later, earlier| later.key == earlier.key && later.kind == earlier.kind);
    keys
}

/// One word of a search query, with the keys it is compared against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryToken {
    pub exact: String,
    pub variant: String,
}

/// Splits a query into tokens. Hyphenated words are matched part by part.
pub fn query_tokens(query: &str) -> Vec<QueryToken> {
    let mut out: Vec<QueryToken> = Vec::new();
    for t in fold(query).split(' ').filter(|t| !t.is_empty()) {
        if out.iter().any(|q| q.exact == t) {
            continue;
        }
        out.push(QueryToken {
            exact: t.to_string(),
            variant: variant(t),
        });
    }
    out
}

/// The smallest string greater than every string that starts with `prefix`, for range scans.
pub fn prefix_upper_bound(prefix: &str) -> String {
    let mut s = prefix.to_string();
    s.push(char::MAX);
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn fold_table() {
        let cases = [
            ("Çela", "cela"),
            ("C\u{327}ela", "cela"),
            ("ÇELA", "cela"),
            ("Lekë", "leke"),
            ("Le\u{0308}ke\u{0308}", "leke"),
            ("D'Angelo", "dangelo"),
            ("D’Angelo", "dangelo"),
            ("  Hoxha-Leka ", "hoxha leka"),
            ("Gj. Marku", "gj marku"),
            ("Ξενοφών", "ξενοφων"),
            ("Đorđević", "đorđevic"),
            ("", ""),
        ];
        for (input, expected) in cases {
            assert_eq!(fold(input), expected, "{input}");
        }
    }

    #[test]
    fn variant_table() {
        let same = [
            ("hoxha", "hoxhaj"),
            ("hoxha", "hodja"),
            ("hoxha", "hoxhe"),
            ("gjoni", "gjon"),
            ("leka", "leke"),
            ("marku", "mark"),
            ("xhafer", "djafer"),
            ("xhafer", "jafer"),
            ("shehu", "schehu"),
            ("cela", "chela"),
        ];
        for (a, b) in same {
            assert_eq!(variant(a), variant(b), "{a} ~ {b}");
        }
        let different = [("hoxha", "hysa"), ("leka", "lika"), ("ana", "ani")];
        // ("ana", "ani"): three letters or fewer are never stemmed.
        for (a, b) in different {
            assert_ne!(variant(a), variant(b), "{a} !~ {b}");
        }
    }

    #[test]
    fn hyphenated_names_give_parts_and_whole() {
        assert_eq!(tokens("Hoxha-Leka"), vec!["hoxha", "leka", "hoxhaleka"]);
        assert_eq!(tokens("Malësi e Madhe").len(), 4);
    }

    #[test]
    fn keys_keep_best_field_once() {
        let keys = name_keys("Marku", "Mark", "Marku", [("Marku", "")]);
        let exact: Vec<_> = keys.iter().filter(|k| k.kind == KeyKind::Exact).collect();
        assert_eq!(exact.len(), 2);
        assert!(exact
            .iter()
            .any(|k| k.key == "marku" && k.field == NameField::Surname));
        let variants: Vec<_> = keys.iter().filter(|k| k.kind == KeyKind::Variant).collect();
        assert_eq!(variants.len(), 1);
        assert_eq!(variants[0].field, NameField::Surname);
    }

    proptest! {
        #[test]
        fn fold_is_idempotent(s in "\\PC{0,40}") {
            let once = fold(&s);
            prop_assert_eq!(fold(&once), once.clone());
        }

        #[test]
        fn fold_ignores_case_and_composition(s in "[a-zA-ZçëÇË' -]{0,30}") {
            let decomposed: String = s.nfd().collect();
            prop_assert_eq!(fold(&s.to_uppercase()), fold(&s));
            prop_assert_eq!(fold(&decomposed), fold(&s));
        }

        #[test]
        fn every_query_token_of_a_name_matches_its_keys(s in "[A-Za-zçëÇË]{1,12}( [A-Za-zçë]{1,12})?") {
            let keys = name_keys(&s, "", "", []);
            for q in query_tokens(&s) {
                prop_assert!(keys.iter().any(|k| k.kind == KeyKind::Exact && k.key == q.exact));
                prop_assert!(keys.iter().any(|k| k.kind == KeyKind::Variant && k.key == q.variant));
            }
        }
    }
}
