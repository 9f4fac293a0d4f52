"""Screenshots of the HTML report at 1280×800 for the README (docs/img/report_*.png).

Run from the repository root: `.venv/bin/python scripts/report-screenshots.py`
(needs dot, chromium and chromedriver: scripts/ensure-dot.sh, scripts/ensure-chromium.sh).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from selenium import webdriver
from selenium.webdriver.chrome.service import Service

from rnninspect import inspect
from rnninspect.api import gradients as zoo_gradients
from rnninspect.render.report import report_html
from rnninspect.sources import LoadOptions

KERNEL0 = "model/RNN/multi_rnn_cell/cell_0/basic_lstm_cell/kernel"
UNROLLED = ".diagram[data-view=unrolled]"
SCROLL_UNROLLED = (f"const u = document.querySelector('{UNROLLED}'); u.scrollIntoView();"
                   "u.scrollTop = u.scrollHeight;")
# (image, model, select: a variable name or "finding:N", a selector or script to scroll, dark)
SHOTS = [
    ("report_ptb.png", "ptb", KERNEL0, None, False),
    ("report_ptb_diagrams.png", "ptb", KERNEL0, SCROLL_UNROLLED, False),
    ("report_mnist.png", "mnist", "finding:0", "#findings", False),
    ("report_ptb_dark.png", "ptb", KERNEL0, "#sharing", True),
]


def main() -> None:
    out = Path("docs/img")
    pages = {
        "ptb": report_html(inspect("ptb"), grads=zoo_gradients("ptb", LoadOptions())),
        "mnist": report_html(inspect("mnist")),
    }
    options = webdriver.ChromeOptions()
    options.binary_location = str(shutil.which("chromium"))
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(executable_path=shutil.which("chromedriver")),
                              options=options)
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride",
                           {"width": 1280, "height": 800, "deviceScaleFactor": 1, "mobile": False})
    with tempfile.TemporaryDirectory() as tmp:
        for image, model, select, scroll, dark in SHOTS:
            scheme = "dark" if dark else "light"
            driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {
                "features": [{"name": "prefers-color-scheme", "value": scheme}]})
            page = Path(tmp) / f"{model}.html"
            page.write_text(pages[model], encoding="utf-8")
            driver.get(page.as_uri())
            if select.startswith("finding:"):
                driver.execute_script("document.querySelectorAll('li.finding')[arguments[0]]"
                                      ".click()", int(select.split(":")[1]))
            else:
                driver.execute_script(
                    "const d = JSON.parse(document.getElementById('report-data').textContent);"
                    "const k = d.inspection.variables.findIndex(v => v.name === arguments[0]);"
                    "document.querySelector(`#vars tr[data-var='${k}'] td`).click()", select)
            if scroll:
                if scroll.startswith("#"):
                    scroll = f"document.querySelector('{scroll}').scrollIntoView()"
                driver.execute_script(scroll)
            driver.save_screenshot(str(out / image))
            print(out / image)
    driver.quit()


if __name__ == "__main__":
    main()
