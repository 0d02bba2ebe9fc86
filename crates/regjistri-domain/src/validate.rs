//! Draft → record. Every rule a clerk can break is here, with a stable code per field.

use chrono::NaiveDate;
use uuid::Uuid;

use crate::dates;
use crate::file::*;
use crate::message::{FieldError, Severity};
use crate::nid;
use crate::reference::ReferenceSet;

pub const MAX_NAME_CHARS: usize = 100;
pub const MAX_TEXT_CHARS: usize = 2000;
pub const MAX_SENTENCE_MONTHS: u32 = 1200;
const EARLIEST_BIRTH_YEAR: i32 = 1900;

/// What validation needs from outside: reference data, today's date, and fresh ids for new
/// convictions, addresses and aliases (UUIDv7 made on the workstation).
pub struct Context<'a> {
    pub reference: &'a ReferenceSet,
    pub today: NaiveDate,
    pub new_id: &'a mut dyn FnMut() -> Uuid,
}

pub(crate) struct Problems(pub(crate) Vec<FieldError>);

impl Problems {
    pub(crate) fn error(&mut self, field: impl Into<String>, code: &str) {
        self.0.push(FieldError::error(field, code));
    }
    pub(crate) fn warning(&mut self, field: impl Into<String>, code: &str) {
        self.0.push(FieldError::warning(field, code));
    }

    pub(crate) fn name(&mut self, field: &str, value: &str, required: bool) -> String {
        let v = value.trim();
        if v.is_empty() {
            if required {
                self.error(field, "required");
            }
            return String::new();
        }
        if v.chars().count() > MAX_NAME_CHARS {
            self.error(field, "too_long");
        } else if !v.chars().all(|c| {
            c.is_alphabetic()
                || unicode_normalization::char::is_combining_mark(c)
                || crate::names::is_apostrophe(c)
                || matches!(c, ' ' | '-' | '.')
        }) {
            self.error(field, "invalid_characters");
        }
        v.to_string()
    }

    pub(crate) fn text(&mut self, field: &str, value: &str, required: bool) -> String {
        let v = value.trim();
        if v.is_empty() && required {
            self.error(field, "required");
        }
        if v.chars().count() > MAX_TEXT_CHARS {
            self.error(field, "too_long");
        }
        v.to_string()
    }

    /// A typed date; `None` if empty or wrong (the error is recorded).
    pub(crate) fn date(
        &mut self,
        field: &str,
        value: &str,
        required: bool,
        today: NaiveDate,
    ) -> Option<NaiveDate> {
        if value.trim().is_empty() {
            if required {
                self.error(field, "required");
            }
            return None;
        }
        match dates::parse_input(value) {
            Ok(d) if d > today => {
                self.error(field, "date_in_future");
                None
            }
            Ok(d) => Some(d),
            Err(e) => {
                self.error(field, e.code());
                None
            }
        }
    }

    pub(crate) fn number<T: TryFrom<u64>>(
        &mut self,
        field: &str,
        value: &str,
        max: u64,
        required: bool,
    ) -> Option<T> {
        let v = value.trim();
        if v.is_empty() {
            if required {
                self.error(field, "required");
            }
            return None;
        }
        match v.parse::<u64>() {
            Ok(n) if n <= max => T::try_from(n).ok(),
            Ok(_) => {
                self.error(field, "number_range");
                None
            }
            Err(_) => {
                self.error(field, "number_invalid");
                None
            }
        }
    }

    fn not_before_birth(&mut self, field: &str, date: Option<NaiveDate>, birth: Option<NaiveDate>) {
        if let (Some(d), Some(b)) = (date, birth) {
            if d < b {
                self.error(field, "date_before_birth");
            }
        }
    }
}

