with

current_rows as (
    {{ current_submission('missing') }}
),

typed as (
    select
        {{ ssda903_lineage() }},
        {{ uk_date('dob') }} as birth_month,
        missing as missing_type_code,
        {{ uk_date('mis_start') }} as missing_start_date,
        {{ uk_date('mis_end') }} as missing_end_date
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded('MISSING', 'typed.missing_type_code', 'missing_type') }}
    from typed
    {{ join_code('MISSING', 'typed.missing_type_code') }}
)

select * from final
