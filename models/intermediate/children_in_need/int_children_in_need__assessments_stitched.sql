-- One row per assessment across all current CIN census returns: a council, a child and an
-- assessment start date; the latest return's version wins. Each keeps the referral it was
-- recorded under in that version, and its duration in working days (weekends and England
-- bank holidays excluded) from start to authorisation.

with

assessments as (
    select * from {{ council_rows('stg_cin_census__assessments') }}
    where assessment_start_date is not null
),

referrals as (
    select * from {{ council_rows('stg_cin_census__referrals') }}
),

calendar as (
    select * from {{ ref('int_calendar__working_days') }}
),

with_referral as (
    {{ with_referral_date('assessments', 'referrals') }}
),

versions as (
    {{ return_versions('with_referral', 'assessment_start_date', tiebreak='source_row') }}
),

latest as (
    select
        versions.*,
        authorised_day.working_day_number - started_day.working_day_number as working_days_to_authorisation
    from versions
    left join calendar as started_day on versions.assessment_start_date = started_day.calendar_date
    left join calendar as authorised_day on versions.authorisation_date = authorised_day.calendar_date
    where versions.version_rank = 1
),

final as (
    select
        -- ids
        la_code || ':' || child_token || ':' || cast(assessment_start_date as {{ dbt.type_string() }})
            as assessment_id,
        la_code || ':' || child_token || ':' || cast(referral_date as {{ dbt.type_string() }}) as referral_id,
        la_code || ':' || child_token as child_key,
        la_code,
        child_token,
        -- dates
        referral_date,
        assessment_start_date,
        internal_review_date,
        authorisation_date,
        -- timeliness
        cast(working_days_to_authorisation as integer) as working_days_to_authorisation,
        coalesce(
            authorisation_date >= assessment_start_date and working_days_to_authorisation <= 45, false
        ) as is_authorised_within_45_working_days,
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
