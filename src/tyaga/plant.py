"""The plant: a battery plant's annual output turned into modules, packs and vehicles, and one pack's bill of
materials with mass, cost and origin per component (docs/plant.md has the equations and a worked example).

Flow of one product line (a pack design, or a vehicle's pack), per year, with the plant's cell output split
among the products by share of cell energy:

* cells into module assembly ``N_c = share · E_plant / e_cell`` (or ``share · cells_per_year``), with
  ``e_cell`` the cell's energy full to empty at open circuit, ``CellSpec.energy_wh`` [Wh];
* modules built ``N_c / cells_per_module``; good modules ``× y_cm`` (``cell_to_module_yield``);
* packs built ``good modules / modules_per_pack``; good packs ``× y_mp`` (``module_to_pack_yield``);
* vehicles ``good packs / packs_per_vehicle`` (one pack a vehicle);
* scrap: ``N_c · (1 − y_cm)`` cells in failed modules, ``N_c · y_cm · (1 − y_mp)`` cells in failed packs, so
  ``N_c = cells in good packs + scrap`` exactly.

Bill of materials of one pack (:func:`bill_of_materials`): cells (mass and price from the cell file) and the
non-cell parts (module hardware, housing, thermal system, BMS, harness and HV busbars, assembly and test),
whose mass is the pack builder's ``pack_mass_kg − cells_mass_kg`` split by labelled fractions and whose cost
is a labelled non-cell cost split by labelled shares. Every default number here is an ASSUMPTION and says so;
the user can override any line's mass, cost and origin, and the fractions and shares.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from tyaga import pack as _pack
from tyaga.errors import InputError
from tyaga.pack import Cooling, PackDesign
from tyaga.vehicle import VehicleSpec

#: The non-cell components of a pack's bill of materials, in the order they are listed (cells come first).
NON_CELL_COMPONENTS = ("module_hardware", "housing", "thermal", "bms", "harness", "assembly")
#: Every component of the bill of materials.
COMPONENTS = ("cells", *NON_CELL_COMPONENTS)

#: Default cell-to-module yield: good modules / modules built (a failed module scraps all its cells).
#: ASSUMPTION: 97 %, a mature line's end-of-line module yield (ramp-up lines run far lower).
DEFAULT_CELL_TO_MODULE_YIELD = 0.97
#: Default module-to-pack yield: good packs / packs built (a failed pack scraps all its modules, no rework).
#: ASSUMPTION: 99 %: pack assembly is mostly mechanical and the modules come tested.
DEFAULT_MODULE_TO_PACK_YIELD = 0.99

#: Cell-to-pack mass ratio given to a vehicle's pack, whose file has no housing figure. ASSUMPTION: 0.65,
#: a module-based pack (the VW MEB 82 kWh pack weighs 493 kg, 166 Wh/kg, Škoda Storyboard; with NMC cells of
#: ≈ 250 Wh/kg the cells are ≈ 66 % of it).
DEFAULT_CELL_TO_PACK_MASS_RATIO = 0.65
#: Series groups per module given to a vehicle's pack: the divisor of ``series`` nearest to this. ASSUMPTION.
DEFAULT_MODULE_SERIES = 12

#: Split of the non-cell mass (pack − cells) among the non-cell components. ASSUMPTION: an engineering
#: estimate for a liquid-cooled, module-based pack, not a teardown figure: enclosure (tray, lid, crash frame,
#: fasteners, seals) the largest share; module frames, end plates and cell busbars next; HV busbars, junction
#: box, contactors, fuses and harnesses; cold plates, coolant and thermal interface; BMS boards and sense wires.
#: Assembly and test carry no mass. Without modules the module share goes to zero and the rest is rescaled.
DEFAULT_MASS_FRACTIONS: dict[str, float] = {
    "module_hardware": 0.22, "housing": 0.45, "thermal": 0.13, "bms": 0.04, "harness": 0.16, "assembly": 0.0,
}

#: Non-cell pack cost per gross kWh [USD/kWh] and its source: :data:`tyaga.pack.DEFAULT_NON_CELL_COST_USD_PER_KWH`
#: (an ASSUMPTION: 25 % of BloombergNEF's 2024 average pack price; the sweep's ``pack_cost_usd`` uses it too).
DEFAULT_NON_CELL_COST_USD_PER_KWH = _pack.DEFAULT_NON_CELL_COST_USD_PER_KWH
DEFAULT_NON_CELL_COST_SOURCE = _pack.DEFAULT_NON_CELL_COST_SOURCE

#: Split of the non-cell cost among the non-cell components. ASSUMPTION: an engineering estimate (the
#: enclosure and the HV electrics cost most; assembly, test and end-of-line formation checks are labour).
DEFAULT_COST_SHARES: dict[str, float] = {
    "module_hardware": 0.15, "housing": 0.25, "thermal": 0.12, "bms": 0.13, "harness": 0.15, "assembly": 0.20,
}

#: Default origin per component. ASSUMPTION: a domestic pack plant buying imported cells, BMS electronics and
#: thermal parts, and making or buying locally the metal work, harnesses and the assembly.
DEFAULT_ORIGINS: dict[str, str] = {
    "cells": "import", "module_hardware": "domestic", "housing": "domestic", "thermal": "import",
    "bms": "import", "harness": "domestic", "assembly": "domestic",
}

_NOTES: dict[str, str] = {
    "cells": "mass and price from the cell file",
    "module_hardware": "module frames, end plates, compression, cell busbars, insulation",
    "housing": "enclosure tray and lid, crash frame, fasteners, seals",
    "thermal": "cold plates, coolant, pipes, thermal interface material",
    "bms": "master and module boards, sense wires, current sensor",
    "harness": "HV busbars and cables, junction box, contactors, fuses, LV harness",
    "assembly": "pack assembly labour, end-of-line test (no mass)",
}


def _raise_pydantic(exc: ValidationError, data: dict[str, Any], model: type[BaseModel]) -> InputError:
    for err in exc.errors():
        original = (err.get("ctx") or {}).get("error")
        if isinstance(original, InputError):
            return original
    from tyaga.catalog import validation_error_to_input_error

    return validation_error_to_input_error(exc, None, data, model)


class _Spec(BaseModel):
    """Pydantic model whose every validation error is one :class:`InputError` naming the field."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    def __init__(self, **data: Any) -> None:
        try:
            super().__init__(**data)
        except ValidationError as exc:
            raise _raise_pydantic(exc, data, type(self)) from None


