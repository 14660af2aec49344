-- One row per referral across all current CIN census returns. A referral is a council, a
-- child and a referral date; a referral open across years appears in each year's return,
-- and the version from the return with the latest reference date wins (it carries the
-- closure date, reason and any correction). Each referral knows the child's previous
-- referral in the council, whichever return held it, for re-referrals.

with

referrals as (
    select * from {{ council_rows('stg_cin_census__referrals') }}
    where referral_date is not null
),

versions as (
    {{ return_versions('referrals', 'referral_date', tiebreak='source_row') }}
),

sequenced as (
    select
        versions.*,
        row_number() over child_order as referral_sequence,
        lag(versions.referral_date) over child_order as previous_referral_date
    from versions
    where versions.version_rank = 1
    window child_order as (
        partition by versions.la_code, versions.child_token order by versions.referral_date
    )
),

final as (
    select
        -- ids
        la_code || ':' || child_token || ':' || cast(referral_date as {{ dbt.type_string() }}) as referral_id,
        la_code || ':' || child_token as child_key,
        la_code,
        child_token,
        cast(referral_sequence as integer) as referral_sequence,
        -- dates
        referral_date,
        closure_date,
        initial_cpc_date,
        previous_referral_date,
        -- codes and what they mean
        referral_source_code,
        referral_source,
        primary_need_code,
        primary_need,
        reason_for_closure_code,
        reason_for_closure,
        -- flags
        is_referral_nfa,
        coalesce(
            previous_referral_date >= cast({{ dbt.dateadd('month', -12, 'referral_date') }} as date),
            false
        ) as is_re_referral_within_12_months,
        -- lineage
        first_collection_year,
        collection_year as source_collection_year,
        reference_date as source_reference_date,
        source_file,
        source_row,
        child_number as source_child_number,
        referral_number as source_referral_number,
        cast(returns_holding as integer) as returns_holding
    from sequenced
)

select * from final
