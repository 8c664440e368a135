"""Every write of the resident registry: scope-checked, validated, audited."""

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.files import File
from django.db import IntegrityError, transaction
from django.db.models.fields.files import FieldFile
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from gongzhi.accounts.models import User
from gongzhi.areas.choices import Level
from gongzhi.areas.models import Area, Household
from gongzhi.core import audit, calendar, pii
from gongzhi.core.bulk import Written, chunks, insert_rows
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, Problems, RuleViolation
from gongzhi.core.pinyin import name_fields
from gongzhi.core.services import atomic, check_version, lock, require, reveal
from gongzhi.party.choices import HOLDING

from .choices import DUTY_LEVEL, Duty, MoveKind, PermitStatus, PoliticalStatus, Relation
from .models import CareTag, Rental, Resident, ResidentMove, ResidentTag, Responsibility
from .permissions import CHANGE, MANAGE_RESPONSIBILITY, MANAGE_TAGS, VIEW_SENSITIVE

if TYPE_CHECKING:
    from gongzhi.party.models import Member

PROFILE_FIELDS = {
    "phone",
    "relation",
    "ethnicity",
    "political_status",
    "work_or_school",
    "registered_address",
    "registered_here",
    "floating",
    "origin",
    "arrived_on",
    "permit",
    "moved_in_on",
    "name",
}


SECOND_HEAD = _lazy(
    "该户已有户主，一户只能有一名户主：请选择其他与户主关系，或先修改现户主的关系。"
)

# Choices' values as sets: ``Choices.values`` builds a new list at each call.
RELATIONS = frozenset(Relation.values)
POLITICAL_STATUSES = frozenset(PoliticalStatus.values)
PERMITS = frozenset(PermitStatus.values)


def _clean_profile(fields: dict[str, Any]) -> dict[str, Any]:
    """The profile's values cleaned, or every refusal of them at once."""
    problems = Problems()
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise RuleViolation(_("字段“%(f)s”不可填写。") % {"f": ", ".join(sorted(unknown))})
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            problems.add(RuleViolation(_("姓名不能为空。"), field="name"))
    if fields.get("phone"):
        with problems.check():
            fields["phone"] = pii.normalize_phone(fields["phone"])
    if "relation" in fields and fields["relation"] not in RELATIONS:
        problems.add(RuleViolation(_("请选择与户主关系。"), field="relation"))
    if "political_status" in fields and fields["political_status"] not in POLITICAL_STATUSES:
        problems.add(RuleViolation(_("政治面貌不正确。"), field="political_status"))
    if "permit" in fields and fields["permit"] not in PERMITS:
        problems.add(RuleViolation(_("居住证状态不正确。"), field="permit"))
    if fields.get("floating") and not (fields.get("origin") or "").strip():
        problems.add(RuleViolation(_("流动人口须填写来源地。"), field="origin"))
    for name in ("arrived_on", "moved_in_on"):
        with problems.check():
            calendar.require_happened(fields.get(name), field=name)
    problems.raise_any()
    return fields


def _second_head(household_id: int, exclude: int | None = None) -> RuleViolation | None:
    """The refusal of a second 户主 in a household that has a present one."""
    heads = Resident.objects.filter(household_id=household_id, relation=Relation.HEAD, present=True)
    if exclude is not None:
        heads = heads.exclude(pk=exclude)
    if heads.exists():
        return RuleViolation(SECOND_HEAD, field="relation")
    return None


def _derived(fields: dict[str, Any]) -> dict[str, str]:
    """Search keys kept beside the values they come from."""
    extra: dict[str, str] = {}
    if "name" in fields:
        extra.update(name_fields(fields["name"]))
    if "phone" in fields:
        extra["phone_tail"] = (fields["phone"] or "")[-4:]
    return extra


def _party_member_for(digests: list[str]) -> "Member | None":
    from gongzhi.party.models import Member

    return Member.objects.filter(id_number_hash__in=digests, standing__in=HOLDING).first()


