"""The ``tyaga`` command line, driven as a user drives it: in a subprocess, from a scratch folder.

What is checked (the CLI's promises):

* ``--json``: stdout holds only JSON — one object for one vehicle, ``{"designs": [...]}`` for several;
* ``tyaga simulate`` with no options drives the default vehicle on WLTC 3b, prints a table and writes the
  plot and the time series to ``./tyaga-out/``;
* bad input (a vehicle or cycle file with a missing, mistyped, negative or out-of-range field, an unknown
  name, a broken CSV) ends with exit code 2 and ONE line on stderr naming the file, the field, the value
  and what is allowed — never a traceback, and nothing written to the output folder.

The fuzz test at the end calls the Typer app in-process (``CliRunner``), as a subprocess per example would
be too slow.
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from tyaga.cli import app
from tyaga.results import write_atomic
from tyaga.vehicle import Battery, Body, Powertrain

DEFAULT_VEHICLE = "compact-crossover-66kwh"
SIMULATE_KEYS = {"distance_km", "energy_dc_wh_per_km", "energy_ac_wh_per_km", "range_km", "trace_miss_s",
                 "accel_0_100_s"}
WLTC3B_KM = 23.266  # UN GTR 15 Annex 1 (see test_cycle.py)
OUTPUTS = {"summary.csv", "summary.json", "timeseries.csv", "simulation.png"}

GOOD_TOML = """\
format_version = 1
name = "my-car"
class = "car"
source = "a test"

[body]
mass_kg = 1500.0
drag_coefficient = 0.30
frontal_area_m2 = 2.2
rolling_resistance_coefficient = 0.009

[powertrain]
motor_peak_power_kw = 120.0

