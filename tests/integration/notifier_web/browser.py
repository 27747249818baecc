"""Headless Chromium for the notifier's page and email tests (the shared `tests.chromium`
fixture: Playwright driving the system's /usr/bin/chromium, never a downloaded browser), and
where their screenshots go.

Without Playwright or Chromium the browser tests skip, unless ROUTEWAYS_REQUIRE_BROWSER=1 (set it
in CI), which turns the skip into a failure so a machine without a browser cannot pass by
skipping. Test modules load the fixtures with
`pytest_plugins = ["tests.integration.notifier_web.browser"]` and import its helpers (which is
why pytest is told PYTEST_DONT_REWRITE: the module is imported before it is a plugin).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.chromium import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, browser, browser_missing_reason

__all__ = ["CHROMIUM", "CHROMIUM_ARGS", "browser", "browser_missing_reason"]

#: The lowest contrast ratio text may have (WCAG 2.2 AA for normal text).
MIN_CONTRAST = 4.5

#: For every element holding text: its colour, the first opaque background behind it, and the
#: ratio of their luminances (WCAG's formula), worst first.
CONTRAST_JS = """
() => {
  const rgb = (s) => (s.match(/[\\d.]+/g) || []).map(Number);
  const lum = ([r, g, b]) => {
    const c = [r, g, b].map((v) => {
      v /= 255;
      return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = rgb(getComputedStyle(e).backgroundColor);
      if (c.length === 3 || (c.length === 4 && c[3] === 1)) return c.slice(0, 3);
    }
    return [255, 255, 255];
  };
  const rows = [];
  for (const el of document.body.querySelectorAll("*")) {
    const own = [...el.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length) continue;
    const fg = lum(rgb(getComputedStyle(el).color).slice(0, 3));
    const bg = lum(background(el));
    const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    rows.push({ text: el.textContent.trim().slice(0, 60), ratio });
  }
  return rows.sort((a, b) => a.ratio - b.ratio);
}
"""


@pytest.fixture
def page_offline(browser) -> Iterator[tuple[object, list[str]]]:
    """A page that may fetch nothing (every request is refused and noted): (page, requests)."""
    context = browser.new_context(viewport={"width": 800, "height": 900})
    page = context.new_page()
    asked: list[str] = []

    def refuse(route):
        asked.append(route.request.url)
        route.abort()

    page.route("**/*", refuse)
    yield page, asked
    context.close()


def screenshot(page, name: str) -> Path:
    """A full-page screenshot in the artefacts folder (notifier/<name>.png)."""
    path = ARTIFACTS / "notifier" / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
