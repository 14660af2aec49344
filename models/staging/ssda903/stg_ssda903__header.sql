with

current_rows as (
    {{ current_submission('header') }}
),

typed as (
    select
        {{ ssda903_lineage() }},
        -- attributes
        sex as sex_code,
        {{ uk_date('dob') }} as birth_month,
        ethnic as ethnicity_code,
        mother = '1' as is_mother,
        {{ uk_date('mc_dob') }} as mothers_child_birth_month
    from current_rows
),

final as (
    select
        typed.*,
        case
            when typed.sex_code in ('1', 'M') then 'Male'
            when typed.sex_code in ('2', 'F') then 'Female'
            when typed.sex_code = 'U' then 'Unknown'
        end as sex,
        {{ decoded('SEX', 'typed.sex_code', 'sex_recorded') }},
        {{ decoded('ETHNIC', 'typed.ethnicity_code', 'ethnicity') }}
    from typed
    {{ join_code('SEX', 'typed.sex_code') }}
    {{ join_code('ETHNIC', 'typed.ethnicity_code') }}
)

select * from final
