"""A spreadsheet is looked at in a child process, under a memory limit, before the server
reads it.

A 2 KB xlsx whose sheet declares ``A1:XFD1048576``, with one cell at the far corner,
makes the reader (calamine) allocate a dense range of 512 GB, and the process aborts
(SIGABRT) — a known upstream bug (tafia/calamine#693, python-calamine#130). In the web
server that killed a worker and every request it was serving. So the upload is first
opened by ``python -m gongzhi.core.sheetcheck`` with its address space limited
(``GONGZHI_IMPORT_CHECK_MB``) and a time limit: if the reader would blow up, only that
child dies, and the user is told why. The child also reports the sheet's size, which
the importer caps (columns and cells) before reading a single row, and the parent
first refuses zip bombs from the archive's directory alone (entries, unpacked size,
compression ratio).

This module imports nothing of Django: the child starts in tens of milliseconds.
"""

import io
import json
import resource
import subprocess
import sys
import zipfile
from dataclasses import dataclass

MAX_ENTRIES = 10_000  # an xlsx has tens of parts
MAX_UNPACKED_BYTES = 1024 * 1024 * 1024  # what every part of the archive unpacks to
MAX_RATIO = 200  # a worksheet's XML compresses 5–20×; a bomb 1,000× and more
RATIO_FLOOR_BYTES = 16 * 1024 * 1024  # small parts may compress as well as they like


@dataclass(frozen=True)
class Sheet:
    name: str
    height: int
    width: int


class Refused(Exception):
    def __init__(self, code: str):
        self.code = code
        super().__init__(code)


def check_archive(source: str | bytes) -> None:
    """Refuse a zip-based workbook (xlsx, xlsm, ods) that would unpack to too much."""
    target = io.BytesIO(source) if isinstance(source, bytes) else source
    if not zipfile.is_zipfile(target):
        return  # .xls is not a zip; calamine reads it in the child like the others
    try:
        with zipfile.ZipFile(target) as archive:
            entries = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise Refused("not_spreadsheet") from None
    if len(entries) > MAX_ENTRIES:
        raise Refused("zip_bomb")
    if sum(e.file_size for e in entries) > MAX_UNPACKED_BYTES:
        raise Refused("zip_bomb")
    for entry in entries:
        if entry.file_size > RATIO_FLOOR_BYTES and entry.file_size > MAX_RATIO * max(
            entry.compress_size, 1
        ):
            raise Refused("zip_bomb")


def inspect(source: str | bytes, title: str, *, memory_mb: int, timeout: float) -> Sheet:
    """Open the workbook (a path, or its bytes) in a child process; the sheet named
    ``title``, else the first."""
    check_archive(source)
    path = "-" if isinstance(source, bytes) else source
    try:
        done = subprocess.run(  # noqa: S603 (our own interpreter and module)
            [sys.executable, "-m", "gongzhi.core.sheetcheck", path, title, str(memory_mb)],
            input=source if isinstance(source, bytes) else None,
            capture_output=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired:
        raise Refused("too_slow") from None
    if done.returncode != 0:  # killed by the limit (SIGABRT, MemoryError) or crashed
        raise Refused("range_too_large")
    try:
        answer = json.loads(done.stdout)
    except ValueError:
        raise Refused("range_too_large") from None
    if "error" in answer:
        raise Refused(answer["error"])
    return Sheet(answer["name"], answer["height"], answer["width"])


def _main(path: str, title: str, memory_mb: int) -> None:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    from python_calamine import CalamineError, CalamineWorkbook, PasswordError

    try:
        if path == "-":
            workbook = CalamineWorkbook.from_filelike(io.BytesIO(sys.stdin.buffer.read()))
        else:
            workbook = CalamineWorkbook.from_path(path)
        names = workbook.sheet_names
        sheet = (
            workbook.get_sheet_by_name(title) if title in names else workbook.get_sheet_by_index(0)
        )
        answer = {"name": sheet.name, "height": sheet.height, "width": sheet.width}
    except PasswordError:
        answer = {"error": "password"}
    except MemoryError:
        answer = {"error": "range_too_large"}
    except (CalamineError, OSError, ValueError, IndexError):
        answer = {"error": "not_spreadsheet"}
    sys.stdout.write(json.dumps(answer))


if __name__ == "__main__":
    _main(sys.argv[1], sys.argv[2], int(sys.argv[3]))
