-- The cost of placements by collection year: one row per cost line per collection year in
-- which it was costed (council, child, placement start, cost start, collection year), for
-- the years each council has a current placement cost return. Cost lines are stitched
-- across returns (the latest return's version wins); a line is costed for every day from
-- its cost start to its cost end, both included, and a line still open to the reference
-- date of the year's return. Each line is linked to the SSDA903 placement starting the same
-- day for the same child where there is one. See docs/finance.md.

with

cost_years as (
    select * from {{ council_rows('int_finance__cost_line_years') }}
),

final as (
    select
        -- ids
        cost_line_year_id as placement_cost_id,
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
        is_placement_group_known,
        -- measures
        weekly_cost,
        placement_days,
        placement_weeks,
        spend,
        council_spend,
        health_spend,
        education_spend,
        la_share_pct,
        health_share_pct,
        education_share_pct,
        has_complete_shares,
        -- the SSDA903
        is_matched_to_903,
        placement_id,
        period_of_care_id,
        -- lineage
        source_collection_year,
        source_reference_date,
        source_file,
        cast(returns_holding as integer) as returns_holding
    from cost_years
)

select * from final
