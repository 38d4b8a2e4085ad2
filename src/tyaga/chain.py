"""The high-level chain: vehicle specs + a cycle → engine → labelled results.

``simulate`` takes one vehicle or many (a batch: every design steps through the same cycle in one
engine call) and returns a :class:`SimulationResult` with a per-design summary table (pandas) and, on
request, the full time series as an xarray Dataset with dimensions ``(design, time)``.
"""

from __future__ import annotations

import dataclasses
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
import xarray as xr

from tyaga import engine
from tyaga.battery import PackModel, pack_for_vehicle
from tyaga.cell import OCV_GRID_POINTS
from tyaga.cycle import DriveCycle
from tyaga.errors import InputError
from tyaga.vehicle import EfficiencyMap, VehicleSpec, loss_model_coefficients, road_load_coefficients

FloatArray = npt.NDArray[np.float64]

VehicleLike = VehicleSpec | str | Path
CycleLike = DriveCycle | str | Path

#: Largest distance a range run drives before it gives up [m].
MAX_RANGE_M = 20_000_000.0


@dataclass(frozen=True)
class DesignBatch:
    """Engine inputs for a batch of designs: the parameter matrix and the tables it refers to."""

    names: list[str]
    specs: list[VehicleSpec]
    packs: list[PackModel]
    params: FloatArray          # (n_designs, len(engine.PARAMS))
    ocv_tables: FloatArray      # (n_designs, OCV_GRID_POINTS)
    maps: FloatArray            # (n_maps, n_speed, n_torque), at least one (unused) map
    map_steps: FloatArray       # (n_maps, 2): speed step [rad/s], torque step [N·m]
    hvac_power_w: FloatArray | None = None  # (n_designs,) cabin HVAC in the aux load; None: no climate load
    ambient_c: float | None = None          # ambient temperature of the climate load [°C]
    pack_thermal: bool = False              # pack temperature a state of the engine (engine step 8)
    solar_w_per_m2: float = 0.0             # sun on the cabin's glazing [W/m²]
    under_wire: FloatArray | None = None    # (n_t) 0/1: the step from that sample runs under the line
    aux_profiles: FloatArray | None = None  # (n_profiles, n_t − 1) extra aux power [W] on a cycle's first pass
    stops_per_s: float = 0.0                # door openings per second in the steady HVAC load [1/s]

    def __len__(self) -> int:
        return len(self.names)

    def with_soc_initial(self, soc: float | FloatArray) -> DesignBatch:
        """A copy of the batch starting at another SOC."""
        params = self.params.copy()
        params[:, engine.SOC0] = soc
        return dataclasses.replace(self, params=params)


def _resolve_vehicle(v: VehicleLike) -> VehicleSpec:
    if isinstance(v, VehicleSpec):
        return v
    from tyaga import vehicles

    return vehicles.load(v)


def _resolve_cycle(c: CycleLike) -> DriveCycle:
    if isinstance(c, DriveCycle):
        return c
    from tyaga import cycles

    return cycles.load(c)


@functools.lru_cache(maxsize=64)
def _uniform_map(path: str, mtime_ns: int) -> tuple[float, float, FloatArray]:
    """Efficiency map read and resampled once per file version (``mtime_ns`` keys the cache)."""
    return EfficiencyMap.from_csv(Path(path)).to_uniform()


def door_stops_per_s(cycle: DriveCycle, extra_time_s: float = 0.0) -> float:
    """Mean door openings per second of a cycle [1/s]: the stops of :func:`tyaga.climate.count_stops` (each
    standstill after motion opens the doors, an assumption) divided by the cycle's duration plus
    ``extra_time_s`` (e.g. a layover that follows it) [s]."""
    from tyaga import climate

    if not (math.isfinite(extra_time_s) and extra_time_s >= 0.0):
        raise InputError("extra_time_s", extra_time_s, "≥ 0 s")
    duration_s = cycle.duration_s + extra_time_s
    if duration_s <= 0.0:
        return 0.0
    return float(np.sum(climate.count_stops(cycle.speed_mps))) / duration_s


