"""The compiled step kernels (``step_kernels.c``), loaded with :mod:`ctypes`.

The kernels fuse the per-citizen arithmetic of phases 3, 4 and 6 into one pass each; the
numpy functions in :mod:`governance_sim.dynamics` remain the documented definitions of the
rules, and the numpy path of :mod:`governance_sim.dynamics.schedule` runs wherever the
library is missing. The library is compiled when the package is installed (``hatch_build.py``
at the top of the repository; rebuild in place with ``python hatch_build.py``). It is used only
if it was built from the very source next to it: a stale library (the C file edited since)
is ignored, so a run never mixes old kernels with new rules.

Choose the path with the environment variable ``GOVERNANCE_SIM_BACKEND``: ``auto`` (default:
the kernels when available), ``native`` or ``numpy``.
"""

from __future__ import annotations

import ctypes
import hashlib
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from governance_sim.params import UserInputError

__all__ = ["LIBRARY_NAME", "SOURCE", "BACKENDS", "SIGNATURES", "BackendError", "Kernels",
           "library", "source_hash", "load_error", "backend"]

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "step_kernels.c"
#: File name of the compiled library on this platform.
LIBRARY_NAME = "_step_kernels" + {"win32": ".dll", "darwin": ".dylib"}.get(sys.platform, ".so")
BACKENDS = ("auto", "native", "numpy")

_F64, _I64, _I32 = np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.int32)
_F32 = np.dtype(np.float32)
_I8, _U8, _BOOL = np.dtype(np.int8), np.dtype(np.uint8), np.dtype(np.bool_)
_N, _D = "int64", "double"  # scalars

#: Arguments of each kernel (see step_kernels.c for their meaning): an array's dtype, or a
#: scalar type.
SIGNATURES: dict[str, list] = {
    "participation_log_odds": [_N, _N, _I32, _BOOL, _F64, _F64, _F64, _F64, _I8, _N, _I64,
                               _F64, _F64, _U8, _F64, _F64],
    "contribution_step": [_N, _I64, _F64, _I64, _N, _F64, _I8, _F64, _F64, _F64, _F32, _N,
                          _F64, _BOOL, _F64, _I64, _F64, _I64],
    "value_exponent": [_N, _I64, _BOOL, _I8, _F64, _F64, _I64, _N, _D, _F64, _F64],
    "citizen_step": [_N, _I64, _BOOL, _F64, _F64, _F64, _I64, _N, _D, _F64, _F64, _F64, _F64,
                     _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64],
    "professional_step": [_N, _I64, _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64,
                          _F64],
    "neighbour_mean": [_N, _N, _I32, _F64, _F64],
}
_CTYPES = {_N: ctypes.c_int64, _D: ctypes.c_double}


def _checked(name: str, function: ctypes._CFuncPtr, signature: list) -> Callable[..., None]:
    """The kernel ``name``, checking each array's dtype and layout before passing its address.

    (numpy's ``ndpointer`` argument types do the same checks at twice the cost per call,
    which adds up to a tenth of a millisecond per step.)
    """
    def call(*args: Any) -> None:
        if len(args) != len(signature):
            raise TypeError(f"{name} takes {len(signature)} arguments, got {len(args)}")
        converted = []
        for position, (arg, kind) in enumerate(zip(args, signature, strict=True)):
            if isinstance(kind, np.dtype):
                interface = arg.__array_interface__  # strides None: C-contiguous
                if arg.dtype != kind or interface["strides"] is not None:
                    raise TypeError(f"{name}: argument {position} must be a C-contiguous {kind} "
                                    f"array, got {arg.dtype} (contiguous: "
                                    f"{arg.flags.c_contiguous})")
                converted.append(interface["data"][0])
            else:
                converted.append(arg)
        function(*converted)

    call.__name__ = name
    return call


#: The kernels that take a coefficient array laid out as a named C struct.
COEFFICIENT_KERNELS = ("participation_log_odds", "contribution_step", "value_exponent",
                       "citizen_step", "professional_step")


