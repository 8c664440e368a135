from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    DISTRICT = 1, _("区")
    STREET = 2, _("街道")
    COMMUNITY = 3, _("社区")
    GRID = 4, _("网格")
    ESTATE = 5, _("小区/院落")
    BUILDING = 6, _("楼栋")
    UNIT = 7, _("单元")


# Digits each level adds to the code. District + street + community + grid = the 15-digit
# grid code of GB/T 30428.1 (6-digit division code + 3 + 3 + 3); below the grid, local codes.
SEGMENT_DIGITS = {
    Level.DISTRICT: 6,
    Level.STREET: 3,
    Level.COMMUNITY: 3,
    Level.GRID: 3,
    Level.ESTATE: 3,
    Level.BUILDING: 3,
    Level.UNIT: 2,
}
HOUSEHOLD_DIGITS = 4

# Which level a node of each level hangs under.
PARENT_LEVEL = {
    Level.STREET: Level.DISTRICT,
    Level.COMMUNITY: Level.STREET,
    Level.GRID: Level.COMMUNITY,
    Level.ESTATE: Level.GRID,
    Level.BUILDING: Level.ESTATE,
    Level.UNIT: Level.BUILDING,
}
# Households hang under a unit, or a building or courtyard without units (平房, 院落).
HOUSEHOLD_PARENT_LEVELS = (Level.ESTATE, Level.BUILDING, Level.UNIT)

LEVEL_BY_LABEL = {str(label): value for value, label in Level.choices}


class HouseholdStatus(models.TextChoices):
    OCCUPIED = "occupied", _("自住")
    RENTED = "rented", _("出租")
    VACANT = "vacant", _("空置")
