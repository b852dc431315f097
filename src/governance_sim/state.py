"""Struct-of-arrays state of the four roles, the citizens' network and the municipality.

This module allocates and holds state and builds the initial population (ODD element 5,
initialisation); it contains no behavioural rules. Arrays are indexed by agent id within
their role; citizens are stored unit by unit, and within a unit by resource quintile.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field, fields
from typing import TYPE_CHECKING

import numpy as np

from governance_sim.logics import LogicProfile, profile
from governance_sim.params import Params

if TYPE_CHECKING:  # scipy is imported when the numpy path first needs the network matrix
    from scipy import sparse

__all__ = [
    "LOWEST_RESOURCES",
    "MEAN_RESOURCES",
    "RESOURCES_PER_QUINTILE",
    "Citizens",
    "Professionals",
    "Leaders",
    "Council",
    "Municipality",
    "Population",
    "build_population",
]


#: Resources are the resource quintile (1-5) x RESOURCES_PER_QUINTILE: the bottom quintile
#: has 0.2 ... (a product, not a division: the compiled kernels compute it the same way, fast)
RESOURCES_PER_QUINTILE = 0.2
LOWEST_RESOURCES = RESOURCES_PER_QUINTILE
#: ... and the population's mean, quintiles being drawn uniformly, is 0.6.
MEAN_RESOURCES = 0.6


@dataclass
class Citizens:
    """Citizens' state; every array has shape ``(n_citizens,)`` unless said otherwise."""

    trust: np.ndarray  # float64, trust in institutions T, 0-1
    trust_disposition: np.ndarray  # float64, lasting trust disposition trust returns to, 0-1
    social_trust: np.ndarray  # float64, generalised trust G, 0-1
    efficacy: np.ndarray  # float64, political efficacy E, 0-1
    civic_motivation: np.ndarray  # float32 (it never moves: 4 bytes a citizen), 0-1
    #: float32 (it never moves), > 0, mean 1: how well the unit's service fits the citizen's
    #: needs, a multiplier of the quality they receive (``service_fit_sd``)
    service_fit: np.ndarray
    quintile: np.ndarray  # int8, 1-5 (resources are quintile x 0.2: see ``resources``)
    coop_type: np.ndarray  # int8, 0 conditional, 1 free rider, 2 hump, 3 unconditional
    belief: np.ndarray  # float64, belief about others' contributions, 0-1
    expectation: np.ndarray  # float64, expected service quality, 0-1
    value: np.ndarray  # float64, value received last step, 0-1
    contribution: np.ndarray  # float64, contribution last step, 0-1
    participating: np.ndarray  # bool, took part last step
    unit: np.ndarray  # int32, serving unit
    neighbours: np.ndarray  # int32, shape (n_citizens, degree): whom each citizen listens to
    listened_to: np.ndarray  # uint8 (uint16/32 if needed), ties pointing at each citizen
    #: float32, the shift of later contributions punishment has taught each citizen (share
    #: of endowment; contribution.punishment_learning); None until a step first sanctions
    sanction_learning: np.ndarray | None = None
    _network: sparse.csr_array | None = field(default=None, repr=False, compare=False)
    #: last step's trust and participation, kept as the buffers the next step writes into
    #: (the compiled path double-buffers instead of allocating and freeing every step)
    _spare_trust: np.ndarray | None = field(default=None, repr=False, compare=False)
    _spare_participating: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: float64[n] scratch before the compiled path's first step (which then takes it as its
    #: trust buffer) and the numpy path's buffer for each step's bulk random draws
    _draw_buffer: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: float64[m], m = min(n, max(DRAW_CHUNK, largest unit)): the compiled path draws each
    #: step's uniforms into it a chunk of whole units at a time
    _draw_chunk: np.ndarray | None = field(default=None, repr=False, compare=False)
    #: (first unit, end unit) of each chunk of whole units that fits in ``_draw_chunk``
    _chunk_units: tuple[tuple[int, int], ...] = field(default=(), repr=False, compare=False)
    #: int64[room]: the compiled path lists the citizens taking part here (grown as needed)
    _participants: np.ndarray = field(default_factory=lambda: np.empty(64, dtype=np.int64),
                                      repr=False, compare=False)
    #: the compiled path's per-unit outputs, made on its first step and reused by every step
    #: (``schedule.unit_outputs``): no citizen-sized memory
    _unit_outputs: tuple[np.ndarray, ...] = field(default=(), repr=False, compare=False)

    @property
    def n(self) -> int:
        """Number of citizens."""
        return int(self.trust.shape[0])

    def scratch(self) -> np.ndarray:
        """A float64[n] buffer for temporary use between steps (its contents are not kept).

        Between steps the metrics use it for their one product over all citizens. It is the
        compiled path's spare trust buffer (the trust of the step before last, which the next
        step overwrites) once there is one, else a buffer made on first use and kept (the
        numpy path draws each step's random numbers into it, one draw at a time). So no
        citizen-sized array is allocated every step, and none is held for this alone.
        """
        if self._spare_trust is not None:
            return self._spare_trust
        if self._draw_buffer is None:
            self._draw_buffer = np.empty(self.n)
        return self._draw_buffer

    def draw_chunk(self, unit_starts: np.ndarray) -> tuple[np.ndarray, tuple[tuple[int, int], ...]]:
        """The buffer the compiled path draws uniforms into, and its chunks of whole units.

        Args:
            unit_starts: int64[n_units + 1], the municipality's ``unit_starts``.

        Returns:
            (float64[m], ((first unit, end unit), ...)): each chunk's citizens fit in the
            buffer; made on first use and kept.
        """
        if self._draw_chunk is None:
            sizes = np.diff(unit_starts)
            capacity = int(min(self.n, max(DRAW_CHUNK, int(sizes.max(initial=0)))))
            self._chunk_units = unit_chunks(unit_starts, capacity)
            self._draw_chunk = np.empty(capacity)
        return self._draw_chunk, self._chunk_units

    @property
    def resources(self) -> np.ndarray:
        """Resources, float64[n] in 0.2-1: the quintile x 0.2.

        Computed, not stored (8 bytes a citizen saved); the compiled kernels compute it from
        the quintile the same way.
        """
        return self.quintile.astype(np.float64) * RESOURCES_PER_QUINTILE

    @property
    def network(self) -> sparse.csr_array:
        """The network as a row-normalised CSR matrix: ``network @ x`` is the neighbours' mean.

        Built on first use (the numpy path and the validation experiments use it; the compiled
        kernels read ``neighbours`` directly) and kept: 8 bytes per tie plus the row pointers.
        """
        if self._network is None:
            self._network = network_matrix(self.neighbours)
        return self._network