@atomic
def register_resident(
    *,
    actor: User,
    household: Household,
    name: str,
    id_number: str,
    relation: str,
    on: date | None = None,
    **fields: Any,
) -> Resident:
    """Enter a person in a household; a party member is linked to their member record.
    Every refusal of the input is reported at once (RuleViolations)."""
    require(actor, CHANGE, household)
    problems = Problems()
    with problems.check():
        fields = _clean_profile({"name": name, "relation": relation, **fields})
    number, digests = "", []
    with problems.check():
        number = pii.normalize_id_number(id_number)
        digests = pii.lookup_hashes(number)  # every key's hash: found during a key rotation
        if Resident.objects.filter(id_number_hash__in=digests, present=True).exists():
            raise RuleViolation(
                _("该身份证号已登记为本区在住居民，请办理户间变动而非重复登记。"),
                field="id_number",
            )
    if relation == Relation.HEAD and "relation" not in problems.fields():
        lock(household)  # two desks registering a head at once: one waits, then is refused
        second = _second_head(household.pk)
        if second is not None:
            problems.add(second)
    problems.raise_any()
    member = _party_member_for(digests)
    if (
        member is not None
        and fields.get("political_status", PoliticalStatus.MASSES) == PoliticalStatus.MASSES
    ):
        fields["political_status"] = (
            PoliticalStatus.MEMBER if member.status == "full" else PoliticalStatus.PROBATIONARY
        )
    resident = Resident(
        household=household,
        path=household.path,
        **Resident.id_number_fields(number),
        sex=pii.sex(number),
        birth_date=pii.birth_date(number),
        party_member=member,
        **fields,
        **_derived(fields),
    )
    if resident.moved_in_on is None:
        resident.moved_in_on = on
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        raise RuleViolation(_("该身份证号已登记为本区在住居民。"), field="id_number") from None
    ResidentMove.objects.create(
        resident=resident,
        kind=MoveKind.MOVE_IN,
        on=on or timezone.localdate(),
        to_household=household,
        actor=actor,
    )
    audit.log(
        "residents.resident.registered",
        actor=actor,
        target=resident,
        data={"household": household.pk},
    )
    return resident


def _locked(resident: Resident, actor: User, version: int | None) -> Resident:
    resident = lock(resident)
    require(actor, CHANGE, resident)
    check_version(resident, version)
    return resident


@atomic
def update_resident(
    resident: Resident, *, actor: User, version: int | None, **fields: Any
) -> Resident:
    resident = _locked(resident, actor, version)
    problems = Problems()
    with problems.check():
        fields = _clean_profile(fields)
    changed = {k: v for k, v in fields.items() if getattr(resident, k) != v}
    if changed.get("relation") == Relation.HEAD and resident.present:
        second = _second_head(resident.household_id, exclude=resident.pk)
        if second is not None:
            problems.add(second)
    problems.raise_any()
    if not changed:
        return resident
    changed.update(_derived(changed))
    for key, value in changed.items():
        setattr(resident, key, value)
    resident.version += 1
    resident.save(update_fields=[*changed, "version", "updated_at"])
    audit.log(
        "residents.resident.changed", actor=actor, target=resident, data={"fields": sorted(fields)}
    )
    return resident


@atomic
def move_out(
    resident: Resident,
    *,
    actor: User,
    version: int | None,
    on: date,
    note: str = "",
    died: bool = False,
) -> Resident:
    resident = _locked(resident, actor, version)
    if not resident.present:
        raise RuleViolation(_("该居民已迁出。"), field="present")
    calendar.require_happened(on, field="on")
    resident.present, resident.moved_out_on = False, on
    resident.version += 1
    resident.save(update_fields=["present", "moved_out_on", "version", "updated_at"])
    ResidentMove.objects.create(
        resident=resident,
        kind=MoveKind.DEATH if died else MoveKind.MOVE_OUT,
        on=on,
        from_household=resident.household,
        note=note,
        actor=actor,
    )
    audit.log("residents.resident.moved_out", actor=actor, target=resident, data={"died": died})
    return resident


