"""Business-rule defects injected into a share of the SSDA903 returns (`--errors`), each
listed with the rule it breaks and the child it touches."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterable

from csc import reference
from csc.synthetic.draws import between, choice, days, fmt, parse
from csc.synthetic.ssda903.plans import HOME_REC_MIX
from csc.synthetic.ssda903.tables import FILE_NAMES, Tables
from csc.synthetic.views import InjectedError, View

RULE_CODE_NOT_VALID = "code_not_valid_for_year"
RULE_DEC_BEFORE_DECOM = "dec_before_decom"
RULE_DEC_REC_MISMATCH = "dec_rec_mismatch"
RULE_OVERLAPPING_EPISODES = "overlapping_episodes"
RULE_CONTINUATION_DECOM = "continuation_decom_not_previous_dec"
RULE_CHILD_NOT_IN_HEADER = "episode_child_missing_from_header"
RULE_OVERLAPPING_MISSING = "overlapping_missing_periods"
RULE_DEC_AFTER_YEAR_END = "dec_after_collection_year_end"
ERROR_RETURN_SHARE = 0.3


def _columns(table: str) -> tuple[str, ...]:
    return reference.tables()[table].columns


def _col(table: str, name: str) -> int:
    return _columns(table).index(name)


def _by_child(rows: list[list[str]]) -> dict[str, list[list[str]]]:
    grouped: dict[str, list[list[str]]] = {}
    for row in rows:
        grouped.setdefault(row[0], []).append(row)
    return grouped


class Injector:
    """Applies business-rule defects to one rendered return and records them."""

    def __init__(self, rng: random.Random, tables: Tables, view: View) -> None:
        self.rng, self.tables, self.view = rng, tables, view
        self.used: set[str] = set()
        self.episodes = _by_child(tables["episodes"])

    def _free(self, candidates: Iterable[str]) -> list[str]:
        return sorted(c for c in set(candidates) if c not in self.used)

    def _take(self, candidates: list[str]) -> str | None:
        if not candidates:
            return None
        child = choice(self.rng, candidates)
        self.used.add(child)
        return child

    def code_not_valid(self) -> tuple[str, str] | None:
        if self.rng.random() < 0.5:
            invalid = "H5" if self.view.year_ending >= 2025 else "K3"
            place = _col("episodes", "PLACE")
            rows = [r for r in self.tables["episodes"] if r[place] in ("H5", "K3", "K2", "U6")]
            child = self._take(self._free(r[0] for r in rows))
            if child is not None:
                next(r for r in rows if r[0] == child)[place] = invalid
                return "episodes", child
        header = self.tables["header"]
        child = self._take(self._free(r[0] for r in header))
        if child is None:
            return None
        row = next(r for r in header if r[0] == child)
        row[1] = {"M": "1", "F": "2", "1": "M", "2": "F"}.get(row[1], row[1])
        return "header", child

    def dec_before_decom(self) -> tuple[str, str] | None:
        rec, dec, decom = (_col("episodes", c) for c in ("REC", "DEC", "DECOM"))
        rows = [r for r in self.tables["episodes"] if r[dec] and r[rec] != "X1"]
        child = self._take(self._free(r[0] for r in rows))
        if child is None:
            return None
        row = next(r for r in rows if r[0] == child)
        row[dec] = fmt(parse(row[decom]) - days(between(self.rng, 1, 30)))
        return "episodes", child

    def dec_rec_mismatch(self) -> tuple[str, str] | None:
        rec, dec = _col("episodes", "REC"), _col("episodes", "DEC")
        rows = [r for r in self.tables["episodes"] if r[rec] != "X1"]
        child = self._take(self._free(r[0] for r in rows))
        if child is None:
            return None
        row = next(r for r in rows if r[0] == child)
        if row[dec]:
            row[rec] = ""
        else:
            row[rec] = HOME_REC_MIX.pick(self.rng)
        return "episodes", child

    def _continuations(self, min_room: int) -> list[tuple[list[str], list[str]]]:
        rec, dec, decom = (_col("episodes", c) for c in ("REC", "DEC", "DECOM"))
        pairs = []
        for child, rows in self.episodes.items():
            if child in self.used:
                continue
            for before, after in itertools.pairwise(rows):
                if before[rec] != "X1" or before[dec] != after[decom]:
                    continue
                room = (parse(before[dec]) - parse(before[decom])).days
                ahead = parse(after[dec]) if after[dec] else self.view.reference_date
                if room >= min_room and (ahead - parse(after[decom])).days >= min_room:
                    pairs.append((before, after))
        return pairs

    def overlapping_episodes(self) -> tuple[str, str] | None:
        decom = _col("episodes", "DECOM")
        pairs = self._continuations(3)
        if not pairs:
            return None
        before, after = choice(self.rng, pairs)
        room = (parse(after[decom]) - parse(before[decom])).days
        after[decom] = fmt(parse(after[decom]) - days(between(self.rng, 1, room - 1)))
        self.used.add(before[0])
        return "episodes", before[0]

    def continuation_gap(self) -> tuple[str, str] | None:
        decom, dec = _col("episodes", "DECOM"), _col("episodes", "DEC")
        pairs = self._continuations(3)
        if not pairs:
            return None
        before, after = choice(self.rng, pairs)
        ahead = parse(after[dec]) if after[dec] else self.view.reference_date
        room = (ahead - parse(after[decom])).days
        after[decom] = fmt(parse(after[decom]) + days(between(self.rng, 1, min(10, room - 1))))
        self.used.add(before[0])
        return "episodes", before[0]

    def child_not_in_header(self) -> tuple[str, str] | None:
        header = self.tables["header"]
        child = self._take(self._free(r[0] for r in header))
        if child is None:
            return None
        header[:] = [r for r in header if r[0] != child]
        return "episodes", child

    def overlapping_missing(self) -> tuple[str, str] | None:
        # The new period starts strictly inside an earlier one (a start on the day the
        # earlier one ended is a new period, not an overlap).
        rows = [r for r in self.tables["missing"] if r[4] and (parse(r[4]) - parse(r[3])).days >= 2]
        child = self._take(self._free(r[0] for r in rows))
        if child is None:
            return None
        row = next(r for r in rows if r[0] == child)
        began, back = parse(row[3]), parse(row[4])
        start = began + days(between(self.rng, 1, (back - began).days - 1))
        end = min(back + days(between(self.rng, 0, 3)), self.view.reference_date)
        extra = [row[0], row[1], "M" if row[2] == "A" else "A", fmt(start), fmt(end)]
        missing = self.tables["missing"]
        missing.insert(missing.index(row) + 1, extra)
        return "missing", child

    def dec_after_year_end(self) -> tuple[str, str] | None:
        if not self.view.full_year:
            return None
        dec, rec = _col("episodes", "DEC"), _col("episodes", "REC")
        lasts = [rows[-1] for c, rows in self.episodes.items() if not rows[-1][dec]]
        child = self._take(self._free(r[0] for r in lasts))
        if child is None:
            return None
        row = next(r for r in lasts if r[0] == child)
        row[dec] = fmt(self.view.reference_date + days(between(self.rng, 1, 60)))
        row[rec] = HOME_REC_MIX.pick(self.rng)
        return "episodes", child


DEFECTS: tuple[tuple[str, str], ...] = (
    (RULE_CODE_NOT_VALID, "code_not_valid"),
    (RULE_DEC_BEFORE_DECOM, "dec_before_decom"),
    (RULE_DEC_REC_MISMATCH, "dec_rec_mismatch"),
    (RULE_OVERLAPPING_EPISODES, "overlapping_episodes"),
    (RULE_CONTINUATION_DECOM, "continuation_gap"),
    (RULE_CHILD_NOT_IN_HEADER, "child_not_in_header"),
    (RULE_OVERLAPPING_MISSING, "overlapping_missing"),
    (RULE_DEC_AFTER_YEAR_END, "dec_after_year_end"),
)


def inject_defects(
    rng: random.Random, ons_code: str, tables: Tables, view: View
) -> list[InjectedError]:
    if not tables["episodes"] or rng.random() >= ERROR_RETURN_SHARE:
        return []
    injector = Injector(rng, tables, view)
    chosen = rng.sample(DEFECTS, between(rng, 1, 3))
    out = []
    for rule, method in chosen:
        result = getattr(injector, method)()
        if result is not None:
            table, child = result
            out.append(InjectedError(ons_code, view.reference_date, FILE_NAMES[table], rule, child))
    return out
