//! The name index: the stored name keys (table `name_key`, computed once by the write path)
//! held in memory as postings, so that a name search over a million files takes
//! milliseconds without decrypting index pages. It is rebuilt from the database at open and
//! brought up to date from the change log, so writes made by another process (the command
//! line beside the app) are seen at the next search.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use regjistri_domain::names::{prefix_upper_bound, KeyKind, QueryToken};

/// How well a file matched a query; lower is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Level {
    Exact = 0,
    Variant = 1,
    Prefix = 2,
    Listed = 3,
}

#[derive(Debug, Clone, Copy)]
struct Posting {
    file: u32,
    generation: u16,
    field: u8,
}

#[derive(Debug, Clone, Copy)]
struct Entry {
    /// The first 16 bytes of the folded "surname given father": alphabetical order within a rank.
    sort: u128,
    municipality: u16,
    generation: u16,
}

/// One file's keys as stored, for loading into the index.
pub struct IndexedFile {
    pub rowid: i64,
    pub sort_name: String,
    pub municipality: Option<String>,
    pub keys: Vec<(String, KeyKind, u8)>,
}

#[derive(Default)]
pub struct NameIndex {
    exact: BTreeMap<Box<str>, Vec<Posting>>,
    variant: HashMap<Box<str>, Vec<Posting>>,
    entries: Vec<Option<Entry>>,
    municipalities: Vec<String>,
    live: usize,
}

/// A ranked match.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub rowid: i64,
    pub level: Level,
}

fn sort_prefix(name: &str) -> u128 {
    let mut bytes = [0u8; 16];
    for (b, s) in bytes.iter_mut().zip(name.bytes()) {
        *b = s;
    }
    u128::from_be_bytes(bytes)
}

const NONE: u8 = u8::MAX;

impl NameIndex {
    pub fn len(&self) -> usize {
        self.live
    }

    pub fn is_empty(&self) -> bool {
        self.live == 0
    }

    fn municipality_id(&mut self, code: Option<&str>) -> u16 {
        let Some(code) = code else { return 0 };
        if let Some(i) = self.municipalities.iter().position(|m| m == code) {
            return u16::try_from(i + 1).unwrap_or(0);
        }
        self.municipalities.push(code.to_string());
        u16::try_from(self.municipalities.len()).unwrap_or(0)
    }

    /// Adds or replaces a file. Old postings of a replaced file become stale and are skipped.
    pub fn put(&mut self, file: IndexedFile) {
        let Ok(slot) = usize::try_from(file.rowid) else {
            return;
        };
        let Ok(id) = u32::try_from(file.rowid) else {
            return;
        };
        if self.entries.len() <= slot {
            self.entries.resize(slot + 1, None);
        }
        let generation = match self.entries[slot] {
            Some(e) => e.generation.wrapping_add(1),
            None => {
                self.live += 1;
                0
            }
        };
        let municipality = self.municipality_id(file.municipality.as_deref());
        self.entries[slot] = Some(Entry {
            sort: sort_prefix(&file.sort_name),
            municipality,
            generation,
        });
        for (key, kind, field) in file.keys {
            let posting = Posting {
                file: id,
                generation,
                field,
            };
            match kind {
                KeyKind::Exact => self
                    .exact
                    .entry(key.into_boxed_str())
                    .or_default()
                    .push(posting),
                KeyKind::Variant => self
                    .variant
                    .entry(key.into_boxed_str())
                    .or_default()
                    .push(posting),
            }
        }
    }

    pub fn remove(&mut self, rowid: i64) {
        if let Some(slot) = usize::try_from(rowid)
            .ok()
            .and_then(|s| self.entries.get_mut(s))
        {
            if slot.take().is_some() {
                self.live -= 1;
            }
        }
    }

    fn is_live(&self, p: &Posting) -> bool {
        matches!(self.entries.get(p.file as usize), Some(Some(e)) if e.generation == p.generation)
    }

