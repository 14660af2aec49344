with

raw_rows as (
    select * from {{ source('ssda903', 'ad1') }}
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
        {{ uk_date('date_int') }} as decision_date,
        {{ uk_date('date_match') }} as matched_date,
        foster_care = '1' as was_fostered_by_adopters,
        nb_adoptr as number_of_adopters_code,
        sex_adoptr as adopters_sex_code,
        ls_adoptr as adopters_legal_status_code
    from current_rows
)

select * from final
