-- The edge-of-care cohorts: one row per child (council and token), collection year and
-- cohort. Three cohorts a year: early_help_or_referral (every child with an early help
-- assessment start or a referral in the year, entering at the first such event),
-- early_help (those with an early help start, entering at the first) and referral (those
-- with a referral, entering at the first); a child with both is in all three. For each,
-- the first time on or after entering that the child reached a CIN plan, a CP plan or care
-- (a period of care starting, short breaks only excluded), or stepped down (a referral
-- closed with RC9, referred to early help, or a CP plan ending with a CIN plan starting the
-- same day or in the 14 days after); and, for the first period of care starting on or
-- after entering (from the stitched SSDA903 periods, short breaks only excluded), when it
-- ended and when the child next came back into care. How far each council's data reaches:
-- CIN plans, CP plans and step-downs are observed to the latest CIN census reference date,
-- care to the latest SSDA903 reference date; the mart counts only windows that end by then.

with

events as (
    select * from {{ council_rows('int_pathways__events_collected') }}
),

periods as (
    select * from {{ council_rows('int_ssda903__periods_of_care') }}
    where not is_short_breaks_only
),

cin_returns as (
    select * from {{ council_rows('stg_cin_census__header') }}
),

care_returns as (
    select * from {{ council_rows('stg_ssda903__episodes') }}
),

cin_horizons as (
    select
        la_code,
        max(reference_date) as cin_observed_to
    from cin_returns
    group by la_code
),

care_horizons as (
    select
        la_code,
        max(reference_date) as care_observed_to
    from care_returns
    group by la_code
),

entries as (
    select
        events.la_code,
        events.child_token,
        {{ collection_year_of('events.event_date') }} as collection_year,
        events.event_date,
        events.event_type,
        events.stage_order,
        events.source_name || ' ' || events.source_collection_year as source_return
    from events
    where events.event_type in ('early_help_start', 'referral')
),

ranked_entries as (
    select
        entries.*,
        row_number() over (
            partition by entries.la_code, entries.child_token, entries.collection_year
            order by entries.event_date, entries.stage_order
        ) as entry_rank,
        row_number() over (
            partition by entries.la_code, entries.child_token, entries.collection_year, entries.event_type
            order by entries.event_date
        ) as kind_rank
    from entries
),

-- each child enters the pooled cohort at its first early help start or referral in the
-- year, and the early help and the referral cohorts at its first of that kind
cohort as (
    select
        la_code,
        child_token,
        collection_year,
        'early_help_or_referral' as cohort,
        event_date as entry_date,
        event_type as entry_event_type,
        source_return as entry_source_return
    from ranked_entries
    where entry_rank = 1
    union all
    select
        la_code,
        child_token,
        collection_year,
        case when event_type = 'early_help_start' then 'early_help' else 'referral' end as cohort,
        event_date as entry_date,
        event_type as entry_event_type,
        source_return as entry_source_return
    from ranked_entries
    where kind_rank = 1
),

-- what follows depends only on the child and the day of entering: the pooled cohort's
-- entry is one of the other two, so each is worked out once
entry_points as (
    select distinct
        la_code,
        child_token,
        entry_date
    from cohort
    where cohort <> 'early_help_or_referral'
),

step_downs as (
    select
        la_code,
        child_token,
        event_date
    from events
    where event_type = 'referral_closed' and event_detail = 'RC9'
    union all
    select
        plan_ends.la_code,
        plan_ends.child_token,
        plan_ends.event_date
    from events as plan_ends
    inner join events as plan_starts
        on
            plan_ends.la_code = plan_starts.la_code
            and plan_ends.child_token = plan_starts.child_token
            and plan_starts.event_type = 'cin_plan_start'
            and plan_ends.event_date <= plan_starts.event_date
            and cast({{ dbt.dateadd('day', 14, 'plan_ends.event_date') }} as date) >= plan_starts.event_date
    where plan_ends.event_type = 'cp_plan_end'
),

