"""The API: a demand's files listed, uploaded (Base64 JSON), downloaded and deleted, with
the same rules as the pages; refusals are the JSON error body, never a 500."""

import base64
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from gongzhi.attachments import services
from gongzhi.attachments.models import Attachment
from gongzhi.core.models import AuditLog
from gongzhi.core.testing import api_key

from .files import photo

API = "/api/v1/attachments"


def owner_url(demand) -> str:
    return f"{API}/demands/demand/{demand.pk}"


def body(name: str, data: bytes, **extra) -> dict:
    return {"file_name": name, "file": base64.b64encode(data).decode(), **extra}


@pytest.fixture
def call(client, world):
    def _call(role, method, url, payload=None):
        headers = {"Authorization": f"Bearer {api_key(world.users[role])}"}
        if payload is None:
            return getattr(client, method)(url, headers=headers)
        return getattr(client, method)(
            url, payload, content_type="application/json", headers=headers
        )

    return _call


@pytest.fixture
def theirs(world, sibling_demand):
    (added,) = services.attach(
        sibling_demand,
        [SimpleUploadedFile("邻里.txt", b"x")],
        actor=world.users["district_admin"],
        kind="document",
    )
    return added


def test_upload_list_download_delete(world, demand, call):
    created = call(
        "staff", "post", owner_url(demand), body("现场.jpg", photo(), kind="photo", caption="灯")
    )
    assert created.status_code == 201, created.content
    out = created.json()
    assert out["name"] == "现场.jpg" and out["mime_type"] == "image/jpeg" and out["kind"] == "photo"
    assert out["caption"] == "灯" and out["width"] == 400 and out["thumbnail_url"]
    listed = call("grid_worker", "get", owner_url(demand))
    assert listed.status_code == 200 and [a["id"] for a in listed.json()["items"]] == [out["id"]]
    download = call("grid_worker", "get", out["download_url"])
    assert download.status_code == 200
    data = b"".join(download.streaming_content)
    assert not Image.open(io.BytesIO(data)).getexif()
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert AuditLog.objects.filter(action="attachments.attachment.downloaded").count() == 1
    preview = call("grid_worker", "get", out["thumbnail_url"])
    assert preview.status_code == 200 and preview["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(b"".join(preview.streaming_content))).size) == 320
    assert call("grid_worker", "delete", f"{API}/{out['id']}").status_code == 404
    assert call("staff", "delete", f"{API}/{out['id']}").status_code == 204
    assert not Attachment.objects.exists()


@pytest.mark.parametrize(
    ("payload", "code", "field", "text"),
    [
        (body("合同.pdf", b"\xff\xd8\xff\xe0not really"), "extension", "file", "与扩展名"),
        ({"file_name": "a.txt", "file": "不是base64"}, "rule_violation", "file", "Base64"),
        (body("空.txt", b""), "empty", "file", "空文件"),
        (body("a.txt", b"x", kind="receipt"), "rule_violation", "kind", "用途"),
    ],
    ids=["extension", "base64", "empty", "kind"],
)
def test_refusals_are_422_with_the_field(world, demand, call, payload, code, field, text):
    response = call("staff", "post", owner_url(demand), payload)
    assert response.status_code == 422, response.content
    error = response.json()["error"]
    assert error["code"] == code and error["field"] == field and text in error["message"]
    assert not Attachment.objects.exists()


def test_the_sibling_community_gets_404_everywhere(world, demand, sibling_demand, theirs, call):
    for method, url, payload in (
        ("get", owner_url(sibling_demand), None),
        ("post", owner_url(sibling_demand), body("a.txt", b"x")),
        ("get", f"{API}/{theirs.pk}/download", None),
        ("get", f"{API}/{theirs.pk}/thumbnail", None),
        ("delete", f"{API}/{theirs.pk}", None),
    ):
        response = call("secretary", method, url, payload)
        assert response.status_code == 404, (method, url)
        assert response.json()["error"]["code"] == "not_found"
        assert "邻里" not in response.content.decode()
    assert Attachment.objects.count() == 1


def test_a_storage_failure_is_a_503_error_body(world, demand, call, monkeypatch):
    def fail(*args, **kwargs):
        raise services.StorageUnavailable()

    monkeypatch.setattr(services, "_store", fail)
    response = call("staff", "post", owner_url(demand), body("a.txt", b"x", kind="document"))
    assert response.status_code == 503
    assert response.json()["error"]["code"] == "storage_unavailable"
