"""Keys and the two cipher suites: what encrypts personal information, what makes the
blind index of ID numbers, and what keys the audit log's chain.

Two suites, chosen for a deployment with ``GONGZHI_CRYPTO``:

* ``standard`` (default): Fernet (AES-128-CBC with HMAC-SHA256) for fields, HMAC-SHA256
  for lookup hashes and the audit chain;
* ``sm``: the national algorithms for deployments that must pass a commercial
  cryptography assessment (密评, GB/T 39786): SM4-GCM (GB/T 32907) for fields, HMAC-SM3
  (GB/T 32905) for lookup hashes and the audit chain. Both come from ``cryptography``
  (OpenSSL), no extra dependency.

Keys never come from the database. Each is read from the environment or, for ``make
run``, from a file under ``VAR_DIR/keys/`` made by ``gongzhi initkeys`` (mode 600); a
deployment that has neither falls back to a public development key, which ``gongzhi
run`` refuses unless DEBUG is on.

A ciphertext names its suite and key (``s1.<key id>.<data>``, ``f1.<key id>.<data>``), so
that a key or suite change is a rotation, not a loss: ``gongzhi rotate_field_key``
re-encrypts every row in batches while the old keys (``GONGZHI_FIELD_OLD_KEYS``) still
decrypt, and lookups accept the hashes of every key until it is done. Values written
before the prefix existed are bare Fernet tokens and are read with every known key.
"""

import base64
import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import hmac as crypto_hmac
from django.conf import settings

STANDARD, NATIONAL = "standard", "sm"
SUITES = (STANDARD, NATIONAL)
DEVELOPMENT_MARK = "gongzhi-insecure-"
KEY_FILES = {
    "SECRET_KEY": "secret_key",
    "GONGZHI_FIELD_KEY": "field_key",
    "GONGZHI_AUDIT_KEY": "audit_key",
}
OLD_FIELD_KEYS_FILE = "field_old_keys"


# --- Keys -----------------------------------------------------------------------------


def key_dir(var_dir: Path) -> Path:
    return Path(var_dir) / "keys"


def read_key(name: str, var_dir: Path, default: str = "") -> str:
    """A key from the environment, else from its file under ``VAR_DIR/keys/``."""
    value = os.environ.get(name, "")
    if value:
        return value
    try:
        return (key_dir(var_dir) / KEY_FILES[name]).read_text("utf-8").strip() or default
    except OSError:
        return default


def old_field_keys(var_dir: Path) -> list[str]:
    """GONGZHI_FIELD_OLD_KEYS (comma-separated) and the lines of the old-keys file that
    ``gongzhi rotate_field_key --new-key`` appends to."""
    keys = [k for k in os.environ.get("GONGZHI_FIELD_OLD_KEYS", "").split(",") if k]
    try:
        keys += (key_dir(var_dir) / OLD_FIELD_KEYS_FILE).read_text("utf-8").split()
    except OSError:
        pass
    return keys


def create_key_files(var_dir: Path) -> list[str]:
    """Create each missing key file (random, mode 600, in a mode 700 directory) for keys
    that the environment does not set; return the names created. Never overwrites."""
    directory = key_dir(var_dir)
    directory.mkdir(mode=0o700, parents=True, exist_ok=True)
    directory.chmod(0o700)
    created = []
    for name, filename in KEY_FILES.items():
        path = directory / filename
        if os.environ.get(name) or path.exists():
            continue
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(48) + "\n")
        created.append(name)
    return created


def is_development_key(value: str) -> bool:
    return not value or value.startswith(DEVELOPMENT_MARK)


# --- Suites -----------------------------------------------------------------------------


def _digest(suite: str, data: bytes) -> bytes:
    h = hashes.Hash(hashes.SM3() if suite == NATIONAL else hashes.SHA256())
    h.update(data)
    return h.finalize()


def keyed_hash(suite: str, key: bytes, message: bytes) -> str:
    """HMAC-SHA256 or HMAC-SM3, as 64 hex characters."""
    if suite == NATIONAL:
        mac = crypto_hmac.HMAC(key, hashes.SM3())
        mac.update(message)
        return mac.finalize().hex()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class FieldKey:
    """One field key of one suite: its id, its cipher key and its lookup-hash key."""

    suite: str
    kid: str
    cipher: bytes
    mac: bytes

    @classmethod
    def derive(cls, suite: str, material: str) -> "FieldKey":
        secret = material.encode()
        # The standard suite keeps the derivation of the first releases, so that values
        # and hashes written before key ids existed stay readable and findable.
        enc = _digest(suite, b"gongzhi-field-encryption:" + secret)
        mac = _digest(suite, b"gongzhi-field-lookup:" + secret)
        kid = _digest(suite, b"gongzhi-key-id:" + secret).hex()[:8]
        return cls(suite, kid, enc[:16] if suite == NATIONAL else enc, mac)

    @property
    def tag(self) -> str:
        return ("s1." if self.suite == NATIONAL else "f1.") + self.kid + "."

    def seal(self, data: bytes) -> bytes:
        """Encrypt bytes: SM4-GCM (nonce, ciphertext, tag) or a Fernet token."""
        if self.suite == NATIONAL:
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

            nonce = os.urandom(12)
            encryptor = Cipher(algorithms.SM4(self.cipher), modes.GCM(nonce)).encryptor()
            body = encryptor.update(data) + encryptor.finalize()
            return nonce + body + encryptor.tag
        return Fernet(base64.urlsafe_b64encode(self.cipher)).encrypt(data)

    def open(self, blob: bytes) -> bytes:
        if self.suite == NATIONAL:
            from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

            nonce, data, tag = blob[:12], blob[12:-16], blob[-16:]
            decryptor = Cipher(algorithms.SM4(self.cipher), modes.GCM(nonce, tag)).decryptor()
            return decryptor.update(data) + decryptor.finalize()
        return Fernet(base64.urlsafe_b64encode(self.cipher)).decrypt(blob)

    def encrypt(self, plaintext: str) -> str:
        sealed = self.seal(plaintext.encode())
        if self.suite == NATIONAL:
            return self.tag + base64.urlsafe_b64encode(sealed).decode()
        return self.tag + sealed.decode()  # a Fernet token is already URL-safe base64

    def decrypt(self, body: str) -> str:
        blob = base64.urlsafe_b64decode(body.encode()) if self.suite == NATIONAL else body.encode()
        return self.open(blob).decode()

    def lookup_hash(self, value: str) -> str:
        return keyed_hash(self.suite, self.mac, value.encode())