class BomLine(_Spec):
    """A user's override of one bill-of-materials line: any of mass [kg], cost [USD], origin, note."""

    mass_kg: float | None = Field(None, ge=0, le=100000, description="Mass of this component in one pack [kg]")
    cost_usd: float | None = Field(None, ge=0, description="Cost of this component in one pack [USD]")
    origin: str | None = Field(None, min_length=1, description='Origin label: a country, "domestic" or "import"')
    note: str | None = Field(None, description="Source or assumption behind the override")


def _check_split(field: str, split: Mapping[str, float]) -> None:
    for k, v in split.items():
        if k not in NON_CELL_COMPONENTS:
            raise InputError(f"{field}.{k}", v, "one of the non-cell components " + ", ".join(NON_CELL_COMPONENTS))
        if not (math.isfinite(v) and v >= 0):
            raise InputError(f"{field}.{k}", v, "≥ 0")
    total = sum(split.values())
    if abs(total - 1.0) > 1e-6:
        raise InputError(field, dict(split), f"fractions summing to 1 (they sum to {total:.6g})")


class BomSpec(_Spec):
    """How one pack's bill of materials is split, priced and sourced (defaults: the labelled ASSUMPTIONs above).

    ``mass_fractions``: non-cell component → share of the non-cell mass (sum 1). ``cost_shares``: non-cell
    component → share of the non-cell cost (sum 1). ``non_cell_cost_usd_per_kwh``: the non-cell cost per gross
    kWh (``None``: the design's own overhead cost when it has one, else the default). ``origins``: component →
    origin label (merged over the defaults). ``lines``: component → :class:`BomLine` override.
    ``domestic_origin``: an origin label that counts as domestic in the domestic value share besides
    ``"domestic"`` itself (e.g. ``"RU"``), matched without regard to case.
    """

    mass_fractions: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_MASS_FRACTIONS))
    cost_shares: dict[str, float] = Field(default_factory=lambda: dict(DEFAULT_COST_SHARES))
    non_cell_cost_usd_per_kwh: float | None = Field(None, ge=0, le=5000, description="Non-cell cost [USD/kWh]")
    non_cell_cost_source: str | None = Field(None, description="Source of non_cell_cost_usd_per_kwh")
    origins: dict[str, str] = Field(default_factory=dict)
    lines: dict[str, BomLine] = Field(default_factory=dict)
    domestic_origin: str = Field("domestic", min_length=1, description="Origin label counted as domestic "
                                 '(besides "domestic")')

    @field_validator("lines", mode="before")
    @classmethod
    def _lines(cls, v: Any) -> Any:
        """Each override's errors named ``lines.<component>.<field>``."""
        if not isinstance(v, Mapping):
            return v
        out = {}
        for k, line in v.items():
            if isinstance(line, Mapping):
                try:
                    line = BomLine(**line)
                except InputError as exc:
                    raise InputError(f"lines.{k}.{exc.field}", exc.value, exc.allowed, hint=exc.hint) from None
            out[k] = line
        return out

    @model_validator(mode="after")
    def _check(self) -> BomSpec:
        _check_split("mass_fractions", self.mass_fractions)
        _check_split("cost_shares", self.cost_shares)
        for field, keys in (("origins", self.origins), ("lines", self.lines)):
            for k in keys:
                if k not in COMPONENTS:
                    raise InputError(f"{field}.{k}", k, "one of " + ", ".join(COMPONENTS))
        for k, v in self.origins.items():
            if not v:
                raise InputError(f"origins.{k}", v, "a non-empty origin label")
        if self.non_cell_cost_usd_per_kwh is not None and not self.non_cell_cost_source:
            raise InputError("non_cell_cost_source", None, "a source or labelled assumption for the non-cell cost")
        cells = self.lines.get("cells")
        if cells is not None and cells.mass_kg is not None:
            raise InputError("lines.cells.mass_kg", cells.mass_kg,
                             "no override: the cells' mass comes from the cell file (change the cell or the layout)")
        return self


