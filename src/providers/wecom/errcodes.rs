//! WeCom `errcode` values that WeDrive calls answer (and that the WeDrive simulator in
//! `crate::sandbox::wecom` produces); the adapter maps exactly these.
//!
//! Sources, named on every constant:
//! - **README**: `upstream-docs/README.md`, WeCom section (token errors, frequency limit).
//! - **global list**: WeCom's public global error-code list (全局错误码,
//!   <https://developer.work.weixin.qq.com/document/path/90313>), common knowledge; the
//!   640001–640029 block is WeDrive's own part of that list.
//! - **simulator choice**: no public code is known for the situation; the value and the
//!   situations it covers are chosen by the simulator and stated here.
//!
//! Every WeDrive answer is HTTP 200 with `{"errcode": …, "errmsg": …}`; callers must match on
//! `errcode`, never on `errmsg` (WeCom's own rule: errmsg wording changes).
//! Constants marked "not produced by the simulator" are upstream codes a real WeDrive can
//! answer which the simulator never does by itself (a test can still inject them through
//! `POST /__sim/faults`).

/// -1 系统繁忙 (system busy; retry later, at most 3 times). Global list. The simulator answers
/// it only when its own disk storage fails, and for an injected error whose code is not a
/// number.
pub const SYSTEM_BUSY: i64 = -1;

/// 0 请求成功. Every successful answer, with `errmsg: "ok"`.
pub const OK: i64 = 0;

/// 40001 不合法的secret参数 (invalid corpsecret). README / global list. `gettoken` with the wrong
/// `corpsecret`.
pub const INVALID_SECRET: i64 = 40001;

/// 40006 不合法的文件大小 (invalid file size). Global list. The simulator answers it for:
/// `file_upload` content over 10 MB (10 MiB decoded, document: "文件大小上限为10M");
/// `file_upload_init` `size` of 0 or over 20 GB (20 GiB); a request body too large to read
/// (over 32 MiB).
pub const INVALID_FILE_SIZE: i64 = 40006;

/// 40013 不合法的CorpID (invalid corpid). Global list. `gettoken` with an unknown `corpid`.
pub const INVALID_CORPID: i64 = 40013;

/// 40014 不合法的access_token (invalid access token). README / global list. A token never issued,
/// or revoked early ("A token may be invalidated before `expires_in` ends").
pub const INVALID_ACCESS_TOKEN: i64 = 40014;

/// 40058 不合法的参数 (invalid parameter). Global list. The simulator answers it for values out of
/// their documented range with no more specific WeDrive code: `sort_type` not 1..6, `limit` 0 or
/// over 1000, `file_type` not 1/3/4, `space_sub_type` not 0, `auth_info[].type` not 1/2, an
/// empty `auth_info`, `block_sha` whose count is not one per 2 MiB block of `size` or whose
/// entries are not 40 hex digits, a part `index` outside the file's blocks, an empty or unknown
/// (or already finished) `upload_key`, `margin_type` not 0/1/2,
/// `share_url_no_approve_default_auth` not 1/2/4, and both `spaceid`/`fatherid` (or `fileid`)
/// and `selected_ticket` given where the document says "必须填且仅填其中一组参数".
pub const INVALID_PARAMETER: i64 = 40058;

/// 41001 缺少access_token参数 (access token missing). README / global list.
pub const MISSING_ACCESS_TOKEN: i64 = 41001;

/// 41002 缺少corpid参数 (corpid missing). Global list. `gettoken` without `corpid`.
pub const MISSING_CORPID: i64 = 41002;

/// 41004 缺少secret参数 (corpsecret missing). Global list. `gettoken` without `corpsecret`.
pub const MISSING_SECRET: i64 = 41004;

/// 42001 access_token已过期 (access token expired). README / global list. A token older than
/// the `expires_in` it was issued with.
pub const ACCESS_TOKEN_EXPIRED: i64 = 42001;

