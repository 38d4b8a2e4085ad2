"""The vehicle spec (``tyaga.vehicle``): class defaults, the road-load forms, the motor loss model,
efficiency maps, validation messages and the bundled vehicles (docs/vehicle-format.md)."""

from __future__ import annotations

import itertools
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from tests.conftest import car_dict

from tyaga import catalog, vehicles
from tyaga.battery import SHORTCUT_VOLTAGE_DROP_AT_1C, pack_for_vehicle
from tyaga.catalog import RuleError
from tyaga.errors import InputError
from tyaga.units import STANDARD_GRAVITY_MPS2
from tyaga.vehicle import (
    AIR_DENSITY_KG_PER_M3,
    CLASS_DEFAULTS,
    SHORTCUT_C_RATES,
    EfficiencyMap,
    loss_model_coefficients,
    motor_efficiency,
    motor_loss_power,
    road_load_coefficients,
    road_load_force,
)

G = STANDARD_GRAVITY_MPS2


def spec_of(**changes: Any) -> Any:
    return vehicles.from_dict(car_dict(**changes))


# ----------------------------------------------------------------------------------------------------
# Class defaults
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("cls", sorted(CLASS_DEFAULTS))
def test_every_omitted_key_gets_its_class_default(cls: str) -> None:
    data = car_dict(**{"class": cls})  # leaves out every defaulted key of [body] and [battery] …
    del data["powertrain"]  # … and a whole table may be left out when all of its keys have defaults
    spec = vehicles.from_dict(data)
    for table, defaults in CLASS_DEFAULTS[cls].items():
        for key, value in defaults.items():
            assert getattr(getattr(spec, table), key) == value, f"{cls}: {table}.{key}"


def test_given_values_win_over_class_defaults() -> None:
    spec = spec_of(**{"class": "bus", "body.payload_kg": 0.0, "battery.soc_min": 0.2,
                      "powertrain.aux_power_w": 8000.0})
    assert spec.body.payload_kg == 0.0 and spec.battery.soc_min == 0.2
    assert spec.powertrain.aux_power_w == 8000.0
    assert spec.battery.soc_max == CLASS_DEFAULTS["bus"]["battery"]["soc_max"]


def test_test_mass_is_curb_mass_plus_payload() -> None:
    spec = spec_of(**{"body.mass_kg": 1700.0, "body.payload_kg": 250.0})
    assert spec.body.test_mass_kg == 1950.0
    f0, _, _, crr = road_load_coefficients(spec)
    assert f0 == pytest.approx(crr * 1950.0 * G)
    assert spec_of().body.test_mass_kg == 1500.0 + CLASS_DEFAULTS["car"]["body"]["payload_kg"]


@pytest.mark.parametrize("cls", sorted(SHORTCUT_C_RATES))
def test_shortcut_pack_capacity_resistance_and_c_rates(cls: str) -> None:
    spec = spec_of(**{"class": cls, "battery.usable_energy_kwh": 80.0, "battery.nominal_voltage_v": 400.0})
    b = spec.battery
    pack = pack_for_vehicle(spec)
    capacity = 80_000.0 / (400.0 * (b.soc_max - b.soc_min))  # the window holds exactly the usable energy
    assert pack.capacity_ah == pytest.approx(capacity)
    assert pack.usable_energy_wh == pytest.approx(80_000.0, rel=1e-6)
    assert pack.r0_ohm == pytest.approx(SHORTCUT_VOLTAGE_DROP_AT_1C * 400.0**2 / (capacity * 400.0))
    assert pack.r0_ohm * capacity == pytest.approx(0.015 * 400.0)  # 1.5 % of the voltage lost at 1C
    dis, chg = SHORTCUT_C_RATES[cls]
    assert pack.max_discharge_current_a == pytest.approx(dis * capacity)
    assert pack.max_charge_current_a == pytest.approx(chg * capacity)


