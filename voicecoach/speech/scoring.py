"""Word error rate: how far a transcript is from what was said."""

from __future__ import annotations

from voicecoach.text import words


def edit_distance(reference: list[str], hypothesis: list[str]) -> int:
    """Word-level Levenshtein distance."""
    previous = list(range(len(hypothesis) + 1))
    for i, ref_word in enumerate(reference, start=1):
        current = [i] + [0] * len(hypothesis)
        for j, hyp_word in enumerate(hypothesis, start=1):
            current[j] = min(
                previous[j] + 1,
                current[j - 1] + 1,
                previous[j - 1] + (ref_word != hyp_word),
            )
        previous = current
    return previous[-1]


def word_error_rate(reference: str, hypothesis: str) -> float:
    """Errors per reference word (0.0 is perfect; can exceed 1.0)."""
    ref = words(reference)
    if not ref:
        return 0.0 if not words(hypothesis) else 1.0
    return edit_distance(ref, words(hypothesis)) / len(ref)


def corpus_error_rate(pairs: list[tuple[str, str]]) -> float:
    """Total errors over total reference words, for (reference, hypothesis) pairs."""
    total = sum(len(words(ref)) for ref, _ in pairs)
    errors = sum(edit_distance(words(ref), words(hyp)) for ref, hyp in pairs)
    return errors / total if total else 0.0


def character_error_rate(pairs: list[tuple[str, str]]) -> float:
    """Errors per reference character, spaces ignored: fair for languages (such as Korean)
    whose word boundaries a recogniser draws differently from the reference."""
    chars = [(list("".join(words(ref))), list("".join(words(hyp)))) for ref, hyp in pairs]
    total = sum(len(ref) for ref, _ in chars)
    return sum(edit_distance(ref, hyp) for ref, hyp in chars) / total if total else 0.0
