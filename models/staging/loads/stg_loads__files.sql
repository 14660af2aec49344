with

manifest as (
    select * from {{ source('loads', 'load_manifest') }}
),

final as (
    select
        -- ids
        file_id,
        la_code,
        reference_date,
        collection_year,
        kind,
        path as file_name,
        -- outcome
        status,
        rows as row_count,
        rows_set_aside,
        critical_failures,
        warning_failures,
        -- times
        first_seen_at,
        loaded_at
    from manifest
)

select * from final