@dataclass
class Professionals:
    """Professionals' state; arrays of shape ``(n_professionals,)``."""

    motivation: np.ndarray  # float64, intrinsic / public-service motivation P, 0-1
    autonomy: np.ndarray  # float64, 0-1
    scar: np.ndarray  # float64, lasting ceiling left by controlling regimes, 0-1
    burnout: np.ndarray  # float64, 0-1
    skill: np.ndarray  # float64, facilitation skill, 0-1
    disposition: np.ndarray  # float64, lasting motivation disposition (PSM), 0-1
    perceived_support: np.ndarray  # float64, share of control seen as supportive, 0-1
    unit: np.ndarray  # int32


@dataclass
class Leaders:
    """Leaders' state, one per unit; arrays of shape ``(n_units,)``."""

    control: np.ndarray  # float64, control intensity C, 0-1
    facilitation: np.ndarray  # float64, facilitation investment F, 0-1
    patience: np.ndarray  # float64, steps a dip is tolerated
    dip_steps: np.ndarray  # int32, consecutive steps with results below reference
    calm_steps: np.ndarray  # int32, consecutive steps without a dip
    reverted: np.ndarray  # bool, has fallen back to control
    reference: np.ndarray  # float64, remembered level of the unit's results
    maturity: np.ndarray  # float64, maturity of the unit's arena, 0-1


@dataclass
class Council:
    """Politicians' state; arrays of shape ``(n_politicians,)``."""

    horizon_factor: np.ndarray  # float64, own horizon / the logic's horizon
    courage: np.ndarray  # float64, share of the horizon a dip in approval is tolerated
    demanding: np.ndarray  # bool, demands a return to control


