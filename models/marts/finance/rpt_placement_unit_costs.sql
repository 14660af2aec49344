{{ config(materialized='table') }}

-- Unit costs of placements per council and for the region, by collection year, placement
-- group and provider (PLACE_PROVIDER, with a row 'all' for every provider together):
-- children and placements with a cost line in the year, placement-weeks, spend, the average
-- weekly cost (spend / placement-weeks: each week weighs the same) and the median weekly
-- cost of the cost lines costed for at least one day in the year (each line weighs the
-- same). Region rows carry the region's ONS code in la_code (E12000008 for the South East)
-- and area_type 'region', and pool the lines of every council with a return that year.

{% set areas = [('council', 'la_code', 'la_name'), ('region', 'region_code', 'region_name')] %}
{% set providers = [("coalesce(placement_provider_code, 'none')", true), ("'all'", false)] %}

with

cost_years as (
    select * from {{ ref('int_finance__cost_line_years') }}
),

councils as (
    select * from {{ ref('councils') }}
),

placed as (
    select
        cost_years.*,
        cost_years.child_key || ':' || cast(cost_years.placement_start_date as {{ dbt.type_string() }})
            as placement_key,
        case when cost_years.placement_days > 0 then cost_years.weekly_cost end as weekly_cost_costed,
        councils.la_name,
        {{ region_code('councils.region_name') }} as region_code,
        councils.region_name
    from cost_years
    left join councils on cost_years.la_code = councils.ons_code
),

by_area as (
    {% for area_type, area_code, area_name in areas %}
        {% set outer_loop = loop %}
        {% for provider, by_provider in providers %}
            select
                '{{ area_type }}' as area_type,
                {{ area_code }} as area_code,
                max({{ area_name }}) as area_name,
                collection_year,
                placement_group,
                placement_group_label,
                group_order,
                {{ provider }} as placement_provider_code,
                count(distinct child_key) as children,
                count(distinct placement_key) as placements,
                sum(placement_weeks) as placement_weeks,
                sum(case when spend is not null then placement_weeks end) as placement_weeks_costed,
                sum(spend) as spend,
                {{ median('weekly_cost_costed') }} as median_weekly_cost
            from placed
            where {{ area_code }} is not null
            group by
                {{ area_code }},
                collection_year,
                placement_group,
                placement_group_label,
                {% if by_provider %}{{ provider }},{% endif %}
                group_order
            {% if not (loop.last and outer_loop.last) %}union all{% endif %}
        {% endfor %}
    {% endfor %}
),

final as (
    select
        -- ids
        area_code || ':' || collection_year || ':' || placement_group || ':' || placement_provider_code
            as placement_unit_cost_id,
        area_type,
        area_code as la_code,
        area_name,
        collection_year,
        -- what is costed
        placement_group,
        placement_group_label,
        cast(group_order as integer) as group_order,
        placement_provider_code,
        -- measures
        cast(children as bigint) as children,
        cast(placements as bigint) as placements,
        cast(placement_weeks as {{ type_double() }}) as placement_weeks,
        cast(spend as {{ type_double() }}) as spend,
        cast(spend as {{ type_double() }}) / nullif(placement_weeks_costed, 0) as average_weekly_cost,
        cast(median_weekly_cost as {{ type_double() }}) as median_weekly_cost
    from by_area
)

select * from final
