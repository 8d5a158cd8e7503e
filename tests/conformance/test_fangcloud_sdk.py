"""Fangcloud simulator driven by the official Python SDK (PyPI `fangcloud`).

The SDK predates some of the document's v2 forms: it obtains tokens with RS256 `grant_type=jwt`
and uploads through the v1 `file/upload` and `file/{id}/new_version`, none of which the
document gives. For those calls the SDK's own transport is pointed at the document's endpoint
(`file/upload_v2`, `new_version_v2`); the token is fetched with the document's `jwt_simple`
and handed to the SDK, which then refreshes it by itself with `grant_type=refresh_token`. The
SDK's `invite_collaborator` sends the stale pre-2017 `invited_user` body (README), so the
invitation goes through its transport with the document's `accessible_by` body too.
"""

import base64
import json
import time
import uuid

import pytest
import requests
from fangcloud.base_type import CollaborationRole, ItemType, ShareLinkAccess
from fangcloud.exceptions import YfyAPIException
from fangcloud.url_builder import UrlBuilder
from fangcloud.yifangyun import YfyClient, YfyInit

from conftest import Control, demo

D = demo("fangcloud")


def jwt_simple(base, sub_type, sub):
    """The document's token request (获取access_token): a base64 JSON assertion."""
    now = int(time.time())
    claims = {"yifangyun_sub_type": sub_type, "sub": str(sub), "exp": str(now + 60),
              "iat": str(now), "jti": str(uuid.uuid4())}
    assertion = base64.b64encode(json.dumps(claims).encode()).decode()
    r = requests.post(f"{base}/oauth/token",
                      params={"grant_type": "jwt_simple", "assertion": assertion},
                      auth=(D["CLIENT_ID"], D["CLIENT_SECRET"]), timeout=10)
    assert r.status_code == 200, r.text
    return r.json()


@pytest.fixture
def client(fangcloud_url):
    Control(fangcloud_url).reset()
    UrlBuilder._HOST = fangcloud_url
    UrlBuilder._OAUTH_HOST = fangcloud_url
    YfyInit.init_system(D["CLIENT_ID"], D["CLIENT_SECRET"])
    t = jwt_simple(fangcloud_url, "user", D["USER_ID"])
    return YfyClient(t["access_token"], t["refresh_token"], None)


def api(path):
    return f"{UrlBuilder._HOST}/api/v2/{path}"


def upload(client, tmp_path, parent, name, content):
    """Presign with the document's `upload_v2`, then the SDK's multipart POST."""
    path = tmp_path / name
    path.write_bytes(content)
    presign = client.file().post(api("file/upload_v2"), request_json_arg={
        "parent_id": parent, "name": name, "upload_type": "api"})
    return client.file().post_file(presign["presign_url"], upload_file_path=str(path))


def test_user_calls_answer_the_token_user(client):
    me = client.user().get_self_info()
    assert me["id"] == D["USER_ID"]
    assert client.user().get_user_info(D["ALICE_ID"])["id"] == D["ALICE_ID"]
    assert client.user().get_user_space()["space_total"] > 0
    found = client.user().search_user("ali", 0)
    assert [u["id"] for u in found["users"]] == [D["ALICE_ID"]]
    client.user().update_user_info("Renamed by the SDK")
    assert client.user().get_self_info()["name"] == "Renamed by the SDK"


def test_folders_are_created_listed_described_renamed_moved_and_trashed(client):
    a = client.folder().create_folder("sdk-a", 0)
    b = client.folder().create_folder("sdk-b", 0)
    children = client.folder().get_children(0, 0, 100, ItemType.All)
    assert {"sdk-a", "sdk-b"} <= {f["name"] for f in children["folders"]}
    assert client.folder().get_folder_info(a["id"])["name"] == "sdk-a"
    assert client.folder().get_folder_info(0)["id"] == 0
    client.folder().update_folder(a["id"], "sdk-a2")
    client.folder().move_folder(a["id"], b["id"])
    inner = client.folder().get_children(b["id"])
    assert [f["name"] for f in inner["folders"]] == ["sdk-a2"]
    client.folder().delete_folder(b["id"])
    client.folder().restore_folder_from_trash(b["id"])
    client.folder().delete_folder(b["id"])
    client.folder().delete_from_trash(b["id"])
    with pytest.raises(YfyAPIException):
        client.folder().get_folder_info(b["id"])