def test_shortcut_pack_takes_given_resistance_and_c_rates() -> None:
    spec = spec_of(**{"battery.resistance_ohm": 0.1, "battery.max_discharge_c": 5.0,
                      "battery.max_charge_c": 0.5})
    pack = pack_for_vehicle(spec)
    assert pack.r0_ohm == 0.1
    assert pack.max_discharge_current_a == pytest.approx(5.0 * pack.capacity_ah)
    assert pack.max_charge_current_a == pytest.approx(0.5 * pack.capacity_ah)


# ----------------------------------------------------------------------------------------------------
# Road load
# ----------------------------------------------------------------------------------------------------

PHYSICAL = {"body.drag_coefficient": 0.28, "body.frontal_area_m2": 2.3,
            "body.rolling_resistance_coefficient": 0.008}
COAST = {"body.f0_n": 120.0, "body.f1_n_per_mps": 0.5, "body.f2_n_per_mps2": 0.4}


def _coast_only(**more: Any) -> dict[str, Any]:
    data = car_dict(**{k: None for k in PHYSICAL})
    data["body"].update({k.removeprefix("body."): v for k, v in more.items()})
    return data


def test_road_load_physical_or_coast_down_not_both() -> None:
    both = car_dict(**COAST)  # car_dict has the physical form already
    with pytest.raises(RuleError, match="not both") as info:
        vehicles.from_dict(both, source="both.toml")
    err = info.value
    assert err.field == "body" and err.source == "both.toml"
    assert set(err.value) == {"drag_coefficient", "frontal_area_m2", "rolling_resistance_coefficient", "f0_n",
                              "f1_n_per_mps", "f2_n_per_mps2"}
    assert str(err).startswith("both.toml: [body]: give the road load either as")
    assert "\n" not in str(err)


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (car_dict(**{"body.frontal_area_m2": None}), "go together"),
        (_coast_only(f0_n=100.0), "needs f0_n and f2_n_per_mps2"),
        (_coast_only(), "road load missing"),
    ],
)
def test_incomplete_road_load_is_named(data: dict[str, Any], match: str) -> None:
    with pytest.raises(InputError, match=match):
        vehicles.from_dict(data)


def test_coast_down_f1_defaults_to_zero() -> None:
    spec = vehicles.from_dict(_coast_only(f0_n=100.0, f2_n_per_mps2=0.4))
    assert spec.body.f1_n_per_mps == 0.0
    assert road_load_coefficients(spec) == (100.0, 0.0, 0.4, 0.0)


def test_coast_down_and_physical_forms_give_the_same_force_when_equivalent() -> None:
    physical = spec_of(**PHYSICAL, **{"body.payload_kg": 100.0})
    m = physical.body.test_mass_kg
    f0 = 0.008 * m * G
    f2 = 0.5 * AIR_DENSITY_KG_PER_M3 * 0.28 * 2.3
    coast = vehicles.from_dict(_coast_only(f0_n=f0, f1_n_per_mps=0.0, f2_n_per_mps2=f2, payload_kg=100.0))
    v = np.linspace(0.0, 45.0, 91)
    flat = np.zeros_like(v)
    forces = [road_load_force(v, flat, m, *road_load_coefficients(s)) for s in (physical, coast)]
    for key in ("rolling_n", "aero_n", "grade_n"):
        np.testing.assert_allclose(forces[0][key], forces[1][key], rtol=1e-12, atol=1e-12)
    total = forces[0]["rolling_n"] + forces[0]["aero_n"]
    np.testing.assert_allclose(total[1:], f0 + f2 * v[1:] ** 2, rtol=1e-12)
    # on a grade the physical form's rolling resistance follows cos θ, the coast-down F0 does not
    grade = np.full_like(v, 0.10)
    on_hill = [road_load_force(v, grade, m, *road_load_coefficients(s)) for s in (physical, coast)]
    cos = np.cos(np.arctan(0.1))
    np.testing.assert_allclose(on_hill[0]["rolling_n"][1:], on_hill[1]["rolling_n"][1:] * cos)
    np.testing.assert_allclose(on_hill[0]["grade_n"], m * G * np.sin(np.arctan(0.1)))


def test_no_rolling_resistance_at_standstill() -> None:
    forces = road_load_force(np.array([0.0, 1.0]), np.zeros(2), 1500.0, 120.0, 0.5, 0.4)
    assert forces["rolling_n"][0] == 0.0 and forces["rolling_n"][1] == pytest.approx(120.5)


