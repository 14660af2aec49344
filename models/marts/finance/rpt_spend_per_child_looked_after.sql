{{ config(materialized='table') }}

-- Placement spend per child looked after, per council and for the region, by collection
-- year (the years a council has a current placement cost return): spend and the council's
-- own share of it, the children with any costed day in the year, and the children looked
-- after at any time in the year according to the council's SSDA903 return for the same
-- collection year (children with an episode in it, not short breaks: as the denominator of
-- cla_missing_children_pct). Region rows carry the region's ONS code in la_code (E12000008
-- for the South East) and area_type 'region', and sum the councils with a cost return that
-- year, their children looked after included.

with

cost_years as (
    select * from {{ ref('int_finance__cost_line_years') }}
),

cost_returns as (
    select * from {{ ref('int_finance__cost_returns') }}
),

return_episodes as (
    select * from {{ ref('int_ssda903__return_episodes') }}
),

councils as (
    select * from {{ ref('councils') }}
),

spend_in_year as (
    select
        la_code,
        collection_year,
        sum(spend) as spend,
        sum(council_spend) as council_spend,
        count(distinct case when placement_days > 0 then child_key end) as children_with_cost
    from cost_years
    group by la_code, collection_year
),

looked_after_in_year as (
    select
        la_code,
        collection_year,
        max(reference_date) as ssda903_reference_date,
        count(distinct child_token) as children_looked_after
    from return_episodes
    where not is_short_break
    group by la_code, collection_year
),

council_values as (
    select
        cost_returns.la_code,
        councils.la_name,
        {{ region_code('councils.region_name') }} as region_code,
        councils.region_name,
        cost_returns.collection_year,
        cost_returns.reference_date,
        looked_after_in_year.ssda903_reference_date,
        coalesce(spend_in_year.spend, 0) as spend,
        coalesce(spend_in_year.council_spend, 0) as council_spend,
        coalesce(spend_in_year.children_with_cost, 0) as children_with_cost,
        coalesce(looked_after_in_year.children_looked_after, 0) as children_looked_after
    from cost_returns
    left join councils on cost_returns.la_code = councils.ons_code
    left join spend_in_year
        on
            cost_returns.la_code = spend_in_year.la_code
            and cost_returns.collection_year = spend_in_year.collection_year
    left join looked_after_in_year
        on
            cost_returns.la_code = looked_after_in_year.la_code
            and cost_returns.collection_year = looked_after_in_year.collection_year
),

by_area as (
    select
        'council' as area_type,
        la_code as area_code,
        la_name as area_name,
        collection_year,
        reference_date,
        ssda903_reference_date,
        cast(1 as bigint) as councils,
        spend,
        council_spend,
        children_with_cost,
        children_looked_after
    from council_values
    union all
    select
        'region' as area_type,
        region_code as area_code,
        max(region_name) as area_name,
        collection_year,
        max(reference_date) as reference_date,
        max(ssda903_reference_date) as ssda903_reference_date,
        count(*) as councils,
        sum(spend) as spend,
        sum(council_spend) as council_spend,
        sum(children_with_cost) as children_with_cost,
        sum(children_looked_after) as children_looked_after
    from council_values
    where region_code is not null
    group by region_code, collection_year
),

final as (
    select
        -- ids
        area_code || ':' || collection_year as spend_per_child_id,
        area_type,
        area_code as la_code,
        area_name,
        collection_year,
        reference_date,
        ssda903_reference_date,
        cast(councils as integer) as councils,
        -- spend
        cast(spend as {{ type_double() }}) as spend,
        cast(council_spend as {{ type_double() }}) as council_spend,
        -- children
        cast(children_with_cost as bigint) as children_with_cost,
        cast(children_looked_after as bigint) as children_looked_after,
        -- per child
        cast(spend as {{ type_double() }}) / nullif(children_looked_after, 0) as spend_per_child_looked_after,
        cast(council_spend as {{ type_double() }}) / nullif(children_looked_after, 0)
            as council_spend_per_child_looked_after,
        cast(spend as {{ type_double() }}) / nullif(children_with_cost, 0) as spend_per_child_with_cost
    from by_area
)

select * from final
