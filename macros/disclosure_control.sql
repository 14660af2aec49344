{#- Disclosure control for everything shared beyond a council: the one rule.

    A count of 1 to threshold - 1 children (1-9 by default; var disclosure_threshold) is
    hidden (primary suppression). Where a group of cells adds up to a published total
    (the councils of the region for one indicator and year, say) and exactly one cell of
    the group is hidden, that cell could be recovered by subtracting the others from the
    total, so the smallest other cell is hidden too (secondary suppression): the smallest
    count at or above the threshold, or else the smallest zero. `hidden_already` carries
    cells hidden by an earlier pass (another grouping of the same cells), so a table
    summed two ways is protected by applying the macro once per grouping.

    Returns a boolean expression, never null (true = hide the cell). It uses window
    functions, so it belongs in a select list, one pass per CTE. -#}
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
    group's total is hidden too (`total_symbol`, a column carrying the total's symbol on
    every row of the group); and each
    column in `derived` (a rate, an average, a share) is hidden wherever a count in its
    row is hidden. -#}
{% test disclosure_controlled(
    model, counts, within=[], derived=[], partition_where='true', total_symbol=none, threshold=none
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
            where {{ count }}_symbol is null and {{ count }} >= 1 and {{ count }} < {{ threshold }}
            {% for grouping in within %}
                union all
                select
                    'one hidden cell in a group with a published total' as failure,
                    '{{ count }}' as column_name,
                    {{ grouping | join(" || '/' || ") }} as detail
                from cells
                where {{ partition_where }}
                group by {{ grouping | join(', ') }}
                having
                    sum(case when {{ count }}_symbol = 'c' then 1 else 0 end) = 1
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
                where {{ count }}_symbol = 'c' and {{ column }}_symbol is null
            {% endfor %}
        {% endfor %}
    )

    select * from failures
{% endtest %}
