"""The workflow kernel: a state machine declared once and taken the same way everywhere.

A workflow (a demand, a member transfer, a member's development, a meeting, a vote…)
names its states and its transitions. Each transition says the states it may start
from, the state(s) it may end in, who may take it — a permission on the row, a
permission on a related object (a transfer's sending organization), or a relation to
the row (the requester) — and its guards. Its service function is then always:

    obj = WORKFLOW.begin(obj, actor, "accept", version)   # reach, version, state, guards
    ...                                                   # the transition's own fields
    return WORKFLOW.commit(obj, actor, "accept", fields=[...], note=..., **data)

``begin`` checks, on the row in hand, the actor's reach (a refusal is audited, and the
record survives the rollback: ``core.services.atomic``), then the version the form or
client read (a stale form is a conflict), then the state and the guards. ``commit`` sets
the state from the table and writes the changed fields in one ``UPDATE … WHERE version =
<the version checked>``: if anyone changed the row since it was read, no row matches and
the transition is a conflict (409), rolled back whole — optimistic locking, with no
second read of the row and no lock held between reading and writing. Then it writes the
workflow's event row and the audit record; the service's inbox rows go in one INSERT
when it returns and are delivered on commit (core.notifications).
``allowed`` evaluates the same table and guards, so that pages and the API offer exactly
the actions a user may take, and a Django system check verifies that every declared
transition has its route (``register`` + ``checks``).

Like django-fsm or Saleor's order actions, but declarative tables rather than decorated
methods: a module's whole workflow reads in one place.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from . import audit
from .errors import Conflict, RuleViolation
from .services import check_version, deny
from .types import Actor, StrOrPromise

M = TypeVar("M", bound=models.Model)

# A guard refuses by raising RuleViolation (with the field and a Chinese reason); it
# gets the locked row and the actor.
Guard = Callable[[Any, Any], None]


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    # Where it ends: one state, several (the service says which: ``commit(..., to=)``),
    # or none (the state stays, e.g. a note or a contact recorded).
    targets: tuple[str, ...] = ()
    perm: str = ""  # the permission the actor needs on the row (or on ``on``)
    on: str = ""  # the related object the permission is checked on, e.g. "from_org"
    relation: str = ""  # instead of a permission: a relation of the actor to the row
    guards: tuple[Guard, ...] = ()
    label: str = ""
    audit: str = ""  # the audit record's last name part, when it is not the action's
    refusal: StrOrPromise = ""  # the reason given when the state does not allow it
    # Taken only by another service (a transfer's receipt ends the membership here): no
    # page or API route of its own, never offered as a button.
    internal: bool = False

    @property
    def keeps_state(self) -> bool:
        return not self.targets


def step(
    sources: Iterable[str],
    to: str | Iterable[str] | None = None,
    *,
    perm: str = "",
    on: str = "",
    relation: str = "",
    guards: Iterable[Guard] = (),
    label: str = "",
    audit: str = "",
    refusal: StrOrPromise = "",
    internal: bool = False,
) -> Transition:
    """A transition, tersely: ``step({S.DISPATCHED}, S.ACCEPTED, perm=HANDLE)``."""
    targets = () if to is None else (to,) if isinstance(to, str) else tuple(to)
    if not (perm or relation):
        raise ValueError("a transition needs a permission or a relation")
    return Transition(
        sources=frozenset(sources),
        targets=targets,
        perm=perm,
        on=on,
        relation=relation,
        guards=tuple(guards),
        label=label,
        audit=audit,
        refusal=refusal,
        internal=internal,
    )


@dataclass
class Workflow:
    """One model's state machine.

    ``event``: writes the workflow's event row, ``event(obj, actor, action, from_state,
    note, at, data)``; ``reach``: how a permission reaches a row when it is more than the
    scope's path test (a unit's handlers reach the demands routed to their unit);
    ``relations``: ``{name: test(obj, user)}`` for transitions taken by a relation.
    """

    model: type[models.Model]
    transitions: dict[str, Transition]
    audit_prefix: str
    state_field: str = "status"
    event: Callable[..., Any] | None = None
    reach: Callable[[Any, str, Any], bool] | None = None
    relations: dict[str, Callable[[Any, Any], bool]] = field(default_factory=dict)
    # The actions that have a page form and an API route (``routes``; checked).
    page_actions: frozenset[str] | None = None
    api_actions: frozenset[str] | None = None
    # A sub-record's workflow (an extension request's decision) is taken inside its
    # parent's transition, which writes the audit record and the event: ``audited=False``.
    # Without a version field (``versioned=False``) the UPDATE is conditional on the
    # state read instead, so a second decision of the same request finds nothing to change.
    audited: bool = True
    versioned: bool = True

    def routes(
        self, *, pages: Iterable[str] | None = None, api: Iterable[str] | None = None
    ) -> None:
        """Declare the actions the pages and the API offer; the system check compares them
        with the table (a transition without its form or route is an error)."""
        if pages is not None:
            self.page_actions = frozenset(pages)
        if api is not None:
            self.api_actions = frozenset(api)

    # -- asking -------------------------------------------------------------------------

    def state(self, obj: models.Model) -> str:
        return getattr(obj, self.state_field)

    def reaches(self, user: Actor | None, transition: Transition, obj: models.Model) -> bool:
        """May ``user`` take ``transition`` on ``obj`` as far as who they are goes?"""
        if user is None:
            return False
        if transition.relation:
            return self.relations[transition.relation](obj, user)
        target = getattr(obj, transition.on) if transition.on else obj
        if target is None:
            return False
        if self.reach is not None and not transition.on:
            return self.reach(user, transition.perm, obj)
        return user.has_perm(transition.perm, target)

    def possible(self, obj: models.Model) -> list[str]:
        """The actions the row's state and guards allow, whoever takes them."""
        return [
            action
            for action, transition in self.transitions.items()
            if not transition.internal
            and self.state(obj) in transition.sources
            and self._passes(transition, obj, None)
        ]

    @staticmethod
    def _passes(transition: Transition, obj: models.Model, user: Actor | None) -> bool:
        try:
            for guard in transition.guards:
                guard(obj, user)
        except RuleViolation:
            return False
        return True

    def allowed(self, obj: models.Model, user: Actor | None) -> list[str]:
        """The actions ``user`` may take on ``obj`` now: the same table, reach and guards
        as ``begin`` (the page's buttons and the API's ``allowed`` list)."""
        actions: list[str] = []
        reach: dict[tuple[str, str, str], bool] = {}
        state = self.state(obj)
        for action, transition in self.transitions.items():
            if transition.internal or state not in transition.sources:
                continue
            key = (transition.perm, transition.on, transition.relation)
            if key not in reach:  # several actions need the same reach: ask once
                reach[key] = self.reaches(user, transition, obj)
            if reach[key] and self._passes(transition, obj, user):
                actions.append(action)
        return actions

    # -- taking -------------------------------------------------------------------------

    def begin(self, obj: M, actor: Actor | None, action: str, version: int | None = None) -> M:
        """Check reach (audited refusal), version, state and guards on the row in hand;
        ``commit`` writes only if the row is still at the version checked here."""
        transition = self.transitions[action]
        obj._workflow_from = self.state(obj)  # type: ignore[attr-defined]  # the event's starting state
        if not self.reaches(actor, transition, obj):
            target = getattr(obj, transition.on) if transition.on else obj
            deny(actor, transition.perm or transition.relation, target, action=action)
        check_version(obj, version)
        if self.state(obj) not in transition.sources:
            raise RuleViolation(
                str(transition.refusal)
                or _("当前状态为“%(s)s”，不能执行该操作。") % {"s": self.state_label(obj)},
                field=self.state_field,
            )
        for guard in transition.guards:
            guard(obj, actor)
        return obj

    def commit(
        self,
        obj: M,
        actor: Actor | None,
        action: str,
        *,
        to: str | None = None,
        fields: Iterable[str] = (),
        note: str = "",
        at: date | None = None,  # the event's time or day (a datetime is a date)
        audit_data: dict[str, Any] | None = None,
        save: bool = True,
        **data: Any,
    ) -> M:
        """Set the state from the table, save, write the event and the audit record.

        ``save=False``: a transition that keeps the state and adds a record beside the row
        (a development file's review) leaves the row and its version as they are."""
        transition = self.transitions[action]
        if transition.keeps_state:
            if to is not None:
                raise ValueError(f"{action} keeps the state; it cannot go to {to}")
        else:
            to = to if to is not None else transition.targets[0]
            if to not in transition.targets:
                raise ValueError(f"{action} cannot end in {to}: {transition.targets}")
            setattr(obj, self.state_field, to)
        if save:
            self._save(obj, fields)
        elif fields or not transition.keeps_state:
            raise ValueError(f"{action} changes the row: it must be saved")
        if self.event is not None:
            self.event(obj, actor, action, obj._workflow_from, note, at, data)  # type: ignore[attr-defined]
        if not self.audited:
            return obj
        record = {self.state_field: self.state(obj), **{k: str(v) for k, v in data.items()}}
        audit.log(
            f"{self.audit_prefix}.{transition.audit or action}",
            actor=actor,
            target=obj,
            data=audit_data or record,
        )
        return obj

    def _save(self, obj: models.Model, fields: Iterable[str]) -> None:
        # The row's version (and updated_at) are its workflow model's fields, not Model's.
        row: Any = obj
        values = {name: getattr(obj, name) for name in {*fields, self.state_field}}
        if hasattr(obj, "updated_at"):
            values["updated_at"] = row.updated_at = timezone.now()
        rows = type(obj)._base_manager.filter(pk=obj.pk)
        if self.versioned:
            values["version"] = row.version + 1
            rows = rows.filter(version=row.version)
        else:
            rows = rows.filter(**{self.state_field: row._workflow_from})
        if not rows.update(**values):
            raise Conflict()  # changed by someone else since it was read: nothing is kept
        if self.versioned:
            row.version += 1

    def state_label(self, obj: models.Model) -> str:
        display = getattr(obj, f"get_{self.state_field}_display", None)
        return str(display()) if display else self.state(obj)


# --- Registry and the system check ----------------------------------------------------

WORKFLOWS: dict[str, Workflow] = {}


def register(name: str, workflow: Workflow) -> Workflow:
    """Make the workflow known to the checks (every transition has a route)."""
    WORKFLOWS[name] = workflow
    return workflow


def check_routes() -> list[str]:
    """Problems: a transition without a page form or an API route, or a route without a
    transition. (The URL configuration is loaded first: it imports the pages and the
    API, which declare their routes.)"""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (imports every app's views and API)
    problems = []
    for name, workflow in WORKFLOWS.items():
        actions = {a for a, t in workflow.transitions.items() if not t.internal}
        for kind, declared in (("page", workflow.page_actions), ("API", workflow.api_actions)):
            if declared is None:
                problems.append(f"{name}: no {kind} routes declared (Workflow.routes)")
            elif declared != actions:
                missing, extra = sorted(actions - declared), sorted(declared - actions)
                problems.append(
                    f"{name}: {kind} routes differ from the transitions"
                    f" (missing {missing}, not a transition {extra})"
                )
    return problems
