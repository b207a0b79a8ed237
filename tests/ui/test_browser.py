"""The web UI in a real browser (headless Chromium through selenium), driven by clicks as a person
would: home → an experiment → filter (and a filter error) → sort → a run → its chart → three runs
compared → a model → its timeline → the live gap → a weekly report. Every page is screenshotted at
1280 and 390 px into .build/ui-screenshots/ and checked with axe-core (no serious or critical
violations). Uploaded HTML and SVG artifacts with script must never run, in the UI or at the
download URL.

Data: the breast-cancer example (QUICK=1), plus runs logged through the MLflow REST API (a hostile
run name, a long metric, a running run) and the hostile artifacts.

TRACKER_REQUIRE_BROWSER=1 turns a missing chromium/chromedriver into a failure instead of a skip.
"""
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.parse
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
TRACKER = os.environ.get("TRACKER_BIN") or os.path.join(ROOT, ".build", "debug", "tracker")
SHOTS = os.path.join(ROOT, ".build", "ui-screenshots")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
DRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
HOSTILE = "<script>window.__pwned=1;alert(1)</script>"
EVIL_HTML = "<html><body><h1>evil</h1><script>window.__pwned=1;alert('html')</script></body></html>"
EVIL_SVG = '<svg xmlns="http://www.w3.org/2000/svg" onload="window.__pwned=1"><script>window.__pwned=1;alert("svg")</script><circle r="5"/></svg>'


def require_browser():
    missing = [p for p in (CHROMIUM, DRIVER) if not os.path.exists(p)]
    if missing:
        msg = "browser tests need chromium and chromedriver (apt-get install chromium chromium-driver); missing: " + ", ".join(missing)
        if os.environ.get("TRACKER_REQUIRE_BROWSER") == "1":
            pytest.fail(msg)
        pytest.skip(msg)


