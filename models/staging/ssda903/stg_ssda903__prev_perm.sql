with

current_rows as (
    {{ current_submission('prev_perm') }}
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
