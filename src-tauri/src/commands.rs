//! One Tauri command per application-layer method: parse, call, return. Argument names are
//! camelCase on the JavaScript side (`baseVersion`). Commands run off the main thread
//! (`async`) so that a slow query never freezes the window.

use regjistri_app::{
    AppError, AppInfo, AuditPage, AuditQuery, ConflictDecision, ConflictItem, Dashboard, EditForm,
    EnrolRequest, FileSummary, FileView, OneTimePassword, PhotoImage, PhotoUpload, Registry,
    RemoteFileView, RuleBookView, RuleDraft, RulePreview, RuleSaved, Saved, SearchPage,
    SearchQuery, SessionInfo, StationView, SyncIssue, SyncReport, SyncStatus, Timeline,
    UserSummary,
};
use regjistri_domain::access::Role;
use regjistri_domain::file::FileDraft;
use regjistri_domain::photo::Photo;
use regjistri_domain::records::{FileRecord, RecordDraft, RuleNotice};
use regjistri_domain::reference::ReferenceSet;
use regjistri_domain::FieldError;
use tauri::State;

use crate::Db;

#[tauri::command(async)]
pub fn app_info(db: State<'_, Db>) -> Result<AppInfo, AppError> {
    db.registry()?.app_info()
}

#[tauri::command(async)]
pub fn reference_data(db: State<'_, Db>) -> Result<ReferenceSet, AppError> {
    db.registry()?.reference_data()
}

#[tauri::command(async)]
pub fn search_files(db: State<'_, Db>, query: SearchQuery) -> Result<SearchPage, AppError> {
    db.registry()?.search(&query)
}

#[tauri::command(async)]
pub fn get_file(db: State<'_, Db>, id: String) -> Result<FileView, AppError> {
    db.registry()?.get_file(Registry::parse_id(&id)?)
}

#[tauri::command(async)]
pub fn edit_file(db: State<'_, Db>, id: String) -> Result<EditForm, AppError> {
    db.registry()?.edit_file(Registry::parse_id(&id)?)
}

#[tauri::command(async)]
pub fn check_draft(db: State<'_, Db>, draft: FileDraft) -> Result<Vec<FieldError>, AppError> {
    db.registry()?.check_draft(&draft)
}

#[tauri::command(async)]
pub fn create_file(db: State<'_, Db>, draft: FileDraft) -> Result<Saved, AppError> {
    db.registry()?.create_file(&draft)
}

#[tauri::command(async)]
pub fn update_file(
    db: State<'_, Db>,
    id: String,
    base_version: i64,
    draft: FileDraft,
) -> Result<Saved, AppError> {
    db.registry()?
        .update_file(Registry::parse_id(&id)?, base_version, &draft)
}

// ---- sign-in and the session ----

#[tauri::command(async)]
pub fn sign_in(
    db: State<'_, Db>,
    user_name: String,
    password: String,
) -> Result<SessionInfo, AppError> {
    db.registry()?.sign_in(&user_name, &password)
}

#[tauri::command(async)]
pub fn sign_out(db: State<'_, Db>) -> Result<(), AppError> {
    db.registry()?.sign_out()
}

#[tauri::command(async)]
pub fn session(db: State<'_, Db>) -> Result<SessionInfo, AppError> {
    db.registry()?.session()
}

#[tauri::command(async)]
pub fn lock(db: State<'_, Db>) -> Result<(), AppError> {
    db.registry()?.lock()
}

#[tauri::command(async)]
pub fn unlock(db: State<'_, Db>, password: String) -> Result<SessionInfo, AppError> {
    db.registry()?.unlock(&password)
}

#[tauri::command(async)]
pub fn change_password(
    db: State<'_, Db>,
    current: String,
    new: String,
) -> Result<SessionInfo, AppError> {
    db.registry()?.change_password(&current, &new)
}

// ---- four-eyes approval ----

#[tauri::command(async)]
pub fn approval_queue(db: State<'_, Db>) -> Result<Vec<FileSummary>, AppError> {
    db.registry()?.approval_queue()
}

#[tauri::command(async)]
pub fn approve_file(db: State<'_, Db>, id: String, version: i64) -> Result<Saved, AppError> {
    db.registry()?
        .approve_file(Registry::parse_id(&id)?, version)
}

#[tauri::command(async)]
pub fn return_file(
    db: State<'_, Db>,
    id: String,
    version: i64,
    reason: String,
) -> Result<Saved, AppError> {
    db.registry()?
        .return_file(Registry::parse_id(&id)?, version, &reason)
}

// ---- audit ----

#[tauri::command(async)]
pub fn audit_events(db: State<'_, Db>, query: AuditQuery) -> Result<AuditPage, AppError> {
    db.registry()?.audit_events(&query)
}

#[tauri::command(async)]
pub fn verify_audit(db: State<'_, Db>) -> Result<u64, AppError> {
    db.registry()?.verify_audit()
}

// ---- users ----

#[tauri::command(async)]
pub fn list_users(db: State<'_, Db>) -> Result<Vec<UserSummary>, AppError> {
    db.registry()?.list_users()
}

#[tauri::command(async)]
pub fn create_user(
    db: State<'_, Db>,
    user_name: String,
    role: Role,
    directorate: String,
) -> Result<OneTimePassword, AppError> {
    db.registry()?.create_user(&user_name, role, &directorate)
}

