"""`imdb sync` without --from: downloads through a real HTTP server on 127.0.0.1 that
honours conditional requests (ETag, Last-Modified) and ranges, and can cut a transfer."""

from __future__ import annotations

import email.utils
import hashlib
import shutil
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from tests.checks import refused
from tests.conftest import Invoke, Target, json_out
from tests.world_support import heat_world, world_rows


class Server:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.log: list[tuple[str, int, str | None, int]] = []  # file, status, Range, bytes
        self.cut_after: dict[str, int] = {}  # file -> bytes sent before the connection drops
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: object) -> None:
                pass

            def do_GET(self) -> None:
                server.handle(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/data/"

    def handle(self, request: BaseHTTPRequestHandler) -> None:
        name = request.path.rsplit("/", 1)[-1]
        path = self.folder / name
        if not path.is_file():
            request.send_response(404)
            request.send_header("Content-Length", "0")
            request.end_headers()
            self.log.append((name, 404, None, 0))
            return
        body = path.read_bytes()
        etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
        mtime = int(path.stat().st_mtime)
        modified = email.utils.formatdate(mtime, usegmt=True)
        given = request.headers.get("If-None-Match")
        since = request.headers.get("If-Modified-Since")
        unchanged = (
            given == etag
            if given
            else bool(since and email.utils.parsedate_to_datetime(since).timestamp() >= mtime)
        )
        if unchanged:
            request.send_response(304)
            request.send_header("ETag", etag)
            request.end_headers()
            self.log.append((name, 304, None, 0))
            return
        wanted = request.headers.get("Range")
        if_range = request.headers.get("If-Range")
        start = 0
        status = 200
        if wanted and wanted.startswith("bytes=") and if_range in (etag, modified):
            start = int(wanted[6:].rstrip("-"))
            status = 206
        payload = body[start:]
        request.send_response(status)
        request.send_header("ETag", etag)
        request.send_header("Last-Modified", modified)
        request.send_header("Content-Length", str(len(payload)))
        if status == 206:
            request.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
        request.end_headers()
        cut = self.cut_after.pop(name, None)
        sent = payload if cut is None else payload[:cut]
        request.wfile.write(sent)
        request.wfile.flush()
        if cut is not None:
            request.close_connection = True
        self.log.append((name, status, wanted, len(sent)))

    def requests(self) -> dict[str, tuple[int, int]]:
        taken = {name: (status, sent) for name, status, _range, sent in self.log}
        self.log.clear()
        return taken

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Server]:
    folder = heat_world(tmp_path / "served", gz=True)
    running = Server(folder)
    monkeypatch.setenv("MOVIECLI_IMDB_URL", running.url)
    yield running
    running.stop()


def test_downloads_then_asks_only_for_what_changed(
    cli: Invoke, catalog: Target, server: Server, tmp_path: Path
) -> None:
    result = cli("imdb", "sync")
    assert result.exit_code == 0, result.output
    first = server.requests()
    assert {name: status for name, (status, _sent) in first.items()} == {
        "title.basics.tsv.gz": 200,
        "title.principals.tsv.gz": 200,
        "name.basics.tsv.gz": 200,
        "title.akas.tsv.gz": 200,
        "title.ratings.tsv.gz": 200,
        "title.crew.tsv.gz": 200,
    }
    cached = tmp_path / "xdg-cache" / "moviecli" / "imdb"
    assert (cached / "title.basics.tsv.gz").is_file()
    assert world_rows(catalog, "SELECT count(*) FROM imdb.titles")[0][0] == 4
    # Unchanged: nothing downloaded again.
    assert cli("imdb", "sync").exit_code == 0
    again = server.requests()
    assert {status for status, _sent in again.values()} == {304}
    assert sum(sent for _status, sent in again.values()) == 0
    # One file changes on the server: only it comes again.
    newer = heat_world(tmp_path / "newer", gz=True, title_ratings=["tt0113277\t8.4\t700001"])
    shutil.copy(newer / "title.ratings.tsv.gz", server.folder / "title.ratings.tsv.gz")
    assert cli("imdb", "sync").exit_code == 0
    third = server.requests()
    assert [n for n, (status, _sent) in third.items() if status == 200] == ["title.ratings.tsv.gz"]
    assert world_rows(catalog, "SELECT imdb_votes FROM imdb.titles WHERE id = 113277") == [
        (700001,)
    ]
    files = json_out(cli("imdb", "status", "-f", "json"))["files"]
    assert files["title.basics"]["last_modified"].endswith("GMT")
    assert files["title.basics"]["etag"].startswith('"')


def test_an_interrupted_transfer_is_resumed(
    cli: Invoke, catalog: Target, server: Server, tmp_path: Path
) -> None:
    size = (server.folder / "name.basics.tsv.gz").stat().st_size
    server.cut_after["name.basics.tsv.gz"] = size // 2
    line = refused(cli("imdb", "sync"))
    assert "name.basics.tsv.gz was interrupted" in line and "resume" in line
    assert json_out(cli("imdb", "status", "-f", "json"))["present"] is False
    server.requests()
    result = cli("imdb", "sync")
    assert result.exit_code == 0, result.output
    resumed = [entry for entry in server.log if entry[0] == "name.basics.tsv.gz"]
    half = size // 2
    assert resumed == [("name.basics.tsv.gz", 206, f"bytes={half}-", size - half)]
    # What was complete before the cut is not fetched again.
    assert server.requests()["title.basics.tsv.gz"] == (304, 0)
    assert world_rows(catalog, "SELECT count(*) FROM imdb.names")[0][0] == 8


def test_a_damaged_download_is_never_loaded(cli: Invoke, catalog: Target, server: Server) -> None:
    damaged = server.folder / "title.akas.tsv.gz"
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    line = refused(cli("imdb", "sync"))
    assert "title.akas.tsv.gz" in line and ("damaged" in line or "cut short" in line)
    assert json_out(cli("imdb", "status", "-f", "json"))["present"] is False


def test_optional_files_may_be_missing_required_ones_not(
    cli: Invoke, catalog: Target, server: Server
) -> None:
    (server.folder / "title.akas.tsv.gz").unlink()
    assert cli("imdb", "sync").exit_code == 0
    assert world_rows(catalog, "SELECT count(*) FROM imdb.akas")[0][0] == 0
    (server.folder / "name.basics.tsv.gz").unlink()
    assert "name.basics.tsv.gz is not on the server" in refused(cli("imdb", "sync"))


def test_only_http_urls(cli: Invoke, catalog: Target, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MOVIECLI_IMDB_URL", "ftp://example.org/")
    assert "must be an http:// or https:// URL" in refused(cli("imdb", "sync"))
