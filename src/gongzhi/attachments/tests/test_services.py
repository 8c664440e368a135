"""The attachment service: checks before anything is kept, images re-encoded without their
metadata, limits as parameters, scope through the owner, nothing half written."""

import io
from datetime import date, timedelta

import pytest
import time_machine
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.utils import timezone
from PIL import ExifTags, Image

from gongzhi.attachments import selectors, services, tasks
from gongzhi.attachments.models import Attachment
from gongzhi.attachments.storage import storage
from gongzhi.core import audit, params
from gongzhi.core.errors import NotFoundOrForbidden, RuleViolation
from gongzhi.core.models import AuditLog, ParameterValue

from .files import HEIC, docx, pdf, photo, xlsx


def upload(name: str, data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data)


def attach(demand, user, *files, kind="photo", caption=""):
    return services.attach(demand, list(files), actor=user, kind=kind, caption=caption)


def stored_image(row: Attachment, thumbnail: bool = False) -> Image.Image:
    with storage().open(row.thumbnail if thumbnail else row.blob, "rb") as f:
        return Image.open(io.BytesIO(f.read()))


def set_param(key, value):
    ParameterValue.objects.create(key=key, value=value, effective_from=date(2000, 1, 1))
    params._OVERRIDES.forget()


# --- Images -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_gps_and_every_other_exif_tag_are_gone_from_the_stored_image(world, demand, fmt):
    original = photo(fmt)
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    (row,) = attach(demand, world.users["secretary"], upload(f"现场.{fmt.lower()}", original))
    with storage().open(row.blob, "rb") as f:
        data = f.read()
    image = Image.open(io.BytesIO(data))
    assert image.format == fmt
    assert not image.getexif()  # no EXIF at all: no GPS, no maker, no model
    assert b"TestPhone" not in data and b"GPS" not in data
    assert row.sha256 and row.size == len(data) and row.mime_type == f"image/{fmt.lower()}"


def test_the_orientation_is_applied_before_the_tag_goes(world, demand):
    # Orientation 6: stored 400×300, shown turned a quarter clockwise (300×400).
    (row,) = attach(demand, world.users["secretary"], upload("竖拍.jpg", photo(orientation=6)))
    image = stored_image(row)
    assert image.size == (300, 400) and (row.width, row.height) == (300, 400)
    # The blue half (left when stored) is now on top.
    top, bottom = image.getpixel((150, 20)), image.getpixel((150, 380))
    assert top[2] > top[0] and bottom[0] > bottom[2]


def test_large_images_are_scaled_down_and_a_thumbnail_made(world, demand):
    (row,) = attach(
        demand, world.users["secretary"], upload("大图.png", photo("PNG", (3000, 1000)))
    )
    assert stored_image(row).size == (2560, 853)
    thumbnail = stored_image(row, thumbnail=True)
    assert thumbnail.format == "JPEG" and max(thumbnail.size) == 320
    assert not thumbnail.getexif()


def test_a_heic_photo_is_stored_as_jpeg_without_its_position(world, demand):
    (row,) = attach(demand, world.users["secretary"], upload("IMG_0001.HEIC", HEIC.read_bytes()))
    image = stored_image(row)
    assert image.format == "JPEG" and image.size == (64, 48)
    assert not image.getexif()
    assert row.name == "IMG_0001.jpg" and row.mime_type == "image/jpeg"


def test_a_decompression_bomb_is_refused_before_it_is_decoded(world, demand):
    # 20,000 × 20,000 pixels of one colour: a few hundred KB of PNG, 1.6 GB decoded.
    bomb = io.BytesIO()
    Image.new("L", (20000, 20000)).save(bomb, format="PNG")
    assert len(bomb.getvalue()) < 2 * 1024 * 1024
    with pytest.raises(RuleViolation) as refused:
        attach(demand, world.users["secretary"], upload("炸弹.png", bomb.getvalue()))
    assert refused.value.field == "file" and refused.value.code == "too_many_pixels"
    assert "20000×20000" in str(refused.value.message) and "炸弹.png" in str(refused.value.message)
    assert not Attachment.objects.exists()


def test_a_broken_image_is_refused(world, demand):
    data = photo()[:300]  # a JPEG cut off after its header
    with pytest.raises(RuleViolation) as refused:
        attach(demand, world.users["secretary"], upload("半张.jpg", data))
    assert refused.value.code == "broken"


