"""Limits of attachments as data (local practice): an administrator may change them for
the jurisdiction from an effective date (core.params)."""

from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

LOCAL = _("本地实践")

MAX_FILE_MB = "attachments.max_file_mb"
MAX_FILES = "attachments.max_files_per_owner"
MAX_IMAGES = "attachments.max_images_per_owner"
MAX_MEGAPIXELS = "attachments.max_image_megapixels"
MAX_EDGE = "attachments.image_max_edge_px"
THUMBNAIL_EDGE = "attachments.thumbnail_edge_px"
JPEG_QUALITY = "attachments.jpeg_quality"

PARAMETERS = [
    # At most 60: a page upload of several files must stay under the proxy's request limit
    # (nginx client_max_body_size 64m, docs/deploy.md) and the API's JSON body under
    # DATA_UPLOAD_MAX_MEMORY_SIZE.
    Parameter(MAX_FILE_MB, 10, _("单个附件大小上限（MB）"), LOCAL, 1, 60),
    Parameter(MAX_FILES, 20, _("每条记录附件数上限"), LOCAL, 1, 200),
    # Residents' demands: nine photos, as the common messaging apps allow.
    Parameter(MAX_IMAGES, 9, _("每条记录图片数上限"), LOCAL, 1, 100),
    # Decoded, an image takes about 4 bytes a pixel: 64 million pixels are 256 MB. A
    # declared size past the limit is refused before any pixel is decoded (bombs).
    Parameter(MAX_MEGAPIXELS, 64, _("图片像素上限（百万像素）"), LOCAL, 1, 200),
    Parameter(MAX_EDGE, 2560, _("图片保存时最长边（像素）"), LOCAL, 640, 8192),
    Parameter(THUMBNAIL_EDGE, 320, _("缩略图最长边（像素）"), LOCAL, 64, 1024),
    Parameter(JPEG_QUALITY, 85, _("图片重新编码质量（JPEG/WebP，1–95）"), LOCAL, 50, 95),
]
