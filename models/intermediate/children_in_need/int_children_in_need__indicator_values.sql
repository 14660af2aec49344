-- Numerator and denominator of every CIN census indicator for each council's current
-- return of each collection year. Counts come from that return, as the DfE counts them
-- from each year's census: activity dated 1 April to the reference date (year to date for
-- an in-year extract), and children open on the reference date. Look-backs (the previous
-- referral, an earlier CP plan) read every return, stitched. Working days skip weekends
-- and England bank holidays. Definitions: seeds/indicator_definitions.csv. A return with
-- nothing to count gives 0, so a zero denominator shows as a missing value downstream
-- rather than a missing row.

with

header as (
    select * from {{ council_rows('stg_cin_census__header') }}
),

children as (
    select * from {{ council_rows('stg_cin_census__children') }}
),

referrals as (
    select * from {{ council_rows('stg_cin_census__referrals') }}
),

assessments as (
    select * from {{ council_rows('stg_cin_census__assessments') }}
),

section47 as (
    select * from {{ council_rows('stg_cin_census__section47') }}
),

cp_plans as (
    select * from {{ council_rows('stg_cin_census__cp_plans') }}
),

stitched_referrals as (
    select * from {{ council_rows('int_children_in_need__referrals_stitched') }}
),

stitched_cp_plans as (
    select * from {{ council_rows('int_children_in_need__cp_plans_stitched') }}
),

calendar as (
    select * from {{ ref('int_calendar__working_days') }}
),

population as (
    select * from {{ ref('population') }}
),

returns as (
    select
        la_code,
        collection_year,
        year_ending,
        year_start_date,
        reference_date
    from header
    union
    select
        la_code,
        collection_year,
        year_ending,
        year_start_date,
        reference_date
    from children
),

-- referrals received in the year, each once, with whether it came within 12 months of
-- the child's previous referral (in any return)
referrals_in_year as (
    select
        referrals.la_code,
        referrals.collection_year,
        referrals.child_token,
        referrals.referral_date,
        max(case when stitched_referrals.is_re_referral_within_12_months then 1 else 0 end) as is_re_referral
    from referrals
    left join stitched_referrals
        on
            referrals.la_code = stitched_referrals.la_code
            and referrals.child_token = stitched_referrals.child_token
            and referrals.referral_date = stitched_referrals.referral_date
    where referrals.referral_date between referrals.year_start_date and referrals.reference_date
    group by referrals.la_code, referrals.collection_year, referrals.child_token, referrals.referral_date
),

referral_counts as (
    select
        la_code,
        collection_year,
        count(*) as referrals,
        sum(is_re_referral) as re_referrals
    from referrals_in_year
    group by la_code, collection_year
),

-- children with a referral open on the reference date that was not a no-further-action one
children_in_need as (
    select
        la_code,
        collection_year,
        count(distinct child_token) as children_in_need
    from referrals
    where
        referral_date <= reference_date
        and (closure_date is null or closure_date > reference_date)
        and not is_referral_nfa
    group by la_code, collection_year
),

-- assessments authorised in the year, each once, timed in working days
assessments_completed as (
    select
        assessments.la_code,
        assessments.collection_year,
        assessments.child_token,
        assessments.assessment_start_date,
        max(
            case
                when
                    assessments.authorisation_date >= assessments.assessment_start_date
                    and authorised_day.working_day_number - started_day.working_day_number <= 45
                    then 1
                else 0
            end
        ) as is_within_45wd
    from assessments
    left join calendar as started_day on assessments.assessment_start_date = started_day.calendar_date
    left join calendar as authorised_day on assessments.authorisation_date = authorised_day.calendar_date
    where
        assessments.authorisation_date between assessments.year_start_date and assessments.reference_date
        and assessments.assessment_start_date is not null
    group by
        assessments.la_code,
        assessments.collection_year,
        assessments.child_token,
        assessments.assessment_start_date
),

assessment_counts as (
    select
        la_code,
        collection_year,
        count(*) as assessments_completed,
        sum(is_within_45wd) as assessments_within_45wd
    from assessments_completed
    group by la_code, collection_year
),

-- section 47 enquiries started in the year, and initial conferences held in the year
enquiries as (
    select
        section47.la_code,
        section47.collection_year,
        section47.child_token,
        section47.s47_start_date,
        max(
            case
                when section47.s47_start_date between section47.year_start_date and section47.reference_date
                    then 1
                else 0
            end
        ) as is_started_in_year,
        max(
            case
                when section47.initial_cpc_date between section47.year_start_date and section47.reference_date
                    then 1
                else 0
            end
        ) as is_icpc_in_year,
        max(
            case
                when
                    section47.initial_cpc_date between section47.year_start_date and section47.reference_date
                    and section47.initial_cpc_date >= section47.s47_start_date
                    and conference_day.working_day_number - started_day.working_day_number <= 15
                    then 1
                else 0
            end
        ) as is_icpc_within_15wd
    from section47
    left join calendar as started_day on section47.s47_start_date = started_day.calendar_date
    left join calendar as conference_day on section47.initial_cpc_date = conference_day.calendar_date
    where section47.s47_start_date is not null
    group by section47.la_code, section47.collection_year, section47.child_token, section47.s47_start_date
),

