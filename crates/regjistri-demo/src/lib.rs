//! Invented offender files for demos, tests and benchmarks. **Never real people**: every
//! person is a random combination of common Albanian names, dates and places.
//!
//! [`Generator`] produces [`FileDraft`]s (dates as `dd.mm.yyyy` text, as the form sends them)
//! that pass [`regjistri_domain::validate::validate`] against the reference set the generator
//! was built with, on the `today` it was given. The sequence is a pure function of the seed:
//! a ChaCha8 stream, no system time, no hash-map iteration order.
//!
//! ```
//! use chrono::NaiveDate;
//! use regjistri_demo::Generator;
//! use regjistri_domain::reference::ReferenceSet;
//!
//! let reference = ReferenceSet::provisional().expect("bundled reference data");
//! let today = NaiveDate::from_ymd_opt(2026, 12, 3).expect("a date");
//! let mut gen = Generator::new(42, &reference, today);
//! let draft = gen.next_draft();
//! assert!(!draft.identity.surname.is_empty());
//! let hundred: Vec<_> = gen.take(100).collect();
//! assert_eq!(hundred.len(), 100);
//! ```
//!
//! What the drafts look like (shares are approximate):
//! * 92 % men; surnames and given names from weighted, Zipf-like lists ([`surnames`],
//!   [`given_names`]) with ç and ë; 1 % hyphenated surnames, 0.5 % foreign-born surnames with an
//!   apostrophe (D'Amico); father's name from the male list, mother's from the female list;
//! * born 1945–2005, most between the late 1970s and 1990; 85 % with a personal number whose
//!   date, sex and check letter agree, 1 % of those with a wrong check letter and
//!   `confirm_warnings` set;
//! * 8 % with one alias (a transliteration, a nickname or a former surname; a maiden name for
//!   women); about 5 % with a second citizenship besides AL;
//! * one conviction (10 % two), decided after the 18th birthday and not after `today`, at the
//!   first-instance court that served the person's municipality on that date (merged courts
//!   only before their end date); 5 % foreign (IT, GR, DE, GB, XK) with a recognition decision;
//!   victim age and relationship only;
//! * one current residence from after release (or after the decision while still in custody),
//!   30 % with an earlier residence ending the day the current one starts, 10 % with a work
//!   address; municipalities weighted by population.

mod data;
pub mod photos;
pub mod records;

use chrono::{Datelike, Days, NaiveDate};
use rand::Rng;
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use regjistri_domain::dates;
use regjistri_domain::file::{
    AddressDraft, AliasDraft, ConvictionDraft, DescriptionDraft, FileDraft, IdentityDraft, Sex,
};
use regjistri_domain::nid;
use regjistri_domain::reference::{code_for, CourtKind, ReferenceSet, Validity};

/// The surname list with relative weights, most common first (Zipf-like).
pub fn surnames() -> &'static [(&'static str, u32)] {
    &data::SURNAMES
}

/// Given names for one sex with relative weights, most common first.
pub fn given_names(sex: Sex) -> &'static [(&'static str, u32)] {
    match sex {
        Sex::M => &data::MALE_NAMES,
        Sex::F => &data::FEMALE_NAMES,
    }
}

/// Weighted choice by binary search over cumulative weights, built once. Never empty.
struct Table<T> {
    items: Vec<T>,
    cumulative: Vec<u32>,
}

impl<T> Table<T> {
    /// Rows with a zero weight still get a small chance; an empty input gives `fallback`.
    fn new(rows: impl IntoIterator<Item = (T, u32)>, fallback: T) -> Table<T> {
        let mut items = Vec::new();
        let mut cumulative = Vec::new();
        let mut total = 0u32;
        for (item, weight) in rows {
            total = total.saturating_add(weight.max(1));
            items.push(item);
            cumulative.push(total);
        }
        if items.is_empty() {
            items.push(fallback);
            cumulative.push(1);
        }
        Table { items, cumulative }
    }

    fn index(&self, rng: &mut impl Rng) -> usize {
        let total = self.cumulative.last().copied().unwrap_or(1);
        let x = rng.gen_range(0..total);
        self.cumulative
            .partition_point(|&c| c <= x)
            .min(self.items.len() - 1)
    }

    fn pick(&self, rng: &mut impl Rng) -> &T {
        &self.items[self.index(rng)]
    }
}

