"""Tests of the synthetic SSDA903 region: layout, codes, episode chains and volumes."""

from __future__ import annotations

import csv
import datetime as dt
import re
from collections import defaultdict
from pathlib import Path

import pytest

from csc import reference, synthetic
from csc.synthetic import placement_costs, ssda903
from csc.synthetic.draws import add_years, age_at
from csc.synthetic.ssda903 import defects as defects_903

SMALL = ["E06000036", "E06000046", "E06000040"]  # Bracknell Forest, Isle of Wight, Windsor
KENT = "E10000016"
IN_YEAR = dt.date(2026, 10, 31)
TABLE_BY_FILE = {name: table for table, name in ssda903.FILE_NAMES.items()}
COLUMNS_BY_FILE = {name: reference.tables()[t].columns for name, t in TABLE_BY_FILE.items()}
COLUMNS_BY_FILE[placement_costs.COSTS_FILE] = placement_costs.COLUMNS
DATE_COLUMNS = {
    "DOB",
    "MC_DOB",
    "DECOM",
    "DEC",
    "DUC",
    "MIS_START",
    "MIS_END",
    "REVIEW",
    "DATE_INT",
    "DATE_MATCH",
    "DATE_PLACED",
    "DATE_PLACED_CEASED",
    "SW_DECOM",
    "SW_DEC",
}
DATE_TEXT = re.compile(r"\d{2}/\d{2}/\d{4}")
UPN_TEXT = re.compile(r"[A-Z]\d{12}|UN[1-5]")
PLACEMENT_RNE = {"P", "T", "U", "B"}


def read_rows(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def parse(text: str) -> dt.date:
    return dt.datetime.strptime(text, "%d/%m/%Y").date()


def returns(root: Path, ons_code: str) -> list[Path]:
    return sorted(p for p in (root / ons_code).iterdir() if p.is_dir())


def reference_date(folder: Path) -> dt.date:
    return dt.date.fromisoformat(folder.name)


def by_child(rows: list[dict[str, str]]) -> dict[str, list[dict[str, str]]]:
    grouped: dict[str, list[dict[str, str]]] = defaultdict(list)
    for row in rows:
        grouped[row["CHILD"]].append(row)
    for items in grouped.values():
        items.sort(key=lambda r: parse(r["DECOM"]) if "DECOM" in r else dt.date.min)
    return grouped


def all_returns(root: Path) -> list[Path]:
    return [
        folder
        for code in sorted(p.name for p in root.iterdir() if p.is_dir())
        for folder in returns(root, code)
    ]


def cla_at(folder: Path) -> set[str]:
    episodes = read_rows(folder / "Episodes.csv")
    return {e["CHILD"] for e in episodes if not e["DEC"] and e["LS"] not in ("V3", "V4")}


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[Path]]:
    out = tmp_path_factory.mktemp("region")
    files = synthetic.generate_region(out, seed=7, scale=1.0, councils=SMALL)
    return out, files


