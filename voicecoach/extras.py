"""How to install one of voicecoach's optional extras (``piper``, ``pi``) where it runs.

From a checkout (the way the README sets it up: ``scripts/setup.sh`` installs it editable into
``.venv``) the extra is installed from that checkout, with this very Python; from an installed
package, by the package's name.
"""

from __future__ import annotations

import shlex
import sys
from pathlib import Path


def checkout() -> Path | None:
    """The source checkout voicecoach runs from (its pyproject.toml beside the package), or
    None when it runs from an installed package."""
    root = Path(__file__).resolve().parents[1]
    project = root / "pyproject.toml"
    try:
        text = project.read_text(encoding="utf-8")
    except OSError:
        return None
    return root if 'name = "voicecoach"' in text else None


def install_command(extra: str) -> str:
    """The command that installs ``extra`` for this voicecoach, e.g.
    ``/home/me/voicecoach/.venv/bin/python -m pip install -e '/home/me/voicecoach[piper]'``."""
    root = checkout()
    if root is None:
        return f"pip install {shlex.quote(f'voicecoach[{extra}]')}"
    target = shlex.quote(f"{root}[{extra}]")
    return f"{shlex.quote(sys.executable)} -m pip install -e {target}"
