//! Reference data as dated rows (DOMAIN.md §4): Criminal Code articles, counties,
//! municipalities, local police directorates, courts and countries. Nothing here is an enum:
//! articles, courts and the municipality → directorate map change over time, so every row
//! has a validity period [valid_from, valid_to) and a `confirmed` flag for facts that could
//! not be checked against the official text.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

use crate::names::fold;

/// The version name of the data bundled with this build; the store records which version
/// it loaded so a later update can add rows without touching old ones.
pub const PROVISIONAL_VERSION: &str = "2026.12-provisional";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Validity {
    pub valid_from: NaiveDate,
    pub valid_to: Option<NaiveDate>,
}

impl Validity {
    pub fn contains(&self, date: NaiveDate) -> bool {
        date >= self.valid_from && self.valid_to.is_none_or(|end| date < end)
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Article {
    pub code: String,
    pub title_sq: String,
    pub title_en: String,
    pub validity: Validity,
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct County {
    pub code: String,
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Municipality {
    pub code: String,
    pub name: String,
    pub county_code: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Directorate {
    pub code: String,
    pub name: String,
    pub county_code: String,
}

/// Which directorate is responsible for a municipality, over a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Jurisdiction {
    pub municipality_code: String,
    pub directorate_code: String,
    pub validity: Validity,
    pub confirmed: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum CourtKind {
    FirstInstance,
    Appeal,
    Special,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Court {
    pub code: String,
    pub name: String,
    pub kind: CourtKind,
    pub validity: Validity,
    pub confirmed: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Country {
    pub code: String,
    pub name_sq: String,
    pub name_en: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct ReferenceSet {
    pub version: String,
    pub articles: Vec<Article>,
    pub counties: Vec<County>,
    pub municipalities: Vec<Municipality>,
    pub directorates: Vec<Directorate>,
    pub jurisdictions: Vec<Jurisdiction>,
    pub courts: Vec<Court>,
    pub countries: Vec<Country>,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("reference data line {line} of {file}: {problem}")]
pub struct ReferenceParseError {
    pub file: &'static str,
    pub line: usize,
    pub problem: String,
}

/// A code made from a name: folded, words joined by hyphens ("Malësi e Madhe" → "malesi-e-madhe").
pub fn code_for(name: &str) -> String {
    fold(name).replace(' ', "-")
}

fn directorate_code(county_code: &str) -> String {
    format!("dvp-{county_code}")
}

struct Lines {
    file: &'static str,
    text: &'static str,
}

impl Lines {
    fn rows(&self) -> impl Iterator<Item = (usize, Vec<&'static str>)> + '_ {
        self.text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty() && !l.trim_start().starts_with('#'))
            .map(|(i, l)| (i + 1, l.split('|').map(str::trim).collect()))
    }
    fn err(&self, line: usize, problem: impl Into<String>) -> ReferenceParseError {
        ReferenceParseError {
            file: self.file,
            line,
            problem: problem.into(),
        }
    }
    fn date(&self, line: usize, s: &str) -> Result<NaiveDate, ReferenceParseError> {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map_err(|_| self.err(line, format!("bad date {s:?}")))
    }
    fn validity(&self, line: usize, from: &str, to: &str) -> Result<Validity, ReferenceParseError> {
        Ok(Validity {
            valid_from: self.date(line, from)?,
            valid_to: if to.is_empty() {
                None
            } else {
                Some(self.date(line, to)?)
            },
        })
    }
    fn flag(&self, line: usize, s: &str) -> Result<bool, ReferenceParseError> {
        match s {
            "yes" => Ok(true),
            "no" => Ok(false),
            _ => Err(self.err(line, format!("expected yes or no, got {s:?}"))),
        }
    }
}

impl ReferenceSet {
    /// The reference data bundled with this build (DOMAIN.md §4), loaded into a new database.
    pub fn provisional() -> Result<ReferenceSet, ReferenceParseError> {
        let mut set = ReferenceSet {
            version: PROVISIONAL_VERSION.to_string(),
            ..ReferenceSet::default()
        };
        // The reform's start date is a fact of Law 115/2014; used for the default map.
        let reform = Validity {
            valid_from: NaiveDate::from_ymd_opt(2015, 7, 31).unwrap_or_default(),
            valid_to: None,
        };

        let territory = Lines {
            file: "territory.txt",
            text: include_str!("../reference/territory.txt"),
        };
        for (line, cols) in territory.rows() {
            let [county, municipalities] = cols.as_slice() else {
                return Err(territory.err(line, "expected 2 columns"));
            };
            let county_code = code_for(county);
            set.counties.push(County {
                code: county_code.clone(),
                name: county.to_string(),
            });
            set.directorates.push(Directorate {
                code: directorate_code(&county_code),
                name: format!("Drejtoria Vendore e Policisë {county}"),
                county_code: county_code.clone(),
            });
            for m in municipalities.split(',').map(str::trim) {
                set.municipalities.push(Municipality {
                    code: code_for(m),
                    name: m.to_string(),
                    county_code: county_code.clone(),
                });
            }
        }

        let moves = Lines {
            file: "directorates.txt",
            text: include_str!("../reference/directorates.txt"),
        };
        let mut moved: Vec<Jurisdiction> = Vec::new();
        for (line, cols) in moves.rows() {
            let [municipality, county, from, to, confirmed] = cols.as_slice() else {
                return Err(moves.err(line, "expected 5 columns"));
            };
            let municipality_code = code_for(municipality);
            if !set
                .municipalities
                .iter()
                .any(|m| m.code == municipality_code)
            {
                return Err(moves.err(line, format!("unknown municipality {municipality:?}")));
            }
            moved.push(Jurisdiction {
                municipality_code,
                directorate_code: directorate_code(&code_for(county)),
                validity: moves.validity(line, from, to)?,
                confirmed: moves.flag(line, confirmed)?,
            });
        }
        for m in &set.municipalities {
            if moved.iter().any(|j| j.municipality_code == m.code) {
                continue;
            }
            set.jurisdictions.push(Jurisdiction {
                municipality_code: m.code.clone(),
                directorate_code: directorate_code(&m.county_code),
                validity: reform.clone(),
                confirmed: true,
            });
        }
        set.jurisdictions.extend(moved);

        let articles = Lines {
            file: "articles.txt",
            text: include_str!("../reference/articles.txt"),
        };
        for (line, cols) in articles.rows() {
            let [code, from, to, confirmed, sq, en] = cols.as_slice() else {
                return Err(articles.err(line, "expected 6 columns"));
            };
            set.articles.push(Article {
                code: code.to_string(),
                title_sq: sq.to_string(),
                title_en: en.to_string(),
                validity: articles.validity(line, from, to)?,
                confirmed: articles.flag(line, confirmed)?,
            });
        }

        let courts = Lines {
            file: "courts.txt",
            text: include_str!("../reference/courts.txt"),
        };
        for (line, cols) in courts.rows() {
            let [code, kind, from, to, confirmed, name] = cols.as_slice() else {
                return Err(courts.err(line, "expected 6 columns"));
            };
            let kind = match *kind {
                "first_instance" => CourtKind::FirstInstance,
                "appeal" => CourtKind::Appeal,
                "special" => CourtKind::Special,
                other => return Err(courts.err(line, format!("unknown court kind {other:?}"))),
            };
            set.courts.push(Court {
                code: code.to_string(),
                name: name.to_string(),
                kind,
                validity: courts.validity(line, from, to)?,
                confirmed: courts.flag(line, confirmed)?,
            });
        }

        let countries = Lines {
            file: "countries.txt",
            text: include_str!("../reference/countries.txt"),
        };
        for (line, cols) in countries.rows() {
            let [code, sq, en] = cols.as_slice() else {
                return Err(countries.err(line, "expected 3 columns"));
            };
            set.countries.push(Country {
                code: code.to_string(),
                name_sq: sq.to_string(),
                name_en: en.to_string(),
            });
        }
        Ok(set)
    }

    /// What keeps `self` from replacing `previous` as the national reference data: a version
    /// that is not new, a row of `previous` that is gone (rows are dated: a court that
    /// closed gets an end date, it is not deleted, since old decisions name it), or a row
    /// that refers to something the set does not hold. Codes only, never personal data.
    pub fn check_successor(&self, previous: &ReferenceSet) -> Vec<String> {
        let mut problems = Vec::new();
        if self.version.trim().is_empty() || self.version == previous.version {
            problems.push(format!("version {:?} is not new", self.version));
        }
        let missing = |what: &str, code: &str| format!("{what} {code} is missing");
        for c in &previous.counties {
            if !self.counties.iter().any(|x| x.code == c.code) {
                problems.push(missing("county", &c.code));
            }
        }
        for m in &previous.municipalities {
            if self.municipality(&m.code).is_none() {
                problems.push(missing("municipality", &m.code));
            }
        }
        for d in &previous.directorates {
            if self.directorate(&d.code).is_none() {
                problems.push(missing("directorate", &d.code));
            }
        }
        for a in &previous.articles {
            if !self
                .articles
                .iter()
                .any(|x| x.code == a.code && x.validity.valid_from == a.validity.valid_from)
            {
                problems.push(missing("article", &a.code));
            }
        }
        for c in &previous.courts {
            if !self
                .courts
                .iter()
                .any(|x| x.code == c.code && x.validity.valid_from == c.validity.valid_from)
            {
                problems.push(missing("court", &c.code));
            }
        }
        for c in &previous.countries {
            if self.country(&c.code).is_none() {
                problems.push(missing("country", &c.code));
            }
        }
        for m in &self.municipalities {
            if !self.counties.iter().any(|c| c.code == m.county_code) {
                problems.push(format!("municipality {} names an unknown county", m.code));
            }
        }
        for d in &self.directorates {
            if !self.counties.iter().any(|c| c.code == d.county_code) {
                problems.push(format!("directorate {} names an unknown county", d.code));
            }
        }
        for j in &self.jurisdictions {
            if self.municipality(&j.municipality_code).is_none()
                || self.directorate(&j.directorate_code).is_none()
            {
                problems.push(format!(
                    "jurisdiction of {} names an unknown municipality or directorate",
                    j.municipality_code
                ));
            }
        }
        problems
    }

    pub fn article(&self, code: &str) -> Option<&Article> {
        self.articles.iter().find(|a| a.code == code)
    }
    pub fn court(&self, code: &str) -> Option<&Court> {
        self.courts.iter().find(|c| c.code == code)
    }
    pub fn municipality(&self, code: &str) -> Option<&Municipality> {
        self.municipalities.iter().find(|m| m.code == code)
    }
    pub fn country(&self, code: &str) -> Option<&Country> {
        self.countries.iter().find(|c| c.code == code)
    }
    pub fn directorate(&self, code: &str) -> Option<&Directorate> {
        self.directorates.iter().find(|d| d.code == code)
    }
    /// The directorate responsible for a municipality on a date.
    pub fn directorate_for(&self, municipality_code: &str, on: NaiveDate) -> Option<&Directorate> {
        self.jurisdictions
            .iter()
            .find(|j| j.municipality_code == municipality_code && j.validity.contains(on))
            .and_then(|j| self.directorate(&j.directorate_code))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_successor_keeps_every_row_and_refers_only_to_what_it_holds() {
        let old = ReferenceSet::provisional().unwrap();
        let mut new = old.clone();
        assert_eq!(
            new.check_successor(&old),
            vec![format!("version {:?} is not new", old.version)]
        );
        new.version = "2027-01".into();
        assert!(new.check_successor(&old).is_empty());
        // A court closed: an end date, never a deletion.
        new.courts[0].validity.valid_to = NaiveDate::from_ymd_opt(2027, 1, 1);
        assert!(new.check_successor(&old).is_empty());
        let mut gone = new.clone();
        let removed = gone.courts.remove(0);
        assert_eq!(
            gone.check_successor(&old),
            vec![format!("court {} is missing", removed.code)]
        );
        let mut dangling = new.clone();
        dangling.jurisdictions[0].directorate_code = "dvp-nowhere".into();
        assert_eq!(dangling.check_successor(&old).len(), 1);
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn bundled_data_has_the_legal_territory() {
        let set = ReferenceSet::provisional().unwrap();
        assert_eq!(set.counties.len(), 12);
        assert_eq!(set.municipalities.len(), 61);
        assert_eq!(set.directorates.len(), 12);
        assert!(set.municipality("malesi-e-madhe").is_some());
        assert!(set.municipality("fushe-arrez").is_some());
        let mut codes: Vec<_> = set.municipalities.iter().map(|m| &m.code).collect();
        codes.sort();
        codes.dedup();
        assert_eq!(codes.len(), 61, "municipality codes are unique");
    }

    #[test]
    fn kavaje_moves_to_durres_in_2023() {
        let set = ReferenceSet::provisional().unwrap();
        assert_eq!(
            set.directorate_for("kavaje", d(2020, 5, 1)).unwrap().code,
            "dvp-tirane"
        );
        assert_eq!(
            set.directorate_for("kavaje", d(2024, 5, 1)).unwrap().code,
            "dvp-durres"
        );
        assert_eq!(
            set.directorate_for("berat", d(2024, 5, 1)).unwrap().code,
            "dvp-berat"
        );
    }

    #[test]
    fn merged_courts_stay_as_dated_rows() {
        let set = ReferenceSet::provisional().unwrap();
        let tropoje = set.court("gj-tropoje").unwrap();
        assert!(tropoje.validity.contains(d(2010, 1, 1)));
        assert!(!tropoje.validity.contains(d(2024, 1, 1)));
        assert!(!set.court("gj-sarande").unwrap().confirmed);
        assert_eq!(set.articles.iter().filter(|a| a.confirmed).count(), 8);
    }
}
