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
import struct
import sys
import weakref
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from governance_sim.params import UserInputError

__all__ = ["LIBRARY_NAME", "SOURCE", "BACKENDS", "SIGNATURES", "BackendError", "Kernels",
           "address", "library", "source_hash", "load_error", "backend"]

HERE = Path(__file__).resolve().parent
SOURCE = HERE / "step_kernels.c"
#: File name of the compiled library on this platform.
LIBRARY_NAME = "_step_kernels" + {"win32": ".dll", "darwin": ".dylib"}.get(sys.platform, ".so")
BACKENDS = ("auto", "native", "numpy")

_F64, _I64, _I32 = np.dtype(np.float64), np.dtype(np.int64), np.dtype(np.int32)
_F32 = np.dtype(np.float32)
_I8, _BOOL = np.dtype(np.int8), np.dtype(np.bool_)
_N, _D = "int64", "double"  # scalars

#: Arguments of each kernel (see step_kernels.c for their meaning): an array's dtype, or a
#: scalar type. A bool array is ``uint8_t`` in C; ``participation_log_odds`` takes its
#: ``contagion`` scratch (counts up to the degree) in the bool array that
#: ``contribution_step`` then fills with 0 and 1 (the step's taking-part buffer).
SIGNATURES: dict[str, list] = {
    "participation_log_odds": [_N, _N, _I32, _BOOL, _F64, _F64, _F32, _F64, _I8, _N, _I64,
                               _F64, _F64, _BOOL, _F64, _F64],
    "contribution_step": [_N, _N, _I64, _F64, _I64, _N, _F64, _I8, _F64, _F64, _F64, _F32, _N,
                          _F64, _BOOL, _F64, _I64, _F64, _I64, _I64, _N],
    "value_exponent": [_N, _I64, _BOOL, _I8, _F32, _F64, _F64, _I64, _N, _D, _F64, _F64],
    "citizen_step": [_N, _N, _I64, _BOOL, _F64, _I8, _F32, _F64, _F64, _F64, _I64, _N, _D, _F64,
                     _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64],
    "professional_step": [_N, _I64, _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64, _F64,
                          _F64],
    "neighbour_mean": [_N, _N, _I32, _F64, _F64],
    "sanction_step": [_N, _I64, _I64, _I64, _F64, _I8, _F64, _F64, _F64, _F32],
}
_CTYPES = {_N: ctypes.c_int64, _D: ctypes.c_double}


class _Address(weakref.ref):
    """A weak reference to an array passed to a kernel, carrying the array's address.

    Attributes:
        key: ``id`` of the array (its key in :data:`_ADDRESSES`).
        address: address of the array's first element.
    """

    __slots__ = ("key", "address")


#: id(array) -> weak reference to the array holding its address (:class:`_Address`): the
#: addresses of arrays already passed to a kernel (see :func:`address`).
_ADDRESSES: dict[int, _Address] = {}


def _forget(ref: _Address) -> None:
    """Weak-reference callback: drop a dead array's address (unless the key was reused)."""
    if _ADDRESSES.get(ref.key) is ref:
        del _ADDRESSES[ref.key]


def address(array: np.ndarray) -> int:
    """The address of ``array``'s first element, remembered for as long as the array lives.

    Reading it (``__array_interface__``) builds a dictionary, about 1-2 microseconds; the
    kernels take some 80 arrays a step, most of them the same population arrays every step.
    So the address is kept on a weak reference to the array, and found again by
    ``id(array)`` as long as that reference is alive (an id is reused only after its object
    is gone, and the reference then is dead or already dropped).

    The address of a living array cannot change while the reference exists: numpy refuses
    ``ndarray.resize`` on an array that has a weak reference (even with ``refcheck=False``),
    and ``ndarray.data`` cannot be assigned. Objects that take no weak reference are not
    remembered.
    """
    key = id(array)
    ref = _ADDRESSES.get(key)
    if ref is not None and ref() is array:
        return ref.address
    pointer = array.__array_interface__["data"][0]
    try:
        ref = _Address(array, _forget)
    except TypeError:  # no weak references to this object: nothing to remember
        return pointer
    ref.key, ref.address = key, pointer
    _ADDRESSES[key] = ref
    return pointer


