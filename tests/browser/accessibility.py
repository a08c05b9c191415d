"""axe-core, injected into a page under test: the accessibility audit of issue 27.

The script is the copy PyPI's `axe-playwright-python` ships (requirements-dev.txt pins it), read
from the installed package, so the audit needs no network. Besides axe's default rules it runs
`label-content-name-mismatch` (an accessible name must contain the visible text), which axe
keeps among its experimental rules.
"""

from functools import cache
from importlib.resources import files

from playwright.sync_api import Page

AUDIT_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}
BLOCKING_IMPACTS = {"serious", "critical"}
# Resolves once the page's DOM has not changed for 300 ms (a list redrawn while axe reads it
# would be reported as labels gone missing).
SETTLED = """() => new Promise((done) => {
    const finish = () => { observer.disconnect(); done(); };
    let timer = setTimeout(finish, 300);
    const observer = new MutationObserver(() => {
        clearTimeout(timer);
        timer = setTimeout(finish, 300);
    });
    const everything = { subtree: true, childList: true, attributes: true, characterData: true };
    observer.observe(document.body, everything);
})"""


@cache
def axe_script() -> str:
    return (files("axe_playwright_python") / "axe.min.js").read_text()


def axe_violations(page: Page) -> list[dict]:
    """Every violation axe finds on the page once it is settled: no request in flight, and no
    change to the DOM for a moment."""
    page.wait_for_load_state("networkidle")
    page.evaluate(SETTLED)
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(axe_script())
    results = page.evaluate("options => axe.run(document, options)", AUDIT_OPTIONS)
    return results["violations"]


def describe(violations: list[dict]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['impact']} {violation['id']}: {violation['help']}")
        lines.extend(
            f"    {node['target']}: {node['failureSummary']}" for node in violation["nodes"]
        )
    return "\n".join(lines)


def assert_no_serious_violations(page: Page, *, also: tuple[str, ...] = ()) -> None:
    """No serious or critical violation (and none of the rules named in `also`, whatever
    their impact)."""
    found = [
        violation
        for violation in axe_violations(page)
        if violation["impact"] in BLOCKING_IMPACTS or violation["id"] in also
    ]
    assert not found, f"axe-core on {page.url}:\n{describe(found)}"
