//! What happens after registration (DOMAIN.md §3, obligations): periodic check-ins, address
//! and name changes, verification visits, trips and changes to them, work/education/
//! volunteering, status changes and risk assessments. Each is a record attached to a file; records are corrected by voiding them
//! with a reason, never by editing, so the timeline shows what was known when.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use ts_rs::TS;
use uuid::Uuid;

use crate::dates;
use crate::file::AddressKind;
use crate::message::{FieldError, Severity};
use crate::reference::ReferenceSet;
use crate::rules::RiskLevel;
use crate::validate::Problems;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum VerificationResult {
    /// The person lives at the declared address.
    Confirmed,
    /// Nobody found, or the person does not live there.
    NotFound,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum OccupationKind {
    Work,
    Education,
    Volunteering,
}

/// A change of the person's situation that suspends or ends the obligations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PersonState {
    /// At liberty and reporting (ends custody or absconding).
    Active,
    InCustody,
    /// Absconded or not found.
    Absconded,
    Deceased,
    /// Removed from the registry (court decision, error), with a reason.
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum RecordData {
    /// The person was told of the registration and its obligations (for files taken over
    /// from paper, the day that happened). Reports are owed from the earliest such notice,
    /// or else from the day the file was first approved.
    RegistrationNotice {
        date: NaiveDate,
        officer: String,
        note: String,
    },
    /// A periodic in-person report at the police station, with a new photo
    /// (`crate::photo::Photo`, taken the same day), or the reason why none was taken.
    ///
    /// Check-ins recorded before photos were stored carry only `photo_taken` (whether one was
    /// taken, no image): they still read, and are written back exactly as they were (so that
    /// their content, and its hash, stays what every station and the server hold). New
    /// check-ins never set it.
    CheckIn {
        date: NaiveDate,
        officer: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        photo_id: Option<Uuid>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        no_photo_reason: Option<String>,
        note: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[ts(optional)]
        photo_taken: Option<bool>,
    },
    /// A declared change of address: when the person moved and when they reported it.
    AddressChange {
        address_kind: AddressKind,
        municipality_code: String,
        street: String,
        moved_on: NaiveDate,
        reported_on: NaiveDate,
    },
    Verification {
        date: NaiveDate,
        officer: String,
        result: VerificationResult,
        note: String,
    },
    Trip {
        foreign: bool,
        /// ISO code for foreign trips, "AL" for domestic ones.
        country: String,
        /// Place (a municipality code for domestic trips, free text abroad).
        destination: String,
        departure: NaiveDate,
        return_date: NaiveDate,
        purpose: String,
        notice_date: NaiveDate,
    },
    Occupation {
        occupation: OccupationKind,
        organisation: String,
        /// The role or course; "volunteer at a summer camp".
        role: String,
        from: NaiveDate,
        to: Option<NaiveDate>,
        contact_with_children: bool,
        reported_on: NaiveDate,
    },
    StatusChange {
        state: PersonState,
        effective: NaiveDate,
        reason: String,
    },
    RiskAssessment {
        level: RiskLevel,
        date: NaiveDate,
        officer: String,
    },
    /// A change to a declared trip: the trip as it now stands (dates, destination), and the
    /// instant the person declared it. The trip record stays as first declared; the latest
    /// change in force gives the trip as it stands. Judged against the departure it sets.
    TripChange {
        /// The trip record changed (of the same file, in force).
        trip_id: Uuid,
        /// ISO code for foreign trips, "AL" for domestic ones.
        country: String,
        /// As for the trip: a municipality code at home, free text abroad.
        destination: String,
        departure: NaiveDate,
        return_date: NaiveDate,
        declared_at: DateTime<Utc>,
    },
    /// A declared change of name: the name parts as they were and as they are now. The file's
    /// identity is corrected separately, through an edit and its approval.
    NameChange {
        old_surname: String,
        old_given_name: String,
        new_surname: String,
        new_given_name: String,
        changed_on: NaiveDate,
        reported_on: NaiveDate,
    },
}

impl RecordData {
    pub fn kind(&self) -> &'static str {
        match self {
            RecordData::RegistrationNotice { .. } => "registration_notice",
            RecordData::CheckIn { .. } => "check_in",
            RecordData::AddressChange { .. } => "address_change",
            RecordData::Verification { .. } => "verification",
            RecordData::Trip { .. } => "trip",
            RecordData::Occupation { .. } => "occupation",
            RecordData::StatusChange { .. } => "status_change",
            RecordData::RiskAssessment { .. } => "risk_assessment",
            RecordData::TripChange { .. } => "trip_change",
            RecordData::NameChange { .. } => "name_change",
        }
    }

    /// The day the record is about, for the timeline's order.
    pub fn date(&self) -> NaiveDate {
        match self {
            RecordData::CheckIn { date, .. }
            | RecordData::RegistrationNotice { date, .. }
            | RecordData::Verification { date, .. }
            | RecordData::RiskAssessment { date, .. } => *date,
            RecordData::AddressChange { moved_on, .. } => *moved_on,
            RecordData::Trip { departure, .. } => *departure,
            RecordData::Occupation { from, .. } => *from,
            RecordData::StatusChange { effective, .. } => *effective,
            RecordData::TripChange { departure, .. } => *departure,
            RecordData::NameChange { changed_on, .. } => *changed_on,
        }
    }

    /// Status changes that end a registration take effect only when a supervisor other than
    /// the person who recorded them confirms them (four eyes).
    pub fn needs_confirmation(&self) -> bool {
        matches!(
            self,
            RecordData::StatusChange {
                state: PersonState::Deceased | PersonState::Removed,
                ..
            }
        )
    }
}

