//! Times the generator: `cargo run --release -p regjistri-demo --example throughput [count]`.

use std::time::Instant;

use chrono::NaiveDate;
use regjistri_demo::Generator;
use regjistri_domain::reference::ReferenceSet;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let count: usize = match std::env::args().nth(1) {
        Some(arg) => arg.parse()?,
        None => 1_000_000,
    };
    let reference = ReferenceSet::provisional()?;
    let today = NaiveDate::from_ymd_opt(2026, 12, 3).ok_or("bad date")?;
    let mut generator = Generator::new(1, &reference, today);
    let start = Instant::now();
    let mut convictions = 0usize;
    for _ in 0..count {
        let draft = generator.next_draft();
        convictions += draft.convictions.len();
    }
    let elapsed = start.elapsed();
    println!(
        "{count} drafts ({convictions} convictions) in {:.2} s",
        elapsed.as_secs_f64()
    );
    Ok(())
}
