"""`fichepress preview` in a real headless Chromium: pages shown, boxes drawn, and a save on
disk reaches the open page by itself, findings included.

Needs Debian's `chromium` and `chromium-driver` (.ci/run installs them). Selenium is given the
driver and the browser, so that it never looks for them on the network.
"""

from __future__ import annotations

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, Literal

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.support.wait import WebDriverWait

from fichepress.core.project import Project

from .conftest import copy_project

REFERENCE = "03-strategie-globale"
OTHER = "04-evaluer-pour-apprendre"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
MARKS = 28.346  # the MediaBox is the trim + 28.35 pt on every side
MEDIA_WIDTH = 612 + 2 * MARKS

# What the test reads of page 1 (print) of the reference sheet, and of its findings.
READ_PAGE = """
const section = document.querySelector(`section.sheet[data-slug="${arguments[0]}"]`);
if (!section) return null;
const figure = (n) => section.querySelector(
  `figure.page[data-variant="print"][data-page="${n}"]`);
const page = figure(1);
if (!page) return null;
const image = page.querySelector("img");
const trim = page.querySelector(".box.trim");
const style = trim && getComputedStyle(trim);
return {
  src: image.getAttribute("src"),
  loaded: image.complete && image.naturalWidth > 0,
  naturalWidth: image.naturalWidth,
  image: image.getBoundingClientRect().toJSON(),
  trim: trim && trim.getBoundingClientRect().toJSON(),
  trimBorder: style && [style.borderLeftStyle, parseFloat(style.borderLeftWidth)],
  bleed: !!page.querySelector(".box.bleed"),
  pages: section.querySelectorAll('figure.page[data-variant="print"] img').length,
  findings: [...section.querySelectorAll(".findings li")].map((li) => li.textContent),
  markOnPage2: figure(2) && figure(2).querySelector(".mark")
    ? figure(2).querySelector(".mark").textContent : null,
  marker: window.fichepressTest || null,
};
"""


# A preview server and a browser, each in a process of its own, showing built PDFs.
pytestmark = [pytest.mark.e2e, pytest.mark.process]


class Preview:
    """`fichepress preview` in a child process, its output read line by line."""

    def __init__(self, project: Project, variants: tuple[str, ...] = ("print",)) -> None:
        chosen = [argument for variant in variants for argument in ("--variant", variant)]
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "fichepress",
                "preview",
                "--no-open",
                "--port",
                "0",
                *chosen,
                "--project",
                str(project.root),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def url(self, timeout: float = 20) -> str:
        """The address it serves, once it says so."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                line = self.lines.get(timeout=0.5)
            except queue.Empty:
                assert self.process.poll() is None, f"preview stopped: {self.seen}"
                continue
            self.seen.append(line)
            found = re.search(r"serving (http://127\.0\.0\.1:\d+/)", line)
            if found:
                return found.group(1)
        raise AssertionError(f"no address within {timeout} s: {self.seen}")

    def stop(self) -> int:
        """Ctrl-C, as a user would; the exit status."""
        self.process.send_signal(signal.SIGINT)
        status = self.process.wait(timeout=30)
        self.reader.join(timeout=10)
        assert self.process.stdout is not None
        self.process.stdout.close()
        return status


def wait_for_pages(url: str, timeout: float = 30) -> None:
    """Until `/state` answers with the pages of the first build."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url + "state", timeout=2) as response:
                if b'"n": 1' in response.read():
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"no pages at {url}state within {timeout} s")


@pytest.fixture
def chromium(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[webdriver.Chrome]:
    """Headless Chromium, driven by the system's chromedriver, offline."""
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        message = "needs Debian's chromium and chromium-driver (apt-get install them)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    monkeypatch.setenv("SE_OFFLINE", "true")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-background-networking",
        "--disable-component-update",
        "--no-first-run",
        "--disable-sync",
        "--window-size=1400,1000",
        f"--user-data-dir={tmp_path / 'chromium'}",
    ):
        options.add_argument(argument)
    driver = webdriver.Chrome(options=options, service=Service(executable_path=str(CHROMEDRIVER)))
    try:
        yield driver
    finally:
        driver.quit()


