//! Table-driven validation rules: each case changes one thing in a valid draft and names the
//! field and code it must produce.

use chrono::NaiveDate;
use regjistri_domain::file::*;
use regjistri_domain::reference::ReferenceSet;
use regjistri_domain::validate::{check, validate, Context};
use regjistri_domain::Severity;
use uuid::Uuid;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

fn valid() -> FileDraft {
    FileDraft {
        identity: IdentityDraft {
            surname: "Hoxha".into(),
            given_name: "Arben".into(),
            father_name: "Gëzim".into(),
            mother_name: "Drita".into(),
            sex: "M".into(),
            date_of_birth: "18.02.1968".into(),
            place_of_birth: "Tiranë".into(),
            nid: "G80218157A".into(),
            citizenships: vec!["AL".into()],
            aliases: vec![AliasDraft {
                id: None,
                kind: "alias".into(),
                surname: "Hoxhaj".into(),
                given_name: "".into(),
            }],
        },
        description: DescriptionDraft {
            height_cm: "178".into(),
            ..Default::default()
        },
        convictions: vec![ConvictionDraft {
            court_code: "gj-tirane".into(),
            decision_number: "123/2019".into(),
            decision_date: "10.05.2019".into(),
            final_date: "20.06.2019".into(),
            articles: vec!["100".into()],
            sentence_months: "60".into(),
            custody_from: "01.01.2019".into(),
            release_date: "01.01.2024".into(),
            victim_age: "12".into(),
            ..Default::default()
        }],
        addresses: vec![AddressDraft {
            id: None,
            kind: "residence".into(),
            municipality_code: "tirane".into(),
            street: "Rruga e Durrësit 10".into(),
            from: "01.01.2024".into(),
            to: "".into(),
        }],
        confirm_warnings: false,
    }
}

fn run(draft: &FileDraft) -> Result<FileData, Vec<regjistri_domain::FieldError>> {
    let reference = ReferenceSet::provisional().unwrap();
    let mut new_id = Uuid::now_v7;
    let mut ctx = Context {
        reference: &reference,
        today: today(),
        new_id: &mut new_id,
    };
    validate(draft, &mut ctx)
}

#[test]
fn the_valid_draft_is_valid() {
    let data = run(&valid()).expect("valid");
    assert_eq!(data.identity.nid.as_deref(), Some("G80218157A"));
    assert_eq!(data.convictions[0].country, "AL");
    assert!(data.identity.aliases[0].id.get_version_num() == 7);
}

