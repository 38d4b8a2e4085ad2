"""Battery-electric bus vs diesel and CNG: the combustion model against published figures, energy bookkeeping,
TCO arithmetic, input errors and the ``compare`` command."""

from __future__ import annotations

import csv
import json
import math
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from tyaga import charging, route, tco, vehicles
from tyaga.battery import cell_for_vehicle
from tyaga.chain import simulate
from tyaga.errors import InputError

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "ice_bus_consumption.csv"
BUS = "city-bus-12m-285kwh"


def _published() -> dict[str, dict[str, str]]:
    with DATA.open(newline="") as fh:
        rows = {r["id"]: r for r in csv.DictReader(fh)}
    assert all(r["source"].strip() for r in rows.values())
    return rows


PUB = _published()


def value(key: str) -> float:
    return float(PUB[key]["value"])


@pytest.fixture(scope="module")
def diesel_runs() -> dict[str, tco.CombustionRun]:
    return {c: tco.combustion_run(BUS, c, "diesel") for c in ("sort1", "sort2", "sort3")}


@pytest.fixture(scope="module")
def sort2() -> tco.Comparison:
    return tco.compare(BUS, "sort2", grid_g_per_kwh=400.0)


# ---------------------------------------------------------------- published figures


def test_fuel_factors_are_the_published_ones() -> None:
    b7, b5, cng = tco.FUELS["diesel-b7"], tco.FUELS["diesel-b5"], tco.FUELS["cng"]
    assert b7.lhv_j_per_kg == pytest.approx(value("en16258_b7_lhv") * 1e6)
    assert b7.wtw_energy_j_per_kg == pytest.approx(value("en16258_b7_wtw_energy") * 1e6)
    assert b7.co2_ttw_kg_per_kg == value("en16258_b7_co2_ttw")
    assert b7.co2_wtw_kg_per_kg == value("en16258_b7_co2_wtw")
    assert b5.lhv_j_per_kg == pytest.approx(value("en16258_b5_lhv") * 1e6)
    assert b5.co2_ttw_kg_per_kg == value("en16258_b5_co2_ttw")
    assert b5.co2_wtw_kg_per_kg == value("en16258_b5_co2_wtw")
    assert b7.density_kg_per_l == b5.density_kg_per_l == value("en16258_diesel_density")
    assert cng.lhv_j_per_kg == pytest.approx(value("en16258_cng_lhv") * 1e6)
    assert (cng.co2_ttw_kg_per_kg, cng.co2_wtw_kg_per_kg) == (value("glec_cng_co2_ttw"),
                                                              value("en16258_cng_co2_wtw"))
    assert "to be confirmed" in cng.source


def test_diesel_on_sort_lies_between_the_hybrid_and_the_in_service_fleet(
        diesel_runs: dict[str, tco.CombustionRun]) -> None:
    """Band (docs/tco.md, "Cross-check"): a plain diesel bus uses more than the Scania Citywide hybrid on the
    same SORT (the hybrid recovers braking energy and stops its engine: a hard lower bound); it uses less than
    1.25 × the BVG single-deck in-service average of 42 L/100 km (in service adds HVAC and heating, full loads and
    traffic; the 25 % covers SORT 1's 12 km/h, a heavier duty than the fleet's average). SORT 2 (18 km/h, the
    SORT closest to average city service) must also lie within ±15 % of both in-service figures (BVG 42, IFEU
    40 L/100 km for a 15 t bus), and consumption must fall as the SORT's mean speed rises (fewer stops per km).
    """
    berlin = value("berlin_single_deck")
    litres = {}
    for c, run in diesel_runs.items():
        lit = run.fuel_l_per_100km
        assert lit is not None
        litres[c] = lit
        assert value(f"scania_hybrid_{c}") < lit < 1.25 * berlin, (c, lit)
        assert run.trace_miss_s == 0.0 and run.overload_s == 0.0
    ifeu = value("ifeu_standard_bus")
    assert 0.85 * max(berlin, ifeu) <= litres["sort2"] <= 1.15 * min(berlin, ifeu)
    assert litres["sort1"] > litres["sort2"] > litres["sort3"]