fn table_of(rows: &'static [(&'static str, u32)]) -> Table<&'static str> {
    Table::new(rows.iter().copied(), "")
}

struct Place {
    code: String,
    name: String,
    /// Indices into `Generator::courts`, most specific first (own court, then county court).
    courts: Vec<usize>,
}

struct CourtRow {
    code: String,
    validity: Validity,
}

struct ArticleRow {
    code: &'static str,
    validity: Validity,
}

/// A conviction with typed dates, before the court is chosen from the residence history.
struct Plan {
    foreign: Option<(&'static str, &'static [&'static str])>,
    decision: NaiveDate,
    final_date: NaiveDate,
    articles: Vec<&'static str>,
    months: u32,
    custody: Option<(NaiveDate, NaiveDate)>,
}

const CHECK_ALPHABET: &[u8; 23] = b"WABCDEFGHIJKLMNOPQRSTUV";

/// Makes invented offender files, one at a time, deterministically from a seed.
pub struct Generator {
    rng: ChaCha8Rng,
    today: NaiveDate,
    surnames: Table<&'static str>,
    male: Table<&'static str>,
    female: Table<&'static str>,
    birth_years: Table<i32>,
    places: Table<Place>,
    /// First-instance courts of the reference set.
    courts: Vec<CourtRow>,
    articles: Table<ArticleRow>,
    foreign: Table<(&'static str, &'static [&'static str])>,
    second_citizenships: Table<&'static str>,
    relationships: Table<&'static str>,
    eyes: Table<&'static str>,
    hair: Table<&'static str>,
}

impl Generator {
    /// A generator whose drafts validate against `reference` on `today`. Municipalities,
    /// courts, articles and countries missing from `reference` are simply never used.
    /// `today` should be a recent date (the generated persons are born 1945–2005 and
    /// convicted as adults, after the Criminal Code of 1995).
    pub fn new(seed: u64, reference: &ReferenceSet, today: NaiveDate) -> Generator {
        let courts: Vec<CourtRow> = reference
            .courts
            .iter()
            .filter(|c| c.kind == CourtKind::FirstInstance)
            .map(|c| CourtRow {
                code: c.code.clone(),
                validity: c.validity.clone(),
            })
            .collect();
        let court_index = |code: &str| courts.iter().position(|c| c.code == code);

        let places = data::MUNICIPALITIES.iter().filter_map(|&(name, weight)| {
            let code = code_for(name);
            let municipality = reference.municipality(&code)?;
            let seat = data::COURT_SEATS
                .iter()
                .find(|(m, _)| *m == code)
                .map(|(_, c)| (*c).to_string());
            let candidates = [
                Some(format!("gj-{code}")),
                seat,
                Some(format!("gj-{}", municipality.county_code)),
            ];
            let mut place_courts: Vec<usize> = Vec::new();
            for i in candidates.iter().flatten().filter_map(|c| court_index(c)) {
                if !place_courts.contains(&i) {
                    place_courts.push(i);
                }
            }
            Some((
                Place {
                    code,
                    name: municipality.name.clone(),
                    courts: place_courts,
                },
                weight,
            ))
        });
        let fallback_place = Place {
            code: reference
                .municipalities
                .first()
                .map(|m| m.code.clone())
                .unwrap_or_default(),
            name: reference
                .municipalities
                .first()
                .map(|m| m.name.clone())
                .unwrap_or_default(),
            courts: Vec::new(),
        };
        let places = Table::new(places.collect::<Vec<_>>(), fallback_place);

        let articles = data::ARTICLES.iter().filter_map(|&(code, weight)| {
            let article = reference.article(code)?;
            Some((
                ArticleRow {
                    code,
                    validity: article.validity.clone(),
                },
                weight,
            ))
        });
        let articles = Table::new(
            articles.collect::<Vec<_>>(),
            ArticleRow {
                code: "100",
                validity: Validity {
                    valid_from: NaiveDate::MIN,
                    valid_to: None,
                },
            },
        );

        let foreign = data::FOREIGN_COURTS
            .iter()
            .filter(|(country, _, _)| reference.country(country).is_some())
            .map(|&(country, weight, courts)| ((country, courts), weight));
        let (first_country, _, first_courts) = data::FOREIGN_COURTS[0];
        let foreign = Table::new(foreign.collect::<Vec<_>>(), (first_country, first_courts));

        let second = data::SECOND_CITIZENSHIPS
            .iter()
            .copied()
            .filter(|(c, _)| reference.country(c).is_some());

        let last_birth_year = (today.year() - 19).clamp(1945, 2005);
        let birth_years = (1945..=last_birth_year).map(|y| {
            let w = match y {
                ..=1977 => 10 + (y - 1945) * 90 / 33,
                1978..=1990 => 100,
                _ => 100 - (y - 1990) * 5,
            };
            (y, u32::try_from(w).unwrap_or(1))
        });

        Generator {
            rng: ChaCha8Rng::seed_from_u64(seed),
            today,
            surnames: table_of(surnames()),
            male: table_of(given_names(Sex::M)),
            female: table_of(given_names(Sex::F)),
            birth_years: Table::new(birth_years.collect::<Vec<_>>(), 1980),
            courts,
            places,
            articles,
            foreign,
            second_citizenships: Table::new(second.collect::<Vec<_>>(), "IT"),
            relationships: table_of(data::RELATIONSHIPS),
            eyes: table_of(data::EYE_COLOURS),
            hair: table_of(data::HAIR_COLOURS),
        }
    }

    /// One invented person.
    pub fn next_draft(&mut self) -> FileDraft {
        let sex = if self.rng.gen_ratio(92, 100) {
            Sex::M
        } else {
            Sex::F
        };
        let birth = self.birth_date();
        let adult = dates::add_years(birth, 18).unwrap_or(birth);

        // Names.
        let apostrophe = self.rng.gen_ratio(1, 200);
        let surname = if apostrophe {
            self.one_of(data::APOSTROPHE_SURNAMES).to_string()
        } else if self.rng.gen_ratio(1, 100) {
            let first = *self.surnames.pick(&mut self.rng);
            let mut second = *self.surnames.pick(&mut self.rng);
            while second == first {
                second = *self.surnames.pick(&mut self.rng);
            }
            format!("{first}-{second}")
        } else {
            self.surnames.pick(&mut self.rng).to_string()
        };
        let given_name = self.given(sex).to_string();
        let father_name = self.male.pick(&mut self.rng).to_string();
        let mother_name = self.female.pick(&mut self.rng).to_string();

        // Personal number.
        let mut confirm_warnings = false;
        let nid = if self.rng.gen_ratio(85, 100) {
            let wrong = self.rng.gen_ratio(1, 100);
            confirm_warnings = wrong;
            self.nid(sex, birth, wrong)
        } else {
            String::new()
        };

        // Convictions, in order of decision.
        let count = if self.rng.gen_ratio(1, 10) { 2 } else { 1 };
        let mut plans: Vec<Plan> = (0..count).map(|_| self.plan(adult)).collect();
        plans.sort_by_key(|p| p.decision);

        // Residences: the current one starts after the last release (or decision).
        let today = self.today;
        let current_place = self.places.index(&mut self.rng);
        let current_from = match plans.last() {
            Some(last) => {
                let base = match last.custody {
                    Some((_, release)) if release <= today => release,
                    _ => last.final_date,
                };
                add_days(base, self.rng.gen_range(0..=45)).min(today)
            }
            None => today,
        };
        let earlier = if self.rng.gen_ratio(30, 100) {
            let place = if self.rng.gen_ratio(60, 100) {
                current_place
            } else {
                self.places.index(&mut self.rng)
            };
            let from = sub_days(current_from, self.rng.gen_range(365..=15 * 365)).max(birth);
            Some((place, from))
        } else {
            None
        };
        let mut addresses = Vec::with_capacity(3);
        if let Some((place, from)) = earlier {
            addresses.push(self.address("residence", place, from, Some(current_from)));
        }
        addresses.push(self.address("residence", current_place, current_from, None));
        if self.rng.gen_ratio(10, 100) {
            let place = if self.rng.gen_ratio(80, 100) {
                current_place
            } else {
                self.places.index(&mut self.rng)
            };
            let from = add_days(current_from, self.rng.gen_range(0..=365)).min(today);
            addresses.push(self.address("work", place, from, None));
        }

        let convictions = plans
            .iter()
            .map(|plan| {
                let place = match earlier {
                    Some((place, from))
                        if from <= plan.decision && plan.decision < current_from =>
                    {
                        place
                    }
                    _ => current_place,
                };
                self.conviction(plan, place)
            })
            .collect();

        // Citizenships and aliases.
        let mut citizenships = vec!["AL".to_string()];
        let foreign_country = plans.iter().find_map(|p| p.foreign.map(|(c, _)| c));
        let second = if apostrophe {
            Some("IT")
        } else if let (Some(country), true) = (foreign_country, self.rng.gen_ratio(1, 3)) {
            Some(country)
        } else if self.rng.gen_ratio(4, 100) {
            Some(*self.second_citizenships.pick(&mut self.rng))
        } else {
            None
        };
        if let Some(code) = second {
            citizenships.push(code.to_string());
        }
        let aliases = if self.rng.gen_ratio(8, 100) {
            vec![self.alias(sex, &surname, &given_name)]
        } else {
            Vec::new()
        };

        let birth_place = self.places.index(&mut self.rng);
        let place_of_birth = if apostrophe {
            "Bari, Itali".to_string()
        } else {
            self.places.items[birth_place].name.clone()
        };

        FileDraft {
            identity: IdentityDraft {
                surname,
                given_name,
                father_name,
                mother_name,
                sex: match sex {
                    Sex::M => "M".to_string(),
                    Sex::F => "F".to_string(),
                },
                date_of_birth: dates::format(birth),
                place_of_birth,
                nid,
                citizenships,
                aliases,
            },
            description: self.description(sex),
            convictions,
            addresses,
            confirm_warnings,
        }
    }

    fn one_of<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.rng.gen_range(0..items.len())]
    }

    fn given(&mut self, sex: Sex) -> &'static str {
        match sex {
            Sex::M => self.male.pick(&mut self.rng),
            Sex::F => self.female.pick(&mut self.rng),
        }
    }

    fn birth_date(&mut self) -> NaiveDate {
        let year = *self.birth_years.pick(&mut self.rng);
        let days = if NaiveDate::from_ymd_opt(year, 2, 29).is_some() {
            366
        } else {
            365
        };
        let ordinal = self.rng.gen_range(1..=days);
        NaiveDate::from_yo_opt(year, ordinal).unwrap_or_default()
    }

    /// A number whose decade, year, month (+50 for women) and day encode `birth`, with the
    /// unofficial check letter, or a different letter when `wrong`.
    fn nid(&mut self, sex: Sex, birth: NaiveDate, wrong: bool) -> String {
        let Some(decade) = u8::try_from((birth.year() - 1900) / 10)
            .ok()
            .filter(|d| *d <= 12)
        else {
            return String::new();
        };
        let month = birth.month() + if sex == Sex::F { 50 } else { 0 };
        let serial: u32 = self.rng.gen_range(1..=999);
        let mut value = format!(
            "{}{}{:02}{:02}{:03}",
            char::from(b'A' + decade),
            birth.year().rem_euclid(10),
            month,
            birth.day(),
            serial
        );
        let Some(check) = nid::check_letter(value.as_bytes()) else {
            return String::new();
        };
        let letter = if wrong {
            let at = CHECK_ALPHABET
                .iter()
                .position(|&b| char::from(b) == check)
                .unwrap_or(0);
            char::from(
                CHECK_ALPHABET
                    [(at + self.rng.gen_range(1..CHECK_ALPHABET.len())) % CHECK_ALPHABET.len()],
            )
        } else {
            check
        };
        value.push(letter);
        value
    }

    fn plan(&mut self, adult: NaiveDate) -> Plan {
        let main = self.articles.index(&mut self.rng);
        let mut chosen = vec![main];
        if self.rng.gen_ratio(25, 100) {
            let other = self.articles.index(&mut self.rng);
            if other != main {
                chosen.push(other);
            }
        }
        // The decision falls when the person is an adult and every article is in force.
        let mut lo = adult;
        let mut hi = self.today;
        for &i in &chosen {
            let v = &self.articles.items[i].validity;
            lo = lo.max(v.valid_from);
            if let Some(end) = v.valid_to {
                hi = hi.min(sub_days(end, 1));
            }
        }
        let lo = lo.min(hi);
        // Recent decisions are likelier: the larger of two uniform draws.
        let span = (hi - lo).num_days().max(0);
        let offset = self
            .rng
            .gen_range(0..=span)
            .max(self.rng.gen_range(0..=span));
        let decision = add_days(lo, offset);
        let final_date = add_days(decision, self.rng.gen_range(0..=120)).min(self.today);

        let months = self.sentence_months();
        let custody = if self.rng.gen_ratio(95, 100) {
            let from = sub_days(decision, self.rng.gen_range(0..=200));
            let release =
                dates::add_months(from, i32::try_from(months).unwrap_or(0)).unwrap_or(from);
            Some((from, release))
        } else {
            None
        };
        let foreign = if self.rng.gen_ratio(5, 100) {
            Some(*self.foreign.pick(&mut self.rng))
        } else {
            None
        };
        Plan {
            foreign,
            decision,
            final_date,
            articles: chosen
                .iter()
                .map(|&i| self.articles.items[i].code)
                .collect(),
            months,
            custody,
        }
    }

    /// 6–300 months, mostly 2–10 years; whole half-years from two years up.
    fn sentence_months(&mut self) -> u32 {
        let (lo, hi) = match self.rng.gen_range(0..100) {
            0..=14 => (6, 23),
            15..=49 => (24, 59),
            50..=84 => (60, 120),
            85..=94 => (121, 180),
            _ => (181, 300),
        };
        let m: u32 = self.rng.gen_range(lo..=hi);
        if m >= 24 {
            (m / 6 * 6).max(lo.div_ceil(6) * 6).min(hi)
        } else {
            m
        }
    }

    fn court_code(&self, place: usize, on: NaiveDate) -> String {
        // The municipality's own courts first, then any first-instance court in force.
        let own = self.places.items[place]
            .courts
            .iter()
            .map(|&i| &self.courts[i]);
        own.chain(self.courts.iter())
            .find(|c| c.validity.contains(on))
            .map(|c| c.code.clone())
            .unwrap_or_default()
    }

    fn conviction(&mut self, plan: &Plan, place: usize) -> ConvictionDraft {
        let year = plan.decision.year();
        let decision_number = format!("{}/{}", self.rng.gen_range(1..=2400), year);
        let (country, court_code, court_name, recognition) = match plan.foreign {
            Some((country, courts)) => {
                let court = self.one_of(courts);
                let recognised =
                    (plan.final_date.year() + self.rng.gen_range(0..=1)).min(self.today.year());
                let recognition = format!(
                    "Vendim njohjeje {}/{}",
                    self.rng.gen_range(1..=300),
                    recognised
                );
                (
                    country.to_string(),
                    String::new(),
                    court.to_string(),
                    recognition,
                )
            }
            None => (
                "AL".to_string(),
                self.court_code(place, plan.decision),
                String::new(),
                String::new(),
            ),
        };
        let victim_age = if self.rng.gen_ratio(95, 100) {
            let (lo, hi) = match plan.articles.first().copied() {
                Some("100") => (3, 13),
                Some("101") => (14, 17),
                _ => (3, 17),
            };
            self.rng.gen_range(lo..=hi).to_string()
        } else {
            String::new()
        };
        let victim_relationship = if self.rng.gen_ratio(92, 100) {
            self.relationships.pick(&mut self.rng).to_string()
        } else {
            String::new()
        };
        let (custody_from, release_date) = match plan.custody {
            Some((from, release)) => (dates::format(from), dates::format(release)),
            None => (String::new(), String::new()),
        };
        ConvictionDraft {
            id: None,
            foreign: plan.foreign.is_some(),
            country,
            court_code,
            court_name,
            decision_number,
            decision_date: dates::format(plan.decision),
            final_date: dates::format(plan.final_date),
            articles: plan.articles.iter().map(|a| a.to_string()).collect(),
            sentence_months: plan.months.to_string(),
            sentence_text: sentence_text(plan.months, plan.custody.is_none()),
            custody_from,
            release_date,
            recognition,
            victim_age,
            victim_relationship,
        }
    }

    fn address(
        &mut self,
        kind: &str,
        place: usize,
        from: NaiveDate,
        to: Option<NaiveDate>,
    ) -> AddressDraft {
        let street = self.one_of(data::STREETS);
        let number: u32 = self.rng.gen_range(1..=150);
        let street = if self.rng.gen_ratio(25, 100) {
            let block: u32 = self.rng.gen_range(1..=40);
            let flat: u32 = self.rng.gen_range(1..=60);
            format!("{street}, nr. {number}, pallati {block}, ap. {flat}")
        } else {
            format!("{street}, nr. {number}")
        };
        AddressDraft {
            id: None,
            kind: kind.to_string(),
            municipality_code: self.places.items[place].code.clone(),
            street,
            from: dates::format(from),
            to: to.map(dates::format).unwrap_or_default(),
        }
    }

    fn alias(&mut self, sex: Sex, surname: &str, given_name: &str) -> AliasDraft {
        let (kind, surname, given_name) = if sex == Sex::F {
            (
                "maiden_name",
                self.other_surname(surname),
                given_name.to_string(),
            )
        } else {
            match self.rng.gen_range(0..3) {
                0 => ("alias", transliterate(surname), given_name.to_string()),
                1 => (
                    "alias",
                    surname.to_string(),
                    self.one_of(data::NICKNAMES).to_string(),
                ),
                _ => (
                    "former_name",
                    self.other_surname(surname),
                    given_name.to_string(),
                ),
            }
        };
        AliasDraft {
            id: None,
            kind: kind.to_string(),
            surname,
            given_name,
        }
    }

    fn other_surname(&mut self, surname: &str) -> String {
        loop {
            let other = *self.surnames.pick(&mut self.rng);
            if other != surname {
                return other.to_string();
            }
        }
    }

    fn description(&mut self, sex: Sex) -> DescriptionDraft {
        // A rough bell curve: the sum of three uniform draws.
        let spread: u32 = (0..3).map(|_| self.rng.gen_range(0..=14u32)).sum();
        let (base, max) = match sex {
            Sex::M => (154, 195),
            Sex::F => (150, 185),
        };
        let height = (base + spread).min(max);
        let marks = if self.rng.gen_ratio(20, 100) {
            let first = self.one_of(data::MARKS);
            if self.rng.gen_ratio(20, 100) {
                let second = self.one_of(data::MARKS);
                if second != first {
                    format!("{first}; {second}")
                } else {
                    first.to_string()
                }
            } else {
                first.to_string()
            }
        } else {
            String::new()
        };
        DescriptionDraft {
            height_cm: height.to_string(),
            eye_colour: self.eyes.pick(&mut self.rng).to_string(),
            hair_colour: self.hair.pick(&mut self.rng).to_string(),
            marks,
        }
    }
}

impl Iterator for Generator {
    type Item = FileDraft;