def test_an_upload_is_described_downloaded_renamed_moved_copied_and_trashed(client, tmp_path):
    content = b"uploaded through the official SDK\n"
    f = upload(client, tmp_path, 0, "sdk.txt", content)
    info = client.file().get_info(f["id"])
    assert (info["name"], info["size"]) == ("sdk.txt", len(content))
    out = tmp_path / "back.txt"
    assert client.file().download_file(f["id"], str(out))
    assert out.read_bytes() == content
    client.file().update_info(f["id"], "sdk-renamed.txt", "described")
    folder = client.folder().create_folder("sdk-target", 0)
    client.file().move_file(f["id"], folder["id"])
    copy = client.file().copy_file(f["id"], 0, False)
    assert copy["id"] != f["id"]
    client.file().delete_file(copy["id"])
    client.file().restore_from_trash(copy["id"])
    client.file().delete_file(copy["id"])
    client.file().delete_from_trash(copy["id"])
    client.trash().clear(ItemType.All)
    client.trash().restore_all(ItemType.All)


def test_a_new_version_goes_through_new_version_v2(client, tmp_path):
    f = upload(client, tmp_path, 0, "versioned.txt", b"one")
    path = tmp_path / "two.txt"
    path.write_bytes(b"two")
    presign = client.file().post(api(f"file/{f['id']}/new_version_v2"), request_json_arg={
        "name": "versioned.txt", "upload_type": "api", "remark": "second"})
    client.file().post_file(presign["presign_url"], upload_file_path=str(path))
    versions = client.file().get(api(f"file/{f['id']}/versions"))
    assert len(versions["file_versions"]) == 2


def test_search_takes_the_sdks_documented_parameters(client, tmp_path):
    upload(client, tmp_path, 0, "needle-sdk.txt", b"x")
    found = client.item().search("needle-sdk")
    assert [f["name"] for f in found["files"]] == ["needle-sdk.txt"]
    assert found["page_capacity"] == 20


def test_comments_are_created_listed_and_deleted(client):
    c = client.comment().create_comment(D["HELLO_FILE_ID"], "from the SDK")
    listed = client.file().get_comments(D["HELLO_FILE_ID"])
    assert c["id"] in [x["id"] for x in listed["comments"]]
    client.comment().delete_comment(c["id"])


def test_share_links_are_created_read_updated_listed_and_revoked(client):
    link = client.share_link().create_file_share_link(
        D["HELLO_FILE_ID"], ShareLinkAccess.Public, "2099-12-31")
    name = link["unique_name"]
    assert client.share_link().get_share_link_info(name)["unique_name"] == name
    client.share_link().update_share_link_info(name, ShareLinkAccess.Company, "2099-12-30")
    listed = client.file().get_share_links(D["HELLO_FILE_ID"])
    assert name in [x["unique_name"] for x in listed["share_links"]]
    folder_link = client.share_link().create_folder_share_link(
        D["DOCUMENTS_FOLDER_ID"], ShareLinkAccess.Public, "2099-12-31")
    assert folder_link["unique_name"] in [
        x["unique_name"] for x in client.folder().get_share_links(D["DOCUMENTS_FOLDER_ID"])["share_links"]]
    client.share_link().delete_share_link(name)


def test_collaborations_are_invited_read_updated_and_deleted(client):
    folder = client.folder().create_folder("sdk-collab", 0)
    invited = client.collaboration().post(api("collab/invite"), request_json_arg={
        "folder_id": folder["id"],
        "accessible_by": {"type": "user", "id": D["ALICE_ID"], "role": CollaborationRole.Viewer}})
    cid = invited["collab_id"] if "collab_id" in invited else invited["id"]
    assert client.collaboration().get_collaboration(cid)["id"] == cid
    # The SDK's `edit` role is not the document's `editor`; `viewer_uploader` is in both.
    client.collaboration().update_collaboration(cid, CollaborationRole.ViewerUploader)
    collabs = client.folder().get_folder_collaborations(folder["id"])
    assert cid in [c.get("id") for c in collabs["collabs"]]
    client.collaboration().delete_collaboration(cid)


def test_errors_carry_a_request_id_the_sdk_can_read(client):
    with pytest.raises(YfyAPIException) as e:
        client.file().get_info(424242424242)
    assert e.value.request_id
    assert e.value.status_code == 404
    with pytest.raises(YfyAPIException) as e:
        client.file().get(api("no/such/call"))
    assert e.value.request_id


def test_an_invalid_token_is_refreshed_by_the_sdk_and_other_request_families_go_on(
        client, fangcloud_url):
    client.user().get_self_info()
    Control(fangcloud_url).fault(path="user/info", type="error", code="invalid_token")
    assert client.user().get_self_info()["id"] == D["USER_ID"]
    # The folder family still holds the first access token (one copy per family).
    assert client.folder().get_folder_info(0)["id"] == 0
    assert Control(fangcloud_url).calls("oauth/token") == 2