# ----------------------------------------------------------------------------------------------------
# Motor + inverter loss model
# ----------------------------------------------------------------------------------------------------

P_PEAK, T_PEAK = 142_000.0, 340.0  # the default vehicle's motor
COEF = loss_model_coefficients(P_PEAK, T_PEAK)
OMEGA_B = P_PEAK / T_PEAK


def _envelope(max_speed_ratio: float = 3.1) -> tuple[np.ndarray, np.ndarray]:
    w = np.linspace(1.0, max_speed_ratio * OMEGA_B, 400)[:, None]
    t = np.minimum(np.linspace(0.5, T_PEAK, 400)[None, :], P_PEAK / w)  # torque and power limits
    return w, t


def test_loss_model_terms_are_the_default_fractions_at_the_base_point() -> None:
    c0, kc, ki, kw = COEF
    assert c0 == pytest.approx(0.0015 * P_PEAK)
    assert kc * T_PEAK**2 == pytest.approx(0.030 * P_PEAK)
    assert ki * OMEGA_B == pytest.approx(0.004 * P_PEAK)
    assert kw * OMEGA_B**3 == pytest.approx(0.0005 * P_PEAK)
    assert motor_efficiency(OMEGA_B, T_PEAK, COEF) == pytest.approx(1 / 1.0360)  # 96.5 %


def test_loss_model_peaks_in_the_95_to_98_percent_band_and_drops_at_light_load() -> None:
    w, t = _envelope()
    eff = motor_efficiency(w, t, COEF)
    peak = float(eff.max())
    assert 0.95 < peak < 0.98, peak  # published PMSM + inverter maps peak at 95–97 %; this one at 98.0 %
    light = float(motor_efficiency(0.5 * OMEGA_B, 0.05 * T_PEAK, COEF))  # ≈ 30 km/h cruise in town
    assert light < peak - 0.08
    assert 0.70 < light < 0.90
    # efficiency rises with torque at a fixed speed, from light load up to the copper-loss optimum
    row = motor_efficiency(OMEGA_B, np.linspace(0.01, 0.3, 30) * T_PEAK, COEF)
    assert np.all(np.diff(row) > 0)


def test_loss_is_zero_without_torque_and_even_in_torque() -> None:
    assert motor_loss_power(300.0, 0.0, COEF) == 0.0
    assert motor_loss_power(300.0, 150.0, COEF) == pytest.approx(motor_loss_power(-300.0, -150.0, COEF))
    assert motor_loss_power(300.0, 150.0, COEF) > motor_loss_power(300.0, 50.0, COEF) > 0


# ----------------------------------------------------------------------------------------------------
# Efficiency maps
# ----------------------------------------------------------------------------------------------------


def _write_map(path: Path, speeds: list[float], torques: list[float], eff: np.ndarray, shuffle: bool) -> None:
    rows = [(s, t, eff[i, j]) for (i, s), (j, t) in itertools.product(enumerate(speeds), enumerate(torques))]
    if shuffle:
        rows = rows[::-1]
    body = "".join(f"{s},{t},{float(e)!r}\n" for s, t, e in rows)
    path.write_text(f"# a test map\nspeed_rpm,torque_nm,efficiency\n{body}", encoding="utf-8")


@pytest.mark.parametrize("shuffle", [False, True])
def test_efficiency_map_round_trip(tmp_path: Path, shuffle: bool) -> None:
    speeds, torques = [0.0, 2000.0, 6000.0, 12000.0], [0.0, 100.0, 250.0]
    eff = np.array([[0.70, 0.80, 0.82], [0.80, 0.93, 0.95], [0.82, 0.95, 0.96], [0.80, 0.92, 0.94]])
    path = tmp_path / "map.csv"
    _write_map(path, speeds, torques, eff, shuffle)
    emap = EfficiencyMap.from_csv(path)
    assert emap.speed_rpm == speeds and emap.torque_nm == torques
    np.testing.assert_array_equal(np.array(emap.efficiency), eff)
    # resampled on a uniform grid from 0: the corners are kept
    dw, dt, table = emap.to_uniform(33, 26)
    assert dw * 32 == pytest.approx(12000.0 * np.pi / 30.0) and dt * 25 == pytest.approx(250.0)
    assert table[0, 0] == pytest.approx(0.70) and table[-1, -1] == pytest.approx(0.94)
    assert table.min() >= 0.70 and table.max() <= 0.96


