{{ config(alias='placement_costs') }}
-- Placement unit costs (rpt_placement_unit_costs, every provider together) as they may be
-- shared: children of 1-9 hidden, with the weeks, spend and average cost of a hidden
-- group hidden with them. The cells add up two ways: councils (and the region's row)
-- within a placement group, and placement groups within a council, whose total spend is
-- published as a benchmark indicator. Secondary suppression runs once per way, and the
-- first way again, because the second pass can leave a group of the first alone.

with

unit_costs as (
    select * from {{ ref('rpt_placement_unit_costs') }}
    where placement_provider_code = 'all'
),

across_councils as (
    select
        *,
        {{ suppress_small_counts('children', ['collection_year', 'placement_group'], 'la_code') }}
            as hidden_first
    from unit_costs
),

across_groups as (
    select
        *,
        {{ suppress_small_counts(
            'children', ['la_code', 'collection_year'], 'group_order', hidden_already='hidden_first'
        ) }} as hidden_second
    from across_councils
),

controlled as (
    select
        *,
        {{ suppress_small_counts(
            'children', ['collection_year', 'placement_group'], 'la_code', hidden_already='hidden_second'
        ) }} as hidden
    from across_groups
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
        {{ publication_symbol('average_weekly_cost', 'hidden') }} as average_weekly_cost_symbol
    from controlled
)

select * from final
