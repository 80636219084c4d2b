"""Test helpers for model downloads: a real HTTP server on 127.0.0.1 and small model zips.

The server serves a catalogue (model-list.json) and files, honours Range and If-Range, and can
misbehave on purpose: close the connection part-way through a body, or stall.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import re
import threading
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CATALOG_PATH = "/vosk/models/model-list.json"
VOICE_CATALOG_PATH = "/piper/voices.json"
WAIT_S = 30.0
"""Longest a stalled response holds its connection (released at shutdown)."""

MODEL_FILES = (
    "am/final.mdl",
    "conf/model.conf",
    "conf/mfcc.conf",
    "graph/HCLr.fst",
    "graph/Gr.fst",
    "graph/phones.txt",
    "ivector/final.ie",
    "ivector/final.dubm",
    "README",
)
"""The layout of a small Vosk model (dynamic graph)."""


def make_model_folder(folder: Path, skip: tuple[str, ...] = (), payload: int = 600_000) -> Path:
    """A folder with a Vosk model's layout; am/final.mdl holds `payload` random bytes."""
    for rel in MODEL_FILES:
        if rel in skip:
            continue
        path = folder / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(os.urandom(payload) if rel == "am/final.mdl" else rel.encode())
    return folder


def zip_folder(folder: Path, zip_path: Path, top: str | None, level: int = 6) -> Path:
    """Zip a folder, its files below `top`/ (or at the top of the zip when top is None)."""
    with zipfile.ZipFile(zip_path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for path in sorted(folder.rglob("*")):
            rel = path.relative_to(folder).as_posix()
            archive.write(path, f"{top}/{rel}" if top else rel)
    return zip_path


def make_model_zip(
    scratch: Path, name: str, skip: tuple[str, ...] = (), top: str | None = ""
) -> Path:
    """A model zip as the Vosk project publishes them: one folder named like the zip."""
    folder = make_model_folder(scratch / f"{name}-src", skip)
    return zip_folder(folder, scratch / f"{name}.zip", name if top == "" else top)


def md5_hex(path: Path) -> str:
    return hashlib.md5(path.read_bytes(), usedforsecurity=False).hexdigest()


def catalog_entry(name: str, zip_path: Path, url: str, **overrides: Any) -> dict[str, Any]:
    """A model-list.json entry for a zip, in the catalogue's own format."""
    size = zip_path.stat().st_size
    entry = {
        "lang": "en-us",
        "lang_text": "US English",
        "md5": md5_hex(zip_path),
        "name": name,
        "obsolete": "false",
        "size": size,
        "size_text": f"{size / 2**20:.1f}MiB",
        "type": "small",
        "url": url,
        "version": "0.1",
    }
    entry.update(overrides)
    return entry


@dataclass
class Behaviour:
    """How the server misbehaves (checked on every request)."""

    cut_at: int | None = None
    """Close the connection when the body reaches this byte offset of the file."""
    cut_times: int = 10**9
    """How many responses are cut (then it behaves)."""
    stall_at: int | None = None
    """Stop sending (keeping the connection open) at this byte offset."""
    stall_headers: bool = False
    """Accept the request but never answer."""
    ignore_range: bool = False
    """Answer Range requests with the whole file (200)."""


@dataclass
class Served:
    """One request the server saw."""

    path: str
    range: str | None
    status: int = 0
    sent: int = 0
    """Body bytes written."""


@dataclass
class ModelServer:
    """A threaded HTTP server on 127.0.0.1; use as a context manager."""

    files: dict[str, Path] = field(default_factory=dict)
    """URL path → file served."""
    catalogue: list[dict[str, Any]] = field(default_factory=list)
    voice_catalogue: dict[str, Any] = field(default_factory=dict)
    """Piper's voices.json: voice name → language, quality and files."""
    behaviour: Behaviour = field(default_factory=Behaviour)
    log: list[Served] = field(default_factory=list)
    etags: dict[str, str] = field(default_factory=dict)
    """URL path → ETag (defaults to one derived from size and mtime)."""

    def __post_init__(self) -> None:
        self.release = threading.Event()
        self._httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._httpd.daemon_threads = True
        self._httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def base(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def catalog_url(self) -> str:
        return self.base + CATALOG_PATH

    def add_model(self, name: str, zip_path: Path, **overrides: Any) -> dict[str, Any]:
        """Serve a zip at /vosk/models/NAME.zip and list it in the catalogue."""
        path = f"/vosk/models/{name}.zip"
        self.files[path] = zip_path
        entry = catalog_entry(name, zip_path, self.base + path, **overrides)
        self.catalogue.append(entry)
        return entry

    @property
    def voice_catalog_url(self) -> str:
        return self.base + VOICE_CATALOG_PATH

    def add_voice(self, name: str, files: list[Path], **overrides: Any) -> dict[str, Any]:
        """Serve a voice's files at /piper/en/NAME/FILE and list them in voices.json."""
        entry: dict[str, Any] = {
            "key": name,
            "name": name.split("-")[1] if "-" in name else name,
            "language": {
                "code": name.split("-")[0],
                "name_english": "English",
                "country_english": "United States",
            },
            "quality": name.rsplit("-", 1)[-1],
            "num_speakers": 1,
            "files": {},
        }
        for path in files:
            rel = f"en/{name}/{path.name}"
            self.files[f"/piper/{rel}"] = path
            entry["files"][rel] = {"size_bytes": path.stat().st_size, "md5_digest": md5_hex(path)}
        entry.update(overrides)
        self.voice_catalogue[name] = entry
        return entry

    def downloads(self) -> list[Served]:
        """Requests for served files (not the catalogues)."""
        return [s for s in self.log if s.path in self.files]

    def __enter__(self) -> ModelServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=10)


_RANGE = re.compile(r"bytes=(\d+)-$")


def _handler(server: ModelServer) -> type[http.server.BaseHTTPRequestHandler]:
    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

        def do_GET(self) -> None:  # noqa: N802
            served = Served(self.path, self.headers.get("Range"))
            server.log.append(served)
            self.close_connection = True
            rules = server.behaviour
            if rules.stall_headers:
                server.release.wait(WAIT_S)
                return
            if self.path in (CATALOG_PATH, VOICE_CATALOG_PATH):
                doc = server.catalogue if self.path == CATALOG_PATH else server.voice_catalogue
                body = json.dumps(doc).encode()
                self._head(200, {"Content-Type": "application/json"}, len(body), served)
                self.wfile.write(body)
                served.sent = len(body)
                return
            file = server.files.get(self.path)
            if file is None:
                self._head(404, {}, 0, served)
                return
            size = file.stat().st_size
            etag = server.etags.get(self.path) or f'"{size}-{int(file.stat().st_mtime)}"'
            start = 0
            match = _RANGE.match(self.headers.get("Range", ""))
            if_range = self.headers.get("If-Range")
            if match and not rules.ignore_range and (if_range is None or if_range == etag):
                start = int(match.group(1))
                if start >= size:
                    self._head(416, {"Content-Range": f"bytes */{size}"}, 0, served)
                    return
            headers = {"ETag": etag, "Accept-Ranges": "bytes"}
            if start:
                headers["Content-Range"] = f"bytes {start}-{size - 1}/{size}"
            self._head(206 if start else 200, headers, size - start, served)
            stop = size
            if rules.cut_at is not None and rules.cut_times > 0:
                rules.cut_times -= 1
                stop = min(stop, max(rules.cut_at, start))
            stall = max(rules.stall_at, start) if rules.stall_at is not None else size
            stop = min(stop, stall)
            with file.open("rb") as handle:
                handle.seek(start)
                offset = start
                while offset < stop:
                    block = handle.read(min(64 * 1024, stop - offset))
                    try:
                        self.wfile.write(block)
                    except OSError:
                        return
                    offset += len(block)
                    served.sent += len(block)
            if stop == stall < size:
                self.wfile.flush()
                server.release.wait(WAIT_S)

        def _head(self, status: int, headers: dict[str, str], length: int, served: Served) -> None:
            served.status = status
            self.send_response(status)
            for key, value in headers.items():
                self.send_header(key, value)
            self.send_header("Content-Length", str(length))
            self.send_header("Connection", "close")
            self.end_headers()

    return Handler


def closed_port_url() -> str:
    """An address on 127.0.0.1 where nothing listens (connection refused)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}{CATALOG_PATH}"
