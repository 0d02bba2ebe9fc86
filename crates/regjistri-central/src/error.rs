//! Errors of the central layer: a stable code and a message in Albanian and English. No
//! personal value ever goes into one (ids and codes only).

use regjistri_domain::Text;
use regjistri_sync::audit_chain::ChainBreak;

#[derive(Debug, thiserror::Error)]
pub enum CentralError {
    #[error("database: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a push holds {count} mutations, more than {max}")]
    BatchTooLarge { count: usize, max: usize },
    #[error("cursor {after} is older than the kept tombstones (horizon {horizon})")]
    ResnapshotRequired { after: i64, horizon: i64 },
    #[error("audit chain: {0}")]
    AuditChain(ChainBreak),
    #[error("station {0} is not enrolled or is disabled")]
    UnknownStation(String),
    #[error("station {0} is already enrolled")]
    StationExists(String),
    #[error("not found: {0}")]
    NotFound(String),
    #[error("record {0} not found")]
    RecordNotFound(String),
    #[error("conflict {0} not found")]
    ConflictNotFound(String),
    #[error("conflict {0} is already resolved")]
    ConflictResolved(String),
    /// Four eyes: the deciding officer made one of the changes concerned.
    #[error("conflict {0} concerns the decider's own change")]
    OwnWork(String),
    /// Only a station of the administration may do this (rule versions).
    #[error("station {0} is not an administration station")]
    AdministrationOnly(String),
    /// Too many pushes wait to be committed: try again later.
    #[error("too many pushes waiting")]
    Busy,
    #[error("invalid request: {0}")]
    Invalid(String),
    /// A supervisor's decision on a conflict whose chosen or typed value does not fit the
    /// field or makes the record invalid: the conflict stays open.
    #[error("the chosen value does not fit: {0}")]
    ChoiceInvalid(String),
    #[error("stored data is damaged: {0}")]
    Corrupt(String),
    /// The application role cannot log in, and the owner may not make it (no CREATEROLE).
    #[error("the role regjistri_app cannot log in")]
    AppLoginMissing,
    /// The database's schema is not the one this build migrates to (`init` not run).
    #[error("database schema version {database:?}, this server's {server}")]
    SchemaNotCurrent { database: Option<i64>, server: i64 },
    /// The server was given a login that holds, or may take, more than the application's
    /// grants (the owner, a superuser, ...): it does not serve with it.
    #[error("the database login {login} may act as {role}, which {}", privilege.describe())]
    PrivilegedLogin {
        login: String,
        role: String,
        privilege: crate::login::Privilege,
    },
}