class PlantSpec(_Spec):
    """A plant: annual cell output, yields, operating days and the product mix.

    Output: exactly one of ``cells_per_year`` (cells into module assembly) and ``energy_gwh_per_year`` (the
    same cells as energy: each cell counts its energy full to empty at open circuit, ``CellSpec.energy_wh``,
    tyaga's nominal cell energy). Yields: ``cell_to_module_yield`` = good modules / modules built, applied at
    module assembly; ``module_to_pack_yield`` = good packs / packs built, applied at pack assembly; both
    0 < y ≤ 1. ``mix``: product → share of the plant's cell energy (shares > 0, summing to 1); a product is a
    bundled vehicle name, a vehicle TOML path, or a label of a design handed to :func:`plant_output`;
    ``None`` with a single product. ``bom``: how the pack's bill of materials is split, priced and sourced.
    """

    name: str = ""
    cells_per_year: float | None = Field(None, description="Cells into module assembly per year")
    energy_gwh_per_year: float | None = Field(None, description="Cell energy into module assembly [GWh/yr]")
    cell_to_module_yield: float = Field(DEFAULT_CELL_TO_MODULE_YIELD, description="Good / built modules")
    module_to_pack_yield: float = Field(DEFAULT_MODULE_TO_PACK_YIELD, description="Good / built packs")
    operating_days_per_year: float | None = Field(None, description="Days the plant runs in a year")
    packs_per_vehicle: int = Field(1, ge=1, le=100, description="Packs in one vehicle")
    mix: dict[str, float] | None = Field(None, description="Product → share of the plant's cell energy")
    bom: BomSpec = Field(default_factory=BomSpec)

    @field_validator("bom", mode="before")
    @classmethod
    def _bom(cls, v: Any) -> Any:
        """A ``[bom]`` table's errors named ``bom.<field>``."""
        if isinstance(v, Mapping):
            try:
                return BomSpec(**v)
            except InputError as exc:
                raise InputError(f"bom.{exc.field}", exc.value, exc.allowed, hint=exc.hint) from None
        return v

    @model_validator(mode="after")
    def _check(self) -> PlantSpec:
        given = [f for f in ("cells_per_year", "energy_gwh_per_year") if getattr(self, f) is not None]
        if len(given) != 1:
            raise InputError("cells_per_year / energy_gwh_per_year", "both" if given else None,
                             "exactly one of them (the plant's annual cell output)")
        value = getattr(self, given[0])
        if not (math.isfinite(value) and value > 0):
            raise InputError(given[0], value, "> 0")
        for f in ("cell_to_module_yield", "module_to_pack_yield"):
            y = getattr(self, f)
            if not (math.isfinite(y) and 0.0 < y <= 1.0):
                raise InputError(f, y, "0 < yield ≤ 1")
        d = self.operating_days_per_year
        if d is not None and not (math.isfinite(d) and 0.0 < d <= 366.0):
            raise InputError("operating_days_per_year", d, "0 < days ≤ 366")
        if self.mix is not None:
            if not self.mix:
                raise InputError("mix", {}, "at least one product with its share")
            for k, v in self.mix.items():
                if not (math.isfinite(v) and 0.0 < v <= 1.0):
                    raise InputError(f"mix.{k}", v, "0 < share ≤ 1")
            total = sum(self.mix.values())
            if abs(total - 1.0) > 1e-6:
                raise InputError("mix", dict(self.mix), f"shares of cell energy summing to 1 (they sum to {total:.6g})")
        return self


