{#- A decimal number held as text (an amount of money, a percentage) as a double; null when
    blank or not a number. -#}
{% macro text_to_double(column) -%}
    {{ return(adapter.dispatch('text_to_double')(column)) }}
{%- endmacro %}

{% macro default__text_to_double(column) -%}
    case
        when trim({{ column }}) ~ '^-?[0-9]+(\.[0-9]+)?$' then cast(trim({{ column }}) as {{ type_double() }})
    end
{%- endmacro %}

{% macro duckdb__text_to_double(column) -%}
    try_cast(trim({{ column }}) as double)
{%- endmacro %}

{% macro spark__text_to_double(column) -%}
    try_cast(trim({{ column }}) as double)
{%- endmacro %}
