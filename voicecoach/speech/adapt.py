"""Adapting PocketSphinx's acoustic model to one person's voice.

The person reads the sentences of ``data/voice_sentences.txt`` aloud (about two minutes).
SphinxTrain's tools, run on those recordings, move the model's Gaussian means and variances
and its mixture weights toward that voice: maximum a posteriori (MAP) adaptation (Gauvain and
Lee, 1994), in the steps of the CMUSphinx acoustic-model adaptation tutorial:
``sphinx_fe`` (features) → ``bw`` (statistics against the transcripts) → ``map_adapt`` →
``mk_s2sendump`` (back to PocketSphinx's compressed mixture weights). The dictionary and
language model stay the bundled ones; only how words sound changes.

The tools come from Debian's ``sphinxtrain``, ``sphinxbase-utils`` and ``pocketsphinx``
packages (BSD-style licences; also built for arm64, so a Raspberry Pi has them). Nothing is
downloaded. The recordings live only in a temporary folder while the model is made; the
adapted model (about 7 MB) is written whole or not at all.

PocketSphinx's bundled model ships its mixture weights 8-bit quantised (``sendump``) and not
the float ``mixture_weights`` SphinxTrain reads: ``mixture_weights`` rebuilds them (each byte
``q`` is the weight ``1.0001 ** -(q << shift)``, renormalised; the format of
``mk_s2sendump``'s output).
"""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from voicecoach.audio.wavfile import write_wav
from voicecoach.errors import VoiceCoachError
from voicecoach.frames import SAMPLE_RATE, SAMPLE_WIDTH

TOOLS = {
    "sphinx_fe": "sphinxbase-utils",
    "pocketsphinx_mdef_convert": "pocketsphinx",
    "bw": "sphinxtrain",
    "map_adapt": "sphinxtrain",
    "mk_s2sendump": "sphinxtrain",
}
"""Each program adaptation runs, and the Debian package it comes in."""
SPHINXTRAIN_DIRS = (Path("/usr/lib/sphinxtrain"), Path("/usr/local/lib/sphinxtrain"))
"""Where SphinxTrain installs its programs (not on PATH)."""
MIN_READINGS = 10
"""Fewest sentences heard to try adapting (about 40 s of speech)."""
MIN_USED = 3
"""Fewest sentences ``bw`` must align with their text for a model worth keeping. A reading cut
or shifted against its sentences aligns none or almost none; espeak-ng's en-gb voice, read
whole, aligned 4 of 30 at ``bw``'s default beam and its model heard that voice almost word for
word."""
TOOL_TIMEOUT_S = 600
"""Longest any one tool may run (``bw`` on 30 sentences: ~3 s here, ~15 s on a Raspberry Pi)."""
KEPT = ("mdef", "means", "variances", "sendump", "transition_matrices", "feat.params", "noisedict")
"""The files of an adapted model folder, as PocketSphinx reads one."""
ABOUT = "adapted.json"
"""What was adapted, and when: sentences and seconds read (no words, no audio)."""


class AdaptError(VoiceCoachError):
    """Adaptation could not run, or its input is unusable."""


@dataclass(frozen=True)
class Reading:
    """One sentence as the person read it."""

    text: str
    """The sentence (as shown to them)."""
    pcm: bytes
    """16 kHz mono int16 audio of it."""


@dataclass(frozen=True)
class Adapted:
    """An adapted model folder."""

    folder: Path
    sentences: int
    """Sentences heard."""
    seconds: float
    """Audio read, in seconds."""
    used: int
    """Sentences ``bw`` aligned with their text (the others taught nothing)."""


def sentences() -> list[str]:
    """The sentences to read, in order (comment lines left out)."""
    text = resources.files("voicecoach.data").joinpath("voice_sentences.txt").read_text("utf-8")
    return [line.strip() for line in text.splitlines() if line.strip() and line[0] != "#"]


def base_model() -> Path:
    """PocketSphinx's bundled US-English acoustic model folder."""
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us" / "en-us"


def base_dictionary() -> Path:
    """PocketSphinx's bundled pronouncing dictionary."""
    import pocketsphinx

    return Path(pocketsphinx.get_model_path()) / "en-us" / "cmudict-en-us.dict"


def find_tool(name: str) -> Path | None:
    """The program ``name`` (on PATH, or in SphinxTrain's folder), or None."""
    found = shutil.which(name)
    if found:
        return Path(found)
    for folder in SPHINXTRAIN_DIRS:
        if (folder / name).is_file():
            return folder / name
    return None


def missing_packages() -> list[str]:
    """The Debian packages whose programs adaptation needs and cannot find (sorted)."""
    return sorted({package for tool, package in TOOLS.items() if find_tool(tool) is None})


def tools_needed(missing: Sequence[str]) -> str:
    """The one line that says which packages to install."""
    return f"adapting to your voice needs SphinxTrain's tools: sudo apt install {' '.join(missing)}"


