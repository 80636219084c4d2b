"""Answer audio, kept only when ``[journal] save_audio = true``.

    journal/audio/<session id>/<n>.wav     the n-th question's answer, 16 kHz mono, 0600

``AnswerAudio`` is the loop's frame tap: it holds the frames heard during the current listening
turn, and when the journal has saved a new answer (it wraps the journal the recorder writes to)
it cuts that answer's span, with a little air either side, into the session's folder.
"""

from __future__ import annotations

import io
import logging
import wave
from collections import deque
from pathlib import Path

from voicecoach.audio.wavfile import read_wav
from voicecoach.errors import JournalError, SaveError
from voicecoach.files import private_folder, remove_files, write_private
from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH, AudioChunk, seconds_to_samples
from voicecoach.speech.events import Utterance
from voicecoach.store.records import JournalWriter, SessionRecord
from voicecoach.store.retention import AUDIO_DIR

log = logging.getLogger(__name__)

MARGIN_S = 0.3
"""Audio kept before the first word and after the last."""


def audio_folder(journal: Path, session_id: str) -> Path:
    """``journal/audio/<session id>``."""
    return journal / AUDIO_DIR / session_id


def answer_file(journal: Path, session_id: str, turn: int) -> Path:
    """Where the answer to question ``turn`` (from 1) of a session is kept."""
    return audio_folder(journal, session_id) / f"{turn}.wav"


def saved_answers(journal: Path, session_id: str) -> list[int]:
    """The question numbers whose answers have audio kept, in order."""
    folder = audio_folder(journal, session_id)
    if not folder.is_dir():
        return []
    return sorted(int(p.stem) for p in folder.glob("*.wav") if p.stem.isdecimal())


def load_answer(journal: Path, session_id: str, turn: int) -> bytes:
    """The kept audio of an answer as 16 kHz mono PCM; JournalError when there is none."""
    path = answer_file(journal, session_id, turn)
    if not path.exists():
        kept = saved_answers(journal, session_id)
        which = (
            f"answers {', '.join(map(str, kept))} have audio"
            if kept
            else "no audio was kept for it ([journal] save_audio was off)"
        )
        raise JournalError(f"session {session_id} has no audio for answer {turn}; {which}")
    return read_wav(path)


def wav_bytes(pcm: bytes) -> bytes:
    """16-bit mono PCM at 16 kHz as the bytes of a WAV file."""
    out = io.BytesIO()
    with wave.open(out, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(SAMPLE_WIDTH)
        wav.setframerate(SAMPLE_RATE)
        wav.writeframes(pcm)
    return out.getvalue()


class AnswerAudio:
    """Keeps each answer's audio: a frame tap for the loop, and a journal writer's wrapper."""

    def __init__(self, journal: Path, max_turn_s: float) -> None:
        self.journal = journal
        """The journal folder; audio goes to ``audio/<session id>/`` in it."""
        self._limit = seconds_to_samples(max_turn_s)
        self._start = 0
        self._frames: deque[AudioChunk] = deque()

    # -- FrameTap, for the loop --------------------------------------------------------------

    def listening(self, at: int) -> None:
        """A listening turn starts at audio time ``at``: forget the previous turn's frames."""
        self._start = at
        self._frames.clear()

    def heard(self, chunk: AudioChunk) -> None:
        """A frame the listener got; the oldest are dropped past the longest possible turn."""
        if chunk.start < self._start:
            return
        self._frames.append(chunk)
        while self._frames and chunk.end - self._frames[0].start > self._limit:
            self._frames.popleft()

    # -- keeping -----------------------------------------------------------------------------

    def keep(self, session_id: str, turn: int, answer: Utterance) -> Path | None:
        """Write the answer's span of the frames heard; None when none of it was heard."""
        first = seconds_to_samples(max(0.0, answer.start - MARGIN_S))
        last = seconds_to_samples(answer.end + MARGIN_S)
        pcm = bytearray()
        for chunk in self._frames:
            lo, hi = max(first, chunk.start), min(last, chunk.end)
            if lo < hi:
                begin, end = (lo - chunk.start) * SAMPLE_WIDTH, (hi - chunk.start) * SAMPLE_WIDTH
                pcm += chunk.pcm[begin:end]
        if not pcm:
            return None
        path = answer_file(self.journal, session_id, turn)
        try:
            private_folder(path.parent.parent)  # journal/audio
            private_folder(path.parent)
            write_private(path, wav_bytes(bytes(pcm)))
        except OSError as exc:
            raise JournalError(f"cannot keep the audio of answer {turn}: {exc.strerror}") from exc
        return path

    def wrap(self, journal: JournalWriter) -> JournalWriter:
        """The journal, keeping the audio of each new answer once the answer itself is saved."""
        return _KeepingJournal(journal, self)


class _KeepingJournal:
    """A journal writer that keeps an answer's audio right after the answer is saved."""

    def __init__(self, journal: JournalWriter, audio: AnswerAudio) -> None:
        self._journal = journal
        self._audio = audio
        self._last: Utterance | None = None
        self._failed = False

    def begin(self, record: SessionRecord) -> None:
        self._journal.begin(record)

    def save(self, record: SessionRecord) -> None:
        self._journal.save(record)
        self._keep_new_answer(record)

    def forget(self, record: SessionRecord, turns: tuple[int, ...]) -> None:
        """The answers are taken out of the record first, then their audio is removed."""
        self._journal.forget(record, turns)
        paths = [answer_file(self._audio.journal, record.id, turn) for turn in turns]
        try:
            remove_files(*paths)
        except OSError as exc:
            raise SaveError(f"cannot remove an answer's audio: {exc.strerror or exc}") from exc

    def finish(self, record: SessionRecord) -> None:
        self._journal.finish(record)
        self._keep_new_answer(record)

    def _keep_new_answer(self, record: SessionRecord) -> None:
        answer = record.turns[-1].answer if record.turns else None
        if answer is None or answer is self._last:
            return
        self._last = answer
        try:
            self._audio.keep(record.id, len(record.turns), answer)
        except JournalError as exc:  # the words are saved; the sound is a nice-to-have
            if not self._failed:
                log.warning("%s; answers are still saved as text", exc)
            self._failed = True
