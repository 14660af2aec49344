{{ config(alias='demand_backtests') }}
-- The demand backtests (fct_demand_backtests) as they may be shared: for each council and
-- the region, earlier 31 March and horizon, the projection beside what happened and the
-- naive projection (the count at the origin carried forward), with their errors. A row is
-- hidden where the count at its origin or at its target is hidden in
-- int_demand__shared_stocks, and with it the projection and both errors, from which
-- either count could be worked back.

with

backtests as (
    select
        *,
        cast({{ dbt.dateadd('month', 'horizon_months', 'origin_date') }} as date) as target_date
    from {{ ref('fct_demand_backtests') }}
),

stocks as (
    select * from {{ ref('int_demand__shared_stocks') }}
),

groups as (
    {{ placement_groups_and_all() }}
),

controlled as (
    select
        backtests.*,
        groups.placement_group_label,
        groups.group_order,
        coalesce(at_origin.hidden, true) or coalesce(at_target.hidden, true) as hidden
    from backtests
    inner join groups on backtests.placement_group = groups.placement_group
    left join stocks as at_origin
        on
            backtests.la_code = at_origin.area_code
            and backtests.origin_date = at_origin.stock_date
            and backtests.placement_group = at_origin.placement_group
    left join stocks as at_target
        on
            backtests.la_code = at_target.area_code
            and backtests.target_date = at_target.stock_date
            and backtests.placement_group = at_target.placement_group
),

final as (
    select
        -- ids (the month as yyyy-mm: a full date in text is refused by the publication gate)
        la_code || ':' || substr(cast(origin_date as {{ dbt.type_string() }}), 1, 7) || ':'
        || cast(horizon_months as {{ dbt.type_string() }}) || ':'
        || placement_group as demand_backtest_id,
        area_type,
        la_code,
        area_name,
        origin_date,
        horizon_months,
        target_date,
        placement_group,
        placement_group_label,
        group_order,
        -- the projection, what happened and the naive projection
        {{ published_number('projected_median', 'hidden') }} as projected_median,
        {{ publication_symbol('projected_median', 'hidden') }} as projected_median_symbol,
        {{ published_number('actual', 'hidden') }} as actual,
        {{ publication_symbol('actual', 'hidden') }} as actual_symbol,
        {{ published_number('naive', 'hidden') }} as naive,
        {{ publication_symbol('naive', 'hidden') }} as naive_symbol,
        -- how far each was off
        {{ published_number('error_percent', 'hidden') }} as error_percent,
        {{ publication_symbol('error_percent', 'hidden') }} as error_percent_symbol,
        {{ published_number('naive_error_percent', 'hidden') }} as naive_error_percent,
        {{ publication_symbol('naive_error_percent', 'hidden') }} as naive_error_percent_symbol
    from controlled
)

select * from final
