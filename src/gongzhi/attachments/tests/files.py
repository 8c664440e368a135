"""Real files built in the tests: images with a camera's EXIF, Office files, PDFs."""

import io
import zipfile
from pathlib import Path

from PIL import ExifTags, Image

# A 64×48 HEIC with a GPS position, made once with pillow-heif (its encoder is not a
# dependency: pi-heif, which Gongzhi uses, only decodes).
HEIC = Path(__file__).with_name("fixtures") / "gps.heic"

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (30.0, 39.0, 12.0),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (104.0, 4.0, 30.0),
}


def photo(
    fmt: str = "JPEG",
    size: tuple[int, int] = (400, 300),
    *,
    orientation: int | None = None,
    gps: bool = True,
    mode: str = "RGB",
) -> bytes:
    """A real image: left half blue, right half orange, with a camera's EXIF (maker, GPS
    position, orientation) when the format carries one."""
    image = Image.new(mode, size, "orange")
    image.paste((0, 80, 160) if mode != "L" else 80, (0, 0, size[0] // 2, size[1]))
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestPhone"
    exif[ExifTags.Base.Model] = "Gongzhi 1"
    if gps:
        exif[ExifTags.Base.GPSInfo] = GPS
    if orientation:
        exif[ExifTags.Base.Orientation] = orientation
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes())
    return out.getvalue()


def xlsx() -> bytes:
    import xlsxwriter

    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True})
    book.add_worksheet("诉求").write(0, 0, "和顺社区")
    book.close()
    return out.getvalue()


def docx(*, macro: bool = False) -> bytes:
    """A minimal Word document: the parts Word itself needs."""
    main = (
        "application/vnd.ms-word.document.macroEnabled.main+xml"
        if macro
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"
    )
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            f'<Override PartName="/word/document.xml" ContentType="{main}"/></Types>',
        )
        archive.writestr(
            "_rels/.rels",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/>'
            "</Relationships>",
        )
        archive.writestr(
            "word/document.xml",
            '<?xml version="1.0" encoding="UTF-8"?>'
            '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
            "<w:body><w:p><w:r><w:t>会议记录</w:t></w:r></w:p></w:body></w:document>",
        )
        if macro:
            archive.writestr("word/vbaProject.bin", b"\0" * 64)
    return out.getvalue()


def pdf() -> bytes:
    """A real PDF (Pillow writes one page with the image)."""
    out = io.BytesIO()
    Image.new("RGB", (60, 40), "white").save(out, format="PDF")
    return out.getvalue()