#[tauri::command(async)]
pub fn reset_password(db: State<'_, Db>, id: String) -> Result<OneTimePassword, AppError> {
    db.registry()?.reset_password(Registry::parse_id(&id)?)
}

#[tauri::command(async)]
pub fn set_user_disabled(db: State<'_, Db>, id: String, disabled: bool) -> Result<(), AppError> {
    db.registry()?
        .set_user_disabled(Registry::parse_id(&id)?, disabled)
}

#[tauri::command(async)]
pub fn locked_users(db: State<'_, Db>) -> Result<Vec<UserSummary>, AppError> {
    db.registry()?.locked_users()
}

#[tauri::command(async)]
pub fn release_user(db: State<'_, Db>, id: String) -> Result<(), AppError> {
    db.registry()?.release_user(Registry::parse_id(&id)?)
}

// ---- obligations and compliance ----

#[tauri::command(async)]
pub fn dashboard(db: State<'_, Db>) -> Result<Dashboard, AppError> {
    db.registry()?.dashboard()
}

#[tauri::command(async)]
pub fn timeline(db: State<'_, Db>, id: String) -> Result<Timeline, AppError> {
    db.registry()?.timeline(Registry::parse_id(&id)?)
}

#[tauri::command(async)]
pub fn add_record(
    db: State<'_, Db>,
    file_id: String,
    draft: RecordDraft,
) -> Result<FileRecord, AppError> {
    db.registry()?
        .add_record(Registry::parse_id(&file_id)?, &draft)
}

#[tauri::command(async)]
pub fn void_record(
    db: State<'_, Db>,
    record_id: String,
    reason: String,
) -> Result<FileRecord, AppError> {
    db.registry()?
        .void_record(Registry::parse_id(&record_id)?, &reason)
}

/// The photo's bytes travel base64 in JSON both ways (at most 512 KB of image): simple, and
/// shown as a `data:` URL, which the window's content security policy allows for images.
#[tauri::command(async)]
pub fn add_photo(
    db: State<'_, Db>,
    file_id: String,
    upload: PhotoUpload,
) -> Result<Photo, AppError> {
    db.registry()?
        .add_photo(Registry::parse_id(&file_id)?, &upload)
}

#[tauri::command(async)]
pub fn get_photo(db: State<'_, Db>, photo_id: String) -> Result<PhotoImage, AppError> {
    db.registry()?.photo(Registry::parse_id(&photo_id)?)
}

#[tauri::command(async)]
pub fn list_photos(db: State<'_, Db>, file_id: String) -> Result<Vec<Photo>, AppError> {
    db.registry()?.photos(Registry::parse_id(&file_id)?)
}

#[tauri::command(async)]
pub fn void_photo(db: State<'_, Db>, photo_id: String, reason: String) -> Result<Photo, AppError> {
    db.registry()?
        .void_photo(Registry::parse_id(&photo_id)?, &reason)
}

#[tauri::command(async)]
pub fn confirm_record(db: State<'_, Db>, record_id: String) -> Result<FileRecord, AppError> {
    db.registry()?
        .confirm_record(Registry::parse_id(&record_id)?)
}

#[tauri::command(async)]
pub fn serve_notice(
    db: State<'_, Db>,
    notice_id: String,
    served_on: String,
) -> Result<RuleNotice, AppError> {
    db.registry()?
        .serve_notice(Registry::parse_id(&notice_id)?, &served_on)
}

#[tauri::command(async)]
pub fn rule_book(db: State<'_, Db>) -> Result<RuleBookView, AppError> {
    db.registry()?.rule_book()
}

#[tauri::command(async)]
pub fn preview_rules(db: State<'_, Db>, draft: RuleDraft) -> Result<RulePreview, AppError> {
    db.registry()?.preview_rules(&draft)
}

#[tauri::command]
pub async fn save_rules(db: State<'_, Db>, draft: RuleDraft) -> Result<RuleSaved, AppError> {
    db.registry()?.publish_rules(&draft).await
}

// ---- the station and synchronisation ----

#[tauri::command(async)]
pub fn sync_status(db: State<'_, Db>) -> Result<SyncStatus, AppError> {
    db.registry()?.sync_status()
}

#[tauri::command]
pub async fn sync_now(db: State<'_, Db>) -> Result<SyncReport, AppError> {
    db.registry()?.sync_now().await
}

#[tauri::command(async)]
pub fn sync_issues(db: State<'_, Db>) -> Result<Vec<SyncIssue>, AppError> {
    db.registry()?.sync_issues()
}

#[tauri::command]
pub async fn enrol_station(
    db: State<'_, Db>,
    request: EnrolRequest,
) -> Result<StationView, AppError> {
    db.registry()?.enrol_station(&request).await
}

#[tauri::command]
pub async fn conflicts(db: State<'_, Db>) -> Result<Vec<ConflictItem>, AppError> {
    db.registry()?.conflicts().await
}

#[tauri::command]
pub async fn resolve_conflict(
    db: State<'_, Db>,
    decision: ConflictDecision,
) -> Result<(), AppError> {
    db.registry()?.resolve_conflict(&decision).await
}

#[tauri::command]
pub async fn fetch_remote_file(
    db: State<'_, Db>,
    id: String,
    reason: String,
) -> Result<RemoteFileView, AppError> {
    db.registry()?
        .fetch_remote_file(Registry::parse_id(&id)?, &reason)
        .await
}