def read_page(driver: webdriver.Chrome) -> dict[str, Any] | None:
    """What page 1 of the reference sheet looks like in the browser now."""
    result: dict[str, Any] | None = driver.execute_script(READ_PAGE, REFERENCE)
    return result


def wait(
    driver: webdriver.Chrome,
    until: Any,
    timeout: float,
    what: str,
    read: Callable[[webdriver.Chrome], dict[str, Any] | None] = read_page,
) -> dict[str, Any]:
    """The page as `read` reads it (page 1 of the reference sheet, by default) once
    `until(page)` holds."""
    last: list[dict[str, Any] | None] = [None]

    def check(driver: webdriver.Chrome) -> dict[str, Any] | Literal[False]:
        last[0] = read(driver)
        return last[0] if last[0] is not None and until(last[0]) else False

    try:
        page: dict[str, Any] = WebDriverWait(driver, timeout, poll_frequency=0.2).until(check)
    except Exception as error:
        raise AssertionError(f"{what}: not within {timeout} s; last seen {last[0]}") from error
    return page


def test_the_open_page_follows_the_sheet_on_disk(
    project: Project, chromium: webdriver.Chrome
) -> None:
    start = time.monotonic()
    preview = Preview(project)
    try:
        url = preview.url()
        wait_for_pages(url)
        chromium.get(url)
        page = wait(chromium, lambda p: p["loaded"] and p["pages"] == 2, 20, "first pages")
        assert page["naturalWidth"] > 0
        # The trim box is drawn over the page, where the TrimBox is: 10 mm inside the MediaBox.
        image, trim = page["image"], page["trim"]
        assert trim is not None and page["bleed"]
        assert page["trimBorder"][0] == "solid" and page["trimBorder"][1] >= 1
        scale = image["width"] / MEDIA_WIDTH
        assert abs(trim["left"] - (image["left"] + MARKS * scale)) < 2
        assert abs(trim["width"] - 612 * scale) < 2
        assert abs(trim["top"] - (image["top"] + MARKS * scale)) < 2
        assert page["findings"] == ["no findings"]
        chromium.execute_script("window.fichepressTest = 'not reloaded';")

        # A save on disk: the same page shows the new image, by itself.
        sheet = project.sheets / f"{REFERENCE}.yaml"
        good = sheet.read_text("utf-8")
        sheet.write_text(good.replace("title: S'intégrer", "title: Bien s'intégrer"), "utf-8")
        before = page["src"]
        page = wait(
            chromium, lambda p: p["src"] != before and p["loaded"], 60, "a new image of page 1"
        )
        assert page["marker"] == "not reloaded"
        assert page["src"].split("?")[0] == before.split("?")[0]

        # Over its budget: the finding is listed beside the pages and marked on page 2.
        sheet.write_text(
            good.replace("title: S'intégrer", "page_budget: 1\ntitle: S'intégrer"), "utf-8"
        )
        page = wait(chromium, lambda p: p["markOnPage2"] == "1", 60, "the finding on page 2")
        [finding] = page["findings"]
        assert finding.startswith("print · page 2")
        assert "over its budget of 1 page" in finding
        assert page["marker"] == "not reloaded"
        assert preview.process.poll() is None  # and the server goes on
        with urllib.request.urlopen(url + "state", timeout=5) as response:
            assert response.status == 200
    finally:
        assert preview.stop() == 130
    assert time.monotonic() - start < 60


# Both variants of the reference sheet, page by page, and where their rows are.
READ_BOTH = """
const section = document.querySelector(`section.sheet[data-slug="${arguments[0]}"]`);
if (!section) return null;
const variant = (name) => {
  const box = section.querySelector(`.variant[data-variant="${name}"]`);
  if (!box) return null;
  return {
    box: box.getBoundingClientRect().toJSON(),
    pages: [...box.querySelectorAll("figure.page")].map((figure) => ({
      n: Number(figure.dataset.page),
      loaded: figure.querySelector("img").complete
        && figure.querySelector("img").naturalWidth > 0,
      src: figure.querySelector("img").getAttribute("src"),
      trim: !!figure.querySelector(".box.trim"),
      bleed: !!figure.querySelector(".box.bleed"),
      mark: figure.querySelector(".mark") ? figure.querySelector(".mark").textContent : null,
      markClass: figure.querySelector(".mark") ? figure.querySelector(".mark").className : null,
      rect: figure.getBoundingClientRect().toJSON(),
    })),
  };
};
return {
  slugs: [...document.querySelectorAll("section.sheet")].map((s) => s.dataset.slug),
  others: [...document.querySelectorAll(
    `section.sheet:not([data-slug="${arguments[0]}"]) figure.page img`)].filter(
    (image) => image.complete && image.naturalWidth > 0).length,
  print: variant("print"),
  accessible: variant("accessible"),
  findings: [...section.querySelectorAll(".findings li")].map((li) => li.textContent),
};
"""


