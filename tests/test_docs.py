"""The documentation stays true: the README's demo accounts are the ones the demo prints,
and every file the README and docs/ point to is in the repository (issue 13, defect 20)."""

import re
from io import StringIO
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("**/*.md"))]
# The project brief's documents, which the ADRs cite as the source of a requirement; they
# are kept outside the repository, so only an ADR's context may name them.
BRIEF = {"SPEC.md", "RULES.md", "ARCHITECTURE.md", "STYLE.md"}
LINK = re.compile(r"\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
MENTION = re.compile(r"(?<![\w./-])((?:[\w-]+/)*[\w-]+\.md)\b")


def readme_accounts() -> dict[str, tuple[str, str]]:
    """The README's table of demo accounts: account → (Chinese role, scope)."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    rows = re.findall(r"^\| `([\w-]+)` \| ([^|(]+?)\s*\([^|]*\) \| ([^|]+?) \|$", text, re.M)
    return {account: (role, scope) for account, role, scope in rows}


def missing_targets(path: Path) -> list[str]:
    """The relative links and the mentions of markdown files in ``path`` that name no file
    of the repository (links: relative to the page; mentions: to the page or the root)."""
    text = path.read_text(encoding="utf-8")
    text = re.sub(r"```.*?```", "", text, flags=re.S)  # code blocks hold no links
    missing = []
    for target in LINK.findall(text):
        if re.match(r"[a-z][a-z0-9+.-]*:", target) or target.startswith("#"):
            continue  # another site, a mail address, an anchor of the same page
        file = target.split("#", 1)[0].split("?", 1)[0]
        if not (path.parent / file).exists():
            missing.append(f"link {target}")
    in_adr = path.parent.name == "adr"
    for name in MENTION.findall(LINK.sub("", text)):
        if (path.parent / name).exists() or (ROOT / name).exists():
            continue
        if in_adr and name in BRIEF:
            continue
        if "<" in name or "NNNN" in name:  # a pattern, not a file
            continue
        missing.append(f"mention {name}")
    return missing


@pytest.mark.parametrize("path", DOCS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_file_the_docs_point_to_exists(path):
    """Defect 20: docs/demands.md named a file that is not in the repository."""
    assert missing_targets(path) == []


def test_the_link_check_catches_what_it_looks_for(tmp_path):
    page = tmp_path / "page.md"
    (tmp_path / "there.md").write_text("x")
    page.write_text(
        "[ok](there.md) [anchor](there.md#a) [web](https://example.com) [self](#x)\n"
        "[gone](gone.md) see ARCHITECTURE.md and there.md\n```\n[code](nowhere.md)\n```\n"
    )
    assert missing_targets(page) == ["link gone.md", "mention ARCHITECTURE.md"]


def test_the_readme_lists_every_account_the_demo_prints(demo):
    """Defect 20: the README listed 7 demo accounts, the demo printed 9 (the unit handler
    and the resident were missing)."""
    from gongzhi.accounts.models import User
    from gongzhi.core.management.commands.demo import Command

    out = StringIO()
    Command(stdout=out)._print_accounts()
    printed = re.findall(r"^  (\S+) ", out.getvalue(), re.M)
    listed = readme_accounts()
    assert printed and sorted(listed) == sorted(printed)
    for user in User.objects.filter(username__in=printed):
        role, scope = listed[user.username]
        assert role == user.role_summary, user.username
        assignments = list(user.role_assignments.select_related("area"))
        if user.is_superuser and not assignments:
            assert scope == "everything", user.username
        else:
            assert any(a.area.full_name.endswith(scope) for a in assignments), user.username
