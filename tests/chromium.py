"""Headless Chromium for the browser tests of every suite (Playwright for Python driving the
system's /usr/bin/chromium; never a downloaded browser), axe-core to check pages for
accessibility, and where screenshots go.

Without Playwright, Chromium, or npm to fetch axe-core, the browser tests skip, unless
ROUTEWAYS_REQUIRE_BROWSER=1 (CI sets it), which turns the skip into a failure so a machine
without a browser cannot pass by skipping. Test modules load the fixtures with
`pytest_plugins = ["tests.chromium"]` and import its helpers (hence PYTEST_DONT_REWRITE: the
module is imported before it is a plugin).

axe-core comes from the npm registry (`npm pack axe-core@4`) into ROUTEWAYS_AXE_DIR (by default
~/.cache/routeways/axe-core) the first time it is needed; `.ci/install-axe-core` does the same
ahead of a CI run.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("ROUTEWAYS_CHROMIUM", "/usr/bin/chromium"))
#: Chromium as root on a closed network: no sandbox, and nothing that calls home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
#: The test artefacts folder (ignored by git): ROUTEWAYS_TEST_ARTIFACTS, else test-artifacts/.
ARTIFACTS = Path(
    os.environ.get(
        "ROUTEWAYS_TEST_ARTIFACTS", Path(__file__).resolve().parents[1] / "test-artifacts"
    )
)
AXE_DIR = Path(
    os.environ.get("ROUTEWAYS_AXE_DIR", Path.home() / ".cache" / "routeways" / "axe-core")
)
AXE_PACKAGE = "axe-core@4"


def browser_missing_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright for Python is not installed"
    if not CHROMIUM.exists():
        return f"no Chromium at {CHROMIUM}"
    return None


def skip_or_fail(reason: str) -> None:
    if os.environ.get("ROUTEWAYS_REQUIRE_BROWSER") == "1":
        pytest.fail(f"ROUTEWAYS_REQUIRE_BROWSER=1 but {reason}")
    pytest.skip(f"browser tests need Playwright, Chromium and axe-core: {reason}")


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    reason = browser_missing_reason()
    if reason:
        skip_or_fail(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def fetch_axe(directory: Path = AXE_DIR) -> Path:
    """axe.min.js from the npm registry into `directory` (once); its path."""
    script = directory / "axe.min.js"
    if script.exists():
        return script
    npm = shutil.which("npm")
    if npm is None:
        raise FileNotFoundError("npm is not installed (.ci/install-axe-core installs it)")
    directory.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        subprocess.run(
            [npm, "pack", AXE_PACKAGE, "--pack-destination", scratch, "--silent"],
            check=True, capture_output=True, timeout=300,
        )  # fmt: skip
        [tarball] = Path(scratch).glob("axe-core-*.tgz")
        with tarfile.open(tarball) as archive:
            member = archive.extractfile("package/axe.min.js")
            assert member is not None
            partial = directory / "axe.min.js.partial"
            partial.write_bytes(member.read())
            partial.replace(script)  # never half a file for the next run
    return script


@pytest.fixture(scope="session")
def axe_source() -> str:
    """axe-core's source, to inject into pages."""
    try:
        return fetch_axe().read_text()
    except (OSError, subprocess.SubprocessError) as error:
        skip_or_fail(f"axe-core could not be fetched: {error}")
        raise


def axe_violations(page, source: str) -> list[dict]:
    """Run axe-core (every rule it runs by default: WCAG 2.0-2.2 A and AA, best practices) in
    `page`; the violations, each with its rule, impact and offending elements. The page's
    context must bypass CSP (`bypass_csp=True`): the console allows no inline script."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(content=source)
    return page.evaluate(
        """async () => {
            const result = await axe.run(document, {resultTypes: ['violations']});
            return result.violations.map((v) => ({
                id: v.id, impact: v.impact, help: v.help,
                nodes: v.nodes.map((n) => n.target.join(' ') + ': ' + n.failureSummary),
            }));
        }"""
    )


def screenshot(page, folder: str, name: str) -> Path:
    """A full-page screenshot in the artefacts folder (<folder>/<name>.png)."""
    path = ARTIFACTS / folder / f"{name}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path
