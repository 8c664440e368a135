"""Every write to the area tree and households: scope-checked, locked, audited."""

import functools

from django.db import transaction
from django.utils.translation import gettext as _

from gongzhi.core import audit
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation

from .choices import HOUSEHOLD_DIGITS, HOUSEHOLD_PARENT_LEVELS, PARENT_LEVEL, SEGMENT_DIGITS, Level
from .models import Area, Household, code_to_path
from .permissions import CHANGE_AREA, CHANGE_HOUSEHOLD


def require(actor, perm: str, obj=None) -> None:
    """Refuse (and audit the denial) unless ``actor`` holds ``perm`` on ``obj``'s subtree."""
    if actor.has_perm(perm, obj):
        return
    denial = {"actor": actor, "target": obj, "data": {"perm": perm}}
    audit.log("core.permission.denied", result=audit.DENIED, **denial)
    exc = NotFoundOrForbidden()
    exc.denial = denial
    raise exc


def _atomic(func):
    """``transaction.atomic`` that keeps the audit record of a denial.

    Rolling back a refused write also rolls back the denial record ``require`` wrote
    inside it, so the record is written again once the transaction block is left.
    """
    atomic_func = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return atomic_func(*args, **kwargs)
        except NotFoundOrForbidden as exc:
            denial = getattr(exc, "denial", None)
            if denial is not None:
                audit.log("core.permission.denied", result=audit.DENIED, **denial)
            raise

    return wrapper


def _check_version(obj, version: int | None) -> None:
    if version is not None and obj.version != version:
        raise Conflict()


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


@_atomic
def create_area(
    *, actor, parent: Area | None, level: int, code: str, name: str, geometry=None
) -> Area:
    if parent is None:
        if not actor.is_superuser:
            raise NotFoundOrForbidden()
    else:
        parent = Area.objects.select_for_update().get(pk=parent.pk)
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


@_atomic
def update_area(
    area: Area,
    *,
    actor,
    version: int | None,
    name: str | None = None,
    geometry=None,
    clear_geometry: bool = False,
) -> Area:
    area = Area.objects.select_for_update().get(pk=area.pk)
    require(actor, CHANGE_AREA, area)
    _check_version(area, version)
    changed = {}
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
        parent = nodes[node.parent_id]
        node.full_name = _full_name(parent, node.name)
        nodes[node.pk] = node
    Area.objects.bulk_update([n for n in nodes.values() if n.pk != area.pk], ["full_name"], 1000)
    households = list(Household.objects.filter(path__under=area.path))
    for h in households:
        h.address = household_address(nodes.get(h.area_id) or h.area, h.door_number)
    Household.objects.bulk_update(households, ["address"], 1000)


@_atomic
def delete_area(area: Area, *, actor, version: int | None = None) -> None:
    area = Area.objects.select_for_update().get(pk=area.pk)
    require(actor, CHANGE_AREA, area)
    if area.parent_id is None and not actor.is_superuser:
        raise NotFoundOrForbidden()
    _check_version(area, version)
    if area.children.exists() or area.households.exists():
        raise RuleViolation(_("该区域下还有下级区域或住户，不能删除。"), field="area")
    audit.log("areas.area.deleted", actor=actor, target=area, data={"code": area.code})
    area.delete()


def household_address(area: Area, door_number: str) -> str:
    """``锦绣花园3栋2单元501``: the names from the estate down, then the door number."""
    names, node = [], area
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


@_atomic
def create_household(
    *,
    actor,
    area: Area,
    code: str,
    door_number: str,
    status: str = "occupied",
    area_m2=None,
    note: str = "",
) -> Household:
    area = Area.objects.select_for_update().get(pk=area.pk)
    require(actor, CHANGE_HOUSEHOLD, area)
    door_number = (door_number or "").strip()
    if not door_number:
        raise RuleViolation(_("门牌号不能为空。"), field="door_number")
    validate_household_code(area, code)
    if Household.objects.filter(code=code).exists():
        raise RuleViolation(_("编码“%(code)s”已被使用。") % {"code": code}, field="code")
    if Household.objects.filter(area=area, door_number=door_number).exists():
        raise RuleViolation(
            _("该楼栋/单元已有门牌号“%(door)s”。") % {"door": door_number}, field="door_number"
        )
    household = Household.objects.create(
        area=area,
        code=code,
        door_number=door_number,
        path=area.path + code[len(area.code) :] + "/",
        address=household_address(area, door_number),
        status=status,
        area_m2=area_m2,
        note=note,
    )
    audit.log("areas.household.created", actor=actor, target=household, data={"code": code})
    return household


@_atomic
def update_household(household: Household, *, actor, version: int | None, **fields) -> Household:
    household = Household.objects.select_for_update().select_related("area").get(pk=household.pk)
    require(actor, CHANGE_HOUSEHOLD, household)
    _check_version(household, version)
    allowed = {"door_number", "status", "area_m2", "note"}
    changed = {}
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


@_atomic
def delete_household(household: Household, *, actor, version: int | None = None) -> None:
    household = Household.objects.select_for_update().get(pk=household.pk)
    require(actor, CHANGE_HOUSEHOLD, household)
    _check_version(household, version)
    audit.log(
        "areas.household.deleted", actor=actor, target=household, data={"code": household.code}
    )
    household.delete()
