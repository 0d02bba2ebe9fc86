use super::*;
use regjistri_domain::names::fold;
use regjistri_domain::validate::{check, validate, Context};
use regjistri_domain::Severity;
use uuid::Uuid;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
}

fn reference() -> ReferenceSet {
    ReferenceSet::provisional().unwrap()
}

fn drafts(seed: u64, n: usize, reference: &ReferenceSet) -> Vec<FileDraft> {
    Generator::new(seed, reference, today()).take(n).collect()
}

#[test]
fn every_draft_validates() {
    let reference = reference();
    let mut new_id = Uuid::now_v7;
    for seed in [0, 1, 42, 2026, u64::MAX] {
        for (n, draft) in drafts(seed, 2_000, &reference).iter().enumerate() {
            let problems = check(draft, &reference, today());
            assert!(
                problems.iter().all(|p| p.severity == Severity::Warning),
                "seed {seed}, draft {n}: {problems:?}\n{draft:#?}"
            );
            assert!(
                problems.is_empty() || draft.confirm_warnings,
                "seed {seed}, draft {n}: {problems:?}"
            );
            let mut ctx = Context {
                reference: &reference,
                today: today(),
                new_id: &mut new_id,
            };
            let data = validate(draft, &mut ctx)
                .unwrap_or_else(|e| panic!("seed {seed}, draft {n}: {e:?}"));
            assert!(
                data.residence_on(today()).is_some(),
                "seed {seed}, draft {n}: a current residence"
            );
        }
    }
}

#[test]
fn drafts_validate_on_an_earlier_today() {
    // Merged courts and young persons near the lower bound of the window.
    let reference = reference();
    let earlier = NaiveDate::from_ymd_opt(2023, 3, 1).unwrap();
    for draft in Generator::new(7, &reference, earlier).take(2_000) {
        let problems = check(&draft, &reference, earlier);
        assert!(
            problems.iter().all(|p| p.severity == Severity::Warning),
            "{problems:?}\n{draft:#?}"
        );
    }
}

#[test]
fn same_seed_same_sequence() {
    let reference = reference();
    assert_eq!(drafts(99, 500, &reference), drafts(99, 500, &reference));
    let a = drafts(1, 50, &reference);
    let b = drafts(2, 50, &reference);
    assert_ne!(a, b);
    assert!(a.iter().zip(&b).filter(|(x, y)| x == y).count() == 0);
}

#[test]
fn distributions_look_realistic() {
    let reference = reference();
    let all = drafts(12345, 10_000, &reference);
    let n = all.len() as f64;

    let male = all.iter().filter(|d| d.identity.sex == "M").count() as f64 / n;
    assert!((0.85..=0.97).contains(&male), "male share {male}");

    let count = |name: &str| all.iter().filter(|d| d.identity.surname == name).count();
    let (first, _) = surnames()[0];
    let (fiftieth, _) = surnames()[49];
    assert!(
        count(first) > count(fiftieth),
        "{first} {} vs {fiftieth} {}",
        count(first),
        count(fiftieth)
    );

    let diacritics = all.iter().filter(|d| {
        let i = &d.identity;
        [&i.surname, &i.given_name, &i.father_name, &i.mother_name]
            .iter()
            .any(|s| s.contains(['ë', 'ç', 'Ë', 'Ç']))
    });
    assert!(diacritics.count() > 1_000);

    let without_nid = all.iter().filter(|d| d.identity.nid.is_empty()).count();
    assert!(
        (1_000..=2_000).contains(&without_nid),
        "{without_nid} without NID"
    );
    let wrong_check = all.iter().filter(|d| d.confirm_warnings).count();
    assert!(
        (20..=200).contains(&wrong_check),
        "{wrong_check} wrong check letters"
    );

    let convictions = || all.iter().flat_map(|d| &d.convictions);
    let foreign = convictions().filter(|c| c.foreign).count();
    assert!(
        (250..=900).contains(&foreign),
        "{foreign} foreign convictions"
    );
    assert!(convictions()
        .filter(|c| c.foreign)
        .all(|c| c.recognition.starts_with("Vendim njohjeje ")));
    assert!(
        convictions().any(|c| c.court_code == "gj-kavaje"),
        "merged courts appear in old decisions"
    );
    assert!(convictions().any(|c| c.court_code == "gj-sarande"));

    let hyphenated = all
        .iter()
        .filter(|d| d.identity.surname.contains('-'))
        .count();
    assert!((40..=200).contains(&hyphenated), "{hyphenated} hyphenated");
    let apostrophe = all
        .iter()
        .filter(|d| d.identity.surname.contains('\''))
        .count();
    assert!(
        (15..=100).contains(&apostrophe),
        "{apostrophe} with an apostrophe"
    );
    let aliased = all
        .iter()
        .filter(|d| !d.identity.aliases.is_empty())
        .count();
    assert!((500..=1_200).contains(&aliased), "{aliased} with an alias");
    assert!(all
        .iter()
        .filter(|d| d.identity.sex == "F")
        .flat_map(|d| &d.identity.aliases)
        .all(|a| a.kind == "maiden_name"));
    let dual = all
        .iter()
        .filter(|d| d.identity.citizenships.len() == 2)
        .count();
    assert!(
        (200..=1_000).contains(&dual),
        "{dual} with two citizenships"
    );

    let with_earlier = all
        .iter()
        .filter(|d| d.addresses.iter().filter(|a| a.kind == "residence").count() == 2);
    let with_earlier = with_earlier.count();
    assert!(
        (2_500..=3_500).contains(&with_earlier),
        "{with_earlier} with an earlier residence"
    );
    let tirane = all.iter().filter(|d| {
        d.addresses
            .iter()
            .any(|a| a.municipality_code == "tirane" && a.to.is_empty())
    });
    let tirane = tirane.count();
    let pustec = all
        .iter()
        .filter(|d| d.addresses.iter().any(|a| a.municipality_code == "pustec"))
        .count();
    assert!(
        tirane > 2_000 && tirane > 20 * pustec,
        "tiranë {tirane}, pustec {pustec}"
    );

    let months: Vec<u32> = convictions()
        .map(|c| c.sentence_months.parse().unwrap())
        .collect();
    assert!(months.iter().all(|m| (6..=300).contains(m)));
    let middle =
        months.iter().filter(|m| (24..=120).contains(*m)).count() as f64 / months.len() as f64;
    assert!(middle > 0.6, "{middle} of sentences between 2 and 10 years");
}

