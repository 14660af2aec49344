{{ config(materialized='table') }}

-- Placement spend by the route children took into care, per council and for the region, by
-- collection year: children with a costed day in the year, spend and the council's share
-- of it, and spend per child. A cost line takes the route of the period of care it belongs
-- to (the period of its SSDA903 placement, or the child's period open on the placement's
-- start day); lines linked to no period of care are in route 'unknown'. A child whose
-- costed placements in the year belong to two periods with different routes counts under
-- both. Routes are defined in int_finance__care_entry_routes and docs/finance.md. Region
-- rows carry the region's ONS code in la_code (E12000008 for the South East) and
-- area_type 'region'.

with

cost_years as (
    select * from {{ ref('int_finance__cost_line_years') }}
),

routes as (
    select * from {{ ref('int_finance__care_entry_routes') }}
),

councils as (
    select * from {{ ref('councils') }}
),

routed as (
    select
        cost_years.la_code,
        cost_years.child_key,
        cost_years.collection_year,
        cost_years.spend,
        cost_years.council_spend,
        case when cost_years.placement_days > 0 then cost_years.child_key end as costed_child_key,
        coalesce(routes.care_entry_route, 'unknown') as care_entry_route,
        coalesce(routes.care_entry_route_label, 'Cost not linked to a period of care in the SSDA903')
            as care_entry_route_label,
        coalesce(routes.route_order, 7) as route_order,
        case
            when cost_years.placement_days > 0 and routes.had_early_help_before_care then cost_years.child_key
        end as early_help_child_key,
        councils.la_name,
        {{ region_code('councils.region_name') }} as region_code,
        councils.region_name
    from cost_years
    left join routes on cost_years.period_of_care_id = routes.period_of_care_id
    left join councils on cost_years.la_code = councils.ons_code
),

by_area as (
    select
        'council' as area_type,
        la_code as area_code,
        max(la_name) as area_name,
        collection_year,
        care_entry_route,
        care_entry_route_label,
        route_order,
        count(distinct costed_child_key) as children,
        count(distinct early_help_child_key) as children_with_early_help,
        sum(spend) as spend,
        sum(council_spend) as council_spend
    from routed
    group by la_code, collection_year, care_entry_route, care_entry_route_label, route_order
    union all
    select
        'region' as area_type,
        region_code as area_code,
        max(region_name) as area_name,
        collection_year,
        care_entry_route,
        care_entry_route_label,
        route_order,
        count(distinct costed_child_key) as children,
        count(distinct early_help_child_key) as children_with_early_help,
        sum(spend) as spend,
        sum(council_spend) as council_spend
    from routed
    where region_code is not null
    group by region_code, collection_year, care_entry_route, care_entry_route_label, route_order
),

shared as (
    select
        by_area.*,
        sum(by_area.spend) over (partition by by_area.area_code, by_area.collection_year) as area_spend
    from by_area
),

final as (
    select
        -- ids
        area_code || ':' || collection_year || ':' || care_entry_route as pathway_spend_id,
        area_type,
        area_code as la_code,
        area_name,
        collection_year,
        -- the route
        care_entry_route,
        care_entry_route_label,
        cast(route_order as integer) as route_order,
        -- measures
        cast(children as bigint) as children,
        cast(children_with_early_help as bigint) as children_with_early_help,
        cast(spend as {{ type_double() }}) as spend,
        cast(council_spend as {{ type_double() }}) as council_spend,
        cast(spend as {{ type_double() }}) / nullif(children, 0) as spend_per_child,
        cast(spend as {{ type_double() }}) * 100.0 / nullif(area_spend, 0) as pct_of_spend
    from shared
)

select * from final
