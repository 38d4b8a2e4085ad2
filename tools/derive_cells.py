"""Derive the bundled cell files ``src/tyaga/data/cells/*.toml`` from their public sources.

Every number in a bundled cell file comes out of this script, so the files can be checked and
regenerated. Sources (all permissively licensed; attribution in ``src/tyaga/data/cells/NOTICE.md``):

* ``simses==1.3.12`` sdist (BSD-3-Clause, TUM EES): OCV tables and internal resistances.
* ``pytracksim==1.3.8`` wheel (MIT, N. Weinreich): the measured 1-RC ECM of the CALB L148N50B.
* ``pybamm`` (BSD-3-Clause): Chen2020 (LG M50) DFN parameters and Mohtat2020 NMC532 OCP; ORegan2022
  (LG M50T), Ecker2015 (Kokam SLPB 75106100) and Prada2013 (A123 ANR26650M1), whose isothermal DFN runs
  at −10 … 40 °C the ``[ecm]`` SOC × temperature tables are fitted to (:func:`dfn_cell`, :func:`fit_tables`;
  the DFN runs are cached as .npz in the cache folder, ~1 min; the fits take ~5 min on one core).
* Datasheet fields (dimensions, peak rates, temperature windows, specific heat, price): per cell, each
  figure labelled in the cell's ``notes`` as a datasheet value or an ASSUMPTION; prices from
  :data:`COST_USD_PER_KWH` (BloombergNEF 2024 headline figure, labelled assumptions).

The sources are fetched with ``pip download`` (no install) into a cache folder. Run::

    python tools/derive_cells.py                 # writes src/tyaga/data/cells/*.toml
    python tools/derive_cells.py --check         # only prints the derived values

Units: SOC 0 … 1, voltages V, resistances Ω, capacitances F, capacity A·h, mass kg, time s.
"""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
import tarfile
import textwrap
import zipfile
from pathlib import Path

import numpy as np
import pandas as pd

from tyaga.cell import DEFAULT_ACTIVATION_ENERGY_J_PER_MOL

ROOT = Path(__file__).resolve().parents[1]
OUT_DIR = ROOT / "src" / "tyaga" / "data" / "cells"
SIMSES = "simses==1.3.12"
PYTRACKSIM = "pytracksim==1.3.8"

#: Split of a simses DC internal resistance R_int into R0 + R1 and the time constant of R1·C1, used
#: where the source gives no RC data. Taken from the one measured EV-cell ECM we have, the CALB
#: L148N50B at 25 °C and 50 % SOC (Zheng et al. 2024): R1/(R0+R1) = 0.569, τ1 = 56.1 s.
#: R0 + R1 = R_int keeps the source's steady-state voltage drop.
R1_SHARE = 0.57
TAU1_S = 56.0

#: Arrhenius activation energy written into cells without temperature tables [J/mol] (tyaga's default).
DEFAULT_EA = DEFAULT_ACTIVATION_ENERGY_J_PER_MOL

#: Optional datasheet fields of a cell file, in the order they are written.
SHEET_KEYS = (
    "max_discharge_peak_c", "max_charge_peak_c", "temperature_min_discharge_c", "temperature_max_discharge_c",
    "temperature_min_charge_c", "temperature_max_charge_c", "diameter_mm", "length_mm", "thickness_mm",
    "height_mm", "specific_heat_j_per_kg_k", "cost_per_kwh_usd", "cost_source",
)

#: BloombergNEF, Lithium-Ion Battery Price Survey 2024 (press release, December 2024): volume-weighted
#: average lithium-ion pack price across sectors [USD/kWh]. Cells are taken as 75 % of the pack price.
BNEF_PACK_2024_USD_PER_KWH = 115.0
CELL_SHARE_OF_PACK = 0.75
_CELL_AVG = round(BNEF_PACK_2024_USD_PER_KWH * CELL_SHARE_OF_PACK)
_BNEF = ("BloombergNEF Lithium-Ion Battery Price Survey 2024 (press release, Dec 2024): average pack price "
         f"{BNEF_PACK_2024_USD_PER_KWH:.0f} USD/kWh; cells taken as {CELL_SHARE_OF_PACK:.0%} of it")
#: Cell price per kWh by chemistry [USD/kWh], and where it comes from: labelled assumptions, not quotes.
COST_USD_PER_KWH = {"NMC": _CELL_AVG, "NCA": _CELL_AVG, "LFP": round(0.8 * _CELL_AVG), "LTO": 3 * _CELL_AVG}
COST_SOURCE = {
    "NMC": f"ASSUMPTION from {_BNEF} ({_CELL_AVG} USD/kWh); not a quote for this cell",
    "NCA": f"ASSUMPTION from {_BNEF} ({_CELL_AVG} USD/kWh); not a quote for this cell",
    "LFP": f"ASSUMPTION from {_BNEF} ({_CELL_AVG} USD/kWh), LFP taken 20 % below the average; not a quote",
    "LTO": f"ASSUMPTION: no survey figure for LTO; 3x the cell average from {_BNEF}; not a quote",
}

#: Typical datasheet temperature windows by chemistry [°C]: discharge min, max, charge min, max.
TEMPERATURE_WINDOWS_C = {"NMC": (-20.0, 60.0, 0.0, 45.0), "NCA": (-20.0, 60.0, 0.0, 45.0),
                         "LFP": (-30.0, 55.0, 0.0, 45.0), "LTO": (-30.0, 55.0, -30.0, 55.0)}


def sheet(chemistry: str, peak_discharge_c: float, peak_charge_c: float, specific_heat: float,
          dims: dict[str, float], windows: tuple[float, float, float, float] | None = None) -> dict:
    """The datasheet fields of a cell: peak rates, temperature window, dimensions [mm], specific heat, cost."""
    t = windows or TEMPERATURE_WINDOWS_C[chemistry]
    return {"max_discharge_peak_c": peak_discharge_c, "max_charge_peak_c": peak_charge_c,
            "temperature_min_discharge_c": t[0], "temperature_max_discharge_c": t[1],
            "temperature_min_charge_c": t[2], "temperature_max_charge_c": t[3], **dims,
            "specific_heat_j_per_kg_k": specific_heat, "cost_per_kwh_usd": float(COST_USD_PER_KWH[chemistry]),
            "cost_source": COST_SOURCE[chemistry]}


#: Text for cells whose specific heat is tyaga's default.
CP_ASSUMED = ("specific heat 1000 J/(kg K): tyaga's default, the middle of the 800-1200 J/(kg K) measured "
              "for Li-ion cells (no value in the source)")

#: Text for cells whose Arrhenius activation energy is tyaga's default.
EA_ASSUMED = (f"Temperature: the resistances follow tyaga's default Arrhenius law, activation energy "
              f"{DEFAULT_EA / 1000:.0f} kJ/mol (docs/cells.md), an ASSUMPTION for this cell")


#: Most points kept in an OCV table, and the largest interpolation error allowed when thinning it.
MAX_OCV_POINTS = 100
OCV_TOL_V = 0.5e-3


# --------------------------------------------------------------------------------------------- sources


def fetch(spec: str, cache: Path, sdist: bool) -> Path:
    """Download ``spec`` with pip into ``cache`` (once) and unpack it; return the unpacked folder."""
    cache.mkdir(parents=True, exist_ok=True)
    name, version = spec.split("==")
    target = cache / f"{name}-{version}"
    if target.is_dir():
        return target
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(cache), spec]
    if sdist:
        cmd += ["--no-binary", ":all:"]
    else:  # pytracksim needs Python ≥ 3.12 to install; we only read its files
        cmd += ["--only-binary", ":all:", "--python-version", "3.12"]
    subprocess.run(cmd, check=True)
    if sdist:
        with tarfile.open(next(cache.glob(f"{name}-{version}.tar.gz"))) as tar:
            tar.extractall(cache, filter="data")
    else:
        with zipfile.ZipFile(next(cache.glob(f"{name}-{version}-*.whl"))) as whl:
            whl.extractall(target)
    return target


# --------------------------------------------------------------------------------------------- helpers


def thin_ocv(soc: np.ndarray, v: np.ndarray, max_points: int = MAX_OCV_POINTS, tol_v: float = OCV_TOL_V):
    """Pick at most ``max_points`` of the (soc, v) points so linear interpolation stays within ``tol_v``.

    Greedy insertion: start from both ends, repeatedly add the source point with the largest
    interpolation error. Returns the kept SOC and OCV arrays (SOC strictly increasing).
    """
    order = np.argsort(soc)
    soc, v = np.asarray(soc, float)[order], np.asarray(v, float)[order]
    keep = {0, soc.size - 1}
    while len(keep) < max_points:
        idx = np.array(sorted(keep))
        err = np.abs(np.interp(soc, soc[idx], v[idx]) - v)
        worst = int(np.argmax(err))
        if err[worst] <= tol_v:
            break
        keep.add(worst)
    idx = np.array(sorted(keep))
    return soc[idx], v[idx]


def max_interp_error(soc_src: np.ndarray, v_src: np.ndarray, soc: np.ndarray, v: np.ndarray) -> float:
    """Largest |table − source| over the source points [V]."""
    return float(np.max(np.abs(np.interp(soc_src, soc, v) - v_src)))


def split_rint(r_int_ohm: float) -> tuple[float, float, float]:
    """R0, R1 [Ω] and C1 [F] from a DC internal resistance, by the labelled assumption above."""
    r1 = R1_SHARE * r_int_ohm
    return r_int_ohm - r1, r1, TAU1_S / r1


def make_monotone(v: np.ndarray) -> tuple[np.ndarray, int]:
    """Running maximum of ``v`` (OCV must not decrease with SOC); also the number of points changed."""
    m = np.maximum.accumulate(v)
    return m, int(np.sum(m != v))


