-- One row per CIN plan across all current CIN census returns: a council, a child and a
-- plan start date; the latest return's version wins (it carries the end date).

with

plans as (
    select * from {{ council_rows('stg_cin_census__cin_plans') }}
    where cin_plan_start_date is not null
),

referrals as (
    select * from {{ council_rows('stg_cin_census__referrals') }}
),

with_referral as (
    {{ with_referral_date('plans', 'referrals') }}
),

versions as (
    {{ return_versions('with_referral', 'cin_plan_start_date', tiebreak='source_row') }}
),

final as (
    select
        -- ids
        la_code || ':' || child_token || ':' || cast(cin_plan_start_date as {{ dbt.type_string() }})
            as cin_plan_id,
        la_code || ':' || child_token || ':' || cast(referral_date as {{ dbt.type_string() }}) as referral_id,
        la_code || ':' || child_token as child_key,
        la_code,
        child_token,
        -- dates
        referral_date,
        cin_plan_start_date,
        cin_plan_end_date,
        -- lineage
        first_collection_year,
        collection_year as source_collection_year,
        reference_date as source_reference_date,
        source_file,
        source_row,
        cast(returns_holding as integer) as returns_holding
    from versions
    where version_rank = 1
)

select * from final
