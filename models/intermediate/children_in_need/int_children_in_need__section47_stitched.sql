-- One row per section 47 enquiry across all current CIN census returns: a council, a child
-- and an enquiry start date; the latest return's version wins. With the working days
-- (weekends and England bank holidays excluded) from the start of the enquiry to the
-- initial child protection conference.

with

enquiries as (
    select * from {{ council_rows('stg_cin_census__section47') }}
    where s47_start_date is not null
),

referrals as (
    select * from {{ council_rows('stg_cin_census__referrals') }}
),

calendar as (
    select * from {{ ref('int_calendar__working_days') }}
),

with_referral as (
    {{ with_referral_date('enquiries', 'referrals') }}
),

versions as (
    {{ return_versions('with_referral', 's47_start_date', tiebreak='source_row') }}
),

latest as (
    select
        versions.*,
        conference_day.working_day_number - started_day.working_day_number as working_days_to_icpc
    from versions
    left join calendar as started_day on versions.s47_start_date = started_day.calendar_date
    left join calendar as conference_day on versions.initial_cpc_date = conference_day.calendar_date
    where versions.version_rank = 1
),

final as (
    select
        -- ids
        la_code || ':' || child_token || ':' || cast(s47_start_date as {{ dbt.type_string() }})
            as section47_id,
        la_code || ':' || child_token || ':' || cast(referral_date as {{ dbt.type_string() }}) as referral_id,
        la_code || ':' || child_token as child_key,
        la_code,
        child_token,
        -- dates
        referral_date,
        s47_start_date,
        initial_cpc_target_date,
        initial_cpc_date,
        -- flags and timeliness
        is_icpc_not_required,
        cast(working_days_to_icpc as integer) as working_days_to_icpc,
        coalesce(
            initial_cpc_date >= s47_start_date and working_days_to_icpc <= 15, false
        ) as is_icpc_within_15_working_days,
        -- lineage
        first_collection_year,
        collection_year as source_collection_year,
        reference_date as source_reference_date,
        source_file,
        source_row,
        cast(returns_holding as integer) as returns_holding
    from latest
)

select * from final