def test_diesel_mass_sensitivity_within_the_ifeu_range() -> None:
    """IFEU quotes 0.1–0.2 L/100 km per 100 kg for a standard city bus in service (0.15 used); on SORT 2 the
    model's sensitivity (two runs 1000 kg apart) must lie in that range."""
    light = tco.combustion_run(BUS, "sort2", "diesel", payload_kg=2000.0)
    heavy = tco.combustion_run(BUS, "sort2", "diesel", payload_kg=3000.0)
    assert heavy.test_mass_kg - light.test_mass_kg == pytest.approx(1000.0)
    assert light.fuel_l_per_100km is not None and heavy.fuel_l_per_100km is not None
    per_100kg = (heavy.fuel_l_per_100km - light.fuel_l_per_100km) / 10.0
    assert value("ifeu_mass_sensitivity_low") <= per_100kg <= value("ifeu_mass_sensitivity_high")


def test_cng_to_diesel_energy_ratio_near_the_survey(sort2: tco.Comparison) -> None:
    """NREL/CVEF: CNG buses' fuel economy ≈ 20 % lower than diesel (diesel-gallon-equivalent, an energy basis):
    energy per km ratio 1/0.8 = 1.25. Band 1.10 … 1.40: the survey averages US fleets of mixed ages and duty, and
    "approximately 20 %" is a rounded figure; the band still fails a CNG model as efficient as the diesel (1.0)
    or one with half its efficiency."""
    ratio = sort2.energy.loc["cng", "energy_kwh_per_km"] / sort2.energy.loc["diesel", "energy_kwh_per_km"]
    expected = 1.0 / value("nrel_cng_vs_diesel")
    assert 1.10 <= ratio <= 1.40
    assert abs(ratio - expected) < 0.15


# ---------------------------------------------------------------- bookkeeping


def test_fuel_energy_bookkeeping(diesel_runs: dict[str, tco.CombustionRun]) -> None:
    run = diesel_runs["sort2"]
    e, f = run.engine, run.fuel
    # fuel energy = LHV × fuel mass
    assert run.fuel_energy_j == pytest.approx(f.lhv_j_per_kg * run.fuel_kg, rel=1e-12)
    # Willans: with the auxiliaries always on, P_e > 0 every step, so E_fuel = P_0·t + E_engine / e
    assert run.fuel_energy_j == pytest.approx(e.idle_fuel_power_w * run.time_s + run.engine_energy_j
                                              / e.marginal_efficiency, rel=1e-9)
    # engine output = positive wheel energy / driveline efficiency + auxiliaries
    assert run.engine_energy_j == pytest.approx(run.wheel_positive_energy_j / e.driveline_efficiency
                                                + run.aux_energy_j, rel=1e-9)
    assert run.aux_energy_j == pytest.approx(e.aux_power_w * run.time_s)
    # the wheel energy is the engine run's own: the chain's summary of the same body on the same cycle
    summ = simulate(tco.combustion_body(vehicles.load(BUS), "diesel"), "sort2", timeseries=False,
                    with_range=False, with_acceleration=False).summary.iloc[0]
    assert run.wheel_energy_j == pytest.approx(summ["energy_wheel_wh"] * 3600.0, rel=1e-6)
    assert run.wheel_positive_energy_j > run.wheel_energy_j > 0.0
    # volumes from mass; the bus idled at its three SORT stops (3 × 20 s)
    assert run.fuel_l_per_100km == pytest.approx(run.fuel_kg_per_100km / f.density_kg_per_l)
    assert run.idle_s == pytest.approx(60.0)
    assert 0.0 < run.engine_efficiency < e.marginal_efficiency


