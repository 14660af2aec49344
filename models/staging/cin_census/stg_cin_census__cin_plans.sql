with

current_rows as (
    {{ current_submission('plans', 'cin_census') }}
),

final as (
    select
        {{ return_lineage('lachildid') }},
        _child_number as child_number,
        _referral_number as referral_number,
        _item_number as item_number,
        {{ iso_date('cinplanstartdate') }} as cin_plan_start_date,
        {{ iso_date('cinplanenddate') }} as cin_plan_end_date
    from current_rows
)

select * from final
