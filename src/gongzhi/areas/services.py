"""Every write to the area tree and households: scope-checked, locked, audited."""

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from gongzhi.accounts.models import User
from gongzhi.core import audit
from gongzhi.core.bulk import Written, chunks
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.services import atomic, check_version, lock, require

from .choices import (
    HOUSEHOLD_DIGITS,
    HOUSEHOLD_PARENT_LEVELS,
    PARENT_LEVEL,
    SEGMENT_DIGITS,
    HouseholdStatus,
    Level,
)
from .models import Area, Household, code_to_path
from .permissions import CHANGE_AREA, CHANGE_HOUSEHOLD


def validate_child_code(parent: Area | None, level: int, code: str) -> None:
    digits = SEGMENT_DIGITS[Level(level)]
    prefix = parent.code if parent else ""
    if not (code.isascii() and code.isdigit()):
        raise RuleViolation(_("编码只能由数字组成。"), field="code")
    if parent is None and level != Level.DISTRICT:
        raise RuleViolation(_("除区以外的区域必须有上级区域。"), field="parent")
    if parent is not None and PARENT_LEVEL.get(Level(level)) != parent.level:
        raise RuleViolation(
            _("“%(level)s”不能建在“%(parent)s”之下。")
            % {"level": Level(level).label, "parent": Level(parent.level).label},
            field="level",
        )
    if not code.startswith(prefix) or len(code) != len(prefix) + digits:
        raise RuleViolation(
            _("编码应为上级编码“%(prefix)s”后加%(digits)d位数字。")
            % {"prefix": prefix, "digits": digits},
            field="code",
        )


def _full_name(parent: Area | None, name: str) -> str:
    return f"{parent.full_name}{name}" if parent else name


@atomic
def create_area(
    *,
    actor: User,
    parent: Area | None,
    level: int,
    code: str,
    name: str,
    geometry: dict[str, Any] | None = None,
) -> Area:
    if parent is None:
        if not actor.is_superuser:
            raise NotFoundOrForbidden()
    else:
        parent = lock(parent)
        require(actor, CHANGE_AREA, parent)
    name = (name or "").strip()
    if not name:
        raise RuleViolation(_("名称不能为空。"), field="name")
    validate_child_code(parent, level, code)
    if Area.objects.filter(code=code).exists():
        raise RuleViolation(_("编码“%(code)s”已被使用。") % {"code": code}, field="code")
    area = Area.objects.create(
        parent=parent,
        level=level,
        code=code,
        name=name,
        path=code_to_path(code),
        full_name=_full_name(parent, name),
        geometry=geometry,
    )
    audit.log("areas.area.created", actor=actor, target=area, data={"code": code, "name": name})
    return area


@atomic
def update_area(
    area: Area,
    *,
    actor: User,
    version: int | None,
    name: str | None = None,
    geometry: dict[str, Any] | None = None,
    clear_geometry: bool = False,
) -> Area:
    area = lock(area)
    require(actor, CHANGE_AREA, area)
    check_version(area, version)
    changed: dict[str, list[str] | bool] = {}
    if name is not None:
        name = name.strip()
        if not name:
            raise RuleViolation(_("名称不能为空。"), field="name")
        if name != area.name:
            changed["name"] = [area.name, name]
            area.name = name
    if geometry is not None or clear_geometry:
        area.geometry = geometry
        changed["geometry"] = True
    if not changed:
        return area
    area.full_name = _full_name(area.parent, area.name)
    area.version += 1
    area.save(update_fields=["name", "full_name", "geometry", "version", "updated_at"])
    if "name" in changed:
        _refresh_descendant_names(area)
    audit.log("areas.area.changed", actor=actor, target=area, data=changed)
    return area


def _refresh_descendant_names(area: Area) -> None:
    """Recompute full names and household addresses below a renamed node."""
    nodes = {area.pk: area}
    for node in Area.objects.filter(path__under=area.path).exclude(pk=area.pk).order_by("level"):
        assert node.parent_id is not None  # below ``area``: never a root
        parent = nodes[node.parent_id]
        node.full_name = _full_name(parent, node.name)
        nodes[node.pk] = node
    Area.objects.bulk_update([n for n in nodes.values() if n.pk != area.pk], ["full_name"], 1000)
    households = list(Household.objects.filter(path__under=area.path))
    for h in households:
        h.address = household_address(nodes.get(h.area_id) or h.area, h.door_number)
    Household.objects.bulk_update(households, ["address"], 1000)


