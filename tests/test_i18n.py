"""Simplified Chinese by default, English available: a complete catalog and a working switch.

The msgids are the Chinese UI texts; ``src/gongzhi/locale/en`` holds their English.
``make messages`` refreshes the catalog from the code; every entry must then be translated
(no empty, no fuzzy), and the compiled ``.mo`` committed with it.
"""

import gettext
import re
import shutil
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command

from gongzhi.core.testing import PASSWORD

LOCALE_DIR = Path(settings.BASE_DIR) / "locale"
PO = LOCALE_DIR / "en" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")
CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
PLACEHOLDER = re.compile(
    r"%\([a-zA-Z_]\w*\)[-#0 +]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[diouxXeEfFgGcrs%]"
)


def _unquote(text: str) -> str:
    return bytes(text[1:-1], "utf-8").decode("unicode_escape").encode("latin-1").decode("utf-8")


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file: msgid, msgid_plural, msgstr list, flags, first reference."""
    entries, entry, field = [], None, None
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if entry and entry["msgid"] is not None:
                entries.append(entry)
            entry, field = None, None
            continue
        entry = entry or {"msgid": None, "msgid_plural": None, "msgstr": {}, "flags": [], "ref": ""}
        if line.startswith("#,"):
            entry["flags"] += [f.strip() for f in line[2:].split(",")]
        elif line.startswith("#:") and not entry["ref"]:
            entry["ref"] = line[2:].split()[0]
        elif line.startswith("#"):
            continue
        elif line.startswith('"'):
            if isinstance(field, int):
                entry["msgstr"][field] += _unquote(line)
            else:
                entry[field] += _unquote(line)
        else:
            keyword, _, value = line.partition(" ")
            match = re.fullmatch(r"msgstr\[(\d+)\]", keyword)
            if keyword == "msgstr" or match:
                field = int(match.group(1)) if match else 0
                entry["msgstr"][field] = _unquote(value)
            else:
                field = keyword
                entry[field] = _unquote(value)
    return entries


def untranslated(entries: list[dict]) -> list[str]:
    return [
        f"{e['ref']}: {e['msgid']!r}" + (" (fuzzy)" if "fuzzy" in e["flags"] else "")
        for e in entries
        if e["msgid"]
        and ("fuzzy" in e["flags"] or not e["msgstr"] or not all(e["msgstr"].values()))
    ]


def test_every_catalog_entry_is_translated_and_not_fuzzy():
    entries = read_po(PO)
    assert len(entries) > 500  # the real catalog, not an empty file
    header = entries[0]
    assert header["msgid"] == "" and "fuzzy" not in header["flags"]
    assert "Language: en" in header["msgstr"][0]
    missing = untranslated(entries)
    assert not missing, f"{len(missing)} entries untranslated or fuzzy:\n" + "\n".join(missing)


def test_translations_keep_every_placeholder():
    wrong = []
    for e in read_po(PO)[1:]:
        expected = sorted(PLACEHOLDER.findall(e["msgid"]))
        if "python-format" not in e["flags"] or "fuzzy" in e["flags"]:
            continue
        for text in e["msgstr"].values():
            if sorted(PLACEHOLDER.findall(text)) != expected:
                wrong.append(f"{e['ref']}: {e['msgid']!r} -> {text!r}")
    assert not wrong, "\n".join(wrong)


def test_english_is_actually_english():
    chinese = [
        f"{e['ref']}: {text!r}"
        for e in read_po(PO)[1:]
        for text in e["msgstr"].values()
        # Import templates keep the Chinese yes/no words the spreadsheet cells must hold.
        if CJK.search(text.replace("是", "").replace("否", ""))
    ]
    assert not chinese, "\n".join(chinese)


def test_compiled_catalog_matches_the_po_file():
    with MO.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    stale = [
        e["msgid"]
        for e in read_po(PO)[1:]
        if e["msgid_plural"] is None
        and e["msgstr"][0]
        and "fuzzy" not in e["flags"]
        and compiled.gettext(e["msgid"]) != e["msgstr"][0]
    ]
    assert not stale, "django.mo is older than django.po; run `make messages`: " + repr(stale[:10])


@pytest.mark.slow
def test_catalog_covers_every_string_in_the_code(tmp_path, monkeypatch, settings):
    """Run makemessages on a copy of the code: nothing new may be left untranslated."""
    if not shutil.which("xgettext"):
        pytest.skip("GNU gettext (xgettext) is not installed: apt-get install gettext")
    source = Path(settings.BASE_DIR)
    copy = tmp_path / "gongzhi"
    shutil.copytree(
        source,
        copy,
        ignore=shutil.ignore_patterns("static", "__pycache__", "*.mo", "*.pyc"),
    )
    monkeypatch.chdir(copy)
    settings.LOCALE_PATHS = [copy / "locale"]
    call_command("makemessages", locale=["en"], no_obsolete=True, verbosity=0)
    missing = untranslated(read_po(copy / "locale" / "en" / "LC_MESSAGES" / "django.po"))
    assert not missing, (
        f"{len(missing)} UI strings have no English yet: run `make messages`, translate them in "
        f"{PO.relative_to(settings.BASE_DIR.parent.parent)} and commit the .po and .mo:\n"
        + "\n".join(missing)
    )


# --- The switch -------------------------------------------------------------------


def test_default_language_is_simplified_chinese(client, db):
    response = client.get("/accounts/login/")
    body = response.content.decode()
    assert response.status_code == 200
    assert '<html lang="zh-hans">' in body
    assert "请使用本人账号登录" in body
    assert "Please sign in" not in body


def test_english_sign_in_page_and_workbench(client, world):
    response = client.post(
        "/i18n/setlang/", {"language": "en", "next": "/accounts/login/"}, follow=True
    )
    assert response.redirect_chain[-1][0] == "/accounts/login/"
    body = response.content.decode()
    assert '<html lang="en">' in body
    assert "Please sign in with your own account" in body
    assert "Sign in · Gongzhi" in body
    # Nothing Chinese is left but the name of the other language in the switch.
    assert CJK.findall(body.replace("简体中文", "")) == []

    response = client.post(
        "/accounts/login/", {"username": "sj", "password": PASSWORD}, follow=True
    )
    body = response.content.decode()
    assert response.redirect_chain[-1][0] == "/"
    assert '<html lang="en">' in body
    for text in ("Workbench", "Areas and grids", "Households", "Sign out", "Change password"):
        assert text in body, text
    assert "Community Party secretary" in body  # the role, translated
    assert "工作台" not in body and "退出" not in body

    response = client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"}, follow=True)
    body = response.content.decode()
    assert '<html lang="zh-hans">' in body
    assert "工作台" in body and "Workbench" not in body


def test_wrong_password_message_is_translated(client, world):
    client.post("/i18n/setlang/", {"language": "en", "next": "/accounts/login/"})
    response = client.post("/accounts/login/", {"username": "sj", "password": "nope"})
    body = response.content.decode()
    assert "Wrong account or password." in body