    /// Every live file's best score for one token into `scores` (level × 8 + key rank).
    fn score_token(
        &self,
        token: &QueryToken,
        allow_prefix: bool,
        scores: &mut [u8],
        touched: &mut Vec<u32>,
    ) {
        let mut mark = |p: &Posting, level: Level, scores: &mut [u8]| {
            if !self.is_live(p) {
                return;
            }
            let s = (level as u8) * 8 + p.field.min(7);
            let slot = &mut scores[p.file as usize];
            if *slot == NONE {
                touched.push(p.file);
            }
            if s < *slot {
                *slot = s;
            }
        };
        if let Some(ps) = self.exact.get(token.exact.as_str()) {
            ps.iter().for_each(|p| mark(p, Level::Exact, scores));
        }
        if let Some(ps) = self.variant.get(token.variant.as_str()) {
            ps.iter().for_each(|p| mark(p, Level::Variant, scores));
        }
        if allow_prefix && token.exact.chars().count() >= 2 {
            let upper = prefix_upper_bound(&token.exact);
            let range = self.exact.range::<str, _>((
                Bound::Excluded(token.exact.as_str()),
                Bound::Excluded(upper.as_str()),
            ));
            for (_, ps) in range {
                ps.iter().for_each(|p| mark(p, Level::Prefix, scores));
            }
        }
    }

    fn municipality_filter(&self, code: Option<&str>) -> Option<Option<u16>> {
        code.map(|c| {
            self.municipalities
                .iter()
                .position(|m| m == c)
                .and_then(|i| u16::try_from(i + 1).ok())
        })
    }

