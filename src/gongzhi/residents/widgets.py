"""The household picker: a household chosen by typing, wherever one is picked in a form."""

from typing import Any

from django.utils.translation import gettext

from gongzhi.areas.widgets import AreaPicker


class HouseholdPicker(AreaPicker):
    """A household found by its address, door number, code, estate or a member's name
    (``residents.selectors.households_matching``) with the area picker's type-ahead,
    asking ``residents:pick_households`` (scoped to the user; ``within`` an area's pk
    narrows it). Without script a select of the chosen household only, past a handful."""

    endpoint = "residents:pick_households"

    def __init__(self, *, within: int | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.within = within

    def query(self) -> dict[str, str]:
        return {"within": str(self.within)} if self.within else {}

    def texts(self) -> dict[str, str]:
        return {
            "data-placeholder": gettext("输入门牌、地址、住户编码或家庭成员姓名查找"),
            "data-empty": gettext("没有找到管辖范围内的住户"),
            "data-failed": gettext("查找住户失败，请稍后重试"),
        }