def cabin_hvac_power_w(specs: Sequence[VehicleSpec], ambient_c: float, solar_w_per_m2: float = 0.0,
                       stops_per_s: float = 0.0) -> FloatArray:
    """Steady cabin HVAC power of each vehicle at a constant ambient temperature [W].

    The cabin of the vehicle's class and heating system (:func:`tyaga.climate.cabin_params_for_class`,
    ``[climate] heat_pump`` of the vehicle file), in the sun's ``solar_w_per_m2`` on its glazing, held at its
    setpoint: the heat through the body, the fresh air and the air exchanged through open doors, divided by
    the heater's efficiency or the air conditioner's COP (eq. 1 of :mod:`tyaga.climate` at dT/dt = 0).
    ``stops_per_s`` [1/s]: the mean door openings per second of the cycle (:func:`door_stops_per_s`); each
    exchanges the class's ``door_air_exchange_kg_per_stop`` (40 kg for a bus, 3 kg for a van, 0 for a car —
    assumptions, docs/climate.md), so the conductance grows by ``stops_per_s · m_door · c_p``. This is the
    steady state; the warm-up from a cold soak and the pack's own temperature are not part of it (see
    docs/climate.md).
    """
    from tyaga import climate

    if not (math.isfinite(stops_per_s) and stops_per_s >= 0.0):
        raise InputError("stops_per_s", stops_per_s, "≥ 0 stops per second")
    by_class: dict[tuple[str, bool], float] = {}
    for s in specs:
        key = (s.vehicle_class, s.climate.heat_pump)
        if key not in by_class:
            cab = climate.cabin_params_for_class(s.vehicle_class, heat_pump=s.climate.heat_pump)
            # a class without door exchange sees no stops: its conductance stays the same number, bit for bit
            sps = stops_per_s if float(cab.door_air_exchange_kg_per_stop[0]) > 0.0 else 0.0
            by_class[key] = float(np.asarray(climate.steady_hvac_power_w(cab, ambient_c, solar_w_per_m2, sps)
                                             ).reshape(-1)[0])
    return np.array([by_class[(s.vehicle_class, s.climate.heat_pump)] for s in specs])


#: Pack temperature of a batch without the thermal coupling: the 25 °C at which its circuit holds [°C].
UNCOUPLED_PACK_TEMPERATURE_C = 25.0
#: Sink (ambient) temperature of a coupled run without ``ambient_c``: the 23 °C of the test procedures [°C].
TEST_AMBIENT_C = 23.0


def _thermal_row(spec: VehicleSpec, pack: PackModel, sink_c: float, initial_c: float) -> FloatArray:
    """The engine's thermal columns (``thermal_on`` … ``r_factor_*``) of one design."""
    from tyaga import thermal
    from tyaga.battery import cell_for_vehicle
    from tyaga.cell import CellSpec

    cell = cell_for_vehicle(spec)
    tp = thermal.thermal_params_for_vehicle(spec, pack, cell)
    soc_mid = 0.5 * (pack.soc_min + pack.soc_max)
    dudt = 0.0 if cell is None else float(np.asarray(thermal.pack_entropic_v_per_k(cell, soc_mid, pack.series)))
    f = CellSpec.model_fields

    def window(name: str) -> float:
        return float(getattr(cell, name) if cell is not None else f[name].default)

    row = np.zeros(len(engine.PARAMS))
    vals = {
        "thermal_on": 1.0, "heat_capacity_j_per_k": tp.heat_capacity_j_per_k[0], "ua_w_per_k": tp.ua_w_per_k[0],
        "sink_temperature_c": sink_c, "temperature_initial_c": initial_c,
        "heater_on_below_c": tp.heater_on_below_c[0], "cooler_on_above_c": tp.cooler_on_above_c[0],
        "heater_max_power_w": tp.heater_max_power_w[0], "heater_efficiency": tp.heater_efficiency[0],
        "cooler_max_power_w": tp.cooler_max_power_w[0], "cooler_cop": tp.cooler_cop[0],
        "control_band_k": tp.control_band_k[0], "entropic_v_per_k": dudt,
        "discharge_temperature_min_c": window("temperature_min_discharge_c"),
        "discharge_temperature_max_c": window("temperature_max_discharge_c"),
        "charge_temperature_min_c": window("temperature_min_charge_c"),
        "charge_temperature_max_c": window("temperature_max_charge_c"),
        "derate_band_k": thermal.DEFAULT_DERATE_BAND_K,
    }
    for k, v in vals.items():
        row[engine.P[k]] = v
    row[engine.RF0:engine.RF0 + engine.N_RF] = thermal.resistance_factor_table(
        cell, np.asarray(engine.RFACTOR_GRID_C), soc=soc_mid)
    return row


