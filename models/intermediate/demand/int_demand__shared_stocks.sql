{{ config(materialized='table') }}

-- The real counts the demand marts carry, and which of them may be shared beyond the
-- region's hub: children looked after at a 31 March by area and placement group ('all'
-- for every group), at the projection's origin (its month 0) and at each backtest's
-- origin (the naive projection) and target (what happened). Children of 1-9 are hidden;
-- the cells add up two ways, councils to the region's row within a group and date, and
-- groups to the area's 'all' row within an area and date, so secondary suppression runs
-- both ways (suppress_two_ways), a date still unsettled hidden whole. The regional demand
-- tables hide a projection or backtest wherever a count it starts from or is compared
-- with is hidden here.

with

projections as (
    select * from {{ source('demand', 'demand_projections') }}
),

backtests as (
    select * from {{ source('demand', 'demand_backtests') }}
),

areas as (
    {{ demand_areas() }}
),

counted as (
    select
        area_code,
        origin_date as stock_date,
        placement_group,
        children_median as children
    from projections
    where scenario = 'baseline' and age_band = 'all' and months_ahead = 0
    union all
    select
        area_code,
        origin_date as stock_date,
        placement_group,
        naive as children
    from backtests
    union all
    select
        area_code,
        cast({{ dbt.dateadd('month', 'horizon_months', 'origin_date') }} as date) as stock_date,
        placement_group,
        actual as children
    from backtests
),

-- the same stock is counted more than once (a backtest's target is a later one's origin)
cells as (
    select
        areas.area_type,
        counted.area_code,
        counted.stock_date,
        counted.placement_group,
        max(counted.children) as children
    from counted
    inner join areas on counted.area_code = areas.area_code
    group by areas.area_type, counted.area_code, counted.stock_date, counted.placement_group
),

{{ suppress_two_ways(
    'settled',
    'cells',
    ['area_type', 'area_code', 'stock_date', 'placement_group', 'children'],
    'children',
    [['stock_date', 'placement_group'], 'area_code'],
    [['area_code', 'stock_date'], 'placement_group'],
    'stock_date'
) }},

final as (
    select
        area_code || ':' || cast(stock_date as {{ dbt.type_string() }}) || ':'
        || placement_group as demand_stock_id,
        area_type,
        area_code,
        stock_date,
        placement_group,
        children,
        hidden
    from settled
)

select * from final
