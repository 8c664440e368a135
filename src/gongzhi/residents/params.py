from django.utils.translation import gettext_lazy as _

from gongzhi.core.params import Parameter

PARAMETERS = [
    Parameter(
        "residents.minor_age",
        14,
        _("未成年人敏感信息年龄（周岁以下）"),
        _("个人信息保护法第二十八条"),
        14,
        18,
    ),
    Parameter(
        "residents.building_linked_members",
        2,
        _("每栋楼联系在职党员人数下限"),
        _("结对联系三必有"),
        1,
        10,
    ),
]