@atomic
def move_to(
    resident: Resident,
    *,
    actor: User,
    version: int | None,
    household: Household,
    on: date,
    relation: str = Relation.OTHER,
    note: str = "",
) -> Resident:
    """户间变动: the person now lives in another household of the actor's scope."""
    resident = _locked(resident, actor, version)
    require(actor, CHANGE, household)
    problems = Problems()
    if household.pk == resident.household_id:
        problems.add(RuleViolation(_("已在该户。"), field="household"))
    if relation not in RELATIONS:
        problems.add(RuleViolation(_("请选择与户主关系。"), field="relation"))
    elif relation == Relation.HEAD:
        second = _second_head(household.pk, exclude=resident.pk)
        if second is not None:
            problems.add(second)
    with problems.check():
        calendar.require_happened(on, field="on")
    problems.raise_any()
    source = resident.household
    resident.household, resident.path, resident.relation = household, household.path, relation
    resident.version += 1
    resident.save(update_fields=["household", "path", "relation", "version", "updated_at"])
    ResidentMove.objects.create(
        resident=resident,
        kind=MoveKind.TRANSFER,
        on=on,
        from_household=source,
        to_household=household,
        note=note,
        actor=actor,
    )
    audit.log(
        "residents.resident.moved",
        actor=actor,
        target=resident,
        data={"from": source.pk, "to": household.pk},
    )
    return resident


@atomic
def set_tag(
    resident: Resident, *, actor: User, tag: CareTag, on: date, note: str = ""
) -> ResidentTag:
    require(actor, CHANGE, resident)
    if tag.sensitive:
        require(actor, VIEW_SENSITIVE, resident)
    if not tag.is_active:
        raise RuleViolation(_("该标签已停用。"), field="tag")
    link, created = ResidentTag.objects.get_or_create(
        resident=resident, tag=tag, defaults={"set_on": on, "set_by": actor, "note": note}
    )
    if not created:
        raise RuleViolation(_("已有该标签。"), field="tag")
    audit.log("residents.tag.set", actor=actor, target=resident, data={"tag": tag.name})
    return link


@atomic
def remove_tag(resident: Resident, *, actor: User, tag: CareTag) -> None:
    require(actor, CHANGE, resident)
    if tag.sensitive:
        require(actor, VIEW_SENSITIVE, resident)
    if not ResidentTag.objects.filter(resident=resident, tag=tag).delete()[0]:
        raise RuleViolation(_("没有该标签。"), field="tag")
    audit.log("residents.tag.removed", actor=actor, target=resident, data={"tag": tag.name})


# The full ID number for a role that needs it; every view is audited.
reveal_id_number = partial(reveal, perm=VIEW_SENSITIVE, action="residents.resident.pii_viewed")


def open_photo(resident: Resident, *, actor: User) -> FieldFile:
    """The resident's photo (biometric, PIPL art. 28) for a role that needs it; audited."""
    require(actor, VIEW_SENSITIVE, resident)
    if not resident.photo:
        raise NotFoundOrForbidden()
    audit.log(
        "residents.resident.photo_viewed", actor=actor, target=resident, data={"field": "photo"}
    )
    return resident.photo.open("rb")


@atomic
def set_photo(resident: Resident, *, actor: User, upload: File) -> Resident:
    resident = _locked(resident, actor, None)
    require(actor, VIEW_SENSITIVE, resident)
    if upload.size > 2 * 1024 * 1024:
        raise RuleViolation(_("照片不能超过2MB。"), field="photo")
    head = upload.read(12)
    upload.seek(0)
    if not (head.startswith(b"\xff\xd8\xff") or head.startswith(b"\x89PNG")):
        raise RuleViolation(_("照片须为JPEG或PNG图片。"), field="photo")
    resident.photo.save(f"{resident.pk}-{timezone.now():%Y%m%d%H%M%S}", upload, save=False)
    resident.save(update_fields=["photo", "updated_at"])
    audit.log("residents.resident.photo_set", actor=actor, target=resident)
    return resident


