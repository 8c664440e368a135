"""``gongzhi startmodule``: a module made by the scaffold works as generated.

On a copy of the project (the real tree is never touched): the command lays out the
module, lists it in INSTALLED_APPS and makes its migration; then the generated tests,
the cross-scope walk over its routes (which must find the new module through its manifest and hooks,
with no hand edit), the conformance checks and Django's system checks pass on the copy.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

PROJECT = Path(__file__).resolve().parent.parent
COPIED = ("pyproject.toml", "conftest.py", "tests/__init__.py", "tests/conftest.py")
CHECKS = ("tests/test_cross_scope.py", "tests/test_conformance.py")


def _run(args, cwd, env):
    done = subprocess.run(  # noqa: S603 (our own interpreter)
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=900
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    return done.stdout


def test_a_generated_module_passes_its_tests_and_the_cross_scope_walk(tmp_path):
    shutil.copytree(
        PROJECT / "src",
        tmp_path / "src",
        ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "*.mo"),
    )
    shutil.copytree(
        PROJECT / "src" / "gongzhi" / "locale", tmp_path / "src/gongzhi/locale", dirs_exist_ok=True
    )
    (tmp_path / "tests").mkdir()
    (tmp_path / "bench").mkdir()
    for name in COPIED + CHECKS:
        shutil.copy(PROJECT / name, tmp_path / name)
    env = {
        **os.environ,
        "PYTHONPATH": str(tmp_path / "src"),
        "GONGZHI_VAR_DIR": str(tmp_path / "var"),
        "PYTHONDONTWRITEBYTECODE": "1",
        # The walk over the new module's routes (the suite walks the others itself).
        "GONGZHI_CROSS_SCOPE_MODULE": "visits_x",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    out = _run(
        ["-m", "gongzhi.cli", "startmodule", "visits_x", "--title", "走访试验"], tmp_path, env
    )
    assert "visits_x" in out
    module = tmp_path / "src/gongzhi/visits_x"
    assert (module / "migrations/0001_initial.py").exists()
    assert (tmp_path / "bench/bench_visits_x.py").exists()
    settings = (tmp_path / "src/gongzhi/settings.py").read_text("utf-8")
    assert settings.count('"gongzhi.visits_x",') == 1

    # It is the copy that is imported, not the installed project.
    where = _run(
        ["-c", "import gongzhi.visits_x, sys; print(gongzhi.visits_x.__file__)"], tmp_path, env
    )
    assert where.strip().startswith(str(tmp_path))

    _run(["-m", "gongzhi.cli", "check", "--fail-level", "WARNING"], tmp_path, env)
    _run(["-m", "gongzhi.cli", "makemigrations", "--check", "--dry-run", "-v0"], tmp_path, env)
    report = _run(
        [
            "-m",
            "pytest",
            "-p",
            "no:randomly",
            "-p",
            "no:xdist",
            "-rA",
            "src/gongzhi/visits_x",
            *CHECKS,
        ],
        tmp_path,
        env,
    )
    assert "src/gongzhi/visits_x/tests/test_views.py" in report  # its own tests ran too

    # A second run refuses rather than overwrite the module.
    again = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "gongzhi.cli", "startmodule", "visits_x", "--title", "走访试验"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode != 0 and "已存在" in again.stderr


def test_names_and_titles_that_would_break_the_project_are_refused():
    from django.core.management import CommandError, call_command

    for name, title in (
        ("settings", "设置"),
        ("urls", "网址"),
        ("visits", '走"访'),
        ("visits", ""),
    ):
        with pytest.raises(CommandError):
            call_command("startmodule", name, title=title)
