"""The user guide (docs/guide/) never drifts from the product: every image it links exists,
and every screenshot the role journeys take (tests/test_journeys.py) is shown in it."""

import re

from tests.test_journeys import GUIDE, SHOTS

LINK = re.compile(r"!?\[[^\]]*\]\(([^)\s]+)\)")


def guide_links() -> dict[str, set[str]]:
    """{page name: every relative link target on it}."""
    return {
        page.name: {t for t in LINK.findall(page.read_text()) if "://" not in t}
        for page in sorted(GUIDE.glob("*.md"))
    }


def test_every_link_of_the_guide_resolves():
    missing = [
        f"{name}: {target}"
        for name, targets in guide_links().items()
        for target in targets
        if not (GUIDE / target.split("#")[0]).resolve().exists()
    ]
    assert missing == []


def test_every_journey_screenshot_is_in_the_guide_and_no_other():
    shown = {t for targets in guide_links().values() for t in targets if t.startswith("img/")}
    taken = {f"img/{role}-{step}.png" for role, steps in SHOTS.items() for step in steps}
    assert taken - shown == set(), "screenshots the guide does not show"
    assert shown - taken == set(), "images no journey takes (they would go stale)"
    assert {p.name for p in (GUIDE / "img").glob("*.png")} == {t[4:] for t in taken}


def test_every_role_page_is_in_the_index():
    index = guide_links()["index.md"]
    assert {f"{role}.md" for role in SHOTS} <= index
