//! Photos through the application layer: who may add, see and void them, what is refused,
//! a check-in that names its photo, the latest photo in the file view, and the demo seed.

use regjistri_app::*;
use regjistri_domain::access::Role;
use regjistri_domain::records::{RecordData, RecordDraft};
use regjistri_sync::document::encode_bytes;
use uuid::Uuid;

mod common;
use common::*;

/// A world with a clerk and a supervisor of Tirana, a clerk of Durrës and an auditor, and an
/// approved file of Tirana.
fn setup() -> (World, Uuid) {
    let w = world();
    w.add("clerk.t", Role::Clerk);
    w.add("supervisor.t", Role::Supervisor);
    w.add("auditor", Role::Auditor);
    w.registry.sign_in("admin", ADMIN_PW).unwrap();
    let otp = w
        .registry
        .create_user("clerk.d", Role::Clerk, "dvp-durres")
        .unwrap();
    w.registry.sign_out().unwrap();
    w.registry.sign_in("clerk.d", &otp.password).unwrap();
    w.registry.change_password(&otp.password, PW).unwrap();
    w.as_user("clerk.t");
    let saved = w.registry.create_file(&draft(5)).unwrap();
    w.as_user("supervisor.t");
    w.registry.approve_file(saved.id, saved.version).unwrap();
    (w, saved.id)
}

fn upload(bytes: &[u8], taken_on: &str) -> PhotoUpload {
    PhotoUpload {
        taken_on: taken_on.into(),
        data_base64: encode_bytes(bytes),
    }
}

fn audit_count(w: &World, action: &str) -> u32 {
    w.as_user("auditor");
    w.registry
        .audit_events(&AuditQuery {
            action: Some(action.into()),
            ..AuditQuery::default()
        })
        .unwrap()
        .total
}

#[test]
fn officers_of_the_directorate_add_and_see_photos_and_nobody_else() {
    let (w, file) = setup();
    let bytes = regjistri_demo::photos::avatar(11);
    w.as_user("clerk.t");
    let photo = w
        .registry
        .add_photo(file, &upload(&bytes, "02.12.2026"))
        .unwrap();
    assert_eq!(photo.taken_by, "clerk.t");
    assert_eq!(photo.taken_on.to_string(), "2026-12-02");
    // The file view names the latest photo; the image comes on its own, audited.
    let view = w.registry.get_file(file).unwrap();
    assert_eq!(view.latest_photo.as_ref().map(|p| p.id), Some(photo.id));
    assert!(view.may_view_photos);
    let image = w.registry.photo(photo.id).unwrap();
    assert_eq!(image.data_base64, encode_bytes(&bytes));
    assert_eq!(w.registry.photos(file).unwrap(), vec![photo.clone()]);
    assert_eq!(audit_count(&w, "photo.view"), 1);

    // Another directorate's clerk and the administrator, who see the file, find nothing of
    // its photos in the view (who took one, when, its digest).
    for user in ["clerk.d", "admin"] {
        w.as_user(user);
        let view = w.registry.get_file(file).unwrap();
        assert!(!view.may_view_photos, "{user}");
        assert_eq!(view.latest_photo, None, "{user}");
    }
    // They and the auditor see no image; the refusals are audited. The Durrës clerk and the
    // auditor add none either.
    for user in ["clerk.d", "auditor", "admin"] {
        w.as_user(user);
        let e = w.registry.photo(photo.id).unwrap_err();
        assert_eq!(e.code, "forbidden", "{user}");
        assert_eq!(
            w.registry.photos(file).unwrap_err().code,
            "forbidden",
            "{user}"
        );
        let e = w
            .registry
            .add_photo(file, &upload(&bytes, "02.12.2026"))
            .unwrap_err();
        assert_eq!(e.code, "forbidden", "{user}");
    }
    assert_eq!(audit_count(&w, "photo.view"), 1);
    assert!(audit_count(&w, "access.denied") >= 6);
}

#[test]
fn what_is_not_a_photo_is_refused_with_its_code() {
    let (w, file) = setup();
    w.as_user("clerk.t");
    let png = regjistri_demo::photos::avatar(1);
    let mut cut = png.clone();
    cut.truncate(png.len() - 10);
    let mut big = vec![0xFF, 0xD8];
    big.resize(600 * 1024, 0);
    let cases: Vec<(PhotoUpload, &str, &str)> = vec![
        (
            upload(b"GIF89a\x01\x00", "02.12.2026"),
            "photo_format",
            "photo",
        ),
        (upload(&cut, "02.12.2026"), "photo_format", "photo"),
        (upload(&big, "02.12.2026"), "photo_too_large", "photo"),
        (
            PhotoUpload {
                taken_on: "02.12.2026".into(),
                data_base64: "not base64 !".into(),
            },
            "photo_format",
            "photo",
        ),
        (upload(&[], "02.12.2026"), "photo_required", "photo"),
        (upload(&png, "04.12.2026"), "validation", "taken_on"),
        (upload(&png, ""), "validation", "taken_on"),
        (upload(&png, "31.02.2026"), "validation", "taken_on"),
    ];
    for (u, code, field) in cases {
        let e = w.registry.add_photo(file, &u).unwrap_err();
        assert_eq!(e.code, code, "{e:?}");
        assert_eq!(e.fields[0].field, field, "{e:?}");
        assert_ne!(e.message.en, e.message.sq);
    }
    assert!(w.registry.photos(file).unwrap().is_empty());
}

