"""Pinyin search keys of Chinese names, stored beside the name by every register that
searches people by name (residents, party members): ``zhxm`` and ``zxm`` (initials with
and without zh/ch/sh) and ``zhangxiaoming`` (full pinyin), each searched by prefix
through its own index (:class:`gongzhi.core.search.PrefixSearchField`)."""

import re
from collections.abc import Callable
from functools import lru_cache
from typing import NamedTuple

from django.apps.registry import Apps
from django.db.backends.base.schema import BaseDatabaseSchemaEditor
from django.db.models import Q
from pypinyin import Style, lazy_pinyin

# Surnames read differently from the character's common reading (曾 zēng, 单 shàn…):
# the pinyin of each character.
SURNAME_PINYIN = {
    "尉迟": ("yu", "chi"),
    "长孙": ("zhang", "sun"),
    "万俟": ("mo", "qi"),
    "曾": ("zeng",),
    "单": ("shan",),
    "解": ("xie",),
    "仇": ("qiu",),
    "朴": ("piao",),
    "查": ("zha",),
    "区": ("ou",),
    "乐": ("yue",),
    "覃": ("qin",),
    "翟": ("zhai",),
    "种": ("chong",),
    "盖": ("ge",),
    "缪": ("miao",),
    "秘": ("bi",),
    "员": ("yun",),
    "句": ("gou",),
    "召": ("shao",),
}

# pypinyin's initials when not strict (y and w count as initials).
PINYIN_INITIALS = frozenset("b p m f d t n l g k h j q x zh ch sh r z c s y w".split())
_LATIN = re.compile(r"[A-Za-z]")
_NOT_WORD = re.compile(r"[^0-9a-z]")
LETTERS = re.compile(r"^[a-zA-Z]+$")
_VOWEL = re.compile(r"[aeiouv]")


class NameKeys(NamedTuple):
    initials: str  # "zhxm"
    short_initials: str  # "zxm"
    pinyin: str  # "zhangxiaoming"


def _initial(syllable: str) -> str:
    return syllable[:2] if syllable[:2] in ("zh", "ch", "sh") else syllable[:1]


@lru_cache(maxsize=65536)
def name_keys(name: str) -> NameKeys:
    """The search keys of ``name``.

    Cached: pypinyin costs ~0.1 ms a name, and a census repeats names (张伟, 王芳…)."""
    head: tuple[str, ...] = ()
    for surname, syllables in SURNAME_PINYIN.items():
        if name.startswith(surname):
            head, name = syllables, name[len(surname) :]
            break
    full = lazy_pinyin(name, style=Style.INITIALS, strict=False) if name else []
    if all(f in PINYIN_INITIALS for f in full) and not _LATIN.search(name):
        # Every character has an initial: its first letter is the initial's (half the cost).
        short = [f[0] for f in full]
    else:
        short = lazy_pinyin(name, style=Style.FIRST_LETTER) if name else []
    initials = [*(_initial(s) for s in head), *(f or s for f, s in zip(full, short, strict=True))]
    letters = [*(s[0] for s in head), *short]
    spelled = [*head, *(lazy_pinyin(name) if name else [])]
    return NameKeys(
        "".join(initials).lower()[:60],
        "".join(letters).lower()[:30],
        _NOT_WORD.sub("", "".join(spelled).lower())[:120],
    )


def name_fields(name: str) -> dict[str, str]:
    """The stored key fields of ``name``, for a model's constructor or ``update()``."""
    return name_keys(name)._asdict()


def letter_columns(letters: str) -> list[str]:
    """The key columns ``letters`` can match: first letters always, the initials with
    zh/ch/sh only when there is an "h", the full pinyin only when there is a vowel."""
    letters = letters.lower()
    columns = ["short_initials"]
    if "h" in letters:
        columns.append("initials")
    if _VOWEL.search(letters):
        columns.append("pinyin")
    return columns


def letters_match(letters: str) -> Q:
    """Rows whose name's pinyin keys begin with ``letters`` (``zxm``, ``zhxm``, ``huping``,
    ``zhangx``): a prefix on each column of :func:`letter_columns`, each through its index.
    A search box wanting a few rows of a wide scope asks each column alone, in its index
    order, instead (an OR of the columns made SQLite scan the scope: 4.6 s for a district)."""
    letters = letters.lower()
    match = Q()
    for column in letter_columns(letters):
        match |= Q(**{f"{column}__prefix": letters})
    return match


def first_letters_only(letters: str) -> bool:
    """Whether ``letters`` can only match ``short_initials`` (``zxm``): a caller may then
    order by that column and let its index serve the match and the order at once."""
    return letter_columns(letters) == ["short_initials"]


def fill_name_keys(
    app_label: str, model_name: str, *, phone_tail: bool = False, chunk: int = 5000
) -> Callable[[Apps, BaseDatabaseSchemaEditor], None]:
    """A migration step filling the name keys (and ``phone_tail``) of a register's
    existing rows: chunks of primary keys, one ``executemany`` a chunk."""

    def fill(apps: Apps, schema_editor: BaseDatabaseSchemaEditor) -> None:
        model = apps.get_model(app_label, model_name)
        connection = schema_editor.connection
        table = connection.ops.quote_name(model._meta.db_table)
        pk = connection.ops.quote_name(model._meta.pk.column)
        columns = ["initials", "short_initials", "pinyin", *(["phone_tail"] if phone_tail else [])]
        assignments = ", ".join(f"{c} = %s" for c in columns)
        update = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"  # noqa: S608 (names only)
        rows = (
            model.objects.using(connection.alias).order_by("pk").values_list("pk", "name", "phone")
        )
        last = 0
        with connection.cursor() as cursor:
            while batch := list(rows.filter(pk__gt=last)[:chunk]):
                cursor.executemany(
                    update,
                    [
                        (*name_keys(name), *([(phone or "")[-4:]] if phone_tail else []), key)
                        for key, name, phone in batch
                    ],
                )
                last = batch[-1][0]

    return fill
