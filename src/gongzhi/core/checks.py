"""System checks of a production deployment (``gongzhi check --deploy``).

Django's own deploy checks accept the development key of settings.py (long, varied, not
``django-insecure-``), so Gongzhi refuses it here, and warns when personal information
is encrypted with a key derived from SECRET_KEY instead of its own.
"""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

DEVELOPMENT_KEY_PREFIX = "gongzhi-insecure-"


@register(Tags.security, deploy=True)
def check_keys(app_configs, **kwargs):
    problems = []
    if settings.SECRET_KEY.startswith(DEVELOPMENT_KEY_PREFIX):
        problems.append(
            Error(
                "SECRET_KEY is the development key of settings.py.",
                hint="Set SECRET_KEY in the environment to a long random value.",
                id="gongzhi.E001",
            )
        )
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