/// All problems of a draft, errors and warnings, without building a record. The form calls
/// this after each step to show inline errors.
pub fn check(draft: &FileDraft, reference: &ReferenceSet, today: NaiveDate) -> Vec<FieldError> {
    let mut ids = Uuid::nil;
    let mut ctx = Context {
        reference,
        today,
        new_id: &mut ids,
    };
    build(draft, &mut ctx).1
}

/// A draft becomes a record when it has no errors and its warnings, if any, are confirmed.
/// Otherwise every problem is returned (errors and unconfirmed warnings).
pub fn validate(draft: &FileDraft, ctx: &mut Context<'_>) -> Result<FileData, Vec<FieldError>> {
    let (data, problems) = build(draft, ctx);
    let has_error = problems.iter().any(|p| p.severity == Severity::Error);
    let unconfirmed_warning =
        !draft.confirm_warnings && problems.iter().any(|p| p.severity == Severity::Warning);
    match data {
        Some(data) if !has_error && !unconfirmed_warning => Ok(data),
        _ => Err(problems),
    }
}

fn build(draft: &FileDraft, ctx: &mut Context<'_>) -> (Option<FileData>, Vec<FieldError>) {
    let mut p = Problems(Vec::new());
    let today = ctx.today;
    let d = &draft.identity;

    let surname = p.name("identity.surname", &d.surname, true);
    let given_name = p.name("identity.given_name", &d.given_name, true);
    let father_name = p.name("identity.father_name", &d.father_name, true);
    let mother_name = p.name("identity.mother_name", &d.mother_name, false);
    let place_of_birth = p.text("identity.place_of_birth", &d.place_of_birth, false);
    let sex = match d.sex.trim().to_uppercase().as_str() {
        "M" => Some(Sex::M),
        "F" => Some(Sex::F),
        "" => {
            p.error("identity.sex", "required");
            None
        }
        _ => {
            p.error("identity.sex", "sex_invalid");
            None
        }
    };
    let mut birth = p.date("identity.date_of_birth", &d.date_of_birth, true, today);
    if let Some(b) = birth {
        if chrono::Datelike::year(&b) < EARLIEST_BIRTH_YEAR {
            p.error("identity.date_of_birth", "date_invalid");
            birth = None;
        }
    }

    let mut nid_value = None;
    let mut nid_overridden = false;
    if !d.nid.trim().is_empty() {
        match nid::parse(&d.nid) {
            Err(e) => p.error("identity.nid", e.code()),
            Ok(n) => {
                if birth.is_some_and(|b| b != n.birth_date) {
                    p.error("identity.nid", "nid_birth_date_mismatch");
                }
                if sex.is_some_and(|s| s != n.sex) {
                    p.error("identity.nid", "nid_sex_mismatch");
                }
                if !n.check_letter_ok {
                    p.warning("identity.nid", "nid_check_letter");
                    nid_overridden = draft.confirm_warnings;
                }
                nid_value = Some(n.value);
            }
        }
    }

    let mut citizenships = Vec::new();
    for (i, c) in d.citizenships.iter().enumerate() {
        let code = c.trim().to_uppercase();
        let field = format!("identity.citizenships.{i}");
        if ctx.reference.country(&code).is_none() {
            p.error(field, "country_unknown");
        } else if citizenships.contains(&code) {
            p.error(field, "duplicate_value");
        } else {
            citizenships.push(code);
        }
    }

    let mut aliases = Vec::new();
    for (i, a) in d.aliases.iter().enumerate() {
        let f = |name: &str| format!("identity.aliases.{i}.{name}");
        let kind = match a.kind.as_str() {
            "alias" | "" => Some(AliasKind::Alias),
            "former_name" => Some(AliasKind::FormerName),
            "maiden_name" => Some(AliasKind::MaidenName),
            _ => {
                p.error(f("kind"), "kind_invalid");
                None
            }
        };
        let surname = p.name(&f("surname"), &a.surname, false);
        let given = p.name(&f("given_name"), &a.given_name, false);
        if surname.is_empty() && given.is_empty() {
            p.error(f("surname"), "required");
        }
        if let Some(kind) = kind {
            aliases.push(Alias {
                id: a.id.unwrap_or_else(&mut *ctx.new_id),
                kind,
                surname,
                given_name: given,
            });
        }
    }

    let dd = &draft.description;
    let description = Description {
        height_cm: p.number("description.height_cm", &dd.height_cm, 250, false),
        eye_colour: p.text("description.eye_colour", &dd.eye_colour, false),
        hair_colour: p.text("description.hair_colour", &dd.hair_colour, false),
        marks: p.text("description.marks", &dd.marks, false),
    };

    let mut convictions = Vec::new();
    if draft.convictions.is_empty() {
        p.error("convictions", "convictions_required");
    }
    for (i, c) in draft.convictions.iter().enumerate() {
        if let Some(conv) = conviction(&mut p, c, i, birth, ctx) {
            convictions.push(conv);
        }
    }

    let mut addresses = Vec::new();
    for (i, a) in draft.addresses.iter().enumerate() {
        let f = |name: &str| format!("addresses.{i}.{name}");
        let kind = match a.kind.as_str() {
            "residence" => Some(AddressKind::Residence),
            "temporary_stay" => Some(AddressKind::TemporaryStay),
            "work" => Some(AddressKind::Work),
            "" => {
                p.error(f("kind"), "required");
                None
            }
            _ => {
                p.error(f("kind"), "kind_invalid");
                None
            }
        };
        let municipality = a.municipality_code.trim();
        if municipality.is_empty() {
            p.error(f("municipality_code"), "required");
        } else if ctx.reference.municipality(municipality).is_none() {
            p.error(f("municipality_code"), "municipality_unknown");
        }
        let street = p.text(
            &f("street"),
            &a.street,
            kind == Some(AddressKind::Residence),
        );
        let from = p.date(&f("from"), &a.from, true, today);
        p.not_before_birth(&f("from"), from, birth);
        // An end date may be in the future (a declared temporary stay).
        let to = if a.to.trim().is_empty() {
            None
        } else {
            match dates::parse_input(&a.to) {
                Ok(t) => Some(t),
                Err(e) => {
                    p.error(f("to"), e.code());
                    None
                }
            }
        };
        if let (Some(fr), Some(t)) = (from, to) {
            if t <= fr {
                p.error(f("to"), "date_order");
            }
        }
        if let (Some(kind), Some(from)) = (kind, from) {
            addresses.push((
                i,
                Address {
                    id: a.id.unwrap_or_else(&mut *ctx.new_id),
                    kind,
                    municipality_code: municipality.to_string(),
                    street,
                    from,
                    to,
                },
            ));
        }
    }
    // One residence at a time: [from, to) periods of residences must not overlap.
    for (n, (i, a)) in addresses.iter().enumerate() {
        if a.kind != AddressKind::Residence {
            continue;
        }
        let overlaps = addresses[..n].iter().any(|(_, b)| {
            b.kind == AddressKind::Residence
                && a.from < b.to.unwrap_or(NaiveDate::MAX)
                && b.from < a.to.unwrap_or(NaiveDate::MAX)
        });
        if overlaps {
            p.error(format!("addresses.{i}.from"), "residence_overlap");
        }
    }

    let data = match (sex, birth) {
        (Some(sex), Some(date_of_birth)) => Some(FileData {
            identity: Identity {
                surname,
                given_name,
                father_name,
                mother_name,
                sex,
                date_of_birth,
                place_of_birth,
                nid: nid_value,
                nid_check_overridden: nid_overridden,
                citizenships,
                aliases,
            },
            description,
            convictions,
            addresses: addresses.into_iter().map(|(_, a)| a).collect(),
        }),
        _ => None,
    };
    (data, p.0)
}

