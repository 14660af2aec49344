{#- The rows of one raw table that belong to the current submission: for each council,
    collection year and kind of return, the file whose status in the load manifest is
    `loaded` (later reference dates and resubmissions have superseded the rest).
    `source_name` is the dbt source holding the table (ssda903, cin_census, annex_a); the
    load manifest is one table for every kind of return. When the model is rebuilding some
    councils only (macros/by_council.sql), only their rows. -#}
{% macro current_submission(table, source_name='ssda903') -%}
    select raw_rows.*
    from {{ source(source_name, table) }} as raw_rows
    inner join {{ source('ssda903', 'load_manifest') }} as manifest
        on
            raw_rows._source_file = manifest.path
            and raw_rows._file_sha256 = manifest.sha256
            and manifest.status = 'loaded'
    {%- if building_by_council() %}
    where {{ council_predicate('manifest.la_code') }}
    {%- endif %}
{%- endmacro %}
