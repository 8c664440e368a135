"""System checks of a production deployment (``gongzhi check --deploy``).

Django's own deploy checks accept the development key of settings.py (long, varied, not
``django-insecure-``), so Gongzhi refuses it here, as it refuses the development key of
the audit chain, and warns when personal information is encrypted with a key derived
from SECRET_KEY instead of its own. ``gongzhi run`` refuses to start with a development
key unless DEBUG is on (``development_keys``).
"""

from collections.abc import Sequence
from typing import Any

from django.apps import AppConfig
from django.conf import settings
from django.core.checks import CheckMessage, Error, Tags, Warning, register

from .crypto import is_development_key


def development_keys() -> list[str]:
    """The settings that still hold a public development key."""
    weak = []
    if is_development_key(settings.SECRET_KEY):
        weak.append("SECRET_KEY")
    if is_development_key(settings.GONGZHI_AUDIT_KEY):
        weak.append("GONGZHI_AUDIT_KEY")
    if settings.GONGZHI_FIELD_KEY and is_development_key(settings.GONGZHI_FIELD_KEY):
        weak.append("GONGZHI_FIELD_KEY")
    return weak


@register(Tags.security, deploy=True)
def check_keys(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    problems: list[CheckMessage] = [
        Error(
            f"{name} is a public development key.",
            hint=f"Set {name} in the environment to a long random value, or run "
            "`gongzhi initkeys` to create one under GONGZHI_VAR_DIR/keys/.",
            id="gongzhi.E001",
        )
        for name in development_keys()
    ]
    if not getattr(settings, "GONGZHI_FIELD_KEY", ""):
        problems.append(
            Warning(
                "GONGZHI_FIELD_KEY is not set: ID numbers are encrypted with a key derived "
                "from SECRET_KEY, so changing SECRET_KEY makes them unreadable.",
                hint="Set GONGZHI_FIELD_KEY (see .env.example) and keep it with the backups.",
                id="gongzhi.W001",
            )
        )
    return problems


@register(Tags.urls)
def check_workflow_routes(
    app_configs: Sequence[AppConfig] | None, **kwargs: Any
) -> list[CheckMessage]:
    """Every transition of every workflow has its page form and its API route."""
    from .workflow import check_routes

    return [Error(problem, id="gongzhi.E002") for problem in check_routes()]


@register()
def check_senders(app_configs: Sequence[AppConfig] | None, **kwargs: Any) -> list[CheckMessage]:
    """Every configured notification sender has the settings it needs (ADR 0010): without
    them each delivery would fail, found only in the delivery log."""
    from django.core.exceptions import ImproperlyConfigured

    from .senders import configured

    try:
        senders = configured()
    except (ImproperlyConfigured, ImportError) as exc:
        return [Error(f"GONGZHI_NOTIFICATION_SENDERS: {exc}", id="gongzhi.E004")]
    return [
        Error(
            f"The {channel} notification sender is configured but {problem}.",
            hint="See docs/deploy.md, notifications.",
            id="gongzhi.E004",
        )
        for channel, sender in senders.items()
        for problem in getattr(sender, "problems", list)()
    ]
