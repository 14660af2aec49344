{#- An ISO YYYY-MM-DD text date (the CIN census and Annex A as loaded) as a date; null when
    blank or not a real date. -#}
{% macro iso_date(column) -%}
    {{ return(adapter.dispatch('iso_date')(column)) }}
{%- endmacro %}

{% macro default__iso_date(column) -%}
    cast(nullif(trim({{ column }}), '') as date)
{%- endmacro %}

{% macro duckdb__iso_date(column) -%}
    try_cast({{ column }} as date)
{%- endmacro %}

{% macro spark__iso_date(column) -%}
    to_date({{ column }}, 'yyyy-MM-dd')
{%- endmacro %}