def test_combustion_body_swaps_the_battery_for_an_engine() -> None:
    bev = vehicles.load(BUS)
    cell = cell_for_vehicle(bev)
    assert cell is not None and bev.battery.series is not None and bev.battery.parallel is not None
    pack_kg = bev.battery.series * bev.battery.parallel * cell.mass_kg / tco.CELL_TO_PACK_MASS_RATIO
    for name in ("diesel", "cng"):
        ice = tco.combustion_body(bev, name)
        assert ice.body.mass_kg == pytest.approx(bev.body.mass_kg - pack_kg + tco.ENGINES[name].powertrain_mass_kg)
        assert ice.powertrain.regen_max_power_kw == 0.0
        assert ice.body.drag_coefficient == bev.body.drag_coefficient


def test_electric_bus_grid_energy_and_co2(sort2: tco.Comparison) -> None:
    ev = sort2.runs["bev"]
    eta = charging.CHARGERS["depot"]["efficiency"]
    # grid / stored: the charger's loss and the pack's own loss while charging (a few %)
    assert 1.0 / eta < ev.grid_per_stored < 1.05 / eta
    row = sort2.energy.loc["bev"]
    assert row["energy_kwh_per_km"] > row["battery_kwh_per_km"] / eta
    assert row["co2_wtw_g_per_km"] == pytest.approx(400.0 * row["energy_kwh_per_km"])
    assert row["co2_ttw_g_per_km"] == 0.0
    price = sort2.prices.energy.electricity_per_kwh
    assert row["energy_cost_per_km"] == pytest.approx(row["energy_kwh_per_km"] * price)
    d = sort2.energy.loc["diesel"]
    kg_per_km = d["fuel_kg_per_100km"] / 100.0
    assert d["co2_ttw_g_per_km"] == pytest.approx(kg_per_km * 2.97 * 1000.0)
    assert d["energy_cost_per_km"] == pytest.approx(d["diesel_l_per_100km"] / 100.0 * sort2.prices.energy.diesel_per_l)
    assert math.isnan(sort2.energy.loc["cng", "energy_wtw_kwh_per_km"])  # WTW energy factor of CNG not known


def test_grid_intensity_scales_only_the_electric_bus() -> None:
    clean = tco.compare(BUS, "sort3", grid_g_per_kwh=0.0, engines=("diesel",))
    coal = tco.compare(BUS, "sort3", grid_g_per_kwh=1000.0, engines=("diesel",))
    assert clean.energy.loc["bev", "co2_wtw_g_per_km"] == 0.0
    assert coal.energy.loc["bev", "co2_wtw_g_per_km"] > 0.0
    assert coal.energy.loc["diesel", "co2_wtw_g_per_km"] == clean.energy.loc["diesel", "co2_wtw_g_per_km"]


def test_a_route_is_driven_by_both_buses() -> None:
    r = route.Route([route.Segment(300.0, 30.0, dwell_s=15.0), route.Segment(500.0, 50.0, dwell_s=15.0)])
    res = tco.compare(BUS, r, grid_g_per_kwh=300.0, engines=("diesel",))
    assert res.runs["bev"].distance_m == pytest.approx(res.runs["diesel"].distance_m)
    assert res.runs["diesel"].distance_m == pytest.approx(800.0, rel=1e-3)
    assert res.runs["diesel"].idle_s == pytest.approx(30.0)


def test_willans_line() -> None:
    p = tco.willans_fuel_power_w([-5e3, 0.0, 9e4], 1e4, 0.45)
    assert list(p) == pytest.approx([1e4, 1e4, 1e4 + 9e4 / 0.45])


# ---------------------------------------------------------------- TCO arithmetic


