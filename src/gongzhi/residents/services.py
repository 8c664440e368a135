"""Every write of the resident registry: scope-checked, validated, audited."""

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from pypinyin import Style, lazy_pinyin

from gongzhi.areas.models import Area, Household
from gongzhi.core import audit, pii
from gongzhi.core.errors import Conflict, NotFoundOrForbidden, RuleViolation
from gongzhi.core.services import atomic, require
from gongzhi.party.choices import HOLDING

from .choices import DUTY_LEVEL, Duty, MoveKind, PermitStatus, PoliticalStatus, Relation
from .models import CareTag, Rental, Resident, ResidentMove, ResidentTag, Responsibility
from .permissions import CHANGE, MANAGE_RESPONSIBILITY, VIEW_SENSITIVE

# Surnames read differently from the character's common reading (曾 zēng, 单 shàn…):
# the initial of each character.
SURNAME_INITIALS = {
    "尉迟": ("y", "ch"),
    "长孙": ("zh", "s"),
    "万俟": ("m", "q"),
    "曾": ("z",),
    "单": ("sh",),
    "解": ("x",),
    "仇": ("q",),
    "朴": ("p",),
    "查": ("zh",),
    "区": ("o",),
    "乐": ("y",),
    "覃": ("q",),
    "翟": ("zh",),
    "种": ("ch",),
    "盖": ("g",),
    "缪": ("m",),
    "秘": ("b",),
    "员": ("y",),
    "句": ("g",),
    "召": ("sh",),
}


def name_initials(name: str) -> tuple[str, str]:
    """("zhxm", "zxm") for 张小明: initials with zh/ch/sh kept, and plain first letters."""
    head: tuple[str, ...] = ()
    for surname, parts in SURNAME_INITIALS.items():
        if name.startswith(surname):
            head, name = parts, name[len(surname) :]
            break
    full = lazy_pinyin(name, style=Style.INITIALS, strict=False) if name else []
    short = lazy_pinyin(name, style=Style.FIRST_LETTER) if name else []
    initials = [*head, *(f or s for f, s in zip(full, short, strict=True))]
    letters = [*(part[0] for part in head), *short]
    return "".join(initials).lower()[:60], "".join(letters).lower()[:30]


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


def _clean_profile(fields: dict) -> dict:
    unknown = set(fields) - PROFILE_FIELDS
    if unknown:
        raise RuleViolation(_("字段“%(f)s”不可填写。") % {"f": ", ".join(sorted(unknown))})
    if "name" in fields:
        fields["name"] = (fields["name"] or "").strip()
        if not fields["name"]:
            raise RuleViolation(_("姓名不能为空。"), field="name")
    if fields.get("phone"):
        fields["phone"] = pii.normalize_phone(fields["phone"])
    if "relation" in fields and fields["relation"] not in Relation.values:
        raise RuleViolation(_("与户主关系不正确。"), field="relation")
    if "political_status" in fields and fields["political_status"] not in PoliticalStatus.values:
        raise RuleViolation(_("政治面貌不正确。"), field="political_status")
    if "permit" in fields and fields["permit"] not in PermitStatus.values:
        raise RuleViolation(_("居住证状态不正确。"), field="permit")
    if fields.get("floating") and not (fields.get("origin") or "").strip():
        raise RuleViolation(_("流动人口须填写来源地。"), field="origin")
    return fields


def _derived(fields: dict) -> dict:
    """Search keys kept beside the values they come from."""
    extra = {}
    if "name" in fields:
        extra["initials"], extra["short_initials"] = name_initials(fields["name"])
    if "phone" in fields:
        extra["phone_tail"] = (fields["phone"] or "")[-4:]
    return extra


def _party_member_for(digest: str):
    from gongzhi.party.models import Member

    return Member.objects.filter(id_number_hash=digest, standing__in=HOLDING).first()


@atomic
def register_resident(
    *,
    actor,
    household: Household,
    name: str,
    id_number: str,
    relation: str = Relation.HEAD,
    on: date | None = None,
    **fields,
) -> Resident:
    """Enter a person in a household; a party member is linked to their member record."""
    require(actor, CHANGE, household)
    fields = _clean_profile({"name": name, "relation": relation, **fields})
    number = pii.normalize_id_number(id_number)
    digest = pii.lookup_hash(number)
    if Resident.objects.filter(id_number_hash=digest, present=True).exists():
        raise RuleViolation(
            _("该身份证号已登记为本区在住居民，请办理户间变动而非重复登记。"), field="id_number"
        )
    member = _party_member_for(digest)
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
        id_number_enc=pii.encrypt(number),
        id_number_hash=digest,
        id_tail=number[-4:],
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


