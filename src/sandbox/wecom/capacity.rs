//! 版本和容量管理: mng_pro_info, mng_capacity. The simulated corp is a professional-edition
//! (专业版) corp.

use serde_json::json;

use super::App;
use super::directory;
use super::envelope::{ApiError, ApiResult, fields};
use super::request::Obj;
use crate::providers::wecom::errcodes;

/// Professional capacity (the document's sample value); the simulator stores nothing there.
pub const VIP_CAPACITY: u64 = 22_300_038_149_020;
/// VIP accounts, as in the document's sample.
const TOTAL_VIP_ACCOUNTS: u32 = 10;
const USED_VIP_ACCOUNTS: u32 = 5;

/// `mng_pro_info`: `{userid}` (the operator, a corp user) → `{is_pro, total_vip_acct_num,
/// use_vip_acct_num, pro_expire_time}`.
pub fn mng_pro_info(app: &App, body: Obj) -> ApiResult {
    let userid = body.str("userid")?;
    if !directory::user_exists(userid) {
        return Err(ApiError::new(errcodes::INVALID_USERID, "invalid userid"));
    }
    Ok(fields(json!({
        "is_pro": true,
        "total_vip_acct_num": TOTAL_VIP_ACCOUNTS,
        "use_vip_acct_num": USED_VIP_ACCOUNTS,
        "pro_expire_time": app.pro_expire_time,
    })))
}

/// `mng_capacity`: `{}` → totals and what is left. `rest_capacity_for_all` is
/// `total_capacity_for_all` minus the bytes of all live files (deleted files do not count;
/// files sharing content after an instant upload count once each, as each is its own file).
pub fn mng_capacity(app: &App, _body: Obj) -> ApiResult {
    let used = app.drive().used_bytes();
    Ok(fields(json!({
        "total_capacity_for_all": app.capacity,
        "total_capacity_for_vip": VIP_CAPACITY,
        "rest_capacity_for_all": app.capacity.saturating_sub(used),
        "rest_capacity_for_vip": VIP_CAPACITY,
    })))
}