@pytest.mark.parametrize(
    ("text", "field"),
    [
        ("speed,torque,eta\n0,0,0.9\n", "efficiency_map columns"),
        ("speed_rpm,torque_nm,efficiency\n0,0,0.9\n0,10,1.2\n100,0,0.9\n100,10,0.9\n", "efficiency (row 3)"),
        ("speed_rpm,torque_nm,efficiency\n0,0,0.9\n0,10,0.9\n100,0,0.9\n", "efficiency_map grid"),
        ("speed_rpm,torque_nm,efficiency\n0,0,high\n", "row 2"),
    ],
)
def test_bad_efficiency_map_names_the_file(tmp_path: Path, text: str, field: str) -> None:
    path = tmp_path / "map.csv"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputError) as info:
        EfficiencyMap.from_csv(path)
    assert info.value.field == field and info.value.source == str(path)


def test_vehicle_naming_a_missing_map_or_cell_is_an_input_error_naming_its_file(tmp_path: Path) -> None:
    data = car_dict(**{"powertrain.efficiency_map": str(tmp_path / "no.csv")})
    with pytest.raises(InputError, match="an existing CSV file") as info:
        vehicles.from_dict(data, source="v.toml")
    assert info.value.field == "powertrain.efficiency_map" and info.value.source == "v.toml"
    data = car_dict(battery={"cell": "nmc-lg-m5", "series": 96, "parallel": 3})
    with pytest.raises(InputError, match="did you mean 'nmc-lg-m50'") as info:
        vehicles.from_dict(data, source="v.toml")
    assert info.value.field == "battery.cell" and info.value.source == "v.toml"


# ----------------------------------------------------------------------------------------------------
# Validation messages
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"body.mass_kg": -5.0}, "body.mass_kg", "v.toml: body.mass_kg = -5.0 is not allowed; "
                                                 "allowed: a number > 0 and ≤ 60000"),
        ({"body.mass_kg": None}, "body.mass_kg", "body.mass_kg = (missing) is not allowed; "
                                                 "allowed: a number > 0 and ≤ 60000 (required)"),
        ({"body.mass_kg": "1500"}, "body.mass_kg", "body.mass_kg = '1500' is not allowed"),
        ({"body.mass_kg": True}, "body.mass_kg", "body.mass_kg = True is not allowed"),
        ({"body.mass_kg": float("inf")}, "body.mass_kg", "body.mass_kg = inf is not allowed"),
        ({"body.mass_kg": float("nan")}, "body.mass_kg", "body.mass_kg = nan is not allowed"),
        ({"battery.soc_min": 1.0}, "battery.soc_min", "allowed: a number ≥ 0 and < 1"),
        ({"battery.series": 96}, "battery", "[battery]: give either cell/series/parallel or"),
        ({"powertrain.gear_ratoi": 9.0}, "powertrain.gear_ratoi", "unknown key). did you mean 'gear_ratio'?"),
        ({"body.mass_kg": None, "body.mas_kg": 1500.0}, "body.mas_kg", "did you mean 'mass_kg'?"),
        ({"class": "tram"}, "class", "class = 'tram' is not allowed"),
        ({"format_version": 2}, "format_version", "format_version = 2 is not allowed; allowed: 1"),
    ],
)
def test_validation_errors_are_one_line_naming_field_value_and_range(
    change: dict[str, Any], field: str, message: str
) -> None:
    data = car_dict(**change) if "." in next(iter(change)) else car_dict() | change
    with pytest.raises(InputError) as info:
        vehicles.from_dict(data, source="v.toml")
    err = info.value
    assert err.field == field and err.source == "v.toml"
    assert message in str(err)
    assert "\n" not in str(err) and "Input should" not in str(err)


