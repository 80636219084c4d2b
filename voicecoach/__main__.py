"""`python -m voicecoach` and the `voicecoach` command run the command line (``run``)."""

import os
import sys


def run() -> None:
    """The command line, with a Ctrl-C while its modules are still being imported ending as
    any other: one line and exit code 130, never a traceback."""
    try:
        from voicecoach.cli import main
    except KeyboardInterrupt:  # Ctrl-C while Python is still starting up
        sys.stderr.write("voicecoach: stopped\n")  # voicecoach.stop.STOPPED
        sys.stderr.flush()
        # voicecoach.stop.INTERRUPTED, through os._exit as voicecoach.stop.exit_interrupted
        # explains (nothing of ours could be imported yet)
        os._exit(130)
    main()


if __name__ == "__main__":
    run()
