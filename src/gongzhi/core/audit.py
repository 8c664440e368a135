"""The append-only audit log: every service write, sign-in event, denial and full view.

``audit.log(action, actor=..., target=...)`` with namespaced action names
(``areas.area.created``), like pretix's ``LoggedModel.log_action``. Records are
chained by a keyed hash (HMAC-SHA256, or HMAC-SM3 with ``GONGZHI_CRYPTO=sm``) whose key
``GONGZHI_AUDIT_KEY`` lives outside the database, so that someone able to write the
database cannot recompute the chain after changing or deleting a record; the chain's
head is written at intervals to an append-only checkpoint file (signed with the same
key), so that removing the newest records is detected too; `gongzhi audit_verify` checks
both. The database refuses UPDATE and DELETE on the table (migration triggers). Records
are never deleted by the application (docs/adr/0003-audit-log.md).

Every record carries an area path, which decides which auditor sees it: the target's,
else the actor's home area, else the root of the district the deployment serves
(``GONGZHI_DISTRICT_CODE``) for events that belong to no place, such as a failed sign-in
with an unknown account name or a system administrator's action.
"""

import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from . import context, crypto
from .types import Row, Visitor

if TYPE_CHECKING:
    from .models import AuditLog

checkpoint_logger = logging.getLogger("gongzhi.audit.checkpoint")
logger = logging.getLogger(__name__)

SUCCESS, FAILURE, DENIED = "success", "failure", "denied"
_CHAIN_LOCK = 0x67_7A_61  # advisory lock id for the hash chain on PostgreSQL


def _canonical(record: "AuditLog") -> str:
    fields = [
        record.time.isoformat(),
        record.user_id,
        record.username,
        record.role,
        record.action,
        record.result,
        record.target_type,
        record.target_id,
        record.target_repr,
        record.area_path,
        record.ip,
        record.data,
        record.prev_hash,
    ]
    if record.key_id:  # the records of the first releases were hashed without it
        fields.append(record.key_id)
    return json.dumps(fields, ensure_ascii=False, sort_keys=True, default=str)


def default_area_path() -> str:
    """The root of the deployment's district: where records that belong nowhere go."""
    return f"/{settings.GONGZHI_DISTRICT_CODE}/"


@dataclass(frozen=True)
class ChainKey:
    key_id: str  # "hmac-sha256:1a2b3c4d"
    suite: str
    secret: bytes


def _chain_key(material: str, suite: str) -> ChainKey:
    secret = material.encode()
    kid = crypto.keyed_hash(suite, secret, b"gongzhi-audit-key-id")[:8]
    name = "hmac-sm3" if suite == crypto.NATIONAL else "hmac-sha256"
    return ChainKey(f"{name}:{kid}", suite, secret)


@lru_cache(maxsize=1)
def chain_keys() -> tuple[ChainKey, dict[str, ChainKey]]:
    """The key new records are chained with, and every key a record may name (the old
    keys of ``GONGZHI_AUDIT_OLD_KEYS``, in both suites)."""
    current = _chain_key(settings.GONGZHI_AUDIT_KEY, settings.GONGZHI_CRYPTO)
    known = {current.key_id: current}
    for material in [settings.GONGZHI_AUDIT_KEY, *settings.GONGZHI_AUDIT_OLD_KEYS]:
        for suite in crypto.SUITES:
            key = _chain_key(material, suite)
            known.setdefault(key.key_id, key)
    return current, known


def compute_hash(record: "AuditLog") -> str:
    """The record's chain hash under the key it names (unkeyed SHA-256 for none)."""
    if not record.key_id:
        return hashlib.sha256(_canonical(record).encode()).hexdigest()
    key = chain_keys()[1].get(record.key_id)
    if key is None:
        return ""  # a key this deployment does not know: never matches
    return crypto.keyed_hash(key.suite, key.secret, _canonical(record).encode())


def log(
    action: str,
    *,
    actor: "Visitor | None" = None,
    target: Row | None = None,
    result: str = SUCCESS,
    data: dict[str, Any] | None = None,
    username: str = "",
    role: str = "",
    area_path: str = "",
) -> "AuditLog":
    """Append one record. ``target`` is a model instance (or None); ``data`` a small dict
    that never holds personal information in clear text."""
    from .models import AuditLog

    ctx = context.current()
    if target is not None and not area_path:
        area_path = getattr(target, "scope_path", "") or ""
    if actor is not None and actor.is_authenticated:
        username = username or actor.get_username()
        role = role or getattr(actor, "role_summary", "")
        user_id = actor.pk
        if not area_path:
            area_path = actor.home_path or ""
    else:
        user_id = None
    area_path = area_path or default_area_path()
    record = AuditLog(
        time=timezone.now(),
        user_id=user_id,
        username=username[:150],
        role=role[:100],
        action=action,
        result=result,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None and target.pk is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        area_path=area_path,
        ip=ctx.ip or None,
        channel=ctx.channel,
        data=data or {},
    )
    # Part of the caller's transaction when there is one (a failed record fails it): no
    # savepoint of its own.
    with transaction.atomic(savepoint=False):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_CHAIN_LOCK])
        last = AuditLog.objects.order_by("-id").values_list("hash", flat=True).first()
        record.prev_hash = last or ""
        record.key_id = chain_keys()[0].key_id
        record.hash = compute_hash(record)
        record.save(force_insert=True)
    return record


