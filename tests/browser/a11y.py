"""Accessibility checks for browser tests: axe-core plus a few checks of our own.

axe-core comes from the axe-playwright-python dev dependency, which bundles
axe.min.js: nothing is downloaded at test time.
"""

import json
from functools import cache
from pathlib import Path

from playwright.sync_api import Page

# Issue 11 (15): zero axe-core violations of any impact, not only serious and critical.
BLOCKING_IMPACTS = {"minor", "moderate", "serious", "critical"}
# WCAG 2.2 A/AA (which includes 24px tap targets) and Deque's best practices.
AXE_OPTIONS = {
    "runOnly": {
        "type": "tag",
        "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
    },
    "resultTypes": ["violations"],
}


@cache
def axe_source() -> str:
    import axe_playwright_python

    path = Path(axe_playwright_python.__file__).parent / "axe.min.js"
    if not path.is_file():  # pragma: no cover - a broken install
        raise RuntimeError(f"axe.min.js not found at {path}; run `make install`")
    return path.read_text(encoding="utf-8")


# With the page's scripts off (a context made with java_script_enabled=False), code
# evaluated through DevTools still runs, and so do promises, but timers never fire and
# axe.run() waits on setTimeout: run its timer callbacks as microtasks instead. Nothing
# of the page's own runs on such a page, so nothing else sees the change.
TIMERS_AS_MICROTASKS = """() => {
  let last = 0;
  const cancelled = new Set();
  window.setTimeout = (callback, _delay, ...args) => {
    const id = ++last;
    Promise.resolve().then(() => { if (!cancelled.has(id)) callback(...args); });
    return id;
  };
  window.clearTimeout = (id) => cancelled.add(id);
}"""


def axe_violations(page: Page) -> list[dict]:
    """axe-core's violations, of any impact, on the page as it is now."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol, not added as an inline <script>: the
        # site's Content-Security-Policy (rightly) refuses inline scripts.
        page.evaluate(axe_source() + "\n;undefined")
        if not getattr(page.context, "scripts_enabled", True):
            page.evaluate(TIMERS_AS_MICROTASKS)
    results = page.evaluate("(options) => axe.run(document, options)", AXE_OPTIONS)
    return [v for v in results["violations"] if v["impact"] in BLOCKING_IMPACTS]


def describe(violations: list[dict]) -> str:
    lines = []
    for v in violations:
        lines.append(f"[{v['impact']}] {v['id']}: {v['help']} ({v['helpUrl']})")
        for node in v["nodes"][:5]:
            lines.append(f"    {node['target']}: {node['html'][:160]}")
            if node.get("failureSummary"):
                lines.append("      " + node["failureSummary"].replace("\n", "\n      "))
    return "\n".join(lines)


# Our own checks: language, readable base size, heading order, labelled controls.
PAGE_FACTS = """() => {
  const headings = Array.from(document.querySelectorAll("h1, h2, h3, h4, h5, h6"))
    .map((h) => ({level: Number(h.tagName[1]), text: h.textContent.trim()}));
  const unlabelled = Array.from(document.querySelectorAll("input, select, textarea"))
    .filter((el) => el.type !== "hidden")
    .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute("aria-label")
                    && !el.getAttribute("aria-labelledby"))
    .map((el) => el.outerHTML);
  return {
    lang: document.documentElement.getAttribute("lang"),
    bodyFontSize: parseFloat(getComputedStyle(document.body).fontSize),
    scrollWidth: document.documentElement.scrollWidth,
    viewportWidth: window.innerWidth,
    headings,
    unlabelled,
  };
}"""


def heading_problems(headings: list[dict]) -> list[str]:
    problems = []
    if not headings or headings[0]["level"] != 1:
        problems.append(f"the first heading is not an h1: {headings[:1]}")
    if sum(1 for h in headings if h["level"] == 1) != 1:
        problems.append("there is not exactly one h1")
    for before, after in zip(headings, headings[1:], strict=False):
        if after["level"] > before["level"] + 1:
            problems.append(
                f"h{before['level']} {before['text']!r} is followed by "
                f"h{after['level']} {after['text']!r}"
            )
    return problems


def assert_accessible(page: Page, name: str) -> None:
    """axe-core (every impact), lang="vi", body >= 16px, heading order, labels, no
    sideways scrolling. (The page's screenshot is taken by the conftest's `screenshots`.)"""
    page.wait_for_load_state("load")
    facts = page.evaluate(PAGE_FACTS)
    problems = []
    if facts["lang"] != "vi":
        problems.append(f'<html lang="{facts["lang"]}">, expected "vi"')
    if facts["bodyFontSize"] < 16:
        problems.append(f"body font-size is {facts['bodyFontSize']}px, below 16px")
    if facts["scrollWidth"] > facts["viewportWidth"]:
        problems.append(f"page is {facts['scrollWidth']}px wide at {facts['viewportWidth']}px")
    problems += heading_problems(facts["headings"])
    problems += [f"unlabelled control: {html}" for html in facts["unlabelled"]]

    violations = axe_violations(page)
    if violations:
        problems.append("axe-core:\n" + describe(violations))
    assert not problems, (
        f"{name} ({page.url}):\n"
        + "\n".join(problems)
        + "\n"
        + json.dumps(facts["headings"], ensure_ascii=False)
    )