def _short(x: float, decimals: int) -> str:
    """``x`` with at most ``decimals`` decimals, trailing zeros dropped, always a TOML float."""
    text = f"{x:.{decimals}f}".rstrip("0")
    return text + "0" if text.endswith(".") else text


@dataclasses.dataclass
class Cell:
    """Everything that goes into one cell TOML file."""

    key: str
    chemistry: str
    format: str
    source: str
    derived: bool
    notes: str
    capacity_ah: float
    nominal_voltage_v: float
    voltage_min_v: float
    voltage_max_v: float
    mass_kg: float
    max_discharge_c: float
    max_charge_c: float
    r0_ohm: float
    r1_ohm: float
    c1_f: float
    r2_ohm: float
    c2_f: float
    soc: np.ndarray
    ocv_v: np.ndarray
    header: str = ""
    sheet: dict[str, float | str] = dataclasses.field(default_factory=dict)
    ecm: dict[str, list] | None = None
    entropic_v_per_k: np.ndarray | None = None
    activation_energy_j_per_mol: float = DEFAULT_EA

    def toml(self) -> str:
        """The cell as TOML text (format_version 1)."""

        def num(x: float, sig: int = 6) -> str:
            return repr(float(f"{x:.{sig}g}"))

        paragraphs = [" ".join(p.split()) for p in self.notes.strip().split("\n\n")]
        wrap = textwrap.TextWrapper(100, break_on_hyphens=False, break_long_words=False)
        notes = "\n".join(wrap.fill(p) for p in paragraphs if p)
        notes = notes.replace("\\", "\\\\").replace('"""', '\\"""')
        lines = [
            f"# {self.header}" if self.header else "# tyaga cell file",
            "# Generated by tools/derive_cells.py from the sources named below: edit the script, then rerun.",
            "format_version = 1",
            f'name = "{self.key}"',
            f'chemistry = "{self.chemistry}"',
            f'format = "{self.format}"',
            f'source = "{self.source}"',
            f"derived = {'true' if self.derived else 'false'}",
            f'notes = """\n{notes}\n"""',
            f"capacity_ah = {num(self.capacity_ah)}",
            f"nominal_voltage_v = {num(self.nominal_voltage_v)}",
            f"voltage_min_v = {num(self.voltage_min_v)}",
            f"voltage_max_v = {num(self.voltage_max_v)}",
            f"mass_kg = {num(self.mass_kg)}",
            f"max_discharge_c = {num(self.max_discharge_c)}",
            f"max_charge_c = {num(self.max_charge_c)}",
            f"r0_ohm = {num(self.r0_ohm, 4)}",
            f"r1_ohm = {num(self.r1_ohm, 4)}",
            f"c1_f = {num(self.c1_f, 4)}",
            f"r2_ohm = {num(self.r2_ohm, 4)}",
            f"c2_f = {num(self.c2_f, 4)}",
            f"activation_energy_j_per_mol = {num(self.activation_energy_j_per_mol, 4)}",
        ]
        for key in SHEET_KEYS:
            if key in self.sheet:
                v = self.sheet[key]
                lines.append(f'{key} = "{v}"' if isinstance(v, str) else f"{key} = {num(v)}")
        lines += [
            "",
            "[ocv]",
            "soc = [" + ", ".join(_short(x, 5) for x in self.soc) + "]",
            "voltage_v = [" + ", ".join(f"{x:.4f}" for x in self.ocv_v) + "]",
        ]
        if self.entropic_v_per_k is not None:
            lines.append("entropic_v_per_k = [" + ", ".join(f"{x:.4g}" for x in self.entropic_v_per_k) + "]")
        if self.ecm is not None:
            lines += ["", "[ecm]"]
            lines.append("soc = [" + ", ".join(_short(x, 5) for x in self.ecm["soc"]) + "]")
            lines.append("temperature_c = [" + ", ".join(_short(x, 2) for x in self.ecm["temperature_c"]) + "]")
            for key in ("r0_ohm", "r1_ohm", "c1_f", "r2_ohm", "c2_f"):
                if key in self.ecm:
                    rows = ",\n".join("  [" + ", ".join(num(x, 4) for x in row) + "]" for row in self.ecm[key])
                    lines.append(f"{key} = [\n{rows},\n]")
        lines.append("")
        return "\n".join(lines)


def table(soc: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray, str]:
    """Thin and round an OCV curve; return SOC, OCV and a sentence on how it was done."""
    order = np.argsort(soc)
    soc = np.asarray(soc, float)[order]
    raw = np.asarray(v, float)[order]
    v, fixed = make_monotone(raw)
    lift_mv = float(np.max(v - raw)) * 1e3
    s, u = thin_ocv(soc, v)
    s, u = np.round(s, 5), np.round(u, 4)
    err = max_interp_error(soc, v, s, u)
    text = (
        f"OCV thinned from {len(soc)} to {len(s)} points by greedy insertion (largest linear-interpolation "
        f"error {err * 1e3:.2f} mV)"
    )
    if fixed:
        text += (
            f"; {fixed} source points that dipped below an earlier value (noise) were raised to the running "
            f"maximum, by at most {lift_mv:.2f} mV"
        )
    return s, u, text + "."


# --------------------------------------------------------------------------------------------- cells


def lfp_sony(simses: Path) -> Cell:
    """Sony US26650FTC1, LFP/graphite 26650, 3.0 Ah (simses)."""
    d = simses / "simses" / "data" / "lithium_ion" / "cell"
    ocv = pd.read_csv(d / "CLFP_Sony_US26650_OCV.csv").iloc[:, :2].dropna().drop_duplicates("SOC")
    rint = pd.read_csv(d / "CLFP_Sony_US26650_Rint.csv")
    r_int = float(rint.loc[np.isclose(rint["SOC"], 0.5), "R_DCh(298.15)"].iloc[0])
    r0, r1, c1 = split_rint(r_int)
    s, u, how = table(ocv["SOC"].to_numpy(), ocv["OCV"].to_numpy())
    return Cell(
        key="lfp-sony-us26650",
        chemistry="LFP",
        format="cylindrical",
        header="Sony (now Murata) US26650FTC1: LFP/graphite, 26650 cylindrical, 3.0 Ah",
        source=(
            f"{SIMSES}:simses/data/lithium_ion/cell/CLFP_Sony_US26650_OCV.csv, CLFP_Sony_US26650_Rint.csv, "
            "simses/technology/lithium_ion/cell/lfp_sony.py; Sony US26650FTC1 product specification; "
            "M. Naumann, PhD thesis, TU Munich 2018. Licence: BSD-3-Clause (TUM EES), see NOTICE.md"
        ),
        derived=False,
        notes=f"""
Measured: OCV (simses CSV, {len(ocv)} points, 2.0 V at SOC 0 and 3.6 V at SOC 1, so the table ends are
the cut-offs). {how}

Ratings from simses lfp_sony.py (from the Sony specification): 3.0 Ah, 3.2 V nominal, 2.0-3.6 V,
70 g, 6.6C max discharge, 1C max charge.

R_int = {r_int * 1e3:.2f} mOhm: simses discharge internal resistance at 25 degC, 50 % SOC (charge:
44.8 mOhm; it rises to 61.7 mOhm at 0-10 % SOC).

ASSUMPTION (no RC data in the source): R_int is split into R0 = {1 - R1_SHARE:.2f} R_int and
R1 = {R1_SHARE:.2f} R_int with tau1 = R1 C1 = {TAU1_S:.0f} s, the split measured on the CALB L148N50B
(Zheng 2024), so the steady-state drop R0 + R1 equals simses' R_int.
""",
        capacity_ah=3.0,
        nominal_voltage_v=3.2,
        voltage_min_v=2.0,
        voltage_max_v=3.6,
        mass_kg=0.070,
        max_discharge_c=6.6,
        max_charge_c=1.0,
        r0_ohm=r0,
        r1_ohm=r1,
        c1_f=c1,
        r2_ohm=0.0,
        c2_f=1.0,
        soc=s,
        ocv_v=u,
    )


