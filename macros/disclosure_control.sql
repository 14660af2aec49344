{#- Disclosure control for everything shared beyond a council: the one rule.

    Cells shared beyond a council come in groups that add up to a published total: the
    councils of one indicator and year make the region's value; the councils and the
    region's row of one placement group or pathway move; the placement groups of one
    council and its spend in the year. Within each group the hidden cells, counting the
    total among them when it is hidden, must never be exactly one: a single hidden cell
    could be recovered by subtracting the shown cells from the shown total.

    suppress_small_counts hides a count of 1 to threshold - 1 children (1-9 by default;
    var disclosure_threshold: primary suppression), and in a group with exactly one hidden
    cell the smallest other cell (secondary suppression): the smallest count at or above
    the threshold, or else the smallest zero. When the total is itself a row of the group
    (a region's row), it takes its turn as that other cell, so a council alone in a group
    is hidden with the region's row: the whole group. `hidden_already` carries cells hidden
    by an earlier pass (another grouping of the same cells), so a table summed two ways is
    protected by applying the macro once per grouping.

    When a group has no other cell to hide (one council in the group, the other councils
    missing or sending nothing), its one hidden cell stays alone: lone_hidden_cell marks
    every row of such a group, and the model hides the group's total instead.

    Both return boolean expressions, never null (true = hide), made of window functions:
    they belong in a select list, one pass per CTE. -#}
{% macro suppress_small_counts(count, within, tiebreak, hidden_already='false', threshold=none) -%}
    {%- set threshold = threshold or var('disclosure_threshold') -%}
    {%- set hidden -%}
        (
            coalesce({{ hidden_already }}, false)
            or coalesce({{ count }} >= 1 and {{ count }} < {{ threshold }}, false)
        )
    {%- endset -%}
    (
        {{ hidden }}
        or (
            sum(case when {{ hidden }} then 1 else 0 end) over (partition by {{ within | join(', ') }}) = 1
            and {{ count }} is not null
            and row_number() over (
                partition by {{ within | join(', ') }}
                order by
                    case
                        when {{ hidden }} or {{ count }} is null then 2
                        when {{ count }} >= {{ threshold }} then 0
                        else 1
                    end,
                    {{ count }},
                    {{ tiebreak }}
            ) = 1
        )
    )
{%- endmacro %}

{#- True on every row of a group holding exactly one hidden cell: secondary suppression
    found no other cell to hide, so the group's total must be hidden. -#}
{% macro lone_hidden_cell(hidden, within) -%}
    (sum(case when {{ hidden }} then 1 else 0 end) over (partition by {{ within | join(', ') }}) = 1)
{%- endmacro %}

{#- The number as published: null where the cell is hidden. -#}
{% macro published_number(value, hidden) -%}
    case when {{ hidden }} then null else {{ value }} end
{%- endmacro %}

{#- The government statistics symbol beside a published number: c (confidential: hidden
    by disclosure control), z (not applicable), x (not available), or null where the
    number is shown. -#}
{% macro publication_symbol(value, hidden, not_applicable='false') -%}
    case
        when {{ hidden }} then 'c'
        when {{ not_applicable }} then 'z'
        when {{ value }} is null then 'x'
    end
{%- endmacro %}

{#- Generic test: no shared cell discloses. For every count column (each with its
    <column>_symbol beside it) a shown count is 0 or at least the threshold; within each
    grouping in `within` (cells summing to a published total; `partition_where` limits
    which rows belong to the groups) no group has exactly one hidden cell, unless the
    group's total is hidden too. A grouping is a list of columns when its total is a row of
    the group itself (a region's row), or is published nowhere else; or a mapping
    {columns: [...], total_symbol: column} when the total is published beside the cells,
    the column carrying the total's symbol on every row of the group. Each column in
    `derived` (a rate, an average, a share) is hidden wherever a count in its row is
    hidden. A column's symbol is <column>_symbol, or as `symbols` maps it (several
    columns sharing one symbol). -#}
{% test disclosure_controlled(
    model, counts, within=[], derived=[], partition_where='true', threshold=none, symbols={}
) %}
    {%- set threshold = threshold or var('disclosure_threshold') -%}
    with

    cells as (
        select * from {{ model }}
    ),

    failures as (
        select
            'none' as failure,
            'none' as column_name,
            'none' as detail
        from cells
        where false
        {% for count in counts %}
            union all
            select
                'shown count below threshold' as failure,
                '{{ count }}' as column_name,
                cast({{ count }} as {{ dbt.type_string() }}) as detail
            from cells
            where {{ symbols.get(count, count ~ '_symbol') }} is null and {{ count }} >= 1 and {{ count }} < {{ threshold }}
            {% for grouping in within %}
                {%- set columns = grouping['columns'] if grouping is mapping else grouping -%}
                {%- set total_symbol = grouping.get('total_symbol') if grouping is mapping else none %}
                union all
                select
                    'one hidden cell in a group with a published total' as failure,
                    '{{ count }}' as column_name,
                    {{ columns | join(" || '/' || ") }} as detail
                from cells
                where {{ partition_where }}
                group by {{ columns | join(', ') }}
                having
                    sum(case when {{ symbols.get(count, count ~ '_symbol') }} = 'c' then 1 else 0 end) = 1
                    {% if total_symbol %}
                        and sum(case when {{ total_symbol }} = 'c' then 1 else 0 end) = 0
                    {% endif %}
            {% endfor %}
            {% for column in derived %}
                union all
                select
                    'derived value shown beside a hidden count' as failure,
                    '{{ column }}' as column_name,
                    cast({{ column }} as {{ dbt.type_string() }}) as detail
                from cells
                where {{ symbols.get(count, count ~ '_symbol') }} = 'c' and {{ symbols.get(column, column ~ '_symbol') }} is null
            {% endfor %}
        {% endfor %}
    )

    select * from failures
{% endtest %}

{#- Cells that add up two ways, protected both ways: the CTEs suppress_two_ways_pass_0 to
    _N, _checked and then `name` (keys and `hidden`), to follow a `with` list. `cells` holds
    one row per cell with the `keys` and `count`; `first` and `second` are the two
    groupings, each a pair [within columns, tiebreak column] (say the areas of one group
    and year, whose total is the region's row, then the groups of one area and year, whose
    total is a row of its own). Secondary suppression runs one grouping then the other,
    round after round, each round hiding a partner for any cell an earlier pass left
    alone; a `whole` (say a year) still unsettled after the last round is hidden whole. -#}
{% macro suppress_two_ways(name, cells, keys, count, first, second, whole, rounds=4) -%}
    {%- set passes = rounds * 2 %}
    suppress_two_ways_pass_0 as (
        select
            *,
            false as hidden_0
        from {{ cells }}
    ),

{% for pass in range(1, passes + 1) %}
    {% set within, tiebreak = first if pass % 2 == 1 else second %}
    suppress_two_ways_pass_{{ pass }} as (
        select
            *,
            {{ suppress_small_counts(count, within, tiebreak, hidden_already='hidden_' ~ (pass - 1)) }}
                as hidden_{{ pass }}
        from suppress_two_ways_pass_{{ pass - 1 }}
    ),
{% endfor %}

    suppress_two_ways_checked as (
        select
            *,
            {{ lone_hidden_cell('hidden_' ~ passes, first[0]) }}
            or {{ lone_hidden_cell('hidden_' ~ passes, second[0]) }} as unsettled
        from suppress_two_ways_pass_{{ passes }}
    ),

    {{ name }} as (
        select
            {{ keys | join(', ') }},
            hidden_{{ passes }}
            or max(case when unsettled then 1 else 0 end) over (partition by {{ whole }}) = 1 as hidden
        from suppress_two_ways_checked
    )
{%- endmacro %}