    /// Never ends.
    fn next(&mut self) -> Option<FileDraft> {
        Some(self.next_draft())
    }
}

fn add_days(date: NaiveDate, days: i64) -> NaiveDate {
    let n = Days::new(days.unsigned_abs());
    let moved = if days >= 0 {
        date.checked_add_days(n)
    } else {
        date.checked_sub_days(n)
    };
    moved.unwrap_or(date)
}

fn sub_days(date: NaiveDate, days: i64) -> NaiveDate {
    add_days(date, -days)
}

/// "5 vjet burgim", "2 vjet e 6 muaj burgim", "8 muaj burgim".
fn sentence_text(months: u32, suspended: bool) -> String {
    let (years, rest) = (months / 12, months % 12);
    let length = match (years, rest) {
        (0, m) => format!("{m} muaj"),
        (1, 0) => "1 vit".to_string(),
        (y, 0) => format!("{y} vjet"),
        (1, m) => format!("1 vit e {m} muaj"),
        (y, m) => format!("{y} vjet e {m} muaj"),
    };
    if suspended {
        format!("{length} burgim, pezulluar me vënie në provë")
    } else {
        format!("{length} burgim")
    }
}

/// The name as a foreign document might spell it: Xh → J, Ç → Ch, Sh → Sch, ë → e; a name
/// without such letters gets its -aj form toggled instead (Hoxha ↔ Hoxhaj).
fn transliterate(name: &str) -> String {
    let spelled = name
        .replace("Xh", "J")
        .replace("xh", "j")
        .replace('Ç', "Ch")
        .replace('ç', "ch")
        .replace("Sh", "Sch")
        .replace('ë', "e")
        .replace('Ë', "E");
    if spelled != name {
        spelled
    } else if let Some(stem) = name.strip_suffix("aj") {
        format!("{stem}a")
    } else if name.ends_with('a') {
        format!("{name}j")
    } else if let Some(stem) = name.strip_suffix(['i', 'u', 'e']) {
        format!("{stem}aj")
    } else {
        format!("{name}aj")
    }
}

#[cfg(test)]
mod tests;
