"""双报到, unit reports, pairing and the coverage report over the API
(``/api/v1/service/reports``): the same selectors and services as the pages."""

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from gongzhi.areas import selectors as area_selectors
from gongzhi.core.api import ERRORS, ErrorOut, Id, Pagination, Text, Version
from gongzhi.core.errors import NotFoundOrForbidden

from . import coverage, pairing, reports
from .choices import CadreLevel, PairKind, ReportState
from .permissions import CHANGE

router = Router(tags=["service"])


class ServiceReportOut(Schema):
    id: int
    member_id: int
    member_name: str
    community_id: int
    unit_id: int | None
    employer: str
    employer_org: str
    cadre_level: CadreLevel
    capacity: int
    skills: str
    status: ReportState
    requested_on: date
    confirmed_on: date | None
    confirm_due: date | None
    ended_on: date | None
    note: str
    version: int

    @staticmethod
    def resolve_member_name(obj) -> str:
        return obj.member.name


class ServiceReportFilters(Schema):
    status: ReportState | None = None
    community_id: Id | None = Field(None, description="报到社区")


class ServiceReportIn(Schema):
    member_id: Id | None = Field(None, description="党员（社区登记时必填；本人申请时不填）")
    area_id: Id = Field(..., description="报到社区")
    unit_id: Id | None = None
    employer: Text(max_length=100) = ""  # type: ignore[valid-type]
    employer_org: Text(max_length=100) = ""  # type: ignore[valid-type]
    employer_contact: Text(max_length=50) = ""  # type: ignore[valid-type]
    employer_phone: Text(max_length=20) = ""  # type: ignore[valid-type]
    cadre_level: CadreLevel = CadreLevel.MEMBER
    capacity: int = Field(3, ge=1, le=20)
    skills: Text(max_length=200) = ""  # type: ignore[valid-type]


class ServiceVersionIn(Schema):
    version: Version | None = None


class ServiceDeclineIn(Schema):
    reason: Text(min_length=1, max_length=200)  # type: ignore[valid-type]
    version: Version | None = None


class ServiceUnitReportOut(Schema):
    id: int
    unit_id: int
    unit_name: str
    community_id: int
    status: ReportState
    requested_on: date
    confirmed_on: date | None
    confirm_due: date | None
    resources: str
    version: int

    @staticmethod
    def resolve_unit_name(obj) -> str:
        return obj.unit.name


class ServiceUnitReportIn(Schema):
    unit_id: Id
    area_id: Id = Field(..., description="报到社区")
    resources: Text(max_length=2000) = ""  # type: ignore[valid-type]


class ServicePairIn(Schema):
    member_id: Id
    household_id: Id
    kind: PairKind


class ServicePairOut(Schema):
    id: int
    member_id: int
    household_id: int
    address: str
    kind: PairKind
    started_on: date
    ended_on: date | None

    @staticmethod
    def resolve_address(obj) -> str:
        return pairing.mask_address(obj.household)


class ServiceCoverageCandidateOut(Schema):
    id: int
    label: str
    detail: str


class ServiceGapOut(Schema):
    kind: str
    label: str
    place: str
    need: str
    target: int
    assignable: bool
    candidates: list[ServiceCoverageCandidateOut]


class ServiceAssignIn(Schema):
    area_id: Id = Field(..., description="社区")
    kind: Literal[
        "member_difficult",
        "member_ordinary",
        "household",
        "building",
        "courtyard",
        "leaders",
        "units",
    ]
    target: Id
    candidate: Id


def _entry(request, payload: ServiceReportIn) -> reports.ReportEntry:
    unit = None
    if payload.unit_id is not None:
        unit = reports.units_known_to(request.user).filter(pk=payload.unit_id).first()
        if unit is None:
            raise NotFoundOrForbidden()
    return reports.ReportEntry(
        community=area_selectors.get_area(request.user, payload.area_id),
        unit=unit,
        employer=payload.employer,
        employer_org=payload.employer_org,
        employer_contact=payload.employer_contact,
        employer_phone=payload.employer_phone,
        cadre_level=payload.cadre_level,
        capacity=payload.capacity,
        skills=payload.skills,
    )


