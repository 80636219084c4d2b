"""Wake phrase spotting: the voice-activity detector, then a recogniser of the phrases only.

Silence costs a level check per frame, sound a Silero decision per 32 ms (``speech/vad.py``).
A stretch of speech is handed to the phrase decoder (with a little audio from before it); a wake
phrase is said on its own, so the stretch must end in silence within ``max_phrase_s`` and be
nothing but a phrase. Longer speech (a conversation, the radio) is not decoded past that length.
Nothing is transcribed: the decoders can only say which phrase, if any, they heard.
"""

from __future__ import annotations

import json
import logging
import tempfile
from collections import deque
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from voicecoach.frames import FRAME_SAMPLES, AudioChunk, seconds_to_samples
from voicecoach.speech.grammar import vosk_phrase_recognizer
from voicecoach.speech.vad import VoiceActivity
from voicecoach.text import normalise

log = logging.getLogger(__name__)

PRE_ROLL_FRAMES = 6
"""100 ms frames kept from before the speech began (the VAD notices speech a little late)."""

ONSET_FRAMES = 2
"""Consecutive voiced frames that start a stretch of speech."""

END_SILENCE_S = 0.5
"""Silence that ends a stretch of speech."""


@dataclass(frozen=True)
class Wake:
    """A wake phrase was heard."""

    phrase: str
    """Which of the configured phrases."""
    at: int
    """Audio time (samples) at which it was recognised."""


class PhraseDecoder(Protocol):
    """A recogniser restricted to a few phrases, run over one stretch of speech at a time."""

    engine: str
    """"vosk" or "pocketsphinx"."""

    def start(self) -> None:
        """A stretch of speech begins."""
        ...

    def feed(self, pcm: bytes) -> None:
        """More of it."""
        ...

    def end(self) -> str | None:
        """It ended in silence: the phrase it was (all of it), or None."""
        ...

    def abandon(self) -> None:
        """It ran too long to be a phrase: drop it."""
        ...

    def close(self) -> None: ...


@dataclass
class SpotterStats:
    """What idle listening has cost so far."""

    frames: int = 0
    """Frames heard."""
    decoded: int = 0
    """Frames handed to the phrase decoder (the rest cost a VAD decision only)."""
    stretches: int = 0
    """Stretches of speech examined."""
    wakes: int = 0
    """Wake phrases heard."""