@atomic
def delete_area(area: Area, *, actor: User, version: int | None = None) -> None:
    area = lock(area)
    require(actor, CHANGE_AREA, area)
    if area.parent_id is None and not actor.is_superuser:
        raise NotFoundOrForbidden()
    check_version(area, version)
    if area.children.exists() or area.households.exists():
        raise RuleViolation(_("该区域下还有下级区域或住户，不能删除。"), field="area")
    audit.log("areas.area.deleted", actor=actor, target=area, data={"code": area.code})
    area.delete()


def household_address(area: Area, door_number: str) -> str:
    """``锦绣花园3栋2单元501``: the names from the estate down, then the door number."""
    names: list[str] = []
    node: Area | None = area
    while node is not None and node.level >= Level.ESTATE:
        names.append(node.name)
        node = node.parent if node.level > Level.ESTATE else None
    base = "".join(reversed(names)) or area.name
    return f"{base}{door_number}"


def validate_household_code(area: Area, code: str) -> None:
    if area.level not in HOUSEHOLD_PARENT_LEVELS:
        raise RuleViolation(_("住户只能建在小区/院落、楼栋或单元之下。"), field="area")
    if (
        not (code.isascii() and code.isdigit())
        or not code.startswith(area.code)
        or len(code) != len(area.code) + HOUSEHOLD_DIGITS
    ):
        raise RuleViolation(
            _("编码应为上级编码“%(prefix)s”后加%(digits)d位数字。")
            % {"prefix": area.code, "digits": HOUSEHOLD_DIGITS},
            field="code",
        )


def household_path(area: Area, code: str) -> str:
    """A household's path: its area's path plus the household's own code digits."""
    return f"{area.path}{code[len(area.code) :]}/"


@atomic
def create_household(
    *,
    actor: User,
    area: Area,
    code: str,
    door_number: str,
    status: str = "occupied",
    area_m2: Decimal | None = None,
    note: str = "",
) -> Household:
    area = lock(area)
    require(actor, CHANGE_HOUSEHOLD, area)
    door_number = (door_number or "").strip()
    problems = Problems()  # every refusal at once
    if not door_number:
        problems.add(RuleViolation(_("门牌号不能为空。"), field="door_number"))
    elif Household.objects.filter(area=area, door_number=door_number).exists():
        problems.add(
            RuleViolation(
                _("该楼栋/单元已有门牌号“%(door)s”。") % {"door": door_number},
                field="door_number",
            )
        )
    with problems.check():
        validate_household_code(area, code)
        if Household.objects.filter(code=code).exists():
            raise RuleViolation(_("编码“%(code)s”已被使用。") % {"code": code}, field="code")
    problems.raise_any()
    household = Household.objects.create(
        area=area,
        code=code,
        door_number=door_number,
        path=household_path(area, code),
        address=household_address(area, door_number),
        status=status,
        area_m2=area_m2,
        note=note,
    )
    audit.log("areas.household.created", actor=actor, target=household, data={"code": code})
    return household


@atomic
def update_household(
    household: Household, *, actor: User, version: int | None, **fields: Any
) -> Household:
    household = lock(household, related=("area",))
    require(actor, CHANGE_HOUSEHOLD, household)
    check_version(household, version)
    allowed = {"door_number", "status", "area_m2", "note"}
    changed: dict[str, list[str]] = {}
    for key, value in fields.items():
        if key not in allowed:
            raise RuleViolation(_("字段“%(f)s”不可修改。") % {"f": key}, field=key)
        if key == "door_number":
            value = (value or "").strip()
            if not value:
                raise RuleViolation(_("门牌号不能为空。"), field="door_number")
            clash = Household.objects.filter(area=household.area, door_number=value).exclude(
                pk=household.pk
            )
            if clash.exists():
                raise RuleViolation(
                    _("该楼栋/单元已有门牌号“%(door)s”。") % {"door": value}, field="door_number"
                )
        if getattr(household, key) != value:
            changed[key] = [str(getattr(household, key)), str(value)]
            setattr(household, key, value)
    if not changed:
        return household
    household.address = household_address(household.area, household.door_number)
    household.version += 1
    household.save(update_fields=[*fields.keys(), "address", "version", "updated_at"])
    audit.log("areas.household.changed", actor=actor, target=household, data=changed)
    return household


