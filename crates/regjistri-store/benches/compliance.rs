//! Compliance benchmark: how long the sign-in dashboard takes (read a directorate's approved
//! files, records and notices from SQLCipher, compute every person's compliance), and how
//! long a rule-change preview over the whole registry takes. Release optimisation; prints
//! medians and p95 for docs/performance.md.
//!
//!     cargo bench -p regjistri-store --bench compliance
//!     REGJISTRI_BENCH_SIZES=10000 cargo bench -p regjistri-store --bench compliance

use std::time::{Duration, Instant};

use chrono::{TimeZone, Utc};
use regjistri_demo::records::RecordGenerator;
use regjistri_demo::Generator;
use regjistri_domain::compliance::{compute, touched_by, Inputs};
use regjistri_domain::dates::local_date;
use regjistri_domain::file::FileStatus;
use regjistri_domain::reference::ReferenceSet;
use regjistri_domain::rules::{RuleBook, RuleSet};
use regjistri_domain::validate::{validate, Context};
use regjistri_store::*;

mod common;
use common::*;

const RUNS: usize = 15;

fn main() {
    let sizes: Vec<usize> = std::env::var("REGJISTRI_BENCH_SIZES")
        .unwrap_or_else(|_| "10000,50000".into())
        .split(',')
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let reference = ReferenceSet::provisional().expect("reference");
    let now = Utc.with_ymd_and_hms(2026, 12, 3, 10, 0, 0).unwrap();
    let today = local_date(now);
    let actor = Actor {
        user: "bench".into(),
        station: "bench".into(),
    };
    println!("| files in the registry | in the directorate | records | seed (files + records) | dashboard median | dashboard p95 | of which reading, median | national preview median | national preview p95 |");
    println!("|---|---|---|---|---|---|---|---|---|");
    for n in sizes {
        let dir = tempfile::tempdir_in(env!("CARGO_TARGET_TMPDIR")).expect("temp dir");
        let keys = MemoryKeys::new();
        let path = dir.path().join("compliance.db");
        let mut store = Store::open(&path, &keys, now).expect("store");
        let rules = store.rule_book().expect("rules");
        let mut generator = Generator::new(2026, &reference, today);
        let mut records = RecordGenerator::new(2026, today);
        let mut ids = || new_id(now);
        let started = Instant::now();
        let mut record_count = 0usize;
        let mut done = 0;
        while done < n {
            let batch = 5_000.min(n - done);
            let writes: Vec<FileWrite> = (0..batch)
                .map(|k| FileWrite {
                    id: new_id(now),
                    base_version: 0,
                    status: FileStatus::Pending,
                    // Half the registry in the benchmarked directorate.
                    owning_directorate: if (done + k) % 2 == 0 {
                        "dvp-tirane".into()
                    } else {
                        "dvp-durres".into()
                    },
                    data: validate(
                        &generator.next_draft(),
                        &mut Context {
                            reference: &reference,
                            today,
                            new_id: &mut ids,
                        },
                    )
                    .expect("valid demo draft"),
                    reason: None,
                })
                .collect();
            store
                .write_files(writes.clone(), &actor, now, &mut |_| {})
                .expect("insert");
            let approvals: Vec<FileWrite> = writes
                .into_iter()
                .map(|w| FileWrite {
                    base_version: 1,
                    status: FileStatus::Approved,
                    ..w
                })
                .collect();
            let new_records: Vec<_> = approvals
                .iter()
                .flat_map(|w| {
                    records
                        .records_for(&w.data, &rules)
                        .into_iter()
                        .map(move |r| (w.id, r))
                        .collect::<Vec<_>>()
                })
                .collect();
            store
                .write_files(approvals, &actor, now, &mut |_| {})
                .expect("approve");
            record_count += store
                .add_records(new_records, &actor, now)
                .expect("records")
                .len();
            done += batch;
        }
        let seed = started.elapsed();

        let mut dashboard = Vec::new();
        let mut loading = Vec::new();
        let mut in_directorate = 0;
        for _ in 0..RUNS {
            let started = Instant::now();
            let files = store.registered_files(Some("dvp-tirane")).expect("files");
            let book = store.rule_book().expect("rules");
            loading.push(started.elapsed());
            let mut overdue = 0usize;
            for (f, r, notices) in &files {
                let c = compute(&Inputs {
                    data: &f.data,
                    records: r,
                    notices,
                    rules: &book,
                    today,
                    registered_on: Some(local_date(f.registered_at)),
                });
                overdue += usize::from(c.overdue_since.is_some());
            }
            dashboard.push(started.elapsed());
            in_directorate = files.len();
            std::hint::black_box(overdue);
        }

        let mut proposed: RuleSet = rules.in_effect(today).clone();
        proposed.version = rules.latest_version() + 1;
        proposed.effective_from = today;
        proposed.values.reporting_months.standard = 6;
        let after: RuleBook = rules.with(proposed.clone());
        let mut preview = Vec::new();
        for _ in 0..RUNS.min(5) {
            let started = Instant::now();
            let files = store.registered_files(None).expect("files");
            let touched = files
                .iter()
                .filter(|(f, r, _)| touched_by(&f.data, r, &rules, &after, today))
                .count();
            preview.push(started.elapsed());
            std::hint::black_box(touched);
        }
        let d = stats(dashboard);
        let l = stats(loading);
        let p = stats(preview);
        let secs = |t: Duration| format!("{:.1} s", t.as_secs_f64());
        println!(
            "| {n} | {in_directorate} | {record_count} | {} | {} | {} | {} | {} | {} |",
            secs(seed),
            ms(d.median),
            ms(d.p95),
            ms(l.median),
            ms(p.median),
            ms(p.p95)
        );
    }
}
