"""What kind of answer was given, so the coach can reply to what was said.

``classify`` sorts an answer's transcript into one ``AnswerClass``: no answer, "I don't know" /
"not sure", very short, harsh self-talk ("it's all my fault", "I'm stupid"), a named feeling
("I felt afraid"), or a full answer. ``feeling_named`` finds the person's own feeling word from a
small curated list, so the coach can reflect it back ("It sounds like you felt afraid."), when
it is said as felt (``felt``: "I was really angry", "it made me angry", "Scared."): "my boss
came home calm" and "an angry message" name no feeling. English only; other languages get
``FULL`` or ``SHORT`` by length.

A denied feeling or denied self-talk is not one (``negated``): "I was not angry at all",
"I wasn't afraid", "I never felt lonely", "I didn't feel hurt", "I don't think I was angry" name
no feeling, and "it's not all my fault", "I don't think I'm stupid" are no harsh self-talk. The
denial reaches over the words that can stand between it and the feeling ("felt", "really", "at
all", …), and no further: "I wasn't angry, I was scared" names "scared", and "not only angry but
scared" names "scared" too. "I've never felt so alone" is no denial.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from voicecoach.text import normalise


class AnswerClass(StrEnum):
    """What an answer was, as far as the words tell."""

    NONE = "none"
    """Nothing was said."""
    UNSURE = "unsure"
    """"I don't know", "not sure", "no idea"."""
    SHORT = "short"
    """A few words that hold little to reply to ("work", "my sister")."""
    HARSH = "harsh"
    """Harsh self-talk: "it's all my fault", "I'm stupid", "I always ruin things"."""
    FEELING = "feeling"
    """Names a feeling ("I felt afraid", "I was angry")."""
    FULL = "full"
    """Anything else: an answer to acknowledge."""


SHORT_WORDS = 3
"""Answers of at most this many words (that are not a feeling or self-talk) are very short."""

EMPTY_WORDS = 5
"""Answers of at most this many words of which at most one says anything of its own (not in
``EMPTY``) are very short too: "i might be a" (a misheard "No idea") and "i don't really go"
(a misheard "I don't really know") are nothing to praise."""

EMPTY = frozenset({
    "a", "an", "the", "i", "i'm", "i'd", "i'll", "i've", "me", "my", "you", "your", "he", "him",
    "his", "she", "her", "it", "it's", "its", "we", "us", "our", "they", "them", "their", "this",
    "that", "these", "those", "there", "here", "what", "who", "and", "or", "but", "so", "if",
    "then", "than", "as", "of", "to", "in", "on", "at", "by", "for", "with", "from", "up", "out",
    "about", "into", "over", "just", "really", "very", "quite", "too", "well", "oh", "ah", "uh",
    "um", "er", "hmm", "yeah", "yes", "no", "not", "do", "don't", "does", "did", "didn't", "done",
    "be", "been", "being", "am", "is", "isn't", "are", "was", "wasn't", "were", "have", "has",
    "had", "got", "get", "can", "can't", "could", "would", "will", "won't", "might", "may",
    "must", "should", "shall",
})  # fmt: skip
"""Words with no reading of their own: pronouns, articles, auxiliaries, prepositions, fillers."""

UNSURE = re.compile(
    r"^(?:(?:um|uh|er|hmm|well|i|honestly|really|i guess|i mean) )*"
    r"(?:i )?(?:don't|do not|dont|didn't|really don't) (?:really )?"
    r"(?:know|remember|have an answer)|"
    r"^(?:(?:um|uh|hmm|well) )*(?:i'm |i am |not )?(?:not )?(?:really )?sure\b|"
    r"\bno idea\b|\bdunno\b|\bnot sure\b|\bhard to say\b|\bcan't (?:think|say|remember)\b|"
    r"\bcannot (?:think|say|remember)\b|^(?:nothing|no|nope|not really|pass|i can't)$"
)
"""Replies that say there is no answer (yet)."""

HARSH = re.compile(
    r"\b(?:it's|it is|it was|that's|that was|this is) (?:all |always |entirely )?my fault\b|"
    r"\ball my fault\b|"
    r"^(?:and|um|i) (?:so |just |really |such an? )?(?:stupid|useless|worthless|pathetic|"
    r"hopeless|an idiot|a failure|dumb)\b|"
    r"\bi(?:'m| am) (?:so |such an? |just |really |completely |totally |a )?"
    r"(?:stupid|useless|worthless|pathetic|hopeless|an idiot|idiot|a failure|failure|a mess|"
    r"terrible|awful|the worst|a bad person|not good enough|too much|unlovable|broken|weak|"
    r"a burden|burden|dumb|bad at everything)\b|"
    r"\bi always (?:ruin|mess|screw|get|do|make|say)\w* (?:\w+ )?(?:up|wrong|things|"
    r"everything)\b|"
    r"\bi never (?:get|do|make|say)\w* (?:\w+ )?(?:anything )?right\b|"
    r"\bi (?:always|just) (?:ruin|ruined|destroy|spoil)\w*\b|"
    r"\bi ruin everything\b|\bi can't do anything right\b|\bi hate myself\b|"
    r"\bi(?:'m| am) never (?:enough|good enough)\b|\bwhat's wrong with me\b|"
    r"\bno one (?:could|would) (?:ever )?love me\b|\bi deserve(?:d)? (?:it|this|to be alone)\b"
)
"""Harsh self-talk: blame, names called on oneself, "always/never" about oneself."""

FEELINGS: dict[str, str] = {
    # word heard → how the coach names it back ("It sounds like you felt …")
    "afraid": "afraid", "scared": "scared", "frightened": "frightened", "fear": "afraid",
    "terrified": "terrified", "anxious": "anxious", "anxiety": "anxious", "worried": "worried",
    "worry": "worried", "nervous": "nervous", "panicky": "panicky", "panicked": "panicked",
    "angry": "angry", "anger": "angry", "mad": "angry", "furious": "furious",
    "annoyed": "annoyed", "irritated": "irritated", "frustrated": "frustrated",
    "resentful": "resentful", "jealous": "jealous", "jealousy": "jealous", "envious": "envious",
    "sad": "sad", "sadness": "sad", "lonely": "lonely", "alone": "alone", "hurt": "hurt",
    "rejected": "rejected", "abandoned": "abandoned", "betrayed": "betrayed",
    "ignored": "ignored", "unwanted": "unwanted", "invisible": "invisible",
    "ashamed": "ashamed", "shame": "ashamed", "embarrassed": "embarrassed", "guilty": "guilty",
    "guilt": "guilty", "insecure": "insecure", "helpless": "helpless",
    "overwhelmed": "overwhelmed", "exhausted": "exhausted", "tired": "tired",
    "confused": "confused", "disappointed": "disappointed", "upset": "upset",
    "tense": "tense", "stressed": "stressed", "restless": "restless",
    "impatient": "impatient", "suspicious": "suspicious", "distrustful": "distrustful",
    "calm": "calm", "relieved": "relieved", "happy": "happy", "glad": "glad",
    "grateful": "grateful",
    "hopeful": "hopeful", "proud": "proud", "safe": "safe", "loved": "loved", "close": "close",
    "peaceful": "peaceful", "content": "content", "excited": "excited",
}  # fmt: skip
"""The curated feeling words, each with the word the coach reflects back."""

NEGATORS = frozenset({
    "not", "never", "nor", "neither", "nobody", "nothing", "hardly", "barely", "cannot", "dont",
    "didnt", "wasnt", "isnt", "werent", "doesnt", "arent", "wont", "cant",
})  # fmt: skip
"""Words that deny what follows them (and every word ending in "n't")."""
_THROUGH = frozenset({
    "felt", "feel", "feeling", "feels", "was", "were", "am", "is", "are", "be", "been", "being",
    "get", "got", "getting", "become", "became", "seem", "seemed", "really", "very", "so", "too",
    "that", "all", "at", "particularly", "especially", "even", "a", "an", "bit", "little",
    "kind", "sort", "of", "only", "just", "any", "more", "quite", "pretty", "remotely",
    "exactly", "actually", "ever", "make", "made", "me", "him", "her", "them", "us", "myself",
    "always", "think", "thought", "believe", "say", "said", "mean", "guess", "would", "could",
    "do", "does", "did", "have", "has", "had",
})  # fmt: skip
"""Words a denial reaches over to the feeling or self-talk after it ("not at all angry",
"didn't really feel hurt", "it didn't make me angry")."""
_CLAUSE_VERBS = frozenset({"think", "thought", "believe", "say", "said", "mean", "guess"})
"""A denied verb of thinking or saying reaches into the clause after it ("I don't think I was
angry"); any other subject starts a clause the denial before it does not reach."""
_CLAUSE_SUBJECTS = frozenset({
    "i", "i'm", "i've", "i'd", "he", "he's", "she", "she's", "they", "they're", "we", "we're",
    "it", "it's", "you", "you're",
})  # fmt: skip
_NOT_DENIED = frozenset({"so", "this", "such", "more"})
"""After "never" (and "more" after any negator), these make a superlative, not a denial: "I've
never felt so alone", "I couldn't be more angry"."""
NEGATION_REACH = 6
"""Most words looked back from a feeling or self-talk for a denial."""


def is_negator(word: str) -> bool:
    """Does ``word`` deny what follows it ("not", "never", "wasn't", …)?"""
    return word in NEGATORS or word.endswith("n't")


def negated(words: Sequence[str], index: int) -> bool:
    """Is ``words[index]`` (a normalised word) denied: a negator before it in its clause, with
    only words of ``_THROUGH`` between ("was not at all angry", "never felt lonely", "don't
    think i was angry"); "no" counts only right before it ("no anger"). A subject pronoun ends
    the clause unless a verb of thinking or saying stands before it ("not really, i was
    angry": not denied)."""
    crossed: list[str] = []
    for at in range(index - 1, max(-1, index - 1 - NEGATION_REACH), -1):
        word = words[at]
        if is_negator(word) or (word == "no" and at == index - 1):
            superlative = _NOT_DENIED if word == "never" else {"more"}
            return not (word != "no" and superlative & set(crossed))
        if word in _CLAUSE_SUBJECTS:
            if at == 0 or words[at - 1] not in _CLAUSE_VERBS:
                return False
        elif word not in _THROUGH:
            return False
        crossed.append(word)
    return False


def harsh(text: str) -> bool:
    """Does the answer hold harsh self-talk that it does not deny ("it's not all my fault",
    "I don't think I'm stupid": no)?"""
    said = normalise(text)
    words = said.split()
    for found in HARSH.finditer(said):
        if not negated(words, len(said[: found.start()].split())):
            return True
    return False


_TO_DO = re.compile(
    r"\b(?:i'll|i will|we'll|we will|i could|we could|i can|we can|i would|i'd|we'd|i might|"
    r"i should|i'm going to|i am going to|going to|gonna|i want to|i'd like to|"
    r"i (?:just |really |only )?need|"
    r"i have to|try|trying|plan|next time|maybe|instead|let me|remind myself)(?![\w'])"
)
"""An intention or a possible act: "I could …", "I'll …", "next time …", "maybe …"."""
_ACTS = frozenset({
    "take", "ask", "tell", "say", "breathe", "wait", "count", "call", "text", "write", "walk",
    "go", "give", "listen", "pause", "stop", "share", "explain", "hug", "rest", "slow", "step",
    "leave", "put", "keep", "spend", "talk", "notice", "sit", "send", "let", "remember", "be",
})  # fmt: skip
"""Verbs that, opening an answer, make it something to do ("Take a breath when I feel angry",
"Telling him I felt afraid")."""
_ACT_NOUNS = re.compile(r"\b(?:breath|breaths|walk|pause|break|time out|timeout)\b")
"""Things to do named as nouns: "a few slow breaths", "a short walk first"."""


def names_something_to_do(text: str) -> bool:
    """Does the answer name something the person could do: an intention ("I could tell him I
    felt afraid", "next time I'll wait"), an act it opens with ("take a breath", "asking
    him") or one named as a noun ("a few slow breaths")? "I felt afraid and lonely" names
    none."""
    said = normalise(text)
    first = said.split()[0] if said else ""
    stem = first[:-3] if first.endswith("ing") else ""
    opens_with_act = first in _ACTS or stem in _ACTS or f"{stem}e" in _ACTS
    return opens_with_act or first == "to" or bool(_TO_DO.search(said) or _ACT_NOUNS.search(said))


_PLAN = re.compile(
    r"^(?:next time|from now on|tomorrow|i'll|i will|i'm going to|i am going to|i want to|"
    r"i'd like to|i should|i could|i would|i might|maybe i'll|maybe i could)(?![\w'])"
)
"""An answer that opens with an intention: it tells of what is to come."""

_WIN_SO_FAR = re.compile(r"\b(?:already|did|managed|went|was|were|worked|helped|tried)\b")
"""Words that tell of something done or gone well before now."""


def only_a_plan(text: str) -> bool:
    """Does the answer only plan for what is to come ("next time I'll take a breath") and tell
    of nothing that went better already? Such an answer, given to a question asking for a
    small win, is no win."""
    said = normalise(text)
    return bool(_PLAN.match(said)) and not _WIN_SO_FAR.search(said)


PLAN = "That sounds like a good plan for next time."
"""Said to a plan given for a small win, in place of its praise."""


def only_a_feeling(text: str) -> bool:
    """Does the answer tell of a feeling and nothing to do ("I felt afraid and lonely", or one
    denied: "I never felt lonely")? Such an answer, given to a question asking for a small
    step, is no step."""
    return tells_of_a_feeling(text) and not names_something_to_do(text)


def tells_of_a_feeling(text: str) -> bool:
    """Does the answer tell of a feeling as felt, or as not felt ("I was not angry at all")?
    A feeling word it only holds ("an angry message") is none."""
    words = normalise(text).split()
    return any(word in FEELINGS and felt(words, index) for index, word in enumerate(words))


_FEELING_VERBS = frozenset(
    {"felt", "feel", "feeling", "feels", "was", "am", "i'm", "get", "got", "gets", "getting",
     "became", "become", "so", "very", "really", "pretty", "quite", "bit", "little", "kind",
     "sort", "just", "mostly", "too", "more", "were", "grew", "seemed", "he's", "she's",
     "they're", "we're", "lot", "much", "full"}
)  # fmt: skip
"""Lead words: a feeling word after one is said as felt ("I felt so alone", "I was really
angry", "she's tired")."""
LEAD_REACH = 3
"""How many words before a feeling word are searched for a lead ("felt small and hurt")."""
_CAUSES = frozenset({"made", "make", "makes", "making", "left", "leaves", "leave"})
"""Verbs that make the pronoun after them feel the feeling ("it made him angry")."""
_DETERMINERS = frozenset({"a", "an", "the", "this", "that", "my", "his", "their", "our",
                          "your", "some", "any", "no"})  # fmt: skip
"""Right before a feeling word, it describes a thing, not a person: "an angry message"."""
_ALONG = frozenset({"and", "or", "um", "uh", "er", "mostly", "just", "maybe", "probably",
                    "both", "i", "guess", "think", "honestly"})  # fmt: skip
"""Words an answer of feelings alone may hold beside them ("um, scared and angry")."""
_JOINS = frozenset({"and", "but", "or", "nor"})
"""Words that join one feeling to the next in a list ("hurt and angry")."""


@dataclass(frozen=True)
class Heard:
    """An answer as the coach understood it."""

    kind: AnswerClass
    """Its class."""
    feeling: str = ""
    """The feeling word to reflect back ("" when none was named)."""
    who: str = "you"
    """Whose feeling it is, as the coach says it back: "you", "she", "your partner", …"""


_SUBJECTS = {
    "i": "you", "i'm": "you", "he": "he", "he's": "he", "she": "she", "she's": "she",
    "they": "they", "they're": "they", "we": "we", "we're": "we",
}  # fmt: skip
"""Whose feeling a subject pronoun before the feeling word makes it, as the coach says it."""
_OBJECTS = {"me": "you", "myself": "you", "him": "he", "her": "she", "them": "they", "us": "we"}
"""An object pronoun counts only right before the feeling ("it made him angry"), not in
"send him an angry message"."""
_INTENSIFIERS = frozenset({"so", "very", "really", "pretty", "quite", "too", "more", "a", "bit",
                           "little", "kind", "of", "sort", "just", "feel", "felt"})  # fmt: skip
"""Words that may stand between an object pronoun and its feeling ("made me so angry")."""
_POSSESSIVES = {"my": "your", "his": "his", "her": "her", "their": "their", "our": "your"}
"""A possessive and the noun after it ("my partner was tired"): the coach says "your partner"."""
_LINKS = frozenset({"was", "is", "were", "felt", "feels", "seemed", "got", "gets", "looked",
                    "sounded", "became"})  # fmt: skip
"""Verbs between "my partner" and a feeling that make it the partner's."""
_SUBJECT_REACH = 6
"""How many words before the feeling word are searched for whose it is."""


def feeling_named(text: str) -> str:
    """The first feeling the answer names (not denied: "I wasn't angry" names none), as the
    coach says it back; "" when none is named. Feelings named only about others ("he was angry")
    count too (see ``feeling_and_whose``)."""
    return feeling_and_whose(text)[0]


def feeling_and_whose(text: str) -> tuple[str, str]:
    """The first feeling the answer names and whose it is: ("afraid", "you") for "I felt
    afraid", ("tired", "she") for "she was tired", ("angry", "your partner") for "my partner
    was angry"; ("", "you") when none is named."""
    words = normalise(text).split()
    for index, word in enumerate(words):
        named = FEELINGS.get(word)
        if named is None:
            continue
        if negated(words, index) or not felt(words, index):
            continue
        return named, _whose(words, index)
    return "", "you"


def felt(words: Sequence[str], index: int) -> bool:
    """Is the feeling word ``words[index]`` said as felt: a lead word ("felt", "was", "so",
    "really", … ``_FEELING_VERBS``) among the ``LEAD_REACH`` words before it, a pronoun made to
    feel it ("made me angry"), another feeling joined to it ("angry but scared"), or an answer
    of feelings alone ("angry", "scared and alone")? A feeling word the answer only holds is
    none: "my boss came home calm", "send him an angry message", "a calm evening"."""
    if index and words[index - 1] in _DETERMINERS:
        return False
    for at in range(index - 1, max(-1, index - 1 - LEAD_REACH), -1):
        word = words[at]
        if word in _FEELING_VERBS:
            return True
        if word in _OBJECTS and at and words[at - 1] in _CAUSES:
            return True
    if index >= 2 and words[index - 1] in _JOINS and words[index - 2] in FEELINGS:
        return True  # one of a list of feelings: "not only angry but scared"
    return not set(words) - set(FEELINGS) - _ALONG


def _whose(words: list[str], index: int) -> str:
    """Whose feeling ``words[index]`` is: the nearest subject pronoun before it, an object
    pronoun or "my partner was" right before it; "you" (the person) otherwise."""
    for at in range(index - 1, max(-1, index - 1 - _SUBJECT_REACH), -1):
        word, between = words[at], words[at + 1 : index]
        if word in _SUBJECTS:
            return _SUBJECTS[word]
        if word in _OBJECTS and all(w in _INTENSIFIERS for w in between):
            return _OBJECTS[word]
        if word in _POSSESSIVES and len(between) >= 2:
            noun, link = between[0], between[1:]
            if noun not in _FEELING_VERBS and all(w in _LINKS | _INTENSIFIERS for w in link):
                return f"{_POSSESSIVES[word]} {noun}"
    return "you"


def classify(text: str) -> Heard:
    """The class of an answer's transcript (empty: ``NONE``)."""
    said = normalise(text)
    if not said:
        return Heard(AnswerClass.NONE)
    if harsh(said):
        return Heard(AnswerClass.HARSH)
    words = said.split()
    if len(words) <= 8 and UNSURE.search(said):
        return Heard(AnswerClass.UNSURE)
    feeling, who = feeling_and_whose(said)
    if feeling:
        return Heard(AnswerClass.FEELING, feeling, who)
    if len(words) <= SHORT_WORDS or (len(words) <= EMPTY_WORDS and len(set(words) - EMPTY) <= 1):
        return Heard(AnswerClass.SHORT)
    return Heard(AnswerClass.FULL)


def reflect(feeling: str, who: str = "you") -> str:
    """The line that names a feeling back: the person's own ("It sounds like you felt afraid."),
    or the one they described in someone else ("It sounds like she was tired.")."""
    if who == "you":
        return f"It sounds like you felt {feeling}."
    if who == "we":
        return f"It sounds like you both felt {feeling}."
    verb = "were" if who == "they" else "was"
    return f"It sounds like {who} {verb} {feeling}."


REFRAMES = (
    "That's a harsh thing to say to yourself. If a good friend said it about themselves, "
    "you would probably answer them more gently.",
    "That sounds like a hard voice to live with. Mistakes make you human, not a bad person.",
    "I hear how hard you're being on yourself. You deserve the same patience you give others.",
)
"""Self-compassionate reframes for harsh self-talk, used in turn."""

NOT_SURE = (
    "That's all right. It isn't always easy to put into words.",
    "That's okay. Not knowing is a fine place to start.",
)
"""Said after "I don't know" when no follow-up is left: never praise."""

MORE = "Could you say a little more about that?"
"""The follow-up after a very short answer, when the script has none of its own."""
GENTLER = "That's all right. Is there one small part of it you could put into words?"
"""The follow-up after "I don't know", when the script has none of its own."""
ONE_THING = "Is there one small thing you could do, the next time that feeling comes?"
"""The follow-up after a feeling and nothing to do, given to a question asking for a step, when
the script has none of its own."""
NAMED = "Thank you for naming it."
"""Said after a reflected feeling in place of a step's praise, when the answer named no step."""
THOUGHT = "Thank you for thinking about that."
"""Said in place of a step's praise to an answer that names nothing to do and no feeling ("he
is often late"): it is thanked, not praised as a kind and doable step."""

_PLAN_OPENINGS = (["next", "time"], ["from", "now", "on"])
"""Openings of a plan that "Last time you said" makes wrong ("you said next time you …")."""

_I_TO_YOU = {
    "i": "you", "i'm": "you're", "i'll": "you'll", "i'd": "you'd", "i've": "you've",
    "me": "you", "my": "your", "mine": "yours", "myself": "yourself", "am": "are",
    "was": "were",
}  # fmt: skip


def said_back(text: str) -> str:
    """An answer turned to the second person: "I could take a breath" → "you could take a
    breath" (lower case, no end mark). Said after "Last time you said", a plan's opening time
    goes and its "can" is reported: "next time I can wait" → "you could wait"."""
    words = normalise(text).split()
    for opening in _PLAN_OPENINGS:
        if words[: len(opening)] == opening and words[len(opening) : len(opening) + 1] == ["i"]:
            words = words[len(opening) :]
            break
    if words[:2] == ["i", "can"]:
        words = ["i", "could", *words[2:]]
    out: list[str] = []
    for index, word in enumerate(words):
        if word == "was" and (index == 0 or words[index - 1] != "i"):
            out.append(word)
            continue
        if word == "am" and (index == 0 or words[index - 1] != "i"):
            out.append(word)
            continue
        out.append(_I_TO_YOU.get(word, word))
    return " ".join(out)


_WIN = re.compile(
    r"\b(?:yes|yeah|i did|did it|tried|went (?:well|okay|ok|fine|better|all right)|better|"
    r"helped|worked|managed|good|great|a bit|a little|sometimes|once|twice)\b"
)
_NO_WIN = re.compile(
    r"\b(?:didn't|did not|not really|no|nope|forgot|couldn't|could not|never|wasn't|haven't|"
    r"worse)\b"
)


def small_win(text: str) -> bool:
    """Does a reply to "how did that go?" tell of a step taken, however small?"""
    said = normalise(text)
    return bool(_WIN.search(said)) and not _NO_WIN.search(said)


WIN = "That's a real win, however small it seems. Well done for trying it."
NOT_YET = "That's all right. Noticing it is already part of the practice."