def test_tco_npv_matches_a_hand_formula() -> None:
    r = 0.10
    prices = tco.prices_from_dict({
        "discount_rate": r, "years": 2, "annual_km": 1000.0,
        "bev": {"purchase": 100.0, "infrastructure": 10.0, "maintenance_per_km": 0.1,
                "battery_price_per_kwh": 2.0, "battery_life_years": 1.0},
        "diesel": {"purchase": 50.0, "maintenance_per_km": 0.2},
    })
    df = tco.tco({"bev": 0.5, "diesel": 1.0}, prices, battery_energy_kwh=10.0)
    d1, d2 = 1 / (1 + r), 1 / (1 + r) ** 2
    bev = df.loc["bev"]
    assert bev["energy_npv"] == pytest.approx(500.0 * d1 + 500.0 * d2)
    assert bev["maintenance_npv"] == pytest.approx(100.0 * d1 + 100.0 * d2)
    assert bev["battery_replacement_npv"] == pytest.approx(20.0 * d1)  # year 1 only; year 2 is the end of service
    total = 100.0 + 10.0 + 20.0 * d1 + 600.0 * (d1 + d2)
    assert bev["total_npv"] == pytest.approx(total)
    assert bev["cost_per_km"] == pytest.approx(total / 2000.0)
    assert bev["levelized_cost_per_km"] == pytest.approx(total / (1000.0 * (d1 + d2)))
    dsl = df.loc["diesel"]
    assert dsl["battery_replacement_npv"] == 0.0
    assert dsl["total_npv"] == pytest.approx(50.0 + 1200.0 * (d1 + d2))
    assert tco.annuity_factor(0.0, 7) == 7.0
    assert tco.annuity_factor(r, 2) == pytest.approx(d1 + d2)


def test_higher_diesel_price_raises_only_the_diesel_tco() -> None:
    base = tco.compare(BUS, "sort2", grid_g_per_kwh=400.0, engines=("diesel", "cng"))
    dear = tco.compare(BUS, "sort2", grid_g_per_kwh=400.0, engines=("diesel", "cng"),
                       prices=tco.prices_from_dict({"energy": {"diesel_per_l": 2.0}}))
    assert dear.tco.loc["diesel", "total_npv"] > base.tco.loc["diesel", "total_npv"]
    assert dear.tco.loc["diesel", "cost_per_km"] > base.tco.loc["diesel", "cost_per_km"]
    for bus in ("bev", "cng"):
        assert dear.tco.loc[bus, "total_npv"] == pytest.approx(base.tco.loc[bus, "total_npv"])


def test_example_prices_file_is_the_default() -> None:
    assert tco.load_prices(ROOT / "examples" / "tco-prices.toml").model_dump(exclude={"source"}) == \
        tco.Prices().model_dump(exclude={"source"})


# ---------------------------------------------------------------- bad input


@pytest.mark.parametrize(("data", "field"), [
    ({"energy": {"diesel_per_l": -1.0}}, "energy.diesel_per_l"),
    ({"discount_rate": -1.0}, "discount_rate"),
    ({"discount_rate": -1.5}, "discount_rate"),
    ({"years": 0}, "years"),
    ({"annual_km": True}, "annual_km"),
    ({"bev": {"purchase": "lots", "maintenance_per_km": 0.2}}, "bev.purchase"),
    ({"diesle": {"purchase": 1.0, "maintenance_per_km": 0.2}}, "diesle"),
])
def test_bad_prices_name_the_field(data: dict[str, object], field: str) -> None:
    with pytest.raises(InputError) as info:
        tco.prices_from_dict(data, source="prices.toml")
    assert info.value.field == field
    assert info.value.source == "prices.toml"


def test_a_partial_bus_table_keeps_the_other_defaults() -> None:
    p = tco.prices_from_dict({"bev": {"purchase": 400_000.0}})
    assert p.bev.purchase == 400_000.0
    assert p.bev.battery_price_per_kwh == tco.Prices().bev.battery_price_per_kwh > 0


def test_compare_needs_a_bus() -> None:
    with pytest.raises(InputError) as info:
        tco.compare("compact-crossover-66kwh", "sort2", grid_g_per_kwh=400.0)
    assert info.value.field == "vehicle class"