@atomic
def delete_household(household: Household, *, actor: User, version: int | None = None) -> None:
    household = lock(household)
    require(actor, CHANGE_HOUSEHOLD, household)
    check_version(household, version)
    audit.log(
        "areas.household.deleted", actor=actor, target=household, data={"code": household.code}
    )
    household.delete()


# --- Import: many nodes at once (the Excel area import) -----------------------------

HOUSEHOLD_LEVEL = Level.UNIT + 1  # an import row's level for a household (户)
IMPORT_BATCH = 1000
_DOOR_MAX_LENGTH = Household._meta.get_field("door_number").max_length
_NAME_MAX_LENGTH = Area._meta.get_field("name").max_length
_FIELD_OF = {"parent": "parent_code", "area": "parent_code"}


@dataclass(slots=True)
class AreaRow:
    """One node to import: an area from 街道 to 单元, or a household (``HOUSEHOLD_LEVEL``).

    ``ref`` is the row number the user sees; ``invalid`` marks a row the caller already
    refused (a bad cell): it is never written, but its code still counts as taken and
    its children are refused with a pointer to it.
    """

    ref: int
    level: int | None
    code: str | None
    name: str | None  # the name, or a household's door number
    parent_code: str | None
    status: str | None = None
    area_m2: Decimal | None = None
    invalid: bool = False


@dataclass
class AreaImportOutcome:
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (ref, field, reason)
    areas: int = 0
    households: int = 0

    @property
    def failed_refs(self) -> set[int]:
        return {ref for ref, _f, _r in self.errors}


def _codes_taken(model: type[Area | Household], codes: set[str]) -> set[str]:
    taken: set[str] = set()
    for chunk in chunks(sorted(codes)):
        taken.update(model.objects.filter(code__in=chunk).values_list("code", flat=True))
    return taken


def _parents_by_code(codes: set[str], *, lock: bool) -> dict[str, Area]:
    """Existing parent nodes with the two levels above them (for household addresses)."""
    found: dict[str, Area] = {}
    for chunk in chunks(sorted(codes)):
        queryset = Area.objects.select_related("parent__parent").filter(code__in=chunk)
        if lock:
            queryset = queryset.select_for_update(of=("self",))
        found.update((a.code, a) for a in queryset)
    return found


def _doors_taken(area_ids: set[int]) -> set[tuple[int | str, str]]:
    """(area id, door number) taken; the import adds (area code, door number) for the
    areas it plans, which have no id yet."""
    taken: set[tuple[int | str, str]] = set()
    for chunk in chunks(sorted(area_ids)):
        taken.update(
            Household.objects.filter(area_id__in=chunk).values_list("area_id", "door_number")
        )
    return taken


def _code(row: AreaRow) -> str:
    """The code of a row of ``by_code``, the file's rows that have one."""
    assert row.code is not None
    return row.code


def _parent_first(
    rows: list[AreaRow], by_code: dict[str, AreaRow]
) -> tuple[list[AreaRow], set[str]]:
    """Order the file's nodes so each comes after its parent row; find reference cycles.

    Returns (ordered rows, codes on a cycle). Iterative: a deep tree cannot overflow.
    """
    done: set[str] = set()
    cycle: set[str] = set()
    ordered: list[AreaRow] = []
    for row in by_code.values():
        chain: list[AreaRow] = []
        on_chain: dict[str, int] = {}
        node: AreaRow | None = row
        while node is not None and node.code not in done and node.code not in on_chain:
            on_chain[_code(node)] = len(chain)
            chain.append(node)
            node = by_code.get(node.parent_code or "")
        if node is not None and node.code in on_chain:
            cycle.update(_code(n) for n in chain[on_chain[_code(node)] :])
        for n in reversed(chain):
            done.add(_code(n))
            ordered.append(n)
    return ordered, cycle


