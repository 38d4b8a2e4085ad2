"""Validation against real battery-electric vehicles: EPA label values (AC, 0.7-adjusted) of the rows of
``validation_evs.csv`` that have mass, Cd, frontal area and battery energy.

Source: ``tests/data/validation_evs.csv``, a verbatim copy of ``shared/data/validation_evs.csv`` (EPA values
from NRCan's "Fuel Consumption Ratings – Battery-electric vehicles 2012–2024"; each row's ``sources`` column
names its references; conventions in ``shared/docs/validation-evs.md``). The computation is the one of
``benchmarks/validation_evs.py``; method and discussion in ``docs/validation.md``.

Bounds:

* **median |error| of EPA combined Wh/km < 10 %.** The error budget of the *inputs*, per row, from the
  data set's own caveats: mass ±5 % (caveat 6) → about ±2.5 % energy; Cd claims and frontal areas estimated
  as 0.84·W·H → C_d·A ±10 %, on an aero share of about 40 % of the EPA combined energy → ±4 %; charger
  efficiency 0.85–0.92 around the 0.90 used → ±3–5 %; a label from full 5-cycle testing instead of the
  0.7 factor → several %. Their root-sum-square is 7–8 % for a typical row, so a model that is right up to
  its inputs has a median |error| below 10 %; above it the model, not the inputs, would be the larger error.
* **every row within ±35 %** (sanity band): one unlucky row can combine a gross-for-usable battery, a
  wrong Cd and a 5-cycle label (each up to ~10 %); beyond ±35 % something is broken (units, mass
  convention, a procedure), not merely uncertain.
"""

from __future__ import annotations

import math
import os
import statistics
from pathlib import Path

import pandas as pd
import pytest
from benchmarks import validation_evs as ve

REPO = Path(__file__).resolve().parents[1]
#: The copy in tests/data is preferred (it is what the bounds were stated for); shared/ is the fallback.
CANDIDATES = (REPO / "tests" / "data" / "validation_evs.csv",
              REPO.parent / "shared" / "data" / "validation_evs.csv")
MEDIAN_ABS_BOUND_PCT = 10.0
SANITY_BAND_PCT = 35.0


def csv_path() -> Path:
    for p in CANDIDATES:
        if p.is_file():
            return p
    msg = "validation_evs.csv not found in tests/data or ../shared/data"
    if os.environ.get("CI") == "true":
        pytest.fail(msg)  # the copy in tests/data is committed: missing in CI is a failure, not a skip
    pytest.skip(msg)


@pytest.fixture(scope="module")
def results() -> tuple[list[ve.Row], pd.DataFrame]:
    rows, _ = ve.read_rows(csv_path())
    return rows, ve.evaluate(rows)


def test_rows_with_inputs_are_the_documented_ones(results: tuple[list[ve.Row], pd.DataFrame]) -> None:
    """The notes name five complete rows; every simulated row has an EPA target."""
    rows, df = results
    assert len(rows) >= 5
    assert {"Chevrolet Bolt EV", "Audi e-tron 55 quattro"} <= set(df["name"])
    assert df["epa_wh_per_km"].notna().all()


def test_eu_running_order_mass_loses_the_driver(results: tuple[list[ve.Row], pd.DataFrame]) -> None:
    """Ioniq 2020: 1527 kg EU running order (incl. 75 kg driver) → 1452 kg curb + 136 kg payload."""
    rows, _ = results
    ioniq = next(r for r in rows if r.name.startswith("Hyundai IONIQ Electric (38.3"))
    assert ioniq.running_order
    assert ioniq.curb_us_kg == pytest.approx(1527.0 - 75.0)
    spec = ve.vehicle_dict(ioniq)
    assert spec["body"]["mass_kg"] + spec["body"]["payload_kg"] == pytest.approx(1452.0 + 136.0)


def test_median_error_of_epa_combined_consumption(results: tuple[list[ve.Row], pd.DataFrame]) -> None:
    _, df = results
    err = df["err_epa_wh_per_km"].dropna()
    assert len(err) >= 5
    med = statistics.median(abs(float(e)) for e in err)
    assert med < MEDIAN_ABS_BOUND_PCT, f"median |error| {med:.1f} % ≥ {MEDIAN_ABS_BOUND_PCT} %\n{df}"


def test_every_prediction_finite_and_within_sanity_band(results: tuple[list[ve.Row], pd.DataFrame]) -> None:
    _, df = results
    for target in ("epa_wh_per_km", "epa_range_km", "wltp_wh_per_km", "wltp_range_km"):
        pred, err = f"pred_{target}", f"err_{target}"
        for r in df.itertuples():
            e = getattr(r, err)
            if math.isnan(e):  # no target for this row
                continue
            assert math.isfinite(getattr(r, pred)) and getattr(r, pred) > 0, (r.name, pred)
            assert abs(e) < SANITY_BAND_PCT, f"{r.name}: {err} = {e:+.1f} %"


def test_script_writes_markdown(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "sub" / "table.md"
    assert ve.main(["--csv", str(csv_path()), "--markdown", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "| Chevrolet Bolt EV |" in text and "median signed error %" in text
    assert "command: python benchmarks/validation_evs.py --csv" in capsys.readouterr().out
    assert [p.name for p in out.parent.iterdir()] == ["table.md"]  # no temporary file left behind