def test_numbers_stay_numbers_for_python_callers() -> None:
    spec = spec_of(**{"body.mass_kg": np.float64(1600.0), "battery.max_discharge_c": 4})
    assert spec.body.mass_kg == 1600.0 and spec.battery.max_discharge_c == 4.0


def test_describe_field_reads_the_declaration() -> None:
    from tyaga.vehicle import Battery, Body

    assert catalog.describe_field(Body.model_fields["mass_kg"]) == "a number > 0 and ≤ 60000"
    assert catalog.describe_field(Battery.model_fields["series"]) == "a whole number ≥ 1 and ≤ 2000"
    assert catalog.describe_field(Battery.model_fields["cell"]) == "a text"


# ----------------------------------------------------------------------------------------------------
# Bundled vehicles
# ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", vehicles.names())
def test_every_bundled_vehicle_loads_and_has_a_source(name: str) -> None:
    spec = vehicles.load(name)
    assert spec.name == name
    assert spec.format_version == 1
    assert len(spec.source) > 40, "a bundled vehicle names where its numbers come from"
    assert spec.notes.strip(), "assumptions are written down"
    pack = pack_for_vehicle(spec)
    assert 10_000.0 < pack.usable_energy_wh < 500_000.0
    path = catalog.resolve("vehicles", name)
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    assert raw["format_version"] == 1 and raw["class"] in CLASS_DEFAULTS


DOCS = Path(__file__).parent.parent / "docs" / "vehicle-format.md"


def test_the_examples_in_the_format_doc_load(tmp_path: Path) -> None:
    text = DOCS.read_text(encoding="utf-8")
    blocks = [b.split("```", 1)[0] for b in text.split("```toml\n")[1:]]
    assert len(blocks) == 2
    for k, block in enumerate(blocks):
        path = tmp_path / f"example{k}.toml"
        path.write_text(block, encoding="utf-8")
        spec = vehicles.load(path)
        assert pack_for_vehicle(spec).usable_energy_wh > 50_000.0
    full = tomllib.loads(blocks[0])  # the complete example gives every key that has a class default
    for table, defaults in CLASS_DEFAULTS["car"].items():
        assert set(defaults) <= set(full[table]), table


def test_bundled_vehicle_list() -> None:
    assert vehicles.DEFAULT_VEHICLE in vehicles.names()
    bundled = {"compact-crossover-66kwh", "compact-ev-150kw", "van-utility-90kwh-lfp", "city-bus-12m-285kwh"}
    assert bundled <= set(vehicles.names())


def test_payload_sweep_from_empty_to_gross_vehicle_weight() -> None:
    """procedures.payload_sweep: payloads 0 … GVW − curb mass as one batch; each row equals a one-at-a-time
    simulate at that payload exactly; consumption rises and range falls with payload; a payload past the GVW
    and a GVW below curb + payload are errors naming the field."""
    from tyaga import procedures, vehicles
    from tyaga.chain import simulate

    van = vehicles.load("van-utility-90kwh-lfp")
    assert van.body.max_payload_kg == 1000.0
    df = procedures.payload_sweep(van, "udds", steps=5)
    assert list(df["payload_kg"]) == [0.0, 250.0, 500.0, 750.0, 1000.0]
    assert np.all(np.diff(df["energy_dc_wh_per_km"]) > 0) and np.all(np.diff(df["range_km"]) < 0)
    one = simulate(van, "udds", payload_kg=750.0, timeseries=False, with_acceleration=False).summary.iloc[0]
    assert df["energy_dc_wh_per_km"].iloc[3] == one["energy_dc_wh_per_km"]
    assert df["range_km"].iloc[3] == one["range_km"]
    with pytest.raises(InputError, match="payloads_kg"):
        procedures.payload_sweep(van, "udds", payloads_kg=[1200.0])
    with pytest.raises(InputError, match="gross_mass_kg"):
        procedures.payload_sweep("compact-ev-150kw", "udds")
    d = van.model_dump(by_alias=True, exclude={"base_dir"})
    d["body"]["gross_mass_kg"] = 2800.0
    with pytest.raises(InputError, match="gross_mass_kg"):
        vehicles.from_dict(d)
