"""Fetching a file over HTTP with the standard library: resumable, size- and MD5-checked.

A download goes to ``NAME.part`` beside a small ``NAME.part.json`` saying what it is (URL,
size, MD5, the server's validator). When the connection breaks, the part stays: the same run
retries while it makes progress, and a later run continues it with an HTTP Range request.
Only a whole file whose size and MD5 match is handed back. Every request has a timeout.
"""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import re
import socket
import time
import urllib.error
import urllib.request
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit

from voicecoach.errors import ModelError
from voicecoach.files import private_folder

USER_AGENT = "voicecoach/0.1 (model download)"
CHUNK = 64 * 1024
"""Most bytes read per call (read1: whatever has arrived); the timeout applies to each read."""
MAX_ATTEMPTS = 5
"""Tries within one run; a try that receives nothing ends the run."""
RETRY_PAUSE_S = 0.5


class DownloadProgress(Protocol):
    """Told how a download goes (the CLI draws a progress bar)."""

    def start(self, total: int | None, done: int) -> None:
        """Bytes expected in all (None when unknown) and bytes already on disk."""

    def advance(self, count: int) -> None:
        """More bytes arrived."""

    def note(self, text: str) -> None:
        """Something worth saying: a resume, a retry."""


class QuietDownload:
    """Download progress that shows nothing."""

    def start(self, total: int | None, done: int) -> None:
        pass

    def advance(self, count: int) -> None:
        pass

    def note(self, text: str) -> None:
        pass


@dataclass(frozen=True)
class DownloadJob:
    """One file to fetch."""

    url: str
    """http:// or https:// address."""
    dest: Path
    """Where the whole file ends up; the part is kept at dest + ".part" meanwhile."""
    size: int | None = None
    """Expected size in bytes, when known."""
    md5: str = ""
    """Expected MD5 (hex), when known."""

    @property
    def part(self) -> Path:
        return self.dest.with_name(self.dest.name + ".part")

    @property
    def meta(self) -> Path:
        return self.dest.with_name(self.dest.name + ".part.json")


class NetworkError(ModelError):
    """The server could not be reached, or the transfer broke off; trying later may work."""


class _Broken(Exception):
    """The connection ended before the whole file arrived; the message says how."""


def host_of(url: str) -> str:
    return urlsplit(url).netloc or url


def _mb(count: int) -> str:
    return f"{count / 1e6:.1f} MB"


def network_error(exc: BaseException, url: str, timeout: float) -> NetworkError:
    """A network exception → one clear sentence (the caller adds what to do next)."""
    host = host_of(url)
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(exc, urllib.error.HTTPError):
        return NetworkError(f"{url}: the server answered {exc.code} {exc.reason}")
    if isinstance(reason, TimeoutError):
        return NetworkError(f"{host} sent nothing for {timeout:g} s (timed out)")
    if isinstance(reason, socket.gaierror):
        return NetworkError(f"cannot find {host} (no network, or no name server)")
    if isinstance(reason, ConnectionRefusedError):
        return NetworkError(f"{host} refused the connection")
    if isinstance(reason, OSError) and reason.strerror:
        return NetworkError(f"cannot reach {host} ({reason.strerror})")
    return NetworkError(f"cannot reach {host} ({reason})")