def build_batch(
    vehicles: VehicleLike | Sequence[VehicleLike],
    soc_initial: float | None = None,
    ambient_c: float | None = None,
    pack_thermal: bool = False,
    pack_temperature_initial_c: float | None = None,
    hvac_on: bool = True,
    packs: Sequence[PackModel] | None = None,
    solar_w_per_m2: float = 0.0,
    stops_per_s: float = 0.0,
) -> DesignBatch:
    """Resolve vehicle specs and turn them into engine inputs (one row per design).

    ``ambient_c``: ``None`` is the test procedures' condition (climate control off, as EPA and WLTP test);
    a temperature adds each cabin's steady HVAC power at that ambient to the auxiliary load
    (:func:`cabin_hvac_power_w`). ``pack_thermal``: the pack temperature becomes a state of the run (engine
    step 8: resistance and current limits follow it, the BTMS draws from the battery, losses heat the pack),
    with the ambient (or the test's 23 °C) as its sink; it starts at ``pack_temperature_initial_c``
    (default: the sink's temperature, a pack soaked at the ambient). Without it the pack is at 25 °C.
    ``hvac_on=False``: the ambient without its cabin load (climate control off, as AAA's first test).
    ``packs``: one :class:`PackModel` per vehicle instead of the vehicle's own (e.g. an aged pack,
    :func:`tyaga.life.aged_pack`); the vehicle's cell still gives the thermal data. ``solar_w_per_m2``: sun
    on the cabin's glazing (0 … 1200 W/m², with ``ambient_c``). ``stops_per_s``: mean door openings per
    second of the cycle to be driven (:func:`door_stops_per_s`; with ``ambient_c``), whose air exchange the
    steady HVAC load includes for classes with doors that exchange air (bus, van).
    """
    if isinstance(vehicles, VehicleSpec | str | Path):
        vehicles = [vehicles]
    specs = [_resolve_vehicle(v) for v in vehicles]
    if not specs:
        raise InputError("vehicles", [], "at least one vehicle")
    # Variants of one design usually share their battery table and map path (pydantic copies share what
    # they do not change): each distinct one is turned into a pack or resolved on disk once per batch.
    if packs is not None:
        packs = list(packs)
        if len(packs) != len(specs):
            raise InputError("packs", f"{len(packs)} packs for {len(specs)} vehicles", "one pack per vehicle")
    else:
        pack_cache: dict[tuple[int, str, str | None], PackModel] = {}
        packs = []
        for s in specs:
            key = (id(s.battery), s.vehicle_class, s.base_dir)
            if key not in pack_cache:
                pack_cache[key] = pack_for_vehicle(s)
            packs.append(pack_cache[key])
    n = len(specs)
    params = np.zeros((n, len(engine.PARAMS)))
    ocv = np.zeros((n, OCV_GRID_POINTS))
    map_cache: dict[str, int] = {}
    map_by_ref: dict[tuple[str, str | None], int] = {}
    map_tables: list[FloatArray] = []
    map_steps: list[tuple[float, float]] = []
    for i, (s, pk) in enumerate(zip(specs, packs, strict=True)):
        f0, f1, f2, crr = road_load_coefficients(s)
        pt = s.powertrain
        row = params[i]
        row[engine.M_EFF] = s.body.test_mass_kg * s.body.rotating_mass_factor
        row[engine.MASS] = s.body.test_mass_kg
        row[engine.F0], row[engine.F1], row[engine.F2], row[engine.CRR] = f0, f1, f2, crr
        row[engine.WR] = pt.wheel_radius_m
        row[engine.GR] = pt.gear_ratio
        row[engine.ETA_G] = pt.gear_efficiency
        row[engine.P_PEAK] = pt.motor_peak_power_kw * 1000.0
        row[engine.T_PEAK] = pt.motor_peak_torque_nm
        row[engine.P_REGEN] = pt.regen_max_power_kw * 1000.0
        row[engine.V_REGEN] = pt.regen_min_speed_kmh / 3.6
        row[engine.AUX] = pt.aux_power_w
        c0, kc, ki, kw = loss_model_coefficients(row[engine.P_PEAK], pt.motor_peak_torque_nm)
        row[engine.LC0], row[engine.LKC], row[engine.LKI], row[engine.LKW] = c0, kc, ki, kw
        row[engine.MAP] = -1.0
        row[engine.REGEN_ETA] = pt.regen_efficiency or 0.0
        row[engine.AUX_PROFILE] = -1.0
        if s.collector is not None:
            row[engine.LINE_V] = s.collector.line_voltage_v
            row[engine.I_COLL] = s.collector.collector_max_current_a
            row[engine.WIRE_CHG] = s.collector.wire_charge_max_kw * 1000.0
        if pt.efficiency_map:
            ref = (pt.efficiency_map, s.base_dir)
            if ref not in map_by_ref:
                path = Path(pt.efficiency_map)
                if not path.is_absolute() and s.base_dir:
                    path = Path(s.base_dir) / path
                key = str(path.resolve())
                if key not in map_cache:
                    if not path.is_file():
                        raise InputError("powertrain.efficiency_map", pt.efficiency_map, "an existing CSV file")
                    dw, dtq, table = _uniform_map(key, path.stat().st_mtime_ns)
                    map_cache[key] = len(map_tables)
                    map_tables.append(table)
                    map_steps.append((dw, dtq))
                map_by_ref[ref] = map_cache[key]
            row[engine.MAP] = float(map_by_ref[ref])
        row[engine.Q_AS] = pk.capacity_ah * 3600.0
        row[engine.R0], row[engine.R1], row[engine.C1] = pk.r0_ohm, pk.r1_ohm, pk.c1_f
        row[engine.R2], row[engine.C2] = pk.r2_ohm, pk.c2_f
        row[engine.V_MIN], row[engine.V_MAX] = pk.voltage_min_v, pk.voltage_max_v
        row[engine.I_DIS], row[engine.I_CH] = pk.max_discharge_current_a, pk.max_charge_current_a
        row[engine.SOC_MIN], row[engine.SOC_MAX] = pk.soc_min, pk.soc_max
        row[engine.SOC0] = pk.soc_max if soc_initial is None else soc_initial
        row[engine.TH_T0] = UNCOUPLED_PACK_TEMPERATURE_C
        row[engine.RF0:engine.RF0 + engine.N_RF] = 1.0
        ocv[i] = pk.ocv_v
    if map_tables:
        maps = np.stack(map_tables)
        steps = np.asarray(map_steps, dtype=float)
    else:
        maps = np.ones((1, 2, 2))
        steps = np.ones((1, 2))
    if soc_initial is not None and not 0.0 <= soc_initial <= 1.0:
        raise InputError("soc_initial", soc_initial, "0 ≤ soc_initial ≤ 1")
    hvac = None
    if ambient_c is not None:
        if not (math.isfinite(ambient_c) and -50.0 <= ambient_c <= 60.0):
            raise InputError("ambient_c", ambient_c, "-50 … 60 °C")
        if not (math.isfinite(solar_w_per_m2) and 0.0 <= solar_w_per_m2 <= 1200.0):
            raise InputError("solar_w_per_m2", solar_w_per_m2, "0 … 1200 W/m²")
        hvac = cabin_hvac_power_w(specs, ambient_c, solar_w_per_m2, stops_per_s) if hvac_on else np.zeros(n)
        params[:, engine.AUX] += hvac
    if pack_temperature_initial_c is not None:
        if not pack_thermal:
            raise InputError("pack_temperature_initial_c", pack_temperature_initial_c,
                             "only with the pack thermal model on (pack_thermal=True, --pack-thermal)")
        if not (math.isfinite(pack_temperature_initial_c) and -50.0 <= pack_temperature_initial_c <= 80.0):
            raise InputError("pack_temperature_initial_c", pack_temperature_initial_c, "-50 … 80 °C")
    if pack_thermal:
        sink = TEST_AMBIENT_C if ambient_c is None else float(ambient_c)
        start = sink if pack_temperature_initial_c is None else float(pack_temperature_initial_c)
        first, last = engine.P["thermal_on"], engine.RF0 + engine.N_RF  # the thermal columns only (not step 9's)
        rows: dict[tuple[int, str, str | None, int], FloatArray] = {}
        for i, s in enumerate(specs):
            key = (id(s.battery), s.vehicle_class, s.base_dir, id(packs[i]))
            if key not in rows:
                rows[key] = _thermal_row(s, packs[i], sink, start)
            params[i, first:last] = rows[key][first:last]
    if not (math.isfinite(stops_per_s) and stops_per_s >= 0.0):
        raise InputError("stops_per_s", stops_per_s, "≥ 0 stops per second")
    return DesignBatch([s.name for s in specs], specs, packs, params, ocv, maps, steps, hvac, ambient_c,
                       pack_thermal, solar_w_per_m2=solar_w_per_m2, stops_per_s=float(stops_per_s))


