-- One row per child protection plan across all current CIN census returns: a council, a
-- child and a plan start date; the latest return's version wins (it carries the end date
-- and latest category of abuse). A plan is a second or subsequent one when the child had
-- an earlier plan in the council: an earlier plan in any return, or NumberOfPreviousCPP
-- above 0 (which also covers plans from before the earliest return loaded).

with

plans as (
    select * from {{ council_rows('stg_cin_census__cp_plans') }}
    where cp_plan_start_date is not null
),

referrals as (
    select * from {{ council_rows('stg_cin_census__referrals') }}
),

with_referral as (
    {{ with_referral_date('plans', 'referrals') }}
),

versions as (
    {{ return_versions('with_referral', 'cp_plan_start_date', tiebreak='source_row') }}
),

sequenced as (
    select
        versions.*,
        row_number() over child_order as cp_plan_sequence,
        lag(versions.cp_plan_start_date) over child_order as previous_cp_plan_start_date
    from versions
    where versions.version_rank = 1
    window child_order as (
        partition by versions.la_code, versions.child_token order by versions.cp_plan_start_date
    )
),

final as (
    select
        -- ids
        la_code || ':' || child_token || ':' || cast(cp_plan_start_date as {{ dbt.type_string() }})
            as cp_plan_id,
        la_code || ':' || child_token || ':' || cast(referral_date as {{ dbt.type_string() }}) as referral_id,
        la_code || ':' || child_token as child_key,
        la_code,
        child_token,
        cast(cp_plan_sequence as integer) as cp_plan_sequence,
        -- dates
        referral_date,
        cp_plan_start_date,
        cp_plan_end_date,
        previous_cp_plan_start_date,
        cast({{ dbt.datediff('cp_plan_start_date', 'cp_plan_end_date', 'day') }} as integer) as duration_days,
        -- codes and what they mean
        initial_category_of_abuse_code,
        initial_category_of_abuse,
        latest_category_of_abuse_code,
        latest_category_of_abuse,
        previous_cp_plans,
        -- flags
        previous_cp_plan_start_date is not null or coalesce(previous_cp_plans, 0) > 0
            as is_second_or_subsequent,
        coalesce(
            cp_plan_end_date >= cast({{ dbt.dateadd('year', 2, 'cp_plan_start_date') }} as date), false
        ) as lasted_two_years_or_more,
        -- lineage
        first_collection_year,
        collection_year as source_collection_year,
        reference_date as source_reference_date,
        source_file,
        source_row,
        cast(returns_holding as integer) as returns_holding
    from sequenced
)

select * from final
