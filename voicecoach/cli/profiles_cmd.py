"""`voicecoach profiles …`: one journal (and key) per person sharing the device.

The default profile's journal is ``data/journal``; profile NAME's is
``data/profiles/NAME/journal``. A command uses NAME with ``--profile NAME`` or
``VOICECOACH_PROFILE=NAME``.
"""

from __future__ import annotations

import shutil
from typing import Annotated

import typer

from voicecoach.cli.app import app, confirm, err_console, out_console, paths
from voicecoach.errors import JournalError
from voicecoach.hinting import command_hint
from voicecoach.paths import check_new_profile, check_profile, private_dir

profiles_app = typer.Typer(
    help="Profiles: one journal and key per person sharing this device.", no_args_is_help=True
)
app.add_typer(profiles_app, name="profiles")

NameArg = Annotated[str, typer.Argument(help="The profile's name (a-z, 0-9, - and _).")]


@profiles_app.command("list")
def list_profiles() -> None:
    """The profiles on this device; * marks the one in use. The default one is first."""
    current = paths().profile
    for name in [None, *paths().profile_names()]:
        mark = "*" if name == current else " "
        out_console.print(f"{mark} {name or '(default)'}", markup=False, highlight=False)


@profiles_app.command("add")
def add(name: NameArg) -> None:
    """Make a new profile with an empty journal. `key init` with --profile encrypts it.
    `default` names no profile: it stands for the journal used without one; nor do the replies
    the speaker takes as "not me" after a wake ("stop", "nobody", "cancel", …) or their words."""
    from voicecoach.speaker.whois import check_spoken_name

    folder = paths().profiles / check_spoken_name(check_new_profile(name))
    if folder.exists():
        raise JournalError(f"profile {name} already exists")
    private_dir(folder / "journal")
    err_console.print(f"profile {name} added; use it with --profile {name}", markup=False)


@profiles_app.command("remove")
def remove(
    name: NameArg,
    yes: Annotated[bool, typer.Option("--yes", help="Also erase its sessions.")] = False,
) -> None:
    """Remove a profile. One that holds sessions is asked about first (they are erased with
    it); without a terminal it needs --yes."""
    folder = paths().profiles / check_profile(name)
    if not folder.is_dir() or folder.is_symlink():
        raise JournalError(f"no profile {name}; see {command_hint('profiles list')}")
    journal = folder / "journal"
    holds = journal.is_dir() and any(p.is_file() for p in journal.rglob("*.json*"))
    if holds and not yes:
        refusal = f"profile {name} holds sessions; add --yes to erase them with it"
        if not confirm(f"Remove profile {name} and erase its sessions for good?", refusal):
            err_console.print("Nothing removed.", markup=False, highlight=False)
            return  # the person chose: exit code 0, as `forget` answered no
    shutil.rmtree(folder)
    err_console.print(f"profile {name} removed", markup=False)
