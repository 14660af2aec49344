{#- Rows of the current submission only: for each council, collection year and table the
    file whose status in the load manifest is `loaded` (later reference dates and
    resubmissions have superseded the rest). -#}
{% macro current_submission(raw_alias='raw_rows') -%}
    inner join {{ source('ssda903', 'load_manifest') }} as manifest
        on
            {{ raw_alias }}._source_file = manifest.path
            and {{ raw_alias }}._file_sha256 = manifest.sha256
            and manifest.status = 'loaded'
{%- endmacro %}
