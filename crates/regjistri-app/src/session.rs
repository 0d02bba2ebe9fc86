//! Sign-in, the session and authorisation. Every operation asks [`Registry::authorize`]
//! first: no live, unlocked session, no operation, whatever the UI does.
//!
//! * One session per process (one officer at one window, or one command-line run).
//! * The screen locks after `idle` without activity (15 minutes by default, never above 30)
//!   and the session ends 12 hours after sign-in, whatever the activity.
//! * A user whose password was reset must change it before anything else.

use chrono::{DateTime, Duration, Utc};
use regjistri_domain::access::{self, Operation, Role};
use regjistri_domain::password::{self, valid_user_name};
use regjistri_store::{Actor, AuditEvent, NewUser, SignIn, User};

use crate::api::{AppError, OneTimePassword, SessionInfo, UserSummary};
use crate::Registry;

pub const DEFAULT_IDLE_MINUTES: u32 = 15;
pub const MAX_IDLE_MINUTES: u32 = 30;
pub const SESSION_HOURS: i64 = 12;

pub(crate) struct Session {
    pub user: User,
    pub signed_in_at: DateTime<Utc>,
    pub last_activity: DateTime<Utc>,
    pub locked: bool,
}

fn refused() -> AppError {
    AppError::new(
        "sign_in_refused",
        "Emri i përdoruesit ose fjalëkalimi nuk është i saktë.",
        "The user name or password is not correct.",
    )
}

fn locked_account() -> AppError {
    AppError::new(
        "account_locked",
        "Llogaria është bllokuar pas shumë përpjekjeve të gabuara. Një mbikëqyrës ose administrator duhet ta zhbllokojë.",
        "The account is locked after too many failed attempts. A supervisor or administrator must release it.",
    )
}

pub(crate) fn no_session() -> AppError {
    AppError::new(
        "no_session",
        "Hyni në sistem për të vazhduar.",
        "Sign in to continue.",
    )
}

fn session_locked() -> AppError {
    AppError::new(
        "session_locked",
        "Ekrani është kyçur. Shkruani fjalëkalimin për të vazhduar.",
        "The screen is locked. Enter your password to continue.",
    )
}

fn session_expired() -> AppError {
    AppError::new(
        "session_expired",
        "Sesioni mbaroi pas 12 orësh. Hyni përsëri.",
        "The session ended after 12 hours. Sign in again.",
    )
}

pub(crate) fn forbidden() -> AppError {
    AppError::new(
        "forbidden",
        "Nuk keni të drejtë për këtë veprim.",
        "You are not allowed to do this.",
    )
}

fn password_change_required() -> AppError {
    AppError::new(
        "password_change_required",
        "Duhet të ndryshoni fjalëkalimin para se të vazhdoni.",
        "You must change your password before continuing.",
    )
}

fn password_problem(code: &str) -> AppError {
    let (sq, en) = match code {
        "password_too_short" => (
            "Fjalëkalimi duhet të ketë të paktën 12 shenja.",
            "The password needs at least 12 characters.",
        ),
        "password_too_long" => (
            "Fjalëkalimi është shumë i gjatë.",
            "The password is too long.",
        ),
        "password_common" => (
            "Ky fjalëkalim është shumë i zakonshëm.",
            "This password is too common.",
        ),
        "password_contains_user_name" => (
            "Fjalëkalimi nuk duhet të përmbajë emrin e përdoruesit.",
            "The password must not contain the user name.",
        ),
        _ => (
            "Fjalëkalimi është shumë i thjeshtë.",
            "The password is too simple.",
        ),
    };
    AppError::new(code, sq, en)
}

fn summary(u: &User) -> UserSummary {
    UserSummary {
        id: u.id,
        user_name: u.user_name.clone(),
        role: u.role,
        directorate: u.directorate.clone(),
        disabled: u.disabled,
        locked: u.locked_at.is_some(),
        must_change_password: u.must_change_password,
    }
}

impl Registry {
    fn info(&self, s: &Session) -> SessionInfo {
        SessionInfo {
            user_id: s.user.id,
            user_name: s.user.user_name.clone(),
            role: s.user.role,
            directorate: s.user.directorate.clone(),
            must_change_password: s.user.must_change_password,
            locked: s.locked,
            signed_in_at: s.signed_in_at,
            expires_at: s.signed_in_at + Duration::hours(SESSION_HOURS),
            idle_minutes: self.idle_minutes,
        }
    }

