"""Makes every picture in docs/ that the README shows, from the examples as they build
now; tests/test_docs_pictures.py makes them again and fails when one differs (run this
after a change to the geometry, the preview or an example).

    python docs/make_pictures.py                  # all of them, into docs/
    python docs/make_pictures.py --out DIR NAME   # only NAME (e.g. preview.png), into DIR

designer.png is `insolegen serve`'s page as Chromium shows it at 1400 x 900 (needs
chromium and chromium-driver, as the browser tests do); it is compared within a
tolerance, since a browser's anti-aliasing may move a few pixels.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "docs"))

import make_firmness_picture  # noqa: E402 (a sibling script, put on the path above)
import make_lattice_picture  # noqa: E402
import make_picture  # noqa: E402

from insolegen.build.pipeline import build_profile  # noqa: E402
from insolegen.exports.preview import preview_png  # noqa: E402
from insolegen.profile import load_profile  # noqa: E402


def example_preview(example: str) -> Callable[[Path], None]:
    """The preview.png `insolegen build` writes for an example."""

    def make(out: Path) -> None:
        out.write_bytes(preview_png(build_profile(load_profile(ROOT / "profiles" / f"{example}.toml"))))

    return make


def predicted_pressure(out: Path) -> None:
    """The report's predicted-pressure maps for the pressure-offload example."""
    from insolegen.exports.pressure_map import predicted_pressure_png

    picture = predicted_pressure_png(build_profile(load_profile(ROOT / "profiles" / "pressure-offload.toml")))
    assert picture is not None, "pressure-offload predicts no pressure"
    out.write_bytes(picture)


def picture_outline(out: Path) -> None:
    """A photo of a foot on A4 (the tests' virtual phone: 22 degrees from above, a cast
    shadow, light falling off; tests/picture_corpus.py) with the outline
    `insolegen build` reads from it, as the preview and the report show it."""
    import tempfile

    sys.path.insert(0, str(ROOT / "tests"))
    from picture_corpus import Camera, Light, draw_scene, photograph, place_on_sheet

    from insolegen.exports.picture_overlay import picture_png
    from insolegen.geometry.outline import foot_outline

    foot = foot_outline(foot_length_mm=250, ball_width_mm=96, heel_width_mm=65).boundary
    scene, origin = draw_scene([place_on_sheet(foot, rotate_deg=6)], content="skin", colour="medium", shadow=0.25)
    photo, _ = photograph(scene, origin, Camera(tilt_deg=22, tilt_towards_deg=50, roll_deg=12),
                          Light(gradient=0.25, gradient_deg=30, noise=3, jpeg_quality=85))
    with tempfile.TemporaryDirectory() as folder:
        (Path(folder) / "foot.jpg").write_bytes(photo)
        (Path(folder) / "foot.toml").write_text('name = "from a photo"\n[foot]\nimage = "foot.jpg"\n')
        picture = picture_png(build_profile(load_profile(Path(folder) / "foot.toml")))
    assert picture is not None
    out.write_bytes(picture)


def designer_screenshot(out: Path) -> None:
    """The designer in Chromium (headless, SwiftShader WebGL), as a user first sees it."""
    import shutil
    import socket
    import threading
    import time

    import uvicorn
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    from insolegen.web.app import make_app

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(make_app(), host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    options = webdriver.ChromeOptions()
    options.binary_location = shutil.which("chromium") or shutil.which("chromium-browser") or "chromium"
    for flag in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,900",
                 "--use-angle=swiftshader", "--enable-unsafe-swiftshader", "--ignore-gpu-blocklist",
                 "--hide-scrollbars", "--force-device-scale-factor=1"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver")), options=options)
    try:
        driver.get(f"http://127.0.0.1:{port}/")
        end = time.time() + 60
        while not driver.execute_script("return Number(document.body.dataset.previews || 0) >= 1"):
            if time.time() > end:
                raise RuntimeError("the designer drew no preview within 60 s")
            time.sleep(0.1)
        time.sleep(1.0)  # the 3D view's first frames
        out.write_bytes(driver.get_screenshot_as_png())
    finally:
        driver.quit()
        server.should_exit = True
        thread.join(timeout=10)


PICTURES: dict[str, Callable[[Path], None]] = {
    "preview.png": example_preview("lld-left-lift"),
    "pressure-preview.png": example_preview("pressure-offload"),
    "pressure-prediction.png": predicted_pressure,  # the report's flat and as-built maps
    "insoles.png": make_picture.main,
    "zones.png": make_picture.zones_picture,
    "firmness.png": make_firmness_picture.main,  # the shipped moduli table
    "lattice-cut.png": make_lattice_picture.main,  # builds the lattice pair: about a minute
    "picture-outline.png": picture_outline,  # a virtual photo and the outline read from it
    "designer.png": designer_screenshot,  # a browser: compared within a tolerance
}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help=f"pictures to make (default: all): {', '.join(PICTURES)}")
    parser.add_argument("--out", type=Path, default=ROOT / "docs", help="the folder to write them to")
    args = parser.parse_args(argv)
    unknown = [n for n in args.names if n not in PICTURES]
    if unknown:
        parser.error(f"no such picture: {', '.join(unknown)} (allowed: {', '.join(PICTURES)})")
    args.out.mkdir(parents=True, exist_ok=True)
    for name in args.names or PICTURES:
        PICTURES[name](args.out / name)
        print(args.out / name)


if __name__ == "__main__":
    main()