class WakeSpotter:
    """Feeds idle frames through the VAD gate to a phrase decoder; says when a phrase was heard."""

    def __init__(
        self,
        decoder: PhraseDecoder,
        vad: VoiceActivity | None = None,
        max_phrase_s: float = 3.0,
    ) -> None:
        self.decoder = decoder
        self._gate = vad if vad is not None else VoiceActivity()
        self._max_frames = max(1, seconds_to_samples(max_phrase_s) // FRAME_SAMPLES)
        self._end_frames = max(1, seconds_to_samples(END_SILENCE_S) // FRAME_SAMPLES)
        self._pre: deque[bytes] = deque(maxlen=PRE_ROLL_FRAMES)
        self._run = 0
        self._in_speech = False
        self._decoding = False
        self._length = 0
        self._quiet = 0
        self.stats = SpotterStats()

    def feed(self, chunk: AudioChunk) -> Wake | None:
        self.stats.frames += 1
        voiced = self._gate.voiced(chunk.pcm)
        if not self._in_speech:
            self._pre.append(chunk.pcm)
            self._run = self._run + 1 if voiced else 0
            if self._run >= ONSET_FRAMES:
                self._begin()
            return None
        self._length += 1
        self._quiet = 0 if voiced else self._quiet + 1
        if self._decoding:
            self.decoder.feed(chunk.pcm)
            self.stats.decoded += 1
            if self._length > self._max_frames:
                self.decoder.abandon()
                self._decoding = False
        if self._quiet < self._end_frames:
            return None
        phrase = self.decoder.end() if self._decoding else None
        self._decoding = False
        self._in_speech = False
        self._run = 0
        if phrase is None:
            return None
        self.stats.wakes += 1
        return Wake(phrase=phrase, at=chunk.end)

    @property
    def idle(self) -> bool:
        """No stretch of speech is being heard (between phrases)."""
        return not self._in_speech

    def _begin(self) -> None:
        self.stats.stretches += 1
        self._in_speech = True
        self._decoding = True
        self._length = len(self._pre)
        self._quiet = 0
        self.decoder.start()
        for pcm in self._pre:
            self.decoder.feed(pcm)
            self.stats.decoded += 1
        self._pre.clear()

    def reset(self) -> None:
        """Forget the stretch in progress (after a session, the coach's own voice, …)."""
        if self._decoding:
            self.decoder.abandon()
        self._decoding = False
        self._in_speech = False
        self._run = 0
        self._pre.clear()

    def close(self) -> None:
        self.reset()
        self.decoder.close()


class SphinxPhrases:
    """PocketSphinx keyphrase spotting of the phrases, with its bundled US-English model."""

    engine = "pocketsphinx"

    def __init__(self, phrases: tuple[str, ...], threshold: float) -> None:
        import pocketsphinx

        self.phrases = tuple(normalise(p) for p in phrases)
        config = pocketsphinx.Config(loglevel="FATAL", lm=None)
        probe = pocketsphinx.Decoder(config)
        unknown = sorted(
            {w for p in self.phrases for w in p.split() if probe.lookup_word(w) is None}
        )
        if unknown:
            from voicecoach.config import config_error, toml_value

            raise config_error(
                "wake.phrases",
                f"PocketSphinx does not know the word(s) {', '.join(map(toml_value, unknown))}; "
                "choose other phrases",
            )
        with tempfile.TemporaryDirectory(prefix="voicecoach-kws-") as folder:
            keyfile = Path(folder) / "wake.kws"
            keyfile.write_text("".join(f"{p} /{threshold:g}/\n" for p in self.phrases))
            probe.add_kws("wake", str(keyfile))
        probe.activate_search("wake")
        self._decoder = probe
        self._in_utt = False
        self._heard: str | None = None

    def start(self) -> None:
        self.abandon()
        self._decoder.start_utt()
        self._in_utt = True
        self._heard = None

    def feed(self, pcm: bytes) -> None:
        self._decoder.process_raw(pcm, False, False)
        if self._heard is None:
            self._heard = self._match()

    def _match(self) -> str | None:
        hyp = self._decoder.hyp()
        if hyp is None:
            return None
        text = normalise(hyp.hypstr)
        return next((p for p in self.phrases if p in text), None)

    def end(self) -> str | None:
        if not self._in_utt:
            return None
        self._decoder.end_utt()
        self._in_utt = False
        heard = self._heard or self._match()
        self._heard = None
        return heard

    def abandon(self) -> None:
        if self._in_utt:
            self._decoder.end_utt()
            self._in_utt = False
        self._heard = None

    def close(self) -> None:
        self.abandon()


class VoskPhrases:
    """A Vosk recogniser whose grammar is the wake phrases (and "[unk]"); created once, kept."""

    engine = "vosk"

    def __init__(self, model: Any, phrases: tuple[str, ...], min_confidence: float) -> None:
        self.phrases, rec = vosk_phrase_recognizer(model, phrases, "the wake phrases")
        if rec is None:
            from voicecoach.config import config_error

            raise config_error(
                "wake.phrases",
                "the Vosk model knows none of these phrases' words; "
                "choose phrases in the model's language",
            )
        self._rec: Any = rec
        self._min_conf = min_confidence
        self._rec.SetWords(True)
        self._words: list[dict[str, Any]] = []

    def start(self) -> None:
        self._words = []

    def feed(self, pcm: bytes) -> None:
        if self._rec.AcceptWaveform(pcm):
            self._keep(self._rec.Result())

    def _keep(self, result_json: str) -> None:
        self._words.extend(json.loads(result_json).get("result", []))

    def end(self) -> str | None:
        self._keep(self._rec.FinalResult())
        words, self._words = self._words, []
        text = " ".join(str(w["word"]) for w in words)
        if text not in self.phrases:
            return None
        if min(float(w.get("conf", 1.0)) for w in words) < self._min_conf:
            return None
        return text

    def abandon(self) -> None:
        self._rec.FinalResult()
        self._words = []

    def close(self) -> None:
        self._words = []
