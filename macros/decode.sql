{#- Join one SSDA903 code list from the seed, so a code comes with its description and
    whether it was valid in the collection year of the return that holds it. -#}
{% macro join_code(field, column, alias, year_ending='year_ending') -%}
    left join {{ ref('ssda903_codes') }} as {{ alias }}
        on
            {{ alias }}.field = '{{ field }}'
            and {{ column }} = {{ alias }}.code
{%- endmacro %}

{% macro code_is_valid(alias, year_ending) -%}
    (
        {{ alias }}.code is not null
        and coalesce({{ alias }}.valid_from_year_ending, {{ year_ending }}) <= {{ year_ending }}
        and coalesce({{ alias }}.valid_to_year_ending, {{ year_ending }}) >= {{ year_ending }}
    )
{%- endmacro %}
