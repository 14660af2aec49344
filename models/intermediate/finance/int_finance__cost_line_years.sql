-- The stitched cost lines split by collection year (1 April to 31 March): one row per cost
-- line per collection year in which it was costed, for the years the council has a current
-- placement cost return (earlier years are left out: their returns, and the lines that
-- closed in them, are not loaded). Within a year, a line is costed for every day from the
-- later of 1 April and its first costed day to the earlier of its last costed day and the
-- year's reference date, both included (so an in-year extract's year stops at its
-- reference date). A line costed for no day (ending before it starts, which the loader
-- lets through with a warning) keeps a row of zero days in the year it starts in. Weeks are
-- days / 7; spend is the weekly cost x weeks; each funder's spend is spend x its share / 100.

with

cost_lines as (
    select * from {{ council_rows('int_finance__cost_lines_stitched') }}
),

cost_returns as (
    select * from {{ council_rows('int_finance__cost_returns') }}
),

overlapping as (
    select
        cost_lines.*,
        cost_returns.collection_year,
        cost_returns.reference_date,
        case
            when cost_lines.costed_from_date > cost_returns.year_start_date then cost_lines.costed_from_date
            else cost_returns.year_start_date
        end as year_costed_from_date,
        case
            when cost_lines.costed_until_date < cost_returns.reference_date then cost_lines.costed_until_date
            else cost_returns.reference_date
        end as year_costed_until_date,
        cost_lines.costed_until_date >= cost_returns.reference_date as is_open_at_reference_date
    from cost_lines
    inner join cost_returns
        on
            cost_lines.la_code = cost_returns.la_code
            and cost_lines.costed_from_date <= cost_returns.reference_date
            and (
                cost_lines.costed_until_date >= cost_returns.year_start_date
                -- a line costed for no day stays in the year it starts in
                or (
                    cost_lines.costed_until_date < cost_lines.costed_from_date
                    and cost_lines.costed_from_date >= cost_returns.year_start_date
                )
            )
),

counted as (
    select
        overlapping.*,
        case
            when overlapping.year_costed_until_date >= overlapping.year_costed_from_date
                then {{ dbt.datediff(
                    'overlapping.year_costed_from_date', 'overlapping.year_costed_until_date', 'day'
                ) }} + 1
            else 0
        end as placement_days
    from overlapping
),

final as (
    select
        -- ids
        cost_line_id || ':' || collection_year as cost_line_year_id,
        cost_line_id,
        child_key,
        la_code,
        child_token,
        collection_year,
        reference_date,
        -- dates
        placement_start_date,
        cost_start_date,
        cost_end_date,
        year_costed_from_date,
        year_costed_until_date,
        is_open_at_reference_date,
        -- the placement
        placement_type_code,
        placement_provider_code,
        placement_urn,
        placement_group,
        placement_group_label,
        group_order,
        is_placement_group_known,
        -- measures
        weekly_cost,
        cast(placement_days as integer) as placement_days,
        cast(placement_days as {{ type_double() }}) / 7 as placement_weeks,
        weekly_cost * placement_days / 7.0 as spend,
        weekly_cost * placement_days / 7.0 * la_share_pct / 100.0 as council_spend,
        weekly_cost * placement_days / 7.0 * health_share_pct / 100.0 as health_spend,
        weekly_cost * placement_days / 7.0 * education_share_pct / 100.0 as education_spend,
        la_share_pct,
        health_share_pct,
        education_share_pct,
        has_complete_shares,
        -- the SSDA903
        placement_id,
        period_of_care_id,
        is_matched_to_903,
        -- lineage
        source_collection_year,
        source_reference_date,
        source_file,
        returns_holding
    from counted
)

select * from final
