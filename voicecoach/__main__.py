"""`python -m voicecoach` runs the command line."""

from voicecoach.cli import main

main()