# ---------------------------------------------------------------- designs


def _module_series(series: int, target: int) -> int:
    """The divisor of ``series`` nearest ``target`` (the smaller one on a tie)."""
    divisors = [k for k in range(1, series + 1) if series % k == 0]
    return min(divisors, key=lambda k: (abs(k - target), k))


def design_for_vehicle(vehicle: str | Path | VehicleSpec, *, module_series: int | None = None,
                       cell_to_pack_mass_ratio: float = DEFAULT_CELL_TO_PACK_MASS_RATIO,
                       cooling: Cooling = "liquid-plate") -> PackDesign:
    """A vehicle's pack as a :class:`~tyaga.pack.PackDesign`: its cell, series, parallel and SOC window.

    The vehicle file has no module or housing data, so two ASSUMPTIONS are added (both overridable): modules
    of ``module_series`` series groups × all ``parallel`` cells (default: the divisor of ``series`` nearest
    :data:`DEFAULT_MODULE_SERIES`), and the cell-to-pack mass ratio :data:`DEFAULT_CELL_TO_PACK_MASS_RATIO`.
    A vehicle with a pack-level shortcut (no cell) is an :class:`InputError`.
    """
    from tyaga import vehicles
    from tyaga.battery import cell_for_vehicle

    spec = vehicle if isinstance(vehicle, VehicleSpec) else vehicles.load(vehicle)
    cell = cell_for_vehicle(spec)
    b = spec.battery
    if cell is None or b.series is None or b.parallel is None:
        raise InputError("vehicle", spec.name, "a vehicle whose pack is built from cells ([battery] cell, series, "
                         "parallel); this one gives pack-level figures only")
    m_s = _module_series(b.series, DEFAULT_MODULE_SERIES) if module_series is None else module_series
    if m_s < 1 or b.series % m_s:
        raise InputError("module_series", m_s, f"a divisor of series = {b.series}")
    return PackDesign(name=spec.name, cell=cell, series=b.series, parallel=b.parallel,
                      cells_per_module=m_s * b.parallel, modules_in_series=b.series // m_s,
                      cell_to_pack_mass_ratio=cell_to_pack_mass_ratio, cooling=cooling,
                      soc_min=b.soc_min, soc_max=b.soc_max)