def _refusal(name: str, position: int, arg: Any, kind: np.dtype) -> TypeError | None:
    """Why ``arg`` cannot be argument ``position`` of kernel ``name`` (None: it can)."""
    if not isinstance(arg, np.ndarray):
        return TypeError(f"{name}: argument {position} must be a C-contiguous {kind} array, "
                         f"got {type(arg).__name__}")
    if arg.dtype != kind or not arg.flags.c_contiguous:
        return TypeError(f"{name}: argument {position} must be a C-contiguous {kind} array, "
                         f"got {arg.dtype} (contiguous: {arg.flags.c_contiguous})")
    return None


def _admitted(name: str, position: int, arg: Any, kind: np.dtype) -> int:
    """The address of ``arg`` as argument ``position`` of ``name``, after the full check.

    The path of :func:`_checked` for an array seen for the first time, or whose dtype is an
    equal object other than the signature's; raises TypeError for anything refused.
    """
    if type(arg) is not np.ndarray or arg.dtype is not kind or not arg.flags.c_contiguous:
        refusal = _refusal(name, position, arg, kind)  # (a subclass, or an equal dtype, pass)
        if refusal is not None:
            raise refusal
    return address(arg)


def _checked(name: str, function: ctypes._CFuncPtr, signature: list) -> Callable[..., None]:
    """The kernel ``name``, checking each array's dtype and layout before passing its address.

    Every call checks every array argument: an ndarray of exactly the signature's dtype,
    C-contiguous (anything else raises TypeError before the kernel runs). The fast test, for
    an array whose address is remembered (:func:`address`; the reference being alive and
    the very argument proves it is an ndarray), is ``arg.dtype is kind`` (numpy's built-in
    dtypes are singletons) and ``arg.flags.c_contiguous``; any other argument goes through
    the full test (:func:`_admitted`). (numpy's ``ndpointer`` argument types do the same
    checks at several times the cost per call.)
    """
    count = len(signature)
    arrays = tuple((position, kind) for position, kind in enumerate(signature)
                   if isinstance(kind, np.dtype))
    known = _ADDRESSES.get  # the lookup of address(), inlined: this loop runs 80 times a step

    def call(*args: Any) -> None:
        if len(args) != count:
            raise TypeError(f"{name} takes {count} arguments, got {len(args)}")
        converted = list(args)
        for position, kind in arrays:
            arg = args[position]
            ref = known(id(arg))
            if (ref is not None and ref() is arg and arg.dtype is kind
                    and arg.flags.c_contiguous):
                converted[position] = ref.address
            else:
                converted[position] = _admitted(name, position, arg, kind)
        function(*converted)

    call.__name__ = name
    return call


#: The kernels that take a coefficient array laid out as a named C struct.
COEFFICIENT_KERNELS = ("participation_log_odds", "contribution_step", "value_exponent",
                       "citizen_step", "professional_step", "sanction_step")
#: Coefficient arrays kept per kernel (:meth:`Kernels.coefficients`); a full cache is
#: emptied, so a run whose coefficients change every step holds at most this many.
COEFFICIENT_CACHE = 256


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
        self._name_sets = {name: frozenset(names)
                           for name, names in self.coefficient_names.items()}
        self._packers = {name: partial(struct.pack, f"={len(names)}d")
                         for name, names in self.coefficient_names.items()}
        self._coefficients: dict[str, dict[bytes, np.ndarray]] = {
            name: {} for name in COEFFICIENT_KERNELS}

    def coefficients(self, kernel: str, values: dict[str, float]) -> np.ndarray:
        """The coefficient array of ``kernel``, float64[k], from a mapping name -> value.

        The order is the C struct's (``coefficient_names``); a missing or unknown name is
        refused, so no two values can be swapped by position. The array is read-only and
        shared: the same values give the same array object, so most steps of a run pass the
        same arrays again (up to :data:`COEFFICIENT_CACHE` sets of values per kernel are
        kept; the kernels only read them).
        """
        names = self.coefficient_names[kernel]
        if values.keys() != self._name_sets[kernel]:
            missing = [name for name in names if name not in values]
            unknown = [name for name in values if name not in names]
            raise KeyError(f"{kernel} coefficients: missing {missing}, unknown {unknown}")
        # the key is the values' bytes, so 0.0 and -0.0 (equal as floats) stay apart
        key = self._packers[kernel](*[float(values[name]) for name in names])
        cache = self._coefficients[kernel]
        array = cache.get(key)
        if array is None:
            if len(cache) >= COEFFICIENT_CACHE:
                cache.clear()
            array = np.frombuffer(key, dtype=np.float64)  # read-only: bytes are immutable
            cache[key] = array
        return array


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