/// Who confirmed a record that needs four eyes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Confirmation {
    pub by: String,
    pub at: DateTime<Utc>,
}

/// Why and by whom a record was voided.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Void {
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FileRecord {
    pub id: Uuid,
    pub file_id: Uuid,
    pub data: RecordData,
    pub recorded_at: DateTime<Utc>,
    pub recorded_by: String,
    pub void: Option<Void>,
    /// Set when a second supervisor confirmed a record that needs it.
    pub confirmation: Option<Confirmation>,
}

impl FileRecord {
    /// Whether the record counts: not voided, and confirmed if it needs confirmation.
    pub fn in_force(&self) -> bool {
        self.void.is_none() && (!self.data.needs_confirmation() || self.confirmation.is_some())
    }
}

/// A notice to the person that the rules changed (DOMAIN.md §5): dates computed by the new
/// version cannot become overdue before the notice is served.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct RuleNotice {
    pub id: Uuid,
    pub file_id: Uuid,
    pub rule_version: u32,
    pub created_at: DateTime<Utc>,
    pub served_on: Option<NaiveDate>,
    pub served_by: Option<String>,
}

// ---- the form ----

/// What a record form sends, as typed: dates dd.mm.yyyy, choices as their codes.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(default)]
#[ts(export)]
pub struct RecordDraft {
    /// registration_notice, check_in, address_change, verification, trip, occupation,
    /// status_change, risk_assessment, trip_change, name_change.
    pub kind: String,
    /// The record's main date (check-in, visit, assessment, move, departure, start, effective,
    /// the new departure of a changed trip, the day a name changed).
    pub date: String,
    /// Return date (trip, changed trip), end date (occupation).
    pub end_date: String,
    /// Date the person reported or gave notice (address change, trip, occupation, trip change,
    /// name change).
    pub reported_on: String,
    /// The Tirana time (hh:mm) a trip change was declared on `reported_on`.
    pub reported_time: String,
    /// The trip a trip change is about (its record id).
    pub trip_id: String,
    /// A name change: the name parts as declared, before and after.
    pub old_surname: String,
    pub old_given_name: String,
    pub new_surname: String,
    pub new_given_name: String,
    pub officer: String,
    pub note: String,
    /// The photo taken at a check-in (its id, added first), empty when none was taken.
    pub photo_id: String,
    /// Why a check-in has no photo.
    pub no_photo_reason: String,
    /// residence / temporary_stay / work (address change); work / education / volunteering
    /// (occupation); confirmed / not_found (verification); active / in_custody / absconded /
    /// deceased / removed (status change); standard / medium / high (risk).
    pub choice: String,
    pub municipality_code: String,
    pub street: String,
    pub foreign: bool,
    pub country: String,
    pub destination: String,
    pub purpose: String,
    pub organisation: String,
    pub role: String,
    pub contact_with_children: bool,
}

