"""What a file is, read from its bytes, before anything parses it.

The type comes from the content (magic bytes and, for the zip-based Office formats, the
archive's declared content types), never from the name or the browser's claim; the name's
extension must then agree with it. Only the types of :data:`TYPES` are taken. A few cheap
refusals go with it: an encrypted or scripted PDF, a PDF or an Office file that is also
another format (a polyglot: a zip, an HTML page), an archive that would unpack to far more
than it holds, macros, text that is not text. Images are checked further (pixels) and
re-encoded by :mod:`gongzhi.attachments.imaging` in a child process.

This module imports nothing of Django (``core.sheetcheck`` neither).
"""

import codecs
import re
import unicodedata
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from gongzhi.core import sheetcheck

HEAD_BYTES = 4096
CONTENT_TYPES_MAX = 1024 * 1024  # [Content_Types].xml of an Office file: a few KB


@dataclass(frozen=True)
class FileType:
    key: str
    mime: str
    extensions: tuple[str, ...]  # the first is the one a stored copy is named with
    image: bool = False


JPEG = FileType("jpeg", "image/jpeg", (".jpg", ".jpeg", ".jfif", ".jpe"), image=True)
PNG = FileType("png", "image/png", (".png",), image=True)
WEBP = FileType("webp", "image/webp", (".webp",), image=True)
HEIC = FileType("heic", "image/heic", (".heic", ".heif"), image=True)
PDF = FileType("pdf", "application/pdf", (".pdf",))
DOCX = FileType(
    "docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = FileType(
    "xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", (".xlsx",)
)
TEXT = FileType("text", "text/plain", (".txt",))
TYPES = {t.key: t for t in (JPEG, PNG, WEBP, HEIC, PDF, DOCX, XLSX, TEXT)}
BY_MIME = {t.mime: t for t in TYPES.values()}

# The main part an Office file must declare, by type (macro-enabled variants differ).
OFFICE_MAIN = {
    DOCX: (b"wordprocessingml.document.main+xml", "word/document.xml"),
    XLSX: (b"spreadsheetml.sheet.main+xml", "xl/workbook.xml"),
}
HEIC_BRANDS = {b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"}
# Browsers and PDF readers look for these in the first kilobyte whatever the file says.
HTML_MARKERS = re.compile(rb"<(!doctype|html|script|svg|body|iframe|object|embed)\b", re.I)
# Names of PDF objects that run or carry something: scripts, launched programs, embedded
# files, rich media. Cheap and partial (a name inside a compressed object stream is not
# seen), so downloads are never shown inline either.
PDF_ACTIVE = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)[\s/<>\[\]()]")
PDF_ENCRYPT = re.compile(rb"/Encrypt[\s/<>\[\]()0-9]")
CONTROL = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Characters that would reorder or hide part of a name on screen, or break a path.
NAME_UNSAFE = re.compile(r"[\x00-\x1f\x7f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff<>:\"/\\|?*]")
WINDOWS_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.I)
MAX_NAME = 100


class Refused(Exception):
    """The file is not taken: ``code`` says why (the service words it in Chinese)."""

    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


def clean_name(raw: str) -> str:
    """A file name safe to show and to send back: no folders, no control or direction
    characters, nothing a file system refuses, at most 100 characters with its extension."""
    name = unicodedata.normalize("NFC", raw or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = NAME_UNSAFE.sub("_", name)
    name = " ".join(name.split()).strip(" .")
    if WINDOWS_RESERVED.match(name):
        name = f"_{name}"
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    ext = ext[:10]
    stem = stem[: MAX_NAME - len(ext) - 1] if ext else stem[:MAX_NAME]
    return f"{stem}.{ext}" if ext and stem else (stem or "")


def extension(name: str) -> str:
    stem, dot, ext = name.rpartition(".")
    return f".{ext.lower()}" if dot and stem else ""


def chunks(source: IO[bytes], size: int = 1024 * 1024) -> Iterator[bytes]:
    source.seek(0)
    while block := source.read(size):
        yield block


def identify(source: IO[bytes]) -> FileType:
    """The allowed type of ``source`` (a seekable binary file), or :class:`Refused`."""
    source.seek(0)
    head = source.read(HEAD_BYTES)
    if not head:
        raise Refused("empty")
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        box = int.from_bytes(head[:4], "big")
        brands = {head[8:12]} | {head[i : i + 4] for i in range(16, min(box, 64), 4)}
        if brands & HEIC_BRANDS:
            return HEIC
        raise Refused("unsupported")  # AVIF, MP4, MOV: the same container
    if head.startswith(b"%PDF-"):
        _check_pdf(source, head)
        return PDF
    if head.startswith(b"PK\x03\x04"):
        return _check_office(source, head)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        raise Refused("legacy_office")  # .doc/.xls, and every password-protected Office file
    if _is_text(source):
        return TEXT
    raise Refused("unsupported")


def _check_pdf(source: IO[bytes], head: bytes) -> None:
    if HTML_MARKERS.search(head[:1024]):
        raise Refused("polyglot")
    tail = b""
    for block in chunks(source):
        window = tail + block
        if PDF_ENCRYPT.search(window):
            raise Refused("encrypted_pdf")
        if PDF_ACTIVE.search(window):
            raise Refused("active_pdf")
        tail = window[-64:]
    source.seek(0)
    if zipfile.is_zipfile(source):  # a valid zip directory at the end: both at once
        raise Refused("polyglot")


def _check_office(source: IO[bytes], head: bytes) -> FileType:
    if b"%PDF-" in head[:1024] or HTML_MARKERS.search(head[:1024]):
        raise Refused("polyglot")
    source.seek(0)
    try:
        sheetcheck.check_archive(source.read())
    except sheetcheck.Refused as exc:
        raise Refused("zip_bomb" if exc.code == "zip_bomb" else "broken") from None
    source.seek(0)
    try:
        with zipfile.ZipFile(source) as archive:
            entries = archive.infolist()
            if min((e.header_offset for e in entries), default=1) != 0:
                raise Refused("polyglot")  # something stands before the archive
            if any(e.flag_bits & 0x1 for e in entries):
                raise Refused("encrypted_archive")
            names = {e.filename for e in entries}
            if any(n.lower().endswith("vbaproject.bin") for n in names):
                raise Refused("macros")
            declared = archive.getinfo("[Content_Types].xml")
            if declared.file_size > CONTENT_TYPES_MAX:
                raise Refused("broken")
            types = archive.read(declared)
    except (KeyError, zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise Refused("unsupported") from None  # a zip, but not an Office file
    if b"macroEnabled" in types:
        raise Refused("macros")
    for kind, (main, part) in OFFICE_MAIN.items():
        if main in types and part in names:
            return kind
    raise Refused("unsupported")


def _is_text(source: IO[bytes]) -> bool:
    return text_encoding(source) is not None


def text_encoding(source: IO[bytes]) -> str | None:
    """``utf-8`` or ``gb18030`` (what Chinese Windows' Notepad wrote for years) when the
    whole of ``source`` decodes in it without control characters, else None."""
    for encoding in ("utf-8-sig", "gb18030"):
        decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
        try:
            for block in chunks(source):
                if CONTROL.search(decoder.decode(block)):
                    return None
            if CONTROL.search(decoder.decode(b"", final=True)):
                return None
        except UnicodeDecodeError:
            continue
        return encoding
    return None


def check_extension(name: str, found: FileType) -> None:
    ext = extension(name)
    if ext not in found.extensions:
        raise Refused("extension", ext=ext or "（无）", expected=found.extensions[0])
