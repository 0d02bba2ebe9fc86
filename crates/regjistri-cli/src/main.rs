//! `regjistri`: administrators' and scripts' command line. Each command parses its
//! arguments, calls one method of the application layer and prints the result.
//! Errors go to standard error as `code: message (sq) / message (en)`, exit status 1.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use regjistri_app::{
    default_database_path, workstation_user, AppError, Create, OsKeyStore, Registry, SearchQuery,
};
use regjistri_domain::clock::SystemClock;
use regjistri_domain::dates;

#[derive(Parser)]
#[command(
    name = "regjistri",
    version,
    about = "Regjistri — the registry's command line"
)]
struct Cli {
    /// The encrypted database (default: the per-user data directory).
    #[arg(long, global = true, env = "REGJISTRI_DB")]
    db: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the encrypted database and its key (only when neither exists).
    Init {
        /// The local police directorate of this workstation (e.g. dvp-tirane).
        #[arg(long)]
        directorate: Option<String>,
    },
    /// Fill the database with invented demo files (never real people).
    Seed {
        #[arg(long)]
        count: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Search by name, personal number or date of birth (dd.mm.yyyy).
    Search {
        /// Words of the query; several words are one query ("hoxha arben").
        #[arg(required = true, num_args = 1..)]
        query: Vec<String>,
        #[arg(long)]
        municipality: Option<String>,
        #[arg(long, default_value_t = 0)]
        page: u32,
        #[arg(long, default_value_t = 25)]
        page_size: u32,
        #[arg(long)]
        json: bool,
    },
    /// Show one file.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; report the first broken link.
    Verify,
}

fn open(db: &Option<PathBuf>, create: Create) -> Result<Registry, AppError> {
    let path = match db {
        Some(p) => p.clone(),
        None => default_database_path()?,
    };
    Registry::open(
        &path,
        &OsKeyStore::new(),
        Arc::new(SystemClock),
        create,
        workstation_user(),
    )
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string_pretty(value)
        .map_err(|_| AppError::new("internal", "Gabim i brendshëm.", "Internal error."))
}

fn run(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Command::Init { directorate } => {
            let mut registry = open(&cli.db, Create::IfMissing)?;
            if let Some(d) = directorate {
                registry.set_directorate(&d)?;
            }
            let info = registry.app_info()?;
            println!("database: {}", info.database_path);
            println!(
                "station: {}  directorate: {}  files: {}",
                info.station, info.directorate_code, info.file_count
            );
        }
        Command::Seed { count, seed } => {
            let registry = open(&cli.db, Create::IfMissing)?;
            let bar = indicatif::ProgressBar::new(count as u64);
            bar.set_style(
                indicatif::ProgressStyle::with_template(
                    "{bar:40} {pos}/{len} files  {elapsed_precise}  ~{eta} left",
                )
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
            );
            let started = std::time::Instant::now();
            let written =
                registry.seed(count, seed, &mut |done, _| bar.set_position(done as u64))?;
            bar.finish_and_clear();
            eprintln!(
                "{written} demo files written in {:.1} s",
                started.elapsed().as_secs_f64()
            );
        }
        Command::Search {
            query,
            municipality,
            page,
            page_size,
            json: as_json,
        } => {
            let registry = open(&cli.db, Create::Never)?;
            let result = registry.search(&SearchQuery {
                text: query.join(" "),
                municipality_code: municipality,
                page,
                page_size,
            })?;
            if as_json {
                println!("{}", json(&result)?);
            } else {
                let first = u64::from(result.page) * u64::from(result.page_size);
                println!(
                    "{} found ({}); showing {}–{}",
                    result.total,
                    result.interpreted_as,
                    if result.items.is_empty() {
                        0
                    } else {
                        first + 1
                    },
                    first + result.items.len() as u64
                );
                for f in &result.items {
                    println!(
                        "{}  {:<8} {:<20} {:<16} {:<16} {}  {:<10} {}",
                        f.id,
                        format!("{:?}", f.matched).to_lowercase(),
                        f.surname,
                        f.given_name,
                        f.father_name,
                        dates::format(f.date_of_birth),
                        f.nid.as_deref().unwrap_or("-"),
                        f.municipality_name.as_deref().unwrap_or("-"),
                    );
                }
            }
        }
        Command::Show { id, json: as_json } => {
            let registry = open(&cli.db, Create::Never)?;
            let view = registry.get_file(Registry::parse_id(&id)?)?;
            if as_json {
                println!("{}", json(&view)?);
            } else {
                let f = &view.file;
                let i = &f.data.identity;
                println!(
                    "{}  version {}  {:?}  {}",
                    f.id, f.version, f.status, f.owning_directorate
                );
                println!(
                    "{} {} (atësia {}, ëma {})",
                    i.surname, i.given_name, i.father_name, i.mother_name
                );
                println!(
                    "born {} in {}  sex {:?}  NID {}",
                    dates::format(i.date_of_birth),
                    i.place_of_birth,
                    i.sex,
                    i.nid.as_deref().unwrap_or("-")
                );
                for c in &f.data.convictions {
                    println!(
                        "conviction {}: {} decision {} of {}, final {}, articles {}, {} months",
                        c.id,
                        c.court_code.as_deref().unwrap_or(&c.court_name),
                        c.decision_number,
                        dates::format(c.decision_date),
                        dates::format(c.final_date),
                        c.articles.join(", "),
                        c.sentence_months
                    );
                }
                for a in &f.data.addresses {
                    println!(
                        "address {:?}: {} {} from {} to {}",
                        a.kind,
                        a.municipality_code,
                        a.street,
                        dates::format(a.from),
                        a.to.map(dates::format).unwrap_or_else(|| "-".into())
                    );
                }
                for h in &view.history {
                    println!(
                        "v{} {} {} by {}: {} fields",
                        h.version,
                        h.at.to_rfc3339(),
                        h.action,
                        h.actor,
                        h.changes.len()
                    );
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let registry = open(&cli.db, Create::Never)?;
            let n = registry.verify_audit()?;
            println!("audit trail intact: {n} events verified");
        }
    }
    Ok(())
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("warn")).init();
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("{}: {} / {}", e.code, e.message.sq, e.message.en);
            for f in &e.fields {
                eprintln!(
                    "  {} {}: {} / {}",
                    f.field, f.code, f.message.sq, f.message.en
                );
            }
            ExitCode::from(1)
        }
    }
}