# --- Types, sizes, counts --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "mime"),
    [
        ("纪要.pdf", pdf(), "application/pdf"),
        (
            "纪要.docx",
            docx(),
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        ),
        ("台账.xlsx", xlsx(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ],
)
def test_documents_are_stored_as_they_came(world, demand, name, data, mime):
    (row,) = attach(demand, world.users["secretary"], upload(name, data), kind="document")
    with storage().open(row.blob, "rb") as f:
        assert f.read() == data
    assert row.mime_type == mime and row.name == name and row.size == len(data)
    assert not row.blob.endswith(name) and "纪要" not in row.blob  # a random name


def test_gb18030_text_is_kept_in_utf8(world, demand):
    text = "情况说明：楼道灯已修好。"
    (row,) = attach(
        demand,
        world.users["secretary"],
        upload("说明.txt", text.encode("gb18030")),
        kind="document",
    )
    with storage().open(row.blob, "rb") as f:
        assert f.read().decode("utf-8-sig") == text


def test_the_extension_must_agree_with_the_content(world, demand):
    with pytest.raises(RuleViolation) as refused:
        attach(demand, world.users["secretary"], upload("合同.pdf", photo()), kind="document")
    message = str(refused.value.message)
    assert refused.value.field == "file" and refused.value.code == "extension"
    assert "合同.pdf" in message and "JPEG 图片" in message and ".pdf" in message


def test_a_photo_must_be_an_image(world, demand):
    with pytest.raises(RuleViolation) as refused:
        attach(demand, world.users["secretary"], upload("纪要.pdf", pdf()), kind="photo")
    assert refused.value.code == "not_image" and "PDF" in str(refused.value.message)


def test_a_kind_the_owner_does_not_take_is_refused(world, demand):
    with pytest.raises(RuleViolation) as refused:
        attach(demand, world.users["secretary"], upload("a.pdf", pdf()), kind="receipt")
    assert refused.value.field == "kind"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world, demand):
    set_param("attachments.max_file_mb", 1)
    big = b"%PDF-1.4\n" + b"0" * (1024 * 1024)
    with pytest.raises(RuleViolation) as refused:
        attach(demand, world.users["secretary"], upload("大.pdf", big), kind="document")
    assert refused.value.code == "too_large" and "1MB" in str(refused.value.message)


def test_an_empty_file_is_refused(world, demand):
    with pytest.raises(RuleViolation) as refused:
        attach(demand, world.users["secretary"], upload("空.txt", b""), kind="document")
    assert refused.value.code == "empty"


def test_at_most_the_parameters_number_of_images_per_owner(world, demand):
    set_param("attachments.max_images_per_owner", 2)
    user = world.users["secretary"]
    attach(demand, user, upload("1.png", photo("PNG", (20, 20))))
    with pytest.raises(RuleViolation) as refused:
        attach(
            demand,
            user,
            upload("2.png", photo("PNG", (20, 20))),
            upload("3.png", photo("PNG", (20, 20))),
        )
    assert refused.value.field == "file" and "最多2张图片" in str(refused.value.message)
    assert Attachment.objects.count() == 1  # all or nothing
    attach(demand, user, upload("2.png", photo("PNG", (20, 20))))
    attach(demand, user, upload("纪要.pdf", pdf()), kind="document")  # not an image


def test_at_most_the_parameters_number_of_files_per_owner(world, demand):
    set_param("attachments.max_files_per_owner", 1)
    user = world.users["secretary"]
    attach(demand, user, upload("a.txt", b"a"), kind="document")
    with pytest.raises(RuleViolation) as refused:
        attach(demand, user, upload("b.txt", b"b"), kind="document")
    assert "最多1个附件" in str(refused.value.message)


def test_a_refused_file_is_audited_and_nothing_is_kept(world, demand, stored):
    with pytest.raises(RuleViolation):
        attach(
            demand,
            world.users["secretary"],
            upload("好.png", photo("PNG")),
            upload("坏.exe.txt", b"MZ\x90\x00\x03\x00"),
            kind="document",
        )
    assert not Attachment.objects.exists() and stored() == []
    record = AuditLog.objects.get(action="attachments.attachment.refused")
    assert record.result == audit.FAILURE and record.data["code"] == "unsupported"
    assert record.area_path == demand.path


# --- Scope --------------------------------------------------------------------------------


def test_who_may_change_the_demand_may_attach_and_every_viewer_may_see(world, demand):
    (row,) = attach(demand, world.users["staff"], upload("a.png", photo("PNG", (20, 20))))
    for role in ("secretary", "staff", "grid_worker", "branch_secretary", "street_admin"):
        assert selectors.get_attachment(world.users[role], row.pk, "view") == row
    # A grid worker sees the demand but does not handle it.
    with pytest.raises(NotFoundOrForbidden):
        selectors.get_attachment(world.users["grid_worker"], row.pk, "change")
    with pytest.raises(NotFoundOrForbidden):
        attach(demand, world.users["grid_worker"], upload("b.png", photo("PNG", (20, 20))))
    denied = AuditLog.objects.filter(action="core.permission.denied").latest("id")
    assert denied.data["perm"] == "demands.handle"


