//! The offender file (DOMAIN.md §3): the typed, validated record, and the draft a clerk
//! types, in which dates and numbers are still text. `validate::validate` turns a draft into
//! a record or a list of field errors; nothing else creates records from input.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub enum Sex {
    M,
    F,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AliasKind {
    Alias,
    FormerName,
    MaidenName,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum AddressKind {
    Residence,
    TemporaryStay,
    Work,
}

/// Where a file stands in the approval workflow. Only `Approved` files count as registered
/// outside the editing screens (the workflow itself arrives with users and roles).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum FileStatus {
    /// New, never approved: not registered anywhere outside the editing screens.
    Pending,
    Approved,
    /// Approved, with an amendment waiting for approval; the approved version still stands.
    Amended,
    /// Sent back to the author with a reason.
    Returned,
    Removed,
}

impl FileStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            FileStatus::Pending => "pending",
            FileStatus::Approved => "approved",
            FileStatus::Amended => "amended",
            FileStatus::Returned => "returned",
            FileStatus::Removed => "removed",
        }
    }
    pub fn parse(s: &str) -> Option<FileStatus> {
        match s {
            "pending" => Some(FileStatus::Pending),
            "approved" => Some(FileStatus::Approved),
            "amended" => Some(FileStatus::Amended),
            "returned" => Some(FileStatus::Returned),
            "removed" => Some(FileStatus::Removed),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Alias {
    pub id: Uuid,
    pub kind: AliasKind,
    pub surname: String,
    pub given_name: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Identity {
    pub surname: String,
    pub given_name: String,
    pub father_name: String,
    pub mother_name: String,
    pub sex: Sex,
    pub date_of_birth: NaiveDate,
    pub place_of_birth: String,
    /// Upper-cased without spaces; `None` for persons without an Albanian personal number.
    pub nid: Option<String>,
    /// True when a person confirmed a number whose check letter does not match.
    pub nid_check_overridden: bool,
    /// ISO 3166 codes.
    pub citizenships: Vec<String>,
    pub aliases: Vec<Alias>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Description {
    pub height_cm: Option<u16>,
    pub eye_colour: String,
    pub hair_colour: String,
    /// Scars, marks and tattoos.
    pub marks: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Conviction {
    pub id: Uuid,
    pub foreign: bool,
    /// ISO code; "AL" for domestic convictions.
    pub country: String,
    /// Reference court code for Albanian courts.
    pub court_code: Option<String>,
    /// Free text for foreign courts.
    pub court_name: String,
    pub decision_number: String,
    pub decision_date: NaiveDate,
    /// The date the decision became final (formë të prerë).
    pub final_date: NaiveDate,
    pub articles: Vec<String>,
    pub sentence_months: u32,
    pub sentence_text: String,
    pub custody_from: Option<NaiveDate>,
    pub release_date: Option<NaiveDate>,
    /// For foreign convictions: the Albanian court's recognition decision.
    pub recognition: String,
    /// Victim details are limited to age and relationship; never a name.
    pub victim_age: Option<u8>,
    pub victim_relationship: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Address {
    pub id: Uuid,
    pub kind: AddressKind,
    pub municipality_code: String,
    pub street: String,
    /// The period is [from, to): on `to` the person no longer lives there.
    pub from: NaiveDate,
    pub to: Option<NaiveDate>,
}

/// Everything a clerk enters about a person; the versioned content of a file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FileData {
    pub identity: Identity,
    pub description: Description,
    pub convictions: Vec<Conviction>,
    pub addresses: Vec<Address>,
}

impl FileData {
    /// The residence covering `on`, if any.
    pub fn residence_on(&self, on: NaiveDate) -> Option<&Address> {
        self.addresses.iter().find(|a| {
            a.kind == AddressKind::Residence && a.from <= on && a.to.is_none_or(|to| on < to)
        })
    }
}

/// A stored file with its bookkeeping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct OffenderFile {
    pub id: Uuid,
    /// Increments with every change; a change names the version it was made against.
    #[ts(type = "number")]
    pub version: i64,
    pub status: FileStatus,
    pub owning_directorate: String,
    pub data: FileData,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

// ---- Drafts: what the form sends, as typed ----

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct AliasDraft {
    pub id: Option<Uuid>,
    /// "alias", "former_name" or "maiden_name".
    pub kind: String,
    pub surname: String,
    pub given_name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct IdentityDraft {
    pub surname: String,
    pub given_name: String,
    pub father_name: String,
    pub mother_name: String,
    /// "M" or "F".
    pub sex: String,
    /// dd.mm.yyyy
    pub date_of_birth: String,
    pub place_of_birth: String,
    pub nid: String,
    pub citizenships: Vec<String>,
    pub aliases: Vec<AliasDraft>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct DescriptionDraft {
    pub height_cm: String,
    pub eye_colour: String,
    pub hair_colour: String,
    pub marks: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct ConvictionDraft {
    pub id: Option<Uuid>,
    pub foreign: bool,
    pub country: String,
    pub court_code: String,
    pub court_name: String,
    pub decision_number: String,
    pub decision_date: String,
    pub final_date: String,
    pub articles: Vec<String>,
    pub sentence_months: String,
    pub sentence_text: String,
    pub custody_from: String,
    pub release_date: String,
    pub recognition: String,
    pub victim_age: String,
    pub victim_relationship: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct AddressDraft {
    pub id: Option<Uuid>,
    /// "residence", "temporary_stay" or "work".
    pub kind: String,
    pub municipality_code: String,
    pub street: String,
    pub from: String,
    pub to: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct FileDraft {
    pub identity: IdentityDraft,
    pub description: DescriptionDraft,
    pub convictions: Vec<ConvictionDraft>,
    pub addresses: Vec<AddressDraft>,
    /// The person saving confirmed the warnings shown (e.g. a personal number whose check
    /// letter does not match the unofficial rule).
    pub confirm_warnings: bool,
}

fn opt_date(d: Option<NaiveDate>) -> String {
    d.map(crate::dates::format).unwrap_or_default()
}

impl FileDraft {
    /// The draft that reproduces a stored file, for editing.
    pub fn from_data(data: &FileData) -> FileDraft {
        let id = &data.identity;
        FileDraft {
            identity: IdentityDraft {
                surname: id.surname.clone(),
                given_name: id.given_name.clone(),
                father_name: id.father_name.clone(),
                mother_name: id.mother_name.clone(),
                sex: match id.sex {
                    Sex::M => "M".into(),
                    Sex::F => "F".into(),
                },
                date_of_birth: crate::dates::format(id.date_of_birth),
                place_of_birth: id.place_of_birth.clone(),
                nid: id.nid.clone().unwrap_or_default(),
                citizenships: id.citizenships.clone(),
                aliases: id
                    .aliases
                    .iter()
                    .map(|a| AliasDraft {
                        id: Some(a.id),
                        kind: serde_plain(&a.kind),
                        surname: a.surname.clone(),
                        given_name: a.given_name.clone(),
                    })
                    .collect(),
            },
            description: DescriptionDraft {
                height_cm: data
                    .description
                    .height_cm
                    .map(|h| h.to_string())
                    .unwrap_or_default(),
                eye_colour: data.description.eye_colour.clone(),
                hair_colour: data.description.hair_colour.clone(),
                marks: data.description.marks.clone(),
            },
            convictions: data
                .convictions
                .iter()
                .map(|c| ConvictionDraft {
                    id: Some(c.id),
                    foreign: c.foreign,
                    country: c.country.clone(),
                    court_code: c.court_code.clone().unwrap_or_default(),
                    court_name: c.court_name.clone(),
                    decision_number: c.decision_number.clone(),
                    decision_date: crate::dates::format(c.decision_date),
                    final_date: crate::dates::format(c.final_date),
                    articles: c.articles.clone(),
                    sentence_months: c.sentence_months.to_string(),
                    sentence_text: c.sentence_text.clone(),
                    custody_from: opt_date(c.custody_from),
                    release_date: opt_date(c.release_date),
                    recognition: c.recognition.clone(),
                    victim_age: c.victim_age.map(|a| a.to_string()).unwrap_or_default(),
                    victim_relationship: c.victim_relationship.clone(),
                })
                .collect(),
            addresses: data
                .addresses
                .iter()
                .map(|a| AddressDraft {
                    id: Some(a.id),
                    kind: serde_plain(&a.kind),
                    municipality_code: a.municipality_code.clone(),
                    street: a.street.clone(),
                    from: crate::dates::format(a.from),
                    to: opt_date(a.to),
                })
                .collect(),
            confirm_warnings: id.nid_check_overridden,
        }
    }
}

/// The serde name of a unit enum variant ("former_name").
fn serde_plain<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(s)) => s,
        _ => String::new(),
    }
}
