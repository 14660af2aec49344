{#- Decode a code through a code-list seed (ssda903_codes by default, cin_codes for the
    CIN census): `join_code` joins the list for one field, `decoded` selects the code's
    description and whether it is valid in the collection year of the return that holds it
    (blank when the value is blank). Give both the same `alias` to decode two columns
    through one field's list. -#}
{% macro join_code(field, column, code_list='ssda903_codes', alias=none) -%}
    {%- set alias = alias or field | lower ~ '_list' -%}
    left join {{ ref(code_list) }} as {{ alias }}
        on
            {{ alias }}.field = '{{ field }}'
            and {{ column }} = {{ alias }}.code
{%- endmacro %}

{% macro decoded(field, column, name, year_ending='typed.year_ending', alias=none) -%}
    {%- set alias = alias or field | lower ~ '_list' -%}
    {{ alias }}.description as {{ name }},
    case
        when {{ column }} is null then null
        else
            {{ alias }}.code is not null
            and coalesce({{ alias }}.valid_from_year_ending, {{ year_ending }}) <= {{ year_ending }}
            and coalesce({{ alias }}.valid_to_year_ending, {{ year_ending }}) >= {{ year_ending }}
    end as is_{{ name }}_valid
{%- endmacro %}
