//! Who may do what (DOMAIN.md §2): the role × operation table and the directorate scope.
//! The application layer asks this table before every operation; the UI only mirrors it.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Role {
    /// Registry officer at a local directorate: enters and updates files.
    Clerk,
    /// Approves or returns records of their directorate (never their own).
    Supervisor,
    /// General Directorate: users, stations, reference data and rules.
    Administrator,
    /// Data protection officer: reads the audit trail, nothing else.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Clerk,
        Role::Supervisor,
        Role::Administrator,
        Role::Auditor,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Supervisor => "supervisor",
            Role::Administrator => "administrator",
            Role::Auditor => "auditor",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Every operation of the application layer that needs a signed-in user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Operation {
    ReadReferenceData,
    SearchFiles,
    ViewFile,
    OpenEditForm,
    CheckDraft,
    CreateFile,
    UpdateFile,
    ViewApprovalQueue,
    ApproveFile,
    ReturnFile,
    ReadAudit,
    VerifyAudit,
    ManageUsers,
    ReleaseLockedAccount,
    SeedDemoData,
    ChangeSettings,
    /// Compliance, timelines and the directorate's dashboard.
    ViewCompliance,
    /// Check-ins, address changes, visits, trips, occupations, risk, custody, absconding.
    AddRecord,
    /// Status changes that end a registration (deceased, removed) and voiding records.
    ConfirmRecord,
    ServeNotice,
    ManageRules,
    /// The synchronisation status line (no personal data).
    ViewSyncStatus,
    /// "Sync now", and what the server did not apply of this station's changes.
    Synchronise,
    /// Enrol this workstation as a station of the central server.
    EnrolStation,
    /// See and decide the synchronisation conflicts of the directorate (online).
    ResolveConflicts,
    /// Fetch another directorate's full file from the server, with a reason (online).
    FetchRemoteFile,
    /// See a person's photos (their images): the owning directorate's officers only.
    ViewPhoto,
}

impl Operation {
    pub const ALL: [Operation; 27] = [
        Operation::ReadReferenceData,
        Operation::SearchFiles,
        Operation::ViewFile,
        Operation::OpenEditForm,
        Operation::CheckDraft,
        Operation::CreateFile,
        Operation::UpdateFile,
        Operation::ViewApprovalQueue,
        Operation::ApproveFile,
        Operation::ReturnFile,
        Operation::ReadAudit,
        Operation::VerifyAudit,
        Operation::ManageUsers,
        Operation::ReleaseLockedAccount,
        Operation::SeedDemoData,
        Operation::ChangeSettings,
        Operation::ViewCompliance,
        Operation::AddRecord,
        Operation::ConfirmRecord,
        Operation::ServeNotice,
        Operation::ManageRules,
        Operation::ViewSyncStatus,
        Operation::Synchronise,
        Operation::EnrolStation,
        Operation::ResolveConflicts,
        Operation::FetchRemoteFile,
        Operation::ViewPhoto,
    ];
}

/// Where an allowed operation applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Any directorate's files (search is national: people move between counties).
    National,
    /// Only files owned by the user's own directorate.
    OwnDirectorate,
}

/// The role × operation table. `None` means refused.
pub fn scope(role: Role, op: Operation) -> Option<Scope> {
    use Operation::*;
    use Role::*;
    use Scope::*;
    match (role, op) {
        (_, ReadReferenceData) => Some(National),
        (Clerk | Supervisor | Administrator, SearchFiles | ViewFile) => Some(National),
        (Clerk | Supervisor, OpenEditForm | CheckDraft | CreateFile | UpdateFile) => {
            Some(OwnDirectorate)
        }
        (Supervisor, ViewApprovalQueue | ApproveFile | ReturnFile) => Some(OwnDirectorate),
        (Clerk | Supervisor, ViewCompliance) => Some(National),
        (Clerk | Supervisor, AddRecord | ServeNotice) => Some(OwnDirectorate),
        (Supervisor, ConfirmRecord) => Some(OwnDirectorate),
        (Administrator, ManageRules) => Some(National),
        (Auditor, ReadAudit) => Some(National),
        (Auditor | Administrator, VerifyAudit) => Some(National),
        (Administrator, ManageUsers | SeedDemoData | ChangeSettings) => Some(National),
        (Supervisor, ReleaseLockedAccount) => Some(OwnDirectorate),
        (Administrator, ReleaseLockedAccount) => Some(National),
        (_, ViewSyncStatus) => Some(National),
        (Clerk | Supervisor | Administrator, Synchronise) => Some(National),
        (Administrator, EnrolStation) => Some(National),
        (Supervisor, ResolveConflicts) => Some(OwnDirectorate),
        (Clerk | Supervisor, FetchRemoteFile) => Some(National),
        (Clerk | Supervisor, ViewPhoto) => Some(OwnDirectorate),
        _ => None,
    }
}

