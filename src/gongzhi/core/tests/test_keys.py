"""Keys (outside security test, finding 7): no installation runs on the public development
keys, field encryption in both suites (AES and SM4), and key rotation.
"""

import base64
import hashlib
import os
import sys
from datetime import date
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError

from gongzhi.core import crypto, pii
from gongzhi.party.testing import id_number
from gongzhi.residents.models import Resident
from gongzhi.residents.testing import add_person

DEVELOPMENT_KEY = "gongzhi-insecure-development-key-change-me-in-production"
STRONG = "Zq8#vL2!pW9@xR4$tY7%uI1^oP6&aS3*dF5(gH0)jK-strong-key"


@pytest.fixture(params=[crypto.STANDARD, crypto.NATIONAL])
def suite(request, settings):
    settings.GONGZHI_CRYPTO = request.param
    settings.GONGZHI_FIELD_KEY = "field-key-" + STRONG
    settings.GONGZHI_FIELD_OLD_KEYS = []
    return request.param


# --- Key files and the refusal of development keys -----------------------------------


def test_initkeys_creates_private_random_keys_once(tmp_path, settings, monkeypatch):
    for name in crypto.KEY_FILES:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("GONGZHI_AUDIT_KEY", "from-the-environment")
    settings.VAR_DIR = tmp_path
    out = StringIO()
    call_command("initkeys", stdout=out)
    directory = tmp_path / "keys"
    assert directory.stat().st_mode & 0o777 == 0o700
    assert sorted(p.name for p in directory.iterdir()) == ["field_key", "secret_key"]
    for path in directory.iterdir():
        assert path.stat().st_mode & 0o777 == 0o600
        assert len(path.read_text().strip()) >= 60
    first = (directory / "field_key").read_text()
    call_command("initkeys", stdout=StringIO())
    assert (directory / "field_key").read_text() == first  # never overwritten
    assert crypto.read_key("GONGZHI_FIELD_KEY", tmp_path) == first.strip()
    assert crypto.read_key("GONGZHI_AUDIT_KEY", tmp_path) == "from-the-environment"
    assert (directory / "secret_key").read_text() != first


@pytest.fixture
def fake_gunicorn(monkeypatch):
    served = []
    monkeypatch.setattr("gunicorn.app.wsgiapp.run", lambda: served.append(sys.argv[:]))
    monkeypatch.setattr(sys, "argv", ["gongzhi", "run"])
    return served


@pytest.mark.django_db
def test_run_refuses_the_development_keys_unless_debugging(settings, fake_gunicorn):
    settings.SECRET_KEY = DEVELOPMENT_KEY
    settings.GONGZHI_AUDIT_KEY = "audit-" + STRONG
    settings.DEBUG = False
    with pytest.raises(CommandError, match="SECRET_KEY"):
        call_command("run", worker=False, stdout=StringIO())
    assert not fake_gunicorn
    settings.DEBUG = True
    call_command("run", worker=False, stdout=StringIO())
    assert fake_gunicorn
    settings.DEBUG = False
    settings.SECRET_KEY = STRONG
    settings.GONGZHI_AUDIT_KEY = "gongzhi-insecure-audit-key"
    with pytest.raises(CommandError, match="GONGZHI_AUDIT_KEY"):
        call_command("run", worker=False, stdout=StringIO())
    settings.GONGZHI_AUDIT_KEY = "audit-" + STRONG
    call_command("run", worker=False, stdout=StringIO())
    assert len(fake_gunicorn) == 2
    assert "--no-control-socket" in fake_gunicorn[-1]
    assert fake_gunicorn[-1][fake_gunicorn[-1].index("--keep-alive") + 1] == "75"