def load_product(ref: str | Path) -> PackDesign:
    """A product by reference: a pack TOML file (top-level ``cell`` key, :func:`tyaga.pack.load`), else a
    bundled vehicle name or vehicle TOML file (:func:`design_for_vehicle`)."""
    p = Path(ref)
    if p.suffix == ".toml" and p.is_file():
        from tyaga.catalog import read_toml

        if "cell" in read_toml(p):
            return _pack.load(p)
    return design_for_vehicle(ref)


def resolve_products(plant: PlantSpec, designs: Mapping[str, PackDesign] | PackDesign | None = None
                     ) -> dict[str, tuple[PackDesign, float]]:
    """Product label → (pack design, share of cell energy), from ``plant.mix`` and the designs handed in.

    ``designs``: a single :class:`PackDesign` (label: its name or ``"pack"``) or label → design; a mix key
    without a design is loaded by :func:`load_product` (a pack file, or a vehicle; an unknown name is an
    :class:`~tyaga.errors.UnknownNameError`). Without a mix there must be exactly one product (share 1).
    """
    if isinstance(designs, PackDesign):
        designs = {designs.name or "pack": designs}
    designs = dict(designs or {})
    mix = plant.mix
    if mix is None:
        if len(designs) != 1:
            raise InputError("mix", None, f"a share per product ({len(designs)} designs given)"
                             if designs else "at least one product (a vehicle name with its share, or a design)")
        mix = {next(iter(designs)): 1.0}
    unused = sorted(set(designs) - set(mix))
    if unused:
        raise InputError("mix", dict(mix), f"a share for every design handed in (missing: {', '.join(unused)})")
    out = {}
    for label, share in mix.items():
        d = designs[label] if label in designs else load_product(label)
        out[label] = (d, share)
    if plant.cells_per_year is not None:
        cells = {d.cell.name for d, _ in out.values()}
        if len(cells) > 1:
            raise InputError("cells_per_year", plant.cells_per_year,
                             f"one cell type for all products (they use {', '.join(sorted(cells))}); "
                             "give energy_gwh_per_year for a mix of cells")
    return out


# ---------------------------------------------------------------- conversions and flows


def cells_per_year_from_gwh(energy_gwh_per_year: float, cell_energy_wh: float) -> float:
    """Cells a year holding ``energy_gwh_per_year`` of cell energy: ``N = E · 10⁹ / e_cell`` [1/yr]."""
    return energy_gwh_per_year * 1e9 / cell_energy_wh


def gwh_from_cells_per_year(cells_per_year: float, cell_energy_wh: float) -> float:
    """Cell energy of ``cells_per_year`` cells: ``E = N · e_cell / 10⁹`` [GWh/yr]."""
    return cells_per_year * cell_energy_wh / 1e9


