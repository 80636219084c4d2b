"""`python -m voicecoach` runs the command line."""

import sys

try:
    from voicecoach.cli import main
except KeyboardInterrupt:  # Ctrl-C while Python is still starting up
    sys.stderr.write("voicecoach: error: stopped\n")
    sys.exit(130)  # voicecoach.stop.INTERRUPTED: nothing of ours could be imported yet

main()
