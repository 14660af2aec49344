"""The default statistical neighbours: the committed seed is what the documented method gives."""

from __future__ import annotations

import csv

from csc import neighbours, reference


def test_committed_seed_is_the_derivation(tmp_path):
    written = neighbours.write_seed(tmp_path / "statistical_neighbours.csv")
    assert written.read_text() == neighbours.SEED_FILE.read_text()


def test_every_council_has_ten_other_councils_nearest_first():
    rows = neighbours.derive()
    for code in reference.councils():
        mine = [r for r in rows if r[0] == code]
        assert [rank for _, _, rank, _ in mine] == list(range(1, 11))
        assert code not in {neighbour for _, neighbour, _, _ in mine}
        distances = [distance for _, _, _, distance in mine]
        assert distances == sorted(distances)


def test_nearest_is_by_standardised_distance_with_ties_by_code():
    # The second characteristic has no spread, so it weighs nothing; on the first, B and C
    # are equally near to each other's neighbour and ties go by code.
    values = {"A": [0.0, 5.0], "B": [1.0, 5.0], "C": [2.0, 5.0], "D": [10.0, 5.0]}
    assert [round(v[1], 6) for v in neighbours.standardised(values).values()] == [0.0] * 4
    rows = neighbours.derive(values)
    assert [n for c, n, _, _ in rows if c == "A"] == ["B", "C", "D"]
    assert [n for c, n, _, _ in rows if c == "B"] == ["A", "C", "D"]
    assert [n for c, n, _, _ in rows if c == "D"] == ["C", "B", "A"]


def test_seed_characteristics_cover_every_council():
    with open(neighbours.CHARACTERISTICS_FILE, newline="", encoding="utf-8") as handle:
        codes = [row["ons_code"] for row in csv.DictReader(handle)]
    assert sorted(codes) == sorted(reference.councils())
