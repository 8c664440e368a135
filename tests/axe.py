"""Accessibility checks with axe-core inside a Playwright page.

``tests/vendor/axe.min.js`` is axe-core 4.14.1 from npm (``npm pack axe-core``; Deque
Systems, MPL-2.0: its licence header is kept at the top of the file; sha256
29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c). It is a test tool
only, never served: the script is evaluated through DevTools, to which the page's CSP
does not apply, and nothing is fetched from the network.
"""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
# WCAG 2.1 A and AA (the "WCAG 2.1 AA basics") plus axe's best practices.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
GRAVE = ("serious", "critical")


def violations(page, impacts: tuple[str, ...] = GRAVE) -> list[str]:
    """The page's axe violations of those ``impacts``, one line each (rule, impact, the
    first offending elements): an empty list is a pass."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text())
    found = page.evaluate(
        "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})"
        ".then(r => r.violations.map(v => ({id: v.id, impact: v.impact,"
        " nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))})))",
        TAGS,
    )
    return [
        f"{v['id']} ({v['impact']}): {', '.join(v['nodes'])}"
        for v in found
        if v["impact"] in impacts
    ]
