"""The tests' demo snapshot (``core.testing.Snapshot``): what a load left is put back whole,
with its files, and the ids after it are new."""

from pathlib import Path

import pytest
from django.conf import settings

from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area
from gongzhi.core.testing import Snapshot, make_area

pytestmark = pytest.mark.django_db


def _load():
    district = make_area(None, Level.DISTRICT, "510999", "快照区")
    make_area(district, Level.STREET, "001", "快照街道")
    photo = Path(settings.VAR_DIR) / "attachments" / "photo.jpg"
    photo.parent.mkdir(parents=True)
    photo.write_bytes(b"\xff\xd8 demo")


def test_a_snapshot_puts_back_the_rows_and_files_the_load_left(tmp_path_factory):
    snapshot = Snapshot.take(_load, tmp_path_factory.mktemp("files"))
    assert not Area.objects.filter(code__startswith="510999").exists()  # rolled back
    assert not (Path(settings.VAR_DIR) / "attachments").exists()  # never in the test's

    snapshot.restore()
    restored = dict(Area.objects.filter(code__startswith="510999").values_list("code", "pk"))
    assert sorted(restored) == ["510999", "510999001"]
    assert (Path(settings.VAR_DIR) / "attachments" / "photo.jpg").read_bytes() == b"\xff\xd8 demo"
    # The id sequence moved past the restored rows: a new row does not take one of theirs.
    later = make_area(Area.objects.get(code="510999"), Level.STREET, "002", "后建街道")
    assert later.pk > max(restored.values())

    # Again, over rows already there: the tables are made as the load left them.
    snapshot.restore(files=False)
    assert dict(Area.objects.filter(code__startswith="510999").values_list("code", "pk")) == (
        restored
    )
