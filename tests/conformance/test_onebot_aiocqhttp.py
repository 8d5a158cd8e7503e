"""OneBot 11 group-file simulator driven by aiocqhttp, the common Python OneBot SDK.

Every group-file action of the document goes through aiocqhttp's HTTP API client
(`CQHttp(api_root=…, access_token=…)`), which posts JSON with a Bearer token, raises
`ActionFailed` on `status: failed` and `HttpFailed` on a non-2xx answer.
"""

import asyncio
import base64
import hashlib

import pytest
import requests
from aiocqhttp import CQHttp
from aiocqhttp.exceptions import ActionFailed, HttpFailed

from conftest import Control, demo

D = demo("onebot")
GROUP = D["GROUP_ID"]


@pytest.fixture
def bot(onebot_url):
    Control(onebot_url).reset()
    return CQHttp(api_root=onebot_url, access_token=D["ACCESS_TOKEN"], api_timeout_sec=30)


def run(coro):
    return asyncio.run(coro)


def b64(data):
    return "base64://" + base64.b64encode(data).decode()


def test_account_actions_answer_the_bot_its_groups_and_friends(bot):
    login = run(bot.call_action("get_login_info"))
    assert login["user_id"] == D["SELF_ID"]
    assert GROUP in [g["group_id"] for g in run(bot.call_action("get_group_list"))]
    assert D["FRIEND_ID"] in [f["user_id"] for f in run(bot.call_action("get_friend_list"))]


def test_the_file_system_info_and_the_root_listing_are_read(bot):
    info = run(bot.call_action("get_group_file_system_info", group_id=GROUP))
    assert info["file_count"] >= 2 and info["total_space"] > info["used_space"]
    root = run(bot.call_action("get_group_root_files", group_id=GROUP))
    assert D["FILE_NAME"] in [f["file_name"] for f in root["files"]]
    assert D["FOLDER_NAME"] in [f["folder_name"] for f in root["folders"]]


def test_a_folder_listing_shows_its_files(bot):
    listing = run(bot.call_action("get_group_files_by_folder", group_id=GROUP,
                                  folder_id=D["FOLDER_ID"]))
    assert D["FOLDER_FILE_NAME"] in [f["file_name"] for f in listing["files"]]


def test_folders_are_created_renamed_and_deleted(bot):
    run(bot.call_action("create_group_file_folder", group_id=GROUP, name="conformance",
                        parent_id="/"))
    root = run(bot.call_action("get_group_root_files", group_id=GROUP))
    folder = next(f for f in root["folders"] if f["folder_name"] == "conformance")
    run(bot.call_action("rename_group_folder", group_id=GROUP, folder_id=folder["folder_id"],
                        name="renamed"))
    root = run(bot.call_action("get_group_root_files", group_id=GROUP))
    assert "renamed" in [f["folder_name"] for f in root["folders"]]
    run(bot.call_action("delete_group_folder", group_id=GROUP, folder_id=folder["folder_id"]))
    root = run(bot.call_action("get_group_root_files", group_id=GROUP))
    assert folder["folder_id"] not in [f["folder_id"] for f in root["folders"]]


def test_an_upload_is_listed_downloaded_through_its_url_and_deleted(bot):
    content = b"uploaded by aiocqhttp\n"
    up = run(bot.call_action("upload_group_file", group_id=GROUP, file=b64(content),
                             name="aiocqhttp.txt"))
    assert up["md5"] == hashlib.md5(content).hexdigest()
    root = run(bot.call_action("get_group_root_files", group_id=GROUP))
    f = next(f for f in root["files"] if f["file_name"] == "aiocqhttp.txt")
    url = run(bot.call_action("get_group_file_url", group_id=GROUP, file_id=f["file_id"],
                              busid=f["busid"]))["url"]
    assert requests.get(url, timeout=10).content == content
    run(bot.call_action("delete_group_file", group_id=GROUP, file_id=f["file_id"],
                        busid=f["busid"]))
    root = run(bot.call_action("get_group_root_files", group_id=GROUP))
    assert f["file_id"] not in [x["file_id"] for x in root["files"]]


def test_a_loopback_url_in_file_is_accepted_and_counted(bot, onebot_url):
    url = run(bot.call_action("get_group_file_url", group_id=GROUP, file_id=D["FILE_ID"],
                              busid=D["BUSID"]))["url"]
    before = Control(onebot_url).calls("upload_file_url")
    up = run(bot.call_action("upload_group_file", group_id=GROUP, file=url, name="copy.txt"))
    assert up["md5"] == hashlib.md5(requests.get(url, timeout=10).content).hexdigest()
    assert Control(onebot_url).calls("upload_file_url") == before + 1


def test_the_folder_parameter_of_upload_group_file_is_ignored_as_shamrock_does(bot):
    run(bot.call_action("upload_group_file", group_id=GROUP, file=b64(b"x"), name="f.txt",
                        folder=D["FOLDER_ID"]))
    root = run(bot.call_action("get_group_root_files", group_id=GROUP))
    assert "f.txt" in [f["file_name"] for f in root["files"]]


def test_a_private_file_is_sent_to_a_friend(bot):
    up = run(bot.call_action("upload_private_file", user_id=D["FRIEND_ID"], file=b64(b"hi"),
                             name="hi.txt"))
    assert up["md5"] == hashlib.md5(b"hi").hexdigest()


def test_failures_reach_the_sdk_as_action_failed_with_the_retcode(bot):
    with pytest.raises(ActionFailed) as e:
        run(bot.call_action("get_group_root_files", group_id=424242))
    assert e.value.retcode != 0
    with pytest.raises(ActionFailed) as e:
        run(bot.call_action("upload_group_file", group_id=GROUP, file="/etc/passwd",
                            name="x.txt"))
    assert e.value.retcode == 1400


def test_an_unknown_action_and_a_wrong_token_are_http_failures(bot, onebot_url):
    with pytest.raises(HttpFailed) as e:
        run(bot.call_action("teleport_group_file", group_id=GROUP))
    assert e.value.status_code == 404
    stranger = CQHttp(api_root=onebot_url, access_token="wrong")
    with pytest.raises(HttpFailed) as e:
        run(stranger.call_action("get_group_list"))
    assert e.value.status_code == 403


def test_an_injected_implementation_failure_reaches_the_sdk(bot, onebot_url):
    Control(onebot_url).fault(path="get_group_list", type="error", code="100")
    with pytest.raises(ActionFailed) as e:
        run(bot.call_action("get_group_list"))
    assert e.value.retcode == 100
    Control(onebot_url).fault(path="get_group_list", type="server_error", status=502)
    with pytest.raises(HttpFailed) as e:
        run(bot.call_action("get_group_list"))
    assert e.value.status_code == 502
