-- What the shared placement costs hide stays hidden in the shared benchmark, which
-- publishes the same pounds and weeks again: a hidden group's average weekly cost, the
-- share of fostering weeks in house when either fostering group is hidden, and spend per
-- child looked after when the area's spend over every group is hidden. A council's row
-- hides its numerator; a region's row hides the region's value.

with

costs as (
    select * from {{ ref('regional_placement_costs') }}
),

benchmark as (
    select * from {{ ref('regional_benchmark_indicators') }}
),

hidden_in_costs as (
    select
        area_type,
        la_code,
        collection_year,
        case placement_group
            when 'in_house_fostering' then 'average_weekly_cost_fostering_in_house'
            when 'agency_fostering' then 'average_weekly_cost_fostering_agency'
            when 'childrens_home' then 'average_weekly_cost_childrens_home'
        end as indicator
    from costs
    where children_symbol = 'c'
    union all
    select
        area_type,
        la_code,
        collection_year,
        'pct_placement_weeks_in_house_fostering' as indicator
    from costs
    where children_symbol = 'c' and placement_group in ('in_house_fostering', 'agency_fostering')
    union all
    select
        area_type,
        la_code,
        collection_year,
        'spend_per_cla' as indicator
    from costs
    where area_spend_symbol = 'c'
),

shown_in_benchmark as (
    select
        hidden_in_costs.area_type,
        hidden_in_costs.la_code,
        hidden_in_costs.collection_year,
        hidden_in_costs.indicator,
        benchmark.benchmark_indicator_id
    from hidden_in_costs
    inner join benchmark
        on
            hidden_in_costs.collection_year = benchmark.collection_year
            and hidden_in_costs.indicator = benchmark.indicator
    where
        (
            hidden_in_costs.area_type = 'council'
            and hidden_in_costs.la_code = benchmark.la_code
            and benchmark.numerator_symbol is distinct from 'c'
        )
        or (
            hidden_in_costs.area_type = 'region'
            and benchmark.region_value_symbol is distinct from 'c'
        )
)

select * from shown_in_benchmark