    fn station_actor(&self, user: &str) -> Actor {
        Actor {
            user: user.to_string(),
            station: self.station(),
        }
    }

    /// The acting officer for `op` on something owned by `target`, or why not. Counts as
    /// activity for the idle lock.
    pub(crate) fn authorize(
        &self,
        op: Operation,
        target: Option<&str>,
    ) -> Result<(Actor, User), AppError> {
        let now = self.clock.now();
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let Some(session) = guard.as_mut() else {
            return Err(no_session());
        };
        if now >= session.signed_in_at + Duration::hours(SESSION_HOURS) {
            *guard = None;
            return Err(session_expired());
        }
        if session.locked
            || now >= session.last_activity + Duration::minutes(i64::from(self.idle_minutes))
        {
            session.locked = true;
            return Err(session_locked());
        }
        if session.user.must_change_password {
            return Err(password_change_required());
        }
        let user = session.user.clone();
        if !access::permitted(user.role, &user.directorate, op, target) {
            drop(guard);
            let actor = self.station_actor(&user.user_name);
            let event = AuditEvent {
                action: "access.denied".into(),
                object_type: "operation".into(),
                object_id: format!("{op:?}"),
                outcome: "refused".into(),
            };
            self.store()?.record(&actor, now, &event)?;
            return Err(forbidden());
        }
        session.last_activity = now;
        Ok((self.station_actor(&user.user_name), user))
    }

    /// Like [`Registry::authorize`] for what a screen polls (the status line): the same
    /// checks, but it is not activity, so an unattended window still locks.
    pub(crate) fn authorize_passive(&self, op: Operation) -> Result<User, AppError> {
        let now = self.clock.now();
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let Some(session) = guard.as_mut() else {
            return Err(no_session());
        };
        if now >= session.signed_in_at + Duration::hours(SESSION_HOURS) {
            *guard = None;
            return Err(session_expired());
        }
        if session.locked
            || now >= session.last_activity + Duration::minutes(i64::from(self.idle_minutes))
        {
            session.locked = true;
            return Err(session_locked());
        }
        if session.user.must_change_password {
            return Err(password_change_required());
        }
        if !access::permitted(session.user.role, &session.user.directorate, op, None) {
            return Err(forbidden());
        }
        Ok(session.user.clone())
    }

    /// For operations on one file: the role check first (so that nothing about the file is
    /// revealed to a role that may not act), then the directorate of the file.
    pub(crate) fn authorize_on(
        &self,
        op: Operation,
        owner: impl FnOnce() -> Result<String, AppError>,
    ) -> Result<(Actor, User), AppError> {
        let (actor, user) = self.authorize(op, None)?;
        let owner = owner()?;
        if !access::permitted(user.role, &user.directorate, op, Some(&owner)) {
            let event = AuditEvent {
                action: "access.denied".into(),
                object_type: "operation".into(),
                object_id: format!("{op:?}"),
                outcome: "refused_other_directorate".into(),
            };
            self.store()?.record(&actor, self.clock.now(), &event)?;
            return Err(forbidden());
        }
        Ok((actor, user))
    }

    /// Signs in offline against the local user table.
    pub fn sign_in(&self, user_name: &str, password: &str) -> Result<SessionInfo, AppError> {
        let now = self.clock.now();
        let answer = self
            .store()?
            .sign_in(user_name.trim(), password, &self.station(), now)?;
        match answer {
            SignIn::Refused => Err(refused()),
            SignIn::Locked => Err(locked_account()),
            SignIn::Accepted(user) => {
                let session = Session {
                    user,
                    signed_in_at: now,
                    last_activity: now,
                    locked: false,
                };
                let info = self.info(&session);
                *self.session.lock().unwrap_or_else(|p| p.into_inner()) = Some(session);
                Ok(info)
            }
        }
    }

    pub fn sign_out(&self) -> Result<(), AppError> {
        let session = self
            .session
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some(s) = session {
            let event = AuditEvent {
                action: "auth.sign_out".into(),
                object_type: "user".into(),
                object_id: s.user.id.to_string(),
                outcome: "ok".into(),
            };
            self.store()?.record(
                &self.station_actor(&s.user.user_name),
                self.clock.now(),
                &event,
            )?;
        }
        Ok(())
    }