[battery]
usable_energy_kwh = 60.0
nominal_voltage_v = 400.0
"""


@dataclass(frozen=True)
class Run:
    """One finished ``tyaga`` process."""

    rc: int
    out: str
    err: str

    def json(self) -> Any:
        return json.loads(self.out)


def tyaga(cwd: Path, *args: str) -> Run:
    """Run ``python -m tyaga.cli ARGS`` in ``cwd`` and wait for it."""
    env = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", "PYTHONIOENCODING": "utf-8"}
    proc = subprocess.run([sys.executable, "-m", "tyaga.cli", *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=600, env=env, check=False)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_clean_failure(run: Run, *expected: str) -> str:
    """Exit code 2, nothing on stdout, exactly one ``error:`` line on stderr that holds every ``expected``."""
    assert "Traceback" not in run.err, run.err
    assert run.rc == 2, (run.rc, run.err)
    assert run.out == "", run.out
    lines = [line for line in run.err.splitlines() if line.strip()]
    assert len(lines) == 1, run.err
    message = lines[0]
    assert message.startswith("error: "), message
    for text in expected:
        assert text in message, f"{text!r} not in {message!r}"
    return message


def files_under(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (relative path → bytes)."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


# ----------------------------------------------------------------------------------------------------
# Successful runs
# ----------------------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def default_json(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Run]:
    """``tyaga simulate --json`` in an empty folder (also warms the Numba cache for the other runs)."""
    cwd = tmp_path_factory.mktemp("default-json")
    run = tyaga(cwd, "simulate", "--json")
    assert run.rc == 0, run.err
    return cwd, run


def test_simulate_json_is_one_object_with_the_promised_keys(default_json: tuple[Path, Run]) -> None:
    _, run = default_json
    assert run.out.lstrip().startswith("{")
    obj = run.json()  # the whole of stdout is one JSON document
    assert isinstance(obj, dict) and "designs" not in obj
    assert SIMULATE_KEYS <= set(obj)
    assert obj["name"] == DEFAULT_VEHICLE and obj["cycle"] == "wltc3b"
    assert obj["ambient_c"] == 23.0  # the default
    assert obj["distance_km"] == pytest.approx(WLTC3B_KM, rel=0.005)
    assert 100.0 < obj["energy_dc_wh_per_km"] < 250.0
    # from the wall, unadjusted: DC ÷ charger efficiency (0.90 in the vehicle file)
    assert obj["energy_ac_wh_per_km"] == pytest.approx(obj["energy_dc_wh_per_km"] / 0.90, rel=1e-9)
    assert 300.0 < obj["range_km"] < 550.0  # the look-alike's WLTP figure is 410 km
    assert 0.0 <= obj["trace_miss_s"] < 10.0
    assert 5.0 < obj["accel_0_100_s"] < 12.0


def test_simulate_json_run_also_writes_the_outputs(default_json: tuple[Path, Run]) -> None:
    cwd, run = default_json
    out = cwd / "tyaga-out"
    assert {p.name for p in out.iterdir()} == OUTPUTS  # and no temporary files left behind
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert summary["designs"][0]["range_km"] == pytest.approx(run.json()["range_km"])


def test_simulate_without_options_prints_a_table_and_writes_plot_and_timeseries(tmp_path: Path) -> None:
    run = tyaga(tmp_path, "simulate")
    assert run.rc == 0, run.err
    assert "Traceback" not in run.err
    for text in ("wltc3b", DEFAULT_VEHICLE, "distance driven", "energy from the wall", "0–100 km/h"):
        assert text in run.out
    out = tmp_path / "tyaga-out"
    assert {p.name for p in out.iterdir()} == OUTPUTS
    assert (out / "simulation.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    lines = (out / "timeseries.csv").read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    assert {"time_s", "speed_trace_mps", "speed_mps", "soc", "battery_power_w"} <= set(header)
    assert len(lines) == 1 + 1801  # one design, t = 0 … 1800 s
    assert lines[-1].split(",")[header.index("time_s")] in {"1800", "1800.0"}


def test_several_vehicles_give_designs_and_ambient_is_accepted(tmp_path: Path) -> None:
    (tmp_path / "my-car.toml").write_text(GOOD_TOML, encoding="utf-8")
    run = tyaga(tmp_path, "simulate", "-v", DEFAULT_VEHICLE, "--vehicle", "my-car.toml", "--cycle", "udds",
                "--ambient-c", "-10", "--payload-kg", "300", "--out", "results", "--json")
    assert run.rc == 0, run.err
    obj = run.json()
    assert set(obj) == {"designs"}
    designs = obj["designs"]
    assert [d["name"] for d in designs] == [DEFAULT_VEHICLE, "my-car"]
    for d in designs:
        assert SIMULATE_KEYS <= set(d)
        assert d["cycle"] == "udds" and d["ambient_c"] == -10.0
        assert d["distance_km"] == pytest.approx(11.99, rel=0.005)
        assert d["energy_ac_wh_per_km"] == pytest.approx(d["energy_dc_wh_per_km"] / 0.90, rel=1e-9)
        assert all(math.isfinite(d[k]) for k in SIMULATE_KEYS)
    assert {p.name for p in (tmp_path / "results").iterdir()} == OUTPUTS
    assert not (tmp_path / "tyaga-out").exists()


def test_range_wltp_json(tmp_path: Path, default_json: tuple[Path, Run]) -> None:
    run = tyaga(tmp_path, "range", "--json")
    assert run.rc == 0, run.err
    obj = run.json()
    assert {"range_km", "energy_ac_wh_per_km"} <= set(obj)
    assert obj["procedure"] == "wltp" and obj["cycle"] == "wltc3b" and obj["ambient_c"] == 23.0
    # same procedure as the range column of `simulate`
    assert obj["range_km"] == pytest.approx(default_json[1].json()["range_km"], rel=0.01)
    assert obj["energy_ac_wh_per_km"] == pytest.approx(obj["energy_dc_wh_per_km"] / 0.90, rel=1e-9)
    assert list(tmp_path.iterdir()) == []  # range writes no files


def test_range_with_the_pack_thermal_model(tmp_path: Path) -> None:
    """--pack-thermal: a cold-soaked pack goes less far than a preconditioned one, and the table says why."""
    cold = tyaga(tmp_path, "range", "-v", DEFAULT_VEHICLE, "--ambient-c", "-20", "--pack-thermal", "--json")
    warm = tyaga(tmp_path, "range", "-v", DEFAULT_VEHICLE, "--ambient-c", "-20", "--pack-thermal",
                 "--pack-temperature-c", "25", "--json")
    assert cold.rc == 0 and warm.rc == 0, cold.err + warm.err
    c, w = cold.json(), warm.json()
    assert c["range_km"] < w["range_km"]
    assert c["energy_btms_wh"] > w["energy_btms_wh"] > 0.0
    assert c["energy_battery_loss_wh"] > w["energy_battery_loss_wh"]
    table = tyaga(tmp_path, "simulate", "-v", DEFAULT_VEHICLE, "--ambient-c", "-10", "--pack-thermal",
                  "--out", "res")
    assert table.rc == 0, table.err
    assert "pack heater/chiller" in table.out
    bad = tyaga(tmp_path, "range", "--pack-temperature-c", "25")
    assert_clean_failure(bad, "pack_temperature_initial_c = 25.0", "--pack-thermal")


def test_range_epa_json_is_label_adjusted(tmp_path: Path) -> None:
    run = tyaga(tmp_path, "range", "--procedure", "epa", "--vehicle", DEFAULT_VEHICLE, "--json")
    assert run.rc == 0, run.err
    obj = run.json()
    assert obj["procedure"] == "epa"
    assert {"range_km", "energy_ac_wh_per_km"} <= set(obj)
    for part in ("city", "highway"):  # 0.7 adjustment on top of DC ÷ charger efficiency
        assert obj[f"energy_ac_wh_per_km_{part}"] == pytest.approx(
            obj[f"energy_dc_unadjusted_wh_per_km_{part}"] / 0.90 / 0.7, rel=1e-9)
    assert obj["energy_ac_wh_per_km"] == pytest.approx(
        0.55 * obj["energy_ac_wh_per_km_city"] + 0.45 * obj["energy_ac_wh_per_km_highway"], rel=1e-9)
    assert obj["range_km"] == pytest.approx(0.55 * obj["range_km_city"] + 0.45 * obj["range_km_highway"])
    assert 200.0 < obj["range_km"] < 500.0


def test_range_epa_with_several_vehicles_gives_designs(tmp_path: Path) -> None:
    (tmp_path / "my-car.toml").write_text(GOOD_TOML, encoding="utf-8")
    run = tyaga(tmp_path, "range", "--procedure", "epa", "-v", "my-car.toml", "-v", "compact-ev-150kw",
                "--json")
    assert run.rc == 0, run.err
    designs = run.json()["designs"]
    assert [d["name"] for d in designs] == ["my-car", "compact-ev-150kw"]
    assert all(d["range_km"] > 0 and d["energy_ac_wh_per_km"] > 0 for d in designs)


@pytest.mark.parametrize(("kind", "member"), [("vehicles", DEFAULT_VEHICLE), ("cycles", "wltc3b"),
                                              ("cells", "nmc-lg-m50")])
def test_list(tmp_path: Path, kind: str, member: str) -> None:
    run = tyaga(tmp_path, "list", kind)
    assert run.rc == 0, run.err
    assert member in run.out.split()


def test_show_vehicle_json_has_its_source_and_derived_values(tmp_path: Path) -> None:
    run = tyaga(tmp_path, "show", "vehicle", DEFAULT_VEHICLE, "--json")
    assert run.rc == 0, run.err
    info = run.json()
    assert info["name"] == DEFAULT_VEHICLE and info["class"] == "car"
    assert len(info["source"]) > 20
    assert info["derived"]["test_mass_kg"] == pytest.approx(1800.0 + 136.0)
    assert info["derived"]["pack_usable_energy_kwh"] == pytest.approx(62.4, rel=1e-6)
    assert info["battery"]["charger_efficiency"] == 0.90


def test_show_cycle_and_cell(tmp_path: Path) -> None:
    cyc = tyaga(tmp_path, "show", "cycle", "wltc3b", "--json")
    assert cyc.rc == 0, cyc.err
    assert cyc.json()["distance_km"] == pytest.approx(WLTC3B_KM, rel=0.005)
    cell = tyaga(tmp_path, "show", "cell", "nmc-lg-m50")
    assert cell.rc == 0, cell.err
    assert "nmc-lg-m50" in cell.out and "capacity_ah" in cell.out


# ----------------------------------------------------------------------------------------------------
# Bad input: exit 2, one line naming file, field, value and what is allowed; nothing written
# ----------------------------------------------------------------------------------------------------

BAD_VEHICLES: dict[str, tuple[str | bytes, tuple[str, ...]]] = {
    "missing-mass": (GOOD_TOML.replace("mass_kg = 1500.0\n", ""),
                     ("body.mass_kg = (missing)", "a number > 0 and ≤ 60000", "required")),
    "mass-text": (GOOD_TOML.replace("mass_kg = 1500.0", 'mass_kg = "heavy"'),
                  ("body.mass_kg = 'heavy'", "allowed: a number > 0 and ≤ 60000")),
    "mass-negative": (GOOD_TOML.replace("mass_kg = 1500.0", "mass_kg = -5.0"),
                      ("body.mass_kg = -5.0 is not allowed; allowed: a number > 0 and ≤ 60000",)),
    "mass-boolean": (GOOD_TOML.replace("mass_kg = 1500.0", "mass_kg = true"),
                     ("body.mass_kg = True", "a number > 0 and ≤ 60000")),
    "mass-nan": (GOOD_TOML.replace("mass_kg = 1500.0", "mass_kg = nan"), ("body.mass_kg = nan", "> 0")),
    "cd-out-of-range": (GOOD_TOML.replace("drag_coefficient = 0.30", "drag_coefficient = 9"),
                        ("body.drag_coefficient = 9", "a number > 0 and ≤ 2")),
    "unknown-key": (GOOD_TOML.replace("mass_kg = 1500.0", "mass_kg = 1500.0\nmas_kg = 3"),
                    ("body.mas_kg = 3", "unknown key", "did you mean 'mass_kg'?")),
    "bad-class": (GOOD_TOML.replace('class = "car"', 'class = "truck"'),
                  ("class = 'truck'", "'car', 'van', 'bus' or 'trolleybus'")),
    "series-fraction": (GOOD_TOML.replace("usable_energy_kwh = 60.0\nnominal_voltage_v = 400.0",
                                          'cell = "nmc-lg-m50"\nseries = 2.5\nparallel = 3'),
                        ("battery.series = 2.5", "a whole number ≥ 1 and ≤ 2000")),
    "charger-efficiency": (GOOD_TOML + "charger_efficiency = 1.2\n",
                           ("battery.charger_efficiency = 1.2", "> 0.5 and ≤ 1")),
    "body-not-a-table": (GOOD_TOML.replace("[body]\n", "body = 3\n[bodywork]\n"), ("body = 3", "a table")),
    "two-road-loads": (GOOD_TOML.replace("mass_kg = 1500.0", "mass_kg = 1500.0\nf0_n = 150.0"),
                       ("[body]:", "not both", "f0_n = 150.0", "drag_coefficient = 0.3")),
    "soc-window": (GOOD_TOML + "soc_min = 0.9\nsoc_max = 0.5\n",
                   ("[battery]:", "soc_min (0.9) must be below soc_max (0.5)")),
    "unknown-cell": (GOOD_TOML.replace("usable_energy_kwh = 60.0\nnominal_voltage_v = 400.0",
                                       'cell = "nmc-lg-m5"\nseries = 96\nparallel = 3'),
                     ("battery.cell = 'nmc-lg-m5'", "did you mean 'nmc-lg-m50'")),
    "missing-map": (GOOD_TOML.replace("[powertrain]\n", '[powertrain]\nefficiency_map = "m.csv"\n'),
                    ("powertrain.efficiency_map = 'm.csv'", "an existing CSV file")),
    "toml-syntax": (GOOD_TOML.replace("mass_kg = 1500.0", "mass_kg = = 1500"),
                    ("TOML syntax", "line 7", "valid TOML")),
    "binary-garbage": (bytes(range(256)) * 8, ("binary data", "UTF-8 TOML text")),
}


@pytest.mark.parametrize("case", list(BAD_VEHICLES))
def test_bad_vehicle_file_fails_cleanly_and_writes_nothing(tmp_path: Path, case: str) -> None:
    content, expected = BAD_VEHICLES[case]
    path = tmp_path / "bad.toml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    run = tyaga(tmp_path, "simulate", "--vehicle", "bad.toml", "--out", "out", "--json")
    assert_clean_failure(run, "bad.toml: ", *expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.toml"]  # no out/, no tyaga-out/


def test_bad_vehicle_among_good_ones_fails_before_driving(tmp_path: Path) -> None:
    bad = GOOD_TOML.replace("mass_kg = 1500.0", "mass_kg = -5.0")
    (tmp_path / "bad.toml").write_text(bad, encoding="utf-8")
    run = tyaga(tmp_path, "range", "-v", DEFAULT_VEHICLE, "-v", "bad.toml", "--json")
    assert_clean_failure(run, "bad.toml: body.mass_kg = -5.0")


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (("simulate", "--vehicle", "compact-crosover-66kwh"),
         ("vehicle = 'compact-crosover-66kwh'", "did you mean 'compact-crossover-66kwh'")),
        (("range", "-v", "compact-crosover-66kwh"), ("did you mean 'compact-crossover-66kwh'",)),
        (("show", "vehicle", "compact-crosover-66kwh"), ("did you mean 'compact-crossover-66kwh'",)),
        (("simulate", "--cycle", "wltc3"), ("cycle = 'wltc3'", "did you mean 'wltc3b'")),
        (("show", "cell", "nmc-lg-m5"), ("cell = 'nmc-lg-m5'", "did you mean 'nmc-lg-m50'")),
        (("simulate", "--vehicle", "nothing.toml"), ("vehicle file = 'nothing.toml'", "an existing file")),
        (("simulate", "--cycle", "nothing.csv"), ("cycle file = 'nothing.csv'", "an existing file")),
        (("simulate", "--ambient-c", "99"), ("--ambient-c = 99.0", "-50 … 60 °C")),
        (("simulate", "--payload-kg", "-5"), ("payload_kg = -5.0", "0 ≤ payload_kg ≤ 40000")),
        (("range", "--procedure", "epa", "--cycle", "wltc3b"), ("--cycle = 'wltc3b'", "no --cycle")),
    ],
    ids=["vehicle-name", "range-vehicle-name", "show-vehicle-name", "cycle-name", "cell-name", "vehicle-file",
         "cycle-file", "ambient", "payload", "epa-cycle"],
)
def test_unknown_names_missing_files_and_bad_options(tmp_path: Path, args: tuple[str, ...],
                                                     expected: tuple[str, ...]) -> None:
    run = tyaga(tmp_path, *args)
    assert_clean_failure(run, *expected)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("csv", "expected"),
    [
        ("time_s,speed_kmh\n0,0\n1,10\n3,20\n2,30\n4,0\n",
         ("time_s (row 4, line 5) = 2.0", "> 3 (the previous row)")),
        ("time_s,speed_kmh\n0,0\n1,10\n2,-3\n3,0\n", ("speed_kmh (row 3, line 4) = -3.0", "≥ 0")),
        ("time_s,speed_kmh\n0,0\n1,fast\n2,0\n", ("speed_kmh (row 2, line 3) = 'fast'", "a number")),
        ("time,speed\n0,0\n1,0\n", ("bad.csv: ",)),
    ],
    ids=["time-not-increasing", "negative-speed", "speed-text", "bad-header"],
)
def test_bad_cycle_csv_names_the_row(tmp_path: Path, csv: str, expected: tuple[str, ...]) -> None:
    (tmp_path / "bad.csv").write_text(csv, encoding="utf-8")
    run = tyaga(tmp_path, "simulate", "--cycle", "bad.csv", "--json")
    assert_clean_failure(run, "bad.csv: ", *expected)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.csv"]


def test_failed_run_leaves_earlier_outputs_untouched(default_json: tuple[Path, Run]) -> None:
    cwd, _ = default_json
    before = files_under(cwd / "tyaga-out")
    bad = cwd / "bad-run.toml"
    bad.write_text(GOOD_TOML.replace("mass_kg = 1500.0", "mass_kg = -5.0"), encoding="utf-8")
    try:
        run = tyaga(cwd, "simulate", "--vehicle", bad.name)
    finally:
        bad.unlink()
    assert_clean_failure(run, "body.mass_kg = -5.0")
    assert files_under(cwd / "tyaga-out") == before


def test_output_folder_that_is_a_file_is_an_input_error(tmp_path: Path) -> None:
    (tmp_path / "taken").write_text("not a folder", encoding="utf-8")
    run = tyaga(tmp_path, "simulate", "--cycle", "hwfet", "--out", "taken")
    assert_clean_failure(run, "--out = 'taken'", "a folder")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]


def test_interrupted_write_leaves_no_partial_file(tmp_path: Path) -> None:
    target = tmp_path / "summary.csv"
    target.write_text("old, complete\n", encoding="utf-8")

    def half_then_fail(tmp: Path) -> None:
        tmp.write_text("new, half", encoding="utf-8")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, half_then_fail)
    assert target.read_text(encoding="utf-8") == "old, complete\n"
    assert [p.name for p in tmp_path.iterdir()] == ["summary.csv"]  # the temporary file is gone


# ----------------------------------------------------------------------------------------------------
# Fuzz (in-process): any value for a numeric field either loads or fails with one clean message
# ----------------------------------------------------------------------------------------------------

NUMERIC_FIELDS = [
    ("body", "mass_kg", Body), ("body", "payload_kg", Body), ("body", "drag_coefficient", Body),
    ("body", "rotating_mass_factor", Body), ("powertrain", "motor_peak_power_kw", Powertrain),
    ("powertrain", "gear_ratio", Powertrain), ("powertrain", "wheel_radius_m", Powertrain),
    ("powertrain", "regen_min_speed_kmh", Powertrain), ("battery", "usable_energy_kwh", Battery),
    ("battery", "nominal_voltage_v", Battery), ("battery", "resistance_ohm", Battery),
    ("battery", "charger_efficiency", Battery), ("battery", "max_discharge_c", Battery),
]
VALUES = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.floats(-10.0, 10.0),
    st.integers(-(2**63), 2**63 - 1),
    st.booleans(),
    st.text(max_size=12),
    st.lists(st.integers(0, 9), max_size=3),
)


def toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        return ("inf" if value > 0 else "-inf") if math.isinf(value) else repr(value)
    if isinstance(value, str):
        # JSON's escapes of control characters are valid in a TOML basic string; DEL must be escaped too
        return json.dumps(value, ensure_ascii=False).replace("\x7f", "\\u007f")
    if isinstance(value, list):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    return str(value)


def allowed_by_declaration(model: type, field: str, value: Any) -> bool:
    """True when ``value`` is a finite number within the bounds declared on the field."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return False
    checks = {"gt": float.__gt__, "ge": float.__ge__, "lt": float.__lt__, "le": float.__le__}
    info = model.model_fields[field]  # type: ignore[attr-defined]
    return all(op(float(value), float(getattr(m, key))) for m in info.metadata for key, op in checks.items()
               if getattr(m, key, None) is not None)