def _locked(resident: Resident, actor, version) -> Resident:
    resident = Resident.objects.select_for_update().get(pk=resident.pk)
    require(actor, CHANGE, resident)
    if version is not None and resident.version != version:
        raise Conflict()
    return resident


@atomic
def update_resident(resident: Resident, *, actor, version: int | None, **fields) -> Resident:
    resident = _locked(resident, actor, version)
    fields = _clean_profile(fields)
    changed = {k: v for k, v in fields.items() if getattr(resident, k) != v}
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
    resident: Resident, *, actor, version: int | None, on: date, note: str = "", died: bool = False
) -> Resident:
    resident = _locked(resident, actor, version)
    if not resident.present:
        raise RuleViolation(_("该居民已迁出。"), field="present")
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
    actor,
    version: int | None,
    household: Household,
    on: date,
    relation: str = Relation.OTHER,
    note: str = "",
) -> Resident:
    """户间变动: the person now lives in another household of the actor's scope."""
    resident = _locked(resident, actor, version)
    require(actor, CHANGE, household)
    if household.pk == resident.household_id:
        raise RuleViolation(_("已在该户。"), field="household")
    if relation not in Relation.values:
        raise RuleViolation(_("与户主关系不正确。"), field="relation")
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
def set_tag(resident: Resident, *, actor, tag: CareTag, on: date, note: str = "") -> ResidentTag:
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
def remove_tag(resident: Resident, *, actor, tag: CareTag) -> None:
    require(actor, CHANGE, resident)
    if tag.sensitive:
        require(actor, VIEW_SENSITIVE, resident)
    if not ResidentTag.objects.filter(resident=resident, tag=tag).delete()[0]:
        raise RuleViolation(_("没有该标签。"), field="tag")
    audit.log("residents.tag.removed", actor=actor, target=resident, data={"tag": tag.name})


def reveal_id_number(resident: Resident, *, actor) -> str:
    """The full ID number for a role that needs it; every view is audited."""
    require(actor, VIEW_SENSITIVE, resident)
    audit.log(
        "residents.resident.pii_viewed", actor=actor, target=resident, data={"field": "id_number"}
    )
    return resident.id_number_full()


def open_photo(resident: Resident, *, actor):
    """The resident's photo (biometric, PIPL art. 28) for a role that needs it; audited."""
    require(actor, VIEW_SENSITIVE, resident)
    if not resident.photo:
        raise NotFoundOrForbidden()
    audit.log(
        "residents.resident.photo_viewed", actor=actor, target=resident, data={"field": "photo"}
    )
    return resident.photo.open("rb")


@atomic
def set_photo(resident: Resident, *, actor, upload) -> Resident:
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
    actor,
    household: Household,
    landlord_name: str,
    starts_on: date,
    ends_on: date | None = None,
    landlord_phone: str = "",
    tenants=(),
    note: str = "",
    rental: Rental | None = None,
) -> Rental:
    require(actor, CHANGE, household)
    if not (landlord_name or "").strip():
        raise RuleViolation(_("请填写房东。"), field="landlord_name")
    if ends_on is not None and ends_on < starts_on:
        raise RuleViolation(_("租期结束不能早于开始。"), field="ends_on")
    if landlord_phone:
        landlord_phone = pii.normalize_phone(landlord_phone, field="landlord_phone")
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
    *, actor, area: Area, duty: str, name: str, phone: str = "", user=None, member=None
) -> Responsibility:
    """Link a person or unit to a grid, building, courtyard or community (三必有)."""
    require(actor, MANAGE_RESPONSIBILITY, area)
    if duty not in Duty.values:
        raise RuleViolation(_("职责不正确。"), field="duty")
    if area.level != DUTY_LEVEL[duty]:
        raise RuleViolation(
            _("“%(d)s”须设在%(l)s。") % {"d": Duty(duty).label, "l": DUTY_LEVEL[duty].label},
            field="area",
        )
    name = (name or (member.name if member else "")).strip()
    if not name:
        raise RuleViolation(_("请填写姓名或单位名称。"), field="name")
    if phone:
        phone = pii.normalize_phone(phone)
    if duty == Duty.LINKED_MEMBER and member is None:
        raise RuleViolation(_("联系在职党员须选择党员档案。"), field="member")
    link = Responsibility.objects.create(
        area=area, path=area.path, duty=duty, name=name, phone=phone, user=user, member=member
    )
    audit.log("residents.responsibility.set", actor=actor, target=link, data={"duty": duty})
    return link


@atomic
def remove_responsibility(link: Responsibility, *, actor) -> None:
    require(actor, MANAGE_RESPONSIBILITY, link)
    audit.log(
        "residents.responsibility.removed", actor=actor, target=link, data={"duty": link.duty}
    )
    link.delete()
