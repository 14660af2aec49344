{#- Decode an SSDA903 code through the code-list seed: `join_code` joins the list for one
    field, `decoded` selects the code's description and whether it is valid in the
    collection year of the return that holds it (blank when the value is blank). -#}
{% macro join_code(field, column) -%}
    {%- set alias = field | lower ~ '_list' -%}
    left join {{ ref('ssda903_codes') }} as {{ alias }}
        on
            {{ alias }}.field = '{{ field }}'
            and {{ column }} = {{ alias }}.code
{%- endmacro %}

{% macro decoded(field, column, name, year_ending='typed.year_ending') -%}
    {%- set alias = field | lower ~ '_list' -%}
    {{ alias }}.description as {{ name }},
    case
        when {{ column }} is null then null
        else
            {{ alias }}.code is not null
            and coalesce({{ alias }}.valid_from_year_ending, {{ year_ending }}) <= {{ year_ending }}
            and coalesce({{ alias }}.valid_to_year_ending, {{ year_ending }}) >= {{ year_ending }}
    end as is_{{ name }}_valid
{%- endmacro %}
