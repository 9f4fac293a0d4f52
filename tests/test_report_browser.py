"""The HTML report in a real browser: Debian's chromium driven headless by Selenium through
the system chromedriver (nothing is downloaded). Skipped with a reason when either is
missing; scripts/ensure-chromium.sh installs them."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from rnninspect.render.blocks import shown_steps
from rnninspect.render.report import report_html

CHROMIUM = next(
    (p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None
)
CHROMEDRIVER = shutil.which("chromedriver")
try:
    import selenium  # noqa: F401

    HAVE_SELENIUM = True
except ImportError:
    HAVE_SELENIUM = False

pytestmark = [
    pytest.mark.browser,
    pytest.mark.dot,
    pytest.mark.skipif(
        CHROMIUM is None or CHROMEDRIVER is None or not HAVE_SELENIUM,
        reason="needs chromium, chromedriver and selenium (run scripts/ensure-chromium.sh "
        "and pip install selenium)",
    ),
]

SMALL = {"hidden": 8, "vocab": 50}
KERNEL0 = "model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"


@pytest.fixture(scope="module")
def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,800",
                "--disable-dev-shm-usage"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    yield driver
    driver.quit()


@pytest.fixture
def open_report(browser, tmp_path: Path):
    def run(ins, **kwargs):
        path = tmp_path / "report.html"
        path.write_text(report_html(ins, **kwargs), encoding="utf-8")
        browser.get(path.as_uri())
        browser.get_log("browser")  # start each page with an empty log
        assert browser.execute_script("return document.body.dataset.ready") == "1"
        return browser

    return run


def highlighted(driver, view: str, what: str) -> list[str]:
    attr = "node" if what == "node" else "edge"
    return driver.execute_script(
        f"return Array.from(document.querySelectorAll('.diagram[data-view={view}] "
        f"g.{what}.hl')).map(e => e.dataset.{attr})"
    )


def click_row(driver, name: str) -> None:
    from selenium.webdriver.common.by import By

    k = driver.execute_script(
        "return JSON.parse(document.getElementById('report-data').textContent)"
        ".inspection.variables.findIndex(v => v.name === arguments[0])", name)
    driver.find_element(By.CSS_SELECTOR, f'#vars tr[data-var="{k}"] td.name').click()


def test_loads_without_console_errors(inspect_cached, open_report):
    driver = open_report(inspect_cached("ptb", **SMALL))
    driver.refresh()
    assert driver.execute_script("return document.body.dataset.ready") == "1"
    errors = [e for e in driver.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    assert errors == []


def test_clicking_the_layer0_kernel_highlights_every_read(inspect_cached, open_report):
    ins = inspect_cached("ptb", num_steps=35, **SMALL)
    v = ins.variable(KERNEL0)
    driver = open_report(ins)
    click_row(driver, KERNEL0)
    steps, elided = shown_steps(35, 3)
    columns = len(steps) + (1 if elided else 0)  # steps 0, 1, 2, "3–33", 34
    edges = highlighted(driver, "unrolled", "edge")
    nodes = highlighted(driver, "unrolled", "node")
    assert len(edges) == columns
    assert len(nodes) == 1 + columns  # the weight and its cell at each drawn column
    assert sum(1 for n in nodes if n.startswith("step_") and n.endswith("_cell0")) == columns
    per_edge = driver.execute_script(
        "const d = JSON.parse(document.getElementById('report-data').textContent);"
        "return d.views.unrolled[arguments[0]].edges.map(e => [e[0] + '>' + e[1], e[3]])",
        KERNEL0)
    counts = dict(per_edge)
    assert sorted(edges) == sorted(counts)
    assert sum(counts[e] for e in edges) == len(v.steps) == 35
    assert len(highlighted(driver, "rolled", "edge")) == 1  # weight → its cell (× T)
    assert len(highlighted(driver, "rolled", "node")) == 2
    strip = driver.execute_script(
        "return Array.from(document.querySelectorAll('.strip-row.sel')).length")
    assert strip == 1
    gates = driver.execute_script(
        "return Array.from(document.querySelectorAll('#detail-body svg.matrix text'))"
        ".map(t => t.textContent)")
    assert [g.gate for g in v.gates or ()] == [t for t in gates if len(t) == 1]
    assert any(t.startswith("input 0–") for t in gates)


def test_clicking_a_diagram_node_selects_the_variable(inspect_cached, open_report):
    from selenium.webdriver.common.by import By

    ins = inspect_cached("mnist")
    driver = open_report(ins)
    k = [v.role.value for v in ins.variables].index("input_to_hidden")  # `hidden` projection
    node = driver.execute_script(
        "const d = JSON.parse(document.getElementById('report-data').textContent);"
        "return d.views.rolled[arguments[0]].node", ins.variables[k].name)
    css = f'.diagram[data-view=rolled] g.node[data-node="{node}"] text'
    driver.find_element(By.CSS_SELECTOR, css).click()
    selected = driver.execute_script("return document.body.dataset.selected")
    assert selected == str(k)
    assert driver.execute_script(
        f"return document.querySelector('#vars tr[data-var=\"{k}\"]').classList.contains('sel')")


def test_filter_slash_and_escape(inspect_cached, open_report):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    ins = inspect_cached("ptb", **SMALL)
    driver = open_report(ins)
    body = driver.find_element(By.TAG_NAME, "body")
    body.send_keys("/")
    assert driver.execute_script("return document.activeElement.id") == "filter"
    driver.switch_to.active_element.send_keys("kernel")
    visible = driver.execute_script(
        "return Array.from(document.querySelectorAll('#vars tbody tr'))"
        ".filter(r => !r.hidden).map(r => r.querySelector('td.name').textContent)")
    assert visible == [v.name for v in ins.variables if "kernel" in v.name]
    assert len(visible) == 2
    driver.switch_to.active_element.send_keys(Keys.ESCAPE)
    shown = driver.execute_script(
        "return Array.from(document.querySelectorAll('#vars tbody tr')).filter(r => !r.hidden)"
        ".length")
    assert shown == len(ins.variables)


def test_sorting_by_params(inspect_cached, open_report):
    from selenium.webdriver.common.by import By

    ins = inspect_cached("ptb", **SMALL)
    driver = open_report(ins)
    th = driver.find_element(By.CSS_SELECTOR, 'th[data-sort="params"]')
    th.click()
    th.click()  # descending
    order = driver.execute_script(
        "return Array.from(document.querySelectorAll('#vars tbody tr'))"
        ".map(r => Number(r.dataset.params))")
    assert order == sorted((v.params for v in ins.variables), reverse=True)


def test_clicking_a_finding_lights_up_its_variables(inspect_cached, open_report):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    ins = inspect_cached("ptb-noreuse", **SMALL)
    finding = next(f for f in ins.findings if f.kind.value == "duplicated_across_steps")
    driver = open_report(ins)
    k = list(ins.findings).index(finding)
    driver.find_elements(By.CSS_SELECTOR, "li.finding")[k].click()
    script = ("return Array.from(document.querySelectorAll('#vars tr.sel'))"
              ".map(r => r.querySelector('td.name').textContent)")
    assert sorted(driver.execute_script(script)) == sorted(finding.variables)
    item = driver.find_elements(By.CSS_SELECTOR, "li.finding")[k]
    item.send_keys(Keys.ESCAPE)
    assert driver.execute_script(script) == []
    item.send_keys(Keys.ENTER)  # the keyboard does what the mouse does
    assert sorted(driver.execute_script(script)) == sorted(finding.variables)


def test_no_network_requests(inspect_cached, open_report):
    driver = open_report(inspect_cached("ptb", **SMALL), against=inspect_cached("mnist"))
    names = driver.execute_script(
        "return performance.getEntriesByType('resource').map(e => e.name)")
    assert [n for n in names if not n.startswith("data:")] == []
    nav = driver.execute_script("return performance.getEntriesByType('navigation')[0].name")
    assert nav.startswith("file://")


def test_interactive_quickly(inspect_cached, open_report):
    """DOMContentLoaded fires after the script has run; a first highlight then takes
    well under the 1 s goal (measured inside the page)."""
    driver = open_report(inspect_cached("ptb", num_steps=35, **SMALL))
    ms = driver.execute_script(
        "const t0 = performance.now();"
        "document.querySelector('#vars tbody tr[data-var=\"1\"] td').click();"
        "const hl = document.querySelectorAll('g.hl').length;"
        "const nav = performance.getEntriesByType('navigation')[0];"
        "return [performance.now() - t0, hl, nav.domContentLoadedEventEnd];")
    assert ms[1] > 0
    assert ms[0] + ms[2] < 1000


def test_a_kernels_gate_block_leads_to_its_heat_map(inspect_cached, open_report):
    """report --probe: selecting a kernel outlines its heat-maps; its gate letters in the
    selection's matrix picture are links to them."""
    from selenium.webdriver.common.by import By

    from rnninspect.probe.run import probe
    from rnninspect.sources import LoadOptions

    ins = inspect_cached("ptb", **SMALL)
    driver = open_report(ins, probe=probe("ptb", LoadOptions(hidden=8, vocab=50)))
    click_row(driver, KERNEL0)
    links = driver.find_elements(By.CSS_SELECTOR, "#detail-body svg.matrix a")
    ids = driver.execute_script(
        "return Array.from(document.querySelectorAll('#detail-body svg.matrix a'))"
        ".map(a => a.getAttribute('href').slice(1))")
    assert ids == [f"map-cell0-{g.gate}" for g in ins.variable(KERNEL0).gates or ()]
    outlined = driver.execute_script(
        "return Array.from(document.querySelectorAll('figure.heatmap.sel')).map(f => f.id)")
    assert outlined == ids
    links[2].click()
    assert driver.execute_script("return document.querySelector(':target').id") == ids[2]
    assert [e for e in driver.get_log("browser") if e["level"] == "SEVERE"] == []