class Kernels:
    """The loaded library: one checked callable per kernel of :data:`SIGNATURES`.

    Attributes:
        coefficient_names: kernel -> the names of its coefficient struct's fields, in the
            order the C struct lays them out (read from the library itself).
    """

    def __init__(self, lib: ctypes.CDLL) -> None:
        for name, signature in SIGNATURES.items():
            function = getattr(lib, name)
            function.argtypes = [_CTYPES.get(kind, ctypes.c_void_p) for kind in signature]
            function.restype = None
            setattr(self, name, _checked(name, function, signature))
        self.coefficient_names: dict[str, tuple[str, ...]] = {}
        for name in COEFFICIENT_KERNELS:
            names_of = getattr(lib, f"{name}_coef_names")
            names_of.restype = ctypes.c_char_p
            size_of = getattr(lib, f"{name}_coef_size")
            size_of.restype = ctypes.c_int64
            names = tuple(part for part in names_of().decode().split(",") if part)
            if size_of() != 8 * len(names):
                raise OSError(f"{name}: coefficient struct of {size_of()} bytes for "
                              f"{len(names)} doubles")
            self.coefficient_names[name] = names

    def coefficients(self, kernel: str, values: dict[str, float]) -> np.ndarray:
        """The coefficient array of ``kernel``, float64[k], from a mapping name -> value.

        The order is the C struct's (``coefficient_names``); a missing or unknown name is
        refused, so no two values can be swapped by position.
        """
        names = self.coefficient_names[kernel]
        missing = [name for name in names if name not in values]
        unknown = [name for name in values if name not in names]
        if missing or unknown:
            raise KeyError(f"{kernel} coefficients: missing {missing}, unknown {unknown}")
        return np.array([float(values[name]) for name in names])


class BackendError(UserInputError):
    """The requested step backend is unknown or not available on this installation."""


def source_hash() -> str:
    """SHA-256 of the kernel source, as the build embeds it in the library."""
    return hashlib.sha256(SOURCE.read_bytes()).hexdigest()


def _load() -> tuple[Kernels | None, str]:
    path = HERE / LIBRARY_NAME
    if not path.exists():
        return None, f"{path.name} was not built (no C compiler when the package was installed?)"
    try:
        lib = ctypes.CDLL(str(path))
    except OSError as error:
        return None, f"{path.name} cannot be loaded: {error}"
    lib.kernel_source_hash.restype = ctypes.c_char_p
    if SOURCE.exists() and lib.kernel_source_hash().decode() != source_hash():
        return None, (f"{path.name} is stale: step_kernels.c changed since it was built "
                      "(rebuild with `python hatch_build.py` or reinstall)")
    try:
        return Kernels(lib), ""
    except (AttributeError, OSError) as error:
        return None, f"{path.name} does not match this package's kernels: {error}"


_LIBRARY, _LOAD_ERROR = _load()


def library() -> Kernels | None:
    """The loaded kernel library, or None where it is missing or stale."""
    return _LIBRARY


def load_error() -> str:
    """Why the library is not available ('' when it is)."""
    return _LOAD_ERROR


def backend(requested: str | None = None) -> str:
    """The step backend to use: ``"native"`` or ``"numpy"``.

    Args:
        requested: ``"auto"``, ``"native"`` or ``"numpy"``; None reads
            ``GOVERNANCE_SIM_BACKEND`` (default ``"auto"``).

    Raises:
        BackendError: an unknown name, or ``"native"`` where the library is not available.
    """
    choice = requested if requested is not None else os.environ.get(
        "GOVERNANCE_SIM_BACKEND", "auto")
    if choice not in BACKENDS:
        raise BackendError(f"unknown step backend {choice!r} (GOVERNANCE_SIM_BACKEND); "
                           f"allowed: {', '.join(BACKENDS)}")
    if choice == "numpy":
        return "numpy"
    if _LIBRARY is None:
        if choice == "native":
            raise BackendError(f"the native step backend is not available: {_LOAD_ERROR}")
        return "numpy"
    return "native"
