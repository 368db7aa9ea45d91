"""The site in real headless Chromium: the offline search works and nothing leaves the disk.

Driven over the DevTools protocol on a pipe (tests/handover/cdp.py). Every
request the pages make is recorded; each must be a ``file://`` URL inside the
package, and no Content-Security-Policy violation or script error may be
logged. A control page that does reference a remote image proves the
recording is not blind.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.handover.cdp import Browser, find_chromium
from tests.handover.conftest import Package

CHROMIUM = find_chromium()
pytestmark = pytest.mark.skipif(
    CHROMIUM is None, reason="Chromium is not installed (Debian package chromium)"
)


@pytest.fixture(scope="module")
def browser():
    assert CHROMIUM is not None
    with Browser(CHROMIUM) as opened:
        yield opened


def _local(package: Package, urls: list[str]) -> list[str]:
    root = package.path.resolve().as_uri()
    return [u for u in urls if not u.startswith(root + "/")]


def test_readme_and_a_record_page_load_only_local_files(package: Package, browser: Browser) -> None:
    browser.requests.clear()
    browser.console.clear()
    browser.open(package.path / "README.html")
    browser.settle()
    assert "handover from Northwind IT" in browser.evaluate("document.body.innerText")
    page = package.path / "site" / "records" / f"{package.source.ids['cred']}.html"
    browser.open(page)
    browser.settle()
    text = browser.evaluate("document.body.innerText")
    assert "Domain admin (break glass)" in text and "stored in credentials.kdbx" in text
    assert browser.evaluate("getComputedStyle(document.body).maxWidth") != "none"  # CSS loaded
    assert len(browser.requests) >= 3
    assert _local(package, browser.requests) == []
    assert browser.console == []


def test_offline_search_finds_a_record(package: Package, browser: Browser) -> None:
    browser.requests.clear()
    browser.console.clear()
    browser.open(package.path / "site" / "index.html", "?q=srv-dc01")
    browser.settle()
    links = browser.evaluate(
        "Array.from(document.querySelectorAll('#results a')).map(a => a.textContent)"
    )
    assert links[0] == "srv-dc01"
    browser.evaluate(
        "(() => { const q = document.getElementById('q'); q.value = 'zürich rack';"
        " q.dispatchEvent(new Event('input')); })()"
    )
    found = browser.evaluate(
        "Array.from(document.querySelectorAll('#results a')).map(a => a.getAttribute('href'))"
    )
    assert found == [f"records/{package.source.ids['site']}.html"]
    browser.evaluate(
        "(() => { const q = document.getElementById('q'); q.value = 'Winter-2026';"
        " q.dispatchEvent(new Event('input')); })()"
    )
    assert browser.evaluate("document.getElementById('result-count').textContent") == (
        "0 records found"
    )
    browser.evaluate("document.querySelector('#results').parentElement.scrollIntoView()")
    browser.open(Path(package.path / "site" / "index.html").parent / found[0])
    assert "Head office Zürich" in browser.evaluate("document.title")
    assert _local(package, browser.requests) == []
    assert browser.console == []


def test_the_recording_sees_a_remote_request(tmp_path: Path, browser: Browser) -> None:
    control = tmp_path / "control.html"
    control.write_text('<img src="http://192.0.2.1/x.png"><p>control</p>', encoding="utf-8")
    browser.requests.clear()
    browser.open(control)
    browser.settle()
    assert any(u.startswith("http://192.0.2.1/") for u in browser.requests)
