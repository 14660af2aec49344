{#- The rows of one SSDA903 raw table that belong to the current submission: for each
    council, collection year and table, the file whose status in the load manifest is
    `loaded` (later reference dates and resubmissions have superseded the rest). -#}
{% macro current_submission(table) -%}
    select raw_rows.*
    from {{ source('ssda903', table) }} as raw_rows
    inner join {{ source('ssda903', 'load_manifest') }} as manifest
        on
            raw_rows._source_file = manifest.path
            and raw_rows._file_sha256 = manifest.sha256
            and manifest.status = 'loaded'
{%- endmacro %}
