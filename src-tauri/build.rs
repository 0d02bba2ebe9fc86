//! Generates the Tauri context and the access-control list: only the application's own
//! commands exist as permissions, and src-tauri/capabilities/ grants them to the main window.

/// Every command in src-tauri/src/commands.rs; a command missing here cannot be invoked.
const COMMANDS: &[&str] = &[
    "app_info",
    "reference_data",
    "search_files",
    "get_file",
    "edit_file",
    "check_draft",
    "create_file",
    "update_file",
    "sign_in",
    "sign_out",
    "session",
    "lock",
    "unlock",
    "change_password",
    "approval_queue",
    "approve_file",
    "return_file",
    "audit_events",
    "verify_audit",
    "list_users",
    "create_user",
    "reset_password",
    "set_user_disabled",
    "locked_users",
    "release_user",
    "dashboard",
    "timeline",
    "add_record",
    "void_record",
    "confirm_record",
    "add_photo",
    "get_photo",
    "list_photos",
    "void_photo",
    "serve_notice",
    "rule_book",
    "preview_rules",
    "save_rules",
    "sync_status",
    "sync_now",
    "sync_issues",
    "enrol_station",
    "conflicts",
    "resolve_conflict",
    "fetch_remote_file",
];

fn main() {
    println!("cargo:rerun-if-changed=src-tauri/capabilities");
    println!("cargo:rerun-if-changed=tauri.conf.json");
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("src-tauri/capabilities/**/*")
        .app_manifest(tauri_build::AppManifest::new().commands(COMMANDS));
    if let Err(e) = tauri_build::try_build(attributes) {
        // A build script reports by failing the build; there is no user to show this to.
        println!("cargo:warning=tauri-build failed: {e:#}");
        std::process::exit(1);
    }
}
