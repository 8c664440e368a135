"""The panel on the demand's page, the upload and delete POSTs, the download: scope through
the demand, headers that keep the browser from guessing or keeping, the audit record."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from gongzhi.attachments import services
from gongzhi.attachments.models import Attachment
from gongzhi.core.models import AuditLog

from .files import pdf, photo

UPLOAD = "attachments:upload_demands_demand"


def upload(name, data):
    return SimpleUploadedFile(name, data)


@pytest.fixture
def row(world, demand):
    (added,) = services.attach(
        demand,
        [upload("现场.png", photo("PNG", (40, 30)))],
        actor=world.users["secretary"],
        kind="photo",
        caption="楼道灯",
    )
    return added


@pytest.fixture
def theirs(world, sibling_demand):
    (added,) = services.attach(
        sibling_demand,
        [upload("邻里现场.png", photo("PNG", (40, 30)))],
        actor=world.users["district_admin"],
        kind="photo",
    )
    return added


def test_the_demand_page_shows_the_files_and_the_upload_form_to_handlers(
    world, demand, row, client_as
):
    page = client_as(world.users["staff"]).get(reverse("demands:detail", args=[demand.pk]))
    body = page.content.decode()
    assert page.status_code == 200
    assert "照片和材料" in body and "现场.png" in body and "楼道灯" in body
    assert reverse("attachments:thumbnail", args=[row.pk]) in body
    assert reverse(UPLOAD, args=[demand.pk]) in body
    assert reverse("attachments:delete", args=[row.pk]) in body


def test_a_viewer_who_does_not_handle_the_demand_sees_the_files_only(world, demand, row, client_as):
    page = client_as(world.users["grid_worker"]).get(reverse("demands:detail", args=[demand.pk]))
    body = page.content.decode()
    assert "现场.png" in body
    assert reverse(UPLOAD, args=[demand.pk]) not in body
    assert reverse("attachments:delete", args=[row.pk]) not in body


def test_upload_from_the_page(world, demand, client_as):
    client = client_as(world.users["staff"])
    response = client.post(
        reverse(UPLOAD, args=[demand.pk]),
        {
            "file": [upload("一.jpg", photo()), upload("二.pdf", pdf())],
            "kind": "document",
            "caption": "现场",
        },
    )
    assert response.status_code == 302 and response.url == demand.get_absolute_url()
    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["一.jpg", "二.pdf"]
    page = client.get(response.url)
    assert "已上传2个附件" in page.content.decode()


def test_upload_with_htmx_answers_the_panel(world, demand, client_as):
    response = client_as(world.users["staff"]).post(
        reverse(UPLOAD, args=[demand.pk]),
        {"file": [upload("一.jpg", photo())], "kind": "photo"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert response.status_code == 200 and body.lstrip().startswith("<section")
    assert "一.jpg" in body and "已上传1个附件" in body


def test_a_refused_upload_says_why_and_keeps_nothing(world, demand, client_as):
    client = client_as(world.users["staff"])
    response = client.post(
        reverse(UPLOAD, args=[demand.pk]),
        {"file": [upload("合同.pdf", photo())], "kind": "document"},
        headers={"HX-Request": "true"},
    )
    body = response.content.decode()
    assert "附件“合同.pdf”的内容是JPEG 图片，与扩展名“.pdf”不符" in body
    assert not Attachment.objects.exists()
    plain = client.post(reverse(UPLOAD, args=[demand.pk]), {"kind": "photo"}, follow=True)
    assert "请选择要上传的文件。" in plain.content.decode()


def test_download_headers_and_audit(world, row, client_as):
    response = client_as(world.users["grid_worker"]).get(
        reverse("attachments:download", args=[row.pk])
    )
    assert response.status_code == 200
    content = b"".join(response.streaming_content)
    assert content[:8] == b"\x89PNG\r\n\x1a\n" and len(content) == row.size
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA.png" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response["Cache-Control"] and "private" in response["Cache-Control"]
    record = AuditLog.objects.get(action="attachments.attachment.downloaded")
    assert record.username == "wg" and record.target_id == str(row.pk)


def test_the_thumbnail_is_inline_and_not_audited(world, row, client_as):
    response = client_as(world.users["staff"]).get(reverse("attachments:thumbnail", args=[row.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == "inline"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert not AuditLog.objects.filter(action="attachments.attachment.downloaded").exists()


def test_delete_from_the_page(world, demand, row, client_as):
    response = client_as(world.users["staff"]).post(reverse("attachments:delete", args=[row.pk]))
    assert response.status_code == 302 and response.url == demand.get_absolute_url()
    assert not Attachment.objects.exists()


def test_the_sibling_communitys_files_are_404_everywhere(world, sibling_demand, theirs, client_as):
    client = client_as(world.users["secretary"])
    assert client.get(reverse("attachments:download", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("attachments:thumbnail", args=[theirs.pk])).status_code == 404
    assert client.post(reverse("attachments:delete", args=[theirs.pk])).status_code == 404
    response = client.post(
        reverse(UPLOAD, args=[sibling_demand.pk]), {"file": [upload("a.jpg", photo())]}
    )
    assert response.status_code == 404
    assert Attachment.objects.count() == 1
    # Like a file that does not exist.
    assert client.get(reverse("attachments:download", args=[987654])).status_code == 404


def test_a_viewer_cannot_delete(world, row, client_as):
    client = client_as(world.users["grid_worker"])
    assert client.post(reverse("attachments:delete", args=[row.pk])).status_code == 404
    assert Attachment.objects.filter(pk=row.pk).exists()


def test_a_visitor_not_signed_in_is_sent_to_sign_in(client, row):
    response = client.get(reverse("attachments:download", args=[row.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_panel_costs_the_same_queries_for_one_file_and_for_five(
    world, demand, row, client_as, django_assert_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client = client_as(world.users["staff"])
    url = reverse("demands:detail", args=[demand.pk])
    client.get(url)
    with CaptureQueriesContext(connection) as one:
        client.get(url)
    services.attach(
        demand,
        [upload(f"{i}.txt", b"x") for i in range(4)],
        actor=world.users["staff"],
        kind="document",
    )
    with CaptureQueriesContext(connection) as five:
        client.get(url)
    assert len(five) == len(one)


def test_names_and_captions_are_shown_as_text(world, demand, client_as):
    services.attach(
        demand,
        [upload("x'onmouseover='alert(1)'.png", photo("PNG", (20, 20)))],
        actor=world.users["staff"],
        kind="photo",
        caption="<script>alert(1)</script>",
    )
    body = client_as(world.users["staff"]).get(demand.get_absolute_url()).content.decode()
    assert "<script>alert(1)</script>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body
    assert "onmouseover='alert" not in body
