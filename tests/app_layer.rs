//! The application layer end to end, as the desktop commands and the CLI call it:
//! `regjistri_app::Registry` over a real encrypted database whose key is in the real OS key
//! store. On Linux that is the Secret Service, so run these under `scripts/with-keyring.sh`
//! (scripts/test.sh does); each database gets its own key, deleted again afterwards.

use std::path::PathBuf;
use std::sync::Arc;

use chrono::{TimeZone, Utc};
use regjistri_app::{AppError, Create, FileSummary, OsKeyStore, Registry, SearchPage, SearchQuery};
use regjistri_domain::access::Role;
use regjistri_domain::clock::FixedClock;
use regjistri_domain::file::{AddressDraft, ConvictionDraft, FileDraft, IdentityDraft};
use regjistri_domain::nid;
use regjistri_store::{key_account, KeyStore};

/// A fresh database in a temporary directory. Dropping it deletes the key from the key store
/// (the directory goes with the `TempDir`).
struct Fixture {
    registry: Registry,
    clock: Arc<FixedClock>,
    path: PathBuf,
    _dir: tempfile::TempDir,
}

impl Drop for Fixture {
    fn drop(&mut self) {
        if let Ok(account) = key_account(&self.path) {
            let _ = OsKeyStore::new().delete(&account);
        }
    }
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().join("regjistri.db");
    let clock = Arc::new(FixedClock::new(
        Utc.with_ymd_and_hms(2025, 6, 2, 9, 30, 0).unwrap(),
    ));
    let registry = match Registry::open(
        &path,
        Arc::new(OsKeyStore::new()),
        clock.clone(),
        Create::IfMissing,
        "os:tester".into(),
    ) {
        Ok(r) => r,
        Err(e) => panic!(
            "cannot open a test database ({}: {}). These tests need an unlocked Secret Service: \
             run them under scripts/with-keyring.sh",
            e.code, e.message.en
        ),
    };
    registry
        .create_first_administrator("admin", ADMIN_PW, "dvp-tirane")
        .expect("first administrator");
    become_user(&registry, "clerk.dvp-tirane", Role::Clerk, "dvp-tirane");
    Fixture {
        registry,
        clock,
        path,
        _dir: dir,
    }
}

const ADMIN_PW: &str = "kyçi i sigurt i zyrës 2026";
const PW: &str = "kalë-i-bardhë-në-mal";

/// Signs in as `name`, creating that user (through the administrator, with the forced
/// change of the one-time password) the first time.
fn become_user(r: &Registry, name: &str, role: Role, directorate: &str) {
    if r.sign_in(name, PW).is_ok() {
        return;
    }
    as_admin(r);
    let otp = r.create_user(name, role, directorate).expect("create user");
    r.sign_in(name, &otp.password).expect("first sign-in");
    r.change_password(&otp.password, PW)
        .expect("change password");
}

fn as_admin(r: &Registry) {
    r.sign_in("admin", ADMIN_PW)
        .expect("administrator signs in");
}

/// A clerk of the directorate that will own the file (clerks write only their own).
fn as_clerk_for(r: &Registry, d: &FileDraft) {
    let reference = r.reference_data().expect("reference data");
    let today = chrono::NaiveDate::from_ymd_opt(2025, 6, 2).unwrap();
    let directorate = d
        .addresses
        .iter()
        .find(|a| a.kind == "residence" && a.to.is_empty())
        .and_then(|a| reference.directorate_for(&a.municipality_code, today))
        .map(|d| d.code.clone())
        .unwrap_or_else(|| "dvp-tirane".to_string());
    become_user(
        r,
        &format!("clerk.{directorate}"),
        Role::Clerk,
        &directorate,
    );
}

fn seed(r: &Registry, count: usize, seed: u64) -> usize {
    as_admin(r);
    let n = r.seed(count, seed, &mut |_, _| {}).expect("seed");
    become_user(r, "clerk.dvp-tirane", Role::Clerk, "dvp-tirane");
    n
}

/// A complete, valid draft: one conviction at the Tirana court, a residence since 2020.
fn draft(surname: &str, given_name: &str, date_of_birth: &str, municipality: &str) -> FileDraft {
    FileDraft {
        identity: IdentityDraft {
            surname: surname.into(),
            given_name: given_name.into(),
            father_name: "Gjergj".into(),
            mother_name: "Drita".into(),
            sex: "M".into(),
            date_of_birth: date_of_birth.into(),
            place_of_birth: "Tiranë".into(),
            ..IdentityDraft::default()
        },
        convictions: vec![ConvictionDraft {
            country: "AL".into(),
            court_code: "gj-tirane".into(),
            decision_number: "1234/2015".into(),
            decision_date: "10.02.2015".into(),
            final_date: "20.03.2015".into(),
            articles: vec!["100".into()],
            sentence_months: "48".into(),
            ..ConvictionDraft::default()
        }],
        addresses: vec![AddressDraft {
            kind: "residence".into(),
            municipality_code: municipality.into(),
            street: "Rruga e Kavajës 12".into(),
            from: "01.01.2020".into(),
            ..AddressDraft::default()
        }],
        ..FileDraft::default()
    }
}

