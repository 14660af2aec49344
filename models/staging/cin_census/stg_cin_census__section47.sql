with

current_rows as (
    {{ current_submission('section47', 'cin_census') }}
),

final as (
    select
        {{ return_lineage('lachildid') }},
        _child_number as child_number,
        _referral_number as referral_number,
        _item_number as item_number,
        -- dates
        {{ iso_date('s47actualstartdate') }} as s47_start_date,
        {{ iso_date('initialcpctarget') }} as initial_cpc_target_date,
        {{ iso_date('dateofinitialcpc') }} as initial_cpc_date,
        -- flags
        coalesce(lower(trim(icpcnotrequired)) in ('1', 'true'), false) as is_icpc_not_required
    from current_rows
)

select * from final
