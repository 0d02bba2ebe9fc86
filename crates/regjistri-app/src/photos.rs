//! Photos of registered persons: added by the officers of the owning directorate (the window
//! downscales the picture and sends it base64), seen by them only (each image shown is
//! audited as a view), listed, and voided by a supervisor other than who took it, with a
//! reason. A check-in names the photo taken at it.

use regjistri_domain::access::{self, Operation};
use regjistri_domain::dates::{self, local_date};
use regjistri_domain::file::FileStatus;
use regjistri_domain::photo::{self, Photo};
use regjistri_domain::FieldError;
use regjistri_store::{AuditEvent, NewPhoto};
use uuid::Uuid;

use crate::api::{PhotoImage, PhotoUpload};
use crate::obligations::void_reason;
use crate::{AppError, Registry};

/// The error for bytes that are not taken as a photo: its own stable code, and the field.
fn photo_refused(problem: photo::PhotoProblem) -> AppError {
    let code = problem.code();
    let field = FieldError::error("photo", code);
    let message = field.message.clone();
    let code = if code == "required" {
        "photo_required"
    } else {
        code
    };
    AppError {
        code: code.to_string(),
        message,
        fields: vec![field],
    }
}

fn viewed(file_id: Uuid, photo_id: Uuid) -> AuditEvent {
    AuditEvent {
        action: "photo.view".into(),
        object_type: "offender_file".into(),
        object_id: file_id.to_string(),
        outcome: format!("ok photo={photo_id}"),
    }
}

impl Registry {
    /// Whether the signed-in officer may do `op` on something of `owner` (no audit: for what
    /// a screen offers).
    pub(crate) fn may(&self, op: Operation, owner: &str) -> bool {
        let guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        guard
            .as_ref()
            .is_some_and(|s| access::permitted(s.user.role, &s.user.directorate, op, Some(owner)))
    }

    fn photo_owner(&self, photo_id: Uuid) -> Result<(Photo, String), AppError> {
        let store = self.store()?;
        let photo = store.photo(photo_id)?;
        let owner = store.file(photo.file_id)?.owning_directorate;
        Ok((photo, owner))
    }

    /// Adds a photo to a file of the officer's directorate: the bytes must be a whole JPEG
    /// or PNG (by content) of at most 512 KB and 4096 pixels a side; the day it was taken
    /// cannot be in the future.
    pub fn add_photo(&self, file_id: Uuid, upload: &PhotoUpload) -> Result<Photo, AppError> {
        let owner = || Ok(self.store()?.file(file_id)?.owning_directorate);
        let (actor, _) = self.authorize_on(Operation::AddRecord, owner)?;
        if self.store()?.file(file_id)?.status == FileStatus::Removed {
            return Err(AppError::new(
                "file_removed",
                "Dosja është hequr nga regjistri; nuk shtohen të dhëna të reja.",
                "The file was removed from the registry; nothing new can be added.",
            ));
        }
        let now = self.clock.now();
        let taken_on = match dates::parse_input(&upload.taken_on) {
            _ if upload.taken_on.trim().is_empty() => {
                Err(FieldError::error("taken_on", "required"))
            }
            Ok(d) if d > local_date(now) => Err(FieldError::error("taken_on", "date_in_future")),
            Ok(d) => Ok(d),
            Err(e) => Err(FieldError::error("taken_on", e.code())),
        }
        .map_err(|e| AppError::validation(vec![e]))?;
        // Base64 of at most the largest photo: longer text is refused before decoding.
        let text = upload.data_base64.trim();
        if text.is_empty() {
            return Err(photo_refused(photo::PhotoProblem::Empty));
        }
        if text.len() > photo::MAX_PHOTO_BYTES.div_ceil(3) * 4 {
            return Err(photo_refused(photo::PhotoProblem::TooLarge));
        }
        let bytes = regjistri_sync::document::decode_bytes(text)
            .map_err(|_| photo_refused(photo::PhotoProblem::Format))?;
        let facts = photo::inspect(&bytes).map_err(photo_refused)?;
        let photo = self.store()?.add_photo(
            NewPhoto {
                file_id,
                taken_on,
                media_type: facts.media_type,
                width: facts.width,
                height: facts.height,
                bytes,
            },
            &actor,
            now,
        )?;
        log::info!("photo {} added to file {file_id}", photo.id);
        Ok(photo)
    }

    /// A photo with its image, for the officers of the owning directorate; audited as a view.
    pub fn photo(&self, photo_id: Uuid) -> Result<PhotoImage, AppError> {
        let (actor, _) =
            self.authorize_on(Operation::ViewPhoto, || Ok(self.photo_owner(photo_id)?.1))?;
        let mut store = self.store()?;
        let (photo, bytes) = store.photo_bytes(photo_id)?;
        store.record(&actor, self.clock.now(), &viewed(photo.file_id, photo.id))?;
        Ok(PhotoImage {
            data_base64: regjistri_sync::document::encode_bytes(&bytes),
            photo,
        })
    }

    /// A file's photos (what is said of them, not the images), newest first, voided ones
    /// included and marked.
    pub fn photos(&self, file_id: Uuid) -> Result<Vec<Photo>, AppError> {
        self.authorize_on(Operation::ViewPhoto, || {
            Ok(self.store()?.file(file_id)?.owning_directorate)
        })?;
        Ok(self.store()?.photos(file_id)?)
    }

    /// Voids a photo (a supervisor of the directorate other than who took it, with a
    /// reason); it stays, marked, and is no longer the person's latest.
    pub fn void_photo(&self, photo_id: Uuid, reason: &str) -> Result<Photo, AppError> {
        let (actor, _) = self.authorize_on(Operation::ConfirmRecord, || {
            Ok(self.photo_owner(photo_id)?.1)
        })?;
        let reason = void_reason(reason)?;
        if self.store()?.photo(photo_id)?.taken_by == actor.user {
            return Err(AppError::new(
                "own_work",
                "Nuk mund të shfuqizoni një foto që e keni bërë vetë.",
                "You cannot void a photo you took yourself.",
            ));
        }
        Ok(self
            .store()?
            .void_photo(photo_id, reason, &actor, self.clock.now())?)
    }

    /// A check-in's photo must be one of the same file, not voided.
    pub(crate) fn check_photo_of(&self, file_id: Uuid, photo_id: Uuid) -> Result<(), AppError> {
        let found = match self.store()?.photo(photo_id) {
            Ok(p) => p.file_id == file_id && p.void.is_none(),
            Err(regjistri_store::StoreError::NotFound(_)) => false,
            Err(e) => return Err(e.into()),
        };
        if found {
            Ok(())
        } else {
            Err(AppError::validation(vec![FieldError::error(
                "photo_id",
                "photo_unknown",
            )]))
        }
    }
}
