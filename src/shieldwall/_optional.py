"""`require`: import a dependency that only some commands need, or say in one line how to install it.

matplotlib (report figures), czml3 (replay and CZML export) and pandas (`Table.to_pandas()`) are
core dependencies, so `pip install shieldwall` gives every documented command. They are still
imported only where used, so that `shieldwall --help` starts fast and a damaged environment gets a
message rather than a traceback: `MissingDependencyError` carries the `pip install` command, taken
from shieldwall's own declared requirement, and the command line turns it into exit code 2.
"""

from __future__ import annotations

import importlib
import re
from importlib import metadata
from types import ModuleType


class MissingDependencyError(ImportError):
    """A dependency that a feature needs cannot be imported; the message names the install command."""


def install_command(package: str) -> str:
    """The `pip install` command for `package` as shieldwall declares it (its extra, if it is in one)."""
    try:
        requirements = metadata.requires("shieldwall") or []
    except metadata.PackageNotFoundError:  # running from a source tree that was never installed
        requirements = []
    extras = []
    for requirement in requirements:
        name, _, marker = requirement.partition(";")
        match = re.match(r"\s*([A-Za-z0-9._-]+)", name)
        if match is None or _normalise(match.group(1)) != _normalise(package):
            continue
        extra = re.search(r"""extra\s*==\s*["']([^"']+)["']""", marker)
        if not extra:
            return f"pip install '{name.strip().replace(' ', '')}'"
        extras.append(extra.group(1))
    if extras:
        # The extra a user asks for (`ray`), rather than the developers' `test`, which also holds it.
        chosen = sorted(extras, key=lambda e: (e == "test", e != _normalise(package)))[0]
        return f"pip install 'shieldwall[{chosen}]'"
    return f"pip install {package}"


def require(module: str, purpose: str, package: str | None = None) -> ModuleType:
    """Import and return `module`, or raise `MissingDependencyError` naming the install command.

    `purpose` says what needs it ("the report"); `package` is the distribution to install when
    its name differs from the module's.
    """
    try:
        return importlib.import_module(module)
    except ImportError as error:
        top = module.partition(".")[0]
        package = package or top
        if isinstance(error, ModuleNotFoundError) and error.name == top:
            reason = "is not installed"
        else:  # installed but broken, e.g. one of its own dependencies missing
            reason = f"cannot be imported ({' '.join(str(error).split())})"
        raise MissingDependencyError(
            f"{purpose} needs {package}, which {reason}: {install_command(package)}"
        ) from error


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()