@atomic
def save_rental(
    *,
    actor: User,
    household: Household,
    landlord_name: str,
    starts_on: date,
    ends_on: date | None = None,
    landlord_phone: str = "",
    tenants: Collection[Resident] = (),
    note: str = "",
    rental: Rental | None = None,
) -> Rental:
    require(actor, CHANGE, household)
    problems = Problems()  # every refusal at once
    if not (landlord_name or "").strip():
        problems.add(RuleViolation(_("请填写房东。"), field="landlord_name"))
    if ends_on is not None and ends_on < starts_on:
        problems.add(RuleViolation(_("租期结束不能早于开始。"), field="ends_on"))
    if landlord_phone:
        with problems.check():
            landlord_phone = pii.normalize_phone(landlord_phone, field="landlord_phone")
    problems.raise_any()
    for tenant in tenants:
        require(actor, CHANGE, tenant)
    rental = rental or Rental(household=household, path=household.path)
    rental.landlord_name, rental.landlord_phone = landlord_name.strip(), landlord_phone
    rental.starts_on, rental.ends_on, rental.note = starts_on, ends_on, note
    rental.save()
    rental.tenants.set(tenants)
    if household.status != "rented" and (ends_on is None or ends_on >= timezone.localdate()):
        Household.objects.filter(pk=household.pk).update(status="rented")
    audit.log("residents.rental.saved", actor=actor, target=rental, data={"tenants": len(tenants)})
    return rental


@atomic
def set_responsibility(
    *,
    actor: User,
    area: Area,
    duty: str,
    name: str,
    phone: str = "",
    user: User | None = None,
    member: "Member | None" = None,
) -> Responsibility:
    """Link a person or unit to a grid, building, courtyard or community (三必有)."""
    require(actor, MANAGE_RESPONSIBILITY, area)
    if duty not in Duty.values:
        raise RuleViolation(_("职责不正确。"), field="duty")
    problems = Problems()  # every refusal at once
    if area.level != DUTY_LEVEL[Duty(duty)]:
        problems.add(
            RuleViolation(
                _("“%(d)s”须设在%(l)s。")
                % {"d": Duty(duty).label, "l": DUTY_LEVEL[Duty(duty)].label},
                field="area",
            )
        )
    name = (name or (member.name if member else "")).strip()
    if not name:
        problems.add(RuleViolation(_("请填写姓名或单位名称。"), field="name"))
    if phone:
        with problems.check():
            phone = pii.normalize_phone(phone)
    if duty == Duty.LINKED_MEMBER and member is None:
        problems.add(RuleViolation(_("联系在职党员须选择党员档案。"), field="member"))
    problems.raise_any()
    link = Responsibility.objects.create(
        area=area, path=area.path, duty=duty, name=name, phone=phone, user=user, member=member
    )
    audit.log("residents.responsibility.set", actor=actor, target=link, data={"duty": duty})
    return link


@atomic
def remove_responsibility(link: Responsibility, *, actor: User) -> None:
    require(actor, MANAGE_RESPONSIBILITY, link)
    audit.log(
        "residents.responsibility.removed", actor=actor, target=link, data={"duty": link.duty}
    )
    link.delete()


# --- Bulk registration: the census import and the demo ---------------------------------------

BULK_BATCH = 5000
# The columns register_residents writes (the others as a new Resident has them).
IMPORT_COLUMNS = (
    *sorted(PROFILE_FIELDS),
    "household_id",
    "path",
    "id_number_enc",
    "id_number_hash",
    "id_head",
    "id_tail",
    "sex",
    "birth_date",
    "party_member_id",
    "initials",
    "short_initials",
    "pinyin",
    "phone_tail",
)
HOUSEHOLD_AT = IMPORT_COLUMNS.index("household_id")
DUPLICATE_ID = "该身份证号已登记为本区在住居民，请办理户间变动而非重复登记。"


@dataclass
class ResidentRow:
    """One person to register: ``ref`` is the import row number; the household is given
    either directly or as an address key resolved against the actor's scope
    (:func:`household_key`), ``invalid`` set when a cell already failed. Every rule is
    checked on every row, and every reason of a row is reported."""

    ref: int
    name: str
    id_number: str
    relation: str
    household: Household | None = None
    address: tuple | None = None
    profile: dict = field(default_factory=dict)
    tags: tuple = ()
    invalid: bool = False
    # The fields whose cells failed to parse (already reported): not checked again.
    skip: frozenset[str] = frozenset()


@dataclass
class ResidentImportOutcome:
    written: int = 0
    households: int = 0
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (ref, field, reason)


def household_key(*names: object) -> tuple[str, ...]:
    """(社区, 网格, 小区/院落, 楼栋, 单元, 门牌号) without blanks and spaces: the address
    a door-to-door census writes down, as a lookup key."""
    return tuple("".join(str(n or "").split()) for n in names)


