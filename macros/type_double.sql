{#- A double-precision floating point type on every engine. -#}
{% macro type_double() -%}
    {{ return(adapter.dispatch('type_double')()) }}
{%- endmacro %}

{% macro default__type_double() -%}
    double precision
{%- endmacro %}

{% macro spark__type_double() -%}
    double
{%- endmacro %}

{% macro duckdb__type_double() -%}
    double
{%- endmacro %}