def with_cabin_warmup(batch: DesignBatch, cycle: DriveCycle) -> DesignBatch:
    """The batch with each cabin starting at the ambient temperature (a cold or hot soak) instead of at its
    setpoint: the HVAC's transient power above its steady value (:func:`tyaga.climate.simulate_cabin`, the
    cabin of the vehicle's class and heating system, the batch's sun, as :func:`cabin_hvac_power_w`)
    is added to the auxiliary load on the cycle's first pass (in a range run, later passes run at the steady
    power: the cabin has settled by then — the warm-up takes minutes, docs/climate.md). For a class whose
    doors exchange air (bus, van) the transient sees each stop of the cycle in its step
    (:func:`tyaga.climate.count_stops` into :func:`tyaga.climate.cabin_step`), and the steady value it is
    measured against has the batch's mean ``stops_per_s``: over the cycle the two door loads cancel, the
    profile holds the warm-up and the stop-by-stop swings about the mean."""
    from tyaga import climate

    if batch.ambient_c is None or batch.hvac_power_w is None or not np.any(batch.hvac_power_w):
        raise InputError("cabin_soaked", True, "with an ambient temperature (ambient_c, --ambient-c) and the "
                                               "cabin's climate control on")
    t = np.asarray(cycle.time_s, dtype=float)
    keys = [(s.vehicle_class, s.climate.heat_pump) for s in batch.specs]
    distinct = list(dict.fromkeys(keys))
    rows = []
    for cls, hp in distinct:
        cab = climate.cabin_params_for_class(cls, heat_pump=hp)
        doors = float(cab.door_air_exchange_kg_per_stop[0]) > 0.0
        stops: FloatArray | float = climate.count_stops(cycle.speed_mps) if doors else 0.0
        run = climate.simulate_cabin(t, batch.ambient_c, cab, irradiance_w_per_m2=batch.solar_w_per_m2, stops=stops)
        steady = float(np.asarray(climate.steady_hvac_power_w(cab, batch.ambient_c, batch.solar_w_per_m2,
                                                              batch.stops_per_s if doors else 0.0)
                                  ).reshape(-1)[0])
        rows.append(run["hvac_power_w"][0] - steady)
    params = batch.params.copy()
    params[:, engine.AUX_PROFILE] = [float(distinct.index(k)) for k in keys]
    return dataclasses.replace(batch, params=params, aux_profiles=np.vstack(rows))


