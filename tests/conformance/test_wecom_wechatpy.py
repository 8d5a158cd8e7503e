"""WeCom WeDrive simulator driven by wechatpy, the common Python WeCom SDK.

wechatpy has no WeDrive module, so its generic enterprise client calls each function the way
WeCom's own documents show (`POST cgi-bin/wedrive/<function>?access_token=`); the client
fetches the token from `cgi-bin/gettoken`, raises on a non-zero errcode and refetches the
token on 40014/42001 by itself.
"""

import base64
import hashlib
import struct

import pytest
import requests
from wechatpy.enterprise import WeChatClient
from wechatpy.exceptions import WeChatClientException

from conftest import Control, demo

D = demo("wecom")
BLOCK = 2 * 1024 * 1024


class SimClient(WeChatClient):
    """wechatpy's enterprise client aimed at the simulator instead of qyapi.weixin.qq.com."""

    def __init__(self, base, **kw):
        self.API_BASE_URL = f"{base}/cgi-bin/"
        self._base = base
        super().__init__(D["CORP_ID"], D["CORP_SECRET"], **kw)

    def fetch_access_token(self):
        return self._fetch_access_token(
            url=f"{self._base}/cgi-bin/gettoken",
            params={"corpid": self.corp_id, "corpsecret": self.secret},
        )

    def drive(self, function, **body):
        return self.post(f"wedrive/{function}", data=body)


@pytest.fixture
def client(wecom_url):
    Control(wecom_url).reset()
    return SimClient(wecom_url)


def _sha1_midstate(data):
    """SHA-1 state h0..h4 after the whole 64-byte blocks of `data` (README, block_sha)."""
    h = [0x67452301, 0xEFCDAB89, 0x98BADCFE, 0x10325476, 0xC3D2E1F0]
    rol = lambda x, n: ((x << n) | (x >> (32 - n))) & 0xFFFFFFFF  # noqa: E731
    for off in range(0, len(data), 64):
        w = list(struct.unpack(">16I", data[off:off + 64]))
        for i in range(16, 80):
            w.append(rol(w[i - 3] ^ w[i - 8] ^ w[i - 14] ^ w[i - 16], 1))
        a, b, c, d, e = h
        for i in range(80):
            if i < 20:
                f, k = (b & c) | (~b & d), 0x5A827999
            elif i < 40:
                f, k = b ^ c ^ d, 0x6ED9EBA1
            elif i < 60:
                f, k = (b & c) | (b & d) | (c & d), 0x8F1BBCDC
            else:
                f, k = b ^ c ^ d, 0xCA62C1D6
            a, b, c, d, e = (rol(a, 5) + f + e + k + w[i]) & 0xFFFFFFFF, a, rol(b, 30), c, d
        h = [(x + y) & 0xFFFFFFFF for x, y in zip(h, (a, b, c, d, e))]
    return h


def block_sha(data):
    """WeCom's block_sha list: midstates as little-endian words, then the whole digest."""
    out = []
    for end in range(BLOCK, len(data), BLOCK):
        out.append(struct.pack("<5I", *_sha1_midstate(data[:end])).hex())
    out.append(hashlib.sha1(data).hexdigest())
    return out


def test_the_block_sha_helper_reproduces_the_published_vector():
    content = (b"1234567890\r\n" * 500000)[:5999998]
    assert block_sha(content) == [
        "5186fee37e9f7e77a1f6bea8d4e32638d5186d44",
        "cf540965f3190bc0c6367147ab0ac64dc9eff6a0",
        "bda1e884e1cb23a5cbdea73d2e00e23baa72d2f5",
    ]


def test_the_sdk_fetches_a_token_and_lists_the_demo_space(client):
    listed = client.drive("file_list", spaceid=D["SPACE_ID"], fatherid=D["SPACE_ID"],
                          sort_type=1, start=0, limit=100)
    names = [i["file_name"] for i in listed["file_list"]["item"]]
    assert D["FOLDER_NAME"] in names
    assert listed["errcode"] == 0


def test_a_revoked_token_is_refetched_by_the_sdk_and_the_call_succeeds(client, wecom_url):
    client.drive("space_info", spaceid=D["SPACE_ID"])
    Control(wecom_url).revoke_tokens()
    info = client.drive("space_info", spaceid=D["SPACE_ID"])
    assert info["space_info"]["spaceid"] == D["SPACE_ID"]


def test_errors_reach_the_sdk_as_client_exceptions_with_the_errcode(client):
    with pytest.raises(WeChatClientException) as e:
        client.drive("file_info", fileid="s.nope_f.nope")
    assert e.value.errcode != 0
    with pytest.raises(WeChatClientException) as e:
        client.drive("file_teleport", fileid=D["FILE_ID"])
    assert e.value.errcode == 48001