@dataclass
class Municipality:
    """Scalars and small arrays of the municipality as a whole."""

    base_logic: LogicProfile
    step: int = 0
    budget_factor: float = 1.0
    approval: float = 0.5
    approval_reference: float = 0.5
    approval_dip_steps: int = 0
    council_pressure: float = 0.0
    future_stock: float = 0.5
    last_switch_step: int = 0
    lever_overrides: dict[str, float] = field(default_factory=dict)
    panel_members: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    panel_end_step: int = -1
    #: fall of the civic norm (everyone's civic motivation) from paying for taking part
    civic_crowding: float = 0.0
    unit_sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: int64[n_units + 1]: unit u's citizens are unit_starts[u] .. unit_starts[u + 1] - 1
    unit_starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    #: int64[n_groups]: first citizen of each run of citizens with the same unit and quintile
    #: (citizens are stored unit by unit, by quintile inside a unit); metrics sum by group
    group_starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    #: int64[n_groups]: the quintile of each group
    group_quintile: np.ndarray = field(default_factory=lambda: np.ones(1, dtype=np.int64))
    staff_sizes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    #: int64[n_units + 1]: unit u's professionals are staff_starts[u] .. staff_starts[u + 1] - 1
    staff_starts: np.ndarray = field(default_factory=lambda: np.zeros(1, dtype=np.int64))
    unit_quality: np.ndarray = field(default_factory=lambda: np.zeros(0))  # float64[n_units]
    # flows of the last step, kept for observation
    cost: float = 1.0
    measured_output: float = 0.0
    relational_quality: float = 0.0
    coproduction: float = 0.0
    cooperation: float = 0.0
    invited: int = 0  # citizens invited this step (among those not taking part last step)
    accepted: int = 0  # of them, those who took part


@dataclass
class Population:
    """The whole state of one simulation."""

    citizens: Citizens
    professionals: Professionals
    leaders: Leaders
    council: Council
    municipality: Municipality

    def copy(self) -> Population:
        """A deep copy (arrays copied; the constant layout arrays stay read-only)."""
        duplicate = copy.deepcopy(self)
        freeze_layout(duplicate.citizens)
        return duplicate

    def arrays(self) -> dict[str, np.ndarray]:
        """Every per-agent array, keyed ``role.name`` (for comparisons and checks)."""
        out: dict[str, np.ndarray] = {}
        for role_name in ("citizens", "professionals", "leaders", "council"):
            group = getattr(self, role_name)
            for f in fields(group):
                value = getattr(group, f.name)
                if isinstance(value, np.ndarray) and not f.name.startswith("_"):
                    out[f"{role_name}.{f.name}"] = value
        out["citizens.resources"] = self.citizens.resources  # computed from the quintile
        if self.citizens.sanction_learning is None:  # none taught yet: all zero
            out["citizens.sanction_learning"] = np.zeros(self.citizens.n, dtype=np.float32)
        return out


#: Citizens' arrays fixed for the whole run, on which the storage order and the compiled
#: kernels rely (units are contiguous, quintiles sorted inside a unit, resources = quintile
#: / 5, a static network): read-only, so that no one changes one without the others.
LAYOUT_ARRAYS = ("unit", "quintile", "neighbours")


def freeze_layout(citizens: Citizens) -> None:
    """Make the citizens' layout arrays (:data:`LAYOUT_ARRAYS`) read-only."""
    for name in LAYOUT_ARRAYS:
        getattr(citizens, name).flags.writeable = False


def network_matrix(neighbours: np.ndarray) -> sparse.csr_array:
    """The social network as a row-normalised sparse matrix (CSR, n_citizens x n_citizens).

    Row ``i`` has weight ``1/degree`` on each citizen ``i`` listens to (a repeated tie counts
    twice), so ``matrix @ x`` is the neighbours' mean of ``x``. The column indices share
    memory with ``neighbours``.

    Args:
        neighbours: int32[n_citizens, degree].
    """
    from scipy import sparse

    n, degree = neighbours.shape
    index_type = np.int32 if n * degree < 2**31 else np.int64
    indptr = np.arange(0, n * degree + 1, degree, dtype=index_type)
    data = np.full(n * degree, 1.0 / degree)
    indices = neighbours.reshape(-1).astype(index_type, copy=False)
    return sparse.csr_array((data, indices, indptr), shape=(n, n), copy=False)