def verify_chain(batch: int = 5000) -> tuple[int, int | None]:
    """Walk the chain; return (records checked, id of the first broken record or None).

    Records of the first releases (no key) may only come before the first keyed one."""
    from .models import AuditLog

    prev = ""
    checked = 0
    last_id = 0
    keyed = False
    while True:
        rows = list(AuditLog.objects.filter(id__gt=last_id).order_by("id")[:batch])
        if not rows:
            return checked, None
        for row in rows:
            if (keyed and not row.key_id) or row.prev_hash != prev or compute_hash(row) != row.hash:
                return checked, row.id
            keyed = keyed or bool(row.key_id)
            prev = row.hash
            checked += 1
        last_id = rows[-1].id


# --- Checkpoints ---------------------------------------------------------------------


def _line_signature(entry: dict) -> str:
    key = _chain_key(settings.GONGZHI_AUDIT_KEY, settings.GONGZHI_CRYPTO)
    known = chain_keys()[1].get(entry.get("key_id", ""), key)
    text = json.dumps(
        {k: v for k, v in entry.items() if k != "sig"}, sort_keys=True, ensure_ascii=False
    )
    return crypto.keyed_hash(known.suite, known.secret, text.encode())


def checkpoint_path() -> Path:
    return Path(settings.GONGZHI_AUDIT_CHECKPOINT_FILE)


def read_checkpoints(path: Path | None = None) -> tuple[list[dict], list[str]]:
    """The checkpoints of the file, and the problems found in it (bad lines, signatures
    that do not match, ids that go backwards)."""
    path = path or checkpoint_path()
    entries: list[dict] = []
    problems: list[str] = []
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        return [], []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
            ok = entry["sig"] == _line_signature(entry)
        except (ValueError, KeyError, TypeError):
            problems.append(f"检查点文件第 {number} 行无法解析")
            continue
        if not ok:
            problems.append(f"检查点文件第 {number} 行签名不符（已被改动）")
            continue
        if entries and entry["id"] < entries[-1]["id"]:
            problems.append(f"检查点文件第 {number} 行的记录号倒退")
        entries.append(entry)
    return entries, problems


def write_checkpoint(path: Path | None = None) -> dict | None:
    """Append the chain's head to the checkpoint file (and log it); None when no record
    was added since the last checkpoint."""
    from .models import AuditLog

    path = path or checkpoint_path()
    head = AuditLog.objects.order_by("-id").values_list("id", "hash").first()
    if head is None:
        return None
    entries, _problems = read_checkpoints(path)
    if entries and entries[-1]["id"] == head[0]:
        return None
    entry = {
        "time": timezone.now().isoformat(),
        "id": head[0],
        "hash": head[1],
        "key_id": chain_keys()[0].key_id,
    }
    entry["sig"] = _line_signature(entry)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(entry, ensure_ascii=False) + "\n")
    checkpoint_logger.info("audit checkpoint %s %s", entry["id"], entry["hash"])
    return entry


@dataclass
class Verification:
    checked: int = 0
    broken_at: int | None = None
    problems: list[str] = field(default_factory=list)
    checkpoints: int = 0

    @property
    def intact(self) -> bool:
        return self.broken_at is None and not self.problems


def verify(batch: int = 5000, path: Path | None = None) -> Verification:
    """The chain, then the checkpoints: every checkpointed record still there with the
    same hash, and none missing after the last one."""
    from .models import AuditLog

    result = Verification()
    result.checked, result.broken_at = verify_chain(batch=batch)
    if result.broken_at is not None:
        result.problems.append(
            f"哈希链在第 {result.broken_at} 号记录处断裂（之前 {result.checked} 条完好）："
            "该记录或其前一条记录已被篡改或删除"
        )
    entries, problems = read_checkpoints(path)
    result.problems += problems
    result.checkpoints = len(entries)
    stored: dict[int, str] = {}
    ids = [e["id"] for e in entries]
    for start in range(0, len(ids), 900):
        stored.update(
            AuditLog.objects.filter(id__in=ids[start : start + 900]).values_list("id", "hash")
        )
    for entry in entries:
        if stored.get(entry["id"]) != entry["hash"]:
            result.problems.append(
                f"{entry['time'][:19]} 的检查点记录 {entry['id']} 已不在或已被改动"
            )
    head = AuditLog.objects.order_by("-id").values_list("id", flat=True).first() or 0
    if entries and head < entries[-1]["id"]:
        result.problems.append(
            f"最新记录为 {head}，但检查点已记到 {entries[-1]['id']}：最新的记录被删除"
        )
    return result
