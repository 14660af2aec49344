{#- A dd/mm/YYYY text date as a date; null when blank or not a real date.
    The loader has already rejected files with malformed dates, so null means blank. -#}
{% macro uk_date(column) -%}
    {{ return(adapter.dispatch('uk_date')(column)) }}
{%- endmacro %}

{% macro default__uk_date(column) -%}
    to_date(nullif(trim({{ column }}), ''), 'DD/MM/YYYY')
{%- endmacro %}

{% macro duckdb__uk_date(column) -%}
    cast(try_strptime({{ column }}, '%d/%m/%Y') as date)
{%- endmacro %}

{% macro spark__uk_date(column) -%}
    to_date({{ column }}, 'dd/MM/yyyy')
{%- endmacro %}
