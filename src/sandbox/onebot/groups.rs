//! Account-level actions (standard OneBot 11) and `get_group_file_system_info`.

use serde_json::{Value, json};

use super::envelope::Failure;
use super::params::Params;
use super::state::Shared;

/// `get_login_info` (OneBot 11): the bot's own account.
pub(crate) fn get_login_info(shared: &Shared, _: &Params) -> Result<Value, Failure> {
    let data = shared.lock();
    Ok(json!({ "user_id": data.self_id, "nickname": data.nickname }))
}

/// `get_group_list` (OneBot 11): `group_id`, `group_name`, `member_count`,
/// `max_member_count` of every group the bot is in. `no_cache` is accepted and ignored.
pub(crate) fn get_group_list(shared: &Shared, _: &Params) -> Result<Value, Failure> {
    let data = shared.lock();
    let groups: Vec<Value> = data
        .groups
        .iter()
        .map(|g| {
            json!({
                "group_id": g.group_id,
                "group_name": g.group_name,
                "member_count": g.member_count,
                "max_member_count": g.max_member_count,
            })
        })
        .collect();
    Ok(Value::Array(groups))
}

/// `get_friend_list` (OneBot 11): `user_id`, `nickname`, `remark`.
pub(crate) fn get_friend_list(shared: &Shared, _: &Params) -> Result<Value, Failure> {
    let data = shared.lock();
    let friends: Vec<Value> = data
        .friends
        .iter()
        .map(|f| json!({ "user_id": f.user_id, "nickname": f.nickname, "remark": f.remark }))
        .collect();
    Ok(Value::Array(friends))
}

/// `get_group_file_system_info`: `file_count` (int32), `limit_count` (int32), `used_space`
/// (int64), `total_space` (int64), computed from the files actually stored.
pub(crate) fn get_group_file_system_info(
    shared: &Shared,
    params: &Params,
) -> Result<Value, Failure> {
    let group_id = params.require_int("group_id")?;
    let data = shared.lock();
    let group = data.group(group_id)?;
    Ok(json!({
        "file_count": group.files.len(),
        "limit_count": group.file_count_limit,
        "used_space": group.used_space(),
        "total_space": group.total_space,
    }))
}
