with

current_rows as (
    {{ current_submission('uasc') }}
),

typed as (
    select
        {{ ssda903_lineage() }},
        {{ uk_date('dob') }} as birth_month,
        sex as sex_code,
        {{ uk_date('duc') }} as ceased_uasc_date
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded('SEX', 'typed.sex_code', 'sex_recorded') }}
    from typed
    {{ join_code('SEX', 'typed.sex_code') }}
)

select * from final
