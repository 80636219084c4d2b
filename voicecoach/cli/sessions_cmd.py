"""Commands registered on the app (see voicecoach.cli.app)."""
