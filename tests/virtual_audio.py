"""A private PulseAudio daemon as a virtual sound card (see the team's VIRTUAL-AUDIO notes).

It has a virtual speaker (``speaker``, recorded from ``speaker.monitor``) and a virtual
microphone (``mic``, fed by playing into ``micfeed``). Programs that should use it get
``env`` (with ``PULSE_SERVER``); PortAudio reads it only when first imported, so run them as
subprocesses. The daemon can be stopped and started again on the same socket, which is how
a microphone that goes away and comes back is simulated.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

PACKAGES = "pulseaudio pulseaudio-utils libasound2-plugins libportaudio2"
"""Debian packages this needs."""

START_TIMEOUT_S = 10.0

AEC_ARGS = "analog_gain_control=0 digital_gain_control=0"
"""WebRTC echo canceller options: no automatic gain control, which otherwise turns the
virtual microphone down to about -50 dBFS and hides the speech."""


def available() -> bool:
    """True when the PulseAudio daemon and its tools are installed."""
    return all(shutil.which(tool) for tool in ("pulseaudio", "pactl", "paplay", "parecord"))


class VirtualSoundCard:
    """One private PulseAudio daemon with a virtual speaker and microphone."""

    def __init__(self, folder: Path | None = None) -> None:
        self.folder = folder or Path(tempfile.mkdtemp(prefix="vc-pulse-"))
        self.folder.mkdir(parents=True, exist_ok=True)
        (self.folder / "state").mkdir(exist_ok=True)
        self.socket = self.folder / "native"
        self.env = {**os.environ, "PULSE_SERVER": f"unix:{self.socket}"}
        """Environment for programs that should use this sound card."""
        self.env.pop("PULSE_SINK", None)
        self.env.pop("PULSE_SOURCE", None)
        self._recorders: list[subprocess.Popen[bytes]] = []

    # ---- the daemon -----------------------------------------------------------------------
    def start(self) -> VirtualSoundCard:
        env = {
            **self.env,
            "PULSE_RUNTIME_PATH": str(self.folder),
            "PULSE_STATE_PATH": str(self.folder / "state"),
        }
        sink = "rate=16000 channels=1 format=s16le norewinds=1"
        subprocess.run(
            [
                "pulseaudio",
                "-D",
                "-n",
                "--exit-idle-time=-1",
                "--use-pid-file=yes",
                "--disable-shm=yes",
                f"--log-target=file:{self.folder / 'pa.log'}",
                "-L",
                f"module-native-protocol-unix auth-anonymous=1 socket={self.socket}",
                "-L",
                f"module-null-sink sink_name=speaker {sink}",
                "-L",
                f"module-null-sink sink_name=micfeed {sink}",
                "-L",
                "module-remap-source source_name=mic master=micfeed.monitor",
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            check=True,
            timeout=START_TIMEOUT_S,
        )
        deadline = time.monotonic() + START_TIMEOUT_S
        while not self._answers():
            if time.monotonic() > deadline:
                raise RuntimeError(f"PulseAudio did not start; see {self.folder / 'pa.log'}")
            time.sleep(0.05)
        self.pactl("set-default-sink", "speaker")
        self.pactl("set-default-source", "mic")
        return self

    def _answers(self) -> bool:
        result = subprocess.run(
            ["pactl", "info"], env=self.env, capture_output=True, timeout=START_TIMEOUT_S
        )
        return result.returncode == 0

    @property
    def pid(self) -> int | None:
        try:
            return int((self.folder / "pid").read_text().strip())
        except (OSError, ValueError):
            return None

    def stop(self) -> None:
        """Stop the daemon (every stream on it breaks) and wait until it is gone."""
        pid = self.pid
        if pid is None:
            return
        try:
            os.kill(pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                break
            time.sleep(0.05)
        else:
            os.kill(pid, signal.SIGKILL)
        (self.folder / "pid").unlink(missing_ok=True)

    def close(self) -> None:
        """Stop recorders and the daemon, remove the folder."""
        for recorder in self._recorders:
            if recorder.poll() is None:
                recorder.kill()
                recorder.wait(timeout=START_TIMEOUT_S)
        self.stop()
        shutil.rmtree(self.folder, ignore_errors=True)

    # ---- tools ----------------------------------------------------------------------------
    def pactl(self, *args: str) -> str:
        result = subprocess.run(
            ["pactl", *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=START_TIMEOUT_S,
            check=True,
        )
        return result.stdout

    def speak_into_mic(self, wav: Path, timeout: float = 60.0) -> None:
        """Play a WAV into the virtual microphone (returns when it has been played)."""
        subprocess.run(
            ["paplay", "-d", "micfeed", str(wav)], env=self.env, check=True, timeout=timeout
        )

    def record_speaker(self, wav: Path) -> subprocess.Popen[bytes]:
        """Start recording the virtual speaker to a WAV; stop it with ``stop_recording``."""
        recorder = subprocess.Popen(
            [
                "parecord",
                "-d",
                "speaker.monitor",
                "--rate=16000",
                "--channels=1",
                "--format=s16le",
                "--file-format=wav",
                str(wav),
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
        )
        self._recorders.append(recorder)
        return recorder

    # ---- echo: the speaker heard by the microphone ---------------------------------------------
    def loopback(self, latency_ms: int) -> int:
        """Feed what the speaker plays into the microphone ``latency_ms`` later.

        A small speaker beside its microphone, as on a Pi with a speaker-phone. Returns the
        module index (for ``unload``).
        """
        index = self.pactl(
            "load-module",
            "module-loopback",
            "source=speaker.monitor",
            "sink=micfeed",
            f"latency_msec={latency_ms}",
            "source_dont_move=true",
            "sink_dont_move=true",
        )
        return int(index.strip())

    def echo_cancel(self, aec_args: str = AEC_ARGS) -> int:
        """Load WebRTC echo cancellation between the microphone and the speaker.

        Its sink ``speaker_aec`` and source ``mic_aec`` become the defaults, so a program that
        plays and records through the defaults gets the microphone with its own voice removed.
        Returns the module index; raises ``subprocess.CalledProcessError`` when the module does
        not load (PulseAudio built without WebRTC audio processing).

        Measured here with real speech through ``loopback``: at 30 ms the echo comes out of
        ``mic_aec`` ~30 dB quieter; at 300 ms only 2–4 dB (beyond the canceller's reach).
        """
        index = self.pactl(
            "load-module",
            "module-echo-cancel",
            "source_master=mic",
            "sink_master=speaker",
            "aec_method=webrtc",
            "source_name=mic_aec",
            "sink_name=speaker_aec",
            "rate=16000",
            "channels=1",
            f'aec_args="{aec_args}"',
        )
        self.pactl("set-default-sink", "speaker_aec")
        self.pactl("set-default-source", "mic_aec")
        return int(index.strip())

    def unload(self, module: int) -> None:
        """Unload a module loaded by ``loopback`` or ``echo_cancel`` (defaults fall back)."""
        self.pactl("unload-module", str(module))

    def record(self, source: str, wav: Path) -> subprocess.Popen[bytes]:
        """Start recording any source (e.g. ``mic``, ``mic_aec``) to a WAV."""
        recorder = subprocess.Popen(
            [
                "parecord",
                "-d",
                source,
                "--rate=16000",
                "--channels=1",
                "--format=s16le",
                "--file-format=wav",
                str(wav),
            ],
            env=self.env,
            stdin=subprocess.DEVNULL,
        )
        self._recorders.append(recorder)
        return recorder

    @staticmethod
    def stop_recording(recorder: subprocess.Popen[bytes]) -> None:
        """SIGINT, so parecord writes a valid WAV header."""
        if recorder.poll() is None:
            recorder.send_signal(signal.SIGINT)
            try:
                recorder.wait(timeout=START_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                recorder.kill()
                recorder.wait(timeout=START_TIMEOUT_S)


MATCH = 0.9
"""Normalised correlation at which a piece of a line counts as found in a recording."""


def heard_in_order(rec: np.ndarray, ref: np.ndarray, piece_s: float = 0.1) -> float:
    """Share (0..1) of the voiced 0.1 s pieces of ``ref`` found, in order, in ``rec``.

    Each piece is looked for after the one before it, at the first place whose normalised
    correlation with it reaches ``MATCH``. Piece by piece, so a dropout of a busy machine's sound
    server (the device plays silence while the player is late; nothing queued is lost) shifts
    what follows without hiding that every piece was played; the first place, not the loudest,
    so the same words in another line later on do not pull the search past the right one.
    """
    n = int(16_000 * piece_s)
    pieces = [ref[i : i + n] for i in range(0, len(ref) - n + 1, n)]
    voiced = [p for p in pieces if np.sqrt(np.mean(p**2)) > 300]
    found, start = 0, 0
    for piece in voiced:
        rest = rec[start:]
        if len(rest) < n:
            break
        size = 1 << int(np.ceil(np.log2(len(rest) + n)))
        corr = np.fft.irfft(np.fft.rfft(rest, size) * np.conj(np.fft.rfft(piece, size)), size)
        energy = np.concatenate(([0.0], np.cumsum(rest * rest)))
        window = np.sqrt(np.maximum(energy[n:] - energy[:-n], 1e-9))
        score = corr[: len(rest) - n + 1] / (window * np.linalg.norm(piece) + 1e-9)
        hits = np.flatnonzero(score > MATCH)
        if hits.size:
            found += 1
            start += int(hits[0]) + n
    return found / len(voiced)


MINI_SCRIPT = """\
id = "patience"
title = "Patience (short)"
summary = "Two short questions, for tests that run in real time."

[opening]
say = ["Hello."]

[[steps]]
id = "one"
prompt = "What happened?"
acknowledge = "Thank you."

[[steps]]
id = "two"
prompt = "What did you feel?"

[closing]
say = ["Goodbye."]
"""
"""A session script short enough for live-audio tests (real time is slow)."""

FAST_CONFIG = """\
[coach]
mood_checkin = false

[listen]
end_silence_s = 0.8
no_answer_s = 6.0
gate_tail_s = 0.2
reprompts = 0

[audio]
retry_every_s = 0.5
give_up_s = 30.0

[wake]
reply_s = 5.0
"""
"""Short listening timings for live-audio tests."""


def write_mini_home(home: Path, extra_config: str = "") -> Path:
    """A VOICECOACH_HOME whose "patience" is the two-question script, with short timings."""
    (home / "sessions").mkdir(parents=True, exist_ok=True)
    (home / "sessions" / "patience.toml").write_text(MINI_SCRIPT)
    (home / "config.toml").write_text(FAST_CONFIG + extra_config)
    return home