#[test]
fn victim_relationships_are_roles_not_names() {
    let names: Vec<String> = surnames()
        .iter()
        .chain(given_names(Sex::M))
        .chain(given_names(Sex::F))
        .map(|(n, _)| fold(n))
        .chain(data::NICKNAMES.iter().map(|n| fold(n)))
        .collect();
    for (relationship, _) in data::RELATIONSHIPS {
        for word in fold(relationship).split(' ') {
            assert!(
                !names.iter().any(|n| n == word),
                "{relationship:?} contains the name {word:?}"
            );
        }
    }
}

#[test]
fn name_lists_are_large_unique_and_ranked() {
    for (list, min) in [
        (surnames(), 140),
        (given_names(Sex::M), 110),
        (given_names(Sex::F), 95),
    ] {
        assert!(list.len() >= min, "{} names", list.len());
        let mut folded: Vec<String> = list.iter().map(|(n, _)| n.to_string()).collect();
        folded.sort();
        folded.dedup();
        assert_eq!(folded.len(), list.len(), "no duplicates");
        assert!(
            list.windows(2).all(|w| w[0].1 >= w[1].1),
            "most common first"
        );
        assert!(list.iter().all(|(_, w)| *w > 0));
    }
    assert!(surnames().iter().any(|(n, _)| *n == "Çela"));
    assert!(given_names(Sex::F).iter().any(|(n, _)| *n == "Ëngjëllushe"));
}

#[test]
fn reference_rows_are_all_known() {
    let reference = reference();
    for (name, _) in data::MUNICIPALITIES {
        assert!(reference.municipality(&code_for(name)).is_some(), "{name}");
    }
    assert_eq!(data::MUNICIPALITIES.len(), reference.municipalities.len());
    for (code, _) in data::ARTICLES {
        assert!(reference.article(code).is_some(), "{code}");
    }
    for (code, _, _) in data::FOREIGN_COURTS {
        assert!(reference.country(code).is_some(), "{code}");
    }
    for (code, _) in data::SECOND_CITIZENSHIPS {
        assert!(reference.country(code).is_some(), "{code}");
    }
    for (_, court) in data::COURT_SEATS {
        assert!(reference.court(court).is_some(), "{court}");
    }
}

#[test]
fn texts() {
    assert_eq!(sentence_text(8, false), "8 muaj burgim");
    assert_eq!(sentence_text(12, false), "1 vit burgim");
    assert_eq!(sentence_text(30, false), "2 vjet e 6 muaj burgim");
    assert_eq!(
        sentence_text(60, true),
        "5 vjet burgim, pezulluar me vënie në provë"
    );
    assert_eq!(transliterate("Xhafa"), "Jafa");
    assert_eq!(transliterate("Çela"), "Chela");
    assert_eq!(transliterate("Shehu"), "Schehu");
    assert_eq!(transliterate("Frashëri"), "Frasheri");
    assert_eq!(transliterate("Hoxhaj"), "Hojaj");
    assert_eq!(transliterate("Dedaj"), "Deda");
    assert_eq!(transliterate("Meta"), "Metaj");
    assert_eq!(transliterate("Gjoni"), "Gjonaj");
    assert_eq!(transliterate("Marku"), "Markaj");
}

