"""download(): resume with Range, checks of size and MD5, timeouts — on a real local server."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from tests.modelserver import Behaviour, ModelServer, closed_port_url, md5_hex
from voicecoach.errors import ModelError
from voicecoach.speech.catalog import fetch_catalog, parse_catalog
from voicecoach.speech.download import DownloadJob, NetworkError, download

SIZE = 400_000


@pytest.fixture
def blob(tmp_path: Path) -> Path:
    path = tmp_path / "blob.zip"
    path.write_bytes(os.urandom(SIZE))
    return path


@pytest.fixture
def server(blob: Path) -> ModelServer:
    with ModelServer(files={"/blob.zip": blob}) as running:
        yield running  # type: ignore[misc]


def job_for(server: ModelServer, blob: Path, dest_dir: Path, **changes: object) -> DownloadJob:
    fields: dict[str, object] = {
        "url": server.base + "/blob.zip",
        "dest": dest_dir / "got.zip",
        "size": SIZE,
        "md5": md5_hex(blob),
    }
    fields.update(changes)
    return DownloadJob(**fields)  # type: ignore[arg-type]


class Recorded:
    """A DownloadProgress that keeps what it was told."""

    def __init__(self) -> None:
        self.starts: list[tuple[int | None, int]] = []
        self.received = 0
        self.notes: list[str] = []

    def start(self, total: int | None, done: int) -> None:
        self.starts.append((total, done))

    def advance(self, count: int) -> None:
        self.received += count

    def note(self, text: str) -> None:
        self.notes.append(text)


def test_whole_download_is_checked_and_renamed(server: ModelServer, blob: Path, tmp_path: Path):
    job = job_for(server, blob, tmp_path / "out")
    progress = Recorded()
    result = download(job, timeout=5, progress=progress)
    assert result == job.dest
    assert result.read_bytes() == blob.read_bytes()
    assert not job.part.exists() and not job.meta.exists()
    assert progress.starts == [(SIZE, 0)] and progress.received == SIZE


def test_broken_connection_is_resumed_in_the_same_run(
    server: ModelServer, blob: Path, tmp_path: Path
):
    server.behaviour = Behaviour(cut_at=SIZE // 2, cut_times=1)
    progress = Recorded()
    result = download(job_for(server, blob, tmp_path), timeout=5, progress=progress)
    assert result.read_bytes() == blob.read_bytes()
    assert [s.range for s in server.log] == [None, f"bytes={SIZE // 2}-"]
    assert [s.sent for s in server.log] == [SIZE // 2, SIZE - SIZE // 2]
    assert progress.starts == [(SIZE, 0), (SIZE, SIZE // 2)]
    assert any("continuing" in note for note in progress.notes)


def test_part_left_by_an_earlier_run_is_continued(server: ModelServer, blob: Path, tmp_path: Path):
    server.behaviour = Behaviour(cut_at=SIZE // 3)
    job = job_for(server, blob, tmp_path)
    with pytest.raises(NetworkError, match="next pull continues"):
        download(job, timeout=5)
    assert job.part.stat().st_size == SIZE // 3
    assert not job.dest.exists()
    assert len(server.log) == 2  # the retry got nothing more, so the run gave up
    server.behaviour = Behaviour()
    server.log.clear()
    download(job, timeout=5)
    assert job.dest.read_bytes() == blob.read_bytes()
    assert [(s.range, s.sent) for s in server.log] == [(f"bytes={SIZE // 3}-", SIZE - SIZE // 3)]


def test_server_ignoring_range_restarts_from_zero(server: ModelServer, blob: Path, tmp_path: Path):
    job = job_for(server, blob, tmp_path)
    job.part.write_bytes(blob.read_bytes()[:1000])
    job.meta.write_text(f'{{"url": "{job.url}", "size": {SIZE}, "md5": "{job.md5}"}}')
    server.behaviour = Behaviour(ignore_range=True)
    download(job, timeout=5)
    assert job.dest.read_bytes() == blob.read_bytes()
    assert server.log[0].range == "bytes=1000-" and server.log[0].status == 200


def test_file_changed_on_the_server_is_fetched_again(
    server: ModelServer, blob: Path, tmp_path: Path
):
    server.behaviour = Behaviour(cut_at=SIZE // 2, cut_times=1)
    job = job_for(server, blob, tmp_path)
    with pytest.raises(NetworkError):
        download(job, timeout=5, attempts=1)
    server.etags["/blob.zip"] = '"a-new-version"'
    download(job, timeout=5)
    assert job.dest.read_bytes() == blob.read_bytes()
    assert server.log[-1].status == 200  # If-Range did not match: the whole file again


def test_part_of_another_file_is_not_reused(server: ModelServer, blob: Path, tmp_path: Path):
    job = job_for(server, blob, tmp_path)
    job.part.write_bytes(b"x" * 1000)
    job.meta.write_text('{"url": "http://elsewhere/other.zip", "size": 5, "md5": ""}')
    download(job, timeout=5)
    assert job.dest.read_bytes() == blob.read_bytes()
    assert server.log[0].range is None


def test_wrong_md5_deletes_the_download(server: ModelServer, blob: Path, tmp_path: Path):
    job = job_for(server, blob, tmp_path, md5="0" * 32)
    with pytest.raises(ModelError, match="damaged download"):
        download(job, timeout=5)
    assert list(tmp_path.iterdir()) == [blob]


def test_size_differing_from_the_catalogue_is_refused(
    server: ModelServer, blob: Path, tmp_path: Path
):
    job = job_for(server, blob, tmp_path / "out", size=SIZE + 1)
    with pytest.raises(ModelError, match=f"offers {SIZE} bytes but the catalogue says {SIZE + 1}"):
        download(job, timeout=5)
    assert not job.part.exists() and not job.dest.exists()


def test_stalled_body_times_out(server: ModelServer, blob: Path, tmp_path: Path):
    server.behaviour = Behaviour(stall_at=SIZE // 2)
    job = job_for(server, blob, tmp_path)
    started = time.monotonic()
    with pytest.raises(NetworkError, match=r"sent nothing for 0.3 s \(timed out\)"):
        download(job, timeout=0.3)
    assert time.monotonic() - started < 10
    assert job.part.stat().st_size == SIZE // 2  # kept for the next run


def test_server_that_never_answers_times_out(server: ModelServer, blob: Path, tmp_path: Path):
    server.behaviour = Behaviour(stall_headers=True)
    with pytest.raises(NetworkError, match=r"sent nothing for 0.3 s \(timed out\)"):
        download(job_for(server, blob, tmp_path), timeout=0.3)


def test_missing_file_names_the_status(server: ModelServer, blob: Path, tmp_path: Path):
    job = job_for(server, blob, tmp_path, url=server.base + "/nothing.zip")
    with pytest.raises(NetworkError, match="answered 404"):
        download(job, timeout=5)


def test_refused_connection_is_said_plainly(tmp_path: Path):
    with pytest.raises(NetworkError, match="refused the connection"):
        fetch_catalog(closed_port_url(), timeout=2)


def test_only_http_addresses(tmp_path: Path):
    job = DownloadJob(url="file:///etc/passwd", dest=tmp_path / "x.zip")
    with pytest.raises(ModelError, match="only http:// and https://"):
        download(job, timeout=1)


def test_catalogue_entries_are_read_leniently():
    doc = [
        {
            "name": "vosk-model-small-de-0.15",
            "lang": "de",
            "lang_text": "German",
            "md5": "ABC",
            "size": 47000000,
            "size_text": "45MiB",
            "type": "small",
            "url": "vosk-model-small-de-0.15.zip",
            "version": "0.15",
            "obsolete": "false",
        },
        {"name": "vosk-model-de-0.6", "type": "big", "obsolete": "true", "size": "big"},
        {"lang": "xx"},
        "junk",
    ]
    entries = parse_catalog(doc, "http://mirror.example/vosk/models/model-list.json")
    assert [e.name for e in entries] == ["vosk-model-small-de-0.15", "vosk-model-de-0.6"]
    small, old = entries
    assert small.url == "http://mirror.example/vosk/models/vosk-model-small-de-0.15.zip"
    assert small.md5 == "abc" and small.suits_pi and not small.obsolete
    assert old.obsolete and old.size is None and not old.suits_pi
    assert old.url.endswith("/vosk-model-de-0.6.zip")
    with pytest.raises(ModelError, match="expected a JSON list"):
        parse_catalog({"models": []}, "x")