def times_heard(neighbours: np.ndarray, n_citizens: int) -> np.ndarray:
    """How many ties point at each citizen, in the smallest unsigned type that holds them.

    uint8 where no citizen is heard more than 255 times (the usual case: the mean is the
    degree), else uint16 or uint32; the metrics multiply it as float64, so the type changes
    no result. Counted in chunks of citizens, to bound the temporary memory.

    Returns:
        uint8, uint16 or uint32 [n_citizens].
    """
    heard = np.zeros(n_citizens, dtype=np.int64)
    for first in range(0, neighbours.shape[0], NETWORK_CHUNK):
        heard += np.bincount(neighbours[first:first + NETWORK_CHUNK].ravel(),
                             minlength=n_citizens)  # 10x np.add.at's speed
    most = int(heard.max()) if n_citizens else 0
    kind = np.uint8 if most <= 0xFF else np.uint16 if most <= 0xFFFF else np.uint32
    return heard.astype(kind)


#: Citizens whose uniforms the compiled path draws at once: 512 KB, so a chunk is still in
#: cache when the kernel reads it (a chunk is whole units, at least the largest unit).
DRAW_CHUNK = 1 << 16


def unit_chunks(unit_starts: np.ndarray, capacity: int) -> tuple[tuple[int, int], ...]:
    """Runs of whole units of at most ``capacity`` citizens: ((first unit, end unit), ...).

    Args:
        unit_starts: int64[n_units + 1], first citizen of each unit (and n).
        capacity: at least the largest unit's size.
    """
    n_units = unit_starts.size - 1
    chunks, first = [], 0
    while first < n_units:
        fits = int(np.searchsorted(unit_starts, unit_starts[first] + capacity, side="right"))
        end = min(n_units, max(first + 1, fits - 1))
        chunks.append((first, end))
        first = end
    return tuple(chunks)


