"""Build hook: compile the fused step kernels (src/governance_sim/native/step_kernels.c).

Hatchling runs this on every wheel and editable install. The library is a plain shared object
loaded with ctypes (no Python C API), compiled with IEEE arithmetic kept exact
(``-ffp-contract=off``, no fast-math) so that it agrees with the numpy path and the per-agent
reference. Without a C compiler the build still succeeds and the package runs its numpy
path (``governance_sim.native.load_error()`` says why).

Rebuild in place after editing the C file::

    python hatch_build.py
"""

from __future__ import annotations

import hashlib
import os
import shlex
import subprocess
import sys
import sysconfig
from pathlib import Path

NATIVE = Path("src") / "governance_sim" / "native"
SOURCE = NATIVE / "step_kernels.c"
LIBRARY = NATIVE / ("_step_kernels" + {"win32": ".dll", "darwin": ".dylib"}.get(sys.platform,
                                                                                 ".so"))
FLAGS = ["-O3", "-fPIC", "-shared", "-ffp-contract=off", "-fno-fast-math", "-std=c99"]
#: If the first build fails (an old compiler without the CPU-specific clones of the hot
#: loops), the second builds one portable version of each.
FALLBACK_FLAGS = ["-DGOVERNANCE_SIM_NO_CLONES"]


def compile_kernels(root: Path) -> str:
    """Compile the kernels into the source tree; return '' or the reason it failed.

    The library runs on any machine of its platform: the hot loops carry clones for newer
    x86-64 instruction sets, chosen when the library is loaded (see step_kernels.c).
    """
    source, target = root / SOURCE, root / LIBRARY
    digest = hashlib.sha256(source.read_bytes()).hexdigest()
    compiler = shlex.split(os.environ.get("CC") or sysconfig.get_config_var("CC") or "cc")
    failures = []
    for extra in ([], FALLBACK_FLAGS):
        command = [*compiler, *FLAGS, *extra, f'-DKERNEL_SOURCE_HASH="{digest}"', str(source),
                   "-o", str(target), "-lm"]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=300)
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"{' '.join(command)}: {error}"
        if done.returncode == 0:
            return ""
        failures.append(f"{' '.join(command)} failed:\n{done.stderr}")
    return "\n".join(failures)


try:
    from hatchling.builders.hooks.plugin.interface import BuildHookInterface
except ImportError:  # run as a script, outside a build
    BuildHookInterface = object  # type: ignore[assignment,misc]


class KernelBuildHook(BuildHookInterface):  # type: ignore[misc,valid-type]
    """Compile the step kernels; ship them in wheels (editable installs use the source tree)."""

    PLUGIN_NAME = "custom"

    def initialize(self, version: str, build_data: dict) -> None:  # noqa: D102
        problem = compile_kernels(Path(self.root))
        if problem:
            print(f"governance-sim: step kernels not compiled, the numpy path will run.\n"
                  f"{problem}", file=sys.stderr)
            return
        if version != "editable":
            build_data["pure_python"] = False
            build_data["infer_tag"] = True
            build_data["force_include"][str(Path(self.root) / LIBRARY)] = (
                "governance_sim/native/" + LIBRARY.name)


if __name__ == "__main__":
    failure = compile_kernels(Path(__file__).resolve().parent)
    print(failure or f"built {LIBRARY}")
    sys.exit(1 if failure else 0)
