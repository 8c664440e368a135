"""组织生活 (M6): 三会一课, theme party days, organizational-life meetings, democratic
evaluation of members, study hours and talks."""

from gongzhi.core.modules import Manifest

MANIFEST = Manifest(
    label="orglife",
    order=65,
    urls="gongzhi.orglife.urls",
    prefix="orglife/",
    api=(("/orglife", "gongzhi.orglife.api.router"),),
    audit_labels={},
    demo="gongzhi.orglife.demo",
)
