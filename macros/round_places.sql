{#- A number rounded to `places` decimal places, for comparing at the precision shown.
    PostgreSQL rounds to places only numerics, not doubles. -#}
{% macro round_places(value, places) -%}
    {{ return(adapter.dispatch('round_places')(value, places)) }}
{%- endmacro %}

{% macro default__round_places(value, places) -%}
    round(cast({{ value }} as numeric), {{ places }})
{%- endmacro %}

{% macro duckdb__round_places(value, places) -%}
    round({{ value }}, {{ places }})
{%- endmacro %}

{% macro spark__round_places(value, places) -%}
    round({{ value }}, {{ places }})
{%- endmacro %}