def _plan_import(
    rows: list[AreaRow], actor: User, *, lock: bool
) -> tuple[AreaImportOutcome, dict[str, Area], list[tuple[AreaRow, Area]]]:
    """Check every row against the file, the database and the actor's scope.

    Returns (outcome with errors, areas to create by level in parent-first order,
    households to create as (row, parent)). A constant number of queries: existing
    codes, parents and door numbers are loaded in bulk.
    """
    outcome = AreaImportOutcome()
    bad: set[int] = {r.ref for r in rows if r.invalid}

    def fail(row: AreaRow, field_name: str, message: str | Promise) -> None:
        outcome.errors.append((row.ref, _FIELD_OF.get(field_name, field_name), str(message)))
        bad.add(row.ref)

    by_code: dict[str, AreaRow] = {}
    for row in rows:
        if row.ref not in bad and not row.code:
            fail(row, "code", _("编码不能为空。"))
        elif row.ref not in bad and not row.parent_code:
            fail(row, "parent_code", _("上级编码不能为空。"))
        if not row.code:
            continue
        first = by_code.setdefault(row.code, row)
        if first is not row:
            fail(
                row,
                "code",
                _("编码“%(code)s”与第%(row)d行重复。") % {"code": row.code, "row": first.ref},
            )

    ordered, cycle = _parent_first(rows, by_code)
    for code in cycle:
        row = by_code[code]
        if row.ref not in bad:
            fail(row, "parent_code", _("上级编码形成循环。"))

    area_codes = {_code(r) for r in ordered if r.level != HOUSEHOLD_LEVEL}
    household_codes = {_code(r) for r in ordered if r.level == HOUSEHOLD_LEVEL}
    taken = _codes_taken(Area, area_codes) | _codes_taken(Household, household_codes)
    outside = {r.parent_code for r in ordered if r.parent_code and r.parent_code not in by_code}
    existing = _parents_by_code(outside, lock=lock)
    doors = _doors_taken({a.pk for a in existing.values() if a.level in HOUSEHOLD_PARENT_LEVELS})
    allowed: dict[tuple[str, str], bool] = {}

    planned: dict[str, Area] = {}
    households: list[tuple[AreaRow, Area]] = []
    for row in ordered:
        if row.ref in bad:
            continue
        assert row.code is not None  # a row of by_code
        is_household = row.level == HOUSEHOLD_LEVEL
        perm = CHANGE_HOUSEHOLD if is_household else CHANGE_AREA
        parent_row = by_code.get(row.parent_code or "")
        parent: Area | None
        if parent_row is not None:
            if parent_row.ref in bad:
                fail(
                    row,
                    "parent_code",
                    _("上级编码“%(code)s”所在的第%(row)d行有误。")
                    % {"code": row.parent_code, "row": parent_row.ref},
                )
                continue
            if parent_row.level == HOUSEHOLD_LEVEL:
                fail(
                    row,
                    "parent_code",
                    _("上级编码“%(code)s”是住户，不能作为上级。") % {"code": row.parent_code},
                )
                continue
            parent = planned[_code(parent_row)]
        else:
            parent = existing.get(row.parent_code or "")
            key = (row.parent_code or "", perm)
            if parent is not None and key not in allowed:
                allowed[key] = actor.has_perm(perm, parent)
            if parent is None or not allowed[key]:
                # Unknown and out of scope answer alike: no hint about other communities.
                fail(
                    row,
                    "parent_code",
                    _("上级编码“%(code)s”不存在或不在您的管理范围内。") % {"code": row.parent_code},
                )
                continue
        name = (row.name or "").strip()
        try:
            if is_household:
                validate_household_code(parent, row.code)
            elif row.level in PARENT_LEVEL:
                validate_child_code(parent, row.level, row.code)
            else:
                raise RuleViolation(_("层级不正确。"), field="level")
            if not name:
                raise RuleViolation(
                    _("门牌号不能为空。") if is_household else _("名称不能为空。"), field="name"
                )
            limit = _DOOR_MAX_LENGTH if is_household else _NAME_MAX_LENGTH
            assert limit is not None  # both are CharFields
            if len(name) > limit:
                raise RuleViolation(_("不能超过%(n)d个字。") % {"n": limit}, field="name")
            if row.code in taken:
                raise RuleViolation(
                    _("编码“%(code)s”已被使用。") % {"code": row.code}, field="code"
                )
            if not is_household and (row.status or row.area_m2 is not None):
                raise RuleViolation(
                    _("只有“户”可以填写居住状态和面积。"),
                    field="status" if row.status else "area_m2",
                )
            if is_household:
                if row.status and row.status not in HouseholdStatus.values:
                    raise RuleViolation(_("居住状态不正确。"), field="status")
                if row.area_m2 is not None and row.area_m2 < 0:
                    raise RuleViolation(_("面积不能小于0。"), field="area_m2")
                door_key = (parent.pk if parent.pk else parent.code, name)
                if door_key in doors:
                    raise RuleViolation(
                        _("该楼栋/单元已有门牌号“%(door)s”。") % {"door": name}, field="name"
                    )
        except RuleViolation as exc:
            fail(row, exc.field or "", exc.message)
            continue
        if is_household:
            doors.add(door_key)
            households.append((row, parent))
        else:
            assert row.level is not None  # validate_child_code took it
            planned[row.code] = Area(
                parent=parent,
                level=row.level,
                code=row.code,
                name=name,
                path=code_to_path(row.code),
                full_name=_full_name(parent, name),
            )
    return outcome, planned, households


