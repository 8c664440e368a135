from datetime import date

import pytest
import time_machine

from gongzhi.core import pii
from gongzhi.core.errors import RuleViolation

VALID = "11010519491231002X"  # the example number published with GB 11643


def test_valid_number_with_x_check_character():
    assert pii.normalize_id_number(VALID.lower()) == VALID
    assert pii.birth_date(VALID) == date(1949, 12, 31)
    assert pii.sex(VALID) == "female"


def test_legacy_15_digit_number_is_converted():
    converted = pii.normalize_id_number("110105491231002")
    assert converted == VALID


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        ("110105194912310021", "校验位"),  # wrong check character
        ("11010519491331002X", "出生日期"),  # month 13
        ("11010519490230002X", "出生日期"),  # 30 February
        ("1101051949123100", "18位"),  # too short
        ("11010519491231002Y", "18位"),  # not a digit or X
        ("", "18位"),
    ],
)
def test_invalid_numbers_are_refused_with_the_reason(raw, reason):
    with pytest.raises(RuleViolation) as exc:
        pii.normalize_id_number(raw, field="身份证号")
    assert reason in str(exc.value.message)
    assert exc.value.field == "身份证号"


def test_every_check_character_is_computed():
    # Changing any of the first 17 digits changes the check character (single-error detection).
    base = VALID[:17]
    for i in range(17):
        changed = base[:i] + str((int(base[i]) + 1) % 10) + base[i + 1 :]
        assert pii.check_char(changed) != pii.check_char(base)


def test_masking():
    assert pii.mask_id_number(VALID) == "1101**********002X"
    assert pii.mask_phone("13812345678") == "138****5678"
    assert pii.mask_name("张小明") == "张*明"
    assert pii.mask_name("李四") == "李*"
    assert pii.mask_name("欧阳娜娜") == "欧**娜"


def test_phone_validation():
    assert pii.normalize_phone("+86 138 1234 5678") == "13812345678"
    assert pii.normalize_phone("028-85551234") == "028-85551234"
    with pytest.raises(RuleViolation):
        pii.normalize_phone("12812345678")
    with pytest.raises(RuleViolation):
        pii.normalize_phone("1381234567")


def test_age_on_birthday_boundaries():
    born = date(2008, 3, 15)
    assert pii.age_on(born, date(2026, 3, 14)) == 17
    assert pii.age_on(born, date(2026, 3, 15)) == 18


def test_encryption_round_trip_and_keyed_hash():
    token = pii.encrypt(VALID)
    assert VALID not in token
    assert pii.decrypt(token) == VALID
    assert pii.decrypt("garbage") == ""
    assert pii.lookup_hash(VALID) == pii.lookup_hash(VALID)
    assert pii.lookup_hash(VALID) != pii.lookup_hash("110105491231002")


@pytest.mark.parametrize(
    "model",
    ["party.Member", "development.DevelopmentFile", "residents.Resident"],
)
def test_registers_mask_the_id_number_without_decrypting_it(model, monkeypatch):
    """Every register keeps its ID numbers alike (core.models.IdentityNumber)."""
    from django.apps import apps

    register = apps.get_model(model)
    row = register(**register.id_number_fields(VALID))
    assert row.id_number_full() == VALID
    assert VALID not in row.id_number_enc and row.id_number_hash == pii.lookup_hash(VALID)

    def no_decrypt(token):
        raise AssertionError("masking decrypted the number")

    monkeypatch.setattr(pii, "decrypt", no_decrypt)
    assert row.id_number_masked == pii.mask_id_number(VALID) == "1101**********002X"


def test_full_width_digits_and_a_lower_case_x_are_stored_in_ascii():
    """Issue: an ID number typed with an input method's full-width digits was stored as
    typed, so the same person could be registered twice."""
    from gongzhi.core.pii import normalize_id_number, normalize_phone

    ascii_number = "11010519491231002X"
    full_width = "１１０１０５１９４９１２３１００２ｘ"
    assert normalize_id_number(full_width) == ascii_number
    assert normalize_id_number(ascii_number.lower()) == ascii_number
    assert normalize_phone("１３８１２３４５６７８") == "13812345678"


@time_machine.travel("2026-12-06 12:00 +0800", tick=False)
def test_a_birth_date_after_today_is_refused():
    from gongzhi.core.errors import RuleViolation
    from gongzhi.core.pii import check_char, normalize_id_number

    def number(born: str) -> str:
        first17 = f"510107{born}001"
        return first17 + check_char(first17)

    assert normalize_id_number(number("20261206"))  # born today: accepted
    with pytest.raises(RuleViolation) as exc:
        normalize_id_number(number("20261207"))  # tomorrow
    assert exc.value.field == "id_number" and "晚于今天" in str(exc.value.message)
    with pytest.raises(RuleViolation):
        normalize_id_number(number("20300101"))  # a resident aged −4
    # Other scripts' digits are not digits of an ID number.
    with pytest.raises(RuleViolation):
        normalize_id_number("٥١٠١٠٧١٩٩٠٠١٠١٠٠٣X")


@pytest.mark.django_db
def test_rows_stored_in_full_width_before_normalisation_are_found(world, party):
    from io import StringIO

    from django.core.management import CommandError, call_command

    from gongzhi.party.models import Member
    from gongzhi.party.testing import add_member

    out = StringIO()
    call_command("find_fullwidth", stdout=out)
    assert "未发现" in out.getvalue()
    member = add_member(world.users["superuser"], party.ours_branch, "全角")
    Member.objects.filter(pk=member.pk).update(id_tail="００２Ｘ", phone="１３８１２３４５６７８")
    out = StringIO()
    with pytest.raises(CommandError):
        call_command("find_fullwidth", stdout=out)
    assert "party.Member.id_tail：1" in out.getvalue()
    assert "party.Member.phone：1" in out.getvalue()
    assert "００２Ｘ" not in out.getvalue()  # counts only, never the data
