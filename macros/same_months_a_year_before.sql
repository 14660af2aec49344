{#- For each in-year return in `returns` (a relation with la_code, collection_year,
    year_ending, year_start_date and reference_date): the same months of the year before,
    from 1 April of the previous collection year to the same day a year before the return's
    date, and that previous collection year. A return to 31 March is a whole year: no row. -#}
{% macro same_months_a_year_before(returns) -%}
    {%- set same_months_to = 'cast(' ~ dbt.dateadd('year', -1, 'reference_date') ~ ' as date)' %}
    select
        la_code,
        collection_year,
        reference_date,
        cast({{ dbt.dateadd('year', -1, 'year_start_date') }} as date) as same_months_from,
        {{ same_months_to }} as same_months_to,
        {{ collection_year_of(same_months_to) }} as previous_collection_year
    from {{ returns }}
    where reference_date < cast(cast(year_ending as {{ dbt.type_string() }}) || '-03-31' as date)
{%- endmacro %}