def test_bad_prices_file_names_the_file(tmp_path: Path) -> None:
    p = tmp_path / "p.toml"
    p.write_text("[energy]\ncng_per_kg = -0.5\n")
    with pytest.raises(InputError) as info:
        tco.load_prices(p)
    assert info.value.field == "energy.cng_per_kg" and info.value.source == str(p)


def test_unknown_fuel_engine_and_charger() -> None:
    with pytest.raises(InputError) as info:
        tco.fuel("petrol")
    assert info.value.field == "fuel"
    with pytest.raises(InputError) as info:
        tco.engine("disel")
    assert info.value.field == "engine" and "diesel" in str(info.value.hint)
    bad = tco.CombustionEngine("x", "hydrogen", 0.4, 1e4, 5e3, 0.9, 1000.0, 2e5, "diesel")
    with pytest.raises(InputError) as info:
        tco.engine(bad)
    assert info.value.field == "fuel"
    with pytest.raises(InputError) as info:
        tco.electric_run(BUS, "sort2", charger_kind="wallbox")
    assert info.value.field == "charger"


@pytest.mark.parametrize("grid", [-1.0, float("nan"), 5000.0])
def test_bad_grid_intensity(grid: float) -> None:
    with pytest.raises(InputError) as info:
        tco.compare(BUS, "sort2", grid_g_per_kwh=grid)
    assert info.value.field == "grid_g_per_kwh"


def test_bad_engine_parameter_and_annuity() -> None:
    bad = tco.CombustionEngine("x", "diesel-b7", 0.0, 1e4, 5e3, 0.9, 1000.0, 2e5, "diesel")
    with pytest.raises(InputError, match="marginal_efficiency"):
        tco.engine(bad)
    with pytest.raises(InputError) as info:
        tco.annuity_factor(-1.0, 10)
    assert info.value.field == "discount_rate"
    with pytest.raises(InputError) as info:
        tco.tco({"bus": 0.1})
    assert info.value.field == "bus type"


# ---------------------------------------------------------------- CLI


def _app() -> typer.Typer:
    from tyaga.cli_tco import compare

    app = typer.Typer()
    app.command("compare")(compare)

    @app.command()
    def other() -> None:  # a second command, so typer keeps the sub-command name
        """Unused."""

    return app


def test_cli_compare_json_matches_the_library() -> None:
    res = CliRunner().invoke(_app(), ["compare", "--vehicle", BUS, "--cycle", "sort2", "--prices",
                                      str(ROOT / "examples" / "tco-prices.toml"), "--grid-g-per-kwh", "400",
                                      "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    lib = tco.compare(BUS, "sort2", grid_g_per_kwh=400.0)
    assert out["energy"]["diesel"]["diesel_l_per_100km"] == pytest.approx(lib.energy.loc["diesel",
                                                                                         "diesel_l_per_100km"])
    assert out["tco"]["bev"]["total_npv"] == pytest.approx(lib.tco.loc["bev", "total_npv"])
    assert out["energy"]["bev"]["diesel_l_per_100km"] is None


def test_cli_compare_table_and_errors(tmp_path: Path) -> None:
    app = _app()
    res = CliRunner().invoke(app, ["compare", "--cycle", "sort1", "--engine", "diesel"])
    assert res.exit_code == 0, res.output
    assert "diesel" in res.output and "total cost of ownership" in res.output
    bad = tmp_path / "prices.toml"
    bad.write_text("discount_rate = -2.0\n")
    res = CliRunner().invoke(app, ["compare", "--prices", str(bad)])
    assert res.exit_code == 2 and "discount_rate" in res.output
    res = CliRunner().invoke(app, ["compare", "--vehicle", "no-such-bus"])
    assert res.exit_code == 2
    res = CliRunner().invoke(app, ["compare", "--cycle", "sort1", "--route", str(bad)])
    assert res.exit_code == 2 and "--route" in res.output