#[test]
fn a_check_in_names_its_photo_or_says_why_there_is_none() {
    let (w, file) = setup();
    w.as_user("clerk.t");
    let photo = w
        .registry
        .add_photo(
            file,
            &upload(&regjistri_demo::photos::avatar(2), "03.12.2026"),
        )
        .unwrap();
    let check_in = |photo_id: &str, reason: &str| RecordDraft {
        kind: "check_in".into(),
        date: "03.12.2026".into(),
        officer: "Inspektor Provë".into(),
        photo_id: photo_id.into(),
        no_photo_reason: reason.into(),
        ..RecordDraft::default()
    };
    let e = w.registry.add_record(file, &check_in("", "")).unwrap_err();
    assert_eq!(e.fields[0].code, "photo_or_reason_required");
    let e = w
        .registry
        .add_record(file, &check_in(&Uuid::now_v7().to_string(), ""))
        .unwrap_err();
    assert_eq!(e.fields[0].code, "photo_unknown");
    let record = w
        .registry
        .add_record(file, &check_in(&photo.id.to_string(), ""))
        .unwrap();
    assert!(matches!(
        record.data,
        RecordData::CheckIn { photo_id: Some(p), .. } if p == photo.id
    ));
    w.registry
        .add_record(file, &check_in("", "Kamera nuk punonte"))
        .unwrap();
    // A photo of another file is not this check-in's.
    let other = w.registry.create_file(&draft(6)).unwrap();
    let e = w
        .registry
        .add_record(other.id, &check_in(&photo.id.to_string(), ""))
        .unwrap_err();
    assert_eq!(e.fields[0].code, "photo_unknown");
}

#[test]
fn a_supervisor_other_than_who_took_it_voids_a_photo() {
    let (w, file) = setup();
    w.as_user("clerk.t");
    let first = w
        .registry
        .add_photo(
            file,
            &upload(&regjistri_demo::photos::avatar(3), "01.12.2026"),
        )
        .unwrap();
    let second = w
        .registry
        .add_photo(
            file,
            &upload(&regjistri_demo::photos::avatar(4), "02.12.2026"),
        )
        .unwrap();
    assert_eq!(
        w.registry.void_photo(second.id, "x").unwrap_err().code,
        "forbidden"
    );
    w.as_user("supervisor.t");
    assert_eq!(
        w.registry.void_photo(second.id, "  ").unwrap_err().code,
        "reason_required"
    );
    let voided = w.registry.void_photo(second.id, "Person tjetër").unwrap();
    assert_eq!(voided.void.unwrap().by, "supervisor.t");
    assert_eq!(
        w.registry
            .get_file(file)
            .unwrap()
            .latest_photo
            .map(|p| p.id),
        Some(first.id)
    );
    // Its own photo a supervisor does not void; a voided one is no check-in's photo.
    let own = w
        .registry
        .add_photo(
            file,
            &upload(&regjistri_demo::photos::avatar(5), "02.12.2026"),
        )
        .unwrap();
    assert_eq!(
        w.registry.void_photo(own.id, "x").unwrap_err().code,
        "own_work"
    );
    let e = w
        .registry
        .add_record(
            file,
            &RecordDraft {
                kind: "check_in".into(),
                date: "02.12.2026".into(),
                officer: "Inspektor".into(),
                photo_id: second.id.to_string(),
                ..RecordDraft::default()
            },
        )
        .unwrap_err();
    assert_eq!(e.fields[0].code, "photo_unknown");
}

#[test]
fn demo_check_ins_come_with_their_photos() {
    let w = world();
    w.as_user("admin");
    w.registry.seed(30, 9, &mut |_, _| {}).unwrap();
    w.add("clerk.t", Role::Clerk);
    w.as_user("clerk.t");
    let page = w
        .registry
        .search(&SearchQuery {
            page_size: 50,
            ..SearchQuery::default()
        })
        .unwrap();
    let mut with_check_ins = 0;
    for s in page
        .items
        .iter()
        .filter(|s| s.owning_directorate == "dvp-tirane")
    {
        let timeline = w.registry.timeline(s.id).unwrap();
        let photos: Vec<Uuid> = timeline
            .records
            .iter()
            .filter_map(|r| match r.data {
                RecordData::CheckIn { photo_id, .. } => Some(photo_id.expect("a photo")),
                _ => None,
            })
            .collect();
        if photos.is_empty() {
            continue;
        }
        with_check_ins += 1;
        for id in photos {
            let image = w.registry.photo(id).unwrap();
            assert_eq!(image.photo.file_id, s.id);
        }
        assert!(w.registry.get_file(s.id).unwrap().latest_photo.is_some());
    }
    assert!(with_check_ins > 0, "no demo file of Tirana with a check-in");
}
