{{ config(alias='placement_costs') }}
-- Placement unit costs (rpt_placement_unit_costs, every provider together) as they may be
-- shared: children of 1-9 hidden, with the weeks, spend and average cost of a hidden
-- group hidden with them. The cells add up two ways: councils and the region's row (their
-- total) within a placement group, and placement groups within an area, whose total spend
-- in the year is published too (area_spend here, spend_per_cla in benchmark_indicators).
-- So each area's total takes part as a cell of its own: the last cell of its area's
-- groups, and one of a column of totals whose own total is the region's. Secondary
-- suppression runs across areas, then across groups, round after round, each round
-- hiding a partner for any cell an earlier pass left alone; a year still unsettled after
-- the last round (never seen, but nothing else guarantees it) is hidden whole.

with

unit_costs as (
    select * from {{ ref('rpt_placement_unit_costs') }}
    where placement_provider_code = 'all'
),

-- each area's spend over every group; its count (children summed over the groups, at
-- least its distinct children) only orders it after the groups and hides it with them
-- where all of them are small
area_totals as (
    select
        area_type,
        la_code,
        collection_year,
        'all_groups' as placement_group,
        sum(children) as children,
        sum(spend) as spend
    from unit_costs
    group by area_type, la_code, collection_year
),

cells as (
    select
        area_type,
        la_code,
        collection_year,
        placement_group,
        children
    from unit_costs
    union all
    select
        area_type,
        la_code,
        collection_year,
        placement_group,
        children
    from area_totals
),

{{ suppress_two_ways(
    'settled',
    'cells',
    ['area_type', 'la_code', 'collection_year', 'placement_group'],
    'children',
    [['collection_year', 'placement_group'], 'la_code'],
    [['la_code', 'collection_year'], 'placement_group'],
    'collection_year'
) }},

controlled as (
    select
        unit_costs.*,
        settled.hidden,
        area_totals.spend as area_spend,
        area_settled.hidden as area_spend_hidden
    from unit_costs
    inner join settled
        on
            unit_costs.la_code = settled.la_code
            and unit_costs.collection_year = settled.collection_year
            and unit_costs.placement_group = settled.placement_group
    inner join area_totals
        on
            unit_costs.la_code = area_totals.la_code
            and unit_costs.collection_year = area_totals.collection_year
    inner join settled as area_settled
        on
            area_totals.la_code = area_settled.la_code
            and area_totals.collection_year = area_settled.collection_year
            and area_totals.placement_group = area_settled.placement_group
),

final as (
    select
        -- ids
        placement_unit_cost_id as placement_cost_id,
        area_type,
        la_code,
        area_name,
        collection_year,
        placement_group,
        placement_group_label,
        group_order,
        -- children
        cast({{ published_number('children', 'hidden') }} as {{ type_double() }}) as children,
        {{ publication_symbol('children', 'hidden') }} as children_symbol,
        -- weeks and money, hidden with their children
        {{ published_number('placement_weeks', 'hidden') }} as placement_weeks,
        {{ publication_symbol('placement_weeks', 'hidden') }} as placement_weeks_symbol,
        {{ published_number('spend', 'hidden') }} as spend,
        {{ publication_symbol('spend', 'hidden') }} as spend_symbol,
        {{ published_number('average_weekly_cost', 'hidden') }} as average_weekly_cost,
        {{ publication_symbol('average_weekly_cost', 'hidden') }} as average_weekly_cost_symbol,
        -- the area's spend over every group, which the groups' spend adds up to
        {{ published_number('area_spend', 'area_spend_hidden') }} as area_spend,
        {{ publication_symbol('area_spend', 'area_spend_hidden') }} as area_spend_symbol
    from controlled
)

select * from final
