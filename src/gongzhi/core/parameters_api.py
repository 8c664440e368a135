"""The rule parameters over the API (core.params): the same entries, history and service
as the administrators' page. Values are JSON of the parameter's own kind (a number, a
boolean, a money string like "0.20", a table of brackets)."""

from datetime import date
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from . import params
from .api import ERRORS, Day, ErrorOut, Text
from .services import require

router = Router(tags=["parameters"])


class ParameterOut(Schema):
    key: str
    label: str
    module: str
    source: str
    default: Any
    current: Any
    next_effective_from: date | None = None
    next_value: Any = None
    minimum: float | None = None
    maximum: float | None = None


class ValueOut(Schema):
    effective_from: date
    value: Any
    note: str
    set_by: str


class ParameterDetailOut(ParameterOut):
    history: list[ValueOut]


class ValueIn(Schema):
    value: Any
    effective_from: Day
    note: Text(1, 200)  # type: ignore[valid-type]


def _allowed(request: HttpRequest) -> None:
    user = request.user
    assert user.is_authenticated  # the API's auth lets no one else in
    require(user, params.CHANGE_PARAMETER)


def _out(entry: params.Entry) -> dict[str, Any]:
    p = entry.parameter
    return {
        "key": p.key,
        "label": str(p.label),
        "module": entry.module,
        "source": str(p.source),
        "default": p.default,
        "current": entry.current,
        "next_effective_from": entry.next_change[0] if entry.next_change else None,
        "next_value": entry.next_change[1] if entry.next_change else None,
        "minimum": p.minimum,
        "maximum": p.maximum,
    }


def _entry(request: HttpRequest, key: str) -> params.Entry:
    _allowed(request)
    found = next((e for e in params.entries() if e.parameter.key == key), None)
    if found is None:
        raise HttpError(404, "not found")
    return found


@router.get("/", response={200: list[ParameterOut], ERRORS: ErrorOut})
def parameter_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every rule parameter, by module: its value in force today and its next change."""
    _allowed(request)
    return [_out(entry) for entry in params.entries()]


@router.get("/{key}", response={200: ParameterDetailOut, ERRORS: ErrorOut})
def parameter_detail(request: HttpRequest, key: str) -> dict[str, Any]:
    """One parameter with the jurisdiction's values (newest first) and who set them."""
    entry = _entry(request, key)
    return {**_out(entry), "history": params.history(key)}


@router.post("/{key}/values", response={201: ParameterDetailOut, ERRORS: ErrorOut})
def set_value(request: HttpRequest, key: str, payload: ValueIn) -> Status:
    """A new value from ``effective_from`` (not before the first of this month), with
    the reason; every problem of the input is in ``error.details``."""
    _entry(request, key)
    assert request.user.is_authenticated  # the API's auth lets no one else in
    params.set_parameter(
        actor=request.user,
        key=key,
        new_value=payload.value,
        effective_from=payload.effective_from,
        note=payload.note,
    )
    return Status(201, {**_out(_entry(request, key)), "history": params.history(key)})
