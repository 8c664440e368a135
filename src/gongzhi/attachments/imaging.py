"""Images are decoded and re-encoded in a child process, under a memory and a time limit.

Image decoders are C libraries whose bugs are found every year (the WebP heap overflow
of 2023 was exploited through image uploads); a crafted file could crash or take over the
process that decodes it. So the web worker never decodes an upload: ``python -m
gongzhi.attachments.imaging`` does, with its address space limited, as ``core.sheetcheck``
does for spreadsheets. The child refuses a declared size past the pixel limit before
decoding a single pixel (decompression bombs), applies the EXIF orientation, converts to
sRGB, and writes a new file that carries no metadata at all (EXIF with its GPS position,
XMP, comments, ICC profile), at most ``max_edge`` pixels on its longer side, and a JPEG
thumbnail. The original bytes are never stored.

This module imports nothing of Django: the child starts in tens of milliseconds.
"""

import io
import json
import os
import resource
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

# What each sniffed type is decoded as (Pillow's format names) and saved as.
DECODED = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP", "heic": "HEIF"}
SAVED = {"jpeg": "jpeg", "png": "png", "webp": "webp", "heic": "jpeg"}


@dataclass(frozen=True)
class Limits:
    max_pixels: int
    max_edge: int
    thumbnail_edge: int
    quality: int


@dataclass(frozen=True)
class Encoded:
    key: str  # the sniffed type key of the stored image ("heic" is stored as "jpeg")
    image: bytes
    thumbnail: bytes
    width: int
    height: int


class Refused(Exception):
    def __init__(self, code: str, **params: object) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


def reencode(path: str, key: str, limits: Limits, *, memory_mb: int, timeout: float) -> Encoded:
    """Re-encode the image at ``path`` (sniffed as ``key``) in a child process."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="gongzhi-image-") as out:
        args = [
            sys.executable,
            "-m",
            "gongzhi.attachments.imaging",
            path,
            key,
            out,
            json.dumps(limits.__dict__),
            str(memory_mb),
        ]
        try:
            done = subprocess.run(  # noqa: S603 (our own interpreter and module)
                args, capture_output=True, timeout=timeout, check=False, env=_child_env()
            )
        except subprocess.TimeoutExpired:
            raise Refused("too_slow") from None
        try:
            answer = json.loads(done.stdout) if done.returncode == 0 else {"error": "broken"}
        except ValueError:
            answer = {"error": "broken"}
        if "error" in answer:
            raise Refused(answer["error"], **answer.get("params", {}))
        folder = Path(out)
        return Encoded(
            key=SAVED[key],
            image=(folder / "image").read_bytes(),
            thumbnail=(folder / "thumbnail").read_bytes(),
            width=answer["width"],
            height=answer["height"],
        )


def _child_env() -> dict[str, str]:
    """The environment with this process's copy of the package first on the path: the
    child runs the same code as its parent (a source tree, a test run, an install)."""
    root = str(Path(__file__).resolve().parents[2])
    paths = [root, *filter(None, os.environ.get("PYTHONPATH", "").split(os.pathsep))]
    return {**os.environ, "PYTHONPATH": os.pathsep.join(paths)}


# --- The child ----------------------------------------------------------------------------


def _main(path: str, key: str, out: str, limits_json: str, memory_mb: int) -> dict:
    limit = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    limits = Limits(**json.loads(limits_json))
    from PIL import Image, ImageOps, UnidentifiedImageError

    # Pillow's own guard would refuse past twice its limit without saying the size; the
    # check below refuses right after the header is read, naming it.
    Image.MAX_IMAGE_PIXELS = None
    if key == "heic":
        import pi_heif

        pi_heif.register_heif_opener()
    try:
        image = Image.open(path, formats=[DECODED[key]])
        width, height = image.size
        if width * height > limits.max_pixels:
            return {"error": "too_many_pixels", "params": {"width": width, "height": height}}
        if image.format == "JPEG":  # decode at 1/2, 1/4, 1/8 when that is still large enough
            image.draft("RGB", (limits.max_edge, limits.max_edge))
        image.load()
        image = ImageOps.exif_transpose(image) or image
        image = _srgb(image)
        image.thumbnail((limits.max_edge, limits.max_edge), Image.Resampling.LANCZOS)
        saved = SAVED[key]
        image = _mode_for(image, saved)
        image.info.clear()  # nothing of the original's metadata rides along
        _save(image, saved, Path(out) / "image", limits.quality)
        thumbnail = _flatten(image.copy())
        thumbnail.thumbnail((limits.thumbnail_edge, limits.thumbnail_edge))
        _save(thumbnail, "jpeg", Path(out) / "thumbnail", 80)
    except MemoryError:
        return {"error": "too_large_to_decode"}
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError, KeyError):
        return {"error": "broken"}
    return {"width": image.width, "height": image.height}


def _srgb(image):  # noqa: ANN001, ANN202 (PIL is imported in the child only)
    """Colours converted to sRGB when the file carries an ICC profile, which is then
    dropped (a profile may name the device); without a usable profile, left as they are."""
    icc = image.info.get("icc_profile")
    if not icc or image.mode not in ("RGB", "RGBA", "CMYK"):
        return image
    from PIL import ImageCms

    try:
        source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
        target = ImageCms.createProfile("sRGB")
        mode = "RGBA" if "A" in image.getbands() else "RGB"
        return ImageCms.profileToProfile(image, source, target, outputMode=mode) or image
    except (ImageCms.PyCMSError, OSError, ValueError):
        return image


def _mode_for(image, saved: str):  # noqa: ANN001, ANN202
    alpha = "A" in image.getbands() or "transparency" in image.info
    if saved == "jpeg":
        return _flatten(image)
    if image.mode not in ("RGB", "RGBA", "L", "LA"):
        return image.convert("RGBA" if alpha else "RGB")
    return image


def _flatten(image):  # noqa: ANN001, ANN202
    """RGB on white: JPEG has no transparency."""
    from PIL import Image

    if image.mode in ("RGB", "L"):
        return image.convert("RGB")
    rgba = image.convert("RGBA")
    background = Image.new("RGB", rgba.size, (255, 255, 255))
    background.paste(rgba, mask=rgba.getchannel("A"))
    return background


def _save(image, saved: str, target: Path, quality: int) -> None:  # noqa: ANN001
    options: dict = {"jpeg": {"quality": quality, "optimize": True}, "png": {"optimize": True}}
    options["webp"] = {"quality": quality, "method": 4}
    image.save(target, format=saved.upper(), **options[saved])


if __name__ == "__main__":
    sys.stdout.write(
        json.dumps(_main(sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])))
    )