def read_both(driver: webdriver.Chrome) -> dict[str, Any] | None:
    result: dict[str, Any] | None = driver.execute_script(READ_BOTH, REFERENCE)
    return result


def both_loaded(page: dict[str, Any]) -> bool:
    return all(
        page[v] is not None
        and len(page[v]["pages"]) == 2
        and all(p["loaded"] for p in page[v]["pages"])
        for v in ("print", "accessible")
    )


def wait_both(driver: webdriver.Chrome, until: Any, timeout: float, what: str) -> dict[str, Any]:
    return wait(driver, until, timeout, what, read=read_both)


def low_resolution_logo(path: Path) -> None:
    """A raster logo of 12 × 5 pixels: under 150 ppi at any size the theme prints it."""
    from PIL import Image

    Image.new("RGB", (12, 5), (29, 53, 87)).save(path)


def test_both_variants_side_by_side_with_the_preflight_findings_drawn(
    tmp_path: Path, chromium: webdriver.Chrome
) -> None:
    """By default the preview shows every sheet, the print and the accessible pages of each
    side by side; a preflight finding of the print PDF (a logo of too few pixels, page 2) is
    drawn on that page of the print variant only, and listed beside the pages."""
    project = copy_project(tmp_path / "project", [f"{REFERENCE}.yaml", f"{OTHER}.yaml"])
    preview = Preview(project, ())
    try:
        url = preview.url()
        wait_for_pages(url)
        chromium.get(url)
        page = wait_both(
            chromium, lambda p: both_loaded(p) and p["others"] == 4, 60, "every sheet's pages"
        )
        assert page["slugs"] == [REFERENCE, OTHER]  # every sheet, in number order
        printed, accessible = page["print"], page["accessible"]
        # side by side: one row, the accessible pages to the right of the print ones
        assert abs(printed["box"]["top"] - accessible["box"]["top"]) < 2
        assert accessible["box"]["left"] >= printed["box"]["right"]
        for one, other in zip(printed["pages"], accessible["pages"], strict=True):
            assert one["n"] == other["n"]
            assert abs(one["rect"]["top"] - other["rect"]["top"]) < 2
            assert "/print/" in one["src"] and "/accessible/" in other["src"]
        # print pages have trim and bleed boxes; accessible ones, cut to the page, have none
        assert all(p["trim"] and p["bleed"] for p in printed["pages"])
        assert not any(p["trim"] or p["bleed"] for p in accessible["pages"])
        assert page["findings"] == ["no findings"]

        # The funder's logo becomes a small raster picture: the print preflight finds it.
        low_resolution_logo(project.sheets / "logos" / "petit.png")
        series = project.sheets / "series.yaml"
        series.write_text(
            series.read_text("utf-8").replace(
                "logo: logos/travail-emploi-solidarite-sociale.svg", "logo: logos/petit.png"
            ),
            "utf-8",
        )
        page = wait_both(
            chromium,
            lambda p: both_loaded(p) and p["print"]["pages"][1]["mark"] is not None,
            90,
            "the preflight finding on page 2 of the print variant",
        )
        assert "error" in page["print"]["pages"][1]["markClass"], page["findings"]
        assert page["print"]["pages"][0]["mark"] is None
        assert all(p["mark"] is None for p in page["accessible"]["pages"])
        images = [f for f in page["findings"] if "IMAGES" in f]
        assert images, page["findings"]
        assert images[0].startswith("print · page 2")
        assert "printed at" in images[0] and "ppi" in images[0]
    finally:
        assert preview.stop() == 130