@pytest.mark.django_db
def test_run_first_takes_back_the_batches_of_a_dead_process(settings, fake_gunicorn):
    import datetime
    import subprocess
    import sys

    from gongzhi.core.bulk import process_identity
    from gongzhi.core.models import Holiday, PendingWrite

    settings.SECRET_KEY, settings.GONGZHI_AUDIT_KEY = STRONG, "audit-" + STRONG
    holiday = Holiday.objects.create(date=datetime.date(2027, 1, 1), is_working_day=False)
    gone = subprocess.run(  # noqa: S603 (a pid that has ended)
        [sys.executable, "-c", "import os; print(os.getpid())"],
        capture_output=True,
        text=True,
        check=True,
    )
    PendingWrite.objects.create(
        run="r1",
        label="test",
        host=process_identity()[0],
        pid=int(gone.stdout),
        model="core.Holiday",
        field="pk",
        ids=[holiday.pk],
    )
    out = StringIO()
    call_command("run", worker=False, stdout=out)
    assert fake_gunicorn and "已撤回中断的批量写入 test" in out.getvalue()
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    assert not PendingWrite.objects.exists()


def test_deploy_check_names_every_development_key(settings):
    settings.SECRET_KEY = DEVELOPMENT_KEY
    settings.GONGZHI_AUDIT_KEY = "gongzhi-insecure-audit-key"
    messages = [c.msg for c in run_checks(include_deployment_checks=True) if c.id == "gongzhi.E001"]
    assert any("SECRET_KEY" in m for m in messages)
    assert any("GONGZHI_AUDIT_KEY" in m for m in messages)


def test_a_backup_is_not_readable_with_the_repository_s_key(settings):
    """What an attacker who has the repository and a backup tries: the development key."""
    settings.GONGZHI_FIELD_KEY = "field-" + STRONG
    token = pii.encrypt("510107199001011233")
    settings.GONGZHI_FIELD_KEY = ""
    settings.SECRET_KEY = DEVELOPMENT_KEY
    assert pii.decrypt(token) == ""


# --- Both suites ---------------------------------------------------------------------


def test_field_encryption_round_trips_and_names_suite_and_key(suite):
    token = pii.encrypt("510107199001011233")
    assert token.startswith("s1." if suite == crypto.NATIONAL else "f1.")
    assert "510107" not in token
    assert pii.decrypt(token) == "510107199001011233"
    assert pii.encrypt("510107199001011233") != token  # a fresh nonce every time
    assert len(pii.lookup_hash("510107199001011233")) == 64
    assert pii.decrypt(token[:-4] + "AAAA") == ""  # tampered ciphertext opens to nothing


def test_the_suites_differ_in_ciphertext_and_hash(settings):
    settings.GONGZHI_FIELD_KEY = "field-" + STRONG
    settings.GONGZHI_CRYPTO = crypto.STANDARD
    standard = (pii.lookup_hash("x"), pii.encrypt("x"))
    settings.GONGZHI_CRYPTO = crypto.NATIONAL
    national = (pii.lookup_hash("x"), pii.encrypt("x"))
    assert standard[0] != national[0]
    # Switching the suite is a rotation: the other suite's values still open.
    assert pii.decrypt(standard[1]) == "x"
    expected = crypto.keyed_hash(
        crypto.NATIONAL,
        crypto.FieldKey.derive(crypto.NATIONAL, "field-" + STRONG).mac,
        b"x",
    )
    assert national[0] == expected


def test_sm3_and_sm4_are_the_national_algorithms():
    """GB/T 32905 test vector for SM3 ("abc"), so the suite is really SM3, not a look-alike."""
    assert (
        crypto._digest(crypto.NATIONAL, b"abc").hex()
        == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    )
    key = crypto.FieldKey.derive(crypto.NATIONAL, "k")
    assert len(key.cipher) == 16  # SM4 takes 128-bit keys


