"""The two targets behave alike: atomic create-if-absent, listing, reading, resuming."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from vault import errors
from vault.sync import open_target, parse_spec
from vault.sync.targets import Target, TargetSpec

from .davserver import PASSWORD, USER, DavServer


@pytest.fixture(params=["folder", "webdav"])
def target(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Target, Path]]:
    if request.param == "folder":
        root = tmp_path / "share"
        root.mkdir()
        made = open_target(str(root))
        yield made, root
        made.close()
        return
    server = DavServer(tmp_path / "dav").start()
    made = open_target(TargetSpec(server.url, USER, PASSWORD), partial_dir=tmp_path / "partial")
    try:
        yield made, server.root
    finally:
        made.close()
        server.stop()


def test_create_never_overwrites_and_leaves_no_temp_files(target) -> None:
    made, root = target
    assert made.list("v/scopes") == []
    assert made.create("v/scopes/s1/a-1.pack", b"first")
    assert not made.create("v/scopes/s1/a-1.pack", b"second")
    assert made.read("v/scopes/s1/a-1.pack") == b"first"
    assert made.read_head("v/scopes/s1/a-1.pack", 3)[:3] == b"fir"
    names = {(e.name, e.size, e.folder) for e in made.list("v/scopes/s1")}
    assert names == {("a-1.pack", 5, False)}
    assert [(e.name, e.folder) for e in made.list("v/scopes")] == [("s1", True)]
    assert not [p for p in root.rglob("*") if p.name.startswith(".")]
    made.delete("v/scopes/s1/a-1.pack")
    made.delete("v/scopes/s1/a-1.pack")  # already gone is fine
    assert made.list("v/scopes/s1") == []


def test_tags_change_when_a_file_changes(target) -> None:
    made, root = target
    made.create("v/x.pack", b"one")
    before = made.list("v")[0].tag
    (root / "v" / "x.pack").write_bytes(b"two!")
    os.utime(root / "v" / "x.pack", ns=(1, 10**18))
    after = made.list("v")[0].tag
    assert before and after and before != after


def test_paths_cannot_escape_the_root(target) -> None:
    made, _ = target
    with pytest.raises(errors.SyncTargetError, match="refusing"):
        made.create("v/../../escape.pack", b"x")


def test_an_interrupted_webdav_download_resumes(tmp_path: Path) -> None:
    server = DavServer(tmp_path / "dav").start()
    made = open_target(TargetSpec(server.url, USER, PASSWORD), partial_dir=tmp_path / "partial")
    try:
        data = os.urandom(3 * 1024 * 1024)
        made.create("v/big.pack", data)
        server.faults.cut_get = 1024 * 1024 + 17
        with pytest.raises(errors.SyncTargetUnavailableError):
            made.read("v/big.pack")
        assert sum(p.stat().st_size for p in (tmp_path / "partial").iterdir()) > 0
        server.faults.cut_get = None
        server.faults.requests.clear()
        assert made.read("v/big.pack") == data
        ranges = [r for m, _p, r in server.faults.requests if m == "GET"]
        assert ranges and ranges[0].startswith("bytes=") and ranges[0] != "bytes=0-"
        assert list((tmp_path / "partial").iterdir()) == []
    finally:
        made.close()
        server.stop()


def test_target_specs_keep_passwords_out_of_display() -> None:
    spec = parse_spec("https://bob:hunter2@cloud.example:8443/remote.php/dav/files/bob/Sitebook")
    assert (spec.user, spec.password) == ("bob", "hunter2")
    assert spec.display == "https://cloud.example:8443/remote.php/dav/files/bob/Sitebook/"
    assert "hunter2" not in spec.location
    with pytest.raises(errors.ValidationError):
        parse_spec("ftp://example/")
    with pytest.raises(errors.ValidationError):
        parse_spec("  ")
    assert parse_spec("~/Dropbox/Sitebook").location == str(Path.home() / "Dropbox/Sitebook")


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("https://host:abc/", "port"),
        ("https://host:70000/", "port"),
        ("https://host:0/", "port"),
        ("https://bob:hunter2@host:99999/dav", "port"),
        ("https://[::1", "IPv6"),
        ("https://[::1/dav", "IPv6"),
        ("https://:8080/", "server name"),
        ("https://my host/", "space"),
        ("/srv/share\x00/x", "NUL"),
    ],
)
def test_a_mistyped_target_is_a_validation_error(typed: str, says: str) -> None:
    with pytest.raises(errors.ValidationError) as caught:
        parse_spec(typed)
    assert says in str(caught.value)
    assert "hunter2" not in str(caught.value)  # never quotes the URL


def test_ipv6_and_ports_in_range_still_parse() -> None:
    assert parse_spec("https://[::1]:8443/dav").location == "https://[::1]:8443/dav/"
    assert parse_spec("http://host:65535").location == "http://host:65535/"
