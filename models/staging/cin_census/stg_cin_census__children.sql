with

current_rows as (
    {{ current_submission('children', 'cin_census') }}
),

typed as (
    select
        {{ return_lineage('lachildid') }},
        _child_number as child_number,
        -- identifiers (the UPN itself is not carried beyond raw)
        nullif(trim(upnunknown), '') as upn_unknown_code,
        -- dates
        {{ iso_date('personbirthdate') }} as birth_date,
        {{ iso_date('expectedpersonbirthdate') }} as expected_birth_date,
        {{ iso_date('persondeathdate') }} as death_date,
        -- codes
        nullif(trim(gendercurrent), '') as gender_current_code,
        nullif(trim(sex), '') as sex_code,
        nullif(trim(ethnicity), '') as ethnicity_code
    from current_rows
),

final as (
    select
        typed.*,
        case
            when typed.gender_current_code = '1' or typed.sex_code = 'M' then 'Male'
            when typed.gender_current_code = '2' or typed.sex_code = 'F' then 'Female'
            when typed.gender_current_code = '9' then 'Not specified'
            when typed.gender_current_code = '0' or typed.sex_code = 'U' then 'Unknown'
        end as sex,
        typed.birth_date is null and typed.expected_birth_date is not null as is_unborn,
        {{ decoded('GenderCurrent', 'typed.gender_current_code', 'gender_current') }},
        {{ decoded('Sex', 'typed.sex_code', 'sex_recorded') }},
        {{ decoded('Ethnicity', 'typed.ethnicity_code', 'ethnicity') }}
    from typed
    {{ join_code('GenderCurrent', 'typed.gender_current_code', 'cin_codes') }}
    {{ join_code('Sex', 'typed.sex_code', 'cin_codes') }}
    {{ join_code('Ethnicity', 'typed.ethnicity_code', 'cin_codes') }}
)

select * from final