def test_the_sibling_community_reaches_nothing(world, demand, sibling_demand):
    (row,) = attach(
        sibling_demand, world.users["district_admin"], upload("邻.png", photo("PNG", (20, 20)))
    )
    ours = world.users["secretary"]
    for access in ("view", "change"):
        with pytest.raises(NotFoundOrForbidden):
            selectors.get_attachment(ours, row.pk, access)
    with pytest.raises(NotFoundOrForbidden):
        attach(sibling_demand, ours, upload("x.png", photo("PNG", (20, 20))))
    with pytest.raises(NotFoundOrForbidden):
        services.open_file(row, actor=ours)
    with pytest.raises(NotFoundOrForbidden):
        services.delete_attachment(row, actor=ours)
    assert Attachment.objects.filter(pk=row.pk).exists()
    assert not selectors.visible_attachments(ours, type(demand)).filter(pk=row.pk).exists()


def test_a_unit_handler_reaches_the_files_of_demands_routed_to_the_unit(world, demands, demand):
    from gongzhi.demands import services as demand_services

    handler = world.users["unit_handler"]
    (row,) = attach(demand, world.users["secretary"], upload("a.png", photo("PNG", (20, 20))))
    with pytest.raises(NotFoundOrForbidden):
        selectors.get_attachment(handler, row.pk)
    demand = demand_services.classify(
        demand, actor=world.users["secretary"], version=demand.version, category=demands.hallway
    )
    demand_services.dispatch(demand, actor=world.users["secretary"], version=demand.version)
    assert selectors.get_attachment(handler, row.pk, "change") == row


def test_the_download_is_audited(world, demand):
    (row,) = attach(demand, world.users["secretary"], upload("a.png", photo("PNG", (20, 20))))
    with services.open_file(row, actor=world.users["grid_worker"]) as f:
        assert f.read()[:8] == b"\x89PNG\r\n\x1a\n"
    record = AuditLog.objects.get(action="attachments.attachment.downloaded")
    assert record.username == "wg" and record.target_id == str(row.pk)
    assert record.area_path == demand.path and record.data["sha256"] == row.sha256
    assert "a.png" not in record.target_repr  # a file name may name a person


# --- Nothing half written ----------------------------------------------------------------


class BrokenStorage(FileSystemStorage):
    """Writes the first file, then fails (a disk that fills up, an object store that goes)."""

    saved = 0

    def _save(self, name, content):
        type(self).saved += 1
        if type(self).saved > 1:
            raise OSError("No space left on device")
        return super()._save(name, content)


@pytest.fixture
def broken_storage(settings, tmp_path):
    BrokenStorage.saved = 0
    settings.STORAGES = {
        **settings.STORAGES,
        "attachments": {
            "BACKEND": f"{__name__}.BrokenStorage",
            "OPTIONS": {"location": str(tmp_path / "attachments")},
        },
    }


def test_a_storage_failure_keeps_nothing(world, demand, broken_storage, stored):
    # The image is written, its thumbnail fails: the image is removed again, no row.
    with pytest.raises(services.StorageUnavailable) as failed:
        attach(demand, world.users["secretary"], upload("a.png", photo("PNG", (20, 20))))
    assert failed.value.status == 503 and "未保存任何内容" in str(failed.value.message)
    assert BrokenStorage.saved == 2
    assert not Attachment.objects.exists() and stored() == []


def test_a_database_failure_after_the_files_were_written_removes_them(
    world, demand, stored, monkeypatch
):
    def fail(*args, **kwargs):
        raise IntegrityError("simulated")

    monkeypatch.setattr(Attachment.objects, "create", fail)
    with pytest.raises(IntegrityError):
        attach(demand, world.users["secretary"], upload("a.png", photo("PNG", (20, 20))))
    assert stored() == [] and not Attachment.objects.exists()


def test_a_delete_removes_the_files_once_committed(
    world, demand, stored, django_capture_on_commit_callbacks
):
    (row,) = attach(demand, world.users["secretary"], upload("a.png", photo("PNG", (20, 20))))
    assert len(stored()) == 2  # the image and its thumbnail
    with django_capture_on_commit_callbacks(execute=True):
        services.delete_attachment(row, actor=world.users["staff"])
    assert stored() == [] and not Attachment.objects.exists()
    assert AuditLog.objects.filter(action="attachments.attachment.deleted").count() == 1


def test_a_row_with_files_is_not_deleted_under_them(world, demand):
    attach(demand, world.users["secretary"], upload("a.txt", b"a"), kind="document")
    with pytest.raises(Exception, match="attachments"), transaction.atomic():
        demand.delete()


def test_the_orphan_sweep_removes_files_no_row_names(world, demand, stored):
    (row,) = attach(demand, world.users["secretary"], upload("a.txt", b"a"), kind="document")
    orphan = storage().save(row.blob.rsplit("/", 1)[0] + "/orphan.txt", io.BytesIO(b"x"))
    later = timezone.now() + timedelta(days=1, hours=1)
    with time_machine.travel(later, tick=False):
        assert tasks.run_due() == {"orphans_removed": 1}
    assert orphan not in stored() and row.blob in stored()
    with time_machine.travel(later + timedelta(hours=1), tick=False):
        assert tasks.run_due() == {}  # once a day