def _cycle_arrays(cycle: DriveCycle) -> tuple[FloatArray, FloatArray, FloatArray]:
    return (np.ascontiguousarray(cycle.time_s, dtype=float), np.ascontiguousarray(cycle.speed_mps, dtype=float),
            np.ascontiguousarray(cycle.grade, dtype=float))


#: Batches at least this large run on the lane-vectorised summary engine (:mod:`tyaga.engine_fast`, bit for bit
#: the same results as :func:`tyaga.engine.run_cycle`, 2.6–3.4× faster); smaller ones on the scalar engine.
FAST_MIN_DESIGNS = 256

_FAST_BROKEN: list[str] = []


def run_summary(batch: DesignBatch, cycle: DriveCycle) -> FloatArray:
    """Engine summary matrix (n_designs × len(engine.SUMMARY)) without recording time series.

    Large batches (≥ :data:`FAST_MIN_DESIGNS`) go through :func:`tyaga.engine_fast.run_summary_fast`, which
    gives the same numbers as :func:`tyaga.engine.run_cycle` bit for bit (tests/test_engine_fast.py) and
    routes the designs it does not handle (pack thermal model, auxiliary profiles, overhead line) back to it.
    If the fast kernel cannot be compiled (it relies on Numba internals checked on numba 0.68), a warning says
    so once and the scalar engine runs instead.
    """
    t, v, g = _cycle_arrays(cycle)
    if len(batch) >= FAST_MIN_DESIGNS and not _FAST_BROKEN:
        from tyaga import engine_fast

        try:
            return engine_fast.run_summary_fast(batch.params, batch.ocv_tables, batch.maps, batch.map_steps, t, v, g,
                                                batch.aux_profiles, batch.under_wire)
        except (ImportError, AttributeError, TypeError, NotImplementedError) as exc:  # Numba internals moved
            import warnings

            _FAST_BROKEN.append(repr(exc))
            warnings.warn(f"tyaga.engine_fast unavailable ({exc!r}); using the scalar engine", RuntimeWarning,
                          stacklevel=2)
    dummy = np.zeros((1, 1, 1))
    return engine.run_cycle(batch.params, batch.ocv_tables, batch.maps, batch.map_steps, t, v, g, False, dummy,
                            batch.aux_profiles, batch.under_wire)


def run_range(batch: DesignBatch, cycle: DriveCycle, max_distance_m: float = MAX_RANGE_M,
              with_summary: bool = False) -> FloatArray:
    """Range runs from ``soc_max``: (n_designs × 4) range_m, ended_by code, cycles, terminal energy [J]
    (``with_summary``: the range run's engine summary before those, as :func:`tyaga.engine.run_range`).

    Without ``with_summary``, batches of ≥ :data:`FAST_MIN_DESIGNS` designs run pass by pass on the lane engine
    (:func:`tyaga.engine_fast.run_range_fast`: the same steps bit for bit, the distance summed per pass — equal
    to the scalar engine's to ≈ 1e-15 relative), with the fallback of :func:`run_summary`."""
    t, v, g = _cycle_arrays(cycle)
    b = batch.with_soc_initial(batch.params[:, engine.SOC_MAX])
    if not with_summary and len(b) >= FAST_MIN_DESIGNS and not _FAST_BROKEN:
        from tyaga import engine_fast

        try:
            return engine_fast.run_range_fast(b.params, b.ocv_tables, b.maps, b.map_steps, t, v, g, max_distance_m,
                                              b.aux_profiles, b.under_wire)
        except (ImportError, AttributeError, TypeError, NotImplementedError) as exc:  # Numba internals moved
            import warnings

            _FAST_BROKEN.append(repr(exc))
            warnings.warn(f"tyaga.engine_fast unavailable ({exc!r}); using the scalar engine", RuntimeWarning,
                          stacklevel=2)
    return engine.run_range(b.params, b.ocv_tables, b.maps, b.map_steps, t, v, g, max_distance_m, with_summary,
                            b.aux_profiles, b.under_wire)


