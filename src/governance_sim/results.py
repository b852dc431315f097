"""Recorded results of a run: preallocated series, a tidy frame, a manifest, files on disk."""

from __future__ import annotations

import functools
import json
import os
import platform
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from governance_sim.metrics import METRICS
from governance_sim.params import UserInputError

if TYPE_CHECKING:  # pandas is imported where a frame is made, not by the stepping core
    import pandas as pd

__all__ = ["Recorder", "Results", "series_frame", "versions", "atomic_write", "OutputError"]


class OutputError(UserInputError, OSError):
    """A result could not be written; the message names the path and the reason."""


class Recorder:
    """Preallocated ``float64[steps + 1]`` arrays, one per metric, filled step by step."""

    def __init__(self, steps: int) -> None:
        # planned length, up to 100 001 rows at first (the arrays grow if the run goes on)
        self.capacity = min(max(int(steps), 0), 100_000) + 1
        self.series = {metric.name: np.full(self.capacity, np.nan) for metric in METRICS}
        self.length = 0

    def record(self, values: dict[str, float]) -> None:
        """Store one step's metrics; grows the arrays if the run goes past the planned length."""
        if self.length == self.capacity:
            for name, array in self.series.items():
                self.series[name] = np.concatenate([array, np.full(self.capacity, np.nan)])
            self.capacity *= 2
        series, row = self.series, self.length
        for name, value in values.items():
            series[name][row] = value
        self.length = row + 1

    def recorded(self) -> dict[str, np.ndarray]:
        """The recorded steps: metric name -> float64[length] (views, no copy)."""
        return {name: array[: self.length] for name, array in self.series.items()}

    def frame(self) -> pd.DataFrame:
        """The recorded steps as a DataFrame indexed by ``step`` (0..length-1)."""
        return series_frame(self.recorded())


def series_frame(series: dict[str, np.ndarray]) -> pd.DataFrame:
    """A DataFrame indexed by ``step`` from equal-length metric arrays."""
    import pandas as pd

    length = len(next(iter(series.values()))) if series else 0
    return pd.DataFrame(series, index=pd.RangeIndex(length, name="step"))


def versions() -> dict[str, str]:
    """Versions of the package, Mesa, numpy, pandas and Python, for the manifest (a copy)."""
    return dict(_installed_versions())


@functools.cache
def _installed_versions() -> dict[str, str]:
    """The versions, read once per process.

    Reading package metadata costs 0.1-0.5 s, which every run of an ensemble paid again.
    """
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": platform.python_version()}
    for package in ("governance-sim", "mesa", "numpy", "scipy", "pandas"):
        try:
            out[package] = version(package)
        except PackageNotFoundError:
            out[package] = "not installed"
    return out


#: How every temporary of :func:`atomic_write` ends: ``.<name>.<random>.<pid>`` + this.
#: :func:`governance_sim.output_folders.clean_temporaries` removes only names of this form.
TEMPORARY_SUFFIX = ".governance-sim-tmp"


def atomic_write(path: str | os.PathLike[str], write: Any) -> Path:
    """Write a file through a temporary name in the same folder, then rename it into place.

    The temporary is ``.<name>.<random>.<pid>`` + :data:`TEMPORARY_SUFFIX` (the process
    that made it is recorded in its name).

    Args:
        path: final path.
        write: callable taking the temporary path and writing the file there.

    Raises:
        OutputError: the folder cannot be created or written.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent,
                                             suffix=f".{os.getpid()}{TEMPORARY_SUFFIX}")
        os.close(handle)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # the usual permissions, not mkstemp's 0600
    except OSError as error:
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
    try:
        write(temporary)
        os.replace(temporary, target)
    except OSError as error:
        Path(temporary).unlink(missing_ok=True)
        raise OutputError(f"cannot write {target}: {error.strerror or error}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return target


class Results:
    """What one run produced.

    Built from a DataFrame, or from the recorded arrays (``series``): then the DataFrame is
    made, and pandas imported, on first access to :attr:`timeseries`, so a run that only
    steps never holds pandas (about 100 MB) next to its population.

    Attributes:
        timeseries: DataFrame indexed by ``step`` (0..steps), one column per metric of
            :data:`governance_sim.metrics.METRICS`.
        manifest: parameters, seed, steps, scenario name and versions.
    """

    def __init__(self, timeseries: pd.DataFrame | None = None,
                 manifest: dict[str, Any] | None = None, *,
                 series: dict[str, np.ndarray] | None = None) -> None:
        if (timeseries is None) == (series is None):
            raise TypeError("Results needs exactly one of timeseries and series")
        self._frame = timeseries
        self._series = series
        self.manifest: dict[str, Any] = manifest if manifest is not None else {}

    @property
    def timeseries(self) -> pd.DataFrame:  # noqa: D102
        if self._frame is None:
            assert self._series is not None
            self._frame, self._series = series_frame(self._series), None
        return self._frame

    def __repr__(self) -> str:
        steps = self.manifest.get("steps", "?")
        return f"Results(scenario={self.manifest.get('scenario')!r}, steps={steps})"

    def final(self) -> pd.Series:
        """The last recorded step."""
        return self.timeseries.iloc[-1]

    def to_parquet(self, path: str | os.PathLike[str]) -> Path:
        """Write the time series to Parquet (manifest in the file's metadata) atomically."""
        def write(temporary: str) -> None:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(self.timeseries.reset_index(), preserve_index=False)
            metadata = dict(table.schema.metadata or {})
            metadata[b"governance_sim.manifest"] = json.dumps(self.manifest).encode()
            pq.write_table(table.replace_schema_metadata(metadata), temporary)

        return atomic_write(path, write)

    def to_csv(self, path: str | os.PathLike[str]) -> Path:
        """Write the time series to CSV atomically."""
        return atomic_write(path, lambda temporary: self.timeseries.to_csv(temporary))

    def write_manifest(self, path: str | os.PathLike[str]) -> Path:
        """Write the manifest as JSON atomically."""
        def write(temporary: str) -> None:
            Path(temporary).write_text(json.dumps(self.manifest, indent=2, sort_keys=True))

        return atomic_write(path, write)

    @classmethod
    def read_parquet(cls, path: str | os.PathLike[str]) -> Results:
        """Read results written by :meth:`to_parquet`."""
        import pyarrow.parquet as pq

        table = pq.read_table(path)
        raw = (table.schema.metadata or {}).get(b"governance_sim.manifest", b"{}")
        frame = table.to_pandas().set_index("step")
        return cls(timeseries=frame, manifest=json.loads(raw))