def calb_zheng(tracksim: Path) -> tuple[Cell, dict[str, float]]:
    """CALB L148N50B, NMC/graphite prismatic, 50 Ah: measured 1-RC ECM (Zheng 2024, pytracksim)."""
    ocv = pd.read_csv(tracksim / "tracksim" / "battery_data" / "Zheng2024_OCV.csv")
    soc_c, temp = 0.5, 25.0

    def r0_f(z: float, t: float) -> float:  # pytracksim cell_models.load_Zheng2024, 'R0 [Ohm]'
        return (
            0.003232
            - 0.003615 * z
            - 7.782e-05 * t
            + 0.004242 * z**2
            + 6.309e-05 * z * t
            + 6.866e-07 * t**2
            - 0.001827 * z**3
            - 2.442e-05 * z**2 * t
            - 3.971e-07 * z * t**2
        )

    def r1_f(z: float, t: float) -> float:  # 'R1 [Ohm]'
        return (
            0.003629
            - 0.01388 * z
            - 2.321e-05 * t
            + 0.03267 * z**2
            - 1.802e-05 * z * t
            + 3.847e-07 * t**2
            - 0.0214 * z**3
            + 2.067e-05 * z**2 * t
            - 2.994e-07 * z * t**2
        )

    def c1_f(z: float, t: float) -> float:  # 'C1 [F]'
        return (
            -4.159e04
            + 2.625e05 * z
            + 2767 * t
            - 4.673e05 * z**2
            - 3183 * z * t
            - 25.71 * t**2
            + 2.727e05 * z**3
            + 807.7 * z**2 * t
            + 27.83 * z * t**2
        )

    r0, r1, c1 = r0_f(soc_c, temp), r1_f(soc_c, temp), c1_f(soc_c, temp)
    grid = np.linspace(0.1, 0.9, 81)
    spread = {
        "r0_min": min(r0_f(z, temp) for z in grid),
        "r0_max": max(r0_f(z, temp) for z in grid),
        "r1_min": min(r1_f(z, temp) for z in grid),
        "r1_max": max(r1_f(z, temp) for z in grid),
        "tau_min": min(r1_f(z, temp) * c1_f(z, temp) for z in grid),
        "tau_max": max(r1_f(z, temp) * c1_f(z, temp) for z in grid),
        "share": r1 / (r0 + r1),
        "tau": r1 * c1,
    }
    s, u, how = table(ocv["SOC"].to_numpy(), ocv["OCV [V]"].to_numpy())
    cell = Cell(
        key="nmc-calb-l148n50b",
        chemistry="NMC",
        format="prismatic",
        header="CALB L148N50B: NMC/graphite, prismatic EV cell, 50 Ah",
        source=(
            f"{PYTRACKSIM}:tracksim/battery_data/Zheng2024_OCV.csv, "
            "tracksim/cell_models.py (load_Zheng2024); "
            "Y. Zheng, Y. Che, X. Hu, X. Sui, R. Teodorescu, IEEE/ASME Trans. Mechatronics 29(6) (2024) "
            "4156-4167, doi:10.1109/TMECH.2024.3367291. Licence: MIT (N. Weinreich), see NOTICE.md"
        ),
        derived=False,
        notes=f"""
Measured 1-RC ECM (Zheng et al. 2024). R0, R1, C1 are the source's polynomials in (SOC, T) evaluated at
SOC 0.5 and 25 degC; over 10-90 % SOC at 25 degC they span R0
{spread["r0_min"] * 1e3:.2f}-{spread["r0_max"] * 1e3:.2f} mOhm,
R1 {spread["r1_min"] * 1e3:.2f}-{spread["r1_max"] * 1e3:.2f} mOhm, tau1
{spread["tau_min"]:.0f}-{spread["tau_max"]:.0f} s. The fit is valid for
10-90 % SOC and 25-50 degC.

OCV: source table of 1001 points, 2.753 V at SOC 0 and 4.298 V at SOC 1 (the cut-offs are 2.75 / 4.3 V).
{how}

Ratings from pytracksim (CALB data): 50 Ah, 3.66 V nominal, 2.75-4.3 V, 0.865 kg.

ASSUMPTION: max_discharge_c = 2 and max_charge_c = 1 are typical EV-prismatic limits, not datasheet values.
""",
        capacity_ah=50.0,
        nominal_voltage_v=3.66,
        voltage_min_v=2.75,
        voltage_max_v=4.3,
        mass_kg=0.865,
        max_discharge_c=2.0,
        max_charge_c=1.0,
        r0_ohm=r0,
        r1_ohm=r1,
        c1_f=c1,
        r2_ohm=0.0,
        c2_f=1.0,
        soc=s,
        ocv_v=u,
    )
    enrich_calb(cell, r0_f, r1_f, c1_f)
    return cell, spread


def samsung_94ah(simses: Path) -> Cell:
    """Samsung SDI 94 Ah prismatic NMC/graphite (simses lab test of cell 00)."""
    d = simses / "simses" / "data" / "lithium_ion" / "cell"
    ocv = pd.read_csv(d / "NMC_Samsung_LabTest_cell_00_OCV.csv")
    soc = ocv["SOC (T=298.15K)"].to_numpy() / 100.0
    v = ocv["OCV (T=298.15K)"].to_numpy()
    ri = pd.read_csv(d / "NMC_Samsung_LabTest_cell_00_Ri.csv")
    # columns 27: are discharge, blocks of 6 C-rates (0.25 … 1.5 C) per temperature (5, 15, 25, 35 °C)
    dch = ri.iloc[:, 27:].to_numpy()
    col = 2 * 6 + 3  # 25 °C block, 1 C
    r_int = float(np.interp(0.5, ri["SOC"], dch[:, col])) / 1000.0
    r_ch = float(np.interp(0.5, ri["SOC"], ri.iloc[:, 3:27].to_numpy()[:, col])) / 1000.0
    r0, r1, c1 = split_rint(r_int)
    s, u, how = table(soc, v)
    return Cell(
        key="nmc-samsung-94ah",
        chemistry="NMC",
        format="prismatic",
        header="Samsung SDI 94 Ah prismatic: NMC/graphite, BEV module cell",
        source=(
            f"{SIMSES}:simses/data/lithium_ion/cell/NMC_Samsung_LabTest_cell_00_OCV.csv, "
            "NMC_Samsung_LabTest_cell_00_Ri.csv, "
            "simses/technology/lithium_ion/cell/nmc_samsung94Ah_hybrid.py; "
            "TUM EES laboratory tests (no paper cited by the source). "
            "Licence: BSD-3-Clause (TUM EES), see NOTICE.md"
        ),
        derived=False,
        notes=f"""

Measured (TUM lab test, cell 00, 25 degC): OCV table of {len(soc)} points. {how}

SOC mapping: the table's SOC 0 and 1 are the source's 0 % and 100 %; the relaxed OCV there is
{v[0]:.3f} V and {v[-1]:.3f} V, inside the 2.7-4.15 V cut-offs (a relaxed OCV after a discharge to the
cut-off lies above it), so the cut-offs are reached under load, not at rest.

R_int = {r_int * 1e3:.3f} mOhm: lab discharge resistance at 25 degC, 1C, 50 % SOC (charge:
{r_ch * 1e3:.3f} mOhm).

ASSUMPTION (no RC data in the source): R0 = {1 - R1_SHARE:.2f} R_int, R1 = {R1_SHARE:.2f} R_int,
tau1 = {TAU1_S:.0f} s
(split measured on the CALB L148N50B, Zheng 2024).

Ratings from simses (nmc_samsung94Ah*.py): 94 Ah, 3.68 V nominal, 2.7-4.15 V, 2.1 kg, 2C charge and discharge.
""",
        capacity_ah=94.0,
        nominal_voltage_v=3.68,
        voltage_min_v=2.7,
        voltage_max_v=4.15,
        mass_kg=2.1,
        max_discharge_c=2.0,
        max_charge_c=2.0,
        r0_ohm=r0,
        r1_ohm=r1,
        c1_f=c1,
        r2_ohm=0.0,
        c2_f=1.0,
        soc=s,
        ocv_v=u,
    )


def nca_panasonic(simses: Path) -> Cell:
    """Panasonic NCR18650-series NCA/graphite, 2.73 Ah (simses; Keil et al. 2016)."""
    d = simses / "simses" / "data" / "lithium_ion" / "cell"
    ocv = pd.read_csv(d / "NCA_PanasonicNCR_OCV.csv")
    rint = pd.read_csv(d / "NCA_PanasonicNCR_Rint.csv")
    r_int = float(rint.loc[np.isclose(rint["SOC"], 0.5), "R_DCh(298.15)"].iloc[0])
    r_ch = float(rint.loc[np.isclose(rint["SOC"], 0.5), "R_Ch(T=298.15)"].iloc[0])
    r0, r1, c1 = split_rint(r_int)
    s, u, how = table(ocv["SOC"].to_numpy(), ocv["OCV"].to_numpy())
    return Cell(
        key="nca-panasonic-ncr18650",
        chemistry="NCA",
        format="cylindrical",
        header="Panasonic NCR18650 series: NCA/graphite, 18650 cylindrical, 2.73 Ah",
        source=(
            f"{SIMSES}:simses/data/lithium_ion/cell/NCA_PanasonicNCR_OCV.csv, NCA_PanasonicNCR_Rint.csv, "
            "simses/technology/lithium_ion/cell/nca_panasonic_ncr.py; P. Keil et al., J. Electrochem. Soc. "
            "163(9) (2016) A1872-A1880, doi:10.1149/2.0411609jes. "
            "Licence: BSD-3-Clause (TUM EES), see NOTICE.md"
        ),
        derived=False,
        notes=f"""

Measured OCV (simses, 201 points). {how}

SOC mapping: the table's SOC 0 and 1 are the source's; OCV is {ocv["OCV"].iloc[0]:.3f} V at SOC 0
(above the 2.5 V
cut-off, which is reached under load) and 4.200 V at SOC 1. The source does not name the exact
NCR18650 variant.

R_int = {r_int * 1e3:.2f} mOhm: simses discharge resistance at 50 % SOC (the source gives the same value at
10, 25 and 40 degC; charge: {r_ch * 1e3:.2f} mOhm).

ASSUMPTION (no RC data in the source): R0 = {1 - R1_SHARE:.2f} R_int, R1 = {R1_SHARE:.2f} R_int,
tau1 = {TAU1_S:.0f} s
(split measured on the CALB L148N50B, Zheng 2024).

Ratings from simses nca_panasonic_ncr.py: 2.73 Ah, 3.6 V nominal, 2.5-4.2 V, 44 g, 3.5C discharge,
0.5C charge.
""",
        capacity_ah=2.73,
        nominal_voltage_v=3.6,
        voltage_min_v=2.5,
        voltage_max_v=4.2,
        mass_kg=0.044,
        max_discharge_c=3.5,
        max_charge_c=0.5,
        r0_ohm=r0,
        r1_ohm=r1,
        c1_f=c1,
        r2_ohm=0.0,
        c2_f=1.0,
        soc=s,
        ocv_v=u,
    )


def _mohtat_nmc_ocp(y: np.ndarray) -> np.ndarray:
    """NMC532 OCP vs Li/Li+ [V] at lithiation ``y`` (pybamm Mohtat2020.py, NMC_ocp_PeymanMPM)."""
    return (
        4.3452
        - 1.6518 * y
        + 1.6225 * y**2
        - 2.0843 * y**3
        + 3.5146 * y**4
        - 2.2166 * y**5
        - 0.5623e-4 * np.exp(109.451 * y - 100.006)
    )