def product_flow(d: PackDesign, cells_in_per_year: float, cell_to_module_yield: float, module_to_pack_yield: float,
                 packs_per_vehicle: int = 1, operating_days_per_year: float | None = None) -> dict[str, Any]:
    """Yearly flow of one product line from ``cells_in_per_year`` cells into module assembly (rates, not whole
    units).

    ``modules_built = N_c / cells_per_module``; ``good_modules = modules_built · y_cm``;
    ``packs_built = good_modules / modules_per_pack``; ``good_packs = packs_built · y_mp``;
    ``vehicles = good_packs / packs_per_vehicle``; ``cells_in_good_packs = good_packs · cells_per_pack``;
    scrap ``N_c (1 − y_cm)`` at module and ``N_c y_cm (1 − y_mp)`` at pack assembly. Energies in GWh/yr of
    cell energy (``CellSpec.energy_wh``, equal to the pack builder's gross energy per cell).
    """
    e_cell = d.cell.energy_wh
    cells_per_pack = d.n_cells
    modules_per_pack = d.n_modules
    cells_per_module = cells_per_pack / modules_per_pack
    modules_built = cells_in_per_year / cells_per_module
    good_modules = modules_built * cell_to_module_yield
    packs_built = good_modules / modules_per_pack
    good_packs = packs_built * module_to_pack_yield
    scrap_module = cells_in_per_year * (1.0 - cell_to_module_yield)
    scrap_pack = cells_in_per_year * cell_to_module_yield * (1.0 - module_to_pack_yield)
    out: dict[str, Any] = {
        "design": d.name or d.layout,
        "cell": d.cell.name,
        "layout": d.layout,
        "cell_energy_wh": e_cell,
        "cells_per_pack": cells_per_pack,
        "modules_per_pack": modules_per_pack,
        "cells_per_module": cells_per_module,
        "pack_gross_energy_kwh": _pack.gross_energy_wh(d) / 1000.0,
        "cells_in_per_year": cells_in_per_year,
        "cell_energy_in_gwh_per_year": gwh_from_cells_per_year(cells_in_per_year, e_cell),
        "modules_built_per_year": modules_built,
        "modules_per_year": good_modules,
        "packs_built_per_year": packs_built,
        "packs_per_year": good_packs,
        "vehicles_per_year": good_packs / packs_per_vehicle,
        "cells_in_good_packs_per_year": good_packs * cells_per_pack,
        "cells_scrapped_at_module_per_year": scrap_module,
        "cells_scrapped_at_pack_per_year": scrap_pack,
        "pack_energy_gwh_per_year": good_packs * _pack.gross_energy_wh(d) / 1e9,
    }
    if operating_days_per_year is not None:
        out["packs_per_day"] = good_packs / operating_days_per_year
        out["cells_in_per_day"] = cells_in_per_year / operating_days_per_year
    return out


def plant_output(plant: PlantSpec, designs: Mapping[str, PackDesign] | PackDesign | None = None) -> dict[str, Any]:
    """The plant's yearly output: one flow per product (:func:`product_flow`) and the totals.

    The plant's cell energy ``E`` (``energy_gwh_per_year``, or ``cells_per_year × e_cell`` when all products
    share one cell) is split by ``plant.mix``: product ``i`` gets ``share_i · E`` of cell energy, i.e.
    ``share_i · E / e_cell,i`` cells. Returns ``{"plant": totals, "products": [flow, ...]}``; each flow carries
    its ``product`` label and ``share``.
    """
    products = resolve_products(plant, designs)
    rows = []
    for label, (d, share) in products.items():
        if plant.cells_per_year is not None:
            n_in = share * plant.cells_per_year
        else:
            assert plant.energy_gwh_per_year is not None
            n_in = cells_per_year_from_gwh(share * plant.energy_gwh_per_year, d.cell.energy_wh)
        flow = product_flow(d, n_in, plant.cell_to_module_yield, plant.module_to_pack_yield,
                            plant.packs_per_vehicle, plant.operating_days_per_year)
        rows.append({"product": label, "share": share, **flow})
    keys = ("cells_in_per_year", "cell_energy_in_gwh_per_year", "modules_per_year", "packs_per_year",
            "vehicles_per_year", "cells_in_good_packs_per_year", "cells_scrapped_at_module_per_year",
            "cells_scrapped_at_pack_per_year", "pack_energy_gwh_per_year")
    totals: dict[str, Any] = {"name": plant.name, "cell_to_module_yield": plant.cell_to_module_yield,
                              "module_to_pack_yield": plant.module_to_pack_yield,
                              "operating_days_per_year": plant.operating_days_per_year}
    totals |= {k: sum(r[k] for r in rows) for k in keys}
    if plant.operating_days_per_year is not None:
        totals["packs_per_day"] = totals["packs_per_year"] / plant.operating_days_per_year
    return {"plant": totals, "products": rows}


# ---------------------------------------------------------------- bill of materials


def _rescaled(split: Mapping[str, float], present: tuple[str, ...]) -> dict[str, float]:
    """``split`` over the components ``present``, rescaled to sum to 1 (all zero if they hold nothing)."""
    total = sum(split.get(k, 0.0) for k in present)
    return {k: (split.get(k, 0.0) / total if total > 0 else 0.0) for k in present}