def households_by_key(actor: User, perm: str = CHANGE) -> dict[tuple[str, ...], tuple[int, str]]:
    """Every household the actor may change, by its address key: two queries, whatever
    the number of households."""
    nodes = {
        pk: (parent, level, name)
        for pk, parent, level, name in Area.objects.visible_to(actor, perm)
        .filter(level__gte=Level.COMMUNITY)
        .values_list("id", "parent_id", "level", "name")
    }
    # The nodes above the actor's scope (a grid worker's community) only lend their names.
    above = {
        ancestor
        for path in actor.scope_paths(perm)
        for ancestor in Area(path=path).ancestor_paths()
    }
    for pk, parent, level, name in Area.objects.filter(
        path__in=above, level__gte=Level.COMMUNITY
    ).values_list("id", "parent_id", "level", "name"):
        nodes[pk] = (parent, level, name)
    chains: dict[int, dict[int, str]] = {}

    def chain(area_id: int) -> dict[int, str]:
        found = chains.get(area_id)
        if found is None:
            found = {}
            node: int | None = area_id
            while node in nodes:
                parent, level, name = nodes[node]
                found[level] = name
                node = parent
            chains[area_id] = found
        return found

    result: dict[tuple[str, ...], tuple[int, str]] = {}
    for pk, area_id, door, path in (
        Household.objects.visible_to(actor, perm)
        .values_list("id", "area_id", "door_number", "path")
        .iterator(chunk_size=5000)
    ):
        names = chain(area_id)
        key = household_key(
            names.get(Level.COMMUNITY),
            names.get(Level.GRID),
            names.get(Level.ESTATE),
            names.get(Level.BUILDING),
            names.get(Level.UNIT),
            door,
        )
        result[key] = (pk, path)
    return result


def _present_ids(digests: Iterable[str]) -> dict[str, int]:
    """The present residents' ids by ID-number hash."""
    found: dict[str, int] = {}
    for chunk in chunks(digests):
        found.update(
            Resident.objects.filter(id_number_hash__in=chunk, present=True).values_list(
                "id_number_hash", "id"
            )
        )
    return found


def _members_by_hash(digests: Iterable[str]) -> dict[str, tuple[int, str]]:
    from gongzhi.party.models import Member

    found: dict[str, tuple[int, str]] = {}
    for chunk in chunks(digests):
        for pk, digest, status in Member.objects.filter(
            id_number_hash__in=chunk, standing__in=HOLDING
        ).values_list("id", "id_number_hash", "status"):
            found[digest] = (pk, status)
    return found


def _households_with_head(household_ids: Iterable[int]) -> set[int]:
    """The households among ``household_ids`` that have a present 户主."""
    found: set[int] = set()
    for chunk in chunks(set(household_ids)):
        found.update(
            Resident.objects.filter(
                household_id__in=chunk, relation=Relation.HEAD, present=True
            ).values_list("household_id", flat=True)
        )
    return found