#[test]
fn each_broken_field_reports_its_code() {
    type Edit = fn(&mut FileDraft);
    let cases: Vec<(&str, Edit, &str, &str)> = vec![
        (
            "no surname",
            |d| d.identity.surname = "  ".into(),
            "identity.surname",
            "required",
        ),
        (
            "digits in name",
            |d| d.identity.given_name = "Arb3n".into(),
            "identity.given_name",
            "invalid_characters",
        ),
        (
            "long name",
            |d| d.identity.surname = "a".repeat(101),
            "identity.surname",
            "too_long",
        ),
        (
            "no father",
            |d| d.identity.father_name.clear(),
            "identity.father_name",
            "required",
        ),
        (
            "bad sex",
            |d| d.identity.sex = "X".into(),
            "identity.sex",
            "sex_invalid",
        ),
        (
            "no sex",
            |d| d.identity.sex.clear(),
            "identity.sex",
            "required",
        ),
        (
            "bad date shape",
            |d| d.identity.date_of_birth = "1968-02-18".into(),
            "identity.date_of_birth",
            "date_format",
        ),
        (
            "no such day",
            |d| d.identity.date_of_birth = "30.02.1968".into(),
            "identity.date_of_birth",
            "date_invalid",
        ),
        (
            "born tomorrow",
            |d| d.identity.date_of_birth = "04.12.2026".into(),
            "identity.date_of_birth",
            "date_in_future",
        ),
        (
            "nid dob mismatch",
            |d| d.identity.date_of_birth = "19.02.1968".into(),
            "identity.nid",
            "nid_birth_date_mismatch",
        ),
        (
            "nid sex mismatch",
            |d| d.identity.sex = "F".into(),
            "identity.nid",
            "nid_sex_mismatch",
        ),
        (
            "nid month",
            |d| d.identity.nid = "G81318157A".into(),
            "identity.nid",
            "nid_month",
        ),
        (
            "nid short",
            |d| d.identity.nid = "G8021815".into(),
            "identity.nid",
            "nid_length",
        ),
        (
            "unknown citizenship",
            |d| d.identity.citizenships.push("ZZ".into()),
            "identity.citizenships.1",
            "country_unknown",
        ),
        (
            "repeated citizenship",
            |d| d.identity.citizenships.push("al".into()),
            "identity.citizenships.1",
            "duplicate_value",
        ),
        (
            "empty alias",
            |d| d.identity.aliases[0].surname.clear(),
            "identity.aliases.0.surname",
            "required",
        ),
        (
            "height",
            |d| d.description.height_cm = "abc".into(),
            "description.height_cm",
            "number_invalid",
        ),
        (
            "height range",
            |d| d.description.height_cm = "400".into(),
            "description.height_cm",
            "number_range",
        ),
        (
            "no convictions",
            |d| d.convictions.clear(),
            "convictions",
            "convictions_required",
        ),
        (
            "no court",
            |d| d.convictions[0].court_code.clear(),
            "convictions.0.court_code",
            "required",
        ),
        (
            "unknown court",
            |d| d.convictions[0].court_code = "gj-x".into(),
            "convictions.0.court_code",
            "court_unknown",
        ),
        (
            "merged court after merger",
            |d| {
                let c = &mut d.convictions[0];
                c.court_code = "gj-tropoje".into();
                c.decision_date = "10.05.2024".into();
                c.final_date = "20.06.2024".into();
            },
            "convictions.0.court_code",
            "court_not_valid_on_date",
        ),
        (
            "final before decision",
            |d| d.convictions[0].final_date = "01.05.2019".into(),
            "convictions.0.final_date",
            "final_before_decision",
        ),
        (
            "decision before birth",
            |d| d.convictions[0].decision_date = "01.01.1960".into(),
            "convictions.0.decision_date",
            "date_before_birth",
        ),
        (
            "no articles",
            |d| d.convictions[0].articles = vec![" ".into()],
            "convictions.0.articles",
            "articles_required",
        ),
        (
            "unknown article",
            |d| d.convictions[0].articles.push("999".into()),
            "convictions.0.articles.1",
            "article_unknown",
        ),
        (
            "repeated article",
            |d| d.convictions[0].articles.push("100".into()),
            "convictions.0.articles.1",
            "duplicate_value",
        ),
        (
            "sentence missing",
            |d| d.convictions[0].sentence_months.clear(),
            "convictions.0.sentence_months",
            "required",
        ),
        (
            "sentence range",
            |d| d.convictions[0].sentence_months = "5000".into(),
            "convictions.0.sentence_months",
            "number_range",
        ),
        (
            "release before custody",
            |d| d.convictions[0].release_date = "01.01.2018".into(),
            "convictions.0.release_date",
            "release_before_custody",
        ),
        (
            "victim adult",
            |d| d.convictions[0].victim_age = "18".into(),
            "convictions.0.victim_age",
            "number_range",
        ),
        (
            "foreign without country",
            |d| {
                d.convictions[0].foreign = true;
                d.convictions[0].court_name = "Tribunale di Bari".into();
            },
            "convictions.0.country",
            "foreign_country_required",
        ),
        (
            "foreign without court",
            |d| {
                d.convictions[0].foreign = true;
                d.convictions[0].country = "IT".into();
            },
            "convictions.0.court_name",
            "foreign_court_required",
        ),
        (
            "unknown municipality",
            |d| d.addresses[0].municipality_code = "atlantis".into(),
            "addresses.0.municipality_code",
            "municipality_unknown",
        ),
        (
            "address kind",
            |d| d.addresses[0].kind = "castle".into(),
            "addresses.0.kind",
            "kind_invalid",
        ),
        (
            "address end before start",
            |d| d.addresses[0].to = "01.01.2023".into(),
            "addresses.0.to",
            "date_order",
        ),
        (
            "residence without street",
            |d| d.addresses[0].street.clear(),
            "addresses.0.street",
            "required",
        ),
        (
            "overlapping residences",
            |d| {
                d.addresses.push(AddressDraft {
                    kind: "residence".into(),
                    municipality_code: "durres".into(),
                    street: "x".into(),
                    from: "01.06.2024".into(),
                    ..Default::default()
                })
            },
            "addresses.1.from",
            "residence_overlap",
        ),
    ];
    for (name, edit, field, code) in cases {
        let mut draft = valid();
        edit(&mut draft);
        let problems = run(&draft).expect_err(name);
        assert!(
            problems
                .iter()
                .any(|p| p.field == field && p.code == code && p.severity == Severity::Error),
            "{name}: expected {field} {code}, got {problems:?}"
        );
        assert!(problems
            .iter()
            .all(|p| !p.message.sq.is_empty() && !p.message.en.is_empty()));
    }
}

