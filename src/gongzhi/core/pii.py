"""Personal information (PIPL): ID numbers and phones validated, masked, encrypted.

* ID numbers follow GB 11643: 18 characters, weighted checksum, a real birth date;
  15-digit legacy numbers are converted (century 19, checksum added).
* Stored encrypted (Fernet, key from ``GONGZHI_FIELD_KEY`` or derived from SECRET_KEY)
  with a keyed hash for exact lookup and uniqueness, and the last four characters in
  clear for tail search. Shown masked unless the role may see them in full; every full
  view is audited by the caller (``audit.log("…viewed_pii", …)``).
"""

import base64
import hashlib
import hmac
import re
from datetime import date
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from django.conf import settings
from django.utils.translation import gettext as _

from .errors import RuleViolation

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARS = "10X98765432"
_ID18 = re.compile(r"^\d{17}[\dX]$")
_ID15 = re.compile(r"^\d{15}$")
_PHONE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


def check_char(first17: str) -> str:
    return CHECK_CHARS[sum(int(d) * w for d, w in zip(first17, WEIGHTS, strict=True)) % 11]


def normalize_id_number(raw: str, *, field: str = "id_number") -> str:
    """Return the valid 18-character ID number for ``raw`` or raise with the reason."""
    value = (raw or "").strip().upper().replace(" ", "")
    if _ID15.match(value):
        value = value[:6] + "19" + value[6:]
        value += check_char(value)
    if not _ID18.match(value):
        raise RuleViolation(_("身份证号应为18位（最后一位可为X）或15位数字。"), field=field)
    try:
        birth_date(value)
    except ValueError:
        raise RuleViolation(_("身份证号中的出生日期无效。"), field=field) from None
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
    value = re.sub(r"[\s()（）]", "", raw or "")
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


def mask_name(name: str) -> str:
    """``张小明`` → ``张*明``; two characters → ``张*``."""
    if len(name) <= 1:
        return name
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


@lru_cache(maxsize=1)
def _keys() -> tuple[Fernet, bytes]:
    secret = (getattr(settings, "GONGZHI_FIELD_KEY", "") or settings.SECRET_KEY).encode()
    enc = hashlib.sha256(b"gongzhi-field-encryption:" + secret).digest()
    mac = hashlib.sha256(b"gongzhi-field-lookup:" + secret).digest()
    return Fernet(base64.urlsafe_b64encode(enc)), mac


def encrypt(value: str) -> str:
    return _keys()[0].encrypt(value.encode()).decode() if value else ""


def decrypt(token: str) -> str:
    if not token:
        return ""
    try:
        return _keys()[0].decrypt(token.encode()).decode()
    except InvalidToken:
        return ""


def lookup_hash(value: str) -> str:
    """A keyed hash for exact lookup and uniqueness without storing the value in clear."""
    return hmac.new(_keys()[1], value.encode(), hashlib.sha256).hexdigest() if value else ""