#: Assumed LTO (Li4+3x Ti5 O12) OCP: the two-phase plateau at 1.55 V vs Li/Li+, a slight slope,
#: and the steep rise as the electrode empties (x → 0). Only the plateau value is a literature fact.
LTO_PLATEAU_V = 1.55


def _lto_ocp(x: np.ndarray) -> np.ndarray:
    """Assumed LTO OCP vs Li/Li+ [V] at lithiation ``x`` (0 … 1)."""
    return LTO_PLATEAU_V - 0.03 * (x - 0.5) + 0.6 * np.exp(-x / 0.02)


def lto_nmc(simses: Path) -> tuple[Cell, dict[str, float]]:
    """LTO/NMC 10 Ah prismatic (Nemeth et al. 2020 via simses); OCV built from electrode OCPs."""
    from scipy.optimize import brentq

    v_min, v_max = 1.5, 2.7
    # anode-limited: LTO lithiation runs x0 → 0.97 while NMC runs y0 → y100; choose x0 and y100 so the
    # full-cell OCV meets the cut-offs, with NMC fully lithiated (y0 = 0.97) at SOC 0.
    y0, x100 = 0.97, 0.97
    x0 = brentq(lambda x: _mohtat_nmc_ocp(np.array(y0)) - _lto_ocp(np.array(x)) - v_min, 1e-4, 0.5)
    y100 = brentq(lambda y: _mohtat_nmc_ocp(np.array(y)) - _lto_ocp(np.array(x100)) - v_max, 0.05, 0.9)
    soc = np.linspace(0.0, 1.0, 2001)
    v = _mohtat_nmc_ocp(y0 + soc * (y100 - y0)) - _lto_ocp(x0 + soc * (x100 - x0))
    s, u, how = table(soc, v)
    mean_v = float(np.trapezoid(v, soc))
    simses_fit_bad = _simses_lto_nmc_fit(np.linspace(0, 1, 101))
    info = {
        "x0": x0,
        "y100": y100,
        "mean_v": mean_v,
        "simses_max": float(simses_fit_bad.max()),
        "simses_argmax": float(np.argmax(simses_fit_bad) / 100),
        "simses_v0": float(simses_fit_bad[0]),
    }
    r_int = 0.636847061e-3
    r0, r1, c1 = split_rint(r_int)
    cell = Cell(
        key="lto-nmc-10ah",
        chemistry="LTO",
        format="prismatic",
        header="LTO/NMC 10 Ah prismatic high-power cell (Nemeth et al. 2020, as in simses lto_nmc.py)",
        source=(
            f"{SIMSES}:simses/technology/lithium_ion/cell/lto_nmc.py; T. Nemeth, P. Schroeer, M. Kuipers, "
            "D. U. Sauer, J. Energy Storage 31 (2020) 101656, doi:10.1016/j.est.2020.101656; NMC OCP from "
            "pybamm:pybamm/input/parameters/lithium_ion/Mohtat2020.py (NMC_ocp_PeymanMPM). "
            "Licence: BSD-3-Clause (simses TUM EES; PyBaMM), see NOTICE.md"
        ),
        derived=True,
        notes=f"""
DERIVED OCV. The simses OCV fit for this cell is not usable: it is flat at {info["simses_v0"]:.3f} V up to
SOC 0.6, peaks at {info["simses_max"]:.3f} V (above the 2.7 V cut-off) at SOC
{info["simses_argmax"]:.2f} and then falls.

The OCV here is built as U_NMC(y) - U_LTO(x): U_NMC is PyBaMM's Mohtat2020 NMC532 OCP; U_LTO is an
ASSUMED curve, the 1.55 V two-phase plateau with a 30 mV slope and an exponential rise as the LTO
empties (1.55 - 0.03 (x - 0.5) + 0.6 exp(-x / 0.02)). Anode-limited windows: x = {x0:.4f} -> 0.97,
y = 0.97 -> {y100:.4f}, chosen so the OCV is exactly 1.5 V at SOC 0 and 2.7 V at SOC 1. {how}

Mean OCV {mean_v:.3f} V. Treat the curve shape as representative of LTO/NMC, not as this cell's measurement.

Ratings from simses lto_nmc.py (Nemeth 2020): 10 Ah, 1.5-2.7 V, 0.297 kg, 10C charge and discharge;
nominal voltage set to 2.3 V (mean OCV; simses states 2.2 V).

R_int = 0.637 mOhm from simses, whose code notes the value was taken from its Samsung 78 Ah NMC cell:
an ASSUMPTION, not an LTO measurement. ASSUMPTION (no RC data): R0 = {1 - R1_SHARE:.2f} R_int,
R1 = {R1_SHARE:.2f} R_int, tau1 = {TAU1_S:.0f} s (split measured on the CALB L148N50B, Zheng 2024).
""",
        capacity_ah=10.0,
        nominal_voltage_v=2.3,
        voltage_min_v=v_min,
        voltage_max_v=v_max,
        mass_kg=0.297,
        max_discharge_c=10.0,
        max_charge_c=10.0,
        r0_ohm=r0,
        r1_ohm=r1,
        c1_f=c1,
        r2_ohm=0.0,
        c2_f=1.0,
        soc=s,
        ocv_v=u,
    )
    return cell, info


def _simses_lto_nmc_fit(soc: np.ndarray) -> np.ndarray:
    """simses 1.3.12 lto_nmc.py get_open_circuit_voltage (for the record of why it is not used) [V]."""
    a1, a2, a3, a4, b1, b2 = 16.0693, 0.0271, -22.8065, -0.0526, 0.9606, 9.9907
    k0, k1, k2, k3, k4, k5 = 3.1393, -4.9922, 4.9988, -4.7912, 1.5446, 0.0224
    return (
        k0
        + k1 / (1 + np.exp(a1 * (soc - b1)))
        + k2 / (1 + np.exp(a2 * (soc - b2)))
        + k3 / (1 + np.exp(a3 * (soc - 1)))
        + k4 / (1 + np.exp(a4 * soc))
        + k5 * soc
    )


def lg_m50_dfn() -> tuple[Cell, dict[str, float]]:
    """LG M50 (INR21700-M50), NMC811/graphite-SiOx 21700: OCV from PyBaMM Chen2020, 2-RC fitted to its DFN."""
    import pybamm
    from scipy.optimize import least_squares

    from tyaga.cell import CellSpec, simulate_current

    pv = pybamm.ParameterValues("Chen2020")
    x0, x100, y100, y0 = (float(v) for v in pybamm.lithium_ion.get_min_max_stoichiometries(pv))
    param = pybamm.LithiumIonParameters()
    q_n = float(pv.evaluate(param.n.Q_init))
    capacity = q_n * (x100 - x0)
    soc = np.linspace(0.0, 1.0, 2001)
    up = pv["Positive electrode OCP [V]"]
    un = pv["Negative electrode OCP [V]"]
    ocv_full = (
        up(pybamm.Vector(y0 + soc * (y100 - y0))).evaluate().ravel()
        - un(pybamm.Vector(x0 + soc * (x100 - x0))).evaluate().ravel()
    )
    s, u, how = table(soc, ocv_full)

    # DFN pulse profile (isothermal, 25 °C), piecewise constant on a 1 s grid; current + on discharge
    c = capacity
    steps = [
        (60, 0.0),
        (30, 1.0),
        (120, 0.0),
        (30, -0.5),
        (120, 0.0),
        (600, 1.0),
        (1200, 0.0),
        (10, 2.0),
        (60, 0.0),
        (300, 0.5),
        (600, 0.0),
    ]
    soc0 = 0.7
    exp_steps = []
    for dur, cr in steps:
        if cr > 0:
            exp_steps.append(f"Discharge at {cr * c:.6f} A for {dur} seconds")
        elif cr < 0:
            exp_steps.append(f"Charge at {-cr * c:.6f} A for {dur} seconds")
        else:
            exp_steps.append(f"Rest for {dur} seconds")
    experiment = pybamm.Experiment(exp_steps, period="1 second")
    sim = pybamm.Simulation(
        pybamm.lithium_ion.DFN(),
        parameter_values=pv,
        experiment=experiment,
        solver=pybamm.IDAKLUSolver(rtol=1e-8, atol=1e-8),
    )
    sol = sim.solve(initial_soc=soc0)
    t_all, v_all = sol["Time [s]"].entries, sol["Voltage [V]"].entries
    # at each step boundary the solution holds the time twice (the new step's start a few ulp later);
    # keep the later (new step) value, so the voltage at a step's start time has the step's current
    keep = np.append(np.diff(t_all) > 1e-6, True)
    t_dfn, v_dfn = t_all[keep], v_all[keep]
    t = np.arange(0.0, sum(d for d, _ in steps) + 1.0)
    i = np.concatenate([np.full(d, cr * c) for d, cr in steps] + [[0.0]])
    v_ref = np.interp(t, t_dfn, v_dfn)

    base = dict(
        name="fit",
        chemistry="NMC",
        format="cylindrical",
        source="fit",
        capacity_ah=capacity,
        nominal_voltage_v=3.63,
        voltage_min_v=2.5,
        voltage_max_v=4.2,
        mass_kg=0.069,
        max_discharge_c=1.5,
        max_charge_c=0.7,
        ocv={"soc": s.tolist(), "voltage_v": u.tolist()},
    )

    def model(p: np.ndarray) -> np.ndarray:
        r0, r1, tau1, r2, tau2 = np.exp(p)
        cell = CellSpec(**base, r0_ohm=r0, r1_ohm=r1, c1_f=tau1 / r1, r2_ohm=r2, c2_f=tau2 / r2)
        return simulate_current(cell, t, i, soc0)["voltage_v"]

    p0 = np.log([0.015, 0.008, 10.0, 0.01, 300.0])
    fit = least_squares(lambda p: model(p) - v_ref, p0, x_scale=1.0)
    r0, r1, tau1, r2, tau2 = np.exp(fit.x)
    rms = float(np.sqrt(np.mean((model(fit.x) - v_ref) ** 2)))
    info = {
        "rms_mv": rms * 1e3,
        "capacity": capacity,
        "x0": x0,
        "x100": x100,
        "y0": y0,
        "y100": y100,
        "v0": float(ocv_full[0]),
        "v1": float(ocv_full[-1]),
    }
    cell = Cell(
        key="nmc-lg-m50",
        chemistry="NMC",
        format="cylindrical",
        header="LG INR21700-M50: NMC811/graphite-SiOx, 21700 cylindrical, 5 Ah (ECM fitted to PyBaMM DFN)",
        source=(
            f"pybamm=={pybamm.__version__}:pybamm/input/parameters/lithium_ion/Chen2020.py "
            "(nmc_LGM50_ocp_Chen2020, graphite_LGM50_ocp_Chen2020, DFN parameters); C.-H. Chen et al., "
            "J. Electrochem. Soc. 167 (2020) 080534, doi:10.1149/1945-7111/ab9050. "
            "Licence: BSD-3-Clause (PyBaMM), see NOTICE.md"
        ),
        derived=True,
        notes=f"""
DERIVED from PyBaMM's Chen2020 DFN parameter set of the LG M50 (a model, not a measurement of the ECM).
OCV = U_p(y) - U_n(x) over the stoichiometry windows PyBaMM computes for the 2.5-4.2 V cut-offs
(x {x0:.4f} -> {x100:.4f}, y {y0:.4f} -> {y100:.4f}), so the table ends are the cut-offs. {how}

capacity_ah = {capacity:.4f}: negative-electrode capacity times its stoichiometry window (PyBaMM
nominal 5.0 Ah).

R0, R1, C1, R2, C2: least-squares fit of tyaga's 2-RC Thevenin model to an isothermal (25 degC) DFN run
from SOC 0.7: rest, 1C 30 s, rest, 0.5C charge 30 s, rest, 1C 600 s, 20 min rest, 2C 10 s, rest,
0.5C 300 s, rest (1 s sampling); RMS voltage error of the fit {rms * 1e3:.2f} mV.
The profile spans SOC 0.70 -> 0.48; the parameters are constants, so the fit is best there.

ASSUMPTIONS (LG datasheet figures as commonly quoted, not checked here): 3.63 V nominal, 69 g,
1.5C max continuous discharge, 0.7C max charge.
""",
        capacity_ah=capacity,
        nominal_voltage_v=3.63,
        voltage_min_v=2.5,
        voltage_max_v=4.2,
        mass_kg=0.069,
        max_discharge_c=1.5,
        max_charge_c=0.7,
        r0_ohm=r0,
        r1_ohm=r1,
        c1_f=tau1 / r1,
        r2_ohm=r2,
        c2_f=tau2 / r2,
        soc=s,
        ocv_v=u,
    )
    return cell, info


