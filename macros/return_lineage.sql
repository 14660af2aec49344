{#- The columns every staging model starts with: which council, which return, which file
    and row each fact came from, and a row id unique within the current returns of one raw
    table. `child_column` is the raw column holding the child's token (CHILD in the
    SSDA903, LAchildID in the CIN census, Child Unique ID in Annex A); none for tables with
    no child, such as the CIN census header. -#}
{% macro return_lineage(child_column=none) -%}
    _la_code || ':' || _collection_year || ':' || cast(_row_number as {{ dbt.type_string() }}) as row_id,
    _la_code as la_code,
    _collection_year as collection_year,
    _reference_date as reference_date,
    cast(substr(_collection_year, 1, 4) as integer) + 1 as year_ending,
    cast(substr(_collection_year, 1, 4) || '-04-01' as date) as year_start_date,
    _source_file as source_file,
    _row_number as source_row
    {%- if child_column %},
    {{ child_column }} as child_token
    {%- endif %}
{%- endmacro %}