/// 45009 接口调用超过限制 (API frequency limit). README / global list. Injected rate-limit faults,
/// and the optional per-token `calls_per_minute` budget of the simulator.
pub const API_FREQ_OUT_OF_LIMIT: i64 = 45009;

/// 47001 data format error. Common knowledge (WeChat/WeCom answer it for a POST body that is
/// not JSON; it is not on the WeCom global list page). The simulator answers it when the body
/// does not parse as a JSON object.
pub const DATA_FORMAT_ERROR: i64 = 47001;

/// 600052 无效的文件分块 (invalid file block). Global list (listed with the hardware APIs; the
/// only public code meaning "bad chunk"). The simulator answers it for a `file_upload_part`
/// whose decoded length is not the block's length (2 MiB, the last block the remainder), and for
/// `file_upload_finish` with a missing part or with bytes whose block SHAs differ from the
/// `block_sha` declared at `file_upload_init`.
pub const INVALID_FILE_BLOCK: i64 = 600_052;

/// 60222 非法SelectedTicket (invalid selected ticket). Global list. Any `selected_ticket`: the
/// simulator has no JS-API file picker, so it never issued one.
pub const INVALID_SELECTED_TICKET: i64 = 60_222;

/// 640001 微盘不存在当前空间 (no such space). Global list. Unknown or dismissed `spaceid`.
pub const SPACE_NOT_FOUND: i64 = 640_001;

/// 640002 文件不存在 (no such file). Global list. Unknown `fileid`.
pub const FILE_NOT_FOUND: i64 = 640_002;

/// 640003 文件已删除 (file deleted). Global list. Any change, download or share of a deleted
/// file (`file_info` still answers for it, with `file_status` 2).
pub const FILE_DELETED: i64 = 640_003;

/// 640004 无权限访问 (no permission). Global list. `space_setting` on a space this app did not
/// create (document: "仅支持设置由本应用创建的空间"), and `file_setting` to an external scope
/// (3/5) in a space whose `ban_share_external` is on.
pub const NO_PERMISSION: i64 = 640_004;

/// 640005 成员不在空间内 (member not in the space). Global list. `space_acl_del` of a user or
/// department without access to the space, `file_acl_del` of a member the file does not have.
pub const MEMBER_NOT_IN_SPACE: i64 = 640_005;

/// 640006 超出当前成员拥有的容量 (member's own quota exceeded). Global list. Not produced by the
/// simulator (it has no per-member quota).
pub const MEMBER_CAPACITY_EXCEEDED: i64 = 640_006;

/// 640007 超出微盘的容量 (WeDrive capacity exceeded). Global list. An upload whose size exceeds
/// `rest_capacity_for_all` (see `mng_capacity`).
pub const CAPACITY_EXCEEDED: i64 = 640_007;

/// 640008 没有空间权限 (no space permission). Global list. Not produced by the simulator.
pub const NO_SPACE_PERMISSION: i64 = 640_008;

/// 640009 非法文件名 (invalid file name). Global list. `file_name`/`new_name` empty, wider than
/// 255 (ASCII counts 1, any other character 2 — document: "英文算1个, 汉字算2个"), containing
/// `\ / : * ? " < > |` or a control character, or `.`/`..`. Simulator choice: also a
/// `file_rename` to a name another item in the same folder already has (no public code is
/// known for a name conflict).
pub const INVALID_FILE_NAME: i64 = 640_009;

/// 640010 超出空间的最大成员数 (space member limit exceeded). Global list. Not produced by the
/// simulator.
pub const SPACE_MEMBER_LIMIT: i64 = 640_010;

/// 640011 json格式不匹配 (JSON does not match). Global list. A field of the wrong JSON type
/// (a number where a string is expected, a negative or fractional number for a uint32, …).
pub const JSON_MISMATCH: i64 = 640_011;

/// 640012 非法的userid (invalid userid). Global list. A userid missing where required or not in
/// the corp directory.
pub const INVALID_USERID: i64 = 640_012;