    /// The current session as it stands now (idle time applied); not itself activity.
    pub fn session(&self) -> Result<SessionInfo, AppError> {
        let now = self.clock.now();
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let Some(session) = guard.as_mut() else {
            return Err(no_session());
        };
        if now >= session.signed_in_at + Duration::hours(SESSION_HOURS) {
            *guard = None;
            return Err(session_expired());
        }
        if now >= session.last_activity + Duration::minutes(i64::from(self.idle_minutes)) {
            session.locked = true;
        }
        Ok(self.info(session))
    }

    /// Locks the screen at once (the officer steps away).
    pub fn lock(&self) -> Result<(), AppError> {
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        match guard.as_mut() {
            Some(s) => {
                s.locked = true;
                Ok(())
            }
            None => Err(no_session()),
        }
    }

    /// Unlocks with the signed-in officer's password (a failure counts towards the lockout).
    pub fn unlock(&self, password: &str) -> Result<SessionInfo, AppError> {
        let user_name = {
            let guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
            guard
                .as_ref()
                .map(|s| s.user.user_name.clone())
                .ok_or_else(no_session)?
        };
        let now = self.clock.now();
        let answer = self
            .store()?
            .sign_in(&user_name, password, &self.station(), now)?;
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        match answer {
            SignIn::Accepted(user) => {
                let Some(s) = guard.as_mut() else {
                    return Err(no_session());
                };
                if now >= s.signed_in_at + Duration::hours(SESSION_HOURS) {
                    *guard = None;
                    return Err(session_expired());
                }
                s.user = user;
                s.locked = false;
                s.last_activity = now;
                Ok(self.info(s))
            }
            SignIn::Refused => Err(refused()),
            SignIn::Locked => {
                *guard = None;
                Err(locked_account())
            }
        }
    }

    /// Changes the signed-in officer's own password (required after a reset).
    pub fn change_password(&self, current: &str, new: &str) -> Result<SessionInfo, AppError> {
        let (user_name, user_id) = {
            let guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
            let s = guard.as_ref().ok_or_else(no_session)?;
            if s.locked {
                return Err(session_locked());
            }
            (s.user.user_name.clone(), s.user.id)
        };
        password::check(new, &user_name).map_err(|p| password_problem(p.code()))?;
        if new == current {
            return Err(password_problem("password_repetitive"));
        }
        let now = self.clock.now();
        let mut store = self.store()?;
        match store.sign_in(&user_name, current, &self.station(), now)? {
            SignIn::Accepted(_) => {}
            SignIn::Refused => return Err(refused()),
            SignIn::Locked => return Err(locked_account()),
        }
        if store.user_synchronised(user_id)? {
            // A national account's password changes only at the administration's stations
            // (the server would refuse it from here: see `check_account_scope`).
            let me = store.user(user_id)?;
            self.check_account_scope(&store, me.role, &me.directorate)?;
        }
        store.change_password(user_id, new, &self.station_actor(&user_name), now)?;
        let user = store.user(user_id)?;
        drop(store);
        let mut guard = self.session.lock().unwrap_or_else(|p| p.into_inner());
        let s = guard.as_mut().ok_or_else(no_session)?;
        s.user = user;
        s.last_activity = now;
        Ok(self.info(s))
    }

    /// The first administrator, from the command line, only while no user exists. The
    /// password is chosen by that administrator and checked against the policy.
    pub fn create_first_administrator(
        &self,
        user_name: &str,
        password: &str,
        directorate: &str,
    ) -> Result<UserSummary, AppError> {
        let mut store = self.store()?;
        if store.user_count()? > 0 {
            return Err(AppError::new(
                "users_exist",
                "Administratori i parë ekziston tashmë; përdoruesit e rinj i krijon një administrator.",
                "The first administrator already exists; new users are created by an administrator.",
            ));
        }
        if !valid_user_name(user_name) {
            return Err(AppError::invalid_input(
                "emri i përdoruesit: 3–64 shkronja të vogla, shifra, '.', '-', '_'",
                "user name: 3–64 lower-case letters, digits, '.', '-', '_'",
            ));
        }
        if store.reference().directorate(directorate).is_none() {
            return Err(AppError::invalid_input(
                "Drejtoria nuk njihet",
                "unknown directorate",
            ));
        }
        password::check(password, user_name).map_err(|p| password_problem(p.code()))?;
        let new = NewUser {
            user_name,
            role: Role::Administrator,
            directorate,
            password,
            must_change_password: false,
        };
        let user = store.create_user(&new, &self.station_actor("bootstrap"), self.clock.now())?;
        Ok(summary(&user))
    }

