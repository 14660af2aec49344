{#- The collection year (1 April to 31 March) a date falls in, written as the returns write
    it: 2023-24 for any day from 1 April 2023 to 31 March 2024. -#}
{% macro collection_year_of(date_column) -%}
    (
        cast(
            extract(year from {{ date_column }})
            - case when extract(month from {{ date_column }}) < 4 then 1 else 0 end
            as {{ dbt.type_string() }}
        )
        || '-'
        || substr(
            cast(
                extract(year from {{ date_column }})
                - case when extract(month from {{ date_column }}) < 4 then 1 else 0 end
                + 1 as {{ dbt.type_string() }}
            ),
            3,
            2
        )
    )
{%- endmacro %}