@pytest.fixture(scope="module")
def alone(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("alone")
    synthetic.generate_region(out, seed=7, scale=1.0, councils=[SMALL[0]])
    return out


@pytest.fixture(scope="module")
def with_errors(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("errors")
    synthetic.generate_region(out, seed=7, scale=1.0, councils=SMALL, errors=True)
    return out


# --------------------------------------------------------------------------- determinism


def test_returns_exactly_the_files_written(region: tuple[Path, list[Path]]) -> None:
    root, files = region
    on_disk = sorted(p for p in root.rglob("*") if p.is_file())
    assert sorted(files) == on_disk
    assert not (root / synthetic.INJECTED_ERRORS_FILE).exists()


def tree(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*.csv"))}


def test_same_seed_is_identical_and_independent_of_other_councils(
    region: tuple[Path, list[Path]], alone: Path
) -> None:
    root, _ = region
    mine, theirs = tree(root / SMALL[0]), tree(alone / SMALL[0])
    assert len(mine) > 60
    assert mine == theirs


def test_a_shorter_range_gives_the_same_returns_and_another_seed_differs(
    region: tuple[Path, list[Path]], tmp_path: Path
) -> None:
    root, _ = region
    for seed in (7, 8):
        synthetic.generate_region(
            tmp_path / str(seed),
            seed=seed,
            councils=[SMALL[1]],
            first_year_ending=2020,
            last_year_ending=2021,
            in_year_reference=None,
        )
    full = tree(root / SMALL[1] / "2021-03-31")
    assert tree(tmp_path / "7" / SMALL[1] / "2021-03-31") == full
    other = tree(tmp_path / "8" / SMALL[1] / "2021-03-31")
    assert other.keys() == full.keys()
    assert other["Episodes.csv"] != full["Episodes.csv"]
    assert other["Header.csv"] != full["Header.csv"]


def test_reports_each_council_and_return_as_it_writes_them(tmp_path: Path) -> None:
    lines: list[str] = []
    councils = SMALL[:2]
    synthetic.generate_region(
        tmp_path,
        scale=0.05,
        councils=councils,
        first_year_ending=2025,
        workers=2,
        report=lines.append,
    )
    returns = ("SSDA903", "placement costs", "CIN census", "Annex A")
    for code in councils:
        mine = [line for line in lines if line.startswith(f"{code} ")]
        assert [line.split(": ")[1].split(",")[0] for line in mine] == list(returns), mine
        # Two full years and the in-year extract, with what each holds and how long it took.
        assert all(", 3 returns, " in line or ", 3 workbooks, " in line for line in mine)
        assert all(re.search(r"\d [a-z ]+ \(\d+\.\ds\)$", line) for line in mine), mine
    assert len(lines) == len(councils) * len(returns)


def test_unknown_council_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        synthetic.generate_region(tmp_path, councils=["E99999999"])


# --------------------------------------------------------------------------- layout


def test_folders_are_the_full_years_and_the_in_year_extract(
    region: tuple[Path, list[Path]],
) -> None:
    root, _ = region
    expected = [f"{year}-03-31" for year in range(2017, 2027)] + [IN_YEAR.isoformat()]
    for code in SMALL:
        assert [p.name for p in returns(root, code)] == expected


def test_files_have_exactly_the_dfe_columns(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    specs = reference.tables()
    for folder in all_returns(root):
        year_end = reference.year_ending(reference_date(folder))
        names = {p.name for p in folder.iterdir()}
        expected = {
            name for table, name in ssda903.FILE_NAMES.items() if specs[table].valid_in(year_end)
        }
        others = {placement_costs.COSTS_FILE, "cin_census.xml", "annex_a.xlsx"}
        assert names == expected | others, folder
        assert ("SWEpisodes.csv" in names) == (year_end >= 2024)
        for path in folder.glob("*.csv"):
            raw = path.read_bytes()
            assert b"\r" not in raw
            header = raw.decode("utf-8").split("\n", 1)[0]
            assert tuple(header.split(",")) == COLUMNS_BY_FILE[path.name]


def test_dates_parse_and_codes_are_valid_for_the_year(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    fields = {row["field"] for row in reference.code_rows()}
    for folder in all_returns(root):
        ref = reference_date(folder)
        year_end = reference.year_ending(ref)
        valid = {name: set(reference.codes(name, year_end)) for name in fields}
        for path in folder.glob("*.csv"):
            for row in read_rows(path):
                for column, value in row.items():
                    if not value:
                        continue
                    if column in DATE_COLUMNS:
                        assert DATE_TEXT.fullmatch(value), (path, column, value)
                        day = parse(value)
                        assert day <= ref or column == "DUC", (path, column, value)
                        assert day.year >= 1980
                    elif column in valid:
                        assert value in valid[column], (path, column, value)


def test_header_children_are_the_episode_children(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    for folder in all_returns(root):
        header = read_rows(folder / "Header.csv")
        children = [h["CHILD"] for h in header]
        assert len(children) == len(set(children))
        # Children looked after in the year, and care leavers reported on in OC3 (INT06).
        assert set(children) == {e["CHILD"] for e in read_rows(folder / "Episodes.csv")} | {
            o["CHILD"] for o in read_rows(folder / "OC3.csv")
        }
        in_care = {
            e["CHILD"] for e in read_rows(folder / "Episodes.csv") if e["LS"] not in ("V3", "V4")
        }
        for h in header:
            assert UPN_TEXT.fullmatch(h["UPN"]), h
            male = h["SEX"] in ("1", "M")
            # MOTHER is blank for a child only on short breaks (the DfE's 393), and for a
            # care leaver in the Header only for OC3 (628).
            assert (h["MOTHER"] == "") == (male or h["CHILD"] not in in_care), h
            assert bool(h["MC_DOB"]) == (h["MOTHER"] == "1")
        dob = {h["CHILD"]: h["DOB"] for h in header}
        sex = {h["CHILD"]: h["SEX"] for h in header}
        for u in read_rows(folder / "UASC.csv"):
            assert u["DOB"] == dob[u["CHILD"]] and u["SEX"] == sex[u["CHILD"]]
            eighteenth = add_years(parse(u["DOB"]), 18)
            assert parse(u["DOB"]) < parse(u["DUC"]) <= eighteenth


def test_unknown_upns_are_rare(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    header = read_rows(root / SMALL[0] / "2022-03-31" / "Header.csv")
    unknown = sum(h["UPN"].startswith("UN") for h in header)
    assert unknown <= 0.08 * len(header)


# --------------------------------------------------------------------------- episodes


def test_episode_chains_are_consistent(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    for folder in all_returns(root):
        ref = reference_date(folder)
        header = {h["CHILD"]: parse(h["DOB"]) for h in read_rows(folder / "Header.csv")}
        for child, episodes in by_child(read_rows(folder / "Episodes.csv")).items():
            assert episodes[0]["DECOM"] and parse(episodes[0]["DECOM"]) >= header[child]
            for ep in episodes:
                assert bool(ep["DEC"]) == bool(ep["REC"]), ep
                if ep["DEC"]:
                    assert parse(ep["DECOM"]) < parse(ep["DEC"]) <= ref, ep
                # Temporary and other (Z) placements have no provider.
                no_provider = ep["PLACE"] in ssda903.TEMPORARY or ep["PLACE"].startswith("Z")
                assert (ep["PLACE_PROVIDER"] == "") == no_provider, ep
                assert (ep["PLACE_PROVIDER"] == "PR0") == (ep["PLACE"] == "P1"), ep
            for before, after in zip(episodes, episodes[1:], strict=False):
                # The reason for a move is on the episode that ends with it, unless the move
                # is into or out of a temporary placement (the DfE's rules 225 and 226).
                moved = before["REC"] == "X1" and after["RNE"] in PLACEMENT_RNE
                temporary = {before["PLACE"], after["PLACE"]} & set(ssda903.TEMPORARY)
                assert (before["REASON_PLACE_CHANGE"] != "") == (moved and not temporary), before
                assert before["DEC"], (folder, before)
                if before["REC"] == "X1":
                    assert after["DECOM"] == before["DEC"], (folder, before, after)
                    assert after["RNE"] != "S"
                else:
                    assert parse(after["DECOM"]) > parse(before["DEC"]), (folder, after)
                    assert after["RNE"] == "S"
                    assert before["PLACE"] not in ssda903.TEMPORARY
            last = episodes[-1]
            assert last["REC"] != "X1" and last["REASON_PLACE_CHANGE"] == ""


def test_open_episodes_carry_into_the_next_return(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    for code in SMALL:
        folders = returns(root, code)
        for earlier, later in zip(folders, folders[1:], strict=False):
            before = read_rows(earlier / "Episodes.csv")
            after = {(e["CHILD"], e["DECOM"]): e for e in read_rows(later / "Episodes.csv")}
            still_open = [e for e in before if not e["DEC"]]
            assert still_open
            changed = 0
            for ep in still_open:
                match = after[(ep["CHILD"], ep["DECOM"])]
                expected = ssda903.RECODED_PLACE.get(ep["PLACE"], ep["PLACE"])
                assert match["PLACE"] in (ep["PLACE"], expected)
                same = ("RNE", "LS", "CIN", "PLACE_PROVIDER", "PL_POST", "HOME_POST")
                changed += any(match[c] != ep[c] for c in same)
            assert changed <= max(4, 0.03 * len(still_open))


def test_codes_retired_in_a_year_are_recoded_in_later_returns(
    region: tuple[Path, list[Path]],
) -> None:
    root, _ = region
    seen = 0
    for code in SMALL:
        before = read_rows(root / code / "2024-03-31" / "Episodes.csv")
        after = {
            (e["CHILD"], e["DECOM"]): e
            for e in read_rows(root / code / "2025-03-31" / "Episodes.csv")
        }
        for ep in before:
            if ep["PLACE"] in ("H5", "P2") and not ep["DEC"]:
                assert after[(ep["CHILD"], ep["DECOM"])]["PLACE"] == "K3"
                seen += 1
    assert seen > 0


def test_cla_rate_at_31_march_is_plausible(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    for code in SMALL:
        cla = cla_at(root / code / "2022-03-31")
        rate = len(cla) * 10_000 / reference.population()[(code, 2022)]
        assert 25 <= rate <= 150, (code, rate)


def test_starts_and_ceasings_roughly_balance(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    started = ceased = 0
    for code in SMALL:
        for year in range(2019, 2026):
            for ep in read_rows(root / code / f"{year}-03-31" / "Episodes.csv"):
                if ep["LS"] in ("V3", "V4"):
                    continue
                started += ep["RNE"] == "S" and parse(ep["DECOM"]) >= dt.date(year - 1, 4, 1)
                ceased += ep["REC"] not in ("", "X1")
    assert 0.8 <= started / ceased <= 1.25


def test_placement_moves_are_mostly_few(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    folder = root / SMALL[1] / "2023-03-31"
    episodes = by_child(read_rows(folder / "Episodes.csv"))
    cla = cla_at(folder)
    many = 0
    for child in cla:
        moves = [
            e
            for e in episodes[child]
            if e["RNE"] in ("S", "P", "B")
            and e["PLACE"] not in ssda903.TEMPORARY
            and e["REASON_PLACE_CHANGE"] != "CARPL"
        ]
        many += len(moves) >= 4
    assert many / len(cla) < 0.2


def test_in_year_extract_stops_at_its_reference_date(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    for code in SMALL:
        folder = root / code / IN_YEAR.isoformat()
        episodes = read_rows(folder / "Episodes.csv")
        assert any(parse(e["DECOM"]) > dt.date(2026, 3, 31) for e in episodes)
        assert all(parse(e["DEC"]) >= dt.date(2026, 4, 1) for e in episodes if e["DEC"])


# --------------------------------------------------------------------------- other tables


def test_oc3_rows_are_care_leavers_with_a_birthday_in_the_year(
    region: tuple[Path, list[Path]],
) -> None:
    root, _ = region
    rows = 0
    for folder in all_returns(root):
        ref = reference_date(folder)
        start = dt.date(reference.year_ending(ref) - 1, 4, 1)
        for row in read_rows(folder / "OC3.csv"):
            dob = parse(row["DOB"])
            birthdays = [add_years(dob, n) for n in range(17, 22)]
            assert any(start <= b <= ref for b in birthdays), row
            if row["IN_TOUCH"] in ("NO", "REFU"):
                assert row["ACTIV"] == "0" and row["ACCOM"] == "0"
            rows += 1
    assert rows > 50


def test_oc2_rows_are_children_in_care_for_a_year(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    folder = root / SMALL[0] / "2021-03-31"
    ref = reference_date(folder)
    # In care on 31 March: an episode open then, or ending that day.
    in_care = {
        e["CHILD"]
        for e in read_rows(folder / "Episodes.csv")
        if e["LS"] not in ("V3", "V4") and (not e["DEC"] or parse(e["DEC"]) >= ref)
    }
    rows = read_rows(folder / "OC2.csv")
    assert rows and {r["CHILD"] for r in rows} <= in_care
    for row in rows:
        # The SDQ is asked of children aged 4 to 16 at the end of the year (the DfE's 157).
        if 4 <= age_at(parse(row["DOB"]), ref) <= 16:
            assert row["SDQ_SCORE"] or row["SDQ_REASON"], row
        if row["SDQ_SCORE"]:
            assert 0 <= int(row["SDQ_SCORE"]) <= 40


def test_missing_and_reviews_fall_inside_care(region: tuple[Path, list[Path]]) -> None:
    root, _ = region
    for folder in returns(root, SMALL[2]):
        ref = reference_date(folder)
        episodes = by_child(read_rows(folder / "Episodes.csv"))

        def in_care(child: str, day: dt.date, chains=episodes, ref=ref) -> bool:
            return any(
                parse(e["DECOM"]) <= day <= (parse(e["DEC"]) if e["DEC"] else ref)
                for e in chains[child]
            )

        year_start = dt.date(reference.year_ending(ref) - 1, 4, 1)
        missing = defaultdict(list)
        for row in read_rows(folder / "Missing.csv"):
            start = parse(row["MIS_START"])
            end = parse(row["MIS_END"]) if row["MIS_END"] else ref
            assert start <= end, row
            assert in_care(row["CHILD"], start) or start < year_start, row
            assert in_care(row["CHILD"], end), row
            missing[row["CHILD"]].append((start, end))
        for spans in missing.values():
            spans.sort()
            for (_, end), (start, _) in zip(spans, spans[1:], strict=False):
                assert start > end
        for row in read_rows(folder / "Reviews.csv"):
            day = parse(row["REVIEW"])
            assert in_care(row["CHILD"], day), row
            under_four = age_at(parse(row["DOB"]), day) < 4
            assert (row["REVIEW_CODE"] == "PN0") == under_four


def test_kent_has_far_more_uasc(tmp_path: Path) -> None:
    synthetic.generate_region(
        tmp_path,
        scale=0.25,
        councils=[KENT, SMALL[0]],
        first_year_ending=2023,
        last_year_ending=2023,
        in_year_reference=None,
    )
    share = {}
    for code in (KENT, SMALL[0]):
        folder = tmp_path / code / "2023-03-31"
        uasc = {u["CHILD"] for u in read_rows(folder / "UASC.csv")}
        cla = cla_at(folder)
        share[code] = len(uasc & cla) / len(cla)
    assert share[KENT] > 0.12
    assert share[KENT] > 2 * share[SMALL[0]]


# --------------------------------------------------------------------------- injected defects


def _breaches(folder: Path, rule: str, child: str) -> bool:
    ref = reference_date(folder)
    year_end = reference.year_ending(ref)
    episodes = by_child(read_rows(folder / "Episodes.csv")).get(child, [])
    if rule == defects_903.RULE_DEC_BEFORE_DECOM:
        return any(e["DEC"] and parse(e["DEC"]) < parse(e["DECOM"]) for e in episodes)
    if rule == defects_903.RULE_DEC_REC_MISMATCH:
        return any(bool(e["DEC"]) != bool(e["REC"]) for e in episodes)
    if rule == defects_903.RULE_OVERLAPPING_EPISODES:
        return any(
            b["DEC"] and parse(a["DECOM"]) < parse(b["DEC"])
            for b, a in zip(episodes, episodes[1:], strict=False)
        )
    if rule == defects_903.RULE_CONTINUATION_DECOM:
        return any(
            a["RNE"] != "S" and a["DECOM"] != b["DEC"]
            for b, a in zip(episodes, episodes[1:], strict=False)
        )
    if rule == defects_903.RULE_CHILD_NOT_IN_HEADER:
        header = {h["CHILD"] for h in read_rows(folder / "Header.csv")}
        return bool(episodes) and child not in header
    if rule == defects_903.RULE_OVERLAPPING_MISSING:
        spans = sorted(
            (parse(m["MIS_START"]), parse(m["MIS_END"]) if m["MIS_END"] else ref)
            for m in read_rows(folder / "Missing.csv")
            if m["CHILD"] == child
        )
        return any(s <= e for (_, e), (s, _) in zip(spans, spans[1:], strict=False))
    if rule == defects_903.RULE_DEC_AFTER_YEAR_END:
        end = dt.date(year_end, 3, 31)
        return any(e["DEC"] and parse(e["DEC"]) > end for e in episodes)
    if rule == defects_903.RULE_CODE_NOT_VALID:
        header = [h for h in read_rows(folder / "Header.csv") if h["CHILD"] == child]
        sexes = set(reference.codes("SEX", year_end))
        places = set(reference.codes("PLACE", year_end))
        return any(h["SEX"] not in sexes for h in header) or any(
            e["PLACE"] not in places for e in episodes
        )
    raise AssertionError(f"unknown rule {rule}")


def csv_defects(root: Path) -> list[dict[str, str]]:
    """Injected defects in CSV files: the SSDA903 tables and placement costs."""
    return [
        r for r in read_rows(root / synthetic.INJECTED_ERRORS_FILE) if r["file"].endswith(".csv")
    ]


def ssda903_defects(root: Path) -> list[dict[str, str]]:
    """Injected SSDA903 defects; the CIN census's are tested in test_generate_cin.py and
    the placement costs' in test_placement_costs.py."""
    return [r for r in csv_defects(root) if r["file"] != placement_costs.COSTS_FILE]


def test_injected_errors_are_listed_and_present(with_errors: Path) -> None:
    listed = ssda903_defects(with_errors)
    assert listed
    assert tuple(listed[0]) == synthetic.INJECTED_ERRORS_COLUMNS
    assert len({r["rule"] for r in listed}) >= 4
    for row in listed:
        folder = with_errors / row["ons_code"] / row["reference_date"]
        assert (folder / row["file"]).exists()
        assert _breaches(folder, row["rule"], row["child"]), row


def test_injected_errors_are_few_and_leave_other_files_untouched(
    region: tuple[Path, list[Path]], with_errors: Path
) -> None:
    root, _ = region
    listed = ssda903_defects(with_errors)
    per_return = defaultdict(int)
    for row in listed:
        per_return[(row["ons_code"], row["reference_date"])] += 1
    assert max(per_return.values()) <= 3
    assert len(per_return) < 0.7 * len(SMALL) * 11
    touched = {(r["ons_code"], r["reference_date"]) for r in csv_defects(with_errors)}
    for path in root.rglob("*.csv"):
        relative = path.relative_to(root)
        if (relative.parts[0], relative.parts[1]) not in touched:
            assert path.read_bytes() == (with_errors / relative).read_bytes(), relative


def test_injected_errors_keep_files_well_formed(with_errors: Path) -> None:
    keys = {"Episodes.csv": ("CHILD", "DECOM"), "Missing.csv": ("CHILD", "MIS_START")}
    for folder in all_returns(with_errors):
        for path in folder.glob("*.csv"):
            rows = read_rows(path)
            columns = COLUMNS_BY_FILE[path.name]
            assert all(tuple(row) == columns for row in rows)
            for row in rows:
                for column in DATE_COLUMNS & row.keys():
                    assert not row[column] or parse(row[column]), (path, row)
            if path.name in keys:
                seen = [tuple(row[c] for c in keys[path.name]) for row in rows]
                assert len(seen) == len(set(seen)), path
