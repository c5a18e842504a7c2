"""How fast the designer's view follows its form (issue 11's target: the new shape on
screen within 300 ms of a change, for a parametric pair).

Starts the designer's app on a free port, opens it in headless chromium (Selenium and
chromium-driver, as the tests do), types a new arch height ``--changes`` times and
prints the page's own figure for each: performance.now() at the input event to the
frame after the new mesh is drawn (the page debounces typing by 60 ms, counted). Then
the server alone: POST /api/preview in process, without a browser.

    python benchmarks/bench_designer.py [--changes 30]
"""

from __future__ import annotations

import argparse
import shutil
import socket
import statistics
import threading
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--changes", type=int, default=30)
    args = parser.parse_args()

    import uvicorn
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from insolegen.web.app import make_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(), host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)

    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser")
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900",
                 "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        _wait(driver, "return Number(document.body.dataset.previews || 0) >= 1")
        field = driver.find_element("name", "shape.arch_height_mm")
        latencies = []
        for k in range(args.changes):
            seen = int(driver.execute_script("return Number(document.body.dataset.previews || 0)"))
            field.clear()
            field.send_keys(str(10 + k % 12))
            _wait(driver, f"return Number(document.body.dataset.previews || 0) > {seen}")
            latencies.append(float(driver.execute_script("return window.insolegen.timing.ms")))
    finally:
        driver.quit()
        server.should_exit = True

    from starlette.testclient import TestClient

    with TestClient(make_app()) as client:
        server_ms = []
        for k in range(args.changes):
            start = time.perf_counter()
            answer = client.post("/api/preview", json={"profile": {"foot": {"size": "EU 42"},
                                                                    "shape": {"arch_height_mm": 10 + k % 12}}})
            server_ms.append((time.perf_counter() - start) * 1000)
            assert answer.status_code == 200

    print(f"a parametric pair (EU 42, both sides), {args.changes} changes of shape.arch_height_mm")
    print("| figure | median (ms) | 90th percentile (ms) | slowest (ms) |")
    print("|---|---:|---:|---:|")
    for name, values in (("input event to the new mesh drawn, in chromium", latencies),
                         ("POST /api/preview alone, in process", server_ms)):
        ordered = sorted(values)
        p90 = ordered[min(len(ordered) - 1, int(0.9 * len(ordered)))]
        print(f"| {name} | {statistics.median(values):.0f} | {p90:.0f} | {max(values):.0f} |")


def _wait(driver, condition: str, timeout: float = 30.0) -> None:
    end = time.time() + timeout
    while time.time() < end:
        if driver.execute_script(condition):
            return
        time.sleep(0.01)
    raise SystemExit(f"timed out waiting for: {condition}")


if __name__ == "__main__":
    main()
