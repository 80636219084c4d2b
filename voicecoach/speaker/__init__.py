"""Always-on mode (`voicecoach listen`): the Raspberry Pi smart speaker.

    microphone ──frames──▶ wake spotter (cheap VAD gate → grammar-restricted recogniser)
        │                  button (GPIO) · daily invitation (reminder schedule)
        └──── on a wake: cue, "which practice?", the session loop, cue, back to waiting

Nothing is transcribed or stored while waiting: only the wake phrases can be recognised.
"""
