{{ config(materialized='table') }}

-- How far to trust the demand projections (docs/demand.md): for each council and the
-- region, projections from earlier 31 Marches set beside what happened 12 and 24 months
-- on, by placement group and in all, with the naive projection (the count at the origin
-- carried forward) and the absolute percentage error of each.

with

backtests as (
    select * from {{ source('demand', 'demand_backtests') }}
),

areas as (
    {{ demand_areas() }}
),

final as (
    select
        backtests.area_code || ':' || cast(backtests.origin_date as {{ dbt.type_string() }})
        || ':' || cast(backtests.horizon_months as {{ dbt.type_string() }}) || ':'
        || backtests.placement_group as demand_backtest_id,
        areas.area_type,
        backtests.area_code as la_code,
        areas.area_name,
        backtests.origin_date,
        backtests.horizon_months,
        backtests.placement_group,
        backtests.projected_median,
        backtests.actual,
        backtests.naive,
        backtests.error_percent,
        backtests.naive_error_percent
    from backtests
    inner join areas on backtests.area_code = areas.area_code
)

select * from final
