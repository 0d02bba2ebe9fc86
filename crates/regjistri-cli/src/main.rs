//! `regjistri`: administrators' and scripts' command line. Each command parses its
//! arguments, calls one method of the application layer and prints the result.
//! Errors go to standard error as `code: message (sq) / message (en)`, exit status 1.

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, Subcommand};
use regjistri_app::{
    default_database_path, workstation_user, AppError, AuditQuery, Create, OsKeyStore, Registry,
    SearchQuery,
};
use regjistri_domain::access::Role;
use regjistri_domain::clock::SystemClock;
use regjistri_domain::dates;

/// Prints a line to standard output; a closed pipe (`regjistri overdue | head`) ends the
/// program quietly instead of panicking.
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        if let Err(e) = writeln!(std::io::stdout(), $($arg)*) {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                std::process::exit(0);
            }
        }
    }};
}

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
    /// Sign in as this user (the password is asked for, or read from REGJISTRI_PASSWORD).
    #[arg(long, global = true, env = "REGJISTRI_USER")]
    user: Option<String>,
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
    /// Registered persons of your directorate who missed a report, longest overdue first.
    Overdue {
        /// Also list reports due soon, trips under way and absconded persons.
        #[arg(long)]
        all: bool,
        #[arg(long)]
        json: bool,
    },
    /// The audit trail.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Users and their accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Change your own password (required after a reset).
    Password,
    /// This workstation as a station of the central server.
    Station {
        #[command(subcommand)]
        command: StationCommand,
    },
    /// Synchronise with the central server now: push this station's changes, pull the
    /// server's, upload the audit trail.
    Sync {
        #[command(subcommand)]
        command: Option<SyncCommand>,
    },
}

