"""`voicecoach service`: a systemd *user* unit that runs `voicecoach listen` from boot.

The unit goes to ``$XDG_CONFIG_HOME/systemd/user/voicecoach.service``. Its output goes to the
journal (``journalctl --user -u voicecoach``). Lingering (``loginctl enable-linger``) starts the
user's units at boot, before anyone logs in.
"""

from __future__ import annotations

import getpass
import os
import shutil
import subprocess
import sys
import sysconfig
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from voicecoach.errors import VoiceCoachError
from voicecoach.files import private_folder, write_private
from voicecoach.outputs import check_output

UNIT_NAME = "voicecoach.service"
SYSTEMCTL_TIMEOUT_S = 5.0


def unit_path(env: Mapping[str, str] | None = None) -> Path:
    """Where the user unit is written."""
    env = os.environ if env is None else env
    home = Path(env.get("HOME", str(Path.home())))
    config = Path(env.get("XDG_CONFIG_HOME") or home / ".config")
    return config / "systemd" / "user" / UNIT_NAME


def _quote(value: str) -> str:
    """A value for a systemd unit line (quoted when it has spaces, % doubled)."""
    value = value.replace("%", "%%")
    if any(c in value for c in " \t\"'\\"):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return value


FOLDER_VARIABLES = ("VOICECOACH_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME")
"""The variables that choose voicecoach's folders, carried into the unit when set (the first
alone when it is set: it wins over the others)."""


def folder_environment(env: Mapping[str, str]) -> list[tuple[str, str]]:
    """``(variable, absolute path)`` for each folder variable set in ``env`` that chooses a
    folder (`FOLDER_VARIABLES`): the service, started elsewhere, then uses the same folders."""
    named = FOLDER_VARIABLES[:1] if env.get(FOLDER_VARIABLES[0]) else FOLDER_VARIABLES[1:]
    found = []
    for variable in named:
        value = env.get(variable)
        if value:
            path = Path(value).expanduser() if variable == "VOICECOACH_HOME" else Path(value)
            found.append((variable, os.path.abspath(path)))
    return found


def listen_command(profile: str | None) -> str:
    """The command the unit runs, after the Python: ``-m voicecoach [--profile NAME] listen``."""
    return "-m voicecoach" + (f" --profile {profile}" if profile else "") + " listen"


def unit_text(python: str, env: Mapping[str, str] | None = None, profile: str | None = None) -> str:
    """The unit: this Python runs ``-m voicecoach listen`` (with ``--profile``, when given),
    restarted if it fails, with the folder variables of ``env`` (`folder_environment`)."""
    env = os.environ if env is None else env
    lines = [
        "[Unit]",
        "Description=voicecoach: offline voice coach, always listening for its wake phrase",
        "After=pulseaudio.service pipewire-pulse.service sound.target",
        "",
        "[Service]",
        "Type=simple",
        f"ExecStart={_quote(python)} {listen_command(profile)}",
        "Restart=on-failure",
        "RestartSec=5",
        "StandardOutput=journal",
        "StandardError=journal",
        "Environment=PYTHONUNBUFFERED=1",
    ]
    lines += [f"Environment={_quote(f'{name}={value}')}" for name, value in folder_environment(env)]
    package_root = Path(__file__).resolve().parents[2]
    installed = {Path(p).resolve() for p in sysconfig.get_paths().values()}
    if package_root not in installed:
        lines.append(f"Environment={_quote('PYTHONPATH=' + str(package_root))}")
    lines += ["", "[Install]", "WantedBy=default.target", ""]
    return "\n".join(lines)


@dataclass(frozen=True)
class ServiceStatus:
    """What `voicecoach service status` reports."""

    unit: Path
    installed: bool
    """The unit file exists."""
    current: bool
    """It is the unit this installation would write."""
    active: str
    """systemctl's word for it ("active", "inactive", …) or why it is unknown."""
    enabled: str


def _read(path: Path) -> str:
    """The unit file's text as it is (bytes that are not UTF-8 shown replaced); "" if unreadable."""
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def install(path: Path, text: str) -> bool:
    """Write the unit (atomically); False when it was already there, unchanged."""
    if path.exists() and _read(path) == text:
        return False
    try:
        private_folder(path.parent)
        check_output(path, "the service unit")  # never replaces a link, or what it points to
        write_private(path, text.encode())
    except OSError as exc:
        raise VoiceCoachError(f"{path}: cannot write the service unit ({exc.strerror})") from exc
    return True


def uninstall(path: Path) -> bool:
    """Remove the unit, and the link that enabling it made (``default.target.wants/``, what
    ``systemctl --user disable`` would remove: it cannot once the unit file is gone); False
    when there was no unit."""
    try:
        path.unlink()
    except FileNotFoundError:
        return False
    except OSError as exc:
        raise VoiceCoachError(f"{path}: cannot remove the service unit ({exc.strerror})") from exc
    wanted = path.parent / "default.target.wants" / path.name
    if wanted.is_symlink():
        try:
            wanted.unlink()
        except OSError as exc:
            raise VoiceCoachError(f"{wanted}: cannot remove ({exc.strerror})") from exc
    return True


def _systemctl(*args: str) -> str:
    tool = shutil.which("systemctl")
    if tool is None:
        return "unknown (no systemctl)"
    try:
        result = subprocess.run(
            [tool, "--user", *args, UNIT_NAME],
            capture_output=True,
            text=True,
            timeout=SYSTEMCTL_TIMEOUT_S,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"unknown ({exc})"
    word = result.stdout.strip().splitlines()[0] if result.stdout.strip() else ""
    if word:
        return word
    reason = result.stderr.strip().splitlines()[0] if result.stderr.strip() else "no answer"
    return f"unknown ({reason})"


def status(path: Path, text: str) -> ServiceStatus:
    """What systemd says of the unit. When systemd cannot be reached (``active`` unknown),
    ``enabled`` is unknown too: systemctl then reads only the unit files, and says so."""
    installed = path.exists()
    active = _systemctl("is-active")
    enabled = _systemctl("is-enabled")
    if active.startswith("unknown") and not enabled.startswith("unknown"):
        enabled = f"unknown (systemd not reached; its unit files say {enabled})"
    return ServiceStatus(
        unit=path,
        installed=installed,
        current=installed and _read(path) == text,
        active=active,
        enabled=enabled,
    )


def user_name() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "$USER"


def enable_commands() -> list[str]:
    """What to run after installing, so it starts now and at every boot."""
    return [
        "systemctl --user daemon-reload",
        f"systemctl --user enable --now {UNIT_NAME}",
        f"sudo loginctl enable-linger {user_name()}",
    ]


def disable_commands() -> list[str]:
    """What to run after uninstalling, so a running service stops and systemd forgets it."""
    return [f"systemctl --user stop {UNIT_NAME}", "systemctl --user daemon-reload"]


def this_python() -> str:
    return sys.executable
