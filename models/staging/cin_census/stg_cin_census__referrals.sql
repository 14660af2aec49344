with

current_rows as (
    {{ current_submission('referrals', 'cin_census') }}
),

typed as (
    select
        {{ return_lineage('lachildid') }},
        _child_number as child_number,
        _referral_number as referral_number,
        -- dates
        {{ iso_date('cinreferraldate') }} as referral_date,
        {{ iso_date('cinclosuredate') }} as closure_date,
        {{ iso_date('dateofinitialcpc') }} as initial_cpc_date,
        -- codes
        nullif(trim(referralsource), '') as referral_source_code,
        nullif(trim(primaryneedcode), '') as primary_need_code,
        nullif(trim(reasonforclosure), '') as reason_for_closure_code,
        nullif(trim(referralnfa), '') as referral_nfa_code
    from current_rows
),

final as (
    select
        typed.*,
        coalesce(lower(typed.referral_nfa_code) in ('1', 'true'), false) as is_referral_nfa,
        {{ decoded('ReferralSource', 'typed.referral_source_code', 'referral_source') }},
        {{ decoded('PrimaryNeedCode', 'typed.primary_need_code', 'primary_need') }},
        {{ decoded('ReasonForClosure', 'typed.reason_for_closure_code', 'reason_for_closure') }},
        {{ decoded('ReferralNFA', 'typed.referral_nfa_code', 'referral_nfa') }}
    from typed
    {{ join_code('ReferralSource', 'typed.referral_source_code', 'cin_codes') }}
    {{ join_code('PrimaryNeedCode', 'typed.primary_need_code', 'cin_codes') }}
    {{ join_code('ReasonForClosure', 'typed.reason_for_closure_code', 'cin_codes') }}
    {{ join_code('ReferralNFA', 'typed.referral_nfa_code', 'cin_codes') }}
)

select * from final