def test_an_injected_upstream_failure_reaches_the_sdk_as_system_busy(client, wecom_url):
    Control(wecom_url).fault(path="file_info", type="error", code="-1")
    with pytest.raises(WeChatClientException) as e:
        client.drive("file_info", fileid=D["FILE_ID"])
    assert e.value.errcode == -1


def test_spaces_are_created_renamed_shared_set_up_and_dismissed(client):
    space = client.drive("space_create", space_name="Conformance",
                         auth_info=[{"type": 1, "userid": D["ADMIN_USER"], "auth": 7}])["spaceid"]
    client.drive("space_rename", spaceid=space, space_name="Renamed")
    assert client.drive("space_info", spaceid=space)["space_info"]["space_name"] == "Renamed"
    assert client.drive("new_space_info", spaceid=space)["space_info"]["spaceid"] == space
    client.drive("space_setting", spaceid=space, enable_watermark=True)
    assert client.drive("space_share", spaceid=space)["space_share_url"]
    client.drive("space_acl_add", spaceid=space,
                 auth_info=[{"type": 1, "userid": "wangwu", "auth": 1}])
    client.drive("space_acl_del", spaceid=space, auth_info=[{"type": 1, "userid": "wangwu"}])
    client.drive("space_dismiss", spaceid=space)
    with pytest.raises(WeChatClientException):
        client.drive("space_info", spaceid=space)


def test_files_are_created_renamed_moved_described_and_deleted(client):
    made = client.drive("file_create", spaceid=D["SPACE_ID"], fatherid=D["SPACE_ID"],
                        file_type=1, file_name="conformance-folder")
    folder = made["fileid"]
    content = b"hello from wechatpy\n"
    up = client.drive("file_upload", spaceid=D["SPACE_ID"], fatherid=D["SPACE_ID"],
                      file_name="c.txt", file_base64_content=base64.b64encode(content).decode())
    fileid = up["fileid"]
    client.drive("file_rename", fileid=fileid, new_name="renamed.txt")
    client.drive("file_move", fatherid=folder, fileid=[fileid], replace=False)
    info = client.drive("file_info", fileid=fileid)["file_info"]
    assert (info["file_name"], info["fatherid"], int(info["file_size"])) == \
        ("renamed.txt", folder, len(content))
    client.drive("file_delete", fileid=[fileid, folder])
    assert client.drive("file_info", fileid=fileid)["file_info"]["file_status"] == 2


def test_a_download_url_from_file_download_serves_the_bytes_with_its_cookie(client):
    d = client.drive("file_download", fileid=D["FILE_ID"])
    r = requests.get(d["download_url"], cookies={d["cookie_name"]: d["cookie_value"]},
                     timeout=10)
    assert r.status_code == 200
    size = client.drive("file_info", fileid=D["FILE_ID"])["file_info"]["file_size"]
    assert len(r.content) == int(size) > 0


def test_a_chunked_upload_of_three_blocks_is_assembled(client):
    data = bytes((i * 31) % 251 for i in range(2 * BLOCK + 1000))
    init = client.drive("file_upload_init", spaceid=D["SPACE_ID"], fatherid=D["SPACE_ID"],
                        file_name="chunked.bin", size=len(data), block_sha=block_sha(data),
                        skip_push_card=True)
    key = init["upload_key"]
    for index, start in enumerate(range(0, len(data), BLOCK), start=1):
        part = data[start:start + BLOCK]
        client.drive("file_upload_part", upload_key=key, index=index,
                     file_base64_content=base64.b64encode(part).decode())
    fileid = client.drive("file_upload_finish", upload_key=key)["fileid"]
    assert int(client.drive("file_info", fileid=fileid)["file_info"]["file_size"]) == len(data)


def test_file_permissions_sharing_and_security_settings_round_trip(client):
    client.drive("file_acl_add", fileid=D["JSON_FILE_ID"],
                 auth_info=[{"type": 1, "userid": "wujiu", "auth": 4}])
    perms = client.drive("get_file_permission", fileid=D["JSON_FILE_ID"])
    assert "wujiu" in str(perms)
    client.drive("file_acl_del", fileid=D["JSON_FILE_ID"],
                 auth_info=[{"type": 1, "userid": "wujiu"}])
    client.drive("file_setting", fileid=D["FILE_ID"], auth_scope=3, auth=4)
    assert client.drive("file_share", fileid=D["FILE_ID"])["share_url"]
    client.drive("file_secure_setting", fileid=D["DOC_ID"],
                 watermark={"text": "内部资料", "margin_type": 2, "show_text": True})


def test_capacity_and_pro_info_are_answered(client):
    cap = client.drive("mng_capacity")
    assert cap["total_capacity_for_all"] >= cap["rest_capacity_for_all"]
    assert client.drive("mng_pro_info", userid=D["ADMIN_USER"])["is_pro"] in (True, False)
