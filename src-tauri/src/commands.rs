//! One Tauri command per application-layer method: parse, call, return. Argument names are
//! camelCase on the JavaScript side (`baseVersion`). Commands run off the main thread
//! (`async`) so that a slow query never freezes the window.

use regjistri_app::{
    AppError, AppInfo, EditForm, FileView, Registry, Saved, SearchPage, SearchQuery,
};
use regjistri_domain::file::FileDraft;
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
