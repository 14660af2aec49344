"""Default statistical neighbours: each council's ten nearest councils by their characteristics.

The DfE publishes a statistical-neighbour list for every council, drawn from all of England
by a model of socio-economic characteristics. Until the region loads that list into
`seeds/statistical_neighbours.csv`, the warehouse derives a default one from the region's
own seeds, with a method written down here so anyone can check or repeat it:

1. Five characteristics per council: the number of children aged 0-17 (the latest mid-year
   in `seeds/population.csv`, on a log scale so a county and a small unitary differ by
   their ratio, not their difference), whether the council is a county (ONS code `E10`)
   or a unitary authority, and from `seeds/council_characteristics.csv` the percentages
   of children in low-income families, of people living in rural areas, and of children
   from minority ethnic groups.
2. Each characteristic is standardised across the nineteen councils (minus the mean,
   divided by the population standard deviation), so each weighs the same.
3. The distance between two councils is the Euclidean distance between their
   standardised characteristics.
4. A council's neighbours are the ten other councils nearest to it, ranked 1 (nearest) to
   10; equal distances are ordered by ONS code.

`python -m csc.neighbours` writes the seed; a test checks the committed seed is what the
method gives.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

from csc import reference

NEIGHBOURS = 10
SEED_FILE = reference.SEEDS / "statistical_neighbours.csv"
CHARACTERISTICS_FILE = reference.SEEDS / "council_characteristics.csv"
SEED_COLUMNS = ("ons_code", "neighbour_ons_code", "neighbour_rank", "distance", "method")
METHOD = "derived: nearest by standardised characteristics (src/csc/neighbours.py)"


def characteristics() -> dict[str, list[float]]:
    """The five characteristics of each council, in seed order."""
    with open(CHARACTERISTICS_FILE, newline="", encoding="utf-8") as handle:
        rows = {row["ons_code"]: row for row in csv.DictReader(handle)}
    population = reference.population()
    out: dict[str, list[float]] = {}
    for code in reference.councils():
        row = rows[code]
        latest = max(year for (council, year) in population if council == code)
        out[code] = [
            math.log(population[(code, latest)]),
            1.0 if code.startswith("E10") else 0.0,
            float(row["pct_children_low_income"]),
            float(row["pct_population_rural"]),
            float(row["pct_children_minority_ethnic"]),
        ]
    return out


def standardised(values: dict[str, list[float]]) -> dict[str, list[float]]:
    columns = list(zip(*values.values(), strict=True))
    scaled_columns = []
    for column in columns:
        mean = sum(column) / len(column)
        spread = math.sqrt(sum((v - mean) ** 2 for v in column) / len(column))
        scaled_columns.append([(v - mean) / spread if spread else 0.0 for v in column])
    return {code: [column[i] for column in scaled_columns] for i, code in enumerate(values)}


def derive(values: dict[str, list[float]] | None = None) -> list[tuple[str, str, int, float]]:
    """(council, neighbour, rank, distance) for each council's ten nearest councils."""
    scaled = standardised(values or characteristics())
    rows = []
    for code, point in scaled.items():
        distances = sorted(
            (round(math.dist(point, other), 4), other_code)
            for other_code, other in scaled.items()
            if other_code != code
        )
        for rank, (distance, other_code) in enumerate(distances[:NEIGHBOURS], 1):
            rows.append((code, other_code, rank, distance))
    return rows


def write_seed(path: Path = SEED_FILE) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SEED_COLUMNS)
        for code, neighbour, rank, distance in derive():
            writer.writerow((code, neighbour, rank, f"{distance:.4f}", METHOD))
    return path


if __name__ == "__main__":
    print(f"wrote {write_seed()}")
