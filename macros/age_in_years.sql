{#- Whole years between a date of birth and a day: the age a child is on that day. -#}
{% macro age_in_years(birth_date, on_date) -%}
    (
        {{ dbt.datediff(birth_date, on_date, 'year') }}
        - case
            when
                extract(month from {{ on_date }}) * 100 + extract(day from {{ on_date }})
                < extract(month from {{ birth_date }}) * 100 + extract(day from {{ birth_date }})
                then 1
            else 0
        end
    )
{%- endmacro %}