#[test]
fn records_are_plausible_and_deterministic() {
    use crate::records::RecordGenerator;
    use regjistri_domain::compliance::{compute, ComplianceStatus, Inputs};
    use regjistri_domain::records::{FileRecord, RecordData};
    use regjistri_domain::rules::RuleBook;

    let reference = reference();
    let rules = RuleBook::new(vec![]);
    let mut new_id = Uuid::now_v7;
    let files: Vec<_> = drafts(7, 1_500, &reference)
        .iter()
        .map(|d| {
            validate(
                d,
                &mut Context {
                    reference: &reference,
                    today: today(),
                    new_id: &mut new_id,
                },
            )
            .unwrap()
        })
        .collect();
    let generate = || {
        let mut g = RecordGenerator::new(7, today());
        files
            .iter()
            .map(|f| g.records_for(f, &rules))
            .collect::<Vec<_>>()
    };
    let records = generate();
    assert_eq!(records, generate(), "same seed, same records");

    let now = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 12, 3, 10, 0, 0).unwrap();
    let mut statuses = std::collections::HashMap::new();
    let mut travelling = 0;
    let (mut name_changes, mut trip_changes, mut late_changes) = (0, 0, 0);
    let mut changes = RecordGenerator::new(7, today());
    for (file, records) in files.iter().zip(&records) {
        for r in records {
            if !matches!(r, RecordData::Trip { .. }) {
                assert!(r.date() <= today(), "{r:?}");
            }
            if let RecordData::NameChange {
                old_surname,
                new_surname,
                changed_on,
                reported_on,
                ..
            } = r
            {
                assert_ne!(old_surname, new_surname);
                assert_eq!(new_surname, &file.identity.surname);
                assert!(changed_on <= reported_on && *reported_on <= today());
                name_changes += 1;
            }
            if let RecordData::AddressChange {
                municipality_code, ..
            } = r
            {
                assert!(reference.municipality(municipality_code).is_some());
            }
        }
        let store = |data: &RecordData| FileRecord {
            id: Uuid::now_v7(),
            file_id: Uuid::nil(),
            data: data.clone(),
            recorded_at: chrono::DateTime::UNIX_EPOCH,
            recorded_by: "demo.clerk".into(),
            void: None,
            confirmation: data.needs_confirmation().then(|| {
                regjistri_domain::records::Confirmation {
                    by: "demo.supervisor".into(),
                    at: chrono::DateTime::UNIX_EPOCH,
                }
            }),
        };
        let mut stored: Vec<FileRecord> = records.iter().map(store).collect();
        let changed = changes.trip_changes(&stored, now);
        let trips = regjistri_domain::records::itineraries(&stored);
        for (_, change) in &changed {
            let RecordData::TripChange {
                trip_id,
                departure,
                return_date,
                declared_at,
                ..
            } = change
            else {
                panic!("{change:?}")
            };
            let trip = trips.iter().find(|t| t.trip_id == *trip_id).unwrap();
            assert!(*declared_at <= now);
            assert!(regjistri_domain::dates::local_date(*declared_at) >= trip.notice_date);
            assert!(departure <= return_date && *departure != trip.departure);
        }
        trip_changes += changed.len();
        stored.extend(changed.iter().map(|(_, data)| store(data)));
        let c = compute(&Inputs {
            data: file,
            records: &stored,
            notices: &[],
            rules: &rules,
            today: today(),
            registered_on: Some(today()),
        });
        *statuses.entry(c.status).or_insert(0usize) += 1;
        travelling += usize::from(!c.trips_under_way.is_empty());
        late_changes += stored
            .iter()
            .filter(|r| matches!(r.data, RecordData::TripChange { .. }))
            .filter(|r| {
                c.assessments
                    .iter()
                    .any(|a| a.record_id == r.id && a.on_time == Some(false))
            })
            .count();
    }
    // A few of each new kind, some trip changes declared too late.
    assert!((5..60).contains(&name_changes), "{name_changes}");
    assert!((10..80).contains(&trip_changes), "{trip_changes}");
    assert!(
        late_changes > 0 && late_changes < trip_changes,
        "{late_changes}"
    );
    let share = |s| statuses.get(&s).copied().unwrap_or(0) as f64 / files.len() as f64;
    // Many comply (a third of the invented persons are still serving their sentence and
    // some periods have ended); some are overdue; a few travel today.
    assert!(share(ComplianceStatus::Compliant) > 0.3, "{statuses:?}");
    assert!(share(ComplianceStatus::InCustody) > 0.1, "{statuses:?}");
    assert!(
        (0.02..0.2).contains(&share(ComplianceStatus::Overdue)),
        "{statuses:?}"
    );
    assert!(share(ComplianceStatus::DueSoon) > 0.0, "{statuses:?}");
    assert!(travelling > 10, "{travelling}");
}
