with

failures as (
    select * from {{ source('loads', 'load_failures') }}
),

final as (
    select
        -- ids
        -- a rule can fail more than once on one row or file (one note per unloaded list)
        file_id || ':' || rule_id || ':' || coalesce(cast(row_number as {{ dbt.type_string() }}), '-')
        || ':' || cast(
            row_number() over (partition by file_id, rule_id, row_number order by message)
            as {{ dbt.type_string() }}
        ) as failure_id,
        file_id,
        la_code,
        reference_date,
        kind,
        path as file_name,
        -- the rule
        rule_id,
        severity,
        row_number as source_row,
        message
    from failures
)

select * from final
