"""voicecoach: an offline voice coach for short spoken reflection sessions.

The loop, as data flows (see ``voicecoach.loop``)::

    audio source ─frames─▶ gate ─▶ listener (recognizer + end of answer) ─events─▶ session machine
                                                                                   │
                                         journal ◀── records ── turns ◀────────────┤
                                         voice   ◀── lines to say ◀────────────────┘
"""

__version__ = "0.1.0"