/// A personal number with a matching check letter for a man born on 14.03.1981.
fn nid_1981_03_14() -> String {
    let first_nine = "I10314123";
    let letter = nid::check_letter(first_nine.as_bytes()).expect("check letter");
    format!("{first_nine}{letter}")
}

fn search(r: &Registry, text: &str) -> SearchPage {
    r.search(&SearchQuery {
        text: text.into(),
        ..SearchQuery::default()
    })
    .unwrap_or_else(|e| panic!("search {text:?} failed: {e}"))
}

fn surnames(items: &[FileSummary]) -> Vec<&str> {
    items.iter().map(|f| f.surname.as_str()).collect()
}

fn create(r: &Registry, d: &FileDraft) -> uuid::Uuid {
    as_clerk_for(r, d);
    r.create_file(d)
        .unwrap_or_else(|e| panic!("create failed: {e} {:?}", e.fields))
        .id
}

#[test]
fn a_name_is_found_however_it_is_typed() {
    let f = fixture();
    let r = &f.registry;
    let cela = create(r, &draft("Çela", "Arbër", "14.03.1981", "tirane"));
    let damato = create(r, &draft("D’Amato", "Ilir", "02.11.1975", "tirane"));
    create(r, &draft("Hoxha", "Besnik", "05.05.1970", "tirane"));

    for query in [
        "cela",
        "ÇELA",
        "CELA",
        "C\u{327}ela",
        "c\u{327}ela arbe\u{308}r",
        "arber cela",
        "  Çela  ",
    ] {
        let page = search(r, query);
        assert_eq!(page.interpreted_as, "name", "{query:?}");
        assert_eq!(
            page.items.first().map(|i| i.id),
            Some(cela),
            "{query:?} → {:?}",
            surnames(&page.items)
        );
        assert_eq!(page.total, 1, "{query:?} → {:?}", surnames(&page.items));
    }
    // Typographic and straight apostrophes are the same, in the stored name and in the query.
    for query in ["d'amato", "D’AMATO", "damato", "D`Amato"] {
        let page = search(r, query);
        assert_eq!(
            page.items.first().map(|i| i.id),
            Some(damato),
            "{query:?} → {:?}",
            surnames(&page.items)
        );
    }
}

#[test]
fn a_personal_number_is_found_with_spaces_and_in_lower_case() {
    let f = fixture();
    let r = &f.registry;
    let number = nid_1981_03_14();
    let mut d = draft("Kola", "Petrit", "14.03.1981", "tirane");
    d.identity.nid = number.clone();
    let id = create(r, &d);
    create(r, &draft("Kolaj", "Petrit", "14.03.1981", "tirane"));

    let typed = format!("{} {} {}", &number[..3], &number[3..7], &number[7..]).to_lowercase();
    let page = search(r, &typed);
    assert_eq!(page.interpreted_as, "nid", "{typed:?}");
    assert_eq!(page.total, 1);
    assert_eq!(page.items[0].id, id);
    assert_eq!(
        page.items[0].nid.as_deref(),
        Some(number.as_str()),
        "stored upper-case, without spaces"
    );
}

#[test]
fn a_date_of_birth_finds_everyone_born_that_day() {
    let f = fixture();
    let r = &f.registry;
    let a = create(r, &draft("Leka", "Arben", "14.03.1981", "tirane"));
    let b = create(r, &draft("Marku", "Gezim", "14.03.1981", "tirane"));
    create(r, &draft("Leka", "Arben", "15.03.1981", "tirane"));

    let page = search(r, "14.03.1981");
    assert_eq!(page.interpreted_as, "date_of_birth");
    assert_eq!(page.total, 2);
    let mut found: Vec<_> = page.items.iter().map(|i| i.id).collect();
    found.sort();
    let mut want = vec![a, b];
    want.sort();
    assert_eq!(found, want);
    assert!(page
        .items
        .iter()
        .all(|i| i.date_of_birth.to_string() == "1981-03-14"));
}

