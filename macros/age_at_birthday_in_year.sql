{#- The age a child turns on their birthday within a collection year (1 April to 31 March),
    as the SSDA903 uses for care leavers' OC3 rows. -#}
{% macro age_at_birthday_in_year(birth_date, year_ending) -%}
    (
        case
            when extract(month from {{ birth_date }}) >= 4 then {{ year_ending }} - 1
            else {{ year_ending }}
        end
        - extract(year from {{ birth_date }})
    )
{%- endmacro %}
