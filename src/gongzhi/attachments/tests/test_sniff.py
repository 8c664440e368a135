"""The type of a file comes from its bytes; the name must agree; the cheap refusals."""

import io
import zipfile

import pytest

from gongzhi.attachments import sniff

from .files import HEIC, docx, pdf, photo, xlsx


def identify(data: bytes) -> sniff.FileType:
    return sniff.identify(io.BytesIO(data))


def refused(data: bytes) -> str:
    with pytest.raises(sniff.Refused) as caught:
        identify(data)
    return caught.value.code


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (photo("JPEG"), sniff.JPEG),
        (photo("PNG"), sniff.PNG),
        (photo("WEBP"), sniff.WEBP),
        (HEIC.read_bytes(), sniff.HEIC),
        (pdf(), sniff.PDF),
        (docx(), sniff.DOCX),
        (xlsx(), sniff.XLSX),
        ("会议纪要：楼道灯\n".encode(), sniff.TEXT),
        ("会议纪要：楼道灯\r\n".encode("gb18030"), sniff.TEXT),
    ],
    ids=["jpeg", "png", "webp", "heic", "pdf", "docx", "xlsx", "utf-8", "gb18030"],
)
def test_the_type_is_read_from_the_content(data, expected):
    assert identify(data) is expected


def test_gb18030_text_is_recognised_as_such():
    assert sniff.text_encoding(io.BytesIO("情况说明".encode("gb18030"))) == "gb18030"
    assert sniff.text_encoding(io.BytesIO("情况说明".encode())) == "utf-8-sig"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "unsupported"),  # a Windows program
        (b"GIF89a\x01\x00\x01\x00", "unsupported"),
        (b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1", "unsupported"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "legacy_office"),
        (b"plain\x00text", "unsupported"),
        (docx(macro=True), "macros"),
    ],
    ids=["empty", "exe", "gif", "avif", "ole", "nul", "macro"],
)
def test_other_types_are_refused(data, code):
    assert refused(data) == code


def test_a_zip_that_is_no_office_file_is_refused():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("readme.txt", "hello")
    assert refused(out.getvalue()) == "unsupported"


def test_an_encrypted_pdf_is_refused():
    plain = pdf()
    encrypted = plain.replace(b"trailer", b"trailer\n<< /Encrypt 9 0 R >>\n", 1)
    assert b"/Encrypt" in encrypted
    assert refused(encrypted) == "encrypted_pdf"


def test_a_pdf_with_a_script_is_refused():
    scripted = pdf().replace(b"%%EOF", b"1 0 obj << /S /JavaScript /JS (app.alert(1)) >>\n%%EOF")
    assert refused(scripted) == "active_pdf"


def test_a_pdf_that_is_also_a_zip_is_refused():
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("payload.html", "<script>alert(1)</script>")
    assert refused(pdf() + archive.getvalue()) == "polyglot"


def test_a_pdf_that_is_also_a_web_page_is_refused():
    assert refused(b"%PDF-1.4\n<html><script>alert(1)</script>" + pdf()[9:]) == "polyglot"


def test_an_office_file_with_something_before_it_is_refused():
    # Readers take a zip whose archive starts further in; so do PDF readers the "%PDF".
    data = docx()
    assert refused(b"PK\x03\x04" + b"%PDF-1.4 " + data[4:]) in ("polyglot", "unsupported")


def test_a_zip_bomb_is_refused_from_its_directory():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "x")
        archive.writestr("word/document.xml", b"\0" * (40 * 1024 * 1024))
    assert refused(out.getvalue()) == "zip_bomb"


@pytest.mark.parametrize(
    ("name", "found", "ok"),
    [
        ("现场.JPG", sniff.JPEG, True),
        ("现场.jpeg", sniff.JPEG, True),
        ("现场.png", sniff.JPEG, False),
        ("纪要.pdf", sniff.DOCX, False),
        ("表.xlsx", sniff.XLSX, True),
        ("无扩展名", sniff.PDF, False),
        ("IMG_0001.HEIC", sniff.HEIC, True),
    ],
)
def test_the_extension_must_agree_with_the_content(name, found, ok):
    if ok:
        sniff.check_extension(name, found)
    else:
        with pytest.raises(sniff.Refused) as caught:
            sniff.check_extension(name, found)
        assert caught.value.code == "extension"


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("C:\\Users\\张三\\Desktop\\现场 照片.jpg", "现场 照片.jpg"),
        ("../../etc/passwd.txt", "passwd.txt"),
        ("evil\u202egpj.exe.txt", "evil_gpj.exe.txt"),
        ('a<b>:"c|?*.pdf', "a_b___c___.pdf"),
        ("  ..隐藏.txt  ", "隐藏.txt"),
        ("CON.txt", "_CON.txt"),
        ("名" * 300 + ".docx", "名" * 95 + ".docx"),  # 100 characters in all
        ("\x00\x01", "__"),
    ],
    ids=["windows-path", "dots", "bidi", "reserved-chars", "spaces", "device", "long", "control"],
)
def test_file_names_are_cleaned(raw, clean):
    assert sniff.clean_name(raw) == clean