fn choice<T: for<'de> Deserialize<'de>>(p: &mut Problems, value: &str) -> Option<T> {
    let v = value.trim();
    if v.is_empty() {
        p.error("choice", "required");
        return None;
    }
    match serde_json::from_value(serde_json::Value::String(v.to_string())) {
        Ok(t) => Some(t),
        Err(_) => {
            p.error("choice", "kind_invalid");
            None
        }
    }
}

/// What validating a record needs besides the draft.
pub struct RecordContext<'a> {
    pub reference: &'a ReferenceSet,
    /// The instant of saving; "today" is its date in Europe/Tirane.
    pub now: DateTime<Utc>,
    /// The file's records (a trip change must name one of its trips in force).
    pub records: &'a [FileRecord],
}

/// A draft becomes record data, or every problem with its field.
pub fn validate_record(
    draft: &RecordDraft,
    ctx: &RecordContext<'_>,
) -> Result<RecordData, Vec<FieldError>> {
    let mut p = Problems(Vec::new());
    let today = dates::local_date(ctx.now);
    let data = match draft.kind.as_str() {
        "trip_change" => trip_change(draft, ctx, &mut p),
        "name_change" => name_change(draft, today, &mut p),
        _ => build(draft, ctx.reference, today, &mut p),
    };
    if p.0.iter().any(|e| e.severity == Severity::Error) {
        return Err(p.0);
    }
    data.ok_or(p.0)
}

/// A trip as it stands: as declared, with the latest change in force applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Itinerary {
    /// The trip record.
    pub trip_id: Uuid,
    pub foreign: bool,
    pub country: String,
    pub destination: String,
    pub departure: NaiveDate,
    pub return_date: NaiveDate,
    /// The day the trip was first declared.
    pub notice_date: NaiveDate,
    /// The change that gives these dates and destination, if the trip was changed.
    pub changed_by: Option<Uuid>,
}

/// Every trip in force as it stands, in the order of the records. A change counts only while
/// it and its trip are in force; of several, the one declared last (then recorded last).
pub fn itineraries(records: &[FileRecord]) -> Vec<Itinerary> {
    let mut changes: Vec<&FileRecord> = records
        .iter()
        .filter(|r| r.in_force() && matches!(r.data, RecordData::TripChange { .. }))
        .collect();
    changes.sort_by_key(|r| match &r.data {
        RecordData::TripChange { declared_at, .. } => (Some(*declared_at), r.recorded_at),
        _ => (None, r.recorded_at),
    });
    records
        .iter()
        .filter(|r| r.in_force())
        .filter_map(|r| match &r.data {
            RecordData::Trip {
                foreign,
                country,
                destination,
                departure,
                return_date,
                notice_date,
                ..
            } => {
                let mut trip = Itinerary {
                    trip_id: r.id,
                    foreign: *foreign,
                    country: country.clone(),
                    destination: destination.clone(),
                    departure: *departure,
                    return_date: *return_date,
                    notice_date: *notice_date,
                    changed_by: None,
                };
                for change in &changes {
                    if let RecordData::TripChange {
                        trip_id,
                        country,
                        destination,
                        departure,
                        return_date,
                        ..
                    } = &change.data
                    {
                        if *trip_id == r.id {
                            trip.country = country.clone();
                            trip.destination = destination.clone();
                            trip.departure = *departure;
                            trip.return_date = *return_date;
                            trip.changed_by = Some(change.id);
                        }
                    }
                }
                Some(trip)
            }
            _ => None,
        })
        .collect()
}

