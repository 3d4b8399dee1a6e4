"""The dashboard in a real browser: ``sim dashboard`` on a free port, a headless Chromium (the
system's, driven by Playwright) moves a lever, runs, saves the scenario, and the numbers on the
page equal those ``sim run`` gives on the saved file with the same seed.

Needs ``/usr/bin/chromium`` (``make test`` installs it where it can, ``.ci/ensure-chromium.sh``)
and the ``dashboard`` and ``test`` extras; without them the test is skipped, saying why.
"""

from __future__ import annotations

import math
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.experiments.reader import load_results

CHROMIUM = "/usr/bin/chromium"
LAUNCH_ARGS = [
    "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--disable-sync",
]  # fmt: skip
SCENARIO = """\
name: small-cut
description: acme cuts margin from 20% to 12% at month 6, at once or over 6 months with notice.
seed: 5
replicates: 4
time: {horizon_months: 18}
market: {opportunities_per_month: 120}
vendors:
  - {name: acme, direct_reps: 8}
  - {name: rival, direct_reps: 8}
partners: {count: 60, vendors_per_partner: 2}
variants:
  abrupt:
    events:
      - {at_month: 6, vendor: acme, set: {program.margin: 0.12}}
  gradual:
    events:
      - {at_month: 6, vendor: acme, set: {program.margin: 0.12}, ramp_months: 6, notice_months: 2}
"""
TIMEOUT_MS = 90_000


def _browser_or_skip() -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no browser: {CHROMIUM} is missing (apt-get install chromium)")
    for module in ("playwright", "solara"):
        try:
            __import__(module)
        except ImportError:
            pytest.skip(f"{module} is not installed (pip install -e '.[test,dashboard]')")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def dashboard(tmp_path: Path):
    """``sim dashboard small.yaml`` running in ``tmp_path``; its address."""
    _browser_or_skip()
    (tmp_path / "small.yaml").write_text(SCENARIO)
    port = _free_port()
    sim = Path(sys.executable).with_name("sim")
    log = (tmp_path / "dashboard.log").open("w")
    command = [
        str(sim),
        "dashboard",
        "small.yaml",
        "--port",
        str(port),
        "--quick",
        "2",
        "--workers",
        "1",
    ]
    server = subprocess.Popen(
        command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT, env={**os.environ}
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert server.poll() is None, (tmp_path / "dashboard.log").read_text()
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.3)
        else:
            pytest.fail("the dashboard did not listen within 60 s")
        yield f"http://127.0.0.1:{port}/", tmp_path
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()


def _exact(metric: str, value: float) -> str:
    """As the page's table writes a number: whole currency units, else four decimals."""
    if isinstance(value, float) and math.isnan(value):
        return ""
    currency = "revenue" in metric
    return f"{value:,.0f}" if currency else f"{value:.4f}"


def test_a_lever_moved_in_the_browser_gives_the_numbers_of_sim_run(dashboard) -> None:
    from playwright.sync_api import expect, sync_playwright

    from workbench.answers import METRICS, build_answer, main_stat

    url, folder = dashboard
    expect.set_options(timeout=TIMEOUT_MS)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.set_default_timeout(TIMEOUT_MS)
        page.goto(url)
        status = page.locator(".run-status")
        expect(status).to_contain_text("done: 4 replicates per variant")

        # abrupt is the variant being edited: give its change 2 months' notice
        notice = page.locator(".v-input", has_text="Announced months before").locator(
            "[role=slider]"
        )
        notice.focus()
        notice.press("ArrowRight")
        notice.press("ArrowRight")
        expect(page.locator(".v-input", has_text="Announced months before: 2")).to_be_visible()
        page.get_by_role("button", name="Run").click()
        card = page.locator(".variant-card", has_text="abrupt")
        expect(card).to_contain_text("at once, 2 months' notice")
        expect(card).to_contain_text("4 paired replicates")
        expect(status).to_contain_text("done: 4 replicates per variant")

        path = page.locator(".v-input", has_text="Scenario file").locator("input")
        path.fill("saved.yaml")
        expect(path).to_have_value("saved.yaml")
        page.get_by_role("button", name="Save as scenario").click()
        expect(page.locator(".save-message")).to_contain_text("sim run saved.yaml")

        page.get_by_text("The numbers in full").click()
        rows = page.locator("table.numbers tbody tr")
        expect(rows.first).to_be_visible()
        shown = [[cell.strip() for cell in row.split("\t")] for row in rows.all_inner_texts()]
        cards = {
            metric: page.locator(".variant-card", has_text="abrupt")
            .locator(f".effect-{metric}")
            .inner_text()
            for metric in METRICS
        }
        page.screenshot(path=str(folder / "page.png"), full_page=True)
        browser.close()

    run = subprocess.run(
        [str(Path(sys.executable).with_name("sim")), "run", "saved.yaml", "--out", "cli",
         "--no-progress", "--workers", "1"],
        cwd=folder, capture_output=True, text=True,
    )  # fmt: skip
    assert run.returncode == 0, run.stderr
    answer = build_answer(load_results(folder / "cli"), [], "acme")
    expected = []
    for metric in METRICS:
        stat = main_stat(metric)
        part = answer.table[(answer.table.metric == metric) & (answer.table.stat == stat)]
        for r in part.itertuples():
            expected.append(
                [
                    r.arm,
                    f"{metric} ({stat})",
                    *(_exact(metric, x) for x in (r.mean, r.diff, r.diff_low, r.diff_high)),
                    str(r.n),
                ]  # fmt: skip
            )
    assert shown == expected
    effects = {e.metric: e.text for m in METRICS for e in answer.effects[m] if e.arm == "abrupt"}
    assert cards == effects
    assert "notice_months: 2.0" in (folder / "saved.yaml").read_text()