enquiry_counts as (
    select
        la_code,
        collection_year,
        sum(is_started_in_year) as s47_started,
        sum(is_icpc_in_year) as icpcs_held,
        sum(is_icpc_within_15wd) as icpcs_within_15wd
    from enquiries
    group by la_code, collection_year
),

-- child protection plans: open on the reference date, started and ended in the year
plans as (
    select
        cp_plans.la_code,
        cp_plans.collection_year,
        cp_plans.child_token,
        cp_plans.cp_plan_start_date,
        max(
            case
                when
                    cp_plans.cp_plan_start_date <= cp_plans.reference_date
                    and (
                        cp_plans.cp_plan_end_date is null
                        or cp_plans.cp_plan_end_date > cp_plans.reference_date
                    )
                    then 1
                else 0
            end
        ) as is_open_at_reference_date,
        max(
            case
                when cp_plans.cp_plan_start_date between cp_plans.year_start_date and cp_plans.reference_date
                    then 1
                else 0
            end
        ) as is_started_in_year,
        max(
            case
                when
                    coalesce(cp_plans.previous_cp_plans, 0) > 0
                    or stitched_cp_plans.previous_cp_plan_start_date is not null
                    then 1
                else 0
            end
        ) as is_second_or_subsequent,
        max(
            case
                when cp_plans.cp_plan_end_date between cp_plans.year_start_date and cp_plans.reference_date
                    then 1
                else 0
            end
        ) as is_ended_in_year,
        max(
            case
                when
                    cp_plans.cp_plan_end_date
                    >= cast({{ dbt.dateadd('year', 2, 'cp_plans.cp_plan_start_date') }} as date)
                    then 1
                else 0
            end
        ) as lasted_two_years
    from cp_plans
    left join stitched_cp_plans
        on
            cp_plans.la_code = stitched_cp_plans.la_code
            and cp_plans.child_token = stitched_cp_plans.child_token
            and cp_plans.cp_plan_start_date = stitched_cp_plans.cp_plan_start_date
    where cp_plans.cp_plan_start_date is not null
    group by cp_plans.la_code, cp_plans.collection_year, cp_plans.child_token, cp_plans.cp_plan_start_date
),

plan_counts as (
    select
        la_code,
        collection_year,
        count(distinct case when is_open_at_reference_date = 1 then child_token end) as children_on_cp_plans,
        sum(is_started_in_year) as cp_plans_started,
        sum(case when is_started_in_year = 1 then is_second_or_subsequent else 0 end)
            as cp_plans_second_or_subsequent,
        sum(is_ended_in_year) as cp_plans_ended,
        sum(case when is_ended_in_year = 1 then lasted_two_years else 0 end) as cp_plans_ended_after_two_years
    from plans
    group by la_code, collection_year
),

measures as (
    select
        returns.la_code,
        returns.collection_year,
        returns.reference_date,
        coalesce(referral_counts.referrals, 0) as referrals,
        coalesce(referral_counts.re_referrals, 0) as re_referrals,
        coalesce(children_in_need.children_in_need, 0) as children_in_need,
        coalesce(assessment_counts.assessments_completed, 0) as assessments_completed,
        coalesce(assessment_counts.assessments_within_45wd, 0) as assessments_within_45wd,
        coalesce(enquiry_counts.s47_started, 0) as s47_started,
        coalesce(enquiry_counts.icpcs_held, 0) as icpcs_held,
        coalesce(enquiry_counts.icpcs_within_15wd, 0) as icpcs_within_15wd,
        coalesce(plan_counts.children_on_cp_plans, 0) as children_on_cp_plans,
        coalesce(plan_counts.cp_plans_started, 0) as cp_plans_started,
        coalesce(plan_counts.cp_plans_second_or_subsequent, 0) as cp_plans_second_or_subsequent,
        coalesce(plan_counts.cp_plans_ended, 0) as cp_plans_ended,
        coalesce(plan_counts.cp_plans_ended_after_two_years, 0) as cp_plans_ended_after_two_years,
        population.population_0_17
    from returns
    left join referral_counts
        on
            returns.la_code = referral_counts.la_code
            and returns.collection_year = referral_counts.collection_year
    left join children_in_need
        on
            returns.la_code = children_in_need.la_code
            and returns.collection_year = children_in_need.collection_year
    left join assessment_counts
        on
            returns.la_code = assessment_counts.la_code
            and returns.collection_year = assessment_counts.collection_year
    left join enquiry_counts
        on
            returns.la_code = enquiry_counts.la_code
            and returns.collection_year = enquiry_counts.collection_year
    left join plan_counts
        on
            returns.la_code = plan_counts.la_code
            and returns.collection_year = plan_counts.collection_year
    -- the mid-year estimate of the June before the year's end
    left join population
        on returns.la_code = population.ons_code and returns.year_ending - 1 = population.mid_year
),

long_format as (
    {{ indicator_rows(cin_census_indicators(), 'measures') }}
),

final as (
    select
        la_code || ':' || collection_year || ':' || indicator as indicator_value_id,
        la_code,
        collection_year,
        reference_date,
        indicator,
        numerator,
        denominator
    from long_format
)

select * from final
