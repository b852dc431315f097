"""Which code produced a result: the package version and, in a git checkout, the commit.

Manifests (``governance-sim run``/``compare``, sweeps) record :func:`code_revision` so a
result can be traced to the code that made it. Git is asked only about the source tree the
package was imported from, and only when that tree is this project's checkout (an installed
copy inside some other repository reports no commit); a missing ``git`` or any git error
gives ``commit: None`` with the reason, never an exception.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

__all__ = ["code_revision"]

#: The package folder (``src/governance_sim`` in a checkout).
PACKAGE = Path(__file__).resolve().parent
_TIMEOUT_S = 10.0


def _git(root: Path, *args: str) -> str:
    """Output of ``git -C root ARGS`` (stripped).

    Raises:
        OSError: git is not installed.
        subprocess.SubprocessError: git failed or took too long.
    """
    done = subprocess.run(["git", "-C", str(root), *args], capture_output=True, text=True,
                          timeout=_TIMEOUT_S, check=True)
    return done.stdout.strip()


def code_revision(package: Path | None = None) -> dict[str, Any]:
    """The version of governance-sim and the git commit of its source tree, where known.

    Args:
        package: the package folder to describe (default: the one imported; tests pass
            another).

    Returns:
        ``{"version": str, "commit": str | None, "dirty": bool | None, "note": str}``:
        ``commit`` is ``git rev-parse HEAD`` of the checkout holding the package;
        ``dirty`` is True when tracked files differ from that commit or untracked files
        lie outside ``.gitignore`` (the commit alone then does not reproduce the code);
        ``note`` says how the commit was found or why it is unknown.
    """
    from importlib.metadata import PackageNotFoundError, version

    folder = (package or PACKAGE).resolve()
    try:
        package_version = version("governance-sim")
    except PackageNotFoundError:
        package_version = "not installed"
    out: dict[str, Any] = {"version": package_version, "commit": None, "dirty": None}
    try:
        top = Path(_git(folder, "rev-parse", "--show-toplevel")).resolve()
        if folder != top / "src" / folder.name:
            out["note"] = "installed package, not a git checkout of governance-sim"
            return out
        commit = _git(top, "rev-parse", "HEAD")
        changes = _git(top, "status", "--porcelain")
    except OSError:
        out["note"] = "git is not installed; commit unknown"
        return out
    except subprocess.SubprocessError:
        out["note"] = "not a git checkout (or git failed); commit unknown"
        return out
    out["commit"] = commit
    out["dirty"] = bool(changes)
    out["note"] = ("git checkout with uncommitted changes: the commit alone does not "
                   "reproduce this code" if changes else "clean git checkout")
    return out
