//! Bilingual messages and stable machine codes shared by every layer.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// A message in Albanian (first) and English. Every error that reaches a person carries one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Text {
    pub sq: String,
    pub en: String,
}

impl Text {
    pub fn new(sq: impl Into<String>, en: impl Into<String>) -> Self {
        Text {
            sq: sq.into(),
            en: en.into(),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Severity {
    /// Blocks saving.
    Error,
    /// Saving needs an explicit confirmation (a supervisor override later).
    Warning,
}

/// One problem with one field of a draft. `field` is a dotted path such as
/// `identity.surname` or `convictions.2.final_date` (index into the draft's list).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub severity: Severity,
    pub message: Text,
}

impl FieldError {
    pub fn error(field: impl Into<String>, code: &str) -> Self {
        FieldError {
            field: field.into(),
            code: code.to_string(),
            severity: Severity::Error,
            message: field_message(code),
        }
    }
    pub fn warning(field: impl Into<String>, code: &str) -> Self {
        FieldError {
            severity: Severity::Warning,
            ..FieldError::error(field, code)
        }
    }
}

/// The catalogue of field-level codes. Codes are stable: the UI and scripts key on them.
pub fn field_message(code: &str) -> Text {
    let (sq, en) = match code {
        "required" => ("Fusha është e detyrueshme.", "This field is required."),
        "too_long" => ("Teksti është shumë i gjatë.", "The text is too long."),
        "invalid_characters" => (
            "Përmban shenja të palejuara.",
            "Contains characters that are not allowed.",
        ),
        "date_format" => (
            "Data duhet të jetë në formatin dd.mm.vvvv.",
            "The date must be written dd.mm.yyyy.",
        ),
        "date_invalid" => ("Kjo datë nuk ekziston.", "This date does not exist."),
        "date_in_future" => ("Data nuk mund të jetë në të ardhmen.", "The date cannot be in the future."),
        "date_before_birth" => (
            "Data është para datëlindjes.",
            "The date is before the date of birth.",
        ),
        "date_order" => (
            "Data e mbarimit duhet të jetë pas datës së fillimit.",
            "The end date must come after the start date.",
        ),
        "final_before_decision" => (
            "Data e formës së prerë nuk mund të jetë para datës së vendimit.",
            "The final date cannot be before the decision date.",
        ),
        "release_before_custody" => (
            "Data e lirimit nuk mund të jetë para datës së paraburgimit/burgimit.",
            "The release date cannot be before the custody date.",
        ),
        "sex_invalid" => ("Gjinia duhet të jetë M ose F.", "Sex must be M or F."),
        "number_invalid" => ("Duhet një numër i plotë pozitiv.", "A positive whole number is needed."),
        "number_range" => ("Numri është jashtë kufijve.", "The number is out of range."),
        "nid_length" => (
            "Numri personal ka 10 shenja.",
            "The personal number has 10 characters.",
        ),
        "nid_format" => (
            "Numri personal nuk ka strukturën e duhur (shkronjë, 8 shifra, shkronjë).",
            "The personal number does not have the right structure (letter, 8 digits, letter).",
        ),
        "nid_decade" => (
            "Shkronja e parë e numrit personal nuk tregon një dekadë të njohur.",
            "The first letter of the personal number is not a known decade.",
        ),
        "nid_month" => (
            "Muaji në numrin personal duhet të jetë 01–12 ose 51–62.",
            "The month in the personal number must be 01–12 or 51–62.",
        ),
        "nid_date" => (
            "Numri personal përmban një datë që nuk ekziston.",
            "The personal number encodes a date that does not exist.",
        ),
        "nid_birth_date_mismatch" => (
            "Datëlindja e koduar në numrin personal nuk përputhet me datëlindjen.",
            "The date of birth encoded in the personal number does not match the date of birth.",
        ),
        "nid_sex_mismatch" => (
            "Gjinia e koduar në numrin personal nuk përputhet me gjininë.",
            "The sex encoded in the personal number does not match the sex.",
        ),
        "nid_check_letter" => (
            "Shkronja e kontrollit të numrit personal nuk përputhet. Kontrolloni dokumentin; mund të konfirmohet.",
            "The check letter of the personal number does not match. Check the document; this can be confirmed.",
        ),
        "country_unknown" => ("Shteti nuk njihet.", "Unknown country."),
        "duplicate_value" => ("Vlera është përsëritur.", "The value is repeated."),
        "court_unknown" => ("Gjykata nuk njihet.", "Unknown court."),
        "court_not_valid_on_date" => (
            "Gjykata nuk ekzistonte në datën e vendimit.",
            "The court did not exist on the decision date.",
        ),
        "article_unknown" => ("Neni nuk njihet.", "Unknown article."),
        "article_not_valid_on_date" => (
            "Neni nuk ishte në fuqi në datën e vendimit.",
            "The article was not in force on the decision date.",
        ),
        "articles_required" => (
            "Duhet të paktën një nen i Kodit Penal.",
            "At least one Criminal Code article is needed.",
        ),
        "convictions_required" => (
            "Dosja duhet të ketë të paktën një dënim.",
            "The file needs at least one conviction.",
        ),
        "foreign_country_required" => (
            "Për dënim të huaj duhet shteti.",
            "A foreign conviction needs the country.",
        ),
        "foreign_court_required" => (
            "Për dënim të huaj duhet emri i gjykatës.",
            "A foreign conviction needs the court's name.",
        ),
        "municipality_unknown" => ("Bashkia nuk njihet.", "Unknown municipality."),
        "municipality_not_valid_on_date" => (
            "Bashkia nuk ekzistonte në datën e fillimit.",
            "The municipality did not exist on the start date.",
        ),
        "residence_overlap" => (
            "Periudha mbivendoset me një vendbanim tjetër.",
            "The period overlaps another residence.",
        ),
        "kind_invalid" => ("Lloji nuk njihet.", "Unknown kind."),
        "trip_country_required" => (
            "Për një udhëtim jashtë shtetit duhet shteti.",
            "A trip abroad needs the country.",
        ),
        "time_format" => (
            "Ora duhet të jetë në formatin oo:mm (p.sh. 09:30).",
            "The time must be written hh:mm (e.g. 09:30).",
        ),
        "trip_unknown" => (
            "Zgjidhni një udhëtim të deklaruar të kësaj dosjeje (jo të shfuqizuar).",
            "Choose a declared trip of this file (not a voided one).",
        ),
        "trip_unchanged" => (
            "Ndryshimi nuk ndryshon asgjë në udhëtim (data, vendi).",
            "The change changes nothing in the trip (dates, destination).",
        ),
        "change_before_trip" => (
            "Ndryshimi nuk mund të jetë deklaruar para vetë udhëtimit.",
            "The change cannot have been declared before the trip itself.",
        ),
        "name_unchanged" => (
            "Emri i ri është i njëjtë me të vjetrin.",
            "The new name is the same as the old one.",
        ),
        "served_before_notice" => (
            "Njoftimi nuk mund të jetë dorëzuar para se të krijohej.",
            "The notice cannot have been served before it was made.",
        ),
        "rule_effective_before_latest" => (
            "Data e hyrjes në fuqi duhet të jetë pas versionit të fundit të rregullave.",
            "The effective date must not be earlier than the latest rule version's.",
        ),
        "band_order" => (
            "Kufijtë e dënimit duhet të rriten nga një rresht te tjetri.",
            "Sentence limits must increase from one row to the next.",
        ),
        "band_open_end" => (
            "Rreshti i fundit duhet të mbulojë çdo dënim më të gjatë (pa kufi).",
            "The last row must cover every longer sentence (no limit).",
        ),
        "rule_effective_past" => (
            "Rregullat e reja hyjnë në fuqi sot ose më vonë, jo në të kaluarën.",
            "New rules take effect today or later, never in the past.",
        ),
        "photo_or_reason_required" => (
            "Paraqitja periodike kërkon një foto të re, ose arsyen pse nuk u bë.",
            "A check-in needs a new photo, or the reason why none was taken.",
        ),
        "photo_unknown" => (
            "Fotoja nuk gjendet në këtë dosje (ose është shfuqizuar).",
            "The photo is not in this file (or it was voided).",
        ),
        "photo_too_large" => (
            "Fotoja është shumë e madhe: lejohen deri në 512 KB dhe 4096 piksela për anë.",
            "The photo is too large: at most 512 KB and 4096 pixels a side are allowed.",
        ),
        "photo_format" => (
            "Skedari nuk është një foto JPEG ose PNG e plotë.",
            "The file is not a whole JPEG or PNG photo.",
        ),
        _ => ("Vlerë e pavlefshme.", "Invalid value."),
    };
    Text::new(sq, en)
}