    pub fn list_users(&self) -> Result<Vec<UserSummary>, AppError> {
        self.authorize(Operation::ManageUsers, None)?;
        Ok(self.store()?.users()?.iter().map(summary).collect())
    }

    /// Creates a user with a one-time password that must be changed at first sign-in; the
    /// administrator never chooses a user's password.
    pub fn create_user(
        &self,
        user_name: &str,
        role: Role,
        directorate: &str,
    ) -> Result<OneTimePassword, AppError> {
        let (actor, _) = self.authorize(Operation::ManageUsers, None)?;
        if !valid_user_name(user_name) {
            return Err(AppError::invalid_input(
                "emri i përdoruesit: 3–64 shkronja të vogla, shifra, '.', '-', '_'",
                "user name: 3–64 lower-case letters, digits, '.', '-', '_'",
            ));
        }
        let mut store = self.store()?;
        if store.reference().directorate(directorate).is_none() {
            return Err(AppError::invalid_input(
                "Drejtoria nuk njihet",
                "unknown directorate",
            ));
        }
        self.check_account_scope(&store, role, directorate)?;
        let password = regjistri_store::users::one_time_password()?;
        let new = NewUser {
            user_name,
            role,
            directorate,
            password: &password,
            must_change_password: true,
        };
        store.create_user(&new, &actor, self.clock.now())?;
        Ok(OneTimePassword {
            user_name: user_name.to_string(),
            password,
        })
    }

    pub fn reset_password(&self, id: uuid::Uuid) -> Result<OneTimePassword, AppError> {
        let (actor, _) = self.authorize(Operation::ManageUsers, None)?;
        let mut store = self.store()?;
        let user = store.user(id)?;
        if store.user_synchronised(id)? {
            self.check_account_scope(&store, user.role, &user.directorate)?;
        }
        let password = store.reset_password(id, &actor, self.clock.now())?;
        Ok(OneTimePassword {
            user_name: user.user_name,
            password,
        })
    }

    pub fn set_user_disabled(&self, id: uuid::Uuid, disabled: bool) -> Result<(), AppError> {
        let (actor, _) = self.authorize(Operation::ManageUsers, None)?;
        let mut store = self.store()?;
        if store.user_synchronised(id)? {
            let user = store.user(id)?;
            self.check_account_scope(&store, user.role, &user.directorate)?;
        }
        Ok(store.set_disabled(id, disabled, &actor, self.clock.now())?)
    }

    /// Releases a locked account: a supervisor of the user's directorate, or an administrator.
    pub fn release_user(&self, id: uuid::Uuid) -> Result<(), AppError> {
        let (actor, _) = self.authorize_on(Operation::ReleaseLockedAccount, || {
            Ok(self.store()?.user(id)?.directorate)
        })?;
        Ok(self.store()?.release_lock(id, &actor, self.clock.now())?)
    }

    /// Sets the idle time before the screen locks (administrators; 1 to 30 minutes).
    pub fn set_idle_minutes(&mut self, minutes: u32) -> Result<(), AppError> {
        let (actor, _) = self.authorize(Operation::ChangeSettings, None)?;
        if !(1..=MAX_IDLE_MINUTES).contains(&minutes) {
            return Err(AppError::invalid_input(
                "minutat e pasivitetit duhet të jenë 1 deri në 30",
                "idle minutes must be 1 to 30",
            ));
        }
        self.store()?.set_setting(
            "idle_minutes",
            &minutes.to_string(),
            &actor,
            self.clock.now(),
        )?;
        self.idle_minutes = minutes;
        Ok(())
    }
}

impl Registry {
    /// Locked accounts the signed-in supervisor (own directorate) or administrator may release.
    pub fn locked_users(&self) -> Result<Vec<UserSummary>, AppError> {
        let (_, me) = self.authorize(Operation::ReleaseLockedAccount, None)?;
        let users = self.store()?.users()?;
        Ok(users
            .iter()
            .filter(|u| u.locked_at.is_some())
            .filter(|u| {
                access::permitted(
                    me.role,
                    &me.directorate,
                    Operation::ReleaseLockedAccount,
                    Some(&u.directorate),
                )
            })
            .map(summary)
            .collect())
    }

    /// A user's id by name, for the command line (administrators).
    pub fn user_by_name(&self, user_name: &str) -> Result<UserSummary, AppError> {
        self.list_users()?
            .into_iter()
            .find(|u| u.user_name == user_name)
            .ok_or_else(|| AppError::new("not_found", "Përdoruesi nuk u gjet.", "User not found."))
    }
}
