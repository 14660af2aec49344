{#- One row per council-year and indicator from a CTE holding one column per measure:
    `indicators` is a list of (id, numerator column, denominator column), as
    cin_census_indicators() and placement_cost_indicators() return. -#}
{% macro indicator_rows(indicators, measures) %}
    {% for indicator, numerator, denominator in indicators %}
        {% if not loop.first %}union all{% endif %}
        select
            la_code,
            collection_year,
            reference_date,
            '{{ indicator }}' as indicator,
            cast({{ numerator }} as bigint) as numerator,
            cast({{ denominator }} as bigint) as denominator
        from {{ measures }}
    {% endfor %}
{% endmacro %}