def register_residents(
    rows: Iterable[ResidentRow],
    *,
    actor: User,
    partial: bool = False,
    dry_run: bool = False,
    audit_data: dict[str, Any] | None = None,
    on: date | None = None,
) -> ResidentImportOutcome:
    """Register many people at once with the rules of :func:`register_resident`.

    Households in scope (by address key), ID numbers already present and party members
    are loaded in bulk: no query per row. An ID number may appear once in the file, a
    household has one 户主, and every reason of a row is reported. With
    any error nothing is written unless ``partial`` (then the rows that passed are);
    ``dry_run`` only checks. One audit record per call that writes. ``rows`` is read
    once (a generator keeps only the checked fields of 100,000 rows in memory).

    Every check runs before anything is written and outside any transaction; the rows
    are then written in batches that each commit, so that other writers wait for one
    batch at most, never for the whole import (core.bulk.Written takes the earlier
    batches back if a later one fails).
    """
    on = on or timezone.localdate()
    outcome = ResidentImportOutcome()
    require(actor, CHANGE)
    by_key = None  # loaded at the first row given by address
    tags = {t.name: t for t in CareTag.objects.filter(is_active=True)}
    may_sensitive = actor.has_perm(VIEW_SENSITIVE)
    allowed_households: dict[int, bool] = {}
    # (ref, ID digest, field names, field values, tag ids): a checked row as two tuples,
    # a fifth of a dict's memory, the names shared by the rows that fill the same columns.
    planned: list[tuple[int, str, tuple, tuple, tuple]] = []
    # (ref, ID digest, household id, is 户主) of every row, checked against the database
    # after the loop: the rows that failed in it too, so a row's every reason is listed.
    keys: list[tuple[int, str | None, int | None, bool]] = []
    names_seen: dict[tuple, tuple] = {}
    first_row: dict[str, int] = {}
    head_row: dict[int, int] = {}
    invalid = False
    for row in rows:
        invalid = invalid or row.invalid
        problems = Problems()
        household_id, path, digest, number = None, "", None, ""
        with problems.check():
            if row.household is not None:
                household = row.household
                if household.pk not in allowed_households:
                    allowed_households[household.pk] = actor.has_perm(CHANGE, household)
                if not allowed_households[household.pk]:
                    raise RuleViolation(_("住户不在您的管理范围内。"), field="household")
                household_id, path = household.pk, household.path
            elif row.address is not None or not row.invalid:
                if by_key is None:
                    by_key = households_by_key(actor)
                found = None if row.address is None else by_key.get(row.address)
                if found is None:
                    raise RuleViolation(
                        _("地址“%(a)s”不存在或不在您的管理范围内。")
                        % {"a": "".join(row.address or ())},
                        field="household",
                    )
                household_id, path = found
        profile = {"name": row.name, "relation": row.relation, **row.profile}
        for key in row.skip:  # cells that already failed to parse: reported once
            profile.pop(key, None)
        fields: dict[str, Any] = {}
        with problems.check():
            fields = _clean_profile(profile)
        if "id_number" not in row.skip:
            with problems.check():
                number = pii.normalize_id_number(row.id_number)
                digest = pii.lookup_hash(number)
                first = first_row.setdefault(digest, row.ref)
                if first != row.ref:
                    raise RuleViolation(
                        _("与第%(row)d行是同一身份证号。") % {"row": first}, field="id_number"
                    )
        head = profile.get("relation") == Relation.HEAD and household_id is not None
        if head:
            assert household_id is not None
            first = head_row.setdefault(household_id, row.ref)
            if first != row.ref:
                problems.add(
                    RuleViolation(
                        _("与第%(row)d行同户且都填为户主：一户只能有一名户主。") % {"row": first},
                        field="relation",
                    )
                )
        tag_ids = []
        for tag_name in row.tags:
            tag = tags.get(tag_name)
            if tag is None:
                problems.add(
                    RuleViolation(
                        _("关爱标签“%(t)s”不存在或已停用。") % {"t": tag_name}, field="tags"
                    )
                )
            elif tag.sensitive and not may_sensitive:
                problems.add(
                    RuleViolation(_("无权标注敏感标签“%(t)s”。") % {"t": tag_name}, field="tags")
                )
            else:
                tag_ids.append(tag.pk)
        keys.append((row.ref, digest, household_id, head))
        if problems or row.invalid:
            outcome.errors += [(row.ref, e.field or "", str(e.message)) for e in problems.errors]
            continue
        assert digest is not None
        fields.update(
            household_id=household_id,
            path=path,
            id_number_hash=digest,
            id_head=number[:4],
            id_tail=number[-4:],
            sex=pii.sex(number),
            birth_date=pii.birth_date(number),
            _number=number,
        )
        names = tuple(fields)
        names = names_seen.setdefault(names, names)
        planned.append((row.ref, digest, names, tuple(fields.values()), tuple(tag_ids)))
    taken = _present_ids(digest for _r, digest, _h, _head in keys if digest)
    headed = _households_with_head(h for _r, _d, h, head in keys if head and h)
    refused = set()
    for ref, digest, household_id, head in keys:
        if digest in taken:
            outcome.errors.append((ref, "id_number", _(DUPLICATE_ID)))
            refused.add(ref)
        if head and household_id in headed:
            outcome.errors.append((ref, "relation", str(SECOND_HEAD)))
            refused.add(ref)
    del keys
    if refused:
        planned = [item for item in planned if item[0] not in refused]
    outcome.errors.sort()
    failed = bool(outcome.errors) or invalid
    if dry_run or (failed and not partial) or not planned:
        return outcome
    members = _members_by_hash(item[1] for item in planned)
    households: set[int] = set()
    written = Written("residents.import")
    try:
        _write_residents(planned, members, households, written, actor=actor, on=on)
        outcome.written = len(planned)
        outcome.households = len(households)
        written.finish(
            "residents.resident.imported",
            actor=actor,
            data={
                **(audit_data or {}),
                "written": outcome.written,
                "households": outcome.households,
            },
        )
    except BaseException:
        written.undo()
        raise
    return outcome


