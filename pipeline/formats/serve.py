"""`audiobook serve`: the podcast folder over HTTP, so a podcast app on this machine or the network can subscribe.

`serve(folder, host=..., port=...)` returns a started-listening server (not yet serving): call
`serve_forever()` (in a thread, for tests) and `shutdown()` to stop. It binds to loopback unless told
otherwise. The feed is served with every link made absolute from the request's Host header, since podcast
apps need absolute enclosure URLs and the folder does not know where it is served from. Files are answered
with byte ranges (206, or 416 when unsatisfiable): apps seek and resume episodes that way.
"""

from __future__ import annotations

import email.utils
import logging
import re
import socket
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

from ..errors import InputError
from .feed import FEED, rebase

log = logging.getLogger(__name__)

TYPES = {
    ".m4a": "audio/x-m4a",
    ".mp3": "audio/mpeg",
    ".vtt": "text/vtt; charset=utf-8",
    ".srt": "application/srt; charset=utf-8",
    ".jpg": "image/jpeg",
    ".png": "image/png",
    ".xml": "application/rss+xml; charset=utf-8",
}
_RANGE = re.compile(r"bytes=(\d*)-(\d*)")
_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d+)?|\[[0-9A-Fa-f:.]+\](:\d+)?")


class Unsatisfiable(Exception):
    """A range that lies wholly outside the file: answered with 416."""


def find_podcast(folder: Path) -> Path:
    """The podcast folder itself, or the one `<name> (podcast)` folder inside an output folder."""
    if (folder / FEED).is_file():
        return folder
    found = sorted(p for p in folder.glob("* (podcast)") if (p / FEED).is_file()) if folder.is_dir() else []
    if len(found) == 1:
        return found[0]
    if found:
        names = ", ".join(repr(p.name) for p in found)
        raise InputError(f"{folder} holds several podcasts: {names}", fix="name the one to serve")
    raise InputError(
        f"there is no podcast (no {FEED}) in {folder}",
        path=folder,
        fix="build one with `audiobook build --format podcast`, then serve the output folder",
    )


def byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """The (first, last) byte a Range header asks for, or None to send the whole file (no header, or one
    we may ignore: malformed, or several ranges). Raises Unsatisfiable for a range outside the file."""
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or match.group(1) == match.group(2) == "":
        return None
    first, last = match.group(1), match.group(2)
    if first == "":  # the last n bytes
        count = int(last)
        if count == 0 or size == 0:
            raise Unsatisfiable
        return max(0, size - count), size - 1
    start = int(first)
    if last and int(last) < start:
        return None  # not a valid range: ignored, as RFC 9110 says
    if start >= size:
        raise Unsatisfiable
    return start, min(int(last), size - 1) if last else size - 1


class PodcastServer(ThreadingHTTPServer):
    daemon_threads = True  # an app holding a connection open does not keep the process alive

    def __init__(self, folder: Path, host: str, port: int) -> None:
        self.folder = folder.resolve()
        if ":" in host:
            self.address_family = socket.AF_INET6
        super().__init__((host, port), _Handler)

    @property
    def url(self) -> str:
        """The feed's URL, as an app on this machine (or, when bound to all interfaces, the network) uses it."""
        host, port = self.server_address[:2]
        if host in ("0.0.0.0", "::", ""):
            host = socket.gethostname()
        elif ":" in str(host):
            host = f"[{host}]"
        return f"http://{host}:{port}/{FEED}"


def serve(folder: Path, *, host: str = "127.0.0.1", port: int = 8000) -> PodcastServer:
    """A server for the podcast in `folder` (see `find_podcast`), listening but not yet serving."""
    podcast = find_podcast(folder)
    try:
        return PodcastServer(podcast, host, port)
    except OSError as exc:
        raise InputError(
            f"cannot listen on {host}:{port}: {exc.strerror or exc}",
            fix="choose another --port (or stop what is using this one)",
        ) from exc


class _Handler(BaseHTTPRequestHandler):
    server: PodcastServer
    protocol_version = "HTTP/1.1"
    server_version = "audiobook-serve"

    def do_GET(self) -> None:
        self._answer(body=True)

    def do_HEAD(self) -> None:
        self._answer(body=False)

    def log_message(self, format: str, *args: object) -> None:
        log.info("%s %s", self.address_string(), format % args)

    def _answer(self, *, body: bool) -> None:
        path = self._file()
        if path is None:
            self.send_error(HTTPStatus.NOT_FOUND, "not part of this podcast")
            return
        stat = path.stat()
        data = None
        if path.name == FEED:
            data = rebase(path.read_bytes(), self._base())
        size = len(data) if data is not None else stat.st_size
        tag = f'"{stat.st_mtime_ns:x}-{stat.st_size:x}"'
        modified = email.utils.formatdate(stat.st_mtime, usegmt=True)
        try:
            wanted = byte_range(self.headers.get("Range"), size)
        except Unsatisfiable:
            self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
            self.send_header("Content-Range", f"bytes */{size}")
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        if_range = self.headers.get("If-Range")
        if wanted is not None and if_range and if_range not in (tag, modified):
            wanted = None  # the file changed since the client's copy: send it whole
        first, last = wanted if wanted is not None else (0, size - 1)
        self.send_response(HTTPStatus.PARTIAL_CONTENT if wanted is not None else HTTPStatus.OK)
        self.send_header("Content-Type", TYPES.get(path.suffix, "application/octet-stream"))
        self.send_header("Content-Length", str(last - first + 1))
        self.send_header("Accept-Ranges", "bytes")
        self.send_header("Last-Modified", modified)
        self.send_header("ETag", tag)
        if path.name == FEED:
            self.send_header("Cache-Control", "no-cache")  # a rebuilt book shows up at the next refresh
        if wanted is not None:
            self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
        self.end_headers()
        if not body or last < first:
            return
        try:
            if data is not None:
                self.wfile.write(data[first : last + 1])
                return
            with path.open("rb") as source:
                source.seek(first)
                _copy(source, self.wfile, last - first + 1)
        except (BrokenPipeError, ConnectionResetError):
            log.debug("%s closed the connection", self.address_string())

    def _file(self) -> Path | None:
        """The file a request names: only the podcast folder's own files, never anything hidden or outside."""
        name = unquote(urlsplit(self.path).path).lstrip("/") or FEED
        if "/" in name or "\\" in name or name.startswith(".") or "\0" in name:
            return None
        path = self.server.folder / name
        return path if path.suffix in TYPES and path.is_file() else None

    def _base(self) -> str:
        host = self.headers.get("Host", "")
        if not _HOST.fullmatch(host):
            host = urlsplit(self.server.url).netloc
        return f"http://{host}/"


def _copy(source, sink, count: int) -> None:
    while count > 0:
        chunk = source.read(min(count, 1 << 16))
        if not chunk:
            return
        sink.write(chunk)
        count -= len(chunk)