fn conviction(
    p: &mut Problems,
    c: &ConvictionDraft,
    i: usize,
    birth: Option<NaiveDate>,
    ctx: &mut Context<'_>,
) -> Option<Conviction> {
    let f = |name: &str| format!("convictions.{i}.{name}");
    let today = ctx.today;
    let decision_number = p.text(&f("decision_number"), &c.decision_number, true);
    let decision_date = p.date(&f("decision_date"), &c.decision_date, true, today);
    p.not_before_birth(&f("decision_date"), decision_date, birth);
    let final_date = p.date(&f("final_date"), &c.final_date, true, today);
    if let (Some(dd), Some(fd)) = (decision_date, final_date) {
        if fd < dd {
            p.error(f("final_date"), "final_before_decision");
        }
    }

    let (country, court_code, court_name) = if c.foreign {
        let country = c.country.trim().to_uppercase();
        if country.is_empty() || country == "AL" {
            p.error(f("country"), "foreign_country_required");
        } else if ctx.reference.country(&country).is_none() {
            p.error(f("country"), "country_unknown");
        }
        let name = p.text(&f("court_name"), &c.court_name, false);
        if name.is_empty() {
            p.error(f("court_name"), "foreign_court_required");
        }
        (country, None, name)
    } else {
        let code = c.court_code.trim();
        match ctx.reference.court(code) {
            _ if code.is_empty() => p.error(f("court_code"), "required"),
            None => p.error(f("court_code"), "court_unknown"),
            Some(court) => {
                if decision_date.is_some_and(|d| !court.validity.contains(d)) {
                    p.error(f("court_code"), "court_not_valid_on_date");
                }
            }
        }
        ("AL".to_string(), Some(code.to_string()), String::new())
    };

    let mut articles: Vec<String> = Vec::new();
    if c.articles.iter().all(|a| a.trim().is_empty()) {
        p.error(f("articles"), "articles_required");
    }
    for (k, a) in c.articles.iter().enumerate() {
        let code = a.trim();
        if code.is_empty() {
            continue;
        }
        let field = format!("convictions.{i}.articles.{k}");
        match ctx.reference.article(code) {
            None => p.error(field, "article_unknown"),
            Some(art) => {
                if decision_date.is_some_and(|d| !art.validity.contains(d)) {
                    p.error(field, "article_not_valid_on_date");
                } else if articles.iter().any(|x| x == code) {
                    p.error(field, "duplicate_value");
                } else {
                    articles.push(code.to_string());
                }
            }
        }
    }

    let sentence_months = p.number::<u32>(
        &f("sentence_months"),
        &c.sentence_months,
        u64::from(MAX_SENTENCE_MONTHS),
        true,
    );
    let sentence_text = p.text(&f("sentence_text"), &c.sentence_text, false);
    let custody_from = p.date(&f("custody_from"), &c.custody_from, false, today);
    p.not_before_birth(&f("custody_from"), custody_from, birth);
    // A release date may lie ahead: the person may still be in custody.
    let release_date = if c.release_date.trim().is_empty() {
        None
    } else {
        match dates::parse_input(&c.release_date) {
            Ok(r) => Some(r),
            Err(e) => {
                p.error(f("release_date"), e.code());
                None
            }
        }
    };
    if let (Some(cf), Some(r)) = (custody_from, release_date) {
        if r < cf {
            p.error(f("release_date"), "release_before_custody");
        }
    }
    let recognition = p.text(&f("recognition"), &c.recognition, false);
    let victim_age = p.number::<u8>(&f("victim_age"), &c.victim_age, 17, false);
    let victim_relationship = p.text(&f("victim_relationship"), &c.victim_relationship, false);

    Some(Conviction {
        id: c.id.unwrap_or_else(&mut *ctx.new_id),
        foreign: c.foreign,
        country,
        court_code,
        court_name,
        decision_number,
        decision_date: decision_date?,
        final_date: final_date?,
        articles,
        sentence_months: sentence_months?,
        sentence_text,
        custody_from,
        release_date,
        recognition,
        victim_age,
        victim_relationship,
    })
}