#[test]
fn the_municipality_filter_keeps_only_current_residents() {
    let f = fixture();
    let r = &f.registry;
    let reference = r.reference_data().expect("reference data");
    let code = |name: &str| {
        reference
            .municipalities
            .iter()
            .find(|m| m.name == name)
            .map(|m| m.code.clone())
            .unwrap_or_else(|| panic!("no municipality {name}"))
    };
    let (tirane, shkoder) = (code("Tiranë"), code("Shkodër"));
    let in_tirane = create(r, &draft("Dushku", "Ardit", "01.01.1980", &tirane));
    let in_shkoder = create(r, &draft("Dushku", "Blerim", "01.01.1982", &shkoder));

    let q = |text: &str, m: &str| SearchQuery {
        text: text.into(),
        municipality_code: Some(m.to_string()),
        ..SearchQuery::default()
    };
    let page = r.search(&q("dushku", &shkoder)).expect("search");
    assert_eq!(
        page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![in_shkoder]
    );
    assert_eq!(
        page.items[0].municipality_code.as_deref(),
        Some(shkoder.as_str())
    );
    let page = r.search(&q("", &tirane)).expect("list");
    assert_eq!(
        page.items.iter().map(|i| i.id).collect::<Vec<_>>(),
        vec![in_tirane]
    );
    assert_eq!(search(r, "dushku").total, 2, "without the filter both");
}

#[test]
fn exact_matches_come_before_spelling_variants() {
    let f = fixture();
    let r = &f.registry;
    // The variant is created first, so insertion order cannot explain the ranking.
    let hoxhaj = create(r, &draft("Hoxhaj", "Agim", "01.02.1979", "tirane"));
    let hoxha = create(r, &draft("Hoxha", "Agim", "01.02.1979", "tirane"));
    create(r, &draft("Berisha", "Agim", "01.02.1979", "tirane"));

    let page = search(r, "hoxha");
    assert_eq!(surnames(&page.items), vec!["Hoxha", "Hoxhaj"]);
    assert_eq!(page.items[0].id, hoxha);
    assert_eq!(page.items[0].matched, regjistri_app::MatchKind::Exact);
    assert_eq!(page.items[1].id, hoxhaj);
    assert_eq!(page.items[1].matched, regjistri_app::MatchKind::Variant);

    let page = search(r, "hoxhaj");
    assert_eq!(
        surnames(&page.items),
        vec!["Hoxhaj", "Hoxha"],
        "and the other way round"
    );
}

#[test]
fn a_page_never_holds_more_than_its_size() {
    let f = fixture();
    let r = &f.registry;
    seed(r, 230, 3);

    let list = |page: u32, page_size: u32| {
        r.search(&SearchQuery {
            text: String::new(),
            municipality_code: None,
            page,
            page_size,
        })
        .expect("list")
    };
    let mut seen = std::collections::HashSet::new();
    for page in 0..10 {
        let p = list(page, 25);
        assert_eq!(p.total, 230);
        assert_eq!(p.page_size, 25);
        assert_eq!(
            p.items.len(),
            25.min(230usize.saturating_sub(page as usize * 25)),
            "page {page}"
        );
        for item in &p.items {
            assert!(seen.insert(item.id), "file {} on two pages", item.id);
        }
    }
    assert_eq!(seen.len(), 230, "every file on exactly one page");
    assert!(
        list(99, 25).items.is_empty(),
        "past the end: empty, not an error"
    );
    assert_eq!(list(0, 0).items.len(), 25, "0 means the default");
    let big = list(0, 100_000);
    assert_eq!(big.page_size, regjistri_app::MAX_PAGE_SIZE);
    assert!(big.items.len() <= regjistri_app::MAX_PAGE_SIZE as usize);
    // A common surname over several pages as well.
    let p = r
        .search(&SearchQuery {
            text: "a".into(),
            page: 0,
            page_size: 7,
            ..SearchQuery::default()
        })
        .expect("prefix");
    assert!(p.items.len() <= 7);
}