@dataclass(frozen=True)
class FieldKeys:
    current: FieldKey
    old: tuple[FieldKey, ...]

    @property
    def all(self) -> tuple[FieldKey, ...]:
        return (self.current, *self.old)

    def by_tag(self, tag: str) -> FieldKey | None:
        for key in self.all:
            if key.tag == tag:
                return key
        return None


@lru_cache(maxsize=1)
def field_keys() -> FieldKeys:
    """The current key (``GONGZHI_FIELD_KEY``, else one derived from SECRET_KEY) in the
    configured suite, and the keys that still decrypt until a rotation is done: the old
    keys of ``GONGZHI_FIELD_OLD_KEYS``; SECRET_KEY and the development key, from which
    the first releases derived the field key when none was set; and each of these in
    the other suite (a suite change is a rotation too). Old keys only ever decrypt."""
    suite = settings.GONGZHI_CRYPTO
    material = settings.GONGZHI_FIELD_KEY or settings.SECRET_KEY
    current = FieldKey.derive(suite, material)
    materials = [
        *settings.GONGZHI_FIELD_OLD_KEYS,
        material,
        settings.SECRET_KEY,
        settings.GONGZHI_DEVELOPMENT_SECRET_KEY,
    ]
    old: list[FieldKey] = []
    for each_material in dict.fromkeys(m for m in materials if m):
        for each_suite in SUITES:
            key = FieldKey.derive(each_suite, each_material)
            if key.tag != current.tag and key not in old:
                old.append(key)
    return FieldKeys(current, tuple(old))


def encrypt(value: str) -> str:
    return field_keys().current.encrypt(value) if value else ""


def decrypt(token: str) -> str:
    """The clear value, or "" when no known key opens it."""
    if not token:
        return ""
    keys = field_keys()
    if token[:2] in ("f1", "s1") and token[2:3] == ".":
        tag, _sep, body = token.partition(".")[2].partition(".")
        key = keys.by_tag(token[:2] + "." + tag + ".")
        candidates = [key] if key else []
    else:  # a bare Fernet token of the first releases
        candidates, body = [k for k in keys.all if k.suite == STANDARD], token
    for key in candidates:
        try:
            return key.decrypt(body)
        except (InvalidToken, InvalidTag, ValueError):
            continue
    return ""


def encrypt_file(data: bytes) -> bytes:
    """A file's bytes sealed with the current key, named by its tag (short-lived files
    that hold personal information, like an import's error workbook)."""
    key = field_keys().current
    return key.tag.encode() + key.seal(data)


def decrypt_file(blob: bytes) -> bytes | None:
    """The clear bytes of ``encrypt_file``; None when no known key opens them."""
    tag = blob[:12].decode("ascii", "replace")
    key = field_keys().by_tag(tag)
    if key is None:
        return None
    try:
        return key.open(blob[12:])
    except (InvalidToken, InvalidTag, ValueError):
        return None


def needs_rotation(token: str) -> bool:
    """Not encrypted with the current key (in the current suite)."""
    return bool(token) and not token.startswith(field_keys().current.tag)


def lookup_hash(value: str) -> str:
    """The blind index of a value under the current key."""
    return field_keys().current.lookup_hash(value) if value else ""


def lookup_hashes(value: str) -> list[str]:
    """The blind index under every known key: lookups during a rotation find rows whose
    hash has not been rewritten yet."""
    if not value:
        return []
    return list(dict.fromkeys(key.lookup_hash(value) for key in field_keys().all))


def reset_caches(**_signal: Any) -> None:
    """Forget the derived keys (after a key or suite change: a rotation, a test)."""
    from . import audit

    field_keys.cache_clear()
    audit.chain_keys.cache_clear()


KEY_SETTINGS = frozenset(
    {
        "SECRET_KEY",
        "GONGZHI_FIELD_KEY",
        "GONGZHI_FIELD_OLD_KEYS",
        "GONGZHI_CRYPTO",
        "GONGZHI_AUDIT_KEY",
        "GONGZHI_AUDIT_OLD_KEYS",
    }
)


def on_setting_changed(*, setting: str, **kwargs: Any) -> None:
    if setting in KEY_SETTINGS:
        reset_caches()
