{#- A whole number held as text (a count or an age) as an integer; null when blank or not
    a number. -#}
{% macro text_to_integer(column) -%}
    {{ return(adapter.dispatch('text_to_integer')(column)) }}
{%- endmacro %}

{% macro default__text_to_integer(column) -%}
    case
        when trim({{ column }}) ~ '^[0-9]+$' then cast(trim({{ column }}) as integer)
    end
{%- endmacro %}

{% macro duckdb__text_to_integer(column) -%}
    try_cast(trim({{ column }}) as integer)
{%- endmacro %}

{% macro spark__text_to_integer(column) -%}
    try_cast(trim({{ column }}) as int)
{%- endmacro %}