def _fill(field: str, total: float, split: Mapping[str, float], fixed: Mapping[str, float],
          present: tuple[str, ...]) -> dict[str, float]:
    """``total`` shared among ``present``: ``fixed`` ones as given, the rest by ``split`` of what is left."""
    rest = total - sum(fixed.values())
    free = tuple(k for k in present if k not in fixed)
    if rest < -1e-9 * max(total, 1.0):
        raise InputError(f"lines.*.{field}", dict(fixed), f"overrides summing to ≤ {total:.6g} (the pack's non-cell "
                         f"{field.split('_')[0]})")
    shares = _rescaled(split, free)
    if sum(shares.values()) == 0.0 and abs(rest) > 1e-9 * max(total, 1.0):
        raise InputError(f"lines.*.{field}", dict(fixed), f"overrides summing to {total:.6g} (the pack's non-cell "
                         f"{field.split('_')[0]}) when the lines left ({', '.join(free) or 'none'}) take no share")
    out = {k: float(v) for k, v in fixed.items()}
    out |= {k: max(rest, 0.0) * shares[k] for k in free}
    return out


def bill_of_materials(d: PackDesign, bom: BomSpec | None = None) -> list[dict[str, Any]]:
    """One pack's bill of materials: a line per component with ``mass_kg``, ``cost_usd``, ``origin``,
    ``domestic`` and ``note``.

    Mass: cells ``n_cells · m_cell``; the non-cell mass ``M_nc = pack_mass_kg − cells_mass_kg`` (the pack
    builder's) split by ``bom.mass_fractions``; overridden lines keep their mass and the rest of ``M_nc`` is
    split among the others by their fractions, so the lines always sum to ``pack_mass_kg``. Cost: cells
    ``gross kWh · cost_per_kwh_usd`` (:func:`tyaga.pack.cost`); the non-cell cost ``C_nc`` (``bom``'s per-kWh
    figure × gross kWh, else the design's overhead cost when it has one, else
    :data:`DEFAULT_NON_CELL_COST_USD_PER_KWH` × gross kWh) split by ``bom.cost_shares``, overridden lines as
    given, the others sharing what is left. A design without modules has no module-hardware line.
    """
    bom = bom or BomSpec()
    pack_mass = _pack.pack_mass_kg(d)
    if pack_mass is None:
        raise InputError("cell_to_pack_mass_ratio", None,
                         "a cell-to-pack mass ratio or a housing mass in the pack design (the BOM needs the pack mass)")
    present = NON_CELL_COMPONENTS if d.cells_per_module else tuple(c for c in NON_CELL_COMPONENTS
                                                                    if c != "module_hardware")
    if "module_hardware" in bom.lines and "module_hardware" not in present:
        raise InputError("lines.module_hardware", "override", "no module-hardware line: the design has no modules")
    cells_mass = _pack.cells_mass_kg(d)
    non_cell_mass = pack_mass - cells_mass
    kwh = _pack.gross_energy_wh(d) / 1000.0
    c = _pack.cost(d)
    cells_line = bom.lines.get("cells")
    cells_cost = cells_line.cost_usd if cells_line is not None and cells_line.cost_usd is not None else c["cells_usd"]
    if cells_cost is None:
        raise InputError("lines.cells.cost_usd", None, f"a cost: cell {d.cell.name} has no price")
    cells_note = c["cells_source"] if cells_line is None or cells_line.cost_usd is None else (
        cells_line.note or "user override")
    if bom.non_cell_cost_usd_per_kwh is not None:
        non_cell_cost, cost_note = bom.non_cell_cost_usd_per_kwh * kwh, str(bom.non_cell_cost_source)
    elif c["overhead_usd"] > 0:
        non_cell_cost, cost_note = c["overhead_usd"], str(c["overhead_source"])
    else:
        non_cell_cost, cost_note = DEFAULT_NON_CELL_COST_USD_PER_KWH * kwh, DEFAULT_NON_CELL_COST_SOURCE
    mass_fixed = {k: v.mass_kg for k, v in bom.lines.items() if k in present and v.mass_kg is not None}
    cost_fixed = {k: v.cost_usd for k, v in bom.lines.items() if k in present and v.cost_usd is not None}
    masses = _fill("mass_kg", non_cell_mass, bom.mass_fractions, mass_fixed, present)
    costs = _fill("cost_usd", non_cell_cost, bom.cost_shares, cost_fixed, present)
    origins = DEFAULT_ORIGINS | bom.origins
    dom = {"domestic", bom.domestic_origin.casefold()}

    def line(component: str, mass: float, cost_usd: float, note: str) -> dict[str, Any]:
        o = bom.lines.get(component)
        origin = o.origin if o is not None and o.origin is not None else origins[component]
        if o is not None and o.note:
            note = f"{note}; override: {o.note}"
        return {"component": component, "mass_kg": mass, "cost_usd": cost_usd, "origin": origin,
                "domestic": origin.casefold() in dom, "note": note}

    lines = [line("cells", cells_mass, float(cells_cost),
                  f"{d.n_cells} × {d.cell.mass_kg:g} kg {d.cell.name}; cost: {cells_note}")]
    for k in present:
        how_m = "override" if k in mass_fixed else f"ASSUMPTION: share of the non-cell mass {non_cell_mass:.4g} kg"
        how_c = "override" if k in cost_fixed else f"share of the non-cell cost ({cost_note})"
        lines.append(line(k, masses[k], costs[k], f"{_NOTES[k]}; mass: {how_m}; cost: {how_c}"))
    return lines


