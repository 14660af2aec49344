with

raw_rows as (
    select * from {{ source('ssda903', 'prev_perm') }}
),

current_rows as (
    select raw_rows.*
    from raw_rows
    {{ current_submission('raw_rows') }}
),

final as (
    select
        {{ ssda903_lineage() }},
        {{ uk_date('dob') }} as birth_month,
        prev_perm as previous_permanence_code,
        la_perm as previous_permanence_la,
        date_perm as previous_permanence_date_text
    from current_rows
)

select * from final