# --------------------------------------------------------------------------------------------- tables, datasheets


def _split_table(r_int: np.ndarray) -> dict[str, list[list[float]]]:
    """R0, R1, C1 tables from an R_int table [temperature][soc] by the labelled split (R1_SHARE, TAU1_S)."""
    r1 = R1_SHARE * r_int
    return {"r0_ohm": (r_int - r1).tolist(), "r1_ohm": r1.tolist(), "c1_f": (TAU1_S / r1).tolist()}


def _add(cell: Cell, text: str) -> None:
    cell.notes = cell.notes.rstrip() + "\n\n" + text.strip() + "\n"


def enrich_sony(cell: Cell, simses: Path) -> None:
    """Sony US26650FTC1: R(SOC, T) table from simses, datasheet fields."""
    rint = pd.read_csv(simses / "simses" / "data" / "lithium_ion" / "cell" / "CLFP_Sony_US26650_Rint.csv")
    cols = ["R_DCh(T=283.15)", "R_DCh(298.15)", "R_DCh(313.15)"]
    soc = rint["SOC"].to_numpy()
    r = np.array([rint[c].to_numpy() for c in cols])
    cell.ecm = {"soc": soc.tolist(), "temperature_c": [10.0, 25.0, 40.0], **_split_table(r)}
    cell.sheet = sheet("LFP", 2 * cell.max_discharge_c, 2 * cell.max_charge_c, 1000.0,
                       {"diameter_mm": 26.0, "height_mm": 65.0})
    _add(cell, f"""
Temperature and SOC: [ecm] holds the simses discharge R_int over SOC 0-1 at 10, 25 and 40 degC
(R_int at 50 % SOC: {r[0][5] * 1e3:.1f}, {r[1][5] * 1e3:.1f}, {r[2][5] * 1e3:.1f} mOhm), split into R0, R1, C1
as above; simses' 60 degC column repeats the 40 degC one and is left out (the table holds its edge).

Datasheet fields: 26 x 65 mm from the 26650 format name; ASSUMPTIONS: peak (10 s) rates 2x the
continuous ones, temperature windows typical of LFP datasheets (discharge -30..55 degC, charge 0..45
degC), {CP_ASSUMED}.""")


def enrich_nca(cell: Cell, simses: Path) -> None:
    """Panasonic NCR18650: R(SOC) at one temperature (the source has no temperature dependence)."""
    rint = pd.read_csv(simses / "simses" / "data" / "lithium_ion" / "cell" / "NCA_PanasonicNCR_Rint.csv")
    pts = [0.0, 0.05, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0]
    r = np.interp(pts, rint["SOC"], rint["R_DCh(298.15)"])[None, :]
    cell.ecm = {"soc": pts, "temperature_c": [25.0], **_split_table(r)}
    cell.sheet = sheet("NCA", 2 * cell.max_discharge_c, 2 * cell.max_charge_c, 1000.0,
                       {"diameter_mm": 18.5, "height_mm": 65.3})
    _add(cell, f"""
SOC: [ecm] holds the simses discharge R_int over SOC at 25 degC ({r[0][0] * 1e3:.0f} mOhm at SOC 0,
{r[0][6] * 1e3:.1f} mOhm at 0.5), split into R0, R1, C1 as above. {EA_ASSUMED} (the source repeats the
same values at 10, 25 and 40 degC, i.e. it has no temperature data).

Datasheet fields: ASSUMPTIONS: 18.5 x 65.3 mm (the NCR18650B specification's maximum size; the variant is
not named), peak (10 s) rates 2x the continuous ones, temperature windows typical of NCA datasheets
(discharge -20..60 degC, charge 0..45 degC), {CP_ASSUMED}.""")


def enrich_samsung(cell: Cell, simses: Path) -> None:
    """Samsung 94 Ah: R(SOC, T) at 1C from the TUM lab table (5, 15, 25, 35 °C)."""
    ri = pd.read_csv(simses / "simses" / "data" / "lithium_ion" / "cell" / "NMC_Samsung_LabTest_cell_00_Ri.csv")
    dch = ri.iloc[:, 27:].to_numpy()
    soc = ri["SOC"].to_numpy()
    r = np.array([dch[:, 6 * k + 3] for k in range(4)]) / 1000.0  # 1C columns at 5, 15, 25, 35 °C
    cell.ecm = {"soc": soc.tolist(), "temperature_c": [5.0, 15.0, 25.0, 35.0], **_split_table(r)}
    cell.sheet = sheet("NMC", 2 * cell.max_discharge_c, 2 * cell.max_charge_c, 1000.0,
                       {"length_mm": 173.0, "thickness_mm": 45.0, "height_mm": 125.0})
    k50 = int(np.argmin(np.abs(soc - 0.5)))
    _add(cell, f"""
Temperature and SOC: [ecm] holds the lab discharge resistance at 1C over SOC 0-1 at 5, 15, 25 and 35
degC ({", ".join(f"{x * 1e3:.2f}" for x in r[:, k50])} mOhm at 50 % SOC), split into R0, R1, C1 as above.

Datasheet fields: ASSUMPTIONS: 173 x 45 x 125 mm (the PHEV2/BEV2 prismatic size commonly quoted for this
cell, terminals included), peak (10 s) rates 2x the continuous ones, temperature windows typical of NMC
datasheets (discharge -20..60 degC, charge 0..45 degC), {CP_ASSUMED}.""")


def enrich_calb(cell: Cell, r0_f, r1_f, c1_f) -> None:  # type: ignore[no-untyped-def]
    """CALB L148N50B: R0, R1, C1 tables from the published polynomials over their valid range."""
    soc = [round(0.1 * k, 1) for k in range(1, 10)]
    temps = [25.0, 30.0, 40.0, 50.0]
    cell.ecm = {"soc": soc, "temperature_c": temps,
                "r0_ohm": [[r0_f(z, t) for z in soc] for t in temps],
                "r1_ohm": [[r1_f(z, t) for z in soc] for t in temps],
                "c1_f": [[c1_f(z, t) for z in soc] for t in temps]}
    cell.sheet = sheet("NMC", 2 * cell.max_discharge_c, 2 * cell.max_charge_c, 1000.0,
                       {"length_mm": 148.0, "thickness_mm": 26.5, "height_mm": 91.0})
    _add(cell, f"""
Temperature and SOC: [ecm] holds the source's polynomials on SOC 0.1-0.9 x 25-50 degC, their valid
range (R0 at 50 % SOC: {r0_f(0.5, 25) * 1e3:.3f} mOhm at 25 degC, {r0_f(0.5, 50) * 1e3:.3f} mOhm at 50 degC);
below 25 degC and outside 10-90 % SOC the table holds its edge values (no data there).

Datasheet fields: ASSUMPTIONS: 148 x 26.5 x 91 mm (the VDA PHEV2 can its name suggests, not a
datasheet), peak (10 s) rates 2x the continuous ones, temperature windows typical of NMC datasheets
(discharge -20..60 degC, charge 0..45 degC), {CP_ASSUMED}.""")