#[test]
fn things_that_are_allowed() {
    type Edit = fn(&mut FileDraft);
    let cases: Vec<(&str, Edit)> = vec![
        ("no nid", |d| d.identity.nid.clear()),
        ("nid with spaces and lower case", |d| {
            d.identity.nid = " g80 218 157a ".into()
        }),
        ("merged court before merger", |d| {
            d.convictions[0].court_code = "gj-tropoje".into()
        }),
        ("foreign conviction", |d| {
            let c = &mut d.convictions[0];
            c.foreign = true;
            c.country = "it".into();
            c.court_name = "Tribunale di Bari".into();
            c.court_code.clear();
        }),
        ("release ahead", |d| {
            d.convictions[0].release_date = "01.01.2030".into()
        }),
        ("consecutive residences", |d| {
            d.addresses[0].to = "01.06.2024".into();
            d.addresses.push(AddressDraft {
                kind: "residence".into(),
                municipality_code: "durres".into(),
                street: "x".into(),
                from: "01.06.2024".into(),
                ..Default::default()
            });
        }),
        ("work address beside residence", |d| {
            d.addresses.push(AddressDraft {
                kind: "work".into(),
                municipality_code: "durres".into(),
                from: "01.06.2024".into(),
                ..Default::default()
            })
        }),
        ("name with apostrophe, hyphen, period", |d| {
            d.identity.surname = "D’Angelo-Hoxha Jr.".into()
        }),
        ("name in another script", |d| {
            d.identity.given_name = "Ξενοφών".into()
        }),
        ("decomposed accents", |d| {
            d.identity.surname = "C\u{327}ela".into()
        }),
    ];
    for (name, edit) in cases {
        let mut draft = valid();
        edit(&mut draft);
        if let Err(p) = run(&draft) {
            panic!("{name}: {p:?}");
        }
    }
}

#[test]
fn a_wrong_check_letter_is_a_warning_that_can_be_confirmed() {
    let mut draft = valid();
    draft.identity.nid = "G80218157B".into();
    let problems = run(&draft).expect_err("needs confirmation");
    assert_eq!(problems.len(), 1);
    assert_eq!(problems[0].severity, Severity::Warning);
    assert_eq!(problems[0].code, "nid_check_letter");
    draft.confirm_warnings = true;
    let data = run(&draft).expect("confirmed");
    assert!(data.identity.nid_check_overridden);
}

#[test]
fn check_reports_without_building() {
    let reference = ReferenceSet::provisional().unwrap();
    assert!(check(&valid(), &reference, today()).is_empty());
    let empty = check(&FileDraft::default(), &reference, today());
    for field in [
        "identity.surname",
        "identity.given_name",
        "identity.father_name",
        "identity.sex",
        "identity.date_of_birth",
        "convictions",
    ] {
        assert!(empty.iter().any(|p| p.field == field), "{field}");
    }
}

#[test]
fn draft_round_trips_through_a_record() {
    let data = run(&valid()).unwrap();
    let again = run(&FileDraft::from_data(&data)).unwrap();
    assert_eq!(data, again);
}
