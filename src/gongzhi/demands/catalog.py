"""The demo and benchmark districts' responsible units and category tree (corpus.LEAVES),
installed through the setup services."""

from dataclasses import dataclass, field

from gongzhi.areas.models import Area

from . import corpus, services
from .choices import UnitKind
from .models import Category, Unit

PROPERTY_COMPANIES = (
    "锦华",
    "和顺",
    "桂溪",
    "芳草",
    "安居",
    "祥和",
    "金盾",
    "蓉城",
    "天府",
    "长城",
)


@dataclass
class Catalog:
    units: dict[str, Unit] = field(default_factory=dict)  # DISTRICT_UNITS key → unit
    categories: dict[str, Category] = field(default_factory=dict)  # leaf name → category
    property_units: dict[str, Unit] = field(default_factory=dict)  # community path → unit
    community_units: dict[str, Unit] = field(default_factory=dict)  # community path → unit

    def unit_for(self, leaf: corpus.Leaf, community_path: str) -> Unit | None:
        """Where the routing rule sends a leaf's demand from this community (None: the
        community handles it itself)."""
        if leaf.unit == corpus.PROPERTY:
            return self.property_units[community_path]
        if leaf.unit == corpus.COMMUNITY:
            return None
        return self.units[leaf.unit]


def install(actor, district: Area, communities, *, handlers=None) -> Catalog:
    """Units (district departments and utilities, one property company and the
    community's own unit per community) and the category tree. ``handlers`` maps a unit
    key (or a community path for its property company) to the accounts that handle it."""
    handlers = handlers or {}
    catalog = Catalog()
    for key, (name, kind) in corpus.DISTRICT_UNITS.items():
        catalog.units[key] = services.create_unit(
            actor=actor, name=name, kind=kind, area=district, handlers=handlers.get(key, ())
        )
    for i, community in enumerate(communities):
        stem = PROPERTY_COMPANIES[i % len(PROPERTY_COMPANIES)]
        suffix = "" if i < len(PROPERTY_COMPANIES) else str(i // len(PROPERTY_COMPANIES) + 1)
        catalog.property_units[community.path] = services.create_unit(
            actor=actor,
            name=f"{stem}物业服务有限公司{suffix}",
            kind=UnitKind.PROPERTY,
            area=community,
            handlers=handlers.get(community.path, ()),
        )
        catalog.community_units[community.path] = services.create_unit(
            actor=actor, name=f"{community.name}居委会", kind=UnitKind.COMMUNITY, area=community
        )
    parents = {}
    for leaf in corpus.LEAVES:
        parent = None
        if leaf.parent != leaf.name:
            if leaf.parent not in parents:
                parents[leaf.parent] = services.create_category(
                    actor=actor,
                    name=leaf.parent,
                    unit=catalog.units.get(corpus.BRANCH_UNITS.get(leaf.parent, "")),
                )
            parent = parents[leaf.parent]
        unit = catalog.units.get(leaf.unit)
        catalog.categories[leaf.name] = services.create_category(
            actor=actor,
            name=leaf.name,
            parent=parent,
            unit=unit,
            urgency=leaf.urgency,
            community_may_close=leaf.community_may_close,
            max_extension_days=leaf.max_extension_days,
        )
    return catalog
