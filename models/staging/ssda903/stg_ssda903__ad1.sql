with

current_rows as (
    {{ current_submission('ad1') }}
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