fn trip_change(d: &RecordDraft, ctx: &RecordContext<'_>, p: &mut Problems) -> Option<RecordData> {
    let today = dates::local_date(ctx.now);
    let trips = itineraries(ctx.records);
    let trip = match d.trip_id.trim() {
        "" => {
            p.error("trip_id", "required");
            None
        }
        id => {
            let found = Uuid::parse_str(id)
                .ok()
                .and_then(|id| trips.iter().find(|t| t.trip_id == id));
            if found.is_none() {
                p.error("trip_id", "trip_unknown");
            }
            found
        }
    };
    // The new dates may lie ahead, like the trip's own.
    let departure = p.date("date", &d.date, true, NaiveDate::MAX);
    let return_date = p.date("end_date", &d.end_date, true, NaiveDate::MAX);
    if let (Some(a), Some(b)) = (departure, return_date) {
        if b < a {
            p.error("end_date", "date_order");
        }
    }
    let declared_on = p.date("reported_on", &d.reported_on, true, today);
    let time = if d.reported_time.trim().is_empty() {
        p.error("reported_time", "required");
        None
    } else {
        let t = dates::parse_time_input(&d.reported_time);
        if t.is_none() {
            p.error("reported_time", "time_format");
        }
        t
    };
    let declared_at = match (declared_on, time) {
        (Some(day), Some(time)) => {
            let at = dates::tirane_instant(day, time);
            match at {
                Some(at) if at > ctx.now => {
                    p.error("reported_time", "date_in_future");
                }
                None => p.error("reported_time", "time_format"),
                Some(_) => {}
            }
            at
        }
        _ => None,
    };
    let trip = trip?;
    if declared_on.is_some_and(|day| day < trip.notice_date) {
        p.error("reported_on", "change_before_trip");
    }
    let (country, destination) = if trip.foreign {
        let country = d.country.trim().to_uppercase();
        if country.is_empty() || country == "AL" {
            p.error("country", "trip_country_required");
        } else if ctx.reference.country(&country).is_none() {
            p.error("country", "country_unknown");
        }
        (country, p.text("destination", &d.destination, true))
    } else {
        let code = d.destination.trim().to_string();
        if code.is_empty() {
            p.error("destination", "required");
        } else if ctx.reference.municipality(&code).is_none() {
            p.error("destination", "municipality_unknown");
        }
        ("AL".to_string(), code)
    };
    let (departure, return_date) = (departure?, return_date?);
    if (&country, &destination, departure, return_date)
        == (
            &trip.country,
            &trip.destination,
            trip.departure,
            trip.return_date,
        )
    {
        p.error("trip_id", "trip_unchanged");
    }
    Some(RecordData::TripChange {
        trip_id: trip.trip_id,
        country,
        destination,
        departure,
        return_date,
        declared_at: declared_at?,
    })
}

fn name_change(d: &RecordDraft, today: NaiveDate, p: &mut Problems) -> Option<RecordData> {
    let old_surname = p.name("old_surname", &d.old_surname, true);
    let old_given_name = p.name("old_given_name", &d.old_given_name, true);
    let new_surname = p.name("new_surname", &d.new_surname, true);
    let new_given_name = p.name("new_given_name", &d.new_given_name, true);
    let changed_on = p.date("date", &d.date, true, today);
    let reported_on = p.date("reported_on", &d.reported_on, true, today);
    let same = |a: &str, b: &str| a.to_lowercase() == b.to_lowercase();
    if !new_surname.is_empty()
        && same(&old_surname, &new_surname)
        && same(&old_given_name, &new_given_name)
    {
        p.error("new_surname", "name_unchanged");
    }
    Some(RecordData::NameChange {
        old_surname,
        old_given_name,
        new_surname,
        new_given_name,
        changed_on: changed_on?,
        reported_on: reported_on?,
    })
}