def open_url(
    url: str, timeout: float, headers: dict[str, str] | None = None
) -> http.client.HTTPResponse:
    """GET an http(s) URL; network failures become ModelError (HTTPError is passed through)."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise ModelError(f"{url}: only http:// and https:// addresses can be fetched")
    request = urllib.request.Request(
        url, headers={"User-Agent": USER_AGENT, "Accept-Encoding": "identity", **(headers or {})}
    )
    try:
        response = urllib.request.urlopen(request, timeout=timeout)  # noqa: S310 (scheme checked)
    except urllib.error.HTTPError:
        raise
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        raise network_error(exc, url, timeout) from exc
    if not isinstance(response, http.client.HTTPResponse):  # pragma: no cover - http(s) only
        response.close()
        raise ModelError(f"{url}: not an HTTP answer")
    return response


def fetch_bytes(url: str, timeout: float, limit: int = 16 * 1024 * 1024) -> bytes:
    """A small document (the model catalogue), read whole."""
    try:
        with open_url(url, timeout) as response:
            data = response.read(limit + 1)
    except urllib.error.HTTPError as exc:
        exc.close()
        raise network_error(exc, url, timeout) from exc
    except (OSError, http.client.HTTPException) as exc:
        raise network_error(exc, url, timeout) from exc
    if len(data) > limit:
        raise ModelError(f"{url}: larger than {_mb(limit)}; not a catalogue")
    return data


def md5_of(path: Path) -> str:
    digest = hashlib.md5(usedforsecurity=False)
    with path.open("rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


def _discard(job: DownloadJob) -> None:
    job.part.unlink(missing_ok=True)
    job.meta.unlink(missing_ok=True)


def _load_meta(job: DownloadJob) -> dict[str, object]:
    try:
        doc = json.loads(job.meta.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return doc if isinstance(doc, dict) else {}


def _save_meta(job: DownloadJob, validator: str) -> None:
    doc = {"url": job.url, "size": job.size, "md5": job.md5, "validator": validator}
    job.meta.write_text(json.dumps(doc), encoding="utf-8")


def _resumable_part(job: DownloadJob) -> tuple[int, str]:
    """Bytes of a part left by an earlier run for this same file, and its validator."""
    meta = _load_meta(job)
    same = {k: meta.get(k) for k in ("url", "size", "md5")} == {
        k: v for k, v in asdict(job).items() if k in ("url", "size", "md5")
    }
    if not job.part.exists() or not same:
        _discard(job)
        return 0, ""
    have = job.part.stat().st_size
    if job.size is not None and have > job.size:
        _discard(job)
        return 0, ""
    return have, str(meta.get("validator") or "")


_CONTENT_RANGE = re.compile(r"bytes\s+(\d+)-(\d+)/(\d+|\*)")


def _cannot_write(job: DownloadJob, exc: OSError) -> ModelError:
    return ModelError(f"{job.part}: cannot write the download ({exc.strerror or exc})")


def _attempt(job: DownloadJob, timeout: float, progress: DownloadProgress) -> None:
    """One request: continue the part from where it ends; raise _Broken if cut short."""
    have, validator = _resumable_part(job)
    if job.size is not None and have == job.size:
        return
    headers: dict[str, str] = {}
    if have:
        headers["Range"] = f"bytes={have}-"
        if validator:
            headers["If-Range"] = validator
    try:
        response = open_url(job.url, timeout, headers)
    except urllib.error.HTTPError as exc:
        exc.close()
        if exc.code == 416 and have:  # the part already holds everything the server has
            return
        raise network_error(exc, job.url, timeout) from exc
    with response:
        if response.status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            if match is None or int(match.group(1)) != have:
                raise ModelError(f"{job.url}: the server resumed at the wrong place")
            total = None if match.group(3) == "*" else int(match.group(3))
            mode = "ab"
            progress.note(f"continuing from {_mb(have)}")
        else:
            length = response.headers.get("Content-Length")
            total = int(length) if length and length.isdigit() else None
            have, mode = 0, "wb"
        if job.size is not None and total is not None and total != job.size:
            _discard(job)
            raise ModelError(
                f"{job.url}: the server offers {total} bytes but the catalogue says {job.size}"
            )
        expected = total if total is not None else job.size
        validator = response.headers.get("ETag") or response.headers.get("Last-Modified") or ""
        try:
            private_folder(job.part.parent)
            _save_meta(job, validator)
        except OSError as exc:
            raise _cannot_write(job, exc) from exc
        progress.start(expected, have)
        try:
            out = job.part.open(mode)
        except OSError as exc:
            raise _cannot_write(job, exc) from exc
        with out:
            while True:
                block = response.read1(CHUNK)
                if not block:
                    break
                try:
                    out.write(block)
                except OSError as exc:  # a full disk is not a network problem: no retry
                    raise _cannot_write(job, exc) from exc
                have += len(block)
                progress.advance(len(block))
        if expected is not None and have < expected:
            raise _Broken(f"the connection closed after {_mb(have)} of {_mb(expected)}")


def download(
    job: DownloadJob,
    timeout: float,
    progress: DownloadProgress | None = None,
    attempts: int = MAX_ATTEMPTS,
) -> Path:
    """Fetch job.url into job.dest, resuming any part an earlier run left; return job.dest.

    Raises ModelError when the network fails (the part is kept, so the next run continues it)
    or when the whole file has the wrong size or MD5 (the part is deleted).
    """
    progress = progress or QuietDownload()
    for attempt in range(1, attempts + 1):
        before = job.part.stat().st_size if job.part.exists() else 0
        try:
            _attempt(job, timeout, progress)
            break
        except (_Broken, TimeoutError, OSError, http.client.HTTPException) as exc:
            if isinstance(exc, _Broken):
                problem = str(exc)
            elif isinstance(exc, TimeoutError):
                problem = f"{host_of(job.url)} sent nothing for {timeout:g} s (timed out)"
            else:
                problem = f"the connection to {host_of(job.url)} broke ({exc})"
            now = job.part.stat().st_size if job.part.exists() else 0
            if now <= before or attempt == attempts:
                raise NetworkError(
                    f"download stopped: {problem}; the {_mb(now)} received are kept and the "
                    "next pull continues from there"
                ) from exc
            progress.note(f"{problem}; trying again")
            time.sleep(RETRY_PAUSE_S)
    return _finish(job)


def _finish(job: DownloadJob) -> Path:
    """Check size and MD5 of the part, then give it its final name."""
    size = job.part.stat().st_size
    if job.size is not None and size != job.size:
        _discard(job)
        raise ModelError(
            f"{job.dest.name}: got {size} bytes, expected {job.size}; deleted it, try again"
        )
    if job.md5:
        actual = md5_of(job.part)
        if actual != job.md5.lower():
            _discard(job)
            raise ModelError(
                f"{job.dest.name}: damaged download (MD5 {actual}, the catalogue says "
                f"{job.md5}); deleted it, try again"
            )
    job.part.replace(job.dest)
    with contextlib.suppress(OSError):
        job.meta.unlink()
    return job.dest


def already_fetched(job: DownloadJob) -> bool:
    """Is job.dest a whole file from an earlier run (size and MD5 as expected)?

    Without a size or an MD5 to check, a file is fetched again.
    """
    if not job.dest.is_file() or (job.size is None and not job.md5):
        return False
    if job.size is not None and job.dest.stat().st_size != job.size:
        return False
    return not job.md5 or md5_of(job.dest) == job.md5.lower()