def acceleration_time(batch: DesignBatch, speed_kmh: float = 100.0) -> FloatArray:
    """Time from standstill to ``speed_kmh`` at full power from ``soc_max`` [s] (inf if never reached).

    The engine is asked to follow an unreachable trace (300 km/h from t = 0), so the motor torque and
    power limits and the battery's power limit alone set the acceleration, on level ground, at test mass.
    Tyre grip is not modelled. The run is first made over the first :data:`ACCEL_FIRST_S` seconds of that
    trace, then, for the designs that have not reached the speed by then, over all 90 s: the engine is causal,
    so the first seconds of both runs are the same steps and the time found is the same.
    """
    dt = 0.05
    target = speed_kmh / 3.6
    b = batch.with_soc_initial(batch.params[:, engine.SOC_MAX])
    b.params[:, engine.AUX_PROFILE] = -1.0  # a cabin's warm-up belongs to the cycle's time line, not to this run
    out = np.full(len(b), np.inf)
    todo = np.arange(len(b))
    for duration_s in (ACCEL_FIRST_S, 90.0):
        if todo.size == 0:
            break
        t = np.arange(0.0, duration_s + dt / 2, dt)
        v = np.full(t.size, 300.0 / 3.6)
        v[0] = 0.0
        g = np.zeros(t.size)
        series = np.zeros((len(engine.SERIES), t.size, todo.size))
        engine.run_cycle(b.params[todo], b.ocv_tables[todo], b.maps, b.map_steps, t, v, g, True, series)
        speed = series[engine.S["speed_mps"]]  # (n_t, n_todo)
        reached = speed >= target
        hit = reached.any(axis=0)
        k = np.argmax(reached, axis=0)[hit]
        cols = np.flatnonzero(hit)
        v0, v1 = speed[k - 1, cols], speed[k, cols]
        out[todo[cols]] = t[k - 1] + dt * (target - v0) / (v1 - v0)
        todo = todo[~hit]
    return out


#: Seconds of the first 0–100 km/h run of :func:`acceleration_time` (the designs slower than that run 90 s).
ACCEL_FIRST_S = 20.0


@dataclass
class SimulationResult:
    """Results of :func:`simulate`.

    Attributes
    ----------
    columns: the per-design summary as plain arrays, one entry per column (see :data:`SUMMARY_COLUMNS`).
    timeseries: xarray Dataset with dimensions ``(design, time)`` (``None`` in summary-only mode).
    cycle: the cycle driven.
    """

    columns: dict[str, Any]
    timeseries: xr.Dataset | None
    cycle: DriveCycle
    specs: list[VehicleSpec] = field(repr=False)

    @functools.cached_property
    def summary(self) -> pd.DataFrame:
        """One row per design, indexed by ``design`` (built on first access)."""
        columns = dict(self.columns)
        index = pd.Index(columns.pop("design"), name="design")
        return pd.DataFrame(columns, index=index, copy=False)

    def to_dicts(self) -> list[dict[str, Any]]:
        """Summary rows as plain dicts (JSON-ready: NaN/inf become None)."""
        n = len(self.columns["design"])
        rows = []
        for i in range(n):
            row: dict[str, Any] = {}
            for k, col in self.columns.items():
                v = col[i] if not isinstance(col, str) else col
                if isinstance(v, np.generic):
                    v = v.item()
                row[k] = None if isinstance(v, float) and not np.isfinite(v) else v
            rows.append(row)
        return rows


#: Summary columns and their units (energies in Wh, distances in km).
SUMMARY_COLUMNS = {
    "distance_km": "distance driven [km]",
    "energy_dc_wh_per_km": "net energy at the battery terminals per km driven [Wh/km]",
    "energy_ac_wh_per_km": "DC ÷ charger_efficiency, unadjusted [Wh/km]",
    "range_km": "this cycle repeated from soc_max to the end of the SOC window [km]",
    "trace_miss_s": "seconds more than 2 km/h below the trace [s]",
    "accel_0_100_s": "0–100 km/h at full power [s]",
}


#: Engine summary energies [J] → summary columns [Wh] (same names as the cumulative time series).
ENERGY_COLUMNS = {
    "chemical_energy_j": "energy_chemical_wh", "terminal_energy_j": "energy_battery_terminal_wh",
    "wheel_energy_j": "energy_wheel_wh", "inertia_energy_j": "energy_inertia_wh",
    "aero_energy_j": "energy_aero_wh", "rolling_energy_j": "energy_rolling_wh", "grade_energy_j": "energy_grade_wh",
    "drivetrain_loss_j": "energy_drivetrain_loss_wh", "friction_brake_j": "energy_friction_brake_wh",
    "battery_loss_j": "energy_battery_loss_wh", "aux_energy_j": "energy_aux_wh", "regen_energy_j": "energy_regen_wh",
    "traction_energy_j": "energy_traction_wh",
}


