with

current_rows as (
    {{ current_submission('referrals', 'annex_a') }}
),

final as (
    select
        {{ return_lineage('child_unique_id') }},
        -- the child as listed
        {{ annex_a_child_columns() }},
        -- the referral
        {{ iso_date('date_of_referral') }} as referral_date,
        nullif(trim(referral_source), '') as referral_source,
        coalesce(lower(trim(referral_nfa)) in ('yes', 'y', '1', 'true'), false) as is_referral_nfa,
        {{ text_to_integer('number_of_referrals_in_last_12_months') }} as referrals_in_last_12_months,
        nullif(trim(allocated_team), '') as allocated_team,
        -- whether a worker is named, not who
        nullif(trim(allocated_worker), '') is not null as has_allocated_worker
    from current_rows
)

select * from final