def unit_layout(n_citizens: int, n_units: int) -> np.ndarray:
    """Sizes of the units, as equal as possible: int64[n_units] summing to n_citizens."""
    sizes = np.full(n_units, n_citizens // n_units, dtype=np.int64)
    sizes[: n_citizens % n_units] += 1
    return sizes


#: Citizens whose service fit is scaled at once (bounds the temporary memory of
#: :func:`build_population`).
FIT_CHUNK = 1 << 16


def build_population(params: Params, streams: dict[str, np.random.Generator]) -> Population:
    """Create the initial population from parameters and the named random streams.

    Citizens draw resource quintiles uniformly, trust around ``initial_trust`` (a little
    higher with resources, as in the OECD Trust Survey), civic motivation rising with
    resources (Verba, Schlozman & Brady 1995), efficacy around its anchor (rising with
    resources, the trust disposition and civic motivation), a lasting service fit (lognormal
    around 1 + ``service_fit_resource_gradient`` x (resources - mean): Le Grand 1982) and
    cooperator types with the shares of Fischbacher, Gaechter & Fehr (2001). Leaders and
    professionals start in the steady style of the initial logic.
    """
    rng = streams["population"]
    n = params.n_citizens
    logic = profile(params.logic, params.lever_table).with_levers(params.levers)

    # allocated first, before any temporary (a citizen-sized array made later lands between
    # the freed temporaries and holds their memory: 4 bytes a citizen more at the peak)
    service_fit = np.empty(n, dtype=np.float32)
    sizes = unit_layout(n, params.n_units)
    unit = np.repeat(np.arange(params.n_units, dtype=np.int32), sizes)
    # The network first (its own stream, so the order changes no number): its 32 bytes a
    # citizen and the in-degree count's temporary are then the only large arrays alive, and
    # the population's temporaries below are freed before the last state arrays are made
    # (a lower peak, and fewer holes left in the heap).
    neighbours = build_network(sizes, params.network_degree, params.network_homophily,
                               streams["network"])
    listened_to = times_heard(neighbours, n)

    quintile = rng.integers(1, 6, size=n).astype(np.int8)
    quintile = quintile[np.lexsort((quintile, unit))]  # sorted by quintile inside each unit
    changes = (np.diff(unit) != 0) | (np.diff(quintile) != 0)
    group_starts = np.concatenate([[0], np.flatnonzero(changes) + 1]).astype(np.int64)
    del changes
    # lognormal with mean 1 around a line in resources: the same service fits some citizens'
    # needs better, and the better-off get more out of it (dynamics/service.citizen_value).
    # Computed in float32, as it is stored, in place (4 bytes a citizen, no more, at the peak)
    fit_sd = params.service_fit_sd
    rng.standard_normal(dtype=np.float32, out=service_fit)
    service_fit *= np.float32(fit_sd)
    service_fit -= np.float32(0.5 * fit_sd * fit_sd)
    np.exp(service_fit, out=service_fit)
    by_quintile = (1.0 + params.service_fit_resource_gradient * (
        np.arange(6) * RESOURCES_PER_QUINTILE - MEAN_RESOURCES)).astype(np.float32)
    for first in range(0, n, FIT_CHUNK):  # in chunks: no citizen-sized temporary
        block = slice(first, first + FIT_CHUNK)
        service_fit[block] *= by_quintile[quintile[block]]
    centred = quintile.astype(np.float64) * RESOURCES_PER_QUINTILE  # the resources ...
    centred -= MEAN_RESOURCES  # ... less their mean (the same bits as resources - mean)

    trust_disposition = beta_around(
        np.clip(params.initial_trust + params.trust_resource_gradient * centred, 0.01, 0.99),
        params.initial_trust_sd, rng)
    social_trust = np.clip(params.initial_social_trust
                           + params.social_trust_resource_gradient * centred
                           + params.initial_social_trust_sd * rng.standard_normal(n), 0.0, 1.0)
    efficacy = params.initial_efficacy_sd * rng.standard_normal(n)
    civic_motivation = np.clip(
        params.initial_civic_motivation + params.civic_motivation_resource_gradient * centred
        + params.civic_motivation_sd * rng.standard_normal(n), 0.0, 1.0).astype(np.float32)
    # around each citizen's efficacy anchor (dynamics.trust.efficacy_anchor, written out:
    # the state layer does not import the dynamics): the start is where efficacy returns to
    efficacy += params.initial_efficacy
    efficacy += params.efficacy_resource_gradient * centred
    efficacy += params.efficacy_trust_gradient * (trust_disposition - params.initial_trust)
    efficacy += params.efficacy_motivation_gradient * (
        civic_motivation.astype(np.float64) - params.initial_civic_motivation)
    np.clip(efficacy, 0.0, 1.0, out=efficacy)
    del centred

    type_draw = rng.random(n)
    bounds = np.cumsum([params.share_conditional, params.share_free_rider, params.share_hump])
    coop_type = np.searchsorted(bounds, type_draw, side="right").astype(np.int8)
    del type_draw

    citizens = Citizens(
        trust=trust_disposition.copy(),
        trust_disposition=trust_disposition,
        social_trust=social_trust,
        efficacy=efficacy,
        civic_motivation=civic_motivation,
        service_fit=service_fit,
        quintile=quintile,
        coop_type=coop_type,
        belief=np.full(n, params.initial_belief),
        expectation=np.full(n, 0.5),
        value=np.full(n, 0.5),
        contribution=np.zeros(n),
        participating=np.zeros(n, dtype=bool),
        unit=unit,
        neighbours=neighbours,
        listened_to=listened_to,
    )

    freeze_layout(citizens)

    prng = streams["professionals"]
    n_prof = params.n_units * params.professionals_per_unit
    disposition = np.clip(params.initial_motivation
                          + params.motivation_sd * prng.standard_normal(n_prof), 0.0, 1.0)
    perceived_support = np.clip(params.perceived_support_mean
                                + params.perceived_support_sd * prng.standard_normal(n_prof),
                                0.0, 1.0)
    professionals = Professionals(
        motivation=disposition.copy(),
        autonomy=np.full(n_prof, logic.professional_autonomy),
        scar=np.zeros(n_prof),
        burnout=np.zeros(n_prof),
        skill=np.full(n_prof, logic.facilitation_investment),
        disposition=disposition,
        perceived_support=perceived_support,
        unit=np.repeat(np.arange(params.n_units, dtype=np.int32), params.professionals_per_unit),
    )
    leaders = Leaders(
        control=np.full(params.n_units, logic.control_intensity),
        facilitation=np.full(params.n_units, logic.facilitation_investment),
        patience=params.leader_patience * prng.lognormal(0.0, params.leader_patience_spread,
                                                         params.n_units),
        dip_steps=np.zeros(params.n_units, dtype=np.int32),
        calm_steps=np.zeros(params.n_units, dtype=np.int32),
        reverted=np.zeros(params.n_units, dtype=bool),
        reference=np.full(params.n_units, 0.5),
        maturity=np.full(params.n_units, logic.facilitation_investment),
    )
    polrng = streams["politicians"]
    council = Council(
        horizon_factor=polrng.lognormal(0.0, params.politician_spread, params.n_politicians),
        courage=params.politician_courage * polrng.lognormal(0.0, params.politician_spread,
                                                             params.n_politicians),
        demanding=np.zeros(params.n_politicians, dtype=bool),
    )
    municipality = Municipality(
        base_logic=logic,
        unit_sizes=sizes,
        unit_starts=np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64),
        group_starts=group_starts,
        group_quintile=quintile[group_starts].astype(np.int64),
        staff_sizes=np.bincount(professionals.unit, minlength=params.n_units),
        staff_starts=np.arange(params.n_units + 1, dtype=np.int64)
        * params.professionals_per_unit,
        unit_quality=np.full(params.n_units, 0.5),
    )
    return Population(citizens, professionals, leaders, council, municipality)