@router.get("", response={200: list[ServiceReportOut], ERRORS: ErrorOut})
@paginate(Pagination)
def report_list(request, filters: Query[ServiceReportFilters]):
    """Members' reports the user sees (staff by place; a member their own)."""
    qs = reports.reports_for(request.user)
    if filters.status is not None:
        qs = qs.filter(status=filters.status)
    if filters.community_id is not None:
        qs = qs.filter(community_id=filters.community_id)
    return qs.order_by("path", "-requested_on", "-pk")


@router.post("", response={201: ServiceReportOut, ERRORS: ErrorOut})
def report_create(request, payload: ServiceReportIn):
    """A member's own request (no ``member_id``) or a report entered by the community."""
    entry = _entry(request, payload)
    if payload.member_id is None:
        report = reports.request_report(actor=request.user, entry=entry)
    else:
        member = reports.in_service_member(request.user, payload.member_id)
        report = reports.enter_report(actor=request.user, member=member, entry=entry)
    return Status(201, reports.get_report(request.user, report.pk))


@router.get("/units", response={200: list[ServiceUnitReportOut], ERRORS: ErrorOut})
@paginate(Pagination)
def unit_report_list(request):
    return reports.unit_reports_for(request.user).order_by("path", "unit__name")


@router.post("/units", response={201: ServiceUnitReportOut, ERRORS: ErrorOut})
def unit_report_create(request, payload: ServiceUnitReportIn):
    unit = reports.units_known_to(request.user).filter(pk=payload.unit_id).first()
    if unit is None:
        raise NotFoundOrForbidden()
    community = area_selectors.get_area(request.user, payload.area_id)
    report = reports.request_unit_report(
        actor=request.user, unit=unit, community=community, resources=payload.resources
    )
    return Status(201, reports.get_unit_report(request.user, report.pk))


def _unit_act(request, unitreport_id: int, service, payload):
    report = reports.get_unit_report(request.user, unitreport_id)
    service(report, actor=request.user, version=payload.version)
    return reports.get_unit_report(request.user, unitreport_id)


@router.post(
    "/units/{int:unitreport_id}/confirm", response={200: ServiceUnitReportOut, ERRORS: ErrorOut}
)
def unit_report_confirm(request, unitreport_id: int, payload: ServiceVersionIn):
    return _unit_act(request, unitreport_id, reports.confirm_unit_report, payload)


@router.post(
    "/units/{int:unitreport_id}/decline", response={200: ServiceUnitReportOut, ERRORS: ErrorOut}
)
def unit_report_decline(request, unitreport_id: int, payload: ServiceVersionIn):
    return _unit_act(request, unitreport_id, reports.decline_unit_report, payload)


@router.post(
    "/units/{int:unitreport_id}/reconfirm",
    response={200: ServiceUnitReportOut, ERRORS: ErrorOut},
)
def unit_report_reconfirm(request, unitreport_id: int, payload: ServiceVersionIn):
    """The half-yearly re-confirmation of a unit's report."""
    return _unit_act(request, unitreport_id, reports.reconfirm_unit_report, payload)


@router.post(
    "/units/{int:unitreport_id}/end", response={200: ServiceUnitReportOut, ERRORS: ErrorOut}
)
def unit_report_end(request, unitreport_id: int, payload: ServiceVersionIn):
    return _unit_act(request, unitreport_id, reports.end_unit_report, payload)


reports.UNIT_WORKFLOW.routes(api=["confirm", "decline", "reconfirm", "end"])


@router.get("/pairs", response={200: list[ServicePairOut], ERRORS: ErrorOut})
@paginate(Pagination)
def pair_list(request, member_id: Id | None = None):
    """Live pairs the user sees (a member: their own households)."""
    qs = pairing.pairs_for(request.user).filter(ended_on__isnull=True)
    if member_id is not None:
        qs = qs.filter(member_id=member_id)
    return qs.order_by("path", "pk")


