with

current_rows as (
    {{ current_submission('reviews') }}
),

typed as (
    select
        {{ ssda903_lineage() }},
        {{ uk_date('dob') }} as birth_month,
        {{ uk_date('review') }} as review_date,
        review_code as participation_code
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded('REVIEW_CODE', 'typed.participation_code', 'participation') }}
    from typed
    {{ join_code('REVIEW_CODE', 'typed.participation_code') }}
)

select * from final