outcome_events as (
    select
        la_code,
        child_token,
        event_date,
        case event_type
            when 'cin_plan_start' then 'cin_plan'
            when 'cp_plan_start' then 'cp_plan'
            when 'period_of_care_start' then 'looked_after'
        end as outcome
    from events
    where event_type in ('cin_plan_start', 'cp_plan_start', 'period_of_care_start')
    union all
    select
        la_code,
        child_token,
        event_date,
        'step_down' as outcome
    from step_downs
),

first_outcomes as (
    select
        entry_points.la_code,
        entry_points.child_token,
        entry_points.entry_date,
        min(case when outcome_events.outcome = 'cin_plan' then outcome_events.event_date end)
            as first_cin_plan_date,
        min(case when outcome_events.outcome = 'cp_plan' then outcome_events.event_date end)
            as first_cp_plan_date,
        min(case when outcome_events.outcome = 'looked_after' then outcome_events.event_date end)
            as first_care_date,
        min(case when outcome_events.outcome = 'step_down' then outcome_events.event_date end)
            as first_step_down_date
    from entry_points
    inner join outcome_events
        on
            entry_points.la_code = outcome_events.la_code
            and entry_points.child_token = outcome_events.child_token
            and entry_points.entry_date <= outcome_events.event_date
    group by entry_points.la_code, entry_points.child_token, entry_points.entry_date
),

-- the first period of care starting on or after entering the cohort, and its end
first_care as (
    select
        entry_points.la_code,
        entry_points.child_token,
        entry_points.entry_date,
        periods.period_end_date,
        row_number() over (
            partition by entry_points.la_code, entry_points.child_token, entry_points.entry_date
            order by periods.period_start_date
        ) as care_rank
    from entry_points
    inner join periods
        on
            entry_points.la_code = periods.la_code
            and entry_points.child_token = periods.child_token
            and entry_points.entry_date <= periods.period_start_date
),

returned as (
    select
        first_care.la_code,
        first_care.child_token,
        first_care.entry_date,
        first_care.period_end_date as left_care_date,
        min(periods.period_start_date) as returned_to_care_date
    from first_care
    left join periods
        on
            first_care.la_code = periods.la_code
            and first_care.child_token = periods.child_token
            and first_care.period_end_date < periods.period_start_date
    where first_care.care_rank = 1 and first_care.period_end_date is not null
    group by
        first_care.la_code, first_care.child_token, first_care.entry_date, first_care.period_end_date
),

final as (
    select
        -- ids
        cohort.la_code || ':' || cohort.collection_year || ':' || cohort.cohort || ':' || cohort.child_token
            as edge_of_care_cohort_id,
        cohort.la_code || ':' || cohort.child_token as child_key,
        cohort.la_code,
        cohort.child_token,
        cohort.collection_year,
        cohort.cohort,
        -- entering the cohort
        cohort.entry_date,
        cohort.entry_event_type,
        cohort.entry_source_return,
        -- what followed
        first_outcomes.first_cin_plan_date,
        first_outcomes.first_cp_plan_date,
        first_outcomes.first_care_date,
        first_outcomes.first_step_down_date,
        returned.left_care_date,
        returned.returned_to_care_date,
        -- how far the council's data reaches
        cin_horizons.cin_observed_to,
        care_horizons.care_observed_to
    from cohort
    left join first_outcomes
        on
            cohort.la_code = first_outcomes.la_code
            and cohort.child_token = first_outcomes.child_token
            and cohort.entry_date = first_outcomes.entry_date
    left join returned
        on
            cohort.la_code = returned.la_code
            and cohort.child_token = returned.child_token
            and cohort.entry_date = returned.entry_date
    left join cin_horizons on cohort.la_code = cin_horizons.la_code
    left join care_horizons on cohort.la_code = care_horizons.la_code
)

select * from final