def _summary_columns(batch: DesignBatch, cycle: DriveCycle, summ: FloatArray, rng: FloatArray | None,
                     accel: FloatArray | None) -> dict[str, Any]:
    col = {name: summ[:, i] for i, name in enumerate(engine.SUMMARY)}
    dist_km = col["distance_m"] / 1000.0
    wh = 1.0 / 3600.0
    eff = np.array([s.battery.charger_efficiency for s in batch.specs])
    with np.errstate(divide="ignore", invalid="ignore"):
        dc = np.where(dist_km > 0, col["terminal_energy_j"] * wh / dist_km, np.nan)
    data: dict[str, Any] = {
        "design": np.arange(len(batch)),
        "name": batch.names,
        "cycle": [cycle.name] * len(batch),
        "distance_km": dist_km,
        "time_s": col["time_s"],
        "energy_dc_wh_per_km": dc,
        "energy_ac_wh_per_km": dc / eff,
    }
    if rng is not None:
        data["range_km"] = rng[:, 0] / 1000.0
        data["range_ended_by"] = [engine.ENDED_BY[int(c)] for c in rng[:, 1]]
    data["trace_miss_s"] = col["trace_miss_s"]
    if accel is not None:
        data["accel_0_100_s"] = accel
    for key, label in ENERGY_COLUMNS.items():
        data[label] = col[key] * wh
    data["usable_energy_wh"] = np.array([pk.usable_energy_wh for pk in batch.packs])
    data["hvac_power_w"] = batch.hvac_power_w if batch.hvac_power_w is not None else np.zeros(len(batch))
    data["soc_end"] = col["soc_end"]
    data["voltage_min_v"] = col["voltage_min_v"]
    data["current_max_a"] = col["current_max_a"]
    data["battery_power_max_w"] = col["battery_power_max_w"]
    data["limited_s"] = col["limited_s"]
    data["exhausted_s"] = col["exhausted_s"]
    if batch.pack_thermal:
        for name in ("pack_temperature_end_c", "pack_temperature_min_c", "pack_temperature_max_c"):
            data[name] = col[name]
        data["energy_btms_wh"] = col["btms_energy_j"] * wh
        data["energy_pack_heat_wh"] = col["pack_heat_j"] * wh
    if batch.under_wire is not None:
        data["energy_line_wh"] = col["line_energy_j"] * wh
        data["wire_s"] = col["wire_s"]
    return data


def _timeseries(batch: DesignBatch, cycle: DriveCycle, series: FloatArray) -> xr.Dataset:
    t = cycle.time_s
    dt = np.diff(t, prepend=t[0])
    ds = xr.Dataset(coords={"design": np.arange(len(batch)), "time_s": ("time", t),
                            "name": ("design", batch.names)})
    ds["speed_trace_mps"] = ("time", cycle.speed_mps)
    ds["grade"] = ("time", cycle.grade)
    for j, name in enumerate(engine.SERIES):
        ds[name] = (("design", "time"), series[j].T)
    v = series[engine.S["speed_mps"]]
    u = np.vstack([v[:1], 0.5 * (v[1:] + v[:-1])])
    step_m = u * dt[:, None]
    step_m[0] = 0.0
    ds["distance_m"] = (("design", "time"), np.cumsum(step_m, axis=0).T)
    def cum(power: FloatArray) -> FloatArray:
        return (np.cumsum(power * dt[:, None], axis=0) / 3600.0).T

    S = engine.S
    ds["energy_aero_wh"] = (("design", "time"), cum(series[S["force_aero_n"]] * u))
    ds["energy_rolling_wh"] = (("design", "time"), cum(series[S["force_rolling_n"]] * u))
    ds["energy_grade_wh"] = (("design", "time"), cum(series[S["force_grade_n"]] * u))
    ds["energy_inertia_wh"] = (("design", "time"), cum(series[S["force_inertia_n"]] * u))
    ds["energy_wheel_wh"] = (("design", "time"), cum(series[S["wheel_power_w"]]))
    ds["energy_drivetrain_loss_wh"] = (("design", "time"), cum(series[S["drivetrain_loss_w"]]))
    ds["energy_friction_brake_wh"] = (("design", "time"), cum(series[S["friction_brake_power_w"]]))
    ds["energy_battery_loss_wh"] = (("design", "time"), cum(series[S["battery_loss_w"]]))
    ds["energy_aux_wh"] = (("design", "time"), cum(series[S["aux_power_w"]]))
    ds["energy_battery_terminal_wh"] = (("design", "time"), cum(series[S["battery_power_w"]]))
    ds["energy_chemical_wh"] = (("design", "time"), cum(series[S["chemical_power_w"]]))
    ds["energy_regen_wh"] = (("design", "time"), cum(np.maximum(-series[S["motor_electrical_power_w"]], 0.0)))
    units = {"_mps": "m/s", "_n": "N", "_w": "W", "_wh": "Wh", "_a": "A", "_v": "V", "_nm": "N·m",
             "_rad_s": "rad/s", "_m": "m", "_s": "s", "_c": "°C"}
    for name in ds.data_vars:
        for suf, unit in units.items():
            if str(name).endswith(suf):
                ds[name].attrs["units"] = unit
                break
    ds.attrs["cycle"] = cycle.name
    return ds


