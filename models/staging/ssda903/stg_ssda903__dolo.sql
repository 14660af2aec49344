with

current_rows as (
    {{ current_submission('dolo') }}
),

final as (
    select
        {{ ssda903_lineage() }},
        {{ uk_date('dob') }} as birth_month,
        {{ uk_date('dolo_start') }} as dolo_start_date,
        {{ uk_date('dolo_end') }} as dolo_end_date
    from current_rows
)

select * from final
