"""Classroom state: three models stepped side by side, and a sample of citizens to draw.

The columns of a :class:`~governance_sim.app.lessons.Lesson` (three, or two in the ablation
lesson) run as as many :class:`governance_sim.GovernanceModel` on the same seed, so they
share their citizens, network and dice and differ only in what the lesson sets (a
mechanism switched off included). For the network view a sample of
citizens is taken: the citizens of the first service units, about :data:`SAMPLE_SIZE` of
them (homophily keeps most of their ties inside their unit). Their positions are computed
once per network with a seeded spring layout (networkx), so dots stay where they are while
colours change.

Students may change a few settings (:data:`STUDENT_SETTINGS`: starting trust, leaders'
patience, the trust needed to take part); they apply to every column, under the lesson's
own settings (a lesson that sets one itself keeps its value, see
:meth:`Classroom.fixed_settings`), and start the lesson again.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

import networkx as nx
import numpy as np
import pandas as pd

from governance_sim.app.lessons import LESSONS, Lesson
from governance_sim.i18n import mark
from governance_sim.model import GovernanceModel
from governance_sim.params import Params

__all__ = ["SAMPLE_SIZE", "Classroom", "NetworkSample", "Snapshot", "sample_network",
           "Setting", "STUDENT_SETTINGS", "SPEEDS"]

I18N_DOMAIN = "classroom"

#: Citizens shown in the network view (whole units, at least this many).
SAMPLE_SIZE = 300

#: Speeds offered: months simulated per second.
SPEEDS: tuple[float, ...] = (1.0, 2.0, 4.0, 8.0, 16.0)


@dataclass(frozen=True)
class Setting:
    """A parameter students may change in the classroom, with a large slider.

    Attributes:
        name: the :class:`~governance_sim.params.Params` field.
        label: what it is called on the page (English; translated on the page).
        hint: one sentence on what it does.
        low: smallest value offered.
        high: largest value offered.
        step: slider step.
    """

    name: str
    label: str
    hint: str
    low: float
    high: float
    step: float

    @property
    def default(self) -> float:
        """The model's default value."""
        return float(getattr(Params(), self.name))


#: What students may change (inside the parameters' own ranges).
STUDENT_SETTINGS: tuple[Setting, ...] = (
    Setting("initial_trust", mark("Starting trust"),
            mark("Citizens' mean trust in institutions at month 0, on a scale of 0-1 (Norway: "
                 "about 0.55)."), 0.3, 0.8, 0.05),
    Setting("trust_threshold", mark("Trust needed to take part"),
            mark("Citizens accept invitations more the further their trust is above this "
                 "level (0-1)."), 0.3, 0.7, 0.05),
    Setting("leader_patience", mark("Leaders' patience (months)"),
            mark("How many months leaders bear a dip in results before they fall back to "
                 "control."), 0.0, 48.0, 6.0),
)
_SETTINGS = {setting.name: setting for setting in STUDENT_SETTINGS}


@dataclass(frozen=True)
class NetworkSample:
    """A sample of citizens and their ties among themselves, with fixed positions.

    Attributes:
        index: int64[k], the sampled citizens' rows in the population arrays.
        x: float64[k], horizontal positions.
        y: float64[k], vertical positions.
        edges: int64[m, 2], ties as pairs of positions in ``index`` (each pair once).
        units: int32[k], each sampled citizen's unit.
        quintile: int8[k], each sampled citizen's resource quintile (1-5).
    """

    index: np.ndarray
    x: np.ndarray
    y: np.ndarray
    edges: np.ndarray
    units: np.ndarray
    quintile: np.ndarray


@dataclass(frozen=True)
class Snapshot:
    """What one column looks like now, for the sample.

    Attributes:
        label: the column's label.
        trust: float64[k], trust in institutions of the sampled citizens.
        participating: bool[k], whether each took part last step.
        metrics: the model's latest metrics.
    """

    label: str
    trust: np.ndarray
    participating: np.ndarray
    metrics: dict[str, float]


def sample_network(unit: np.ndarray, neighbours: np.ndarray, quintile: np.ndarray, *,
                   size: int = SAMPLE_SIZE, seed: int = 0) -> NetworkSample:
    """Sample whole units until ``size`` citizens, keep their mutual ties, lay them out.

    Args:
        unit: int32[n], each citizen's unit (citizens are stored unit by unit).
        neighbours: int32[n, degree], whom each citizen listens to.
        quintile: int8[n], resource quintile.
        size: citizens wanted (whole units are taken, so a few more may come).
        seed: seed of the layout.
    """
    counts = np.bincount(unit)
    units_needed = int(np.searchsorted(np.cumsum(counts), min(size, unit.size))) + 1
    index = np.flatnonzero(unit < units_needed).astype(np.int64)
    position = np.full(unit.size, -1, dtype=np.int64)
    position[index] = np.arange(index.size)
    targets = position[neighbours[index]]                      # [k, degree], -1 outside
    rows = np.repeat(np.arange(index.size), neighbours.shape[1])
    cols = targets.reshape(-1)
    keep = (cols >= 0) & (cols != rows)
    pairs = np.sort(np.stack([rows[keep], cols[keep]], axis=1), axis=1)
    edges = np.unique(pairs, axis=0) if pairs.size else np.zeros((0, 2), dtype=np.int64)
    graph = nx.Graph()
    graph.add_nodes_from(range(index.size))
    graph.add_edges_from(map(tuple, edges.tolist()))
    layout = nx.spring_layout(graph, seed=seed, iterations=60)
    xy = np.array([layout[i] for i in range(index.size)], dtype=np.float64)
    return NetworkSample(index=index, x=xy[:, 0], y=xy[:, 1], edges=edges,
                         units=unit[index].astype(np.int32), quintile=quintile[index])