fn build(
    d: &RecordDraft,
    reference: &ReferenceSet,
    today: NaiveDate,
    p: &mut Problems,
) -> Option<RecordData> {
    match d.kind.as_str() {
        "registration_notice" => {
            let date = p.date("date", &d.date, true, today);
            let officer = p.text("officer", &d.officer, true);
            let note = p.text("note", &d.note, false);
            Some(RecordData::RegistrationNotice {
                date: date?,
                officer,
                note,
            })
        }
        "check_in" => {
            let date = p.date("date", &d.date, true, today);
            let officer = p.text("officer", &d.officer, true);
            let note = p.text("note", &d.note, false);
            let photo_id = match d.photo_id.trim() {
                "" => None,
                id => match Uuid::parse_str(id) {
                    Ok(id) => Some(id),
                    Err(_) => {
                        p.error("photo_id", "photo_unknown");
                        None
                    }
                },
            };
            // A reason is kept only when there is no photo.
            let no_photo_reason = if photo_id.is_none() {
                let reason = p.text("no_photo_reason", &d.no_photo_reason, false);
                if reason.is_empty() && d.photo_id.trim().is_empty() {
                    p.error("no_photo_reason", "photo_or_reason_required");
                }
                Some(reason).filter(|r| !r.is_empty())
            } else {
                None
            };
            Some(RecordData::CheckIn {
                date: date?,
                officer,
                photo_id,
                no_photo_reason,
                note,
                photo_taken: None,
            })
        }
        "address_change" => {
            let address_kind = choice(p, &d.choice);
            let moved_on = p.date("date", &d.date, true, today);
            let reported_on = p.date("reported_on", &d.reported_on, true, today);
            let street = p.text("street", &d.street, true);
            let code = d.municipality_code.trim();
            if code.is_empty() {
                p.error("municipality_code", "required");
            } else if reference.municipality(code).is_none() {
                p.error("municipality_code", "municipality_unknown");
            }
            Some(RecordData::AddressChange {
                address_kind: address_kind?,
                municipality_code: code.to_string(),
                street,
                moved_on: moved_on?,
                reported_on: reported_on?,
            })
        }
        "verification" => {
            let result = choice(p, &d.choice);
            let date = p.date("date", &d.date, true, today);
            let officer = p.text("officer", &d.officer, true);
            let note = p.text("note", &d.note, false);
            Some(RecordData::Verification {
                date: date?,
                officer,
                result: result?,
                note,
            })
        }
        "trip" => {
            // Trips are declared ahead: departure and return may be in the future.
            let departure = p.date("date", &d.date, true, NaiveDate::MAX);
            let return_date = p.date("end_date", &d.end_date, true, NaiveDate::MAX);
            let notice_date = p.date("reported_on", &d.reported_on, true, today);
            if let (Some(a), Some(b)) = (departure, return_date) {
                if b < a {
                    p.error("end_date", "date_order");
                }
            }
            let country = d.country.trim().to_uppercase();
            let destination = p.text("destination", &d.destination, true);
            if d.foreign {
                if country.is_empty() || country == "AL" {
                    p.error("country", "trip_country_required");
                } else if reference.country(&country).is_none() {
                    p.error("country", "country_unknown");
                }
            }
            let purpose = p.text("purpose", &d.purpose, false);
            Some(RecordData::Trip {
                foreign: d.foreign,
                country: if d.foreign { country } else { "AL".into() },
                destination,
                departure: departure?,
                return_date: return_date?,
                purpose,
                notice_date: notice_date?,
            })
        }
        "occupation" => {
            let occupation = choice(p, &d.choice);
            let from = p.date("date", &d.date, true, NaiveDate::MAX);
            let to = p.date("end_date", &d.end_date, false, NaiveDate::MAX);
            if let (Some(a), Some(b)) = (from, to) {
                if b < a {
                    p.error("end_date", "date_order");
                }
            }
            let reported_on = p.date("reported_on", &d.reported_on, true, today);
            let organisation = p.text("organisation", &d.organisation, true);
            let role = p.text("role", &d.role, false);
            Some(RecordData::Occupation {
                occupation: occupation?,
                organisation,
                role,
                from: from?,
                to,
                contact_with_children: d.contact_with_children,
                reported_on: reported_on?,
            })
        }
        "status_change" => {
            let state = choice(p, &d.choice);
            let effective = p.date("date", &d.date, true, today);
            let reason = p.text("note", &d.note, true);
            Some(RecordData::StatusChange {
                state: state?,
                effective: effective?,
                reason,
            })
        }
        "risk_assessment" => {
            let level = choice(p, &d.choice);
            let date = p.date("date", &d.date, true, today);
            let officer = p.text("officer", &d.officer, true);
            Some(RecordData::RiskAssessment {
                level: level?,
                date: date?,
                officer,
            })
        }
        _ => {
            p.error("kind", "kind_invalid");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reference() -> ReferenceSet {
        ReferenceSet::provisional().unwrap()
    }

    fn today() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    /// 03.12.2026 at 11:00 in Tirana.
    fn now() -> DateTime<Utc> {
        use chrono::TimeZone;
        Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap()
    }

    fn validate(
        draft: &RecordDraft,
        records: &[FileRecord],
    ) -> Result<RecordData, Vec<FieldError>> {
        validate_record(
            draft,
            &RecordContext {
                reference: &reference(),
                now: now(),
                records,
            },
        )
    }

    /// The file's records: a foreign trip and a domestic one, and a voided trip.
    fn trips() -> Vec<FileRecord> {
        let trip = |n: u128, foreign: bool, voided: bool| FileRecord {
            id: Uuid::from_u128(n),
            file_id: Uuid::from_u128(1),
            data: RecordData::Trip {
                foreign,
                country: if foreign { "IT".into() } else { "AL".into() },
                destination: if foreign {
                    "Bari".into()
                } else {
                    "durres".into()
                },
                departure: NaiveDate::from_ymd_opt(2026, 12, 20).unwrap(),
                return_date: NaiveDate::from_ymd_opt(2026, 12, 27).unwrap(),
                purpose: String::new(),
                notice_date: NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
            },
            recorded_at: now(),
            recorded_by: "clerk".into(),
            void: voided.then(|| Void {
                reason: "gabim".into(),
                by: "s".into(),
                at: now(),
            }),
            confirmation: None,
        };
        vec![
            trip(7, true, false),
            trip(8, false, false),
            trip(9, true, true),
        ]
    }

    fn codes(draft: &RecordDraft) -> Vec<(String, String)> {
        match validate(draft, &trips()) {
            Ok(_) => Vec::new(),
            Err(e) => e.into_iter().map(|e| (e.field, e.code)).collect(),
        }
    }

    fn change_of(trip: u128) -> RecordDraft {
        RecordDraft {
            trip_id: Uuid::from_u128(trip).to_string(),
            country: "IT".into(),
            destination: "Roma".into(),
            date: "21.12.2026".into(),
            end_date: "28.12.2026".into(),
            reported_on: "03.12.2026".into(),
            reported_time: "10:30".into(),
            ..draft("trip_change")
        }
    }

    fn name_change() -> RecordDraft {
        RecordDraft {
            old_surname: "Hoxha".into(),
            old_given_name: "Arben".into(),
            new_surname: "Hoxhaj".into(),
            new_given_name: "Arben".into(),
            date: "20.11.2026".into(),
            reported_on: "22.11.2026".into(),
            ..draft("name_change")
        }
    }

    fn draft(kind: &str) -> RecordDraft {
        RecordDraft {
            kind: kind.into(),
            ..RecordDraft::default()
        }
    }

    #[test]
    fn each_kind_accepts_a_complete_draft() {
        let municipality = reference().municipalities[0].code.clone();
        let cases = [
            RecordDraft {
                date: "01.06.2023".into(),
                officer: "Inspektor 12".into(),
                ..draft("registration_notice")
            },
            RecordDraft {
                date: "01.12.2026".into(),
                officer: "Inspektor 12".into(),
                photo_id: "0196a000-0000-7000-8000-000000000001".into(),
                ..draft("check_in")
            },
            RecordDraft {
                date: "01.12.2026".into(),
                officer: "Inspektor 12".into(),
                no_photo_reason: "Kamera e prishur".into(),
                ..draft("check_in")
            },
            RecordDraft {
                choice: "residence".into(),
                date: "20.11.2026".into(),
                reported_on: "22.11.2026".into(),
                municipality_code: municipality.clone(),
                street: "Rruga e Dibrës 5".into(),
                ..draft("address_change")
            },
            RecordDraft {
                choice: "not_found".into(),
                date: "02.12.2026".into(),
                officer: "Inspektor 3".into(),
                ..draft("verification")
            },
            RecordDraft {
                foreign: true,
                country: "it".into(),
                destination: "Bari".into(),
                date: "20.12.2026".into(),
                end_date: "27.12.2026".into(),
                reported_on: "01.12.2026".into(),
                ..draft("trip")
            },
            RecordDraft {
                choice: "volunteering".into(),
                organisation: "Shoqata X".into(),
                date: "01.11.2026".into(),
                reported_on: "02.11.2026".into(),
                contact_with_children: true,
                ..draft("occupation")
            },
            RecordDraft {
                choice: "in_custody".into(),
                date: "01.12.2026".into(),
                note: "Arrestim".into(),
                ..draft("status_change")
            },
            RecordDraft {
                choice: "high".into(),
                date: "01.12.2026".into(),
                officer: "Inspektor 1".into(),
                ..draft("risk_assessment")
            },
            change_of(7),
            RecordDraft {
                destination: "vlore".into(),
                country: String::new(),
                ..change_of(8)
            },
            name_change(),
        ];
        for d in cases {
            let r = validate(&d, &trips());
            assert!(r.is_ok(), "{}: {r:?}", d.kind);
            assert_eq!(r.unwrap().kind(), d.kind);
        }
    }

    #[test]
    fn a_trip_change_is_declared_at_a_tirana_time() {
        use chrono::TimeZone;
        let tz = |y, m, d, h, min| Utc.with_ymd_and_hms(y, m, d, h, min, 0).unwrap();
        // (time typed, instant): winter, UTC+1.
        for (typed, at) in [
            ("10:30", tz(2026, 12, 3, 9, 30)),
            ("7.05", tz(2026, 12, 3, 6, 5)),
            ("0000", tz(2026, 12, 2, 23, 0)),
        ] {
            let data = validate(
                &RecordDraft {
                    reported_time: typed.into(),
                    ..change_of(7)
                },
                &trips(),
            )
            .unwrap();
            let RecordData::TripChange {
                declared_at,
                trip_id,
                country,
                ..
            } = data
            else {
                panic!("{data:?}")
            };
            assert_eq!(declared_at, at, "{typed}");
            assert_eq!((trip_id, country.as_str()), (Uuid::from_u128(7), "IT"));
        }
        // A domestic trip stays at home, whatever country is typed.
        let data = validate(
            &RecordDraft {
                destination: "vlore".into(),
                ..change_of(8)
            },
            &trips(),
        )
        .unwrap();
        assert!(matches!(data, RecordData::TripChange { ref country, .. } if country == "AL"));
    }

    #[test]
    fn problems_are_named_by_field() {
        let table: &[(RecordDraft, &str, &str)] = &[
            (draft("nonsense"), "kind", "kind_invalid"),
            (draft("check_in"), "date", "required"),
            (draft("check_in"), "officer", "required"),
            (
                RecordDraft {
                    date: "04.12.2026".into(),
                    ..draft("check_in")
                },
                "date",
                "date_in_future",
            ),
            (
                RecordDraft {
                    choice: "palace".into(),
                    ..draft("address_change")
                },
                "choice",
                "kind_invalid",
            ),
            (
                RecordDraft {
                    municipality_code: "xx".into(),
                    ..draft("address_change")
                },
                "municipality_code",
                "municipality_unknown",
            ),
            (
                RecordDraft {
                    foreign: true,
                    country: "AL".into(),
                    ..draft("trip")
                },
                "country",
                "trip_country_required",
            ),
            (
                RecordDraft {
                    date: "10.12.2026".into(),
                    end_date: "09.12.2026".into(),
                    ..draft("trip")
                },
                "end_date",
                "date_order",
            ),
            (
                RecordDraft {
                    date: "31.02.2026".into(),
                    ..draft("trip")
                },
                "date",
                "date_invalid",
            ),
            (
                draft("check_in"),
                "no_photo_reason",
                "photo_or_reason_required",
            ),
            (
                RecordDraft {
                    no_photo_reason: "   ".into(),
                    ..draft("check_in")
                },
                "no_photo_reason",
                "photo_or_reason_required",
            ),
            (
                RecordDraft {
                    photo_id: "not-an-id".into(),
                    ..draft("check_in")
                },
                "photo_id",
                "photo_unknown",
            ),
            (draft("status_change"), "note", "required"),
            (draft("risk_assessment"), "choice", "required"),
            (draft("trip_change"), "trip_id", "required"),
            (draft("trip_change"), "reported_time", "required"),
            (
                RecordDraft {
                    trip_id: "not-an-id".into(),
                    ..change_of(7)
                },
                "trip_id",
                "trip_unknown",
            ),
            (change_of(9), "trip_id", "trip_unknown"),
            (change_of(1234), "trip_id", "trip_unknown"),
            (
                RecordDraft {
                    reported_time: "25:00".into(),
                    ..change_of(7)
                },
                "reported_time",
                "time_format",
            ),
            (
                RecordDraft {
                    reported_time: "11:01".into(),
                    ..change_of(7)
                },
                "reported_time",
                "date_in_future",
            ),
            (
                RecordDraft {
                    reported_on: "30.11.2026".into(),
                    ..change_of(7)
                },
                "reported_on",
                "change_before_trip",
            ),
            (
                RecordDraft {
                    end_date: "20.12.2026".into(),
                    ..change_of(7)
                },
                "end_date",
                "date_order",
            ),
            (
                RecordDraft {
                    country: "AL".into(),
                    ..change_of(7)
                },
                "country",
                "trip_country_required",
            ),
            (
                RecordDraft {
                    destination: "Roma".into(),
                    ..change_of(8)
                },
                "destination",
                "municipality_unknown",
            ),
            (
                RecordDraft {
                    destination: "Bari".into(),
                    date: "20.12.2026".into(),
                    end_date: "27.12.2026".into(),
                    ..change_of(7)
                },
                "trip_id",
                "trip_unchanged",
            ),
            (draft("name_change"), "old_surname", "required"),
            (draft("name_change"), "new_given_name", "required"),
            (draft("name_change"), "date", "required"),
            (
                RecordDraft {
                    new_surname: "hoxha".into(),
                    ..name_change()
                },
                "new_surname",
                "name_unchanged",
            ),
            (
                RecordDraft {
                    new_surname: "Hoxha2".into(),
                    ..name_change()
                },
                "new_surname",
                "invalid_characters",
            ),
            (
                RecordDraft {
                    reported_on: "04.12.2026".into(),
                    ..name_change()
                },
                "reported_on",
                "date_in_future",
            ),
        ];
        for (d, field, code) in table {
            let found = codes(d);
            assert!(
                found.contains(&(field.to_string(), code.to_string())),
                "{} {field} {code}: {found:?}",
                d.kind
            );
        }
    }

    #[test]
    fn check_ins_from_before_photos_read_and_write_back_unchanged() {
        let old = serde_json::json!({"kind": "check_in", "date": "2025-01-08",
            "officer": "Insp. Kola", "photo_taken": true, "note": ""});
        let data: RecordData = serde_json::from_value(old.clone()).unwrap();
        assert!(matches!(
            &data,
            RecordData::CheckIn {
                photo_taken: Some(true),
                photo_id: None,
                no_photo_reason: None,
                ..
            }
        ));
        assert_eq!(serde_json::to_value(&data).unwrap(), old);
        // A new one names its photo, and has no legacy flag.
        let photo = "0196a000-0000-7000-8000-000000000001";
        let new = validate(
            &RecordDraft {
                date: "01.12.2026".into(),
                officer: "Inspektor 12".into(),
                photo_id: photo.into(),
                no_photo_reason: "ignored with a photo".into(),
                ..draft("check_in")
            },
            &[],
        )
        .unwrap();
        assert_eq!(
            serde_json::to_value(&new).unwrap(),
            serde_json::json!({"kind": "check_in", "date": "2026-12-01",
                "officer": "Inspektor 12", "photo_id": photo, "note": ""})
        );
    }

    #[test]
    fn ending_a_registration_needs_confirmation() {
        let status = |state| RecordData::StatusChange {
            state,
            effective: today(),
            reason: "x".into(),
        };
        assert!(status(PersonState::Deceased).needs_confirmation());
        assert!(status(PersonState::Removed).needs_confirmation());
        assert!(!status(PersonState::InCustody).needs_confirmation());
        assert!(!status(PersonState::Absconded).needs_confirmation());
    }
}
