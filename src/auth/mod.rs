//! Callers' identity: JWT verification, scopes and connection grants. Deny by default: a
//! route can only reach a connection through [`crate::api::extract::Authorized`], which checks
//! all three.

mod jwt;

pub use jwt::{Audience, Claims, MintRequest, Verifier, mint};

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::error::ApiError;

/// Scopes a caller's JWT may carry (space-separated `scope` claim).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Scope {
    /// List and read spaces, items, content, members, sharing.
    #[serde(rename = "files:read")]
    FilesRead,
    /// Create, upload, rename, move, copy, delete items; comments; versions.
    #[serde(rename = "files:write")]
    FilesWrite,
    /// Change members, sharing, share links and item security.
    #[serde(rename = "sharing:write")]
    SharingWrite,
    /// Create, rename, delete spaces; space settings and members.
    #[serde(rename = "spaces:admin")]
    SpacesAdmin,
    /// Read the upstream's directory of users, departments and groups.
    #[serde(rename = "directory:read")]
    DirectoryRead,
    /// Act as another upstream user (`X-Filegate-As-User`), where the provider has users.
    #[serde(rename = "users:act_as")]
    UsersActAs,
}

impl Scope {
    pub const ALL: [Scope; 6] = [
        Scope::FilesRead,
        Scope::FilesWrite,
        Scope::SharingWrite,
        Scope::SpacesAdmin,
        Scope::DirectoryRead,
        Scope::UsersActAs,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::FilesRead => "files:read",
            Self::FilesWrite => "files:write",
            Self::SharingWrite => "sharing:write",
            Self::SpacesAdmin => "spaces:admin",
            Self::DirectoryRead => "directory:read",
            Self::UsersActAs => "users:act_as",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|x| x.as_str() == s)
    }
}

/// Which connections a caller may use.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Grants {
    All,
    Only(BTreeSet<String>),
}

impl Grants {
    pub fn allows(&self, connection: &str) -> bool {
        match self {
            Self::All => true,
            Self::Only(names) => names.contains(connection),
        }
    }
}

/// A verified caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub sub: String,
    pub scopes: BTreeSet<Scope>,
    pub grants: Grants,
}

impl Caller {
    pub fn require(&self, scope: Scope) -> Result<(), ApiError> {
        if self.scopes.contains(&scope) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                code: "insufficient_scope",
                detail: format!("this operation needs the '{}' scope", scope.as_str()),
            })
        }
    }

    pub fn require_connection(&self, connection: &str) -> Result<(), ApiError> {
        if self.grants.allows(connection) {
            Ok(())
        } else {
            Err(ApiError::Forbidden {
                code: "connection_not_granted",
                detail: format!("the token does not grant connection '{connection}'"),
            })
        }
    }
}
