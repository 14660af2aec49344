{#- The columns every SSDA903 staging model starts with: which council, which return,
    which file and row each fact came from, and a row id unique within the current returns. -#}
{% macro ssda903_lineage() -%}
    _la_code || ':' || _collection_year || ':' || cast(_row_number as varchar) as row_id,
    _la_code as la_code,
    _collection_year as collection_year,
    _reference_date as reference_date,
    cast(substr(_collection_year, 1, 4) as integer) + 1 as year_ending,
    cast(substr(_collection_year, 1, 4) || '-04-01' as date) as year_start_date,
    _source_file as source_file,
    _row_number as source_row,
    child as child_token
{%- endmacro %}