#[test]
fn validation_errors_name_their_fields_and_write_nothing() {
    let f = fixture();
    let r = &f.registry;
    let before = r.app_info().expect("info").file_count;

    let mut d = draft("", "Arben", "31.02.1981", "tirane");
    d.convictions[0].articles.clear();
    d.convictions[0].sentence_months = "many".into();
    d.addresses[0].municipality_code = "atlantis".into();

    let err: AppError = r
        .create_file(&d)
        .expect_err("an invalid draft must be refused");
    assert_eq!(err.code, "validation");
    let has = |field: &str, code: &str| {
        err.fields
            .iter()
            .any(|p| p.field == field && p.code == code)
    };
    assert!(has("identity.surname", "required"), "{:?}", err.fields);
    assert!(
        has("identity.date_of_birth", "date_invalid"),
        "{:?}",
        err.fields
    );
    assert!(
        has("convictions.0.articles", "articles_required"),
        "{:?}",
        err.fields
    );
    assert!(
        has("convictions.0.sentence_months", "number_invalid"),
        "{:?}",
        err.fields
    );
    assert!(
        has("addresses.0.municipality_code", "municipality_unknown"),
        "{:?}",
        err.fields
    );
    assert!(err
        .fields
        .iter()
        .all(|p| !p.message.sq.is_empty() && !p.message.en.is_empty()));

    // The form's check reports the same problems without saving.
    let checked = r.check_draft(&d).expect("check");
    assert_eq!(checked, err.fields);
    assert_eq!(
        r.app_info().expect("info").file_count,
        before,
        "nothing written"
    );

    // A checked-letter mismatch is a warning: refused until confirmed, then saved.
    let mut w = draft("Kola", "Petrit", "14.03.1981", "tirane");
    let good = nid_1981_03_14();
    let wrong_letter = if good.ends_with('A') { 'B' } else { 'A' };
    w.identity.nid = format!("{}{wrong_letter}", &good[..9]);
    let err = r.create_file(&w).expect_err("unconfirmed warning");
    assert_eq!(err.code, "validation");
    assert!(
        err.fields
            .iter()
            .all(|p| p.severity == regjistri_domain::Severity::Warning),
        "{:?}",
        err.fields
    );
    assert!(
        err.fields.iter().any(|p| p.field == "identity.nid"),
        "{:?}",
        err.fields
    );
    w.confirm_warnings = true;
    create(r, &w);
    assert_eq!(
        r.app_info().expect("info").file_count,
        before.map(|n| n + 1)
    );
}

#[test]
fn a_stale_base_version_is_a_conflict_and_loses_nothing() {
    let f = fixture();
    let r = &f.registry;
    let id = create(r, &draft("Gjoni", "Ermal", "09.09.1977", "tirane"));

    // Two clerks open the same file.
    let first = r.edit_file(id).expect("edit 1");
    let second = r.edit_file(id).expect("edit 2");
    assert_eq!(first.base_version, 1);

    f.clock.advance(chrono::Duration::minutes(5));
    let mut d1 = first.draft.clone();
    d1.addresses[0].street = "Rruga Myslym Shyri 40".into();
    let saved = r
        .update_file(id, first.base_version, &d1)
        .expect("first save");
    assert_eq!(saved.version, 2);

    f.clock.advance(chrono::Duration::minutes(5));
    let mut d2 = second.draft.clone();
    d2.identity.given_name = "Ermali".into();
    let err = r
        .update_file(id, second.base_version, &d2)
        .expect_err("the second save is stale");
    assert_eq!(err.code, "version_conflict");

    let view = r.get_file(id).expect("get");
    assert_eq!(view.file.version, 2);
    assert_eq!(
        view.file.data.addresses[0].street, "Rruga Myslym Shyri 40",
        "the first change is kept"
    );
    assert_eq!(
        view.file.data.identity.given_name, "Ermal",
        "the stale change is not applied"
    );
    assert_eq!(view.history.len(), 2);

    // Reopened at the current version, the second change goes through.
    let again = r.edit_file(id).expect("reopen");
    assert_eq!(again.base_version, 2);
    let mut d3 = again.draft;
    d3.identity.given_name = "Ermali".into();
    assert_eq!(
        r.update_file(id, again.base_version, &d3)
            .expect("save")
            .version,
        3
    );
    let view = r.get_file(id).expect("get");
    assert_eq!(view.file.data.addresses[0].street, "Rruga Myslym Shyri 40");
    assert_eq!(view.file.data.identity.given_name, "Ermali");
}

#[test]
fn an_unknown_or_malformed_id_is_an_error_not_a_panic() {
    let f = fixture();
    let r = &f.registry;
    assert_eq!(
        Registry::parse_id("not-an-id").map_err(|e| e.code),
        Err("invalid_input".to_string())
    );
    let missing =
        Registry::parse_id(" 01890a5d-ac96-774b-bcce-b302099a8057 ").expect("valid id with spaces");
    assert_eq!(
        r.get_file(missing).map(|_| ()).map_err(|e| e.code),
        Err("not_found".to_string())
    );
}

#[test]
fn seeding_is_deterministic_for_a_seed() {
    let listing = |seed: u64| -> Vec<(String, String, chrono::NaiveDate)> {
        let f = fixture();
        let r = &f.registry;
        assert_eq!(self::seed(r, 500, seed), 500);
        assert_eq!(r.app_info().expect("info").file_count, Some(500));
        let mut out = Vec::new();
        for page in 0..3 {
            let p = r
                .search(&SearchQuery {
                    text: String::new(),
                    municipality_code: None,
                    page,
                    page_size: 200,
                })
                .expect("list");
            out.extend(
                p.items
                    .into_iter()
                    .map(|i| (i.surname, i.given_name, i.date_of_birth)),
            );
        }
        assert_eq!(out.len(), 500);
        out
    };
    let a = listing(42);
    let b = listing(42);
    assert_eq!(a, b, "same seed, same files in the same order");
    assert_ne!(a, listing(43), "another seed, other files");
}