def beta_around(mean: np.ndarray, sd: float, rng: np.random.Generator) -> np.ndarray:
    """Draws from Beta distributions with the given means and one standard deviation.

    A Beta keeps draws inside [0, 1] without piling them up at the bounds (as clipping a
    normal would). Where ``sd`` is too large for a mean, the widest Beta with that mean
    (concentration 0.5) is used; ``sd = 0`` returns the means.

    Args:
        mean: float64[n], in (0, 1).
        sd: standard deviation, >= 0.
        rng: the population stream.

    Returns:
        float64[n] in [0, 1].
    """
    if sd <= 0.0:
        return mean.astype(np.float64, copy=True)
    with np.errstate(divide="ignore", over="ignore"):
        concentration = np.maximum(0.5, mean * (1.0 - mean) / sd**2 - 1.0)
    # an sd so small that its square underflows leaves no spread: the means (the Beta
    # would give NaN for an infinite concentration)
    degenerate = ~np.isfinite(concentration)
    if degenerate.any():
        concentration = np.where(degenerate, 1.0, concentration)
        return np.where(degenerate, mean,
                        rng.beta(mean * concentration, (1.0 - mean) * concentration))
    return rng.beta(mean * concentration, (1.0 - mean) * concentration)


#: Citizens whose ties are drawn at once (bounds the temporary memory of the network build).
NETWORK_CHUNK = 1 << 16


def build_network(
    unit_sizes: np.ndarray, degree: int, homophily: float, rng: np.random.Generator
) -> np.ndarray:
    """Draw a homophilous directed network with fixed out-degree.

    Each tie is, with probability ``homophily``, to a citizen of the same unit a few places
    away in the unit's resource-sorted order (so of similar resources), and otherwise to a
    citizen drawn uniformly from the whole municipality.

    Args:
        unit_sizes: int64[n_units], citizens per unit (citizens stored unit by unit).
        degree: ties per citizen.
        homophily: share of ties inside the own unit (McPherson et al. 2001).
        rng: the network stream.

    Returns:
        int32[n_citizens, degree]: the citizens each citizen listens to.
    """
    n = int(unit_sizes.sum())
    unit_starts = np.cumsum(unit_sizes) - unit_sizes
    unit_of = np.repeat(np.arange(unit_sizes.size), unit_sizes)
    neighbours = np.empty((n, degree), dtype=np.int32)
    for first in range(0, n, NETWORK_CHUNK):  # in chunks, to bound temporary memory
        rows = np.arange(first, min(n, first + NETWORK_CHUNK))
        unit = unit_of[rows]
        starts, sizes = unit_starts[unit][:, None], unit_sizes[unit][:, None]
        window = np.maximum(1, np.minimum(sizes // 2, 2 * degree))
        shape = (rows.size, degree)
        inside = rng.random(shape, dtype=np.float32) < homophily
        offset = rng.integers(0, 1 << 30, size=shape, dtype=np.int64) % window + 1
        offset *= np.where(rng.random(shape, dtype=np.float32) < 0.5, -1, 1)
        local = starts + (rows[:, None] - starts + offset) % sizes
        anywhere = rng.integers(0, n, size=shape, dtype=np.int64)
        neighbours[rows] = np.where(inside, local, anywhere)
    return neighbours