def enrich_lto(cell: Cell) -> None:
    """LTO/NMC 10 Ah: datasheet fields only (its resistance is borrowed; no table)."""
    cell.sheet = sheet("LTO", 2 * cell.max_discharge_c, 2 * cell.max_charge_c, 1000.0,
                       {"length_mm": 116.0, "thickness_mm": 22.0, "height_mm": 106.0})
    _add(cell, f"""
{EA_ASSUMED}.

Datasheet fields: ASSUMPTIONS (the source gives none): 116 x 22 x 106 mm (the size of a 10 Ah-class
LTO prismatic such as Toshiba's SCiB, for illustration), peak (10 s) rates 2x the continuous ones,
temperature windows typical of LTO datasheets (-30..55 degC, charging allowed in the cold), {CP_ASSUMED}.""")


def enrich_m50(cell: Cell) -> None:
    """LG M50 (Chen2020): datasheet fields (Chen2020 has no temperature dependence: Arrhenius default)."""
    cell.sheet = sheet("NMC", 7.28 / 5.0 * 2, 1.0, 1000.0, {"diameter_mm": 21.1, "height_mm": 70.15})
    _add(cell, f"""
{EA_ASSUMED} (PyBaMM's Chen2020 set has no temperature dependence).

Datasheet fields: 21.1 x 70.15 mm (LG INR21700-M50 specification as commonly quoted); ASSUMPTIONS: peak
(10 s) discharge 2x the 7.28 A continuous rating, peak charge 1C, temperature windows -20..60 degC
discharge and 0..45 degC charge (typical of the LG specification), {CP_ASSUMED}.""")


# --------------------------------------------------------------------------------------------- DFN runs

#: Temperatures of the isothermal DFN runs the temperature tables are fitted to [°C].
DFN_TEMPERATURES_C = (-10.0, 0.0, 10.0, 25.0, 40.0)
#: SOC nodes of the fitted tables (the HPPC levels of the DFN runs).
DFN_SOC_NODES = (0.1, 0.3, 0.5, 0.7, 0.9)
#: Initial SOC of the DFN runs (at rest, in equilibrium).
DFN_SOC_START = 0.95


def hppc_steps() -> list[tuple[int, float]]:
    """The DFN test profile as (duration [s], C-rate, + discharge) steps, from SOC 0.95 at rest.

    For each level 0.9, 0.7, 0.5, 0.3, 0.1: 0.5C discharge to the level, 15 min rest, 20 s 1C discharge
    pulse, 60 s rest, 20 s 0.5C charge pulse, 120 s rest (11 780 s in all).
    """
    steps = [(60, 0.0)]
    prev = DFN_SOC_START
    for level in sorted(DFN_SOC_NODES, reverse=True):
        steps += [(round((prev - level) / 0.5 * 3600), 0.5), (900, 0.0), (20, 1.0), (60, 0.0),
                  (20, -0.5), (120, 0.0)]
        prev = level
    return steps


