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

/// How often the station synchronises in the background, as asked (REGJISTRI_SYNC_SECONDS,
/// default 60); the schedule holds it between 5 seconds and a day.
fn sync_interval() -> std::time::Duration {
    let seconds = std::env::var("REGJISTRI_SYNC_SECONDS")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(60);
    std::time::Duration::from_secs(seconds)
}

/// Synchronises with the central server while the window is open, once the workstation is
/// enrolled, whoever is signed in (the station's certificate is what the server trusts).
/// A failed round is only logged and shown on the status line: work goes on offline. The
/// waits come from `regjistri_sync::schedule`: the interval (5 seconds to a day) spread by
/// ±20 %, and after failed rounds 2, 4, 8, … intervals (at most 15 minutes with the spread,
/// unless the interval is longer), back to the interval once a round succeeds.
fn background_sync(handle: tauri::AppHandle) {
    use regjistri_sync::schedule::{RoundOutcome, Schedule};
    use tauri::Manager;
    let mut schedule = Schedule::new(sync_interval());
    log::info!(
        "background sync every {} s (spread by ±20 %)",
        schedule.interval().as_secs()
    );
    tauri::async_runtime::spawn(async move {
        let db = handle.state::<Db>();
        let Ok(registry) = db.registry() else {
            return;
        };
        tokio::time::sleep(std::time::Duration::from_secs(3)).await;
        loop {
            let outcome = if registry.station_status().is_ok_and(|s| s.enrolled) {
                // Errors are in the status; "sync_running" means "sync now" is at it.
                match registry.background_round().await {
                    Ok(_) => RoundOutcome::Succeeded,
                    Err(e) if e.code == "sync_running" => RoundOutcome::Skipped,
                    Err(_) => RoundOutcome::Failed,
                }
            } else {
                RoundOutcome::Skipped
            };
            let wait = schedule.next_delay(outcome, rand::random::<f64>());
            if outcome == RoundOutcome::Failed {
                log::info!(
                    "background sync: {} failed round(s) in a row, next in {} s",
                    schedule.failures(),
                    wait.as_secs()
                );
            }
            tokio::time::sleep(wait).await;
        }
    });
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
            commands::add_photo,
            commands::get_photo,
            commands::list_photos,
            commands::void_photo,
            commands::serve_notice,
            commands::rule_book,
            commands::preview_rules,
            commands::save_rules,
            commands::sync_status,
            commands::sync_now,
            commands::sync_issues,
            commands::enrol_station,
            commands::conflicts,
            commands::resolve_conflict,
            commands::fetch_remote_file,
        ])
        .setup(|app| {
            background_sync(app.handle().clone());
            Ok(())
        })
        .run(tauri::generate_context!());
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            log::error!("the window could not be started: {e}");
            ExitCode::FAILURE
        }
    }
}
