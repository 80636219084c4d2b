"""Answer audio, kept only when ``[journal] save_audio = true``.

    journal/audio/<session id>/<n>.wav      the n-th question's answer, 16 kHz mono, 0600
    journal/audio/<session id>/<n>.wav.age  the same, an age file, when the journal has a key

With a key the WAV is sealed to the journal's public key in memory before anything is written
(no plaintext file, not even a temporary one), and read back by decrypting it in memory with
the unlocked key (``show --play``, the review app).

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

from voicecoach.errors import JournalError, SaveError
from voicecoach.files import private_folder, remove_files, write_private
from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH, AudioChunk, seconds_to_samples
from voicecoach.speech.events import Utterance
from voicecoach.store.codec import PLAIN, Codec, JournalLocked, codec_named
from voicecoach.store.crypto import AgeCodec
from voicecoach.store.records import JournalWriter, SessionRecord
from voicecoach.store.retention import AUDIO_DIR

log = logging.getLogger(__name__)

MARGIN_S = 0.3
"""Audio kept before the first word and after the last."""
SEALED = ".age"
"""Added to the name of an answer's audio sealed with the journal's key."""


def audio_folder(journal: Path, session_id: str) -> Path:
    """``journal/audio/<session id>``."""
    return journal / AUDIO_DIR / session_id


def answer_file(journal: Path, session_id: str, turn: int) -> Path:
    """Where the answer to question ``turn`` (from 1) of a session is kept in plain
    (``<n>.wav``; sealed, the same name with ``.age`` added)."""
    return audio_folder(journal, session_id) / f"{turn}.wav"


def kept_files(journal: Path, session_id: str, turn: int) -> list[Path]:
    """The answer's audio files on disk, plain or sealed (normally one, or none)."""
    plain = answer_file(journal, session_id, turn)
    sealed = plain.with_name(plain.name + SEALED)
    return [p for p in (plain, sealed) if p.is_file()]


def saved_answers(journal: Path, session_id: str) -> list[int]:
    """The question numbers whose answers have audio kept, in order."""
    folder = audio_folder(journal, session_id)
    if not folder.is_dir():
        return []
    found = {
        int(p.name.split(".", 1)[0])
        for pattern in ("*.wav", f"*.wav{SEALED}")
        for p in folder.glob(pattern)
        if p.name.split(".", 1)[0].isdecimal()
    }
    return sorted(found)


def load_answer(journal: Path, session_id: str, turn: int) -> bytes:
    """The kept audio of an answer as 16 kHz mono PCM; JournalError when there is none, or it
    is sealed and the journal's key is not unlocked in this process (JournalLocked)."""
    found = kept_files(journal, session_id, turn)
    if not found:
        kept = saved_answers(journal, session_id)
        which = (
            f"answers {', '.join(map(str, kept))} have audio"
            if kept
            else "no audio was kept for it ([journal] save_audio was off)"
        )
        raise JournalError(f"session {session_id} has no audio for answer {turn}; {which}")
    path = found[-1]
    if path.name.endswith(".wav"):
        from voicecoach.audio.wavfile import read_wav  # numpy: only when audio is played

        return read_wav(path)
    try:
        codec = codec_named(AgeCodec.name)
    except JournalError:
        codec = PLAIN
    if not (isinstance(codec, AgeCodec) and codec.unlocked):
        raise JournalLocked("the answer's audio is encrypted: the journal's passphrase is needed")
    try:
        return pcm_of(codec.decrypt_bytes(path.read_bytes()))
    except OSError as exc:
        raise JournalError(f"cannot read {path}: {exc.strerror}") from exc
    except ValueError as exc:
        raise JournalError(f"{path} is damaged ({exc})") from exc


def pcm_of(data: bytes) -> bytes:
    """The samples of a WAV file this module wrote (16 kHz mono int16), from its bytes;
    ValueError when it is not one."""
    try:
        with wave.open(io.BytesIO(data), "rb") as wav:
            shape = (wav.getnchannels(), wav.getsampwidth(), wav.getframerate())
            if shape != (1, SAMPLE_WIDTH, SAMPLE_RATE):
                raise ValueError(f"not 16 kHz mono 16-bit audio: {shape}")
            return wav.readframes(wav.getnframes())
    except (wave.Error, EOFError) as exc:
        raise ValueError(str(exc)) from None


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

    def __init__(self, journal: Path, max_turn_s: float, codec: Codec = PLAIN) -> None:
        self.journal = journal
        """The journal folder; audio goes to ``audio/<session id>/`` in it."""
        self.seal = codec.encrypt_bytes if isinstance(codec, AgeCodec) else None
        """Seals a whole file to the journal's public key; None for a journal without one."""
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
        data = wav_bytes(bytes(pcm))
        if self.seal is not None:  # sealed in memory: no plaintext ever reaches the disk
            path, data = path.with_name(path.name + SEALED), self.seal(data)
        try:
            private_folder(path.parent.parent)  # journal/audio
            private_folder(path.parent)
            write_private(path, data)
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
        paths = [p for turn in turns for p in kept_files(self._audio.journal, record.id, turn)]
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
