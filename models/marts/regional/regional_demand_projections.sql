{{ config(alias='demand_projections') }}
-- The demand projections (fct_demand_projections, every age band together) as they may
-- be shared: for each council and the region, scenario, month end and placement group
-- ('all' for every group), children looked after and their cost a month as the 10th,
-- 50th and 90th percentiles of the model's runs. A series is hidden whole (every month,
-- every scenario, children and cost) where its count at the origin is hidden in
-- int_demand__shared_stocks: month 0 is that count, and the months after it stay close.

with

projections as (
    select * from {{ ref('fct_demand_projections') }}
    where age_band = 'all'
),

stocks as (
    select * from {{ ref('int_demand__shared_stocks') }}
),

groups as (
    {{ placement_groups_and_all() }}
),

controlled as (
    select
        projections.*,
        groups.placement_group_label,
        groups.group_order,
        coalesce(stocks.hidden, true) as hidden
    from projections
    inner join groups on projections.placement_group = groups.placement_group
    left join stocks
        on
            projections.la_code = stocks.area_code
            and projections.origin_date = stocks.stock_date
            and projections.placement_group = stocks.placement_group
),

final as (
    select
        -- ids (the month as yyyy-mm: a full date in text is refused by the publication gate)
        la_code || ':' || scenario || ':'
        || substr(cast(month_end as {{ dbt.type_string() }}), 1, 7) || ':'
        || placement_group as demand_projection_id,
        area_type,
        la_code,
        area_name,
        scenario,
        origin_date,
        month_end,
        months_ahead,
        placement_group,
        placement_group_label,
        group_order,
        -- children looked after at the month end
        {{ published_number('children_p10', 'hidden') }} as children_p10,
        {{ published_number('children_median', 'hidden') }} as children_median,
        {{ published_number('children_p90', 'hidden') }} as children_p90,
        {{ publication_symbol('children_median', 'hidden') }} as children_symbol,
        -- their cost in the month, hidden with them
        {{ published_number('cost_p10', 'hidden') }} as cost_p10,
        {{ published_number('cost_median', 'hidden') }} as cost_median,
        {{ published_number('cost_p90', 'hidden') }} as cost_p90,
        {{ publication_symbol('cost_median', 'hidden') }} as cost_symbol
    from controlled
)

select * from final
