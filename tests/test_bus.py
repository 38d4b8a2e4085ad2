"""City buses (tyaga.bus, tyaga.cli_bus): a day's duty on depot or opportunity charging, and battery sizing."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from tyaga import bus, charging, vehicles
from tyaga.battery import cell_for_vehicle, pack_for_vehicle
from tyaga.errors import InputError

BUS = "city-bus-12m-285kwh"


@pytest.fixture(scope="module")
def short_trip():  # type: ignore[no-untyped-def]
    return bus.trip("sort2", trip_km=5.0)[0]


@pytest.fixture(scope="module")
def mild_days(short_trip):  # type: ignore[no-untyped-def]
    duty = bus.BusDuty(short_trip, 8, 600.0, ambient_c=20.0)
    return duty, {s: bus.simulate_day(BUS, duty, s) for s in bus.STRATEGIES}


def test_a_trip_repeats_the_cycle_to_its_length_and_ends_at_rest(short_trip) -> None:  # type: ignore[no-untyped-def]
    lap = bus.trip("sort2")[0]
    assert short_trip.distance_m >= 5000.0 - 1e-6
    assert short_trip.distance_m < 5000.0 + lap.distance_m
    assert short_trip.speed_mps[-1] == 0.0
    with pytest.raises(InputError, match="trip"):
        bus.trip()
    with pytest.raises(InputError, match="trip_km"):
        bus.trip("sort2", trip_km=-1.0)


def test_a_route_file_is_a_trip_with_its_passenger_load(tmp_path: Path) -> None:
    f = tmp_path / "line.csv"
    f.write_text("length_m,speed_limit_kmh,dwell_s,boarding,alighting\n400,40,20,30,0\n600,50,20,0,0\n"
                 "500,50,20,0,30\n")
    cyc, kg = bus.trip(route=f)
    assert cyc.distance_m == pytest.approx(1500.0, rel=1e-6)
    assert kg is not None and 0.0 < kg < 30 * 68.0  # 30 aboard for part of the trip, none for the rest


def test_depot_day_draws_the_window_down_and_its_energy_is_the_pack_s(mild_days) -> None:  # type: ignore[no-untyped-def]
    """Depot strategy: no charge on the route, the SOC falls trip by trip; what left the battery terminals
    (trips + layovers) is less than the open-circuit energy of the SOC swing (the rest is the pack's loss) by a
    few per cent, and the overnight charge refills it within the night."""
    duty, days = mild_days
    d = days["depot"]
    s = d.summary.iloc[0]
    assert bool(s["feasible"]) and s["energy_charged_wh"] == 0.0
    socs = d.trips["soc_start"].to_numpy()
    assert np.all(np.diff(socs) < 0)
    pk = pack_for_vehicle(vehicles.load(BUS))
    swing_wh = pk.window_energy_wh(float(s["soc_end"]), pk.soc_max)
    out_wh = s["energy_drive_wh"] + s["energy_layover_wh"]
    assert 0.95 * swing_wh < out_wh < swing_wh
    assert s["distance_km"] == pytest.approx(duty.distance_m / 1000.0)
    assert 0 < s["overnight_charge_s"] < s["night_s"]
    assert s["overnight_grid_wh"] > swing_wh  # charger and battery losses on top
    corners = d.soc
    assert np.all(np.diff(corners["time_s"].to_numpy()) >= 0) and corners["time_s"].iloc[-1] == duty.day_s
    assert corners["soc"].iloc[-1] == pytest.approx(s["soc_end"])


def test_opportunity_layovers_charge_within_the_charger_and_the_pack_limits(mild_days) -> None:  # type: ignore[no-untyped-def]
    """Each layover charges for its length less the connect time: no more than the charger's power less the
    auxiliaries it carries, nor than the pack's charge-current limit at its top voltage, over that time; the SOC
    never passes soc_max and the day ends higher than on depot charging."""
    duty, days = mild_days
    o, dep = days["opportunity"], days["depot"]
    spec = vehicles.load(BUS)
    pk = pack_for_vehicle(spec)
    t_charge_h = (duty.layover_s - bus.CONNECT_TIME_S) / 3600.0
    aux_w = spec.powertrain.aux_power_w + float(o.summary.iloc[0]["hvac_power_w"])
    cap_w = min(charging.CHARGERS["pantograph"]["power_w"] - aux_w, pk.max_charge_current_a * pk.voltage_max_v)
    tr = o.trips
    charged = tr["energy_charged_wh"].to_numpy()[:-1]       # no layover after the last trip
    assert np.all(charged > 0) and np.all(charged <= cap_w * t_charge_h)
    assert tr["energy_charged_wh"].iloc[-1] == 0.0
    assert np.all(tr["soc_depart_next"] <= pk.soc_max + 1e-9)
    assert np.all(tr["soc_depart_next"].to_numpy()[:-1] > tr["soc_arrive"].to_numpy()[:-1])
    assert o.summary.iloc[0]["soc_end"] > dep.summary.iloc[0]["soc_end"]
    assert o.summary.iloc[0]["energy_grid_route_wh"] > o.summary.iloc[0]["energy_charged_wh"]


def test_the_depot_battery_must_hold_the_day_opportunity_does_not(short_trip) -> None:  # type: ignore[no-untyped-def]
    """A long day (16 × 5 km at −10 °C, the heater at its cap) empties the depot-charged pack; the same bus
    charged in its layovers does it."""
    duty = bus.BusDuty(short_trip, 16, 600.0, ambient_c=-10.0)
    dep = bus.simulate_day(BUS, duty, "depot").summary.iloc[0]
    opp = bus.simulate_day(BUS, duty, "opportunity").summary.iloc[0]
    assert not dep["feasible"] and dep["fails"] == "soc_min" and dep["exhausted_s"] > 0
    assert opp["feasible"] and opp["soc_min"] > 0.3


def test_an_aged_pack_ends_the_day_lower(short_trip) -> None:  # type: ignore[no-untyped-def]
    duty = bus.BusDuty(short_trip, 6, 600.0, ambient_c=20.0)
    new = bus.simulate_day(BUS, duty, "depot").summary.iloc[0]
    old = bus.simulate_day(BUS, duty, "depot", capacity_relative=0.8, resistance_relative=1.5).summary.iloc[0]
    swing_new, swing_old = 0.95 - new["soc_end"], 0.95 - old["soc_end"]
    assert swing_old == pytest.approx(swing_new / 0.8, rel=0.03)  # same Ah out of 80 % of the capacity


def test_with_parallel_moves_the_mass_by_the_pack_s_change() -> None:
    spec = vehicles.load(BUS)
    cell = cell_for_vehicle(spec)
    assert cell is not None
    big = bus.with_parallel(spec, 12)
    assert big.battery.parallel == 12 and big.battery.series == spec.battery.series
    assert big.body.mass_kg - spec.body.mass_kg == pytest.approx(4 * 192 * cell.mass_kg / bus.CELL_TO_PACK_MASS_RATIO)
    assert bus.pack_usable_kwh(big) == pytest.approx(1.5 * bus.pack_usable_kwh(spec), rel=1e-9)


@pytest.mark.parametrize("strategy", bus.STRATEGIES)
def test_the_size_found_does_the_duty_and_one_string_fewer_does_not(short_trip, strategy: str) -> None:  # type: ignore[no-untyped-def]
    """The sizing's answer is checked by independent day runs: at the size the binding case is feasible, one
    string fewer fails; winter at end of life needs more than the mild duty on a new pack."""
    duty = bus.BusDuty(short_trip, 10, 600.0, ambient_c=20.0)
    res = bus.size_battery(BUS, duty, strategy, max_parallel=16)
    assert res.parallel is not None
    cases = res.cases.set_index("case")
    assert cases.loc["winter_end_of_life", "parallel"] > cases.loc["duty", "parallel"]
    assert res.parallel == int(cases["parallel"].max())
    spec = vehicles.load(BUS)
    case, eol, cold = next(c for c in bus.SIZING_CASES if cases.loc[c[0], "parallel"] == res.parallel)
    day_duty = bus.BusDuty(short_trip, 10, 600.0, ambient_c=bus.WINTER_AMBIENT_C if cold else 20.0)
    q, r = (0.8, 1.5) if eol else (1.0, 1.0)
    for p, ok in ((res.parallel, True), (res.parallel - 1, False)):
        day = bus.simulate_day(bus.with_parallel(spec, p), day_duty, strategy, capacity_relative=q,
                               resistance_relative=r).summary.iloc[0]
        assert bool(day["feasible"]) is ok, (case, p)
    assert res.binding in ("winter", "end_of_life and winter", "end_of_life or winter", "end_of_life")
    assert res.pack_mass_kg == pytest.approx(bus._pack_mass_kg(bus.with_parallel(spec, res.parallel)))
    assert res.day is not None and bool(res.day.summary.iloc[0]["feasible"])


def test_opportunity_charging_needs_a_smaller_pack_than_depot(short_trip) -> None:  # type: ignore[no-untyped-def]
    duty = bus.BusDuty(short_trip, 10, 600.0, ambient_c=0.0)
    dep = bus.size_battery(BUS, duty, "depot", max_parallel=24)
    opp = bus.size_battery(BUS, duty, "opportunity", max_parallel=24)
    assert dep.parallel is not None and opp.parallel is not None and opp.parallel < dep.parallel
    assert opp.usable_energy_kwh is not None and dep.usable_energy_kwh is not None
    assert opp.vehicle_mass_kg < dep.vehicle_mass_kg  # type: ignore[operator]


@pytest.mark.parametrize(("call", "field"), [
    (lambda t: bus.simulate_day(BUS, bus.BusDuty(t, 2, 600.0), "pantograph"), "strategy"),
    (lambda t: bus.simulate_day(BUS, bus.BusDuty(t, 2, 20.0), "opportunity"), "connect_s"),
    (lambda t: bus.simulate_day(BUS, bus.BusDuty(t, 2, 600.0), "opportunity", charger_power_w=1000.0),
     "charger_power_w"),
    (lambda t: bus.BusDuty(t, 0, 600.0), "trips_per_day"),
    (lambda t: bus.BusDuty(t, 2, -5.0), "layover_s"),
    (lambda t: bus.BusDuty(t, 2, 600.0, ambient_c=float("nan")), "ambient_c"),
    (lambda t: bus.BusDuty(t, 100, 3600.0), "trips_per_day"),
    (lambda t: bus.size_battery(BUS, bus.BusDuty(t, 2, 600.0), max_parallel=0), "max_parallel"),
    (lambda t: bus.size_battery("compact-crossover-66kwh", bus.BusDuty(t, 2, 600.0)), "battery"),
])
def test_bad_input_names_the_field(short_trip, call, field: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(InputError) as exc:
        call(short_trip)
    assert exc.value.field == field


# ------------------------------------------------------------------------------------------------- CLI


def _app() -> typer.Typer:
    from tyaga.cli_bus import bus_duty, bus_size

    app = typer.Typer()
    app.command("bus-duty")(bus_duty)
    app.command("bus-size")(bus_size)
    return app


def test_cli_duty_json_and_table() -> None:
    runner = CliRunner()
    r = runner.invoke(_app(), ["bus-duty", "--trips", "4", "--trip-km", "5", "--ambient-c", "-10", "--json"])
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    assert [s["strategy"] for s in obj["strategies"]] == ["depot", "opportunity"]
    assert len(obj["trips"]["opportunity"]) == 4
    dep, opp = obj["strategies"]
    assert opp["soc_end"] > dep["soc_end"] and dep["hvac_power_w"] > 20000.0
    t = runner.invoke(_app(), ["bus-duty", "--trips", "3", "--strategy", "opportunity", "--passengers", "40"])
    assert t.exit_code == 0 and "SOC per trip" in t.output and "opportunity" in t.output


def test_cli_size_json() -> None:
    r = CliRunner().invoke(_app(), ["bus-size", "--trips", "6", "--trip-km", "5", "--strategy", "opportunity",
                                    "--max-parallel", "12", "--json"])
    assert r.exit_code == 0, r.output
    obj = json.loads(r.stdout)
    (s,) = obj["strategies"]
    assert s["strategy"] == "opportunity" and isinstance(s["parallel"], int)
    assert {c["case"] for c in s["cases"]} == {"duty", "end_of_life", "winter", "winter_end_of_life"}
    assert s["parallel"] == max(c["parallel"] for c in s["cases"])


@pytest.mark.parametrize(("args", "text"), [
    (["bus-duty", "--trips", "0"], "trips_per_day"),
    (["bus-duty", "--cycle", "sort9"], "sort9"),
    (["bus-duty", "--charger-kw", "-3"], "--charger-kw"),
    (["bus-duty", "--layover-min", "-3"], "--layover-min"),
    (["bus-size", "--vehicle", "compact-crossover-66kwh", "--trips", "2"], "battery"),
])
def test_cli_bad_input_exits_2_with_the_field(args: list[str], text: str) -> None:
    r = CliRunner().invoke(_app(), args)
    assert r.exit_code == 2
    assert text in r.output and "Traceback" not in r.output
