"""Measures an HTML report in headless Chromium (selenium + chromedriver) at given widths.

Usage: report_browser.py REPORT.html SCREENSHOT_DIR WIDTH...

For each width it saves SCREENSHOT_DIR/report-WIDTH.png (the whole page) and prints, as one
JSON object, what the Swift test ReportBrowserTests asserts on: every SVG's text boxes (as the
browser laid them out), its tick labels and caption, its dots, the page's scroll width and where
each verdict cell is. Exit 3 when Chromium or chromedriver is missing.
"""
import json
import os
import shutil
import sys

MEASURE = """
const out = {innerWidth: window.innerWidth, scrollWidth: document.documentElement.scrollWidth, charts: [], verdicts: []};
for (const svg of document.querySelectorAll('svg')) {
  const fig = svg.closest('figure');
  const cap = fig && fig.querySelector('figcaption');
  const box = (e) => { const r = e.getBoundingClientRect(); return [r.left, r.top, r.width, r.height]; };
  out.charts.push({
    caption: cap ? cap.textContent : '',
    box: box(svg),
    texts: [...svg.querySelectorAll('text')].map(t => ({cls: t.getAttribute('class') || '', text: t.textContent, box: box(t)})),
    dots: [...svg.querySelectorAll('circle')].map(box),
  });
}
for (const td of document.querySelectorAll('td.verdict')) {
  const r = td.getBoundingClientRect();
  const style = getComputedStyle(td);
  out.verdicts.push({text: td.textContent, box: [r.left, r.top, r.width, r.height],
                     visible: style.display !== 'none' && style.visibility !== 'hidden' && r.width > 0 && r.height > 0});
}
return out;
"""


def main():
    report, shots, widths = sys.argv[1], sys.argv[2], [int(w) for w in sys.argv[3:]]
    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    if not (os.path.exists(chromium) and os.path.exists(driver_path)):
        print("chromium or chromedriver not installed", file=sys.stderr)
        sys.exit(3)
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = chromium
    for a in ["--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--force-device-scale-factor=1"]:
        opts.add_argument(a)
    driver = webdriver.Chrome(service=Service(driver_path), options=opts)
    os.makedirs(shots, exist_ok=True)
    result = {}
    try:
        for width in widths:
            # Device metrics, not the window: a headless window cannot be narrower than 500 px.
            metrics = {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600}
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", metrics)
            driver.get("file://" + os.path.abspath(report))
            measured = driver.execute_script(MEASURE)
            height = min(16000, driver.execute_script("return document.documentElement.scrollHeight"))
            driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", dict(metrics, height=height))
            path = os.path.join(shots, f"report-{width}.png")
            driver.save_screenshot(path)
            measured["screenshot"] = path
            result[str(width)] = measured
    finally:
        driver.quit()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
