//! Which [`Operation`] each connection route serves, so that [`Authorized`] answers 501
//! `unsupported_operation` before any input is read: the order of checks is 401 token → 403
//! scope and grant → 404 connection → 501 operation → 400 input (docs/ARCHITECTURE.md), on
//! every route. A caller asking for something the provider cannot do learns that first,
//! rather than fixing a body only to be told the operation does not exist.
//!
//! [`Authorized`]: super::extract::Authorized

use axum::http::Method;

use crate::model::Operation;

/// The operations a route may serve; the route is unsupported when the connection supports
/// none of them (`PATCH` on an item renames, moves or describes, depending on its body).
/// `None` for routes that serve no operation of their own (the connection itself).
pub fn of(method: &Method, route: &str) -> Option<&'static [Operation]> {
    use Operation::*;
    const C: &str = "/v1/connections/{conn}";
    let rest = route.strip_prefix(C)?;
    let ops: &'static [Operation] = match (method.as_str(), rest) {
        ("GET", "/spaces") => &[ListSpaces],
        ("POST", "/spaces") => &[CreateSpace],
        ("GET", "/spaces/{space}") => &[GetSpace],
        ("PATCH", "/spaces/{space}") => &[RenameSpace],
        ("DELETE", "/spaces/{space}") => &[DeleteSpace],
        ("GET", "/spaces/{space}/quota") => &[GetQuota],
        ("GET", "/spaces/{space}/settings") => &[GetSpaceSettings],
        ("PUT", "/spaces/{space}/settings") => &[UpdateSpaceSettings],
        ("POST", "/spaces/{space}/invite_link") => &[CreateSpaceInviteLink],
        ("GET", "/spaces/{space}/members") => &[ListSpaceMembers],
        ("POST", "/spaces/{space}/members") => &[AddSpaceMembers],
        ("PATCH", "/spaces/{space}/members/{member}") => &[UpdateSpaceMember],
        ("DELETE", "/spaces/{space}/members/{member}") => &[RemoveSpaceMembers],
        ("GET", "/spaces/{space}/items") => &[ListItems],
        ("GET", "/spaces/{space}/items/{item}") => &[GetItem],
        ("PATCH", "/spaces/{space}/items/{item}") => &[RenameItem, MoveItem, UpdateDescription],
        ("DELETE", "/spaces/{space}/items/{item}") => &[DeleteItem],
        ("POST", "/spaces/{space}/items/{item}/copy") => &[CopyItem],
        ("POST", "/spaces/{space}/folders") => &[CreateFolder],
        ("POST", "/spaces/{space}/documents") => &[CreateDocument],
        ("POST", "/spaces/{space}/files") => &[UploadFile],
        ("GET", "/spaces/{space}/items/{item}/content") => &[DownloadFile],
        ("POST", "/spaces/{space}/uploads")
        | ("GET", "/spaces/{space}/uploads/{upload}")
        | ("DELETE", "/spaces/{space}/uploads/{upload}")
        | ("PUT", "/spaces/{space}/uploads/{upload}/parts/{n}")
        | ("POST", "/spaces/{space}/uploads/{upload}/complete") => &[UploadFile],
        ("GET", "/spaces/{space}/items/{item}/versions") => &[ListVersions],
        ("POST", "/spaces/{space}/items/{item}/versions") => &[UploadVersion],
        ("GET", "/spaces/{space}/items/{item}/versions/{version}") => &[GetVersion],
        ("DELETE", "/spaces/{space}/items/{item}/versions/{version}") => &[DeleteVersion],
        ("POST", "/spaces/{space}/items/{item}/versions/{version}/promote") => &[PromoteVersion],
        ("GET", "/spaces/{space}/trash") => &[ListTrash],
        ("POST", "/spaces/{space}/items/{item}/restore") => &[RestoreItem],
        ("DELETE", "/spaces/{space}/trash/{item}") => &[PurgeItem],
        ("GET", "/spaces/{space}/search") => &[Search],
        ("GET", "/recent") => &[ListRecent],
        ("GET", "/spaces/{space}/items/{item}/comments") => &[ListComments],
        ("POST", "/spaces/{space}/items/{item}/comments") => &[AddComment],
        ("DELETE", "/spaces/{space}/items/{item}/comments/{comment}") => &[DeleteComment],
        ("GET", "/spaces/{space}/items/{item}/members") => &[ListItemMembers],
        ("POST", "/spaces/{space}/items/{item}/members") => &[AddItemMembers],
        ("PATCH", "/spaces/{space}/items/{item}/members/{member}") => &[UpdateItemMember],
        ("DELETE", "/spaces/{space}/items/{item}/members/{member}") => &[RemoveItemMembers],
        ("GET", "/spaces/{space}/items/{item}/sharing") => &[GetSharing],
        ("PUT", "/spaces/{space}/items/{item}/sharing") => &[UpdateSharing],
        ("POST", "/spaces/{space}/items/{item}/share_link") => &[CreateShareLink],
        ("GET", "/spaces/{space}/items/{item}/share_links") => &[ListShareLinks],
        ("DELETE", "/spaces/{space}/items/{item}/share_links/{link}") => &[RevokeShareLink],
        ("GET", "/spaces/{space}/items/{item}/security") => &[GetItemSecurity],
        ("PUT", "/spaces/{space}/items/{item}/security") => &[UpdateItemSecurity],
        ("GET", "/directory/users") => &[ListDirectoryUsers],
        ("GET", "/directory/departments") => &[ListDirectoryDepartments],
        ("GET", "/directory/groups") => &[ListDirectoryGroups],
        _ => return None,
    };
    Some(ops)
}

/// `(method, path template)` of every documented route under a connection (the OpenAPI
/// document's paths below `/v1/connections/{conn}/`).
pub fn documented() -> Vec<(Method, String)> {
    let doc = crate::api::openapi();
    let mut out = Vec::new();
    for (path, item) in &doc.paths.paths {
        if !path.starts_with("/v1/connections/{conn}/") {
            continue;
        }
        for (method, present) in [
            (Method::GET, item.get.is_some()),
            (Method::POST, item.post.is_some()),
            (Method::PUT, item.put.is_some()),
            (Method::PATCH, item.patch.is_some()),
            (Method::DELETE, item.delete.is_some()),
        ] {
            if present {
                out.push((method, path.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every documented route under a connection names its operations here, so a new route
    /// cannot skip the 501-before-400 order.
    #[test]
    fn every_connection_route_of_the_openapi_document_has_its_operations() {
        let missing: Vec<String> = documented()
            .into_iter()
            .filter(|(method, path)| of(method, path).is_none())
            .map(|(method, path)| format!("{method} {path}"))
            .collect();
        assert!(missing.is_empty(), "routes without operations: {missing:?}");
    }
}
