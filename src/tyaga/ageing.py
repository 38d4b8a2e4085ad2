"""Calendar and cycle ageing of commercial Li-ion cells: NREL's semi-empirical life models, vectorised.

The models are the published semi-empirical fits that NREL's BLAST-Lite (PyPI ``blast-lite`` 1.1.1,
github.com/NREL/BLAST-Lite) implements for commercial cells; this module is an independent, vectorised
implementation of the same equations (batch axis: many cells or designs at once). Parameter values are taken
from BLAST-Lite's source, © 2023 Alliance for Energy Innovation, LLC, under the BSD 3-clause licence (see
``NOTICE`` below); the equations are those of the papers cited in each model.

State equations
---------------
Every model is a sum of power-law states. State ``y_j`` grows with a driver ``x_j`` — time in days or charge
throughput in equivalent full cycles (EFC, Ah over the nominal Ah), each divided by a model constant — as
``y = k·x^p`` at a constant rate ``k`` (the stressor-dependent degradation rate). Under changing stressors
the state is advanced window by window with the state equation of that trajectory (BLAST-Lite's scheme)::

    first window (y = 0):  y ← k·Δx^p
    later windows:         y ← y + k·p·(y/k)^((p−1)/p)·Δx

and the relative capacity is ``q = 1 − Σ_j s_j·y_j`` with ``s_j = +1`` for a loss and ``−1`` for a gain.

Stressors and update window
---------------------------
The window is one day of the profile (BLAST-Lite's window when a day holds at most one EFC, as every EV day
does that is charged once). In each window, with ``q`` the relative capacity at its start:

* the SOC profile is rescaled so that the same charge throughput [Ah] is a larger SOC swing on the faded
  cell (BLAST-Lite's ``is_conserve_energy_throughput``): ``soc_r = clip(soc₀ + (soc − soc₀)/q, 0, 1)`` with
  ``soc₀`` the window's first SOC — this is how fade feeds back into the stressors;
* ``ΔEFC = q·Σ|Δsoc_r|/2`` (nominal-capacity cycles), ``DOD = max soc_r − min soc_r``;
* C-rate ``= q·∫|dsoc_r/dt|/h dt / Δt`` with instantaneous values under 0.01 /h taken as 0 (rest), the
  integral BLAST-Lite's trapezoid over the sample times after the first;
* the anode potential ``Ua(soc_r)`` [V vs Li] from the graphite OCP of Safari & Delacourt, J. Electrochem.
  Soc. 158 (2011) A562, at lithiation ``x = 0.0085 + soc·(0.78 − 0.0085)`` (Schimpe et al., J. Electrochem.
  Soc. 165 (2018) A181);
* each rate ``k`` is the time average (trapezoid over the samples) of the model's rate function of the
  per-sample temperature [K], SOC and ``Ua``, and the window's DOD and C-rate.

The rates depend on ``q`` only through the rescaled SOC; they are evaluated exactly on a grid of ``q`` (step
``q_step``, default 0.02) as each cell's capacity passes it and linearly interpolated in between: within
3·10⁻⁵ of BLAST-Lite's relative capacity over 10 years in the oracle's cases, 5× fewer evaluations than at
0.002. Where the rescaled SOC starts to clip at 0 or 1 (a cell too faded to deliver the day's Ah) the rates
bend and the interpolation is first-order for the days of that one grid step (ΔEFC up to 0.7 % off there);
``q_step=None`` evaluates the rates every day, BLAST-Lite's scheme to rounding. The grid cache is kept per
distinct day: :func:`simulate_days` takes the distinct days of a duty once with the sequence they repeat in,
and :func:`simulate` finds equal days in its profile (``reuse_days``), so a year of a few day types costs a
few days' evaluations per grid step, not 365 (the same result to ≤ 1e-12 relative).

Feedback into capacity and resistance: the fade enters the next day through the SOC rescaling above (a
vehicle that draws the same Ah from a faded pack cycles it deeper), and the pack's usable capacity is
``q·C_nominal``. Only the Kokam NMC111 model has a fitted DC-resistance growth (``AgeingResult.resistance``,
``r = max(1 + r_LLI,t + r_LLI,EFC, r5 + r6/q_LAM)``); it does not feed back into the ageing stressors (the
models take SOC and temperature, not current or heat), but callers scale the cell resistance by ``r`` and so
the losses and heat of the next electrical and thermal simulation (:mod:`tyaga.life` re-drives the duty days
on the aged pack and continues the integration with ``simulate_days(start=...)``). The other models fit
capacity only (``resistance`` is ``None``). ``conserve_throughput=False`` turns the SOC rescaling off (the new
cell's stressors every day).

Validity: each model carries the ranges of its ageing test matrix (cycling temperature, DOD, SOC, charge and
discharge C-rates); inputs outside them raise a :class:`UserWarning` that names the range. Physically
impossible inputs (SOC outside 0 … 1, temperatures at or below 0 K, non-increasing time) raise
:class:`tyaga.errors.InputError`.

NOTICE: parameter values from BLAST-Lite, Copyright (c) 2023, Alliance for Energy Innovation, LLC, all
rights reserved; redistribution and use in source and binary forms, with or without modification, are
permitted under the BSD 3-clause licence (retain this notice; no endorsement by the copyright holder or its
contributors is implied; provided "as is", without any warranty). Full text:
``src/tyaga/data/ageing/NOTICE.md``.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import numpy as np

from tyaga.errors import InputError, UnknownNameError

__all__ = [
    "AgeingModel",
    "AgeingResult",
    "AgeingState",
    "Stressors",
    "Term",
    "Validity",
    "anode_potential_v",
    "life_to_soh",
    "load",
    "models",
    "simulate",
    "simulate_days",
]

DAY_S = 86400.0
ZERO_C_K = 273.15


class Stressors:
    """Per-sample and per-window stressors handed to a rate function.

    Per sample, shape (cells, samples): ``temperature_k`` [K], ``soc`` [-] (rescaled, see the module), ``ua_v``
    (graphite anode potential [V vs Li], computed on first use). Per window, shape (cells, 1): ``dod`` [-],
    ``c_rate`` [1/h].
    """

    def __init__(self, temperature_k: np.ndarray, soc: np.ndarray, dod: np.ndarray, c_rate: np.ndarray) -> None:
        self.temperature_k = temperature_k
        self.soc = soc
        self.dod = dod
        self.c_rate = c_rate

    @functools.cached_property
    def ua_v(self) -> np.ndarray:
        """Graphite anode potential at ``soc`` [V vs Li] (:func:`anode_potential_v`)."""
        return anode_potential_v(self.soc)


@dataclass(frozen=True)
class Term:
    """One state of a model: a power law ``y = k·(x/divisor)^exponent`` or (``kind="sigmoid"``)
    ``y = 2·y_inf·(1/2 − 1/(1 + exp((k·x/divisor)^exponent)))``.

    ``driver`` is ``"time"`` (x in days) or ``"efc"`` (x in equivalent full cycles); ``sign`` is +1 for a
    capacity loss, −1 for a gain (0: a state that enters only the model's ``outputs``); ``rate`` maps
    :class:`Stressors` to the per-sample rate, whose time average is ``k`` (its inverse when
    ``inverse_rate``).
    """

    name: str
    driver: str
    divisor: float
    exponent: float
    sign: float
    rate: Callable[[Stressors], np.ndarray]
    kind: str = "power"
    y_inf: float = 1.0
    inverse_rate: bool = False


@dataclass(frozen=True)
class Validity:
    """Ranges of a model's ageing test matrix: cell temperature [°C], DOD [-], SOC [-], C-rates [1/h]."""

    temperature_c: tuple[float, float]
    dod: tuple[float, float]
    soc: tuple[float, float]
    max_charge_c_rate: float
    max_discharge_c_rate: float


@dataclass(frozen=True)
class AgeingModel:
    """A semi-empirical life model of one commercial cell (see :func:`models`)."""

    name: str
    chemistry: str
    description: str
    capacity_ah: float
    reference: str
    blast_class: str
    validity: Validity
    terms: tuple[Term, ...]
    parameters: dict[str, float] = field(default_factory=dict)
    #: states (terms, N) → (relative capacity, relative resistance or None); default ``1 − Σ sign·y``, None
    outputs: Callable[[np.ndarray], tuple[np.ndarray, np.ndarray | None]] | None = None

    @property
    def has_resistance(self) -> bool:
        """Whether the model has a fitted DC-resistance growth (today only ``nmc111-kokam-75ah``)."""
        return self.outputs is not None and self.outputs(np.zeros((len(self.terms), 1)))[1] is not None


@dataclass(frozen=True)
class AgeingState:
    """Where an integration stands, to continue it (:attr:`AgeingResult.final_state`, ``simulate_days(start=)``).

    ``y`` (terms, N): each term's state; ``efc`` (N,): cumulative equivalent full cycles; ``day``: days
    integrated so far (the position in the repeated day sequence, and the time in days).
    """

    y: np.ndarray
    efc: np.ndarray
    day: int = 0


@dataclass(frozen=True)
class AgeingResult:
    """Ageing over time of N cells.

    ``time_days`` (days+1,): time at the end of each window, from 0 (from ``start.day`` for a continued
    integration). ``q`` (N, days+1): relative capacity [-]. ``efc`` (N, days+1): cumulative equivalent full
    cycles of the nominal capacity. ``states``: each term's state (N, days+1). ``resistance`` (N, days+1):
    relative DC resistance, ``None`` for models that fit capacity only.
    """

    model: str
    time_days: np.ndarray
    q: np.ndarray
    efc: np.ndarray
    states: dict[str, np.ndarray]
    resistance: np.ndarray | None = None

    @property
    def time_years(self) -> np.ndarray:
        """Time at the end of each window in years of 365 days."""
        return self.time_days / 365.0

    @property
    def final_state(self) -> AgeingState:
        """The state at the last day, to continue from (``simulate_days(..., start=result.final_state)``)."""
        return AgeingState(np.stack([v[:, -1] for v in self.states.values()]), self.efc[:, -1].copy(),
                           round(float(self.time_days[-1])))


def anode_potential_v(soc: np.ndarray) -> np.ndarray:
    """Graphite anode potential [V vs Li/Li+] at cell SOC ``soc`` [-].

    ``Ua(x) = 0.6379 + 0.5416·e^(−305.5309x) + 0.044·tanh(−(x − 0.1958)/0.1088) − 0.1978·tanh((x − 1.0571)/0.0854)
    − 0.6875·tanh((x + 0.0117)/0.0529) − 0.0175·tanh((x − 0.5692)/0.0875)`` (Safari & Delacourt 2011) at
    lithiation ``x = 0.0085 + soc·(0.78 − 0.0085)`` (Schimpe et al. 2018), as in BLAST-Lite.
    """
    x = 0.0085 + np.asarray(soc, dtype=float) * (0.78 - 0.0085)
    return (0.6379 + 0.5416 * np.exp(-305.5309 * x) + 0.044 * np.tanh(-(x - 0.1958) / 0.1088)
            - 0.1978 * np.tanh((x - 1.0571) / 0.0854) - 0.6875 * np.tanh((x + 0.0117) / 0.0529)
            - 0.0175 * np.tanh((x - 0.5692) / 0.0875))


# ---------------------------------------------------------------------------------------------- the models

_GASPER_2023 = ("P. Gasper, A. Saxon, Y. Shi, E. Endler, K. Smith, F. B. Thakkar, 'Degradation and modeling of "
                "large-format commercial lithium-ion cells as a function of chemistry, design, and aging "
                "conditions', J. Energy Storage 73 (2023) 109042, doi:10.1016/j.est.2023.109042")


def _lfp_250ah() -> AgeingModel:
    p = {"p1": 8.37e04, "p2": -5.21e03, "p3": -3.56e03, "pcal": 0.526, "p4": 4.38e-08, "p5": 1.55e-08,
         "p6": 1.68e-07, "p7": 2.19e03, "p8": 1.55e05, "pcyc": 0.828}

    def k_cal(s: Stressors) -> np.ndarray:  # k_cal = |p1|·exp(p2/T)·exp(p3·Ua/T)   [1/day^pcal]
        return abs(p["p1"]) * np.exp((p["p2"] + p["p3"] * s.ua_v) / s.temperature_k)

    def k_cyc(s: Stressors) -> np.ndarray:  # k_cyc = (p4 + p5·DOD + p6·C)·(exp(p7/T) + exp(−p8/T))   [1/EFC^pcyc]
        t = s.temperature_k
        return (p["p4"] + p["p5"] * s.dod + p["p6"] * s.c_rate) * (np.exp(p["p7"] / t) + np.exp(-p["p8"] / t))

    return AgeingModel(
        name="lfp-250ah-prismatic", chemistry="LFP-Gr",
        description="large-format prismatic LFP-graphite cell, >250 Ah, energy-to-power 6 h⁻¹ (BLAST-Lite "
                    "Lfp_Gr_250AhPrismatic); fitted on charge rates ≤ 0.65 C",
        capacity_ah=250.0, reference=_GASPER_2023, blast_class="Lfp_Gr_250AhPrismatic",
        validity=Validity((10.0, 45.0), (0.8, 1.0), (0.0, 1.0), 0.65, 1.0),
        terms=(Term("qLoss_t", "time", 1.0, p["pcal"], 1.0, k_cal),
               Term("qLoss_EFC", "efc", 1.0, p["pcyc"], 1.0, k_cyc)),
        parameters=p)


def _nmc_b1() -> AgeingModel:
    p = {"p1": 36.2, "p2": -4.4, "pcal": 0.708, "p3": 0.844, "p4": 0.458, "pcyc": 0.467}

    def k_cal(s: Stressors) -> np.ndarray:  # p1·exp(p2·TN⁻³·UaN^(1/3)), TN = T/308.15 K, UaN = Ua/0.123 V
        tn = s.temperature_k / (ZERO_C_K + 35.0)
        return p["p1"] * np.exp(p["p2"] * tn**-3 * np.cbrt(s.ua_v / 0.123))

    def k_cyc(s: Stressors) -> np.ndarray:  # |p3·(DOD²·TN³·C^0.5)^p4|
        tn = s.temperature_k / (ZERO_C_K + 35.0)
        return np.abs(p["p3"] * (s.dod**2 * tn**3 * np.sqrt(s.c_rate)) ** p["p4"])

    return AgeingModel(
        name="nmc-50ah-b1", chemistry="NMC-Gr",
        description="large-format pouch NMC-graphite cell 'NMC-Gr B1', ~50 Ah, energy-to-power 16 h⁻¹ (BLAST-Lite "
                    "NMC_Gr_50Ah_B1); charge at 10 °C was limited to 0.3 C in the tests",
        capacity_ah=50.0, reference=_GASPER_2023, blast_class="NMC_Gr_50Ah_B1",
        validity=Validity((10.0, 45.0), (0.8, 1.0), (0.0, 1.0), 1.75, 1.75),
        terms=(Term("qLoss_t", "time", 1e4, p["pcal"], 1.0, k_cal),
               Term("qLoss_EFC", "efc", 1e5, p["pcyc"], 1.0, k_cyc)),
        parameters=p)


def _nmc_b2() -> AgeingModel:
    p = {"p1": 12.0, "p2": -3.91, "pcal": 0.584, "p3": 2.2e09, "p4": 11.9, "p5": -35.7, "p6": 13.7, "pcyc": 0.907}

    def k_cal(s: Stressors) -> np.ndarray:  # p1·exp(p2·TN⁻³·UaN^(1/3))
        tn = s.temperature_k / (ZERO_C_K + 35.0)
        return p["p1"] * np.exp(p["p2"] * tn**-3 * np.cbrt(s.ua_v / 0.123))

    def k_cyc(s: Stressors) -> np.ndarray:  # p3·(DOD·TN⁻³·C^½)^p4·exp(p5·DOD·TN⁻²·C^½)·exp(p6·DOD²·TN⁻³·C)
        tn = s.temperature_k / (ZERO_C_K + 35.0)
        sq = np.sqrt(s.c_rate)
        return (p["p3"] * (s.dod * tn**-3 * sq) ** p["p4"] * np.exp(p["p5"] * s.dod * tn**-2 * sq)
                * np.exp(p["p6"] * s.dod**2 * tn**-3 * s.c_rate))

    return AgeingModel(
        name="nmc-50ah-b2", chemistry="NMC-Gr",
        description="large-format pouch NMC-graphite cell 'NMC-Gr B2', ~50 Ah, energy-to-power 14 h⁻¹ (BLAST-Lite "
                    "NMC_Gr_50Ah_B2)",
        capacity_ah=50.0, reference=_GASPER_2023, blast_class="NMC_Gr_50Ah_B2",
        validity=Validity((10.0, 45.0), (0.8, 1.0), (0.0, 1.0), 1.75, 1.75),
        terms=(Term("qLoss_t", "time", 1e4, p["pcal"], 1.0, k_cal),
               Term("qLoss_EFC", "efc", 1e4, p["pcyc"], 1.0, k_cyc)),
        parameters=p)


def _nmc_a() -> AgeingModel:
    p = {"p1": 8.71e-07, "p2": 10.0, "pcal": 0.578, "p3": 0.0267, "p4": 1.64, "p5": 0.011, "p6": -0.44,
         "pcyc": 1.11}

    def k_cal(s: Stressors) -> np.ndarray:  # p1·exp(p2·TN³·UaN^(−1/3))
        tn = s.temperature_k / (ZERO_C_K + 35.0)
        return p["p1"] * np.exp(p["p2"] * tn**3 / np.cbrt(s.ua_v / 0.123))

    def k_cyc(s: Stressors) -> np.ndarray:  # p3 + p4·TN³·DOD^½ + p5·exp(TN^−½·C²) + p6·exp(DOD^½·TN²·C^½)
        tn = s.temperature_k / (ZERO_C_K + 35.0)
        sd = np.sqrt(s.dod)
        return (p["p3"] + p["p4"] * tn**3 * sd + p["p5"] * np.exp(tn**-0.5 * s.c_rate**2)
                + p["p6"] * np.exp(sd * tn**2 * np.sqrt(s.c_rate)))

    return AgeingModel(
        name="nmc-75ah-a", chemistry="NMC-Gr",
        description="large-format pouch NMC-graphite cell 'NMC-Gr A', ~75 Ah, energy-to-power 16 h⁻¹ (BLAST-Lite "
                    "NMC_Gr_75Ah_A)",
        capacity_ah=75.0, reference=_GASPER_2023, blast_class="NMC_Gr_75Ah_A",
        validity=Validity((10.0, 45.0), (0.8, 1.0), (0.0, 1.0), 2.0, 2.0),
        terms=(Term("qLoss_t", "time", 1e3, p["pcal"], 1.0, k_cal),
               Term("qLoss_EFC", "efc", 1e4, p["pcyc"], 1.0, k_cyc)),
        parameters=p)


def _nmc811_lgmj1() -> AgeingModel:
    p = {"qcal_A": 0.0353, "qcal_B": -1.03e03, "qcal_C": 57.7, "qcal_p": 0.743, "qcyc_A": 1.77e-07,
         "qcyc_B": 8.08e-13, "qcyc_C": 2.21e-07, "qcyc_D": 2.25e03, "qcyc_E": 1.14e04, "qcyc_p": 0.695}

    def k_cal(s: Stressors) -> np.ndarray:  # A·exp(B/T)·exp(C·soc/T)
        return p["qcal_A"] * np.exp((p["qcal_B"] + p["qcal_C"] * s.soc) / s.temperature_k)

    def k_cyc(s: Stressors) -> np.ndarray:  # (A + B·C-rate + C·DOD)·(exp(D/T) + exp(−E/T))
        t = s.temperature_k
        return ((p["qcyc_A"] + p["qcyc_B"] * s.c_rate + p["qcyc_C"] * s.dod)
                * (np.exp(p["qcyc_D"] / t) + np.exp(-p["qcyc_E"] / t)))

    return AgeingModel(
        name="nmc811-lg-mj1", chemistry="NMC811-GrSi",
        description="LG MJ1 18650, NMC811 / graphite-silicon, 3.5 Ah (BLAST-Lite Nmc811_GrSi_LGMJ1_4Ah_Battery); "
                    "cycled at 80 % DOD only, no knee predicted",
        capacity_ah=3.5,
        reference="EVERLASTING project, deliverable D2.3 (2020), LG MJ1 ageing data; model fit by P. Gasper, NREL "
                  "(BLAST-Lite)",
        blast_class="Nmc811_GrSi_LGMJ1_4Ah_Battery",
        validity=Validity((0.0, 50.0), (0.2, 0.8), (0.1, 0.9), 1.0, 3.0),
        terms=(Term("qLoss_t", "time", 1.0, p["qcal_p"], 1.0, k_cal),
               Term("qLoss_EFC", "efc", 1.0, p["qcyc_p"], 1.0, k_cyc)),
        parameters=p)


def _nmc_lto() -> AgeingModel:
    p = {"alpha_0": 3.11e11, "alpha_1": -34.8, "alpha_2": 1.07, "alpha_p": 0.473, "beta_0": 7.86e10,
         "beta_1": -35.8, "beta_2": 3.94, "beta_p": -0.553, "gamma_0": 1.29, "gamma_1": 7.83e-05,
         "gamma_2": 4.02, "gamma_3": -8.33, "gamma_p": 0.526}

    def alpha(s: Stressors) -> np.ndarray:  # calendar gain: a0·exp(a1/TN)·exp(a2·soc/TN), TN = T/318.15 K
        tn = s.temperature_k / (ZERO_C_K + 45.0)
        return p["alpha_0"] * np.exp((p["alpha_1"] + p["alpha_2"] * s.soc) / tn)

    def beta(s: Stressors) -> np.ndarray:  # calendar loss: b0·exp(b1/TN)·exp(b2·soc/TN)
        tn = s.temperature_k / (ZERO_C_K + 45.0)
        return p["beta_0"] * np.exp((p["beta_1"] + p["beta_2"] * s.soc) / tn)

    def gamma(s: Stressors) -> np.ndarray:  # cycle loss: (g0 + g1·C + g2·DOD³)·exp(g3/TN)
        tn = s.temperature_k / (ZERO_C_K + 45.0)
        return (p["gamma_0"] + p["gamma_1"] * s.c_rate + p["gamma_2"] * s.dod**3) * np.exp(p["gamma_3"] / tn)

    return AgeingModel(
        name="nmc-lto-10ah", chemistry="NMC-LTO",
        description="commercial NMC / lithium-titanate cell, 10.2 Ah (BLAST-Lite Nmc_Lto_10Ah_Battery); calendar "
                    "terms compete (gain and loss), so capacity need not fall monotonically",
        capacity_ah=10.2,
        reference="T. Bank, J. Feldmann, S. Klamor, S. Bihn, D. U. Sauer, 'Extensive aging analysis of high-power "
                  "lithium titanate oxide batteries', J. Power Sources 473 (2020) 228566, "
                  "doi:10.1016/j.jpowsour.2020.228566; model fit by P. Gasper, NREL (BLAST-Lite)",
        blast_class="Nmc_Lto_10Ah_Battery",
        validity=Validity((30.0, 60.0), (0.0, 1.0), (0.0, 1.0), 10.0, 10.0),
        terms=(Term("qLoss_t", "time", 1.0, p["beta_p"], 1.0, beta),
               Term("qGain_t", "time", 1.0, p["alpha_p"], -1.0, alpha),
               Term("qLoss_EFC", "efc", 1.0, p["gamma_p"], 1.0, gamma)),
        parameters=p)


def _nmc111_kokam() -> AgeingModel:
    p = {"q1_0": 2.66e7, "q1_1": -17.8, "q1_2": -5.21, "q2": 0.357, "q3_0": 3.80e3, "q3_1": -18.4, "q3_2": 1.04,
         "q4": 0.778, "q5_0": 1e4, "q5_1": 153.0, "p_LAM": 10.0, "r1": 0.0570, "r2": 1.25, "r3": 4.87, "r4": 0.712,
         "r5": -0.08, "r6": 1.09}

    def tn(s: Stressors) -> np.ndarray:
        return s.temperature_k / (ZERO_C_K + 35.0)

    def q1(s: Stressors) -> np.ndarray:  # calendar LLI: q1_0·exp(q1_1/TN)·exp(q1_2·UaN/TN)
        return p["q1_0"] * np.exp((p["q1_1"] + p["q1_2"] * s.ua_v / 0.123) / tn(s))

    def q3(s: Stressors) -> np.ndarray:  # cycling LLI: q3_0·exp(q3_1/TN)·exp(q3_2·exp(DOD²))
        return p["q3_0"] * np.exp(p["q3_1"] / tn(s)) * np.exp(p["q3_2"] * np.exp(s.dod**2))

    def q5(s: Stressors) -> np.ndarray:  # LAM, EFC to the sigmoid's half: q5_0 + q5_1·(T − 55 °C)·DOD·mean(soc)/0.6
        t_c = s.temperature_k - ZERO_C_K
        return p["q5_0"] + p["q5_1"] * (t_c - 55.0) * s.dod * (s.soc.mean(axis=1, keepdims=True) / 0.6)

    def outputs(y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        # q = min(q_LLI, q_LAM), q_LLI = 1 − y_LLI,t − y_LLI,EFC, q_LAM = 1.01 − y_LAM
        # r = max(r_LLI, r_LAM), r_LLI = 1 + r_t + r_EFC, r_LAM = r5 + r6/q_LAM
        q_lli = 1.0 - y[0] - y[1]
        q_lam = 1.01 - y[2]
        r_lli = 1.0 + y[3] + y[4]
        r_lam = p["r5"] + p["r6"] / q_lam
        return np.minimum(q_lli, q_lam), np.maximum(r_lli, r_lam)

    return AgeingModel(
        name="nmc111-kokam-75ah", chemistry="NMC111-Gr",
        description="Kokam 75 Ah NMC-graphite pouch cell (BLAST-Lite Nmc111_Gr_Kokam75Ah_Battery): lithium-inventory "
                    "and active-material loss compete; capacity and DC resistance",
        capacity_ah=75.0,
        reference="K. Smith, A. Saxon, M. Keyser, B. Lundstrom, Z. Cao, A. Roc, 'Life prediction model for grid-"
                  "connected Li-ion battery energy storage system', 2017 American Control Conference, "
                  "doi:10.23919/ACC.2017.7963578",
        blast_class="Nmc111_Gr_Kokam75Ah_Battery",
        validity=Validity((0.0, 45.0), (0.8, 1.0), (0.0, 1.0), 1.0, 1.0),
        terms=(Term("qLoss_LLI_t", "time", 1.0, p["q2"], 1.0, q1),
               Term("qLoss_LLI_EFC", "efc", 1.0, p["q4"], 1.0, q3),
               Term("qLoss_LAM", "efc", 1.0, p["p_LAM"], 0.0, q5, kind="sigmoid", y_inf=1.0, inverse_rate=True),
               Term("rGain_LLI_t", "time", 1.0, p["r2"], 0.0, lambda s: p["r1"] * q1(s)),
               Term("rGain_LLI_EFC", "efc", 1.0, p["r4"], 0.0, lambda s: p["r3"] * q3(s))),
        parameters=p, outputs=outputs)


_FACTORIES: dict[str, Callable[[], AgeingModel]] = {
    "nmc111-kokam-75ah": _nmc111_kokam,
    "lfp-250ah-prismatic": _lfp_250ah,
    "nmc-50ah-b1": _nmc_b1,
    "nmc-50ah-b2": _nmc_b2,
    "nmc-75ah-a": _nmc_a,
    "nmc811-lg-mj1": _nmc811_lgmj1,
    "nmc-lto-10ah": _nmc_lto,
}


def models() -> list[str]:
    """Names of the bundled ageing models."""
    return sorted(_FACTORIES)


def load(name: str | AgeingModel) -> AgeingModel:
    """The ageing model called ``name`` (one of :func:`models`); a model is returned as it is."""
    if isinstance(name, AgeingModel):
        return name
    if name not in _FACTORIES:
        raise UnknownNameError("ageing model", name, _FACTORIES)
    return _FACTORIES[name]()


# ---------------------------------------------------------------------------------------- input checks


def _check_inputs(time_s: object, soc: object, temperature_c: object,
                  prefix: str = "") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Arrays (n,), (N, n), (N, n) from the user's inputs; :class:`InputError` for impossible values."""
    t = np.asarray(time_s, dtype=float)
    if t.ndim != 1 or t.size < 2:
        raise InputError(f"{prefix}time_s", f"shape {t.shape}", "a 1-D array of at least 2 sample times [s]")
    if not np.all(np.isfinite(t)):
        raise InputError(f"{prefix}time_s", t[~np.isfinite(t)][0], "finite times [s]")
    steps = np.diff(t)
    if np.any(steps <= 0):
        i = int(np.argmax(steps <= 0))
        raise InputError(f"{prefix}time_s (sample {i + 1})", t[i + 1], f"strictly increasing times (> {t[i]!r} s)")
    duration = t[-1] - t[0]
    days = round(duration / DAY_S)
    if days < 1 or abs(duration - days * DAY_S) > 1e-6 * DAY_S:
        raise InputError(f"{prefix}time_s (duration)", float(duration),
                         "a whole number of days (k·86400 s, k ≥ 1) with the closing sample of the last day included")
    s = np.asarray(soc, dtype=float)
    temp = np.asarray(temperature_c, dtype=float)
    for name, a in (("soc", s), ("temperature_c", temp)):
        if a.ndim not in (1, 2) or a.shape[-1] != t.size:
            raise InputError(prefix + name, f"shape {a.shape}",
                             f"(samples,) or (cells, samples) with samples = {t.size}")
        bad = ~np.isfinite(a)
        if bad.any():
            raise InputError(prefix + name, a[bad][0], "finite values")
    s2, temp2 = np.atleast_2d(s), np.atleast_2d(temp)
    try:
        n_cells = np.broadcast_shapes(s2.shape, temp2.shape)[0]
    except ValueError:
        raise InputError(f"{prefix}soc, {prefix}temperature_c", f"shapes {s.shape}, {temp.shape}",
                         "the same number of cells") from None
    if s2.min() < 0.0 or s2.max() > 1.0:
        v = s2.min() if s2.min() < 0.0 else s2.max()
        raise InputError(f"{prefix}soc", v, "0 ≤ soc ≤ 1")
    if temp2.min() <= -ZERO_C_K:
        raise InputError(f"{prefix}temperature_c", temp2.min(), "> −273.15 °C (above absolute zero)")
    return (t, np.ascontiguousarray(np.broadcast_to(s2, (n_cells, t.size))),
            np.ascontiguousarray(np.broadcast_to(temp2, (n_cells, t.size))))


def _warn_validity(model: AgeingModel, parts: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
                   stacklevel: int = 4) -> None:
    """Warn (once per kind) where the days ``parts`` — each ``(t (n,), soc (N, n), temperature_c (N, n))``,
    closing sample included — leave the model's tested ranges."""
    v = model.validity
    t_lo = min(float(p[2].min()) for p in parts)
    t_hi = max(float(p[2].max()) for p in parts)
    lo, hi = v.temperature_c
    if t_lo < lo or t_hi > hi:
        warnings.warn(f"ageing model {model.name!r}: cell temperature {t_lo:.4g} … {t_hi:.4g} °C "
                      f"leaves the model's validated range {lo:g} … {hi:g} °C; its predictions there are "
                      "extrapolations", UserWarning, stacklevel=stacklevel)
    s_lo = min(float(p[1].min()) for p in parts)
    s_hi = max(float(p[1].max()) for p in parts)
    lo, hi = v.soc
    if s_lo < lo or s_hi > hi:
        warnings.warn(f"ageing model {model.name!r}: SOC {s_lo:.3g} … {s_hi:.3g} leaves the model's "
                      f"validated range {lo:g} … {hi:g}", UserWarning, stacklevel=stacklevel)
    dods = np.concatenate([p[1].max(axis=1) - p[1].min(axis=1) for p in parts])
    cycling = dods[dods > 1e-3]
    lo, hi = v.dod
    if cycling.size and (cycling.min() < lo - 1e-9 or cycling.max() > hi + 1e-9):
        warnings.warn(f"ageing model {model.name!r}: daily depth of discharge {cycling.min():.3g} … "
                      f"{cycling.max():.3g} leaves the model's validated range {lo:g} … {hi:g}",
                      UserWarning, stacklevel=stacklevel)
    c_hi, c_lo = 0.0, 0.0
    for t, soc, _ in parts:
        c = np.diff(soc, axis=1) / (np.diff(t) / 3600.0)
        c_hi, c_lo = max(c_hi, float(c.max(initial=0.0))), min(c_lo, float(c.min(initial=0.0)))
    if c_hi > v.max_charge_c_rate:
        warnings.warn(f"ageing model {model.name!r}: charge rate up to {c_hi:.3g} C exceeds the model's "
                      f"validated range 0 … {v.max_charge_c_rate:g} C", UserWarning, stacklevel=stacklevel)
    if -c_lo > v.max_discharge_c_rate:
        warnings.warn(f"ageing model {model.name!r}: discharge rate up to {-c_lo:.3g} C exceeds the model's "
                      f"validated range 0 … {v.max_discharge_c_rate:g} C", UserWarning, stacklevel=stacklevel)


# ---------------------------------------------------------------------------------------- the integrator


@dataclass
class _Window:
    """One day of the profile: its sample times and per-cell SOC and temperature."""

    t_s: np.ndarray          # (n,)
    soc: np.ndarray          # (N, n)
    temperature_k: np.ndarray  # (N, n)
    weight_s: np.ndarray     # (n,) trapezoid weights: ∫ f dt = Σ w·f
    duration_s: float
    c_weight_days: np.ndarray  # (n−1,) BLAST-Lite's trapezoid of the step C-rates over t[1:]


def _make_window(t: np.ndarray, soc: np.ndarray, temp_k: np.ndarray) -> _Window:
    dt = np.diff(t)
    w = np.zeros_like(t)
    w[:-1] += dt / 2
    w[1:] += dt / 2
    # trapz(c, x=t[1:]) with c (n−1,) the step C-rates: weights on c_j from the intervals of t[1:]
    dt1 = np.diff(t[1:]) / DAY_S
    cw = np.zeros(t.size - 1)
    if dt1.size:
        cw[:-1] += dt1 / 2
        cw[1:] += dt1 / 2
    return _Window(t, soc, temp_k, w, float(t[-1] - t[0]), cw)


def _window_rates(model: AgeingModel, win: _Window, cells: np.ndarray, q: np.ndarray) -> np.ndarray:
    """Rates of each term and ΔEFC of window ``win`` for the cells ``cells`` at relative capacities ``q``.

    Returns (len(cells), n_terms + 1): the time-averaged rates ``k_j`` and, last, the window's ΔEFC. Works
    through the cells in blocks of about 2¹⁶ samples (the temporaries stay in the CPU cache: 3–5× faster).
    """
    block = max(1, (1 << 16) // win.t_s.size)
    if cells.size > block:
        return np.concatenate([_window_rates(model, win, cells[i:i + block], q[i:i + block])
                               for i in range(0, cells.size, block)])
    soc = win.soc[cells]
    s0 = soc[:, :1]
    soc_r = np.clip(s0 + (soc - s0) / q[:, None], 0.0, 1.0)
    dsoc = np.abs(np.diff(soc_r, axis=1))
    d_efc = dsoc.sum(axis=1) / 2 * q
    dod = (soc_r.max(axis=1) - soc_r.min(axis=1))[:, None]
    c_inst = dsoc / (np.diff(win.t_s) / 3600.0)
    c_inst[c_inst < 1e-2] = 0.0
    c_rate = (np.einsum("ij,j->i", c_inst, win.c_weight_days) / (win.duration_s / DAY_S) * q)[:, None]
    st = Stressors(win.temperature_k[cells], soc_r, dod, c_rate)
    out = np.empty((cells.size, len(model.terms) + 1))
    for j, term in enumerate(model.terms):
        k = np.broadcast_to(term.rate(st), soc_r.shape)
        out[:, j] = np.einsum("ij,j->i", k, win.weight_s) / win.duration_s  # no BLAS: no thread spin-up
    out[:, -1] = d_efc
    return out


def _power_step(y: np.ndarray, dx: np.ndarray, k: np.ndarray, p: float) -> np.ndarray:
    """Change of a power-law state ``y = k·x^p`` over ``dx`` (BLAST-Lite's state equation, module docstring)."""
    first = y == 0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        later = k * p * (y / k) ** ((p - 1.0) / p) * dx
        start = k * dx**p
    dy = np.where(first, start, later)
    return np.where((dx > 0) & (k > 0) & np.isfinite(dy), dy, 0.0)


def _sigmoid_step(y: np.ndarray, dx: np.ndarray, y_inf: float, k: np.ndarray, p: float) -> np.ndarray:
    """Change of a sigmoid state ``y = 2·y_inf·(1/2 − 1/(1 + exp((k·x)^p)))`` over ``dx`` (BLAST-Lite's state
    equation: from the equivalent ``x`` of ``y``, ``dy/dx = 2·y_inf·p·e^z·z / (x·(e^z + 1)²)``, ``z = (k·x)^p``)."""
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        start = 2 * y_inf * (0.5 - 1.0 / (1.0 + np.exp((k * dx) ** p)))
        x_inv = (1.0 / k) * np.log(-(2 * y_inf / (y - y_inf)) - 1.0) ** (1.0 / p)
        z = (k * x_inv) ** p
        later = 2 * y_inf * p * np.exp(z) * z / (x_inv * (np.exp(z) + 1.0) ** 2) * dx
    dy = np.where(y == 0, start, later)
    return np.where((dx > 0) & (k > 0) & np.isfinite(dy), dy, 0.0)


def _check_run_options(years: object, n_days: object, q_step: object, stop_below_q: object,
                       stop_above_resistance: object) -> int:
    """Number of days to integrate; :class:`InputError` for a bad option."""
    if n_days is None:
        if not (isinstance(years, int | float) and not isinstance(years, bool) and math.isfinite(years)
                and years > 0):
            raise InputError("years", years, "> 0")
        n = max(1, round(365.0 * years))
    else:
        if isinstance(n_days, bool) or not isinstance(n_days, int | np.integer) or n_days < 1:
            raise InputError("n_days", n_days, "a whole number of days ≥ 1")
        n = int(n_days)
    if q_step is not None and not (isinstance(q_step, int | float) and 0 < q_step <= 0.1):
        raise InputError("q_step", q_step, "0 < q_step ≤ 0.1, or None")
    for name, v, allowed in (("stop_below_q", stop_below_q, "a relative capacity 0 … 1.5, or None"),
                             ("stop_above_resistance", stop_above_resistance,
                              "a relative resistance > 0, or None")):
        if v is None:
            continue
        if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v) or v <= 0 or (
                name == "stop_below_q" and v > 1.5):
            raise InputError(name, v, allowed)
    return n


def _distinct_windows(t: np.ndarray, s: np.ndarray, temp_k: np.ndarray,
                      slices: list[slice]) -> tuple[list[_Window], np.ndarray]:
    """The distinct days of a profile (same SOC and temperature samples at the same times of day, to 1 µs)
    and the index of each day's distinct day."""
    seen: dict[tuple[bytes, bytes, bytes], int] = {}
    wins: list[_Window] = []
    seq = np.empty(len(slices), dtype=np.int64)
    for d, sl in enumerate(slices):
        key = (np.round(t[sl] - t[sl.start], 6).tobytes(), s[:, sl].tobytes(), temp_k[:, sl].tobytes())
        if key not in seen:
            seen[key] = len(wins)
            wins.append(_make_window(t[sl], s[:, sl], temp_k[:, sl]))
        seq[d] = seen[key]
    return wins, seq


def simulate(model: str | AgeingModel, time_s: object, soc: object, temperature_c: object, years: float = 10.0,
             q_step: float | None = 0.02, stop_below_q: float | None = None, *, reuse_days: bool = True,
             conserve_throughput: bool = True) -> AgeingResult:
    """Age N cells by repeating a duty profile of whole days for ``years`` years (365 days each).

    Parameters
    ----------
    model:
        A name from :func:`models` or an :class:`AgeingModel`.
    time_s:
        Sample times [s], shape (n,), strictly increasing, spanning a whole number of days with the closing
        sample of the last day (``t[-1] − t[0] = k·86400 s``); shared by all cells.
    soc:
        State of charge [-] at each sample, shape (n,) or (N, n).
    temperature_c:
        Cell temperature [°C] at each sample, shape (n,) or (N, n).
    years:
        Simulated time [years of 365 days]; the profile's days repeat in order (``round(365·years)`` windows).
    q_step:
        Grid step in relative capacity on which the stressor-dependent rates are evaluated and between which
        they are interpolated (module docstring); ``None``: evaluated anew every day (exact, slower).
    stop_below_q:
        Stop early once every cell's relative capacity is below this value.
    reuse_days:
        Days of the profile that are the same (SOC and temperature at the same times of day) share their
        rate evaluations — a year of a few distinct day types costs a few days' evaluations, not 365. Gives
        the result of ``reuse_days=False`` (every day evaluated on its own) to rounding.
    conserve_throughput:
        ``True`` (BLAST-Lite's ``is_conserve_energy_throughput``): the same Ah on a faded cell is a deeper SOC
        swing (module docstring). ``False``: the stressors of the new cell every day (no fade feedback).

    Returns
    -------
    AgeingResult
        Relative capacity ``q`` (N, days+1) at the end of each day, cumulative EFC and term states.
    """
    m = load(model) if isinstance(model, str) else model
    n_days = _check_run_options(years, None, q_step, stop_below_q, None)
    t, s, temp_c = _check_inputs(time_s, soc, temperature_c)
    n_profile_days = round((t[-1] - t[0]) / DAY_S)
    targets = t[0] + np.arange(n_profile_days + 1) * DAY_S
    hi = np.clip(np.searchsorted(t, targets), 1, t.size - 1)
    edges = np.where(np.abs(t[hi - 1] - targets) <= np.abs(t[hi] - targets), hi - 1, hi)  # nearest, first on ties
    slices = [slice(int(edges[d]), int(edges[d + 1]) + 1) for d in range(n_profile_days)]
    if any(sl.stop - sl.start < 2 for sl in slices):
        raise InputError("time_s", "a day with fewer than 2 samples", "at least 2 samples per day")
    _warn_validity(m, [(t[sl], s[:, sl], temp_c[:, sl]) for sl in slices], stacklevel=3)
    temp_k = temp_c + ZERO_C_K
    if reuse_days:
        wins, seq = _distinct_windows(t, s, temp_k, slices)
    else:
        wins = [_make_window(t[sl], s[:, sl], temp_k[:, sl]) for sl in slices]
        seq = np.arange(len(wins))
    return _integrate(m, wins, seq, n_days, q_step, stop_below_q, None, None, conserve_throughput)


def simulate_days(model: str | AgeingModel, days: Sequence[tuple[object, object, object]],
                  sequence: Sequence[int] | np.ndarray | None = None, years: float = 10.0, *,
                  n_days: int | None = None, q_step: float | None = 0.02, stop_below_q: float | None = None,
                  stop_above_resistance: float | None = None, start: AgeingState | None = None,
                  conserve_throughput: bool = True) -> AgeingResult:
    """Age N cells on a sequence of distinct days given once each: the fast form of :func:`simulate` for a
    duty of a few day types (a year of working days, weekends and monthly ambients).

    Parameters
    ----------
    days:
        The distinct days, each ``(time_s, soc, temperature_c)`` as in :func:`simulate` and exactly one day
        long (``t[-1] − t[0] = 86400 s``, closing sample included); every day has the same number of cells.
    sequence:
        The index into ``days`` of each day of the repeated period (e.g. 365 entries for a year); default
        the days in order. Day ``d`` of the integration is ``days[sequence[d mod len(sequence)]]``.
    years, n_days:
        Days integrated: ``round(365·years)``, or ``n_days`` when given.
    stop_below_q, stop_above_resistance:
        Stop early once every cell's relative capacity is below, or every cell's relative resistance (models
        that have one) is above, the value.
    start:
        Continue from this state (:attr:`AgeingResult.final_state` of an earlier run, on the same or on
        other days); day ``d`` then counts from ``start.day``, and so do ``time_days`` of the result.
    q_step, conserve_throughput:
        As :func:`simulate`.

    The rates of each distinct day are evaluated on the capacity grid once per grid step (not once per day
    it occurs): the result equals :func:`simulate` on the laid-out profile to rounding.
    """
    m = load(model) if isinstance(model, str) else model
    n = _check_run_options(years, n_days, q_step, stop_below_q, stop_above_resistance)
    days = list(days)
    if not days:
        raise InputError("days", "[]", "at least one day (time_s, soc, temperature_c)")
    parts = []
    for i, d in enumerate(days):
        if not (isinstance(d, tuple | list) and len(d) == 3):
            raise InputError(f"days[{i}]", type(d).__name__, "a (time_s, soc, temperature_c) triple")
        t, s, temp_c = _check_inputs(*d, prefix=f"days[{i}].")
        if abs((t[-1] - t[0]) - DAY_S) > 1e-6 * DAY_S:
            raise InputError(f"days[{i}].time_s (duration)", float(t[-1] - t[0]),
                             "one day: t[-1] − t[0] = 86400 s (closing sample included)")
        if parts and s.shape[0] != parts[0][1].shape[0]:
            raise InputError(f"days[{i}].soc", f"{s.shape[0]} cells",
                             f"the {parts[0][1].shape[0]} cells of days[0] (every day has the same cells)")
        parts.append((t, s, temp_c))
    seq = np.arange(len(days)) if sequence is None else np.asarray(sequence)
    if seq.ndim != 1 or seq.size < 1 or not np.issubdtype(seq.dtype, np.integer):
        raise InputError("sequence", f"{seq.dtype} array of shape {seq.shape}",
                         "a 1-D sequence of at least one whole-number day index")
    if seq.min() < 0 or seq.max() >= len(days):
        bad = seq.min() if seq.min() < 0 else seq.max()
        raise InputError("sequence", int(bad), f"day indices 0 … {len(days) - 1} (into days)")
    if start is not None:
        n_terms = len(m.terms)
        if not isinstance(start, AgeingState):
            raise InputError("start", type(start).__name__, "an AgeingState (AgeingResult.final_state) or None")
        y0 = np.asarray(start.y, dtype=float)
        if y0.shape != (n_terms, parts[0][1].shape[0]) or np.shape(start.efc) != (parts[0][1].shape[0],):
            raise InputError("start", f"states of shape {y0.shape}",
                             f"({n_terms}, {parts[0][1].shape[0]}): one state per term of {m.name!r} and cell")
        if not (np.all(np.isfinite(y0)) and isinstance(start.day, int | np.integer) and start.day >= 0):
            raise InputError("start", f"day {start.day!r}", "finite states and a day ≥ 0")
    _warn_validity(m, [parts[i] for i in np.unique(seq)], stacklevel=3)
    wins = [_make_window(t, s, temp_c + ZERO_C_K) for t, s, temp_c in parts]
    return _integrate(m, wins, seq.astype(np.int64), n, q_step, stop_below_q, stop_above_resistance, start,
                      conserve_throughput)


def _integrate(m: AgeingModel, wins: list[_Window], seq: np.ndarray, n_days: int, q_step: float | None,
               stop_below_q: float | None, stop_above_resistance: float | None, start: AgeingState | None,
               conserve_throughput: bool) -> AgeingResult:
    """Integrate day by day: day ``d`` is window ``wins[seq[(day0 + d) mod len(seq)]]``.

    The rates of a window at the q-grid points its cells pass are cached per *window*, so days that share a
    window share the evaluations.
    """
    n_cells = wins[0].soc.shape[0]
    n_terms = len(m.terms)
    if start is None:
        y = np.zeros((n_terms, n_cells))
        efc = np.zeros(n_cells)
        day0 = 0
    else:
        y = np.array(start.y, dtype=float)
        efc = np.array(start.efc, dtype=float)
        day0 = int(start.day)
    q, r = _outputs(m, y)
    r_hist = None if r is None else np.repeat(r[:, None], n_days + 1, axis=1)
    q_hist = np.repeat(q[:, None], n_days + 1, axis=1)
    efc_hist = np.repeat(efc[:, None], n_days + 1, axis=1)
    y_hist = np.repeat(y[:, :, None], n_days + 1, axis=2)
    # cache per distinct window: grid index of each cell and the rates at its two grid points
    grid_k = [np.full(n_cells, np.iinfo(np.int64).min) for _ in wins]
    r_hi = [np.zeros((n_cells, n_terms + 1)) for _ in wins]
    r_lo = [np.zeros((n_cells, n_terms + 1)) for _ in wins]
    divisor = [term.divisor for term in m.terms]
    is_time = [term.driver == "time" for term in m.terms]
    day_days = np.array([w.duration_s / DAY_S for w in wins])
    dx_time_1 = [[np.full(n_cells, day_days[j] / divisor[i]) for i in range(n_terms)] for j in range(len(wins))]
    power = np.array([i for i, term in enumerate(m.terms) if term.kind != "sigmoid"], dtype=np.int64)
    sigmoid = [i for i, term in enumerate(m.terms) if term.kind == "sigmoid"]
    if any(m.terms[i].inverse_rate for i in power):
        raise NotImplementedError("inverse_rate is implemented for sigmoid terms only")
    p_p = np.array([[m.terms[i].exponent] for i in power])
    p_expo = (p_p - 1.0) / p_p
    div_p = np.array([[divisor[i]] for i in power])
    is_time_p = np.array([[is_time[i]] for i in power], dtype=bool)
    dx_time = [np.stack([dx_time_1[j][i] for i in power]) if power.size else None for j in range(len(wins))]
    all_cells = np.arange(n_cells)
    ones = np.ones(n_cells)
    n_seq = seq.size
    days_seq = seq[(day0 + np.arange(n_days)) % n_seq]
    last = n_days
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):  # once, not per step
        for d in range(n_days):
            j = int(days_seq[d])
            win = wins[j]
            q_r = q if conserve_throughput else ones
            if q_step is None:
                rates = _window_rates(m, win, all_cells, q_r)
            else:
                k_now = np.floor((1.0 - q_r) / q_step + 1e-12).astype(np.int64)
                moved = k_now != grid_k[j]
                if moved.any():
                    step_down = moved & (k_now == grid_k[j] + 1)
                    r_hi[j][step_down] = r_lo[j][step_down]
                    full = np.flatnonzero(moved & ~step_down)
                    if full.size:
                        r_hi[j][full] = _window_rates(m, win, full, 1.0 - k_now[full] * q_step)
                    idx = np.flatnonzero(moved)
                    r_lo[j][idx] = _window_rates(m, win, idx, 1.0 - (k_now[idx] + 1) * q_step)
                    grid_k[j] = k_now
                frac = ((1.0 - k_now * q_step) - q_r) / q_step
                rates = r_hi[j] + frac[:, None] * (r_lo[j] - r_hi[j])
            d_efc = rates[:, -1]
            if power.size:  # all power-law terms in one step (the arithmetic of _power_step, element by element)
                dx = np.where(is_time_p, dx_time[j], d_efc[None, :] / div_p)
                k = rates[:, power].T
                yp = y[power]
                later = k * p_p * (yp / k) ** p_expo * dx
                start_ = k * dx**p_p
                dy = np.where(yp == 0, start_, later)
                y[power] += np.where((dx > 0) & (k > 0) & np.isfinite(dy), dy, 0.0)
            for i in sigmoid:
                term = m.terms[i]
                dx1 = dx_time_1[j][i] if is_time[i] else d_efc / divisor[i]
                k1 = 1.0 / rates[:, i] if term.inverse_rate else rates[:, i]
                y[i] += _sigmoid_step(y[i], dx1, term.y_inf, k1, term.exponent)
            q, r = _outputs(m, y)
            efc = efc + d_efc
            q_hist[:, d + 1] = q
            if r_hist is not None:
                r_hist[:, d + 1] = r
            efc_hist[:, d + 1] = efc
            y_hist[:, :, d + 1] = y
            if ((stop_below_q is not None and np.all(q < stop_below_q))
                    or (stop_above_resistance is not None and r is not None and np.all(r > stop_above_resistance))):
                last = d + 1
                break
    time_days = day0 + np.concatenate([[0.0], np.cumsum(day_days[days_seq])])
    return AgeingResult(m.name, time_days[: last + 1], q_hist[:, : last + 1], efc_hist[:, : last + 1],
                        {term.name: y_hist[i, :, : last + 1] for i, term in enumerate(m.terms)},
                        None if r_hist is None else r_hist[:, : last + 1])


def _outputs(m: AgeingModel, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
    """Relative capacity and resistance of states ``y`` (terms, N)."""
    if m.outputs is not None:
        return m.outputs(y)
    return 1.0 - np.array([term.sign for term in m.terms]) @ y, None


def life_to_soh(model: str | AgeingModel, time_s: object, soc: object, temperature_c: object,
                soh: float = 0.8, max_years: float = 30.0, q_step: float | None = 0.02) -> np.ndarray:
    """Years (of 365 days) until the relative capacity first falls to ``soh``, repeating the duty profile.

    Arguments as :func:`simulate`. Returns an array (N,), linearly interpolated between days; ``inf`` for a
    cell that keeps more than ``soh`` for ``max_years``.
    """
    if not (isinstance(soh, int | float) and 0.0 < soh < 1.0):
        raise InputError("soh", soh, "0 < soh < 1 (relative capacity)")
    if not (isinstance(max_years, int | float) and math.isfinite(max_years) and max_years > 0):
        raise InputError("max_years", max_years, "> 0")
    res = simulate(model, time_s, soc, temperature_c, years=max_years, q_step=q_step, stop_below_q=soh)
    out = np.full(res.q.shape[0], np.inf)
    below = res.q <= soh
    hit = below.any(axis=1)
    i = np.argmax(below, axis=1)
    for c in np.flatnonzero(hit):
        k = int(i[c])
        q0, q1 = res.q[c, k - 1], res.q[c, k]
        f = (q0 - soh) / (q0 - q1) if q0 != q1 else 1.0
        out[c] = (res.time_days[k - 1] + f * (res.time_days[k] - res.time_days[k - 1])) / 365.0
    return out
