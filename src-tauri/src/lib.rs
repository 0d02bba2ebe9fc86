//! The Tauri shell of Regjistri: opens the database at startup and exposes the application
//! layer (`regjistri_app::Registry`) as commands. No logic lives here; see commands.rs.

mod commands;
mod startup;

use std::process::ExitCode;

pub use startup::{database_path, DatabaseArg};

/// The registry the commands call, or why it could not be opened. Kept even on failure so
/// that the window still starts and shows the error (every command returns it).
pub struct Db(pub Result<regjistri_app::Registry, regjistri_app::AppError>);

impl Db {
    fn registry(&self) -> Result<&regjistri_app::Registry, regjistri_app::AppError> {
        self.0.as_ref().map_err(Clone::clone)
    }
}

/// Starts the desktop app; returns when its window is closed.
pub fn run() -> ExitCode {
    // To stderr; ids and codes only, never personal values. RUST_LOG overrides the levels.
    // try_init: a logger set by an embedding test is kept rather than panicking.
    let _ =
        env_logger::Builder::from_env(env_logger::Env::default().default_filter_or(
            "warn,regjistri_desktop=info,regjistri_app=info,regjistri_store=info",
        ))
        .try_init();

    let db = Db(startup::open_registry(std::env::args_os().skip(1), |k| {
        std::env::var_os(k)
    }));
    let result = tauri::Builder::default()
        .manage(db)
        .invoke_handler(tauri::generate_handler![
            commands::app_info,
            commands::reference_data,
            commands::search_files,
            commands::get_file,
            commands::edit_file,
            commands::check_draft,
            commands::create_file,
            commands::update_file,
            commands::sign_in,
            commands::sign_out,
            commands::session,
            commands::lock,
            commands::unlock,
            commands::change_password,
            commands::approval_queue,
            commands::approve_file,
            commands::return_file,
            commands::audit_events,
            commands::verify_audit,
            commands::list_users,
            commands::create_user,
            commands::reset_password,
            commands::set_user_disabled,
            commands::locked_users,
            commands::release_user,
            commands::dashboard,
            commands::timeline,
            commands::add_record,
            commands::void_record,
            commands::confirm_record,
            commands::serve_notice,
            commands::rule_book,
            commands::preview_rules,
            commands::save_rules,
        ])
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("the window could not be started: {e}");
            ExitCode::FAILURE
        }
    }
}