class Classroom:
    """The models of a lesson's columns, stepped together; their history and a network sample.

    Args:
        lesson: the lesson (default: the three logics side by side).
        seed: seed shared by the three models.
        population: parameters over the lesson's for every column (e.g. a smaller
            ``n_citizens`` in tests).

    Attributes:
        generation: increases at every reset (the page then needs whole figures).
        view_state: what the page was last sent (kept by the callbacks).
    """

    def __init__(self, lesson: Lesson = LESSONS[0], *, seed: int = 1,
                 population: dict[str, int] | None = None) -> None:
        self.lock = threading.RLock()
        self.seed = seed
        self.population = dict(population or {})
        self.playing = False
        self.speed = 2.0
        self.colour_by = "trust"
        self.generation = 0
        self.view_state: dict[str, object] = {}
        self.settings: dict[str, float] = {}
        self.lang = "en"
        self._layouts: dict[tuple, NetworkSample] = {}
        self.reset(lesson)

    def reset(self, lesson: Lesson | None = None) -> None:
        """Start the lesson (or the current one) again from month 0, paused."""
        with self.lock:
            if lesson is not None:
                self.lesson = lesson
            self.playing = False
            self.generation += 1  # the page must draw the figures anew
            params = [column.params(self.population, under=self.settings)
                      for column in self.lesson.columns]
            self.models = [GovernanceModel(p, rng=self.seed, steps=self.lesson.steps,
                                           agent_views=False) for p in params]
            first = self.models[0].population.citizens
            same = all(np.array_equal(m.population.citizens.neighbours, first.neighbours)
                       for m in self.models[1:])
            if not same:  # columns that change the network cannot share one picture
                raise ValueError("the columns of a lesson must share their population and "
                                 "network")
            key = (first.n, params[0].n_units, params[0].network_degree,
                   params[0].network_homophily, self.seed)
            if key not in self._layouts:
                self._layouts[key] = sample_network(first.unit, first.neighbours,
                                                    first.quintile, seed=self.seed)
            self.sample = self._layouts[key]
            self.history: list[list[dict[str, float]]] = [[dict(m.latest)] for m in
                                                          self.models]

    def fixed_settings(self) -> set[str]:
        """The student settings the current lesson sets itself (their sliders do nothing)."""
        return {name for column in self.lesson.columns for name in column.settings
                if name in _SETTINGS}

    def change_settings(self, values: dict[str, object]) -> bool:
        """Take the students' settings; start the lesson again if one changed.

        Values that are not numbers, or outside a setting's range, are ignored (the page's
        sliders cannot send them); a setting at the model's default is dropped.

        Returns:
            Whether anything changed (and the lesson started again).
        """
        with self.lock:
            new = dict(self.settings)
            for name, value in values.items():
                setting = _SETTINGS.get(name)
                if (setting is None or isinstance(value, bool)
                        or not isinstance(value, int | float)
                        or not setting.low <= float(value) <= setting.high):
                    continue
                value = round(float(value), 6)
                if math.isclose(value, setting.default):
                    new.pop(name, None)
                else:
                    new[name] = value
            if new == self.settings:
                return False
            self.settings = new
            self.reset()
            return True

    @property
    def step(self) -> int:
        """Months simulated so far."""
        return len(self.history[0]) - 1

    @property
    def finished(self) -> bool:
        """Whether the lesson's horizon is reached."""
        return self.step >= self.lesson.steps

    def advance(self, steps: int = 1) -> int:
        """Step every column ``steps`` times (not beyond the horizon); return steps done."""
        with self.lock:
            todo = max(0, min(int(steps), self.lesson.steps - self.step))
            for _ in range(todo):
                for model, history in zip(self.models, self.history, strict=True):
                    model.step()
                    history.append(dict(model.latest))
            if self.finished:
                self.playing = False
            return todo

    def steps_per_tick(self, interval_ms: int) -> int:
        """Months to simulate per timer tick of ``interval_ms`` at the current speed."""
        return max(1, round(self.speed * interval_ms / 1000.0))

    def snapshots(self) -> list[Snapshot]:
        """Each column's sampled citizens now."""
        with self.lock:
            out = []
            for column, model in zip(self.lesson.columns, self.models, strict=True):
                citizens = model.population.citizens
                out.append(Snapshot(column.label, citizens.trust[self.sample.index].copy(),
                                    citizens.participating[self.sample.index].copy(),
                                    dict(model.latest)))
            return out

    def frame(self) -> pd.DataFrame:
        """The history as a long frame (``scenario`` = column label, one replicate)."""
        with self.lock:
            parts = []
            for column, history in zip(self.lesson.columns, self.history, strict=True):
                part = pd.DataFrame(history)
                part.insert(0, "step", np.arange(len(history), dtype=np.int64))
                part.insert(0, "replicate", 0)
                part.insert(0, "scenario", column.label)
                parts.append(part)
            return pd.concat(parts, ignore_index=True)