def _write_residents(
    planned: list[tuple[int, str, tuple, tuple, tuple]],
    members: dict[str, tuple[int, str]],
    households: set[int],
    written: Written,
    *,
    actor: User,
    on: date,
) -> None:
    """The checked rows, in batches that each commit (see register_residents)."""
    # Every column the import may fill, each row's missing ones as a new Resident has them.
    blank = Resident()
    base = {name: getattr(blank, name) for name in IMPORT_COLUMNS}
    note = _("批量登记")
    for start in range(0, len(planned), BULK_BATCH):
        batch = planned[start : start + BULK_BATCH]
        rows = []
        for _ref, _digest, names, values, _tags in batch:
            fields = {**base, **dict(zip(names, values, strict=True))}
            number = fields.pop("_number")
            member = members.get(fields["id_number_hash"])
            if member is not None:
                fields["party_member_id"] = member[0]
                if fields["political_status"] == PoliticalStatus.MASSES:
                    fields["political_status"] = (
                        PoliticalStatus.MEMBER
                        if member[1] == "full"
                        else PoliticalStatus.PROBATIONARY
                    )
            if fields["moved_in_on"] is None:
                fields["moved_in_on"] = on
            households.add(fields["household_id"])
            fields.update(_derived(fields), id_number_enc=pii.encrypt(number))
            rows.append(tuple(fields[name] for name in IMPORT_COLUMNS))
        with transaction.atomic():
            try:
                insert_rows(Resident, IMPORT_COLUMNS, rows)
            except IntegrityError:
                raise Conflict(_("导入期间有相同身份证号的居民被登记，请重新导入。")) from None
            # The new rows' ids, by their ID numbers (one present resident per ID number).
            ids = _present_ids([item[1] for item in batch])
            insert_rows(
                ResidentMove,
                ("resident_id", "kind", "on", "to_household_id", "actor_id", "note"),
                (
                    (ids[digest], MoveKind.MOVE_IN, on, row[HOUSEHOLD_AT], actor.pk, note)
                    for (_ref, digest, *_checked), row in zip(batch, rows, strict=True)
                ),
            )
            links = [
                (ids[digest], tag_id, on, actor.pk)
                for _ref, digest, _names, _values, tag_ids in batch
                for tag_id in tag_ids
            ]
            if links:
                insert_rows(ResidentTag, ("resident_id", "tag_id", "set_on", "set_by_id"), links)
            new_ids = list(ids.values())
            written.add(Resident, new_ids)
            written.add(ResidentMove, new_ids, field="resident_id")
            written.add(ResidentTag, new_ids, field="resident_id")


# --- Grid polygons (GeoJSON) -------------------------------------------------------------------

GEOMETRY_TYPES = ("Polygon", "MultiPolygon")


def _check_ring(ring: object, field_name: str) -> None:
    if not isinstance(ring, list) or len(ring) < 4:
        raise RuleViolation(_("多边形的每个环至少需要4个坐标点（首尾相同）。"), field=field_name)
    for point in ring:
        if (
            not isinstance(point, list)
            or len(point) < 2
            or not all(isinstance(v, int | float) and not isinstance(v, bool) for v in point[:2])
        ):
            raise RuleViolation(_("坐标应为 [经度, 纬度] 数字对。"), field=field_name)
        lon, lat = point[0], point[1]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise RuleViolation(_("坐标超出经纬度范围。"), field=field_name)
    if ring[0][:2] != ring[-1][:2]:
        raise RuleViolation(_("多边形的环须首尾闭合。"), field=field_name)