/// Whether `role`, belonging to `own`, may perform `op` on something owned by `target`
/// (`None` for operations not about one directorate's records).
pub fn permitted(role: Role, own: &str, op: Operation, target: Option<&str>) -> bool {
    match scope(role, op) {
        None => false,
        Some(Scope::National) => true,
        Some(Scope::OwnDirectorate) => target.is_none_or(|t| t == own),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Operation::*;

    /// The whole table, spelled out: every role × every operation.
    #[test]
    fn every_role_and_operation() {
        let expected: &[(Operation, [bool; 4])] = &[
            //                      clerk  superv  admin  auditor
            (ReadReferenceData, [true, true, true, true]),
            (SearchFiles, [true, true, true, false]),
            (ViewFile, [true, true, true, false]),
            (OpenEditForm, [true, true, false, false]),
            (CheckDraft, [true, true, false, false]),
            (CreateFile, [true, true, false, false]),
            (UpdateFile, [true, true, false, false]),
            (ViewApprovalQueue, [false, true, false, false]),
            (ApproveFile, [false, true, false, false]),
            (ReturnFile, [false, true, false, false]),
            (ReadAudit, [false, false, false, true]),
            (VerifyAudit, [false, false, true, true]),
            (ManageUsers, [false, false, true, false]),
            (ReleaseLockedAccount, [false, true, true, false]),
            (SeedDemoData, [false, false, true, false]),
            (ChangeSettings, [false, false, true, false]),
            (ViewCompliance, [true, true, false, false]),
            (AddRecord, [true, true, false, false]),
            (ConfirmRecord, [false, true, false, false]),
            (ServeNotice, [true, true, false, false]),
            (ManageRules, [false, false, true, false]),
            (ViewSyncStatus, [true, true, true, true]),
            (Synchronise, [true, true, true, false]),
            (EnrolStation, [false, false, true, false]),
            (ResolveConflicts, [false, true, false, false]),
            (FetchRemoteFile, [true, true, false, false]),
            (ViewPhoto, [true, true, false, false]),
        ];
        assert_eq!(
            expected.len(),
            Operation::ALL.len(),
            "a new operation needs a row here"
        );
        for (op, allowed) in expected {
            for (role, allow) in Role::ALL.iter().zip(allowed) {
                assert_eq!(scope(*role, *op).is_some(), *allow, "{role:?} × {op:?}");
            }
        }
    }

    #[test]
    fn clerks_write_only_their_directorate_but_search_nationally() {
        assert!(permitted(
            Role::Clerk,
            "dvp-berat",
            UpdateFile,
            Some("dvp-berat")
        ));
        assert!(!permitted(
            Role::Clerk,
            "dvp-berat",
            UpdateFile,
            Some("dvp-tirane")
        ));
        assert!(permitted(
            Role::Clerk,
            "dvp-berat",
            ViewFile,
            Some("dvp-tirane")
        ));
        assert!(!permitted(
            Role::Supervisor,
            "dvp-berat",
            ApproveFile,
            Some("dvp-vlore")
        ));
        assert!(!permitted(
            Role::Auditor,
            "dvp-berat",
            ViewFile,
            Some("dvp-berat")
        ));
    }

    #[test]
    fn role_names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
