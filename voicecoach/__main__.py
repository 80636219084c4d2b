"""`python -m voicecoach` runs the command line."""

import os
import sys

try:
    from voicecoach.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still starting up
    sys.stderr.write("voicecoach: stopped\n")  # voicecoach.stop.STOPPED
    sys.stderr.flush()
    # voicecoach.stop.INTERRUPTED, through os._exit as voicecoach.stop.exit_interrupted
    # explains (nothing of ours could be imported yet)
    os._exit(130)

main()