/// 640013 非法的departmentid (invalid department id). Global list. A department id missing where
/// required or not in the corp directory.
pub const INVALID_DEPARTMENTID: i64 = 640_013;

/// 640014 空间没有有效的管理员 (the space has no valid admin). Global list. `file_setting` with
/// `auth_scope` 4 or 5 in a space without an admin member (document: "仅有管理员时可设置").
pub const SPACE_HAS_NO_ADMIN: i64 = 640_014;

/// 640015 不支持设置预览权限 (preview permission not supported; VIP only). Global list. Not
/// produced by the simulator (it simulates a professional-edition corp).
pub const PREVIEW_AUTH_NOT_SUPPORTED: i64 = 640_015;

/// 640016 不支持设置文件水印 (file watermark not supported). Global list. `file_secure_setting`
/// setting `text`, `margin_type` or `show_text` on anything but a document (document: "除
/// show_visitor_name字段外，其余字段仅文档可设置").
pub const WATERMARK_NOT_SUPPORTED: i64 = 640_016;

/// 640017 微盘管理端未开通API 权限 (API access not enabled in the admin console). Global list.
/// Not produced by the simulator.
pub const API_NOT_ENABLED: i64 = 640_017;

/// 640018 微盘管理端未设置编辑权限 (edit permission not set in the admin console). Global list.
/// Not produced by the simulator.
pub const EDIT_NOT_ENABLED: i64 = 640_018;

/// 640019 API 调用次数超出限制 (monthly API quota exceeded: 1000/corp/month free, 100,000 paid).
/// Global list. Not produced by the simulator.
pub const API_QUOTA_EXCEEDED: i64 = 640_019;

/// 640020 非法的权限类型 (invalid auth). Global list. A space `auth` not 1/4/7, auth 7 for a
/// department (document: "不支持设置部门"), a file `auth` not 1/4, `file_setting` auth 4 on a
/// document (document: 微文档 only 1).
pub const INVALID_AUTH: i64 = 640_020;

/// 640021 非法的fatherid (invalid fatherid). Global list. `fatherid` empty, unknown, not a folder
/// (or the space root) of the given space, deleted, or — in `file_move` — the moved folder
/// itself or one of its descendants.
pub const INVALID_FATHERID: i64 = 640_021;

/// 640022 非法的文件内容的base64 (invalid base64 content). Global list. `file_base64_content`
/// empty, not standard base64, or decoding to nothing (an empty file is rejected).
pub const INVALID_BASE64: i64 = 640_022;

/// 640023 非法的权限范围 (invalid auth scope). Global list. `auth_scope` not 1..5,
/// `default_file_scope` not 1/2.
pub const INVALID_AUTH_SCOPE: i64 = 640_023;

/// 640024 非法的fileid (invalid fileid). Global list. `fileid` empty (or an empty list).
pub const INVALID_FILEID: i64 = 640_024;

/// 640025 非法的space_name (invalid space name). Global list. `space_name` empty or wider than
/// 255 (same width rule as file names).
pub const INVALID_SPACE_NAME: i64 = 640_025;

/// 640026 非法的spaceid (invalid spaceid). Global list. `spaceid` empty.
pub const INVALID_SPACEID: i64 = 640_026;

/// 640027 参数错误 (parameter error). Global list. Simulator choice: more than 3 space admins
/// (auth 7) counting those already set (document: "最多可指定3个"; no public code is known).
pub const PARAMETER_ERROR: i64 = 640_027;

/// 640028 空间设置了关闭成员邀请链接 (the space disabled member invite links). Global list. Not
/// produced by the simulator (no documented call turns invite links off).
pub const INVITE_LINK_DISABLED: i64 = 640_028;

/// 640029 只支持下载普通文件 (only ordinary files can be downloaded). Global list.
/// `file_download` of a folder or a document.
pub const DOWNLOAD_NOT_A_FILE: i64 = 640_029;