def is_adapted(folder: Path) -> bool:
    """Whether ``folder`` holds a whole adapted model."""
    return all((folder / name).is_file() for name in (*KEPT, ABOUT))


def describe(folder: Path) -> Adapted | None:
    """The adapted model in ``folder``, or None when there is none (or it is unreadable)."""
    if not is_adapted(folder):
        return None
    try:
        about = json.loads((folder / ABOUT).read_text("utf-8"))
        sentences = int(about["sentences"])
        return Adapted(
            folder, sentences, float(about["seconds"]), int(about.get("used", sentences))
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None


def transcript_words(text: str) -> list[str]:
    """A sentence as the dictionary's words: lower case, punctuation left out."""
    return re.findall(r"[a-z']+", text.lower().replace("’", "'"))


def adapt(readings: Sequence[Reading], out: Path) -> Adapted:
    """Adapt the bundled model to the voice of ``readings`` and write it to ``out`` (replaced
    whole: a failure leaves what was there).

    Raises AdaptError: a tool is missing (naming the packages), fewer than ``MIN_READINGS``
    readings, a word the dictionary lacks, fewer than ``MIN_USED`` sentences that match their
    audio, or a tool failed (its last line)."""
    missing = missing_packages()
    if missing:
        raise AdaptError(tools_needed(missing))
    if len(readings) < MIN_READINGS:
        raise AdaptError(
            f"{len(readings)} sentences read; at least {MIN_READINGS} are needed to adapt"
        )
    with tempfile.TemporaryDirectory(prefix="voicecoach-adapt-") as tmp:
        work = Path(tmp)
        made, used = _adapt_in(work, readings)
        out.parent.mkdir(parents=True, exist_ok=True)
        staged = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
        try:
            for name in KEPT:
                shutil.copyfile(made / name, staged / name)
            seconds = sum(len(r.pcm) for r in readings) / SAMPLE_WIDTH / SAMPLE_RATE
            about = {"sentences": len(readings), "seconds": round(seconds, 1), "used": used}
            (staged / ABOUT).write_text(json.dumps(about) + "\n", "utf-8")
            _swap_in(staged, out)
        except BaseException:
            shutil.rmtree(staged, ignore_errors=True)
            raise
    return Adapted(out, len(readings), round(seconds, 1), used)


def forget(folder: Path) -> bool:
    """Remove an adapted model; whether there was one."""
    if not folder.exists():
        return False
    shutil.rmtree(folder)
    return True


def _swap_in(staged: Path, out: Path) -> None:
    """Put ``staged`` where ``out`` is, the old one (if any) removed only once it is there."""
    old = out.with_name(f".{out.name}-old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        out.rename(old)
    staged.rename(out)
    shutil.rmtree(old, ignore_errors=True)


def _adapt_in(work: Path, readings: Sequence[Reading]) -> tuple[Path, int]:
    """Run the tools in ``work``; returns the folder of the adapted model's files and how many
    sentences taught it (AdaptError under ``MIN_USED``)."""
    base = base_model()
    model = work / "model"
    shutil.copytree(base, model)
    mixture_weights(base / "sendump", model / "mixture_weights")
    params = feature_params(base / "feat.params")
    audio, features = work / "audio", work / "features"
    audio.mkdir()
    features.mkdir()
    known = _dictionary_words(base_dictionary())
    ids, lines = [], []
    for n, reading in enumerate(readings, 1):
        words = transcript_words(reading.text)
        unknown = [w for w in words if w not in known]
        if unknown:
            raise AdaptError(f"the dictionary has no {unknown[0]!r} (sentence {n})")
        name = f"s{n:03d}"
        write_wav(audio / f"{name}.wav", reading.pcm)
        ids.append(name)
        lines.append(f"<s> {' '.join(words)} </s> ({name})")
    (work / "ids.fileids").write_text("\n".join(ids) + "\n", "utf-8")
    (work / "ids.transcription").write_text("\n".join(lines) + "\n", "utf-8")
    mdef = work / "mdef.txt"
    _run(work, "pocketsphinx_mdef_convert", "-text", model / "mdef", mdef)
    _run(
        work, "sphinx_fe", "-argfile", model / "feat.params", "-samprate", str(SAMPLE_RATE),
        "-c", work / "ids.fileids", "-di", audio, "-do", features, "-ei", "wav", "-eo", "mfc",
        "-mswav", "yes",
    )  # fmt: skip
    aligned = _run(
        work, "bw", "-hmmdir", model, "-moddeffn", mdef, "-ts2cbfn", ".ptm.",
        "-feat", params.get("feat", "1s_c_d_dd"),
        "-svspec", params.get("svspec", "0-12/13-25/26-38"),
        "-cmn", params.get("cmn", "batch"), "-agc", params.get("agc", "none"),
        "-varnorm", params.get("varnorm", "no"), "-dictfn", base_dictionary(),
        "-fdictfn", model / "noisedict", "-ctlfn", work / "ids.fileids",
        "-lsnfn", work / "ids.transcription", "-cepdir", features, "-accumdir", work,
    )  # fmt: skip
    used = len(readings) - len(set(IGNORED.findall(aligned)))
    if used < MIN_USED:
        raise AdaptError(
            f"only {used} of {len(readings)} sentences matched their text; nothing was changed. "
            "Read each sentence as it is shown, whole, and pause only after it"
        )
    adapted = work / "adapted"
    adapted.mkdir()
    _run(
        work, "map_adapt", "-moddeffn", mdef, "-ts2cbfn", ".ptm.", "-meanfn", model / "means",
        "-varfn", model / "variances", "-mixwfn", model / "mixture_weights",
        "-tmatfn", model / "transition_matrices", "-accumdir", work,
        "-mapmeanfn", adapted / "means", "-mapvarfn", adapted / "variances",
        "-mapmixwfn", adapted / "mixture_weights", "-maptmatfn", adapted / "transition_matrices",
    )  # fmt: skip
    _run(
        work, "mk_s2sendump", "-pocketsphinx", "yes", "-moddeffn", mdef,
        "-mixwfn", adapted / "mixture_weights", "-sendumpfn", adapted / "sendump",
    )  # fmt: skip
    for name in ("mdef", "feat.params", "noisedict"):
        shutil.copyfile(model / name, adapted / name)
    return adapted, used


IGNORED = re.compile(r"\b(s\d{3}) ignored\b")
"""How ``bw`` says it could not align a sentence with its text (and learnt nothing from it)."""


def _run(work: Path, tool: str, *args: object) -> str:
    """Run one tool; its output. AdaptError with its last line when it fails."""
    program = find_tool(tool)
    if program is None:  # checked before; gone since
        raise AdaptError(f"{tool} is missing: sudo apt install {TOOLS[tool]}")
    try:
        done = subprocess.run(
            [str(program), *map(str, args)],
            cwd=work,
            capture_output=True,
            text=True,
            errors="replace",
            timeout=TOOL_TIMEOUT_S,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise AdaptError(f"{tool} took more than {TOOL_TIMEOUT_S} s") from exc
    if done.returncode != 0:
        said = [line for line in (done.stderr + done.stdout).splitlines() if line.strip()]
        last = said[-1].strip() if said else f"exit status {done.returncode}"
        raise AdaptError(f"{tool} failed: {last}")
    return done.stdout + done.stderr


def feature_params(path: Path) -> dict[str, str]:
    """A ``feat.params`` file as {option without its dash: value}."""
    params = {}
    for line in path.read_text("utf-8").splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0].startswith("-"):
            params[parts[0][1:]] = parts[1]
    return params


def _dictionary_words(path: Path) -> set[str]:
    words = set()
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                words.add(line.split(maxsplit=1)[0].split("(")[0])
    return words


def mixture_weights(sendump: Path, out: Path) -> None:
    """Rebuild SphinxTrain's float ``mixture_weights`` from PocketSphinx's 8-bit ``sendump``.

    ``sendump``: a length-prefixed title, length-prefixed header strings up to a zero length
    (``feature_count``, ``mixw_shift``), the codeword and senone counts, then one byte per
    (feature, codeword, senone). ``out``: the SphinxTrain "s3" float32 array
    [senone][feature][codeword]. Raises AdaptError for a file of another shape."""
    data = sendump.read_bytes()
    at = 0

    def number() -> int:
        nonlocal at
        (value,) = struct.unpack_from("<i", data, at)
        at += 4
        return int(value)

    title = number()
    at += title
    header: dict[str, str] = {}
    while True:
        size = number()
        if size == 0:
            break
        parts = data[at : at + size].rstrip(b"\0").decode("ascii", "replace").split()
        at += size
        if len(parts) == 2:
            header[parts[0]] = parts[1]
    try:
        features, shift = int(header["feature_count"]), int(header.get("mixw_shift", "10"))
    except (KeyError, ValueError) as exc:
        raise AdaptError(f"{sendump}: not a PocketSphinx sendump") from exc
    codewords, senones = number(), number()
    raw = np.frombuffer(data, dtype=np.uint8, offset=at)
    if raw.size != features * codewords * senones:
        raise AdaptError(f"{sendump}: not a PocketSphinx sendump of one model")
    quantised = raw.reshape(features, codewords, senones).astype(np.float64)
    weights = np.power(1.0001, -quantised * (1 << shift)).transpose(2, 0, 1)
    weights /= weights.sum(axis=2, keepdims=True)
    with out.open("wb") as f:
        f.write(b"s3\nversion 1.0\n")
        pad = (4 - ((f.tell() + len(b"endhdr\n")) & 3)) & 3
        f.write(b" " * pad + b"endhdr\n")
        f.write(struct.pack("=i", 0x11223344))
        f.write(struct.pack("=IIII", senones, features, codewords, weights.size))
        weights.astype(np.float32).tofile(f)