def _new_household(row: AreaRow, parent: Area) -> Household:
    """The unsaved household of a row the plan passed: it has a code and a door number."""
    assert row.code is not None and row.name is not None
    return Household(
        area=parent,
        code=row.code,
        door_number=row.name.strip(),
        path=household_path(parent, row.code),
        address=household_address(parent, row.name.strip()),
        status=row.status or HouseholdStatus.OCCUPIED,
        area_m2=row.area_m2,
    )


def import_areas(
    rows: list[AreaRow],
    *,
    actor: User,
    partial: bool = False,
    dry_run: bool = False,
    audit_data: dict[str, Any] | None = None,
) -> AreaImportOutcome:
    """Create many areas and households, parents before children.

    Every row is checked like :func:`create_area` / :func:`create_household` would (code
    shape under its parent, level, duplicates in the file and in the database, door
    numbers, the actor's scope on each existing parent) plus reference cycles. With
    errors nothing is written unless ``partial``, which writes the rows that passed;
    ``dry_run`` only checks. One audit record per import that writes.

    The checks run before anything is written, outside any transaction; the rows are
    then written in batches that each commit (a parent before its children), so other
    writers never wait for the whole import; if a batch fails (someone changed the tree
    meanwhile) the earlier batches are taken back (core.bulk.Written).
    """
    outcome, planned, households = _plan_import(rows, actor, lock=False)
    outcome.errors.sort()
    failed = outcome.failed_refs | {r.ref for r in rows if r.invalid}
    if dry_run or (failed and not partial) or not (planned or households):
        return outcome
    written = Written("areas.import")
    try:
        for level in sorted({a.level for a in planned.values()}):
            nodes = [a for a in planned.values() if a.level == level]
            for batch in chunks(nodes, IMPORT_BATCH):
                with transaction.atomic():
                    Area.objects.bulk_create(batch, batch_size=IMPORT_BATCH)
                    written.add(Area, [a.pk for a in batch])
        for chunk in chunks(households, IMPORT_BATCH):
            with transaction.atomic():
                created = Household.objects.bulk_create(
                    [_new_household(row, parent) for row, parent in chunk]
                )
                written.add(Household, [h.pk for h in created])
        outcome.areas, outcome.households = len(planned), len(households)
        written.finish(
            "areas.import.completed",
            actor=actor,
            data={
                **(audit_data or {}),
                "rows_written": outcome.areas + outcome.households,
                "rows_failed": len(failed),
                "areas": outcome.areas,
                "households": outcome.households,
            },
        )
    except IntegrityError:
        written.undo()
        raise Conflict(_("导入期间数据已被他人修改，请重新导入。")) from None
    except BaseException:
        written.undo()
        raise
    return outcome