def _runner() -> CliRunner:
    try:
        return CliRunner(mix_stderr=False)  # type: ignore[call-arg]  # click < 8.2 mixes stderr in by default
    except TypeError:
        return CliRunner()  # click ≥ 8.2 keeps stdout and stderr apart


@pytest.fixture(scope="module")
def fuzz_dir() -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="tyaga-cli-fuzz-") as folder:
        yield Path(folder)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.sampled_from(NUMERIC_FIELDS), value=VALUES)
def test_fuzzed_field_loads_or_fails_with_one_message(fuzz_dir: Path, target: tuple[str, str, type],
                                                      value: Any) -> None:
    table, field, model = target
    lines = GOOD_TOML.splitlines()
    at = lines.index(f"[{table}]") + 1
    lines = [ln for ln in lines if not ln.startswith(f"{field} =")]
    lines.insert(at, f"{field} = {toml_value(value)}")
    path = fuzz_dir / "fuzz.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = _runner().invoke(app, ["show", "vehicle", str(path), "--json"])
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    if allowed_by_declaration(model, field, value):
        assert result.exit_code == 0, result.stderr
        assert json.loads(result.stdout)[table][field] == pytest.approx(value)
    else:
        assert result.exit_code == 2, result.stdout
        assert result.stdout == ""
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
        assert str(path) in lines[0] and f"{table}.{field} = " in lines[0]
