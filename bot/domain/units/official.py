"""Official provinces and communes since the 2025 reform (34 provinces and cities, 3,321 xã, phường
and đặc khu), read from the `vietnam-provinces` package and written through the CSV unit import.

Why a package and not a CSV of our own: the list is the General Statistics Office's, with its codes,
and it changes by resolution (a commune renamed, two merged); a maintained package follows those
changes, and a new release is one pin in pyproject.toml. Only its JSON data file is read.

Why through `import_units_csv`: the official rows become the same `code,name,kind,parent_code` rows an
operator's file has, so they get the same checks, the same matching by code (re-importing updates
names and kinds), the same moves and the same single transaction. Villages are not in the official
list: they come from the operator's CSV, with the official codes as their parents, and may be given
in the same call so that one mistake in them leaves the official units unwritten too.

Codes are the official ones as text, zero-padded as the statistics office writes them: two digits for
a province ("20" Lạng Sơn), five for a commune ("06004"). Names are stored without their kind word
("Bình Gia", kind "commune"), as the rest of the tree is: `unit_display` puts "xã" in front.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from types import ModuleType

from sqlmodel import Session

from bot.domain.parsing.text import fold
from bot.domain.units.tree import REQUIRED_COLUMNS, UnitImportError, UnitImportReport, import_units_csv


def _package() -> ModuleType:
    """The official data package, imported on first use: the bot itself never needs it at start."""
    import vietnam_provinces  # heavy: 28 ms and its data modules, only for import-units and the sandbox

    return vietnam_provinces


def package_version() -> str:
    return str(_package().__version__)
KINDS = {"tỉnh": "province", "thành phố trung ương": "city", "xã": "commune", "phường": "ward",
         "đặc khu": "special_zone"}
"""The package's division types → our unit kinds (those of UNIT_KINDS and the catalogue's levels)."""
_PREFIXES = ("Thành phố ", "Tỉnh ", "Xã ", "Phường ", "Đặc khu ")


@dataclass(frozen=True)
class OfficialUnit:
    code: str
    name: str
    kind: str
    parent_code: str


@dataclass(frozen=True)
class OfficialProvince:
    code: str
    name: str
    kind: str
    communes: tuple[OfficialUnit, ...]

    def rows(self, under: str = "") -> list[OfficialUnit]:
        """The province (under `under`, a unit above provinces such as a country, or at the top) and its communes."""
        return [OfficialUnit(self.code, self.name, self.kind, under), *self.communes]


class OfficialUnitsError(UnitImportError):
    """The official import cannot go ahead (unknown province, bad list); nothing was written."""


def _bare_name(name: str) -> str:
    """"Xã Bình Gia" → "Bình Gia"; "Thành phố Hà Nội" → "Hà Nội" (the kind says the rest)."""
    for prefix in _PREFIXES:
        if name.startswith(prefix) and len(name) > len(prefix):
            return name[len(prefix):].strip()
    return name.strip()


def _kind(division_type: str, where: str) -> str:
    kind = KINDS.get(division_type)
    if kind is None:
        raise OfficialUnitsError([f"{where}: unknown kind of unit {division_type!r} in vietnam-provinces "
                                  f"{package_version()}"])
    return kind


@cache
def official_provinces(path: Path | None = None) -> tuple[OfficialProvince, ...]:
    """Every province with its communes, in the package's order (read once per process)."""
    source = path or _package().NESTED_DIVISIONS_JSON_PATH
    data = json.loads(source.read_text(encoding="utf-8"))
    provinces: list[OfficialProvince] = []
    for entry in data:
        code = f"{int(entry['code']):02d}"
        communes = tuple(OfficialUnit(f"{int(w['code']):05d}", _bare_name(str(w["name"])),
                                      _kind(str(w["division_type"]), f"{w['name']} ({w['code']})"), code)
                         for w in entry.get("wards", []))
        provinces.append(OfficialProvince(code, _bare_name(str(entry["name"])),
                                          _kind(str(entry["division_type"]), str(entry["name"])), communes))
    return tuple(provinces)


def find_province(query: str, provinces: tuple[OfficialProvince, ...] | None = None) -> OfficialProvince:
    """A province by official code ("20", "020") or by name, accents and "tỉnh"/"thành phố" optional."""
    provinces = provinces if provinces is not None else official_provinces()
    wanted = fold(query)
    if wanted.isdigit():
        for province in provinces:
            if int(province.code) == int(wanted):
                return province
    for prefix in ("tinh ", "thanh pho ", "tp. ", "tp "):
        if wanted.startswith(prefix):
            wanted = wanted[len(prefix):].strip()
    for province in provinces:
        if fold(province.name) == wanted:
            return province
    near = [p.name for p in provinces if wanted and (wanted in fold(p.name) or fold(p.name) in wanted)]
    hint = f" (did you mean: {', '.join(near)}?)" if near else " (give the name or the two-digit code)"
    raise OfficialUnitsError([f"no province or city {query!r} in vietnam-provinces {package_version()}{hint}"])


def _check(provinces: list[OfficialProvince]) -> None:
    """Refuse a list we cannot trust before writing anything: empty, repeated codes, empty names."""
    problems: list[str] = []
    seen: set[str] = set()
    for province in provinces:
        if not province.communes:
            problems.append(f"{province.name} ({province.code}) has no communes in the list")
        for unit in province.rows():
            if not unit.name:
                problems.append(f"unit {unit.code} has no name")
            if unit.code in seen:
                problems.append(f"code {unit.code} appears twice in the list")
            seen.add(unit.code)
    if problems:
        raise OfficialUnitsError(problems)


def official_csv(provinces: list[OfficialProvince], extra: str | None = None, under: str = "") -> str:
    """The units as one `code,name,kind,parent_code` text: the extra file's rows first, so that a
    problem in it is reported at its own line number, then the official rows."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(REQUIRED_COLUMNS)
    if extra is not None:
        rows = list(csv.DictReader(io.StringIO(extra)))
        if rows:
            missing = [c for c in REQUIRED_COLUMNS if c not in rows[0]]
            if missing:
                raise UnitImportError([f"missing column(s): {', '.join(missing)}"])
        for row in rows:
            writer.writerow([(row.get(c) or "") for c in REQUIRED_COLUMNS])
    for province in provinces:
        for unit in province.rows(under):
            writer.writerow([unit.code, unit.name, unit.kind, unit.parent_code])
    return out.getvalue()


def import_official_units(session: Session, queries: list[str], *, everything: bool = False,
                          extra: Path | str | None = None, under: str | None = None,
                          user_id: int | None = None) -> UnitImportReport:
    """Create or update the named provinces (or all of them) with their official communes, and the
    extra CSV's units (villages) with them, in one transaction: all or nothing. `under` puts the
    provinces under a unit above them (a ministry's national unit); by default they are roots."""
    provinces = list(official_provinces()) if everything else [find_province(q) for q in queries]
    if not provinces:
        raise OfficialUnitsError(["name a province (--official NAME or CODE) or give --all"])
    unique = list({p.code: p for p in provinces}.values())
    _check(unique)
    extra_text = extra.read_text(encoding="utf-8-sig") if isinstance(extra, Path) else extra
    return import_units_csv(session, official_csv(unique, extra_text, under or ""), user_id=user_id)
