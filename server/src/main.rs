//! The `regjistri-server` command: parsing and printing only.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use regjistri_server::commands::{self, CommandError, Database};

#[derive(Parser)]
#[command(
    name = "regjistri-server",
    version,
    about = "The Regjistri central directorate server"
)]
struct Cli {
    /// The server's state folder: CA and server certificate.
    #[arg(
        long,
        env = "REGJISTRI_SERVER_DIR",
        default_value = "server-state",
        global = true
    )]
    dir: PathBuf,
    #[command(subcommand)]
    command: Command,
}

/// The database's two logins: its owner's, for the schema, and the application role's, for
/// every operation.
#[derive(Args)]
struct DatabaseArgs {
    /// The database as its owner: the schema is made and brought up to date with it.
    #[arg(long, env = "DATABASE_URL")]
    database_url: Option<String>,
    /// The database as the role regjistri_app, which every operation runs as. Default:
    /// DATABASE_URL with the user regjistri_app and no password (a local cluster that
    /// trusts its socket, as scripts/server.sh makes).
    #[arg(long, env = "APP_DATABASE_URL")]
    app_database_url: Option<String>,
}

impl DatabaseArgs {
    fn database(self) -> Database {
        Database {
            owner_url: self.database_url,
            app_url: self.app_database_url,
        }
    }
}

#[derive(Subcommand)]
enum Command {
    /// Create the CA and the server certificate (when missing) and, as the database's
    /// owner, the schema and the login of the role regjistri_app.
    Init {
        /// A host name or IP address stations use to reach the server (repeatable).
        #[arg(long = "host", default_value = "localhost")]
        hosts: Vec<String>,
        /// The database as its owner.
        #[arg(long, env = "DATABASE_URL")]
        database_url: String,
    },
    /// Serve stations over mutual TLS until Ctrl-C or SIGTERM, logged in to the database as
    /// regjistri_app (never as the owner: such a login is refused). Run init first.
    Serve {
        #[arg(long, default_value = "0.0.0.0:8443")]
        listen: SocketAddr,
        #[command(flatten)]
        database: DatabaseArgs,
        /// How long deletions are kept for offline stations.
        #[arg(long, default_value_t = regjistri_central::DEFAULT_TOMBSTONE_DAYS)]
        tombstone_days: i64,
        #[arg(long, default_value_t = 16)]
        max_connections: u32,
    },
    /// Issue a station's certificate, enrol it, and write its bundle for import.
    EnrolStation {
        /// The station's code, e.g. st-tr-01.
        code: String,
        /// The directorate it belongs to, e.g. dvp-tirane.
        #[arg(long)]
        directorate: String,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Where to write the bundle (default: CODE.station.pem).
        #[arg(long)]
        out: Option<PathBuf>,
        #[arg(long, default_value_t = 730)]
        valid_days: i64,
        /// A station of the central administration (the General Directorate): it may
        /// manage accounts of every directorate, grant the administrator and auditor roles
        /// and make rule versions. Without it the station is bounded by its directorate.
        #[arg(long)]
        administration: bool,
        /// Who enrols (for the server's audit trail).
        #[arg(long, env = "USER", default_value = "administrator")]
        by: String,
    },
    /// Print the OpenAPI description of the endpoints.
    Openapi,
    /// The national reference data (territory, directorates, courts, articles, countries).
    Reference {
        #[command(subcommand)]
        command: ReferenceCommand,
    },
}

#[derive(Subcommand)]
enum ReferenceCommand {
    /// Print the current national reference data as JSON (to edit into the next set).
    Export {
        #[command(flatten)]
        database: DatabaseArgs,
    },
    /// Publish a new set (JSON, with a new "version"): it must keep every row of the
    /// current one (end a row's validity instead of deleting it); every station gets it.
    Publish {
        file: PathBuf,
        #[command(flatten)]
        database: DatabaseArgs,
        /// Who publishes (for the server's audit trail).
        #[arg(long, env = "USER", default_value = "administrator")]
        by: String,
    },
}

fn fail(e: &CommandError) -> ExitCode {
    let m = e.message();
    eprintln!("gabim / error [{}]: {}\n  {}", e.code(), m.sq, m.en);
    log::debug!("{e}");
    ExitCode::FAILURE
}

fn main() -> ExitCode {
    env_logger::Builder::from_env(env_logger::Env::default().default_filter_or("info")).init();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("gabim / error: tokio: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = runtime.block_on(async {
        match cli.command {
            Command::Init {
                hosts,
                database_url,
            } => {
                let done = commands::init(&cli.dir, &hosts, &database_url).await?;
                println!(
                    "{}: CA {}, server certificate {}, database schema up to date",
                    cli.dir.display(),
                    if done.created_ca { "created" } else { "kept" },
                    if done.created_server_certificate {
                        "created"
                    } else {
                        "kept"
                    },
                );
                Ok(())
            }
            Command::Serve {
                listen,
                database,
                tombstone_days,
                max_connections,
            } => {
                commands::serve(
                    &cli.dir,
                    &database.database().app_url()?,
                    listen,
                    tombstone_days,
                    max_connections,
                )
                .await
            }
            Command::EnrolStation {
                code,
                directorate,
                database,
                out,
                valid_days,
                administration,
                by,
            } => {
                let out = out.unwrap_or_else(|| PathBuf::from(format!("{code}.station.pem")));
                let sha = commands::enrol_station(
                    &cli.dir,
                    &database.database(),
                    &commands::StationToEnrol {
                        code: &code,
                        directorate: &directorate,
                        administration,
                        valid_days,
                    },
                    &out,
                    &by,
                )
                .await?;
                println!(
                    "station {code} ({directorate}{}) enrolled; certificate SHA-256 {sha}\n\
                     bundle (certificate, private key, server CA): {}\n\
                     hand it to the station over a trusted channel; it imports the key into its OS key store, then deletes the file",
                    if administration { ", administration" } else { "" },
                    out.display()
                );
                Ok(())
            }
            Command::Openapi => {
                println!("{:#}", regjistri_server::openapi::document());
                Ok(())
            }
            Command::Reference {
                command: ReferenceCommand::Export { database },
            } => {
                println!(
                    "{}",
                    commands::export_reference(&database.database()).await?
                );
                Ok(())
            }
            Command::Reference {
                command:
                    ReferenceCommand::Publish {
                        file,
                        database,
                        by,
                    },
            } => {
                let (version, seq) =
                    commands::publish_reference(&database.database(), &file, &by).await?;
                println!("reference data {version} published (feed number {seq}); stations get it with their next round");
                Ok(())
            }
        }
    });
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => fail(&e),
    }
}