impl CentralError {
    /// The stable machine code a client classifies by.
    pub fn code(&self) -> &'static str {
        match self {
            CentralError::Database(_) | CentralError::Migrate(_) => "database_unavailable",
            CentralError::BatchTooLarge { .. } => "batch_too_large",
            CentralError::ResnapshotRequired { .. } => "resnapshot_required",
            CentralError::AuditChain(ChainBreak::Gap { .. }) => "audit_chain_gap",
            CentralError::AuditChain(ChainBreak::Fork { .. }) => "audit_chain_fork",
            CentralError::AuditChain(ChainBreak::BadHash { .. }) => "audit_hash_mismatch",
            CentralError::UnknownStation(_) => "station_unknown",
            CentralError::StationExists(_) => "station_exists",
            CentralError::NotFound(_) => "not_found",
            CentralError::RecordNotFound(_) => "record_not_found",
            CentralError::ConflictNotFound(_) => "conflict_not_found",
            CentralError::ConflictResolved(_) => "conflict_resolved",
            CentralError::OwnWork(_) => "own_work",
            CentralError::AdministrationOnly(_) => "administration_only",
            CentralError::Busy => "server_busy",
            CentralError::Invalid(_) => "invalid_request",
            CentralError::ChoiceInvalid(_) => "choice_invalid",
            CentralError::Corrupt(_) => "internal",
            CentralError::AppLoginMissing => "app_login_missing",
            CentralError::SchemaNotCurrent { .. } => "schema_not_current",
            CentralError::PrivilegedLogin { .. } => "database_login_privileged",
        }
    }

    pub fn message(&self) -> Text {
        match self {
            CentralError::Database(_) | CentralError::Migrate(_) => Text::new(
                "Baza e të dhënave qendrore nuk është e disponueshme. Provoni përsëri më vonë.",
                "The central database is unavailable. Try again later.",
            ),
            CentralError::BatchTooLarge { max, .. } => Text::new(
                format!("Një dërgesë mund të ketë të shumtën {max} ndryshime."),
                format!("A push may hold at most {max} mutations."),
            ),
            CentralError::ResnapshotRequired { .. } => Text::new(
                "Stacioni ka qenë jashtë linje më gjatë se sa ruhen fshirjet: duhet një sinkronizim i plotë.",
                "The station was offline longer than deletions are kept: a full re-synchronisation is needed.",
            ),
            CentralError::AuditChain(ChainBreak::Gap { seq }) => Text::new(
                format!("Gjurma e auditimit ka një boshllëk para ngjarjes {seq}."),
                format!("The audit trail has a gap before event {seq}."),
            ),
            CentralError::AuditChain(ChainBreak::Fork { seq }) => Text::new(
                format!("Gjurma e auditimit nuk vazhdon ku mbaroi: ngjarja {seq} është ndryshe."),
                format!("The audit trail does not continue where it ended: event {seq} differs."),
            ),
            CentralError::AuditChain(ChainBreak::BadHash { seq }) => Text::new(
                format!("Ngjarja e auditimit {seq} nuk përputhet me kontrollin e saj."),
                format!("Audit event {seq} does not match its hash."),
            ),
            CentralError::UnknownStation(_) => Text::new(
                "Ky stacion nuk është i regjistruar ose është çaktivizuar.",
                "This station is not enrolled or has been disabled.",
            ),
            CentralError::StationExists(code) => Text::new(
                format!("Stacioni {code} është regjistruar më parë."),
                format!("Station {code} is already enrolled."),
            ),
            CentralError::NotFound(_) => Text::new("Nuk u gjet.", "Not found."),
            CentralError::RecordNotFound(_) => Text::new(
                "Dosja nuk ekziston në server.",
                "The file does not exist on the server.",
            ),
            CentralError::ConflictNotFound(_) => Text::new(
                "Konflikti nuk u gjet në drejtorinë tuaj.",
                "The conflict was not found in your directorate.",
            ),
            CentralError::ConflictResolved(_) => Text::new(
                "Ky konflikt është zgjidhur tashmë.",
                "This conflict is already resolved.",
            ),
            CentralError::OwnWork(_) => Text::new(
                "Nuk mund të vendosni për një konflikt ku një nga ndryshimet është i juaji.",
                "You cannot decide a conflict in which one of the changes is your own.",
            ),
            CentralError::AdministrationOnly(_) => Text::new(
                "Këtë e bën vetëm një stacion i administratës qendrore (Drejtoria e Përgjithshme).",
                "Only a station of the central administration (the General Directorate) can do this.",
            ),
            CentralError::Busy => Text::new(
                "Serveri qendror është i ngarkuar. Ndryshimet do të dërgohen përsëri së shpejti.",
                "The central server is busy. The changes will be sent again shortly.",
            ),
            CentralError::Invalid(_) => Text::new(
                "Kërkesa nuk është e vlefshme.",
                "The request is not valid.",
            ),
            CentralError::ChoiceInvalid(_) => Text::new(
                "Vlera e zgjedhur ose e shkruar nuk vlen për këtë fushë; konflikti mbetet i hapur.",
                "The chosen or typed value is not valid for this field; the conflict stays open.",
            ),
            CentralError::Corrupt(_) => Text::new(
                "Gabim i brendshëm i serverit.",
                "Internal server error.",
            ),
            CentralError::AppLoginMissing => Text::new(
                "Roli regjistri_app nuk mund të hyjë në bazë dhe pronari nuk ka të drejtë ta lejojë. \
                 Administratori i bazës: ALTER ROLE regjistri_app LOGIN PASSWORD '…';",
                "The role regjistri_app cannot log in and the owner may not allow it. \
                 The database administrator: ALTER ROLE regjistri_app LOGIN PASSWORD '…';",
            ),
            CentralError::SchemaNotCurrent { database, server } => {
                let database = database.map_or("?".to_string(), |v| v.to_string());
                Text::new(
                    format!(
                        "Skema e bazës është në versionin {database}, ky server kërkon {server}: \
                         ekzekutoni `regjistri-server init` me DATABASE_URL të pronarit."
                    ),
                    format!(
                        "The database schema is at version {database}, this server needs {server}: \
                         run `regjistri-server init` with the owner's DATABASE_URL."
                    ),
                )
            }
            CentralError::PrivilegedLogin {
                login,
                role,
                privilege,
            } => Text::new(
                format!(
                    "Serveri nuk shërben me hyrjen {login} në bazë: ajo mund të veprojë si {role}, \
                     që {}. Jepini hyrjen e rolit regjistri_app (APP_DATABASE_URL).",
                    privilege.describe_sq()
                ),
                format!(
                    "The server does not serve with the database login {login}: it may act as \
                     {role}, which {}. Give it the login of the role regjistri_app \
                     (APP_DATABASE_URL).",
                    privilege.describe()
                ),
            ),
        }
    }
}
