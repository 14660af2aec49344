{#- Each council's statistical-neighbour average of an indicator in a year: the plain mean of
    the values its neighbours have (as the DfE's LAIT averages them), and how many have one.
    `values` is a relation or CTE with la_code, indicator, collection_year and the value
    column; `neighbours` holds the statistical_neighbours seed's rows. -#}
{% macro neighbour_average(neighbours, values, value_column='value') -%}
    select
        {{ neighbours }}.ons_code as la_code,
        neighbour.indicator,
        neighbour.collection_year,
        avg(neighbour.{{ value_column }}) as neighbour_value,
        count(neighbour.{{ value_column }}) as neighbours_with_value
    from {{ neighbours }}
    inner join {{ values }} as neighbour
        on {{ neighbours }}.neighbour_ons_code = neighbour.la_code
    group by {{ neighbours }}.ons_code, neighbour.indicator, neighbour.collection_year
{%- endmacro %}
