{{ config(materialized='table') }}

-- Where demand is heading (docs/demand.md): children looked after and their cost a month,
-- for each council and the region (its ONS code in la_code, as in the finance marts), by
-- scenario, month end, placement group and age band ('all' for the totals), as the 10th,
-- 50th and 90th percentiles of the demand model's simulated runs.

with

projections as (
    select * from {{ source('demand', 'demand_projections') }}
),

areas as (
    {{ demand_areas() }}
),

final as (
    select
        projections.area_code || ':' || projections.scenario || ':'
        || cast(projections.month_end as {{ dbt.type_string() }}) || ':'
        || projections.placement_group || ':' || projections.age_band as demand_projection_id,
        areas.area_type,
        projections.area_code as la_code,
        areas.area_name,
        projections.scenario,
        projections.origin_date,
        projections.month_end,
        projections.months_ahead,
        projections.placement_group,
        projections.age_band,
        projections.children_p10,
        projections.children_median,
        projections.children_p90,
        projections.cost_p10,
        projections.cost_median,
        projections.cost_p90
    from projections
    inner join areas on projections.area_code = areas.area_code
)

select * from final
