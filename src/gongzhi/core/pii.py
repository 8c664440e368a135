"""Personal information (PIPL): ID numbers and phones validated, masked, encrypted.

* ID numbers follow GB 11643: 18 characters, weighted checksum, a real birth date;
  15-digit legacy numbers are converted (century 19, checksum added).
* Stored encrypted (core.crypto: Fernet or SM4, key from ``GONGZHI_FIELD_KEY``) with a
  keyed hash for exact lookup and uniqueness, and the first and last four characters
  in clear for masking and tail search. Shown masked unless the role may see them in full; every full
  view is audited by the caller (``audit.log("…viewed_pii", …)``).
"""

import re
import unicodedata
from datetime import date

from django.utils import timezone
from django.utils.translation import gettext as _

from . import crypto
from .errors import RuleViolation

# GB 11643's own example number: a valid checksum that belongs to nobody (import templates).
EXAMPLE_ID_NUMBER = "11010519491231002X"

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
# ASCII digits only: "\d" also matches full-width "５" and other scripts' digits.
_ID18 = re.compile(r"^[0-9]{17}[0-9X]$")
_ID15 = re.compile(r"^[0-9]{15}$")
_PHONE = re.compile(r"^1[3-9][0-9]{9}$")
_LANDLINE = re.compile(r"^0[0-9]{2,3}-?[0-9]{7,8}$")


def ascii_form(raw: str | None) -> str:
    """``raw`` as typed through a Chinese input method, in the form stored: full-width
    digits, letters and punctuation become ASCII (NFKC), so "５１０１０７…ｘ" and
    "510107…X" are one person, hashed and found alike."""
    return unicodedata.normalize("NFKC", raw or "")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str, *, field: str = "id_number") -> str:
    """Return the valid 18-character ID number for ``raw`` (ASCII, upper-case X) or raise
    with the reason."""
    value = ascii_form(raw).strip().upper().replace(" ", "")
    if _ID15.match(value):
        value = value[:6] + "19" + value[6:]
        value += check_char(value)
    if not _ID18.match(value):
        raise RuleViolation(_("身份证号应为18位（最后一位可为X）或15位数字。"), field=field)
    try:
        born = birth_date(value)
    except ValueError:
        raise RuleViolation(_("身份证号中的出生日期无效。"), field=field) from None
    if born > timezone.localdate():
        raise RuleViolation(
            _("身份证号中的出生日期%(d)s晚于今天，请核对。") % {"d": born.isoformat()},
            field=field,
        )
    if check_char(value[:17]) != value[17]:
        raise RuleViolation(_("身份证号校验位不正确，请核对。"), field=field)
    return value


def birth_date(id_number: str) -> date:
    return date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))


def sex(id_number: str) -> str:
    """ "male" or "female" from the 17th character (odd = male)."""
    return "male" if int(id_number[16]) % 2 else "female"


def age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def mask_id_number(id_number: str) -> str:
    """``510107199001011234`` → ``5101**********1234`` (ARCHITECTURE.md)."""
    if not id_number:
        return ""
    return id_number[:4] + "*" * (len(id_number) - 8) + id_number[-4:]


def normalize_phone(raw: str, *, field: str = "phone") -> str:
    value = re.sub(r"[\s()（）]", "", ascii_form(raw))
    if value.startswith("+86"):
        value = value[3:]
    if not (_PHONE.match(value) or _LANDLINE.match(value)):
        raise RuleViolation(_("电话号码格式不正确：手机为11位，固话如028-85551234。"), field=field)
    return value


def mask_phone(phone: str) -> str:
    if not phone:
        return ""
    if len(phone) == 11 and phone.isdigit():
        return phone[:3] + "****" + phone[-4:]
    return phone[:-4].rstrip("-")[:4] + "****" + phone[-4:]


def mask_email(address: str) -> str:
    """``zhangsan@example.com`` → ``z***@example.com``."""
    local, at, domain = address.rpartition("@")
    if not at:
        return address[:1] + "***" if address else ""
    return local[:1] + "***@" + domain


def mask_name(name: str) -> str:
    """``张小明`` → ``张*明``; two characters → ``张*``."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# Encryption and the blind index live in core.crypto (suites, keys, rotation).
encrypt = crypto.encrypt
decrypt = crypto.decrypt
lookup_hash = crypto.lookup_hash
lookup_hashes = crypto.lookup_hashes