def domestic_value_share(lines: list[dict[str, Any]]) -> float:
    """Share of the pack's value made domestically: ``Σ cost of domestic lines / Σ cost`` (0 … 1; 0 for a pack
    that costs nothing)."""
    total = sum(x["cost_usd"] for x in lines)
    if total <= 0:
        return 0.0
    return sum(x["cost_usd"] for x in lines if x["domestic"]) / total


def bom_summary(d: PackDesign, bom: BomSpec | None = None) -> dict[str, Any]:
    """The bill of materials (:func:`bill_of_materials`) with its totals: ``mass_kg`` (= the pack builder's
    ``pack_mass_kg``), ``cost_usd``, ``cost_usd_per_kwh`` (gross), ``domestic_cost_usd`` and
    ``domestic_value_share``."""
    lines = bill_of_materials(d, bom)
    total_cost = sum(x["cost_usd"] for x in lines)
    return {
        "design": d.name or d.layout,
        "lines": lines,
        "mass_kg": sum(x["mass_kg"] for x in lines),
        "cost_usd": total_cost,
        "cost_usd_per_kwh": total_cost / (_pack.gross_energy_wh(d) / 1000.0),
        "domestic_cost_usd": sum(x["cost_usd"] for x in lines if x["domestic"]),
        "domestic_value_share": domestic_value_share(lines),
    }


def plant_report(plant: PlantSpec, designs: Mapping[str, PackDesign] | PackDesign | None = None) -> dict[str, Any]:
    """Everything for one plant: :func:`plant_output` plus each product's :func:`bom_summary` under ``"bom"``
    and the plant's yearly pack value and its domestic share (good packs × BOM cost, summed over products)."""
    products = resolve_products(plant, designs)
    out = plant_output(plant, {k: d for k, (d, _) in products.items()})
    value = domestic = 0.0
    for row in out["products"]:
        b = bom_summary(products[row["product"]][0], plant.bom)
        row["bom"] = b
        value += row["packs_per_year"] * b["cost_usd"]
        domestic += row["packs_per_year"] * b["domestic_cost_usd"]
    out["plant"]["pack_value_usd_per_year"] = value
    out["plant"]["domestic_value_share"] = domestic / value if value > 0 else 0.0
    return out


def load(path: str | Path) -> PlantSpec:
    """Read a plant TOML file (keys as :class:`PlantSpec`, with ``[mix]`` and ``[bom]`` tables)."""
    from tyaga.catalog import read_toml

    p = Path(path)
    if not p.is_file():
        raise InputError("plant file", str(p), "an existing file")
    try:
        return PlantSpec(**read_toml(p))
    except InputError as exc:
        raise exc.with_source(str(p)) from None
