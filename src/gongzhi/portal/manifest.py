from gongzhi.core.modules import Manifest

MANIFEST = Manifest(
    label="portal",
    order=95,
    urls="gongzhi.portal.urls",
    prefix="portal/",
    api=(("/portal", "gongzhi.portal.api.router"),),
)
