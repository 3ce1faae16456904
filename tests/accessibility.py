"""axe-core in the browser tests: the vendored ``axe.min.js`` served to the page under test from
its own origin, so the production Content-Security-Policy (``script-src 'self'``, no inline
script) stays on while it is audited.

Playwright's ``add_script_tag(path=…)`` would insert the file as an inline ``<script>``, which
that policy refuses; instead every context answers one same-origin address with the vendored
file (``page.route``), and the page loads it like any of its own scripts. ``axe.run`` is then
called through ``page.evaluate``, which the DevTools protocol runs outside the page's policy.
"""

from pathlib import Path

AXE = Path(__file__).parent / "vendor" / "axe-core" / "axe.min.js"
AXE_PATH = "/__tests__/axe-core/axe.min.js"
# WCAG 2.0 and 2.1, levels A and AA: what the product promises.
TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
BLOCKING = ("critical", "serious")

RUN = """async (tags) => {
  const result = await axe.run(document, {runOnly: {type: "tag", values: tags},
                                          resultTypes: ["violations"]});
  return result.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help,
    nodes: v.nodes.map((n) => n.target.join(" ")),
  }));
}"""


def serve_axe(context) -> None:
    """Answer ``AXE_PATH`` with the vendored axe-core in every page of ``context``."""
    body = AXE.read_bytes()
    context.route(
        f"**{AXE_PATH}",
        lambda route: route.fulfill(
            status=200, body=body, content_type="text/javascript; charset=utf-8"
        ),
    )


def audit(page) -> list[dict]:
    """The WCAG A/AA violations axe-core finds on ``page`` as it is now (any impact)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.add_script_tag(url=AXE_PATH)
    return page.evaluate(RUN, TAGS)


def blocking(violations: list[dict]) -> list[dict]:
    return [v for v in violations if v["impact"] in BLOCKING]


def describe(where: str, violations: list[dict]) -> list[str]:
    """One line per violation: the page, the rule, its impact and the first elements."""
    return [
        f"{where}: {v['id']} ({v['impact']}) {v['help']} — {', '.join(v['nodes'][:4])}"
        f"{' …' if len(v['nodes']) > 4 else ''}"
        for v in violations
    ]
