-- One row per period of care (not of short breaks only): the route the child came into care
-- by, read from the child's journey on the day the period started (the rules are in
-- int_finance__care_entry_routes), and how long before that the child was first referred.
-- Days are counted from the earliest referral of the child in the council on or before the
-- day care started, and from the latest; only the returns loaded are seen, so the mart
-- says from when the council's CIN census reaches back (cin_history_from): a period
-- starting soon after it has little history, and its first referral may be later than the
-- child's real first referral.

with

routes as (
    select * from {{ council_rows('int_finance__care_entry_routes') }}
),

periods as (
    select * from {{ council_rows('fct_periods_of_care') }}
),

cin_returns as (
    select * from {{ council_rows('stg_cin_census__header') }}
),

cin_horizons as (
    select
        la_code,
        min(year_start_date) as cin_history_from
    from cin_returns
    group by la_code
),

final as (
    select
        -- ids
        routes.period_of_care_id,
        routes.child_key,
        routes.la_code,
        routes.child_token,
        -- the period of care
        routes.period_start_date,
        periods.period_end_date,
        {{ collection_year_of('routes.period_start_date') }} as collection_year,
        periods.age_at_start,
        periods.first_legal_status_code,
        periods.category_of_need_code,
        -- the route
        routes.care_entry_route,
        routes.care_entry_route_label,
        routes.route_order,
        routes.had_early_help_before_care,
        routes.last_early_help_start as latest_early_help_start_date,
        routes.last_cin_plan_start as latest_cin_plan_start_date,
        routes.last_cp_plan_start as latest_cp_plan_start_date,
        -- from referral to care
        routes.first_referral as first_referral_date,
        routes.last_referral as latest_referral_date,
        cast({{ dbt.datediff('routes.first_referral', 'routes.period_start_date', 'day') }} as integer)
            as days_from_first_referral,
        cast({{ dbt.datediff('routes.last_referral', 'routes.period_start_date', 'day') }} as integer)
            as days_from_latest_referral,
        -- how far back the council's history reaches
        cin_horizons.cin_history_from
    from routes
    left join periods on routes.period_of_care_id = periods.period_of_care_id
    left join cin_horizons on routes.la_code = cin_horizons.la_code
)

select * from final