def clean_geometry(geometry: object, field_name: str = "geometry") -> dict[str, Any]:
    """A GeoJSON Polygon or MultiPolygon in longitude/latitude, or a RuleViolation."""
    if not isinstance(geometry, dict) or geometry.get("type") not in GEOMETRY_TYPES:
        raise RuleViolation(_("边界须为 GeoJSON 的 Polygon 或 MultiPolygon。"), field=field_name)
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise RuleViolation(_("边界缺少坐标。"), field=field_name)
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise RuleViolation(_("边界缺少坐标。"), field=field_name)
        for ring in polygon:
            _check_ring(ring, field_name)
    return {"type": geometry["type"], "coordinates": coordinates}


def set_grid_geometry(
    area: Area, *, actor: User, geometry: object, version: int | None = None
) -> Area:
    """Draw (or clear, with ``None``) a grid's polygon; written by areas.services."""
    from gongzhi.areas import services as area_services

    if geometry is None:
        return area_services.update_area(area, actor=actor, version=version, clear_geometry=True)
    return area_services.update_area(
        area, actor=actor, version=version, geometry=clean_geometry(geometry)
    )


@atomic
def import_geometries(collection: object, *, actor: User) -> int:
    """A GeoJSON FeatureCollection whose features carry the area code in
    ``properties.code``: all areas must exist in scope and every geometry be valid, or
    nothing is written. Returns the number of areas drawn."""
    from gongzhi.areas import services as area_services

    if not isinstance(collection, dict) or collection.get("type") != "FeatureCollection":
        raise RuleViolation(_("文件须为 GeoJSON FeatureCollection。"), field="file")
    features = collection.get("features")
    if not isinstance(features, list) or not features:
        raise RuleViolation(_("文件中没有要素（features）。"), field="file")
    if len(features) > 5000:
        raise RuleViolation(_("一次最多导入5000个区域边界。"), field="file")
    codes = []
    for index, feature in enumerate(features, start=1):
        properties = feature.get("properties") if isinstance(feature, dict) else None
        code = str((properties or {}).get("code") or "").strip()
        if not code:
            raise RuleViolation(
                _("第%(n)d个要素缺少 properties.code（区域编码）。") % {"n": index}, field="file"
            )
        try:
            clean_geometry(feature.get("geometry"))
        except RuleViolation as exc:
            raise RuleViolation(
                _("第%(n)d个要素（%(c)s）：%(m)s") % {"n": index, "c": code, "m": exc.message},
                field="file",
            ) from None
        codes.append(code)
    if len(set(codes)) != len(codes):
        raise RuleViolation(_("同一区域编码出现了多次。"), field="file")
    areas = {
        a.code: a
        for a in Area.objects.visible_to(actor, "areas.change_area").filter(code__in=codes)
    }
    missing = [c for c in codes if c not in areas]
    if missing:
        raise RuleViolation(
            _("以下区域编码不存在或不在您的管理范围内：%(c)s") % {"c": "、".join(missing[:10])},
            field="file",
        )
    for code, feature in zip(codes, features, strict=True):
        area_services.update_area(
            areas[code], actor=actor, version=None, geometry=clean_geometry(feature["geometry"])
        )
    return len(codes)


# --- Care tags (district administration) -------------------------------------------------------


@atomic
def save_care_tag(
    *,
    actor: User,
    name: str,
    sensitive: bool = False,
    sort: int = 0,
    is_active: bool = True,
    tag: CareTag | None = None,
) -> CareTag:
    require(actor, MANAGE_TAGS)
    name = (name or "").strip()
    if not name:
        raise RuleViolation(_("请填写标签名称。"), field="name")
    same_name = CareTag.objects.filter(name=name)
    if tag is not None:
        same_name = same_name.exclude(pk=tag.pk)
    if same_name.exists():
        raise RuleViolation(_("已有同名标签。"), field="name")
    created = tag is None
    tag = tag or CareTag()
    tag.name, tag.sensitive, tag.sort, tag.is_active = name, sensitive, sort, is_active
    tag.save()
    audit.log(
        "residents.tag.created" if created else "residents.tag.changed",
        actor=actor,
        target=tag,
        data={"name": name, "sensitive": sensitive, "is_active": is_active},
    )
    return tag