    /// Ranks the files matching every token (the last token may also match as a prefix,
    /// since it may still be being typed) and returns the total and one page.
    /// Order: worst level of any token, then the sum of levels and fields, then name.
    pub fn search(
        &self,
        tokens: &[QueryToken],
        municipality: Option<&str>,
        offset: usize,
        limit: usize,
    ) -> (usize, Vec<Hit>) {
        let wanted_municipality = self.municipality_filter(municipality);
        if wanted_municipality == Some(None) {
            return (0, Vec::new()); // no file lives in that municipality
        }
        let in_municipality =
            |e: &Entry| wanted_municipality.is_none_or(|m| Some(e.municipality) == m);

        // (worst level, score sum, sort name, rowid)
        let mut ranked: Vec<(u8, u16, u128, u32)> = Vec::new();
        if tokens.is_empty() {
            for (rowid, e) in self.entries.iter().enumerate() {
                if let (Some(e), Ok(id)) = (e, u32::try_from(rowid)) {
                    if in_municipality(e) {
                        ranked.push((Level::Listed as u8, 0, e.sort, id));
                    }
                }
            }
        } else {
            let mut scores = vec![NONE; self.entries.len()];
            let mut touched: Vec<u32> = Vec::new();
            // Candidates from the first token, narrowed by each following token.
            let mut candidates: Vec<(u32, u8, u16)> = Vec::new();
            for (i, token) in tokens.iter().enumerate() {
                let last = i + 1 == tokens.len();
                self.score_token(token, last, &mut scores, &mut touched);
                if i == 0 {
                    candidates = touched
                        .iter()
                        .map(|&f| {
                            let s = scores[f as usize];
                            (f, s / 8, u16::from(s))
                        })
                        .collect();
                } else {
                    candidates.retain_mut(|(f, worst, sum)| {
                        let s = scores[*f as usize];
                        if s == NONE {
                            return false;
                        }
                        *worst = (*worst).max(s / 8);
                        *sum += u16::from(s);
                        true
                    });
                }
                for f in touched.drain(..) {
                    scores[f as usize] = NONE;
                }
                if candidates.is_empty() {
                    break;
                }
            }
            for (f, worst, sum) in candidates {
                if let Some(Some(e)) = self.entries.get(f as usize) {
                    if in_municipality(e) {
                        ranked.push((worst, sum, e.sort, f));
                    }
                }
            }
        }
        let total = ranked.len();
        let end = offset.saturating_add(limit).min(total);
        if offset >= end {
            return (total, Vec::new());
        }
        if end < total {
            ranked.select_nth_unstable(end);
            ranked.truncate(end);
        }
        ranked.sort_unstable();
        let page = ranked[offset..end]
            .iter()
            .map(|&(worst, _, _, f)| Hit {
                rowid: i64::from(f),
                level: match worst {
                    0 => Level::Exact,
                    1 => Level::Variant,
                    2 => Level::Prefix,
                    _ => Level::Listed,
                },
            })
            .collect();
        (total, page)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regjistri_domain::names::{fold, name_keys, query_tokens};

    fn file(
        rowid: i64,
        surname: &str,
        given: &str,
        father: &str,
        municipality: &str,
    ) -> IndexedFile {
        IndexedFile {
            rowid,
            sort_name: fold(&format!("{surname} {given} {father}")),
            municipality: Some(municipality.to_string()),
            keys: name_keys(surname, given, father, [])
                .into_iter()
                .map(|k| {
                    let r = k.rank();
                    (k.key, k.kind, r)
                })
                .collect(),
        }
    }

    fn names(index: &NameIndex, q: &str) -> Vec<(i64, Level)> {
        index
            .search(&query_tokens(q), None, 0, 100)
            .1
            .into_iter()
            .map(|h| (h.rowid, h.level))
            .collect()
    }

    #[test]
    fn exact_before_variant_before_prefix() {
        let mut ix = NameIndex::default();
        ix.put(file(1, "Hoxhaj", "Arben", "Ilir", "tirane"));
        ix.put(file(2, "Hoxha", "Arben", "Ilir", "tirane"));
        ix.put(file(3, "Hoxhallari", "Arben", "Ilir", "durres"));
        ix.put(file(4, "Shehu", "Arben", "Hoxha", "durres"));
        // Only the last word may match as a prefix: it may still be being typed.
        assert_eq!(
            names(&ix, "arben hoxha"),
            vec![
                (2, Level::Exact),
                (4, Level::Exact),
                (1, Level::Variant),
                (3, Level::Prefix)
            ]
        );
        assert_eq!(
            names(&ix, "hoxha arben"),
            vec![(2, Level::Exact), (4, Level::Exact), (1, Level::Variant)]
        );
        assert_eq!(
            ix.search(&query_tokens("arben"), Some("durres"), 0, 10).0,
            2
        );
        assert_eq!(ix.search(&query_tokens("arben"), Some("vlore"), 0, 10).0, 0);
    }

    #[test]
    fn replaced_and_removed_files_leave_no_hits() {
        let mut ix = NameIndex::default();
        ix.put(file(1, "Leka", "Ana", "Pjetër", "tirane"));
        ix.put(file(1, "Marku", "Ana", "Pjetër", "tirane"));
        assert!(names(&ix, "leka").is_empty());
        assert_eq!(names(&ix, "marku"), vec![(1, Level::Exact)]);
        ix.remove(1);
        assert!(names(&ix, "marku").is_empty());
        assert_eq!(ix.len(), 0);
    }

    #[test]
    fn paging_cuts_the_ranked_list() {
        let mut ix = NameIndex::default();
        for i in 1..=30 {
            ix.put(file(i, "Basha", &format!("Emri{i:02}"), "Ilir", "tirane"));
        }
        let (total, first) = ix.search(&query_tokens("basha"), None, 0, 10);
        let (_, second) = ix.search(&query_tokens("basha"), None, 10, 10);
        let (_, last) = ix.search(&query_tokens("basha"), None, 25, 10);
        assert_eq!(total, 30);
        assert_eq!(
            first.iter().map(|h| h.rowid).collect::<Vec<_>>(),
            (1..=10).collect::<Vec<_>>()
        );
        assert_eq!(second[0].rowid, 11);
        assert_eq!(last.len(), 5);
        assert!(ix.search(&query_tokens("basha"), None, 40, 10).1.is_empty());
        // The whole surname before a hyphenated one that contains it.
        ix.put(file(31, "Alia-Basha", "Ana", "Ilir", "tirane"));
        let (_, page) = ix.search(&query_tokens("basha"), None, 0, 31);
        assert_eq!(page.last().map(|h| h.rowid), Some(31));
        assert_eq!(ix.search(&[], None, 0, 5).0, 31);
    }
}