def simulate(
    vehicles: VehicleLike | Sequence[VehicleLike],
    cycle: CycleLike = "wltc3b",
    *,
    soc_initial: float | None = None,
    timeseries: bool = True,
    with_range: bool = True,
    with_acceleration: bool = True,
    payload_kg: float | None = None,
    ambient_c: float | None = None,
    pack_thermal: bool = False,
    pack_temperature_initial_c: float | None = None,
    cabin_soaked: bool = False,
    hvac_on: bool = True,
    packs: Sequence[PackModel] | None = None,
    solar_w_per_m2: float = 0.0,
    under_wire: npt.ArrayLike | None = None,
) -> SimulationResult:
    """Drive one or many vehicles over a cycle (one engine call for the whole batch).

    Parameters
    ----------
    vehicles: a :class:`VehicleSpec`, a bundled name, a TOML path, or a sequence of them (the batch).
    cycle: a :class:`DriveCycle`, a bundled cycle name or a CSV/GPX path.
    soc_initial: SOC at the start (default: each vehicle's ``soc_max``).
    timeseries: record the full time series (memory ∝ designs × steps); ``False`` = summary only.
    with_range: also run the range procedure (this cycle repeated from ``soc_max``).
    with_acceleration: also compute the 0–100 km/h time.
    payload_kg: overrides every vehicle's ``body.payload_kg``.
    ambient_c: ``None`` (default) drives at the test procedures' condition, climate control off; a temperature
        [°C] adds each cabin's steady HVAC power at that ambient to the auxiliary load (``hvac_power_w`` in the
        summary; its energy is part of ``energy_aux_wh``), including, for a bus or a van, the air exchanged
        through the doors at the cycle's stops (:func:`door_stops_per_s`).
    pack_thermal: couple the pack's temperature (engine step 8, docs/thermal.md): its resistance, current
        limits and BTMS follow it; the summary gains ``pack_temperature_*_c``, ``energy_btms_wh`` (part of
        ``energy_aux_wh``) and ``energy_pack_heat_wh``. The range and 0–100 km/h runs start from the same
        temperature.
    pack_temperature_initial_c: the pack's temperature at the start (default: the ambient, a cold-soaked or
        heat-soaked pack; e.g. 25 for a preconditioned one).
    cabin_soaked: the cabin starts at the ambient temperature and the HVAC warms (cools) it to its setpoint
        (:func:`with_cabin_warmup`); default: the cabin starts at its setpoint (preconditioned), the HVAC at
        its steady power. Needs ``ambient_c``.
    hvac_on: ``False`` drives at ``ambient_c`` with the climate control off (the pack model still sees the
        ambient).
    packs: one pack per vehicle instead of the vehicle's own (as :func:`build_batch`).
    solar_w_per_m2: sun on the cabin's glazing [W/m²] (with ``ambient_c``; default 0, no sun).
    under_wire: one flag per sample of the cycle, true where the step from it runs under the overhead line
        (engine step 9; for vehicles with a ``[collector]``, the others ignore it); the summary gains
        ``energy_line_wh`` and ``wire_s``, the time series ``line_power_w``.
    """
    if isinstance(vehicles, VehicleSpec | str | Path):
        vehicles = [vehicles]
    specs = [_resolve_vehicle(v) for v in vehicles]
    if payload_kg is not None:
        if not 0 <= payload_kg <= 40000:
            raise InputError("payload_kg", payload_kg, "0 ≤ payload_kg ≤ 40000")
        specs = [s.model_copy(update={"body": s.body.model_copy(update={"payload_kg": payload_kg})}) for s in specs]
    cyc = _resolve_cycle(cycle)
    batch = build_batch(specs, soc_initial=soc_initial, ambient_c=ambient_c, pack_thermal=pack_thermal,
                        pack_temperature_initial_c=pack_temperature_initial_c, hvac_on=hvac_on, packs=packs,
                        solar_w_per_m2=solar_w_per_m2,
                        stops_per_s=door_stops_per_s(cyc) if ambient_c is not None else 0.0)
    if cabin_soaked:
        batch = with_cabin_warmup(batch, cyc)
    t, v, g = _cycle_arrays(cyc)
    if under_wire is not None:
        w = np.asarray(under_wire)
        if w.shape != t.shape or not (np.issubdtype(w.dtype, np.bool_) or np.all((w == 0) | (w == 1))):
            raise InputError("under_wire", f"{w.shape} values", f"one flag (true/false) per cycle sample, {t.size}")
        batch = dataclasses.replace(batch, under_wire=w.astype(float))
    if timeseries:
        series = np.zeros((len(engine.SERIES), t.size, len(batch)))
        summ = engine.run_cycle(batch.params, batch.ocv_tables, batch.maps, batch.map_steps, t, v, g, True, series,
                                batch.aux_profiles, batch.under_wire)
    else:
        series = None
        summ = run_summary(batch, cyc)
    rng = run_range(batch, cyc) if with_range else None
    accel = acceleration_time(batch) if with_acceleration else None
    columns = _summary_columns(batch, cyc, summ, rng, accel)
    ds = _timeseries(batch, cyc, series) if series is not None else None
    return SimulationResult(columns, ds, cyc, specs)