def pulse_onsets() -> dict[float, list[int]]:
    """Sample indices (1 s samples from t = 0) where the discharge and charge pulses of each SOC level start."""
    out: dict[float, list[int]] = {}
    t = 0
    levels = sorted(DFN_SOC_NODES, reverse=True)
    steps = hppc_steps()
    for k, (dur, _c_rate) in enumerate(steps):
        if dur == 20:  # the pulses (the only 20 s steps): discharge, then charge, per level
            level = levels[(k - 1) // 6]
            out.setdefault(level, []).append(t)
        t += dur
    return out


def pybamm_parameters(set_name: str, temperature_c: float):  # type: ignore[no-untyped-def]
    """PyBaMM parameter values of ``set_name`` for an isothermal run at ``temperature_c`` (Ecker2015: the
    full 48-layer Kokam cell, not PyBaMM's single layer)."""
    import pybamm

    pv = pybamm.ParameterValues(set_name)
    t_k = 273.15 + temperature_c
    pv.update({"Ambient temperature [K]": t_k, "Initial temperature [K]": t_k})
    if set_name == "ORegan2022":  # the M50T's charge voltage (PyBaMM's set allows 4.4 V)
        pv.update({"Upper voltage cut-off [V]": 4.2, "Open-circuit voltage at 100% SOC [V]": 4.2})
    if set_name == "Ecker2015":
        pv.update({"Number of electrodes connected in parallel to make a cell": ECKER_LAYERS,
                   "Nominal cell capacity [A.h]": 0.15625 * ECKER_LAYERS})
    return pv


#: Electrode layers of the Kokam SLPB 75106100: PyBaMM's Ecker2015 set models one layer of 0.15625 A·h;
#: the cell's 7.5 A·h are 48 of them in parallel.
ECKER_LAYERS = 48


def stoichiometry_capacity(set_name: str) -> tuple[float, tuple[float, float, float, float]]:
    """Capacity between the cut-offs [A·h] and the windows (x0, x100, y100, y0) PyBaMM computes."""
    import pybamm

    pv = pybamm_parameters(set_name, 25.0)
    x0, x100, y100, y0 = (float(v) for v in pybamm.lithium_ion.get_min_max_stoichiometries(pv))
    q_n = float(pv.evaluate(pybamm.LithiumIonParameters().n.Q_init))
    return q_n * (x100 - x0), (x0, x100, y100, y0)


def dfn_run(set_name: str, temperature_c: float, cache: Path) -> dict[str, np.ndarray]:
    """Isothermal DFN run of :func:`hppc_steps` (cached as .npz): time [s], current [A], voltage [V]."""
    import pybamm

    cache.mkdir(parents=True, exist_ok=True)
    path = cache / f"dfn2-{set_name}-{temperature_c:+.0f}C-pybamm{pybamm.__version__}.npz"
    if path.exists():
        return dict(np.load(path))
    capacity, _ = stoichiometry_capacity(set_name)
    pv = pybamm_parameters(set_name, temperature_c)
    steps = hppc_steps()

    def text(dur: int, c_rate: float) -> str:
        if c_rate > 0:
            return f"Discharge at {c_rate * capacity:.6f} A for {dur} seconds"
        if c_rate < 0:
            return f"Charge at {-c_rate * capacity:.6f} A for {dur} seconds"
        return f"Rest for {dur} seconds"

    experiment = pybamm.Experiment([text(*st) for st in steps], period="1 second")
    sim = pybamm.Simulation(pybamm.lithium_ion.DFN(), parameter_values=pv, experiment=experiment,
                            solver=pybamm.IDAKLUSolver(rtol=1e-8, atol=1e-8))
    sol = sim.solve(initial_soc=DFN_SOC_START)
    t_all, v_all = sol["Time [s]"].entries, sol["Voltage [V]"].entries
    # a step boundary appears twice, the new step's start a few ulp later: keep the new step's value
    keep = np.append(np.diff(t_all) > 1e-6, True)
    t = np.arange(0.0, sum(d for d, _ in steps) + 1.0)
    if t_all[-1] < t[-1] - 1e-6:
        raise RuntimeError(f"{set_name} at {temperature_c} degC stopped at t = {t_all[-1]} s")
    i = np.concatenate([np.full(d, c * capacity) for d, c in steps] + [[0.0]])
    v = np.interp(t, t_all[keep], v_all[keep])
    np.savez(path, time_s=t, current_a=i, voltage_v=v, capacity_ah=capacity)
    return {"time_s": t, "current_a": i, "voltage_v": v, "capacity_ah": np.asarray(capacity)}


def _pb_eval(fn, x: np.ndarray) -> np.ndarray:  # type: ignore[no-untyped-def]
    """Evaluate a PyBaMM parameter function of one argument at the points ``x`` (a constant broadcasts)."""
    import pybamm

    if isinstance(fn, int | float):
        return np.full(np.shape(x), float(fn))
    return np.broadcast_to(np.asarray(fn(pybamm.Vector(np.asarray(x, float))).evaluate(), float).ravel(),
                           np.shape(x)).copy()


def pybamm_ocv(set_name: str) -> dict[str, object]:
    """Full-cell OCV (25 °C) and entropic coefficient over SOC 0 … 1 from a PyBaMM set's electrode OCPs."""
    pv = pybamm_parameters(set_name, 25.0)
    capacity, (x0, x100, y100, y0) = stoichiometry_capacity(set_name)
    soc = np.linspace(0.0, 1.0, 2001)
    x, y = x0 + soc * (x100 - x0), y0 + soc * (y100 - y0)
    v = _pb_eval(pv["Positive electrode OCP [V]"], y) - _pb_eval(pv["Negative electrode OCP [V]"], x)
    s, u, how = table(soc, v)
    xs, ys = x0 + s * (x100 - x0), y0 + s * (y100 - y0)
    dudt = (_pb_eval(pv["Positive electrode OCP entropic change [V.K-1]"], ys)
            - _pb_eval(pv["Negative electrode OCP entropic change [V.K-1]"], xs))
    return {"capacity": capacity, "windows": (x0, x100, y100, y0), "soc": s, "ocv": u, "how": how,
            "dudt": None if not np.any(dudt) else np.round(dudt, 7), "v0": float(v[0]), "v1": float(v[-1]),
            "mean_v": float(np.trapezoid(v, soc))}


def stack_specific_heat(set_name: str) -> tuple[float, float]:
    """Mass-weighted specific heat [J/(kg·K)] at 25 °C of one electrode-stack unit (current collectors,
    electrodes, separator) of a PyBaMM set, and its areal mass [kg/m²]."""
    import pybamm

    pv = pybamm_parameters(set_name, 25.0)
    parts = ["Negative current collector", "Negative electrode", "Separator", "Positive electrode",
             "Positive current collector"]
    m = mc = 0.0
    for part in parts:
        rho = float(pv[f"{part} density [kg.m-3]"])
        cp = pv[f"{part} specific heat capacity [J.kg-1.K-1]"]
        cp = float(cp) if isinstance(cp, int | float) else float(pv.evaluate(cp(pybamm.Scalar(298.15))))
        thick = float(pv[f"{part} thickness [m]"])
        m += rho * thick
        mc += rho * thick * cp
    return mc / m, m


#: Weight of the smoothness penalty in :func:`fit_tables` [V per unit change of a log-parameter].
SMOOTH = 0.1


def fit_tables(cell_base: dict[str, object], runs: dict[float, dict[str, np.ndarray]],
               guess: tuple[float, float, float, float, float]) -> dict[str, object]:
    """Fit tyaga's 2-RC Thevenin model with R0, R1, τ1, R2, τ2 at the SOC nodes to each isothermal DFN run.

    R0 at each node is the instantaneous voltage jump at the onset of that level's pulses (HPPC definition).
    Per temperature, the other 20 parameters (4 per SOC node, linear in SOC between nodes, held beyond the end
    nodes) minimise the voltage error over the whole run (``scipy.optimize.least_squares``, log-scaled, τ1
    within 2–60 s and τ2 within 60–3000 s so the two pairs keep their roles; faster than the 1 s sampling
    resolves goes to R0), plus a weak smoothness penalty (weight ``SMOOTH``) on the change of each
    log-parameter between adjacent SOC nodes, which keeps nodes the data hardly constrain from wandering.
    Returns the tables [temperature][soc] and the fit RMS per temperature [V].
    """
    from scipy.optimize import least_squares

    from tyaga.cell import CellSpec, simulate_current

    nodes = list(DFN_SOC_NODES)
    n = len(nodes)
    out: dict[str, list[list[float]]] = {k: [] for k in ("r0_ohm", "r1_ohm", "c1_f", "r2_ohm", "c2_f")}
    rms: dict[float, float] = {}
    lo = np.log(np.repeat([[1e-6, 2.0, 1e-6, 60.0]], n, axis=0)).ravel()
    hi = np.log(np.repeat([[1.0, 60.0, 1.0, 3000.0]], n, axis=0)).ravel()
    p0 = np.log(np.repeat([guess[1:]], n, axis=0)).ravel()
    onsets = pulse_onsets()
    for temp in sorted(runs):
        run = runs[temp]
        v_run, i_run = run["voltage_v"], run["current_a"]
        # R0 per node: the instantaneous voltage jump at the onset of the 1C pulse and of the 0.5C charge
        # pulse (HPPC definition), averaged; the DFN has no double layer, so the jump is purely ohmic and
        # kinetic. Fixing it keeps R0 from trading off against a fast RC pair.
        r0_nodes = np.array([np.mean([(v_run[k - 1] - v_run[k]) / i_run[k] for k in onsets[level]])
                             for level in nodes])

        def tables(p: np.ndarray, r0_nodes: np.ndarray = r0_nodes) -> dict[str, list[list[float]]]:
            r1, tau1, r2, tau2 = np.exp(p).reshape(n, 4).T
            return {"r0_ohm": [list(r0_nodes)], "r1_ohm": [list(r1)], "c1_f": [list(tau1 / r1)],
                    "r2_ohm": [list(r2)], "c2_f": [list(tau2 / r2)]}

        def model(p: np.ndarray, run: dict[str, np.ndarray] = run, temp: float = temp) -> np.ndarray:
            ecm = {"soc": nodes, "temperature_c": [temp], **tables(p)}
            cell = CellSpec.model_validate({**cell_base, "ecm": ecm, "activation_energy_j_per_mol": 0.0})
            sim = simulate_current(cell, run["time_s"], run["current_a"], DFN_SOC_START, temperature_c=temp)
            return sim["voltage_v"] - run["voltage_v"]

        def residual(p: np.ndarray) -> np.ndarray:
            return np.concatenate([model(p), SMOOTH * np.diff(p.reshape(n, 4), axis=0).ravel()])

        fit = least_squares(residual, np.clip(p0, lo + 1e-9, hi - 1e-9), bounds=(lo, hi), x_scale=1.0,
                            diff_step=1e-4, max_nfev=100, tr_solver="lsmr")
        rms[temp] = float(np.sqrt(np.mean(model(fit.x) ** 2)))
        for k, v in tables(fit.x).items():
            out[k].append([float(f"{x:.4g}") for x in v[0]])
        p0 = fit.x  # warm start for the next temperature
        print(f"  fit {cell_base['name']} {temp:+.0f} degC: RMS {rms[temp] * 1e3:.2f} mV ({fit.nfev} evaluations)",
              flush=True)
    return {"tables": out, "rms": rms, "temperatures": sorted(runs)}


def arrhenius_fit(temps_c: list[float], r_ohm: list[float]) -> float:
    """Activation energy [J/mol] of a least-squares line through ln R against 1/T."""
    inv_t = 1.0 / (np.asarray(temps_c) + 273.15)
    slope = np.polyfit(inv_t, np.log(r_ohm), 1)[0]
    return float(slope * 8.314462618)


# --------------------------------------------------------------------------------------------- PyBaMM cells

#: The cells fitted to PyBaMM DFN runs over temperature: key → identity, ratings and datasheet figures.
DFN_CELLS: dict[str, dict] = {
    "nmc-lg-m50t": {
        "set": "ORegan2022", "chemistry": "NMC", "format": "cylindrical", "nominal_voltage_v": 3.69,
        "voltage_min_v": 2.5, "voltage_max_v": 4.2, "mass_kg": 0.069, "max_discharge_c": 1.45,
        "max_charge_c": 0.7, "peak": (2.9, 1.0), "dims": {"diameter_mm": 21.1, "height_mm": 70.15},
        "header": "LG INR21700-M50T: NMC811/graphite-SiOx, 21700 cylindrical, 5 Ah (ECM over SOC x T fitted to "
                  "PyBaMM DFN)",
        "paper": "K. O'Regan, F. Brosa Planella, W. D. Widanage, E. Kendrick, Electrochim. Acta 425 (2022) "
                 "140700, doi:10.1016/j.electacta.2022.140700",
        "sheet_text": "21.1 x 70.15 mm, 69 g, 1.45C (7.28 A) continuous discharge, 0.7C charge (the LG M50 "
                      "specification as commonly quoted, not checked here); ASSUMPTIONS: 10 s peak discharge "
                      "2x continuous, peak charge 1C, temperature windows -20..60 degC discharge, 0..45 degC "
                      "charge",
    },
    "nmc-kokam-slpb75106100": {
        "set": "Ecker2015", "chemistry": "NMC", "format": "pouch", "nominal_voltage_v": 3.7,
        "voltage_min_v": 2.5, "voltage_max_v": 4.2, "mass_kg": 0.16, "max_discharge_c": 2.0,
        "max_charge_c": 1.0, "peak": (5.0, 2.0),
        "dims": {"length_mm": 100.0, "thickness_mm": 7.5, "height_mm": 106.0},
        "header": "Kokam SLPB 75106100: NMC-type/graphite, pouch, 7.5 Ah (ECM over SOC x T fitted to PyBaMM DFN)",
        "paper": "M. Ecker et al., J. Electrochem. Soc. 162(9) (2015) A1836-A1848, doi:10.1149/2.0551509jes "
                 "and A1849-A1857, doi:10.1149/2.0541509jes",
        "sheet_text": "7.5 x 106 x 100 mm from the Kokam type code (thickness 7.5 mm, width 106 mm, length "
                      "100 mm); ASSUMPTIONS: 160 g (the figure commonly quoted for this cell; PyBaMM's stack "
                      "densities give MASS_STACK g for 48 layers counting each current collector once per "
                      "layer, an upper bound), 2C continuous / 5C 10 s discharge, 1C / 2C charge, temperature "
                      "windows -20..60 degC discharge, 0..45 degC charge",
    },
    "lfp-a123-anr26650m1": {
        "set": "Prada2013", "chemistry": "LFP", "format": "cylindrical", "nominal_voltage_v": 3.3,
        "voltage_min_v": 2.0, "voltage_max_v": 3.6, "mass_kg": 0.070, "max_discharge_c": 30.0,
        "max_charge_c": 4.0, "peak": (52.0, 8.0), "dims": {"diameter_mm": 26.0, "height_mm": 65.0},
        "header": "A123 ANR26650M1: LFP/graphite, 26650 cylindrical, 2.3 Ah (ECM over SOC x T fitted to PyBaMM DFN)",
        "paper": "E. Prada et al., J. Electrochem. Soc. 160(4) (2013) A616-A628, doi:10.1149/2.053304jes",
        "sheet_text": "26 x 65 mm, 70 g, 70 A (30C) continuous and 120 A (52C) 10 s discharge, 10 A (4C) "
                      "charge (the A123 ANR26650M1 datasheet as commonly quoted, not checked here); "
                      "ASSUMPTIONS: peak charge 8C, temperature windows -30..55 degC discharge, 0..45 degC "
                      "charge",
    },
}


def dfn_cell(key: str, cache: Path) -> tuple[Cell, dict[str, object]]:
    """A cell whose OCV comes from a PyBaMM set's electrode OCPs and whose R0, R1, C1, R2, C2 tables over
    SOC x temperature are fitted to isothermal DFN runs of the same set (:func:`fit_tables`)."""
    import pybamm

    spec = DFN_CELLS[key]
    set_name = spec["set"]
    o = pybamm_ocv(set_name)
    capacity = float(o["capacity"])  # type: ignore[arg-type]
    x0, x100, y100, y0 = o["windows"]  # type: ignore[misc]
    runs = {tc: dfn_run(set_name, tc, cache / "dfn") for tc in DFN_TEMPERATURES_C}
    ocv_tab: dict[str, object] = {"soc": o["soc"].tolist(), "voltage_v": o["ocv"].tolist()}  # type: ignore[union-attr]
    if o["dudt"] is not None:
        ocv_tab["entropic_v_per_k"] = o["dudt"].tolist()  # type: ignore[union-attr]
    base = {"name": key, "chemistry": spec["chemistry"], "format": spec["format"], "source": "fit",
            "capacity_ah": capacity, "nominal_voltage_v": spec["nominal_voltage_v"],
            "voltage_min_v": spec["voltage_min_v"], "voltage_max_v": spec["voltage_max_v"],
            "mass_kg": spec["mass_kg"], "max_discharge_c": spec["max_discharge_c"],
            "max_charge_c": spec["max_charge_c"], "r0_ohm": 0.01, "ocv": ocv_tab}
    q = capacity
    res = fit_tables(base, runs, (0.05 / q, 0.06 / q, 10.0, 0.08 / q, 400.0))
    tabs = res["tables"]
    temps = list(res["temperatures"])
    j25, k50 = temps.index(25.0), list(DFN_SOC_NODES).index(0.5)
    const = {k: tabs[k][j25][k50] for k in tabs}
    r_dc = [tabs["r0_ohm"][j][k50] + tabs["r1_ohm"][j][k50] + tabs["r2_ohm"][j][k50] for j in range(len(temps))]
    ea = arrhenius_fit(temps, r_dc)
    if set_name == "Prada2013":
        cp_text = f"{CP_ASSUMED} (PyBaMM's Prada2013 set has no thermal parameters)"
        cp = 1000.0
    else:
        cp, areal = stack_specific_heat(set_name)
        cp = round(cp, -1)
        cp_text = (f"specific heat {cp:.0f} J/(kg K): mass-weighted over the electrode stack of PyBaMM's "
                   f"{set_name} set (current collectors, electrodes, separator; at 25 degC)")
    sheet_text = spec["sheet_text"]
    if set_name == "Ecker2015":
        pv = pybamm_parameters(set_name, 25.0)
        area = float(pv["Electrode height [m]"]) * float(pv["Electrode width [m]"])
        sheet_text = sheet_text.replace("MASS_STACK", f"{areal * area * ECKER_LAYERS * 1e3:.0f}")
    rms_text = ", ".join(f"{t:+.0f} degC {res['rms'][t] * 1e3:.2f} mV" for t in temps)
    dudt = o["dudt"]
    ent_text = ("OCV per temperature: entropic_v_per_k = dU_p/dT(y) - dU_n/dT(x) from the set's electrode "
                f"entropic coefficients ({float(np.min(dudt)) * 1e3:.3f} to {float(np.max(dudt)) * 1e3:.3f} mV/K), "
                "so OCV(T) = OCV_25 + dU/dT (T - 25 degC) as in the DFN"
                if dudt is not None else "The set's entropic coefficients are zero: the OCV does not depend on "
                "temperature")
    layers = (f" PyBaMM's set models one electrode layer of 0.15625 Ah; the cell is {ECKER_LAYERS} of them in "
              "parallel (7.5 Ah), set in the DFN runs through 'Number of electrodes connected in parallel'."
              if set_name == "Ecker2015" else "")
    notes = f"""
DERIVED from PyBaMM's {set_name} DFN parameter set (a model, not a measurement of this ECM).{layers}
OCV = U_p(y) - U_n(x) at 25 degC over the stoichiometry windows PyBaMM computes for the
{spec["voltage_min_v"]}-{spec["voltage_max_v"]} V cut-offs (x {x0:.4f} -> {x100:.4f}, y {y0:.4f} -> {y100:.4f}), so the
table ends are the cut-offs. {o["how"]} capacity_ah = {capacity:.4f} from the same windows.

{ent_text}.

[ecm]: R0, R1, C1, R2, C2 at SOC 0.1, 0.3, 0.5, 0.7, 0.9 (linear between, held beyond). R0 is the
instantaneous voltage jump at the onset of each level's pulses (HPPC definition, mean of the 1C discharge and
0.5C charge pulse); R1, C1, R2, C2 are fitted per temperature (-10, 0, 10, 25, 40 degC) by least squares of
tyaga's 2-RC model to an isothermal DFN run from SOC 0.95 at rest: at each SOC node a 0.5C discharge to it, 15
min rest, 20 s 1C discharge pulse, 60 s rest, 20 s 0.5C charge pulse, 120 s rest (11 780 s, 1 s samples). tau1
bounded to 2-60 s, tau2 to 60-3000 s, weak smoothness penalty over SOC (tools/derive_cells.py fit_tables). RMS
voltage error of the fit: {rms_text}. The top-level r0_ohm ... c2_f are the 25 degC, 50 % SOC entries. An
Arrhenius line through the DC resistance R0 + R1 + R2 at 50 % SOC gives {ea / 1000:.1f} kJ/mol, written as
activation_energy_j_per_mol for reference: every parameter has a table over temperature, so it is not used;
outside -10..40 degC the tables hold their edge values.

Datasheet fields: {sheet_text}; {cp_text}.
"""
    cell = Cell(
        key=key, chemistry=spec["chemistry"], format=spec["format"], header=spec["header"],
        source=(f"pybamm=={pybamm.__version__}:pybamm/input/parameters/lithium_ion/{set_name}.py (electrode OCPs, "
                f"DFN parameters); {spec['paper']}. Licence: BSD-3-Clause (PyBaMM), see NOTICE.md"),
        derived=True, notes=notes, capacity_ah=capacity, nominal_voltage_v=spec["nominal_voltage_v"],
        voltage_min_v=spec["voltage_min_v"], voltage_max_v=spec["voltage_max_v"], mass_kg=spec["mass_kg"],
        max_discharge_c=spec["max_discharge_c"], max_charge_c=spec["max_charge_c"],
        r0_ohm=const["r0_ohm"], r1_ohm=const["r1_ohm"], c1_f=const["c1_f"], r2_ohm=const["r2_ohm"],
        c2_f=const["c2_f"], soc=o["soc"], ocv_v=o["ocv"], entropic_v_per_k=dudt,  # type: ignore[arg-type]
        activation_energy_j_per_mol=round(ea, -2),
        ecm={"soc": list(DFN_SOC_NODES), "temperature_c": temps, **tabs},
        sheet=sheet(spec["chemistry"], spec["peak"][0], spec["peak"][1], cp, spec["dims"]),
    )
    info = {"rms_mv": {t: res["rms"][t] * 1e3 for t in temps}, "ea_j_per_mol": ea, "mean_v": o["mean_v"],
            "capacity": capacity, "r_dc_50": r_dc}
    return cell, info


# --------------------------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    """Derive all cells; write the TOML files unless ``--check``."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cache", type=Path, default=Path("/tmp/tyaga-cell-sources"), help="download folder")
    ap.add_argument("--check", action="store_true", help="print the derived values; write nothing")
    ap.add_argument("--no-pybamm", action="store_true", help="skip the PyBaMM-derived cells (needs pybamm)")
    args = ap.parse_args(argv)

    simses = fetch(SIMSES, args.cache, sdist=True)
    tracksim = fetch(PYTRACKSIM, args.cache, sdist=False)

    cells: list[Cell] = [lfp_sony(simses)]
    enrich_sony(cells[0], simses)
    calb, spread = calb_zheng(tracksim)
    print(f"CALB: R1/(R0+R1) = {spread['share']:.3f}, tau1 = {spread['tau']:.1f} s")
    samsung, nca = samsung_94ah(simses), nca_panasonic(simses)
    enrich_samsung(samsung, simses)
    enrich_nca(nca, simses)
    cells += [calb, samsung, nca]
    lto, lto_info = lto_nmc(simses)
    enrich_lto(lto)
    print("LTO:", {k: round(v, 4) for k, v in lto_info.items()})
    cells.append(lto)
    if not args.no_pybamm:
        m50, m50_info = lg_m50_dfn()
        enrich_m50(m50)
        print("M50:", {k: round(v, 4) for k, v in m50_info.items()})
        cells.append(m50)
        for key in DFN_CELLS:
            cell, info = dfn_cell(key, args.cache)
            print(f"{key}:", info)
            cells.append(cell)

    for cell in cells:
        e_wh = (
            float(np.trapezoid(np.interp(np.linspace(0, 1, 2001), cell.soc, cell.ocv_v), np.linspace(0, 1, 2001)))
            * cell.capacity_ah
        )
        print(
            f"{cell.key:26s} {len(cell.soc):3d} pts  R0 {cell.r0_ohm * 1e3:7.3f} mΩ  "
            f"R1 {cell.r1_ohm * 1e3:7.3f} mΩ "
            f"τ1 {cell.r1_ohm * cell.c1_f:6.1f} s  R2 {cell.r2_ohm * 1e3:6.3f} mΩ  "
            f"τ2 {cell.r2_ohm * cell.c2_f if cell.r2_ohm else 0:6.1f} s  E {e_wh:8.2f} Wh "
            f"(C·Vnom {cell.capacity_ah * cell.nominal_voltage_v:8.2f})  {e_wh / cell.mass_kg:5.0f} Wh/kg"
        )
        if not args.check:
            (OUT_DIR / f"{cell.key}.toml").write_text(cell.toml(), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
