"""SSDA903: wording shared by the modules of the DfE's rules 400 and over."""

OPEN_EPISODES_END = (
    "The DfE's tool runs its rules one after another on the same tables, and its rule 365 "
    "fills in every blank date episode ceased with 31 March before this rule runs, so this "
    "rule sees episodes still open as ceased on 31 March; the warehouse reads the return as "
    "sent, with open episodes open."
)


# Periods of care: a child's episodes, in order of start, joined while each starts no later
# than the one before it ceased; with the first start and the last episode's date ceased.
PERIODS_OF_CARE = """
    with ordered as (
        select _cy, "CHILD", "DECOM_d", "DEC_d", _row,
            coalesce("DECOM_d" > lag("DEC_d") over w, false)
                or lag(_row) over w is null as starts
        from episodes where "DECOM_d" is not null
        window w as (partition by _cy, "CHILD" order by "DECOM_d", _row)
    ),
    numbered as (
        select *, sum(starts::int) over (
            partition by _cy, "CHILD" order by "DECOM_d", _row
        ) as period from ordered
    )
    select _cy, "CHILD", period, min("DECOM_d") as poc_start,
        arg_max_null("DEC_d", ("DECOM_d", _row)) as poc_end
    from numbered group by all
"""


def opened_while_one_is_open(table: str, start: str, end: str) -> str:
    """Rows of `table` (a child's spells, from `start` to `end`, blank while open) that start
    while the child's spell before them is still open: the spells in order of their end (an
    open one at its start), each against the one before it."""
    return f"""
        select _file, _row from (
            select *, lag("{end}_d") over w as prev_end,
                lag(_row) over w is not null and "CHILD" is not null as has_prev
            from {table}
            window w as (
                partition by _cy, "CHILD"
                order by coalesce("{end}_d", "{start}_d") nulls last,
                    "{start}_d" nulls last, _row
            )
        ) where has_prev and (prev_end is null or "{start}_d" < prev_end)
    """