def test_values_of_the_first_releases_still_open(settings):
    """Bare Fernet tokens with the key derived as the first releases did."""
    settings.GONGZHI_FIELD_KEY = "field-" + STRONG
    old_key = hashlib.sha256(b"gongzhi-field-encryption:" + settings.GONGZHI_FIELD_KEY.encode())
    legacy = Fernet(base64.urlsafe_b64encode(old_key.digest())).encrypt(b"510107199001011233")
    assert pii.decrypt(legacy.decode()) == "510107199001011233"
    assert crypto.needs_rotation(legacy.decode())


# --- Rotation ------------------------------------------------------------------------


def test_rotation_re_encrypts_every_register_and_lookups_work_throughout(world, settings, suite):
    old = "old-field-key-" + STRONG
    settings.GONGZHI_FIELD_KEY = old
    numbers = [id_number(date(1960 + i, 1, 1), 40 + i) for i in range(5)]
    people = [
        add_person(world, world.ours.households[i % 3], f"居民{i}", date(1960 + i, 1, 1), 40 + i)
        for i in range(5)
    ]
    assert {p.id_number_full() for p in people} == set(numbers)
    # The new key arrives; the old one stays to decrypt.
    settings.GONGZHI_FIELD_KEY = "new-field-key-" + STRONG
    settings.GONGZHI_FIELD_OLD_KEYS = [old]
    resident = Resident.objects.get(pk=people[0].pk)
    assert resident.id_number_full() == numbers[0]
    assert Resident.objects.filter(id_number_hash__in=pii.lookup_hashes(numbers[0])).count() == 1
    out = StringIO()
    call_command("rotate_field_key", batch=2, stdout=out)
    assert "重新加密 5 条" in out.getvalue()
    current = crypto.field_keys().current
    for person in Resident.objects.filter(pk__in=[p.pk for p in people]):
        assert person.id_number_enc.startswith(current.tag)
        assert person.id_number_hash == pii.lookup_hash(person.id_number_full())
    # Done: the old key can go, and everything still opens and is found.
    settings.GONGZHI_FIELD_OLD_KEYS = []
    assert Resident.objects.get(pk=people[3].pk).id_number_full() == numbers[3]
    assert Resident.objects.filter(id_number_hash=pii.lookup_hash(numbers[3])).count() == 1
    call_command("rotate_field_key", stdout=out)  # again: nothing left to do
    assert "共 0 条" in out.getvalue()


def test_rotation_stops_on_a_value_no_key_opens(world, settings):
    settings.GONGZHI_FIELD_KEY = "lost-key-" + STRONG
    add_person(world, world.ours.households[0], "居民", date(1970, 1, 1), 60)
    settings.GONGZHI_FIELD_KEY = "new-key-" + STRONG
    with pytest.raises(CommandError, match="GONGZHI_FIELD_OLD_KEYS"):
        call_command("rotate_field_key", stdout=StringIO())


def test_rotation_with_key_files_makes_the_new_key_itself(world, settings, tmp_path, monkeypatch):
    monkeypatch.delenv("GONGZHI_FIELD_KEY", raising=False)
    settings.VAR_DIR = tmp_path
    crypto.create_key_files(tmp_path)
    settings.GONGZHI_FIELD_KEY = crypto.read_key("GONGZHI_FIELD_KEY", tmp_path)
    person = add_person(world, world.ours.households[0], "居民", date(1970, 1, 1), 61)
    before = (tmp_path / "keys" / "field_key").read_text()
    call_command("rotate_field_key", new_key=True, stdout=StringIO())
    after = (tmp_path / "keys" / "field_key").read_text()
    assert after != before
    assert (tmp_path / "keys" / "field_old_keys").read_text().strip() == before.strip()
    assert oct((tmp_path / "keys" / "field_key").stat().st_mode & 0o777) == "0o600"
    person.refresh_from_db()
    assert person.id_number_enc.startswith(crypto.field_keys().current.tag)
    assert person.id_number_full() == id_number(date(1970, 1, 1), 61)
    assert os.environ.get("GONGZHI_FIELD_KEY") is None
