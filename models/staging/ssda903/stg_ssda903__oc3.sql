with

current_rows as (
    {{ current_submission('oc3') }}
),

typed as (
    select
        {{ ssda903_lineage() }},
        {{ uk_date('dob') }} as birth_month,
        in_touch as in_touch_code,
        activ as activity_code,
        accom as accommodation_code,
        activ like 'F%' or activ like 'P%' as is_in_education_employment_training,
        accom like '_1' as is_suitably_accommodated
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded('IN_TOUCH', 'typed.in_touch_code', 'in_touch') }},
        {{ decoded('ACTIV', 'typed.activity_code', 'activity') }},
        {{ decoded('ACCOM', 'typed.accommodation_code', 'accommodation') }}
    from typed
    {{ join_code('IN_TOUCH', 'typed.in_touch_code') }}
    {{ join_code('ACTIV', 'typed.activity_code') }}
    {{ join_code('ACCOM', 'typed.accommodation_code') }}
)

select * from final
