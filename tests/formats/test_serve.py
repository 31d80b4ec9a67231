"""`audiobook serve`: the podcast over HTTP from a thread on localhost, read as a podcast app reads it."""

from __future__ import annotations

import http.client
import threading
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from pipeline.build import BuildOptions, build
from pipeline.errors import InputError
from pipeline.formats.serve import Unsatisfiable, byte_range, find_podcast, serve
from tests.conftest import NAME, write_manuscript


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    root = tmp_path_factory.mktemp("serve")
    out = root / "out"
    build(
        BuildOptions(
            source=write_manuscript(root / "manuscript"),
            output_dir=out,
            engine="silent",
            jobs=1,
            cache_dir=root / "cache",
            formats=frozenset({"m4b", "podcast"}),
        )
    )
    running = serve(out, port=0)  # the output folder: the one podcast in it is found
    thread = threading.Thread(target=running.serve_forever, daemon=True)
    thread.start()
    yield running
    running.shutdown()
    running.server_close()
    thread.join(5)


def fetch(url: str, *, method: str = "GET", headers: dict[str, str] | None = None):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    connection.request(method, parts.path, headers=headers or {})
    response = connection.getresponse()
    body = response.read()
    connection.close()
    return response, body


def test_binds_to_loopback_and_names_the_feed(server):
    assert server.server_address[0] == "127.0.0.1"
    assert server.url == f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    assert server.folder.name == f"{NAME} (podcast)"


def test_feed_and_an_episode_over_http_with_ranges(server):
    with urllib.request.urlopen(server.url, timeout=10) as response:
        assert response.headers["Content-Type"].startswith("application/rss+xml")
        root = ET.fromstring(response.read())
    base = server.url.removesuffix("feed.xml")
    items = root.findall("channel/item")
    assert len(items) == 3
    for item in items:  # podcast apps need absolute links
        assert item.find("enclosure").get("url").startswith(base)
    url = items[0].find("enclosure").get("url")
    on_disk = (server.folder / unquote(url.removeprefix(base))).read_bytes()
    response, body = fetch(url)
    assert response.status == 200 and body == on_disk
    assert response.getheader("Content-Type") == "audio/x-m4a"
    assert response.getheader("Accept-Ranges") == "bytes"
    size = len(on_disk)
    for header, first, last in (
        ("bytes=100-1099", 100, 1099),
        ("bytes=1000-", 1000, size - 1),
        ("bytes=-500", size - 500, size - 1),
        (f"bytes=0-{size + 100}", 0, size - 1),
    ):
        response, body = fetch(url, headers={"Range": header})
        assert response.status == 206, header
        assert response.getheader("Content-Range") == f"bytes {first}-{last}/{size}"
        assert body == on_disk[first : last + 1]
    response, body = fetch(url, headers={"Range": f"bytes={size}-"})
    assert response.status == 416 and response.getheader("Content-Range") == f"bytes */{size}"
    response, body = fetch(url, method="HEAD")
    assert response.status == 200 and body == b"" and int(response.getheader("Content-Length")) == size
    transcript = items[0].find("{https://podcastindex.org/namespace/1.0}transcript").get("url")
    response, body = fetch(transcript)
    assert response.status == 200 and body.startswith(b"WEBVTT")


def test_only_the_podcast_folder_is_served(server):
    base = server.url.removesuffix("feed.xml")
    for path in ("../book.txt", "%2e%2e/out", ".feed.xml.tmp", "nothing.m4a", "sub/feed.xml"):
        response, _ = fetch(base + path)
        assert response.status == 404, path


def test_byte_ranges():
    assert byte_range(None, 100) is None
    assert byte_range("bytes=0-0", 100) == (0, 0)
    assert byte_range("bytes=90-", 100) == (90, 99)
    assert byte_range("bytes=-10", 100) == (90, 99)
    assert byte_range("bytes=-1000", 100) == (0, 99)
    assert byte_range("bytes=5-1", 100) is None  # invalid: ignored, the whole file is sent
    assert byte_range("bytes=0-1,5-6", 100) is None  # several ranges: may be ignored
    assert byte_range("items=0-1", 100) is None
    for header in ("bytes=100-", "bytes=-0", "bytes=200-300"):
        with pytest.raises(Unsatisfiable):
            byte_range(header, 100)


def test_no_podcast_is_an_error_saying_how_to_make_one(tmp_path):
    with pytest.raises(InputError, match="--format podcast"):
        find_podcast(tmp_path)
    for name in ("A (podcast)", "B (podcast)"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "feed.xml").write_text("<rss/>")
    with pytest.raises(InputError, match="several"):
        find_podcast(tmp_path)
    assert find_podcast(Path(tmp_path / "A (podcast)")) == tmp_path / "A (podcast)"
