{{ config(materialized='table') }}

-- Edge-of-care cohorts per council, collection year and cohort: of the children who had an
-- early help assessment start or a referral in the year (early_help_or_referral, entering
-- at the first), of those with an early help start (early_help) and of those with a
-- referral (referral), each entering at its first of the kind, the share who
-- within 6, 12 and 24 months reached a CIN plan, a CP plan or care, or stepped down; and
-- of those who then left care, the share back in care within 12 months of leaving. Only
-- fully observable windows count: a child is in a window's denominator only when the
-- window ends on or before the latest reference date of the council's data for that
-- outcome (the CIN census for plans and step-downs, the SSDA903 for care), so recent
-- cohorts are not understated by time not yet seen. The region's values sit beside each
-- council's.

{% set outcomes = [
    ('cin_plan', 'first_cin_plan_date', 'cin_observed_to'),
    ('cp_plan', 'first_cp_plan_date', 'cin_observed_to'),
    ('looked_after', 'first_care_date', 'care_observed_to'),
    ('step_down', 'first_step_down_date', 'cin_observed_to'),
] %}

with

cohort as (
    select * from {{ ref('int_pathways__edge_of_care_cohort') }}
),

councils as (
    select * from {{ ref('councils') }}
),

window_lengths as (
    select 6 as window_months
    union all
    select 12 as window_months
    union all
    select 24 as window_months
),

cohort_windows as (
    select
        cohort.*,
        window_lengths.window_months,
        cast({{ dbt.dateadd('month', 'window_lengths.window_months', 'cohort.entry_date') }} as date)
            as window_end_date,
        cast({{ dbt.dateadd('month', 12, 'cohort.left_care_date') }} as date) as return_window_end_date
    from cohort
    cross join window_lengths
),

windows as (
    {% for outcome, date_column, observed_to in outcomes %}
        select
            la_code,
            collection_year,
            cohort,
            '{{ outcome }}' as outcome,
            window_months,
            case when window_end_date <= {{ observed_to }} then 1 else 0 end as is_observable,
            case
                when window_end_date <= {{ observed_to }} and {{ date_column }} <= window_end_date then 1
                else 0
            end as has_reached
        from cohort_windows
        union all
    {% endfor %}
    select
        la_code,
        collection_year,
        cohort,
        'returned_to_care' as outcome,
        window_months,
        case when return_window_end_date <= care_observed_to then 1 else 0 end as is_observable,
        case
            when
                return_window_end_date <= care_observed_to
                and returned_to_care_date <= return_window_end_date
                then 1
            else 0
        end as has_reached
    from cohort_windows
    where window_months = 12
),

council_values as (
    select
        windows.la_code,
        councils.la_name,
        {{ region_code('councils.region_name') }} as region_code,
        windows.collection_year,
        windows.cohort,
        windows.outcome,
        windows.window_months,
        count(*) as cohort_children,
        sum(windows.is_observable) as observable_children,
        sum(windows.has_reached) as reached_children
    from windows
    left join councils on windows.la_code = councils.ons_code
    group by
        windows.la_code,
        councils.la_name,
        councils.region_name,
        windows.collection_year,
        windows.cohort,
        windows.outcome,
        windows.window_months
),

region_values as (
    select
        region_code,
        collection_year,
        cohort,
        outcome,
        window_months,
        sum(cohort_children) as region_cohort_children,
        sum(observable_children) as region_observable_children,
        sum(reached_children) as region_reached_children
    from council_values
    group by region_code, collection_year, cohort, outcome, window_months
),

final as (
    select
        -- ids
        council_values.la_code || ':' || council_values.collection_year || ':' || council_values.cohort
        || ':' || council_values.outcome
        || ':' || cast(council_values.window_months as {{ dbt.type_string() }}) as cohort_outcome_id,
        council_values.la_code,
        council_values.la_name,
        council_values.collection_year,
        council_values.cohort,
        council_values.outcome,
        cast(council_values.window_months as integer) as window_months,
        -- the council
        cast(council_values.cohort_children as bigint) as cohort_children,
        cast(council_values.observable_children as bigint) as observable_children,
        cast(council_values.reached_children as bigint) as reached_children,
        cast(council_values.reached_children as {{ type_double() }}) * 100.0
        / nullif(council_values.observable_children, 0) as reached_pct,
        -- the region
        council_values.region_code,
        cast(region_values.region_cohort_children as bigint) as region_cohort_children,
        cast(region_values.region_observable_children as bigint) as region_observable_children,
        cast(region_values.region_reached_children as bigint) as region_reached_children,
        cast(region_values.region_reached_children as {{ type_double() }}) * 100.0
        / nullif(region_values.region_observable_children, 0) as region_reached_pct
    from council_values
    left join region_values
        on
            council_values.region_code = region_values.region_code
            and council_values.collection_year = region_values.collection_year
            and council_values.cohort = region_values.cohort
            and council_values.outcome = region_values.outcome
            and council_values.window_months = region_values.window_months
)

select * from final
