"""The audit every browser journey runs on each page: axe-core (WCAG 2.1 AA), CSP violations, page weight.

Usage in a journey test::

    audit, context, page = open_audited(chromium_browser, hub_server)
    page.goto("/..."); audit.check(page, "name")
    ...
    assert_clean(audit, context)
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlparse

from playwright.sync_api import Browser, BrowserContext, Page

if TYPE_CHECKING:
    from conftest import HubServer

REPO_ROOT = Path(__file__).resolve().parents[2]
AXE_PATH = REPO_ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
MAX_DOCUMENT_BYTES = 100 * 1024
MAX_HUB_SCRIPT_BYTES = 100 * 1024
PASSWORD = "une phrase de passe assez longue"

# Records every CSP violation the page reports, so the audit also proves the pages work under their own policy.
CSP_LISTENER = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (event) => {
  window.__cspViolations.push(
    `${event.effectiveDirective} blocked ${event.blockedURI || 'inline'} at line ${event.lineNumber}: ${event.sample}`
  );
});
"""
AXE_RUN = """async (tags) => {
  const results = await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']});
  return results.violations.map((v) => ({
    id: v.id, impact: v.impact, help: v.help, count: v.nodes.length,
    targets: v.nodes.slice(0, 3).map((node) => node.target.join(' ')),
  }));
}"""
NAVIGATION_SIZES = """() => {
  const entry = performance.getEntriesByType('navigation')[0];
  return {status: entry.responseStatus, decoded: entry.decodedBodySize, transferred: entry.transferSize};
}"""


@dataclass
class Audit:
    """What the journey saw on each page: axe violations, CSP violations, weights."""

    axe_source: str
    violations: list[str] = field(default_factory=list)
    csp_violations: list[str] = field(default_factory=list)
    weights: list[str] = field(default_factory=list)
    heavy_pages: list[str] = field(default_factory=list)
    hub_assets: dict[str, str] = field(default_factory=dict)  # URL -> resource type, for /static/hub/

    def check(self, page: Page, name: str, status: int = 200) -> None:
        """Audit the page now shown: its HTTP status, accessibility (axe-core, WCAG 2.1 AA), CSP, weight."""
        page.wait_for_load_state("load")
        sizes: dict[str, Any] = page.evaluate(NAVIGATION_SIZES)
        assert sizes["status"] == status, f"{name}: HTTP {sizes['status']} on {page.url}, expected {status}"
        # add_script_tag(content=...) would insert an inline <script>, which the hub's CSP (script-src 'self')
        # blocks. evaluate() runs axe through the DevTools protocol, which the CSP does not govern, so no
        # bypass_csp is needed and axe audits the page exactly as users get it, CSP included.
        if not page.evaluate("typeof window.axe !== 'undefined'"):
            page.evaluate(self.axe_source)
        for violation in page.evaluate(AXE_RUN, WCAG_21_AA_TAGS):
            self.violations.append(
                f"{name} ({urlparse(page.url).path}): {violation['id']} [{violation['impact']}] "
                f"{violation['help']} — {violation['count']} node(s), e.g. {violation['targets']}"
            )
        self.csp_violations += [f"{name}: {text}" for text in page.evaluate("window.__cspViolations || []")]
        line = f"{name}: {sizes['decoded'] / 1024:.1f} KB HTML ({sizes['transferred'] / 1024:.1f} KB over the wire)"
        self.weights.append(line)
        if sizes["decoded"] > MAX_DOCUMENT_BYTES:
            self.heavy_pages.append(line)


def watch_hub_scripts(page: Page, audit: Audit) -> None:
    def record(response: Any) -> None:
        if urlparse(response.url).path.startswith("/static/hub/"):
            audit.hub_assets[response.url] = response.request.resource_type

    page.on("response", record)


def open_audited(browser: Browser, server: HubServer) -> tuple[Audit, BrowserContext, Page]:
    """A French browser context on the served hub, listening for CSP violations, and its audit."""
    audit = Audit(axe_source=AXE_PATH.read_text(encoding="utf-8"))
    context = browser.new_context(base_url=server.base_url, locale="fr-FR")
    context.set_default_timeout(15_000)
    context.add_init_script(CSP_LISTENER)
    page = context.new_page()
    watch_hub_scripts(page, audit)
    return audit, context, page


@contextmanager
def audited_journey(browser: Browser, server: HubServer) -> Iterator[tuple[Audit, Page]]:
    """Open an audited French context (see `open_audited`) for a journey; on failure, add the hub's last log lines
    to the error; at the end, fail with every problem the audit found (`assert_clean`)."""
    audit, context, page = open_audited(browser, server)
    try:
        yield audit, page
    except Exception as error:
        error.add_note(f"--- the hub's last log lines ---\n{server.log_tail()}")
        raise
    assert_clean(audit, context)


def problems_of(audit: Audit, context: BrowserContext) -> list[str]:
    """Everything the audit found (closes the context): axe and CSP violations, heavy pages and scripts."""
    asset_bytes = {url: len(context.request.get(url).body()) for url in sorted(audit.hub_assets)}
    script_bytes = {url: size for url, size in asset_bytes.items() if audit.hub_assets[url] == "script"}
    context.close()

    print("\n".join(["Page weights:", *audit.weights, f"/static/hub/ files (bytes): {asset_bytes or 'none'}"]))
    problems = [
        *(f"axe: {line}" for line in audit.violations),
        *(f"CSP: {line}" for line in audit.csp_violations),
        *(f"over 100 KB: {line}" for line in audit.heavy_pages),
    ]
    if sum(script_bytes.values()) > MAX_HUB_SCRIPT_BYTES:
        problems.append(f"hub scripts weigh {sum(script_bytes.values())} bytes in total: {script_bytes}")
    return problems


def assert_clean(audit: Audit, context: BrowserContext) -> None:
    """Fail with every problem the audit found on the journey's pages."""
    problems = problems_of(audit, context)
    assert not problems, "\n".join(problems)