def api(url, method, path, body=None, raw=None):
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    req = urllib.request.Request(url + path, data=data, method=method, headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        text = r.read()
        return json.loads(text) if text and r.headers.get("Content-Type", "").startswith("application/json") else text


def add_runs(url):
    """Runs through the MLflow REST API: a hostile name, a 5,000-step metric, one still running; artifacts with script."""
    exp = api(url, "GET", "/api/2.0/mlflow/experiments/get-by-name?experiment_name=tumor")["experiment"]["experiment_id"]
    ids = {}
    for name, steps, finish in [(HOSTILE, 50, True), ("long-curve", 5000, True), ("still-running", 200, False)]:
        run = api(url, "POST", "/api/2.0/mlflow/runs/create", {"experiment_id": exp, "run_name": name, "start_time": int(time.time() * 1000)})
        rid = run["run"]["info"]["run_id"]
        ids[name] = rid
        api(url, "POST", "/api/2.0/mlflow/runs/log-batch", {"run_id": rid, "params": [{"key": "family", "value": "probe"}, {"key": "note", "value": HOSTILE}]})
        for start in range(0, steps, 1000):
            metrics = [{"key": "loss", "value": 1.0 / (1 + s) + (0.5 if s == steps // 2 else 0), "timestamp": 1, "step": s} for s in range(start, min(steps, start + 1000))]
            api(url, "POST", "/api/2.0/mlflow/runs/log-batch", {"run_id": rid, "metrics": metrics})
        if finish:
            api(url, "POST", "/api/2.0/mlflow/runs/update", {"run_id": rid, "status": "FINISHED", "end_time": int(time.time() * 1000)})
    base = f"/api/2.0/mlflow-artifacts/artifacts/{exp}/{ids['long-curve']}/artifacts"
    api(url, "PUT", base + "/evil.html", raw=EVIL_HTML.encode())
    api(url, "PUT", base + "/evil.svg", raw=EVIL_SVG.encode())
    api(url, "PUT", base + "/notes.txt", raw=b"plain text <b>not bold</b>\n")
    return exp, ids


@pytest.fixture(scope="module")
def site():
    require_browser()
    with tempfile.TemporaryDirectory() as work:
        env = dict(os.environ, TRACKER=TRACKER, QUICK="1", PYTHON=os.path.join(ROOT, ".venv", "bin", "python"))
        env.pop("TRACKER_DB", None)
        r = subprocess.run([os.path.join(ROOT, "examples", "breast-cancer", "pipeline.sh"), work], env=env, capture_output=True, text=True, timeout=900)
        assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
        db = os.path.join(work, "tracker.db")
        proc = subprocess.Popen([TRACKER, "serve", "--db", db, "--port", "0", "--log-level", "warning"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        line = proc.stdout.readline()
        assert "listening on" in line, line + proc.stderr.read()
        url = line.split("listening on ")[1].split(" ")[0].rstrip("/")
        exp, ids = add_runs(url)
        try:
            yield {"url": url, "exp": exp, "ids": ids, "work": work}
        finally:
            proc.terminate()
            proc.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(site):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    o = webdriver.ChromeOptions()
    o.binary_location = CHROMIUM
    for a in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--disable-gpu"]:
        o.add_argument(a)
    o.add_experimental_option("prefs", {"download.default_directory": os.path.join(site["work"], "downloads"), "download.prompt_for_download": False})
    o.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    d = webdriver.Chrome(service=Service(DRIVER), options=o)
    d.set_page_load_timeout(30)
    yield d
    d.quit()


class Pages:
    """Screenshots and accessibility checks of each page as the walk reaches it."""

    def __init__(self, driver):
        self.d = driver
        self.seen = []
        os.makedirs(SHOTS, exist_ok=True)

    def check(self, name):
        from axe_selenium_python import Axe

        self.assert_no_script_ran()
        assert len(self.d.page_source.encode()) < 150_000, name + " is over 150 KB"
        for width in (1280, 390):
            metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 500}
            self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            height = self.d.execute_script("return Math.max(document.body.scrollHeight, document.documentElement.scrollHeight)")
            self.d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", dict(metrics, height=min(max(height, 600), 16000)))
            self.d.save_screenshot(os.path.join(SHOTS, f"{name}-{width}.png"))
            overflow = self.d.execute_script("return document.documentElement.scrollWidth - document.documentElement.clientWidth")
            assert overflow <= 1, f"{name} scrolls sideways at {width}px ({overflow}px)"
        self.d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
        axe = Axe(self.d)
        axe.inject()
        result = axe.run()
        bad = [v for v in result["violations"] if v["impact"] in ("serious", "critical")]
        assert not bad, name + ": " + "; ".join(f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}" for v in bad)
        self.seen.append(name)

    def assert_no_script_ran(self):
        from selenium.common.exceptions import NoAlertPresentException

        try:
            text = self.d.switch_to.alert.text
            raise AssertionError("a script ran and opened an alert: " + text)
        except NoAlertPresentException:
            pass
        assert self.d.execute_script("return window.__pwned === undefined"), "injected script ran"


def wait_url(d, fragment):
    from selenium.webdriver.support.ui import WebDriverWait

    # The URL changes when the navigation commits, before the new page is parsed: wait for both,
    # or the next find_elements can see an empty document (seen once in CI).
    WebDriverWait(d, 10).until(
        lambda drv: fragment in drv.current_url and drv.execute_script("return document.readyState") == "complete"
    )


def click_link(d, text):
    from selenium.webdriver.common.by import By

    d.find_element(By.LINK_TEXT, text).click()


def test_walk_through_the_ui(site, browser):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    d = browser
    p = Pages(d)
    d.get(site["url"] + "/")
    assert "Production" in d.find_element(By.TAG_NAME, "h1").text
    # Production first: the model live in production with its verdict badges.
    card = d.find_element(By.CSS_SELECTOR, "section.card")
    assert "tumor" in card.text and card.find_elements(By.CSS_SELECTOR, ".badge")
    p.check("home")

    click_link(d, "tumor")  # the experiment (the first "tumor" link in the experiments table)
    if "/models/" in d.current_url:
        d.back()
        d.find_element(By.CSS_SELECTOR, "table.cards a[href^='/experiments/']").click()
    assert "/experiments/" in d.current_url
    rows = d.find_elements(By.CSS_SELECTOR, "table.runs tbody tr")
    assert len(rows) >= 7
    # The hostile run name is text, not markup.
    assert HOSTILE in d.find_element(By.CSS_SELECTOR, "table.runs").text
    p.check("runs")

    box = d.find_element(By.NAME, "filter")
    box.send_keys("metrics.roc_auc >> 0.5", Keys.ENTER)
    wait_url(d, "filter=")  # Enter submits the form: a new page, which CI once read too early
    err = d.find_element(By.ID, "filter-error")
    assert "filter syntax error" in err.text
    p.check("runs-filter-error")
    box = d.find_element(By.NAME, "filter")
    box.clear()
    box.send_keys("metrics.roc_auc > 0.5", Keys.ENTER)
    wait_url(d, "0.5")
    assert "filter=metrics.roc_auc" in d.current_url
    names = [r.text for r in d.find_elements(By.CSS_SELECTOR, "table.runs tbody tr td:nth-child(3)")]
    assert names and HOSTILE not in names  # probe runs have no roc_auc

    # Pick the roc_auc column (the choice goes into the URL), then sort on it.
    d.find_element(By.CSS_SELECTOR, "details.columns summary").click()
    d.find_element(By.CSS_SELECTOR, "input[value='metric:roc_auc']").click()
    d.find_element(By.XPATH, "//button[text()='Show these columns']").click()
    wait_url(d, "col=")
    assert "col=metric%3Aroc_auc" in d.current_url and "filter=metrics.roc_auc" in d.current_url
    d.find_element(By.PARTIAL_LINK_TEXT, "roc_auc").click()
    wait_url(d, "order=")
    assert "order=metrics.roc_auc" in d.current_url and "filter=metrics.roc_auc" in d.current_url
    d.find_element(By.PARTIAL_LINK_TEXT, "roc_auc").click()  # descending
    wait_url(d, "DESC")
    values = [float(td.text) for td in d.find_elements(By.CSS_SELECTOR, "table.runs tbody td[data-label='roc_auc']") if td.text != "–"]
    assert values == sorted(values, reverse=True) and len(values) >= 3
    p.check("runs-sorted")

    best = d.find_element(By.CSS_SELECTOR, "table.runs tbody tr td:nth-child(3) a")
    best.click()
    assert "/runs/" in d.current_url
    charts = d.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    assert charts and charts[0].size["height"] > 50
    assert d.find_element(By.ID, "metrics").text
    # Single-value metrics are in the table only; every chart has at least two points.
    single = [tr.get_attribute("data-metric") for tr in d.find_elements(By.CSS_SELECTOR, "#metrics tr[data-metric]") if tr.find_element(By.CSS_SELECTOR, "td[data-field='count']").get_attribute("textContent") == "1"]
    assert single and not [m for m in single if d.find_elements(By.CSS_SELECTOR, f"figure[data-chart='{m}']")]
    p.check("run")

    d.back()
    d.back()
    d.back()  # the unfiltered table again
    d.get(site["url"] + f"/experiments/{site['exp']}")
    for box in d.find_elements(By.CSS_SELECTOR, "table.runs input[type=checkbox]")[:3]:
        box.click()
    d.find_element(By.XPATH, "//button[text()='Compare selected']").click()
    wait_url(d, "/compare")
    assert "/compare?" in d.current_url and d.current_url.count("run=") == 3
    assert "Compare 3 runs" in d.find_element(By.TAG_NAME, "h1").text
    assert d.find_elements(By.CSS_SELECTOR, "tr.diff")
    assert d.find_elements(By.CSS_SELECTOR, "figure.chart svg polyline, figure.chart svg circle")
    p.check("compare")
    assert_nothing_clipped(d, "compare", ".scroll, table")

    # One run is not enough: a specific heading and a link back to the runs table.
    d.get(site["url"] + "/compare?run=" + site["ids"]["long-curve"])
    assert d.find_element(By.TAG_NAME, "h1").text == "Pick 2 to 20 runs to compare"
    d.find_element(By.LINK_TEXT, "Back to the runs table").click()
    wait_url(d, f"/experiments/{site['exp']}")
    d.get(site["url"] + "/reports?week=2026-W99")
    assert d.find_element(By.TAG_NAME, "h1").text == "No such week"
    p.check("error-week")
    d.back()
    d.back()

    click_link(d, "Models")
    p.check("models")
    click_link(d, "tumor")
    assert "/models/tumor" in d.current_url
    timeline = d.find_elements(By.CSS_SELECTOR, "ol.timeline li")
    assert len(timeline) >= 4 and d.find_elements(By.CSS_SELECTOR, "ol.timeline li.rollback")
    assert "tracker promote tumor" in d.find_element(By.ID, "promote-cmd").text
    gates = " ".join(li.text for li in d.find_elements(By.CSS_SELECTOR, "ul.gates li"))
    assert gates and not re.search(r"\d\.\d{5,}", gates), gates  # 4 significant digits, like the CLI
    assert not d.find_elements(By.CSS_SELECTOR, "form[action*='promote']")
    p.check("model")

    click_link(d, "Live gap in production")
    assert "/gap?" in d.current_url
    assert d.find_elements(By.CSS_SELECTOR, "table.gap tbody tr")
    assert d.find_elements(By.CSS_SELECTOR, "table.gap .badge")
    assert "from the name" in d.find_element(By.CSS_SELECTOR, "table.gap td[data-field='direction']").text
    assert d.find_element(By.CSS_SELECTOR, "table.gap td[data-field='method']").text
    assert_card_order(d, "table.gap tbody tr", ["metric", "verdict", "live"])
    assert d.find_elements(By.CSS_SELECTOR, "figure.chart svg")
    p.check("gap")

    click_link(d, "Weekly report")
    assert "/reports" in d.current_url
    assert "Production vs offline" in d.find_element(By.CSS_SELECTOR, ".report h1").text
    p.check("report")

    # The long curve: the run page stays small although the metric has 5,000 steps.
    d.get(site["url"] + "/runs/" + site["ids"]["long-curve"])
    assert len(d.page_source.encode()) < 300_000
    p.check("run-long")
    d.get(site["url"] + "/runs/" + site["ids"][HOSTILE])
    assert HOSTILE in d.find_element(By.TAG_NAME, "h1").text
    p.check("run-hostile")
    # A running run polls its JSON.
    d.get(site["url"] + "/runs/" + site["ids"]["still-running"])
    assert d.find_element(By.TAG_NAME, "body").get_attribute("data-live").endswith("/live.json")
    p.check("run-running")
    assert len(p.seen) == 14


def assert_nothing_clipped(d, name, selector):
    """At 390 px no element matching `selector` hides content in a scroll box."""
    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 900, "deviceScaleFactor": 1, "mobile": True})
    try:
        clipped = d.execute_script(
            "return Array.from(document.querySelectorAll(arguments[0])).filter(function (e) { return e.scrollWidth > e.clientWidth + 1; })"
            ".map(function (e) { return e.tagName + '.' + e.className + ' ' + e.scrollWidth + '>' + e.clientWidth; })", selector)
        assert not clipped, f"{name} clips content at 390px: {clipped}"
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def assert_card_order(d, selector, fields):
    """At 390 px the first cells shown in each card are `fields` (by data-label), top to bottom."""
    from selenium.webdriver.common.by import By

    d.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {"width": 390, "height": 900, "deviceScaleFactor": 1, "mobile": True})
    try:
        row = d.find_element(By.CSS_SELECTOR, selector)
        cells = sorted(row.find_elements(By.CSS_SELECTOR, "td"), key=lambda td: td.rect["y"])
        assert [td.get_attribute("data-label") for td in cells[: len(fields)]] == fields
    finally:
        d.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_sort_key_column_favicon_and_console(site, browser):
    """Sorting on a metric shows its column; /favicon.ico exists, so pages log no console errors."""
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site["url"] + f"/experiments/{site['exp']}?order=metrics.roc_auc%20DESC")
    assert d.find_elements(By.CSS_SELECTOR, "table.runs tbody td[data-label='roc_auc']")
    with urllib.request.urlopen(site["url"] + "/favicon.ico") as r:
        assert r.status == 200 and r.headers["Content-Type"] == "image/svg+xml"
    d.get_log("browser")  # drain
    for path in ["/", "/models/tumor", "/gap"]:
        d.get(site["url"] + path)
        assert d.find_element(By.CSS_SELECTOR, "link[rel=icon]")
    errors = [e for e in d.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_uploaded_html_and_svg_never_run(site, browser):
    from selenium.webdriver.common.by import By

    d = browser
    p = Pages(d)
    rid = site["ids"]["long-curve"]
    for name in ["evil.html", "evil.svg"]:
        d.get(site["url"] + f"/runs/{rid}/artifact?path={name}")
        assert "window.__pwned=1" in d.find_element(By.CSS_SELECTOR, "pre.preview").text  # shown as text
        p.assert_no_script_ran()
        p.check("artifact-" + name.replace(".", "-"))
        for url in [f"/runs/{rid}/raw?path={name}", f"/runs/{rid}/raw?path={name}&inline=1", f"/api/2.0/mlflow-artifacts/artifacts/{site['exp']}/{rid}/artifacts/{name}"]:
            d.get(site["url"] + url)
            time.sleep(0.3)
            p.assert_no_script_ran()
            # A download leaves the UI page in place; the uploaded document never became the page.
            state = d.execute_script("return [document.documentElement.tagName, !!document.querySelector('header.top'), Array.from(document.querySelectorAll('h1')).map(function (e) { return e.textContent; })]")
            assert state[0] == "HTML" and state[1] and "evil" not in state[2], (url, state)
    # The downloads were saved as files, not rendered.
    downloads = os.path.join(site["work"], "downloads")
    for _ in range(30):
        if os.path.isdir(downloads) and len([f for f in os.listdir(downloads) if not f.endswith(".crdownload")]) >= 2:
            break
        time.sleep(0.2)
    assert os.path.isdir(downloads) and os.listdir(downloads)


def test_hovering_a_chart_point_shows_its_value(site, browser):
    """The chart renderer writes each point's x and value; the UI script shows them on hover."""
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.actions.action_builder import ActionBuilder
    from selenium.webdriver.common.by import By

    d = browser
    d.get(site["url"] + "/runs/" + site["ids"]["long-curve"])
    line = d.find_element(By.CSS_SELECTOR, 'figure[data-chart="loss"] svg polyline[data-x]')
    d.execute_script("arguments[0].scrollIntoView({block: 'center'})", line)
    xs, ys = line.get_attribute("data-x").split("|"), line.get_attribute("data-y").split("|")
    points = line.get_attribute("points").split(" ")
    assert len(xs) == len(ys) == len(points) > 10
    i = len(points) // 3
    # The point's position in the viewport, from the SVG's own coordinate transform.
    at = d.execute_script(
        "var l = arguments[0], c = arguments[1].split(','), m = l.ownerSVGElement.getScreenCTM();"
        "var p = new DOMPoint(+c[0], +c[1]).matrixTransform(m); return [p.x, p.y];", line, points[i])
    pointer = ActionBuilder(d)
    pointer.pointer_action.move_to_location(round(at[0]), round(at[1]))
    pointer.perform()
    tip = d.find_element(By.CSS_SELECTOR, ".chart-tip")
    assert tip.is_displayed()
    # The pointer sits on whole pixels and a long curve has several points per pixel: the tip names
    # one of the points within a pixel of the pointer, with its exact x and value.
    near = d.execute_script(
        "var l = arguments[0], m = l.ownerSVGElement.getScreenCTM(), x = arguments[1];"
        "return l.getAttribute('points').split(' ').map(function (c, j) { c = c.split(',');"
        "  return [j, new DOMPoint(+c[0], +c[1]).matrixTransform(m).x]; })"
        ".filter(function (p) { return Math.abs(p[1] - x) <= 1.5; }).map(function (p) { return p[0]; });", line, round(at[0]))
    assert i in near
    assert tip.text in [f"loss · {xs[j]}: {ys[j]}" for j in near], (tip.text, [(xs[j], ys[j]) for j in near])
    # Away from the chart the value goes away.
    ActionChains(d).move_to_element(d.find_element(By.TAG_NAME, "h1")).perform()
    assert not tip.is_displayed()


def test_no_csp_violations_and_no_external_requests(site, browser):
    d = browser
    d.get_log("browser")  # drain
    for path in ["/", f"/experiments/{site['exp']}", "/models", "/gap", "/reports", "/runs/" + site["ids"]["long-curve"]]:
        d.get(site["url"] + path)
        hosts = d.execute_script("return performance.getEntriesByType('resource').map(function (e) { return new URL(e.name).host; })")
        here = urllib.parse.urlparse(site["url"]).netloc
        assert all(h == here for h in hosts), (path, hosts)
    errors = [e for e in d.get_log("browser") if "Content Security Policy" in e["message"]]
    assert not errors, errors