#[derive(Subcommand)]
enum StationCommand {
    /// Enrol this workstation with the bundle `regjistri-server enrol-station` wrote
    /// (administrators; online). The private key goes into the OS key store and the bundle
    /// file is deleted unless --keep-bundle.
    Enrol {
        /// https://host:port of the central server.
        #[arg(long)]
        server: String,
        #[arg(long)]
        bundle: PathBuf,
        #[arg(long)]
        keep_bundle: bool,
    },
    /// Enrolment and synchronisation status.
    Status {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum SyncCommand {
    /// This station's changes the server did not simply apply (conflicts, rejections).
    Issues {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create the first administrator; only while no user exists. Asks for the password.
    CreateAdmin {
        name: String,
        #[arg(long, default_value = regjistri_app::DEFAULT_DIRECTORATE)]
        directorate: String,
    },
    /// Add a user (administrators); prints a one-time password to hand over.
    Add {
        name: String,
        #[arg(long)]
        role: String,
        #[arg(long)]
        directorate: String,
    },
    /// List users (administrators).
    List,
    /// Force a new one-time password (administrators).
    Reset { name: String },
    /// Disable an account (administrators).
    Disable { name: String },
    /// Enable a disabled account (administrators).
    Enable { name: String },
    /// Release an account locked after failed sign-ins.
    Release { name: String },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain; report the first broken link.
    Verify,
    /// Read the trail, newest first (auditors).
    List {
        /// Only this officer's events (`--user` is who signs in to read).
        #[arg(long)]
        actor: Option<String>,
        #[arg(long)]
        action: Option<String>,
        #[arg(long)]
        object: Option<String>,
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
}

fn read_password(prompt: &str) -> Result<String, AppError> {
    if let Ok(p) = std::env::var("REGJISTRI_PASSWORD") {
        return Ok(p);
    }
    rpassword::prompt_password(prompt)
        .map_err(|_| AppError::invalid_input("nuk u dha fjalëkalim", "no password given"))
}

/// Signs in the user named by --user / REGJISTRI_USER.
fn sign_in(registry: &Registry, user: &Option<String>) -> Result<(), AppError> {
    let Some(name) = user else {
        return Err(AppError::new(
            "no_session",
            "Jepni përdoruesin me --user (ose REGJISTRI_USER).",
            "Give the user with --user (or REGJISTRI_USER).",
        ));
    };
    let password = read_password(&format!("Fjalëkalimi / password for {name}: "))?;
    registry.sign_in(name, &password)?;
    Ok(())
}

fn open(db: &Option<PathBuf>, create: Create) -> Result<Registry, AppError> {
    let path = match db {
        Some(p) => p.clone(),
        None => default_database_path()?,
    };
    Registry::open(
        &path,
        Arc::new(OsKeyStore::new()),
        Arc::new(SystemClock),
        create,
        workstation_user(),
    )
}

fn json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string_pretty(value)
        .map_err(|_| AppError::new("internal", "Gabim i brendshëm.", "Internal error."))
}

/// A runtime for the commands that talk to the central server.
fn runtime() -> Result<tokio::runtime::Runtime, AppError> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|_| AppError::new("internal", "Gabim i brendshëm.", "Internal error."))
}

fn run(cli: Cli) -> Result<(), AppError> {
    match cli.command {
        Command::Init { directorate } => {
            let mut registry = open(&cli.db, Create::IfMissing)?;
            if let Some(d) = directorate {
                if cli.user.is_some() {
                    sign_in(&registry, &cli.user)?;
                }
                registry.set_directorate(&d, &workstation_user())?;
            }
            let info = registry.app_info()?;
            out!("database: {}", info.database_path);
            out!(
                "station: {}  directorate: {}",
                info.station,
                info.directorate_code
            );
        }
        Command::Seed { count, seed } => {
            let registry = open(&cli.db, Create::Never)?;
            sign_in(&registry, &cli.user)?;
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
            sign_in(&registry, &cli.user)?;
            let result = registry.search(&SearchQuery {
                text: query.join(" "),
                municipality_code: municipality,
                page,
                page_size,
            })?;
            if as_json {
                out!("{}", json(&result)?);
            } else {
                let first = u64::from(result.page) * u64::from(result.page_size);
                out!(
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
                    out!(
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
            sign_in(&registry, &cli.user)?;
            let view = registry.get_file(Registry::parse_id(&id)?)?;
            if as_json {
                out!("{}", json(&view)?);
            } else {
                let f = &view.file;
                let i = &f.data.identity;
                out!(
                    "{}  version {}  {:?}  {}",
                    f.id,
                    f.version,
                    f.status,
                    f.owning_directorate
                );
                out!(
                    "{} {} (atësia {}, ëma {})",
                    i.surname,
                    i.given_name,
                    i.father_name,
                    i.mother_name
                );
                out!(
                    "born {} in {}  sex {:?}  NID {}",
                    dates::format(i.date_of_birth),
                    i.place_of_birth,
                    i.sex,
                    i.nid.as_deref().unwrap_or("-")
                );
                for c in &f.data.convictions {
                    out!(
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
                    out!(
                        "address {:?}: {} {} from {} to {}",
                        a.kind,
                        a.municipality_code,
                        a.street,
                        dates::format(a.from),
                        a.to.map(dates::format).unwrap_or_else(|| "-".into())
                    );
                }
                for h in &view.history {
                    out!(
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
        Command::Overdue { all, json: as_json } => {
            let registry = open(&cli.db, Create::Never)?;
            sign_in(&registry, &cli.user)?;
            let dash = registry.dashboard()?;
            if as_json {
                out!("{}", json(&dash)?);
            } else {
                out!(
                    "{}  {}: {} overdue",
                    dash.directorate,
                    dates::format(dash.today),
                    dash.overdue.len()
                );
                let print = |title: &str, rows: &[regjistri_app::DashboardRow]| {
                    if !title.is_empty() {
                        out!("\n{title}: {}", rows.len());
                    }
                    for r in rows {
                        let f = &r.file;
                        let trip = if title.starts_with("departing") {
                            r.departures.first()
                        } else {
                            r.trips.first()
                        };
                        let when = match (r.overdue_since, r.next_due, trip) {
                            _ if title.starts_with("awaiting") => format!(
                                "report of {} awaits a notice ({} unserved)",
                                r.awaiting_since.map(dates::format).unwrap_or_default(),
                                r.unserved_notices
                            ),
                            (Some(since), _, _) => format!(
                                "overdue since {} ({} days)",
                                dates::format(since),
                                r.days_overdue.unwrap_or(0)
                            ),
                            (_, _, Some(t))
                                if title.starts_with("travelling")
                                    || title.starts_with("departing") =>
                            {
                                format!(
                                    "{} {} {}–{}",
                                    t.country,
                                    t.destination,
                                    dates::format(t.departure),
                                    dates::format(t.return_date)
                                )
                            }
                            (_, Some(next), _) => format!("due {}", dates::format(next)),
                            _ => r.status.as_str().to_string(),
                        };
                        out!(
                            "{}  {:<20} {:<16} {}  {:<10} {}",
                            f.id,
                            f.surname,
                            f.given_name,
                            dates::format(f.date_of_birth),
                            f.nid.as_deref().unwrap_or("-"),
                            when
                        );
                    }
                };
                print("", &dash.overdue);
                if all {
                    print(
                        &format!("due in the next {} days", dash.due_soon_days),
                        &dash.due_soon,
                    );
                    print("travelling", &dash.travelling);
                    print(
                        &format!("departing abroad in the next {} days", dash.due_soon_days),
                        &dash.departing,
                    );
                    print("awaiting a notice to be served", &dash.awaiting_notice);
                    print("absconded", &dash.absconded);
                }
            }
        }
        Command::Audit {
            command: AuditCommand::Verify,
        } => {
            let registry = open(&cli.db, Create::Never)?;
            sign_in(&registry, &cli.user)?;
            let n = registry.verify_audit()?;
            out!("audit trail intact: {n} events verified");
        }
        Command::Audit {
            command:
                AuditCommand::List {
                    actor,
                    action,
                    object,
                    limit,
                },
        } => {
            let registry = open(&cli.db, Create::Never)?;
            sign_in(&registry, &cli.user)?;
            let query = AuditQuery {
                user: actor,
                action,
                object_id: object,
                page_size: limit,
                ..AuditQuery::default()
            };
            let page = registry.audit_events(&query)?;
            out!("{} events", page.total);
            for e in page.items {
                out!(
                    "{:>6} {} {:<16} {:<14} {:<20} {:<10} {} {}",
                    e.seq,
                    e.at,
                    e.actor,
                    e.station,
                    e.action,
                    e.outcome,
                    e.object_type,
                    e.object_id
                );
            }
        }
        Command::Password => {
            let registry = open(&cli.db, Create::Never)?;
            let name = cli
                .user
                .clone()
                .ok_or_else(|| AppError::invalid_input("duhet --user", "--user is needed"))?;
            let current = read_password("Fjalëkalimi aktual / current password: ")?;
            registry.sign_in(&name, &current)?;
            let new = new_password()?;
            registry.change_password(&current, &new)?;
            out!("password changed");
        }
        Command::Station {
            command:
                StationCommand::Enrol {
                    server,
                    bundle,
                    keep_bundle,
                },
        } => {
            let registry = open(&cli.db, Create::Never)?;
            sign_in(&registry, &cli.user)?;
            let text = std::fs::read_to_string(&bundle).map_err(|_| {
                AppError::invalid_input(
                    "paketa e stacionit nuk u lexua",
                    "the station bundle could not be read",
                )
            })?;
            let station =
                runtime()?.block_on(registry.enrol_station(&regjistri_app::EnrolRequest {
                    server_url: server,
                    bundle: text,
                }))?;
            out!(
                "enrolled as station {} of {} ({}){}",
                station.code,
                station.directorate,
                station.server_url,
                if station.administration {
                    ", a station of the central administration"
                } else {
                    ""
                }
            );
            if keep_bundle {
                eprintln!("the bundle file still holds the private key: delete it once it is no longer needed");
            } else {
                match std::fs::remove_file(&bundle) {
                    Ok(()) => out!("bundle file deleted (the private key is in the OS key store)"),
                    Err(_) => eprintln!("could not delete the bundle file: delete it by hand, it holds the private key"),
                }
            }
        }
        Command::Station {
            command: StationCommand::Status { json: as_json },
        } => {
            let registry = open(&cli.db, Create::Never)?;
            sign_in(&registry, &cli.user)?;
            let status = registry.sync_status()?;
            if as_json {
                out!("{}", json(&status)?);
            } else {
                print_status(&status);
            }
        }
        Command::Sync { command: None } => {
            let registry = open(&cli.db, Create::Never)?;
            sign_in(&registry, &cli.user)?;
            let report = runtime()?.block_on(registry.sync_now())?;
            out!(
                "pushed {} ({} conflicts, {} rejected), pulled {}{}, audit events uploaded {}{}",
                report.pushed,
                report.conflicts,
                report.rejected,
                report.pulled,
                if report.resnapshot {
                    " (full re-snapshot)"
                } else {
                    ""
                },
                report.audit_stored,
                report
                    .audit_refused
                    .map(|c| format!(" (audit upload refused: {c})"))
                    .unwrap_or_default()
            );
        }
        Command::Sync {
            command: Some(SyncCommand::Issues { json: as_json }),
        } => {
            let registry = open(&cli.db, Create::Never)?;
            sign_in(&registry, &cli.user)?;
            let issues = registry.sync_issues()?;
            if as_json {
                out!("{}", json(&issues)?);
            } else {
                out!("{} issues", issues.len());
                for i in issues {
                    out!(
                        "{}  {:<9} file {} {}  {}",
                        i.answered_at.to_rfc3339(),
                        i.kind,
                        i.file_id,
                        i.paths.join(","),
                        i.error.map(|e| e.code).unwrap_or_default()
                    );
                }
            }
        }
        Command::User { command } => {
            let registry = open(&cli.db, Create::Never)?;
            match command {
                UserCommand::CreateAdmin { name, directorate } => {
                    let password = match std::env::var("REGJISTRI_PASSWORD") {
                        Ok(p) => p,
                        Err(_) => new_password()?,
                    };
                    let u = registry.create_first_administrator(&name, &password, &directorate)?;
                    out!("administrator {} created ({})", u.user_name, u.directorate);
                }
                UserCommand::Add {
                    name,
                    role,
                    directorate,
                } => {
                    sign_in(&registry, &cli.user)?;
                    let role = Role::parse(&role).ok_or_else(|| {
                        AppError::invalid_input(
                            "roli: clerk, supervisor, administrator ose auditor",
                            "role: clerk, supervisor, administrator or auditor",
                        )
                    })?;
                    let otp = registry.create_user(&name, role, &directorate)?;
                    out!(
                        "user {} created; one-time password (hand it over; it must be changed at first sign-in): {}",
                        otp.user_name, otp.password
                    );
                }
                UserCommand::List => {
                    sign_in(&registry, &cli.user)?;
                    for u in registry.list_users()? {
                        out!(
                            "{}  {:<20} {:<13} {:<14}{}{}{}",
                            u.id,
                            u.user_name,
                            u.role.as_str(),
                            u.directorate,
                            if u.disabled { " disabled" } else { "" },
                            if u.locked { " locked" } else { "" },
                            if u.must_change_password {
                                " must-change-password"
                            } else {
                                ""
                            }
                        );
                    }
                }
                UserCommand::Reset { name } => {
                    sign_in(&registry, &cli.user)?;
                    let id = registry.user_by_name(&name)?.id;
                    let otp = registry.reset_password(id)?;
                    out!("one-time password for {}: {}", otp.user_name, otp.password);
                }
                UserCommand::Disable { name } => {
                    sign_in(&registry, &cli.user)?;
                    let id = registry.user_by_name(&name)?.id;
                    registry.set_user_disabled(id, true)?;
                    out!("{name} disabled");
                }
                UserCommand::Enable { name } => {
                    sign_in(&registry, &cli.user)?;
                    let id = registry.user_by_name(&name)?.id;
                    registry.set_user_disabled(id, false)?;
                    out!("{name} enabled");
                }
                UserCommand::Release { name } => {
                    sign_in(&registry, &cli.user)?;
                    let user = registry
                        .locked_users()?
                        .into_iter()
                        .find(|u| u.user_name == name)
                        .ok_or_else(|| {
                            AppError::new(
                                "not_found",
                                "Nuk ka llogari të bllokuar me këtë emër që mund ta zhbllokoni.",
                                "No locked account by that name that you may release.",
                            )
                        })?;
                    registry.release_user(user.id)?;
                    out!("{name} released");
                }
            }
        }
    }
    Ok(())
}

fn print_status(s: &regjistri_app::SyncStatus) {
    out!("station: {}  directorate: {}", s.station, s.directorate);
    match &s.server_url {
        None => out!("not enrolled"),
        Some(url) => out!(
            "server: {url}  {}",
            if s.administration {
                "central administration station"
            } else {
                "regional station"
            }
        ),
    }
    out!(
        "pending changes: {}  rejected: {}  files of other directorates: {}",
        s.pending,
        s.rejected,
        s.national_files
    );
    out!(
        "last successful sync: {}",
        s.last_success_at
            .map(|t| t.to_rfc3339())
            .unwrap_or_else(|| "never".into())
    );
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

/// A new password typed twice (or REGJISTRI_NEW_PASSWORD for scripts).
fn new_password() -> Result<String, AppError> {
    if let Ok(p) = std::env::var("REGJISTRI_NEW_PASSWORD") {
        return Ok(p);
    }
    let a = rpassword::prompt_password("Fjalëkalimi i ri / new password: ")
        .map_err(|_| AppError::invalid_input("nuk u dha fjalëkalim", "no password given"))?;
    let b = rpassword::prompt_password("Përsëriteni / repeat: ")
        .map_err(|_| AppError::invalid_input("nuk u dha fjalëkalim", "no password given"))?;
    if a != b {
        return Err(AppError::invalid_input(
            "dy fjalëkalimet ndryshojnë",
            "the two passwords differ",
        ));
    }
    Ok(a)
}
