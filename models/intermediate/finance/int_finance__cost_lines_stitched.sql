-- One row per cost line across all current placement cost returns. A cost line is a
-- council, a child, a placement start (the DECOM of the episode that began it) and a cost
-- start; a line with no cost start starts with its placement. Each return holds every line
-- open in its year, so a line appears in every return whose year it was open in: the
-- version from the return with the latest reference date wins (it carries the end date,
-- the price and the shares the council recorded last). A line is costed for every day
-- from its cost start to its cost end, both included (the cost end is the last day the
-- cost applied; the next line starts the day after); a line still open in the winning
-- return, or ending after its reference date, is costed to that reference date. Each line
-- is linked to the SSDA903 placement that starts the same day for the same child, and to
-- the period of care that placement belongs to (or, with no such placement, the child's
-- period of care overlapping the line's costed days).

with

cost_lines as (
    select * from {{ council_rows('stg_placement_costs__cost_lines') }}
),

placements as (
    select * from {{ council_rows('int_ssda903__placements') }}
),

periods as (
    select * from {{ council_rows('int_ssda903__periods_of_care') }}
    where not is_short_breaks_only
),

keyed as (
    select
        cost_lines.*,
        coalesce(cost_lines.cost_start_date, cost_lines.placement_start_date) as line_start_date,
        cast(cost_lines.placement_start_date as {{ dbt.type_string() }}) || ':'
        || cast(
            coalesce(cost_lines.cost_start_date, cost_lines.placement_start_date) as {{ dbt.type_string() }}
        ) as cost_line_key
    from cost_lines
    where cost_lines.placement_start_date is not null
),

versions as (
    {{ return_versions('keyed', 'cost_line_key', 'source_row') }}
),

latest as (
    select
        versions.*,
        case
            when versions.cost_end_date is null or versions.cost_end_date > versions.reference_date
                then versions.reference_date
            else versions.cost_end_date
        end as costed_until_date
    from versions
    where versions.version_rank = 1
),

-- for lines no placement matches: the child's period of care overlapping the days the line
-- is costed, the one the line starts in if there is one (a placement that began before
-- the earliest SSDA903 return loaded is known to the warehouse only from a later episode)
overlapping_periods as (
    select
        latest.la_code,
        latest.child_token,
        latest.cost_line_key,
        periods.period_of_care_id,
        row_number() over (
            partition by latest.la_code, latest.child_token, latest.cost_line_key
            order by
                case
                    when periods.period_start_date <= latest.line_start_date then periods.period_start_date
                end desc nulls last,
                periods.period_start_date asc
        ) as period_rank
    from latest
    inner join periods
        on
            latest.la_code = periods.la_code
            and latest.child_token = periods.child_token
            and latest.costed_until_date >= periods.period_start_date
            and (periods.period_end_date is null or latest.line_start_date <= periods.period_end_date)
),

linked as (
    select
        latest.*,
        placements.placement_id,
        coalesce(placements.period_of_care_id, overlapping_periods.period_of_care_id) as period_of_care_id,
        placements.placement_id is not null as is_matched_to_903
    from latest
    left join placements
        on
            latest.la_code = placements.la_code
            and latest.child_token = placements.child_token
            and latest.placement_start_date = placements.placement_start_date
    left join overlapping_periods
        on
            latest.la_code = overlapping_periods.la_code
            and latest.child_token = overlapping_periods.child_token
            and latest.cost_line_key = overlapping_periods.cost_line_key
            and overlapping_periods.period_rank = 1
),

final as (
    select
        -- ids
        la_code || ':' || child_token || ':' || cost_line_key as cost_line_id,
        la_code || ':' || child_token as child_key,
        la_code,
        child_token,
        -- dates
        placement_start_date,
        line_start_date as cost_start_date,
        cost_end_date,
        line_start_date as costed_from_date,
        costed_until_date,
        cost_end_date is null or cost_end_date > reference_date as is_open_in_source_return,
        -- the placement
        placement_type_code,
        placement_type,
        placement_provider_code,
        placement_provider,
        placement_urn,
        placement_group,
        placement_group_label,
        group_order,
        is_placement_group_known,
        -- the cost and who pays it
        weekly_cost,
        la_share_pct,
        health_share_pct,
        education_share_pct,
        has_complete_shares,
        -- the SSDA903
        placement_id,
        period_of_care_id,
        is_matched_to_903,
        -- lineage
        first_collection_year,
        collection_year as source_collection_year,
        reference_date as source_reference_date,
        source_file,
        source_row,
        returns_holding
    from linked
)

select * from final
