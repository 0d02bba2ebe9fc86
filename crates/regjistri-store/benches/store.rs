//! Store benchmark: name-search latency (median, p95) and encrypted-versus-plain insert and
//! search on the same data, at release optimisation. Not a test: it prints figures for
//! docs/performance.md.
//!
//!     cargo bench -p regjistri-store --features plain-benchmark --bench store
//!     REGJISTRI_BENCH_SIZES=100000 cargo bench -p regjistri-store --features plain-benchmark --bench store
//!
//! The encrypted store gets its key from an in-memory key store here: this measures
//! SQLCipher, not the OS key store (whose cost is paid once at open).

use std::cell::RefCell;
use std::collections::HashMap;
use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use regjistri_demo::Generator;
use regjistri_domain::dates::local_date;
use regjistri_domain::file::{FileData, FileStatus};
use regjistri_domain::names::{fold, query_tokens};
use regjistri_domain::reference::ReferenceSet;
use regjistri_domain::validate::{validate, Context};
use regjistri_store::*;

mod common;
use common::*;

enum Query {
    Name(String),
    Nid(String),
    BirthDate(chrono::NaiveDate),
}

fn queries(data: &[FileData], n: usize, seed: u64) -> Vec<Query> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut out = Vec::with_capacity(n);
    while out.len() < n {
        let p = &data[rng.gen_range(0..data.len())].identity;
        let q = match rng.gen_range(0..100) {
            // What a clerk types: surname and given name, no diacritics, any case.
            0..=49 => Query::Name(fold(&format!("{} {}", p.surname, p.given_name))),
            50..=64 => Query::Name(fold(&format!("{} {}", p.given_name, p.surname)).to_uppercase()),
            65..=74 => Query::Name(fold(&format!(
                "{} {} {}",
                p.surname, p.given_name, p.father_name
            ))),
            // Still typing the given name: prefix of the last word.
            75..=84 => {
                let given: String = fold(&p.given_name).chars().take(3).collect();
                Query::Name(format!("{} {given}", fold(&p.surname)))
            }
            85..=89 => Query::Name(fold(&p.surname)),
            90..=94 => match &p.nid {
                Some(nid) => Query::Nid(nid.clone()),
                None => continue,
            },
            _ => Query::BirthDate(p.date_of_birth),
        };
        out.push(q);
    }
    out
}

struct Run {
    insert_per_s: f64,
    open: Duration,
    name: Stats,
    all: Stats,
    size_mb: f64,
}

fn run(
    label: &str,
    store: &mut Store,
    data: &[FileData],
    reopen: &dyn Fn() -> Store,
    qs: &[Query],
) -> Run {
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
    let actor = Actor {
        user: "bench".into(),
        station: "bench".into(),
    };
    let started = Instant::now();
    for chunk in data.chunks(10_000) {
        let writes = chunk.iter().map(|d| FileWrite {
            id: new_id(now),
            base_version: 0,
            status: FileStatus::Approved,
            owning_directorate: "dvp-tirane".into(),
            data: d.clone(),
            reason: None,
        });
        store
            .write_files(writes, &actor, now, &mut |_| {})
            .expect("insert");
    }
    let insert = started.elapsed();
    let size_mb = std::fs::metadata(store.path())
        .map(|m| m.len() as f64 / 1e6)
        .unwrap_or(0.0);

    let started = Instant::now();
    let mut store = reopen();
    let open = started.elapsed();
    // Warm the cache the way a working day does: a pass over the queries first.
    let mut timings_name = Vec::new();
    let mut timings_all = Vec::new();
    for pass in 0..2 {
        for q in qs {
            let t = Instant::now();
            let (total, hits) = match q {
                Query::Name(text) => store
                    .search_names(&query_tokens(text), None, 0, 25)
                    .expect("search"),
                Query::Nid(nid) => store.search_nid(nid, None, 0, 25).expect("nid"),
                Query::BirthDate(d) => store.search_birth_date(*d, None, 0, 25).expect("dob"),
            };
            let ids: Vec<i64> = hits.iter().map(|h| h.rowid).collect();
            let rows = store.summaries(&ids).expect("summaries");
            let took = t.elapsed();
            assert!(
                total >= 1 && !rows.is_empty(),
                "{label}: every query names an inserted person"
            );
            if pass == 1 {
                if matches!(q, Query::Name(_)) {
                    timings_name.push(took);
                }
                timings_all.push(took);
            }
        }
    }
    Run {
        insert_per_s: data.len() as f64 / insert.as_secs_f64(),
        open,
        name: stats(timings_name),
        all: stats(timings_all),
        size_mb,
    }
}

fn main() {
    let sizes: Vec<usize> = std::env::var("REGJISTRI_BENCH_SIZES")
        .unwrap_or_else(|_| "100000,1000000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let reference = ReferenceSet::provisional().expect("reference");
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
    let today = local_date(now);
    println!("| files | store | insert (files/s) | reopen + index load | name search median | name search p95 | all searches median | all searches p95 | size |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let mut generator = Generator::new(2026, &reference, today);
        let mut ids = || new_id(now);
        let data: Vec<FileData> = (0..n)
            .map(|_| {
                let draft = generator.next_draft();
                validate(
                    &draft,
                    &mut Context {
                        reference: &reference,
                        today,
                        new_id: &mut ids,
                    },
                )
                .expect("valid demo draft")
            })
            .collect();
        let qs = queries(&data, 2_000, 7);
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");

        let keys = MemoryKeys(RefCell::new(HashMap::new()));
        let enc_path = dir.path().join("encrypted.db");
        let mut enc = Store::open(&enc_path, &keys, now).expect("encrypted store");
        let reopen_enc = || Store::open_existing(&enc_path, &keys, now).expect("reopen");
        let e = run("encrypted", &mut enc, &data, &reopen_enc, &qs);
        drop(enc);

        let plain_path = dir.path().join("plain.db");
        let mut plain = Store::open_plain_for_benchmark(&plain_path, now).expect("plain store");
        let reopen_plain = || Store::open_plain_for_benchmark(&plain_path, now).expect("reopen");
        let p = run("plain", &mut plain, &data, &reopen_plain, &qs);
        drop(plain);

        for (label, r) in [("SQLCipher", &e), ("plain SQLite", &p)] {
            println!(
                "| {n} | {label} | {:.0} | {} | {} | {} | {} | {} | {:.0} MB |",
                r.insert_per_s,
                ms(r.open),
                ms(r.name.median),
                ms(r.name.p95),
                ms(r.all.median),
                ms(r.all.p95),
                r.size_mb
            );
        }
        println!(
            "| {n} | ratio | insert {:.2}× plain | | | name p95 {:.2}× plain | | all p95 {:.2}× plain | |",
            e.insert_per_s / p.insert_per_s,
            e.name.p95.as_secs_f64() / p.name.p95.as_secs_f64(),
            e.all.p95.as_secs_f64() / p.all.p95.as_secs_f64()
        );
    }
}
