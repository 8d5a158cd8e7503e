//! The enterprise's users (`user/search`, `department/{id}/users`), departments
//! (`department/{id}/children`) and groups (`group/list`).

use async_trait::async_trait;

use super::FangcloudDrive;
use super::client::*;
use super::paging::sliced;
use super::roles::*;
use crate::error::{ApiError, ApiResult};
use crate::model::*;
use crate::providers::*;

/// The query of one page of a word search (`query_words`, `page_id`).
fn words_page(words: &str, page_id: i64) -> [(&'static str, String); 2] {
    [
        ("query_words", words.to_owned()),
        ("page_id", page_id.to_string()),
    ]
}

/// A directory entry of upstream id `id`, with its member count (negative counts are 0) and
/// neither email nor parent.
fn entry(kind: PrincipalKind, id: i64, name: &str, members: Option<i64>) -> DirectoryEntry {
    DirectoryEntry {
        principal: Principal {
            kind,
            id: id.to_string(),
            name: Some(name.to_owned()),
        },
        email: None,
        parent_id: None,
        member_count: members.map(|c| c.max(0) as u64),
    }
}

#[async_trait]
impl Directory for FangcloudDrive {
    async fn list_directory(
        &self,
        ctx: &Ctx,
        kind: DirectoryKind,
        query: DirectoryQuery,
    ) -> ApiResult<Page<DirectoryEntry>> {
        self.me(ctx)?;
        let department = query
            .department
            .as_deref()
            .map(|d| principal_number("department", d))
            .transpose()?;
        let words = query.query.clone().unwrap_or_default();
        match kind {
            DirectoryKind::Users => {
                // `page_id` only: the upstream chooses the page size (document).
                let words = &words;
                sliced(&query.page, |page_id| async move {
                    let q = words_page(words, page_id);
                    let a: UsersPage = match department {
                        Some(d) => {
                            self.client
                                .get(
                                    ctx,
                                    "department/users",
                                    &format!("department/{d}/users"),
                                    &q,
                                )
                                .await?
                        }
                        None => {
                            self.client
                                .get(ctx, "user/search", "user/search", &q)
                                .await?
                        }
                    };
                    let users = a
                        .users
                        .iter()
                        .map(|u| DirectoryEntry {
                            email: u
                                .email
                                .clone()
                                .filter(|e| !e.is_empty())
                                .or_else(|| u.login.clone().filter(|l| l.contains('@'))),
                            ..entry(PrincipalKind::User, u.id, &u.name, None)
                        })
                        .collect();
                    Ok((users, a.paging))
                })
                .await
            }
            DirectoryKind::Departments => {
                let parent = department.unwrap_or(0);
                let c: DepartmentChildren = self
                    .client
                    .get(
                        ctx,
                        "department/children",
                        &format!("department/{parent}/children"),
                        &[],
                    )
                    .await?;
                let w = words.to_lowercase();
                let entries = c
                    .children
                    .into_iter()
                    .filter(|d| w.is_empty() || d.name.to_lowercase().contains(&w))
                    .map(|d| DirectoryEntry {
                        parent_id: d.parent_id.filter(|p| *p > 0).map(|p| p.to_string()),
                        ..entry(PrincipalKind::Department, d.id, &d.name, d.user_count)
                    })
                    .collect();
                paginate(entries, &query.page)
            }
            DirectoryKind::Groups => {
                if department.is_some() {
                    return Err(ApiError::invalid_field(
                        "department",
                        "Fangcloud groups do not belong to departments",
                    ));
                }
                let words = &words;
                sliced(&query.page, |page_id| async move {
                    let q = words_page(words, page_id);
                    let a: GroupsPage =
                        self.client.get(ctx, "group/list", "group/list", &q).await?;
                    let groups = a
                        .groups
                        .iter()
                        .map(|g| entry(PrincipalKind::Group, g.id, &g.name, g.user_count))
                        .collect();
                    Ok((groups, a.paging))
                })
                .await
            }
        }
    }
}