@router.post("/pairs", response={201: ServicePairOut, ERRORS: ErrorOut})
def pair_create(request, payload: ServicePairIn):
    report = (
        reports.reports_for(request.user, CHANGE)
        .filter(member_id=payload.member_id, status=ReportState.CONFIRMED)
        .first()
    )
    if report is None:
        raise NotFoundOrForbidden()
    household = area_selectors.get_household(request.user, payload.household_id)
    link = pairing.pair(
        actor=request.user, member=report.member, household=household, kind=payload.kind
    )
    return Status(201, pairing.get_pair(request.user, link.pk))


@router.post("/pairs/{int:pair_id}/end", response={200: ServicePairOut, ERRORS: ErrorOut})
def pair_end(request, pair_id: int):
    link = pairing.end_pair(pairing.get_pair(request.user, pair_id, CHANGE), actor=request.user)
    return pairing.get_pair(request.user, link.pk)


@router.get("/coverage/{int:area_id}", response={200: list[ServiceGapOut], ERRORS: ErrorOut})
def coverage_gaps(request, area_id: int):
    """A community's pairing gaps with ranked candidates."""
    community = coverage.community_for(request.user, area_id)
    return [
        {
            "kind": g.kind,
            "label": g.label,
            "place": g.place,
            "need": g.need,
            "target": g.target,
            "assignable": g.assignable,
            "candidates": [
                {"id": c.pk, "label": c.label, "detail": c.detail} for c in g.candidates
            ],
        }
        for g in coverage.coverage(request.user, community)
    ]


@router.post("/coverage/assign", response={200: dict, ERRORS: ErrorOut})
def coverage_assign(request, payload: ServiceAssignIn):
    """Close a gap with a candidate (a pair, a responsibility link or a unit report)."""
    community = coverage.community_for(request.user, payload.area_id, CHANGE)
    result = coverage.assign(
        actor=request.user,
        community=community,
        kind=payload.kind,
        target=payload.target,
        candidate=payload.candidate,
    )
    return {"kind": payload.kind, "id": result.pk}  # type: ignore[attr-defined]


@router.get("/{int:report_id}", response={200: ServiceReportOut, ERRORS: ErrorOut})
def report_detail(request, report_id: int):
    return reports.get_report(request.user, report_id)


@router.post("/{int:report_id}/decline", response={200: ServiceReportOut, ERRORS: ErrorOut})
def report_decline(request, report_id: int, payload: ServiceDeclineIn):
    report = reports.get_report(request.user, report_id)
    reports.decline_report(
        report, actor=request.user, reason=payload.reason, version=payload.version
    )
    return reports.get_report(request.user, report_id)


def _act(request, report_id: int, service, payload):
    report = reports.get_report(request.user, report_id)
    service(report, actor=request.user, version=payload.version)
    return reports.get_report(request.user, report_id)


@router.post("/{int:report_id}/confirm", response={200: ServiceReportOut, ERRORS: ErrorOut})
def report_confirm(request, report_id: int, payload: ServiceVersionIn):
    """Confirm a member's report (the member is notified)."""
    return _act(request, report_id, reports.confirm_report, payload)


@router.post("/{int:report_id}/reconfirm", response={200: ServiceReportOut, ERRORS: ErrorOut})
def report_reconfirm(request, report_id: int, payload: ServiceVersionIn):
    """The half-yearly re-confirmation: a new due date from today."""
    return _act(request, report_id, reports.reconfirm_report, payload)


@router.post("/{int:report_id}/end", response={200: ServiceReportOut, ERRORS: ErrorOut})
def report_end(request, report_id: int, payload: ServiceVersionIn):
    """End a member's report (their live pairs end too)."""
    return _act(request, report_id, reports.end_report, payload)


reports.REPORT_WORKFLOW.routes(api=["confirm", "decline", "reconfirm", "end"])
