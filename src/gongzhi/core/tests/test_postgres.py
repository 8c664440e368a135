"""The PostgreSQL connection's settings (ADR 0021)."""

import pytest
from django.db import connection


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL's own setting")
@pytest.mark.django_db
def test_queries_are_never_jit_compiled():
    """Compiling took 70 ms of a 120 ms count on the street's workbench; no page query
    repays it."""
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


def test_a_deployers_own_options_come_after_and_win(monkeypatch):
    """``?options=`` in DATABASE_URL is kept, after the default, so that it can set jit
    back on (the server applies the last ``-c`` of a setting)."""
    import importlib

    from gongzhi import settings

    monkeypatch.setenv(
        "DATABASE_URL", "postgres://u@db.internal/gongzhi?options=-c%20statement_timeout%3D5000"
    )
    try:
        fresh = importlib.reload(settings)
        assert fresh.DATABASES["default"]["OPTIONS"]["options"] == (
            "-c jit=off -c statement_timeout=5000"
        )
    finally:
        monkeypatch.undo()
        importlib.reload(settings)
