{#- The versions of one record held by several returns. A record is a council, a child and
    a start date; each return open over it holds a copy. Selects every row of `relation`
    with how many returns hold the record, the first collection year holding it, and
    version_rank: 1 for the version from the return with the latest reference date, the
    one that wins (it carries the latest end date, reason and any correction). `tiebreak`
    orders copies within one return (a record listed twice in a file), so the winner is
    always the same row. -#}
{% macro return_versions(relation, start_column, tiebreak=none) -%}
    {%- set version_order = relation ~ '.reference_date desc' -%}
    {%- if tiebreak -%}
        {%- set version_order = version_order ~ ', ' ~ relation ~ '.' ~ tiebreak -%}
    {%- endif -%}
    select
        {{ relation }}.*,
        count(*) over record_versions as returns_holding,
        min({{ relation }}.collection_year) over record_versions as first_collection_year,
        row_number() over (
            partition by {{ relation }}.la_code, {{ relation }}.child_token, {{ relation }}.{{ start_column }}
            order by {{ version_order }}
        ) as version_rank
    from {{ relation }}
    window record_versions as (
        partition by {{ relation }}.la_code, {{ relation }}.child_token, {{ relation }}.{{ start_column }}
    )
{%- endmacro %}
