{{ config(alias='benchmark_indicators') }}
-- benchmark_indicators as it may be shared beyond the region's hub: every count of 1-9
-- children hidden (macros/disclosure_control.sql), with secondary suppression across the
-- councils of an indicator and year (their sum is the region's published total, hidden
-- instead where a hidden council has no other to hide with it), and every value, rank and
-- comparison worked out again from shown values only, so nothing published can be
-- combined to recover a hidden number.

with

benchmarks as (
    select * from {{ ref('benchmark_indicators') }}
),

statistical_neighbours as (
    select * from {{ ref('statistical_neighbours') }}
),

shared_placement_costs as (
    select * from {{ ref('regional_placement_costs') }}
),

-- What the shared placement costs hide goes with the indicators made of the same pounds
-- and weeks (neither of them children): an average weekly cost with its placement group,
-- the share of fostering weeks in house with either fostering group, and spend per child
-- looked after (its numerator) with the area's spend over every group. The region's rows
-- there decide the region's value here.
cost_cells_hidden as (
    select
        area_type,
        la_code,
        collection_year,
        case placement_group
            when 'in_house_fostering' then 'average_weekly_cost_fostering_in_house'
            when 'agency_fostering' then 'average_weekly_cost_fostering_agency'
            when 'childrens_home' then 'average_weekly_cost_childrens_home'
        end as indicator,
        children_symbol = 'c' as numerator_hidden,
        children_symbol = 'c' as denominator_hidden
    from shared_placement_costs
    union all
    select
        area_type,
        la_code,
        collection_year,
        'pct_placement_weeks_in_house_fostering' as indicator,
        children_symbol = 'c' as numerator_hidden,
        children_symbol = 'c' as denominator_hidden
    from shared_placement_costs
    where placement_group in ('in_house_fostering', 'agency_fostering')
    union all
    select
        area_type,
        la_code,
        collection_year,
        'spend_per_cla' as indicator,
        area_spend_symbol = 'c' as numerator_hidden,
        false as denominator_hidden
    from shared_placement_costs
),

cost_hidden as (
    select
        area_type,
        la_code,
        collection_year,
        indicator,
        max(case when numerator_hidden then 1 else 0 end) = 1 as numerator_hidden,
        max(case when denominator_hidden then 1 else 0 end) = 1 as denominator_hidden
    from cost_cells_hidden
    where indicator is not null
    group by area_type, la_code, collection_year, indicator
),

with_costs_hidden as (
    select
        benchmarks.*,
        coalesce(council_costs.numerator_hidden, false) as numerator_hidden_already,
        coalesce(council_costs.denominator_hidden, false) as denominator_hidden_already,
        coalesce(region_costs.numerator_hidden or region_costs.denominator_hidden, false)
            as region_hidden_already
    from benchmarks
    left join cost_hidden as council_costs
        on
            benchmarks.la_code = council_costs.la_code
            and benchmarks.collection_year = council_costs.collection_year
            and benchmarks.indicator = council_costs.indicator
            and council_costs.area_type = 'council'
    left join cost_hidden as region_costs
        on
            benchmarks.collection_year = region_costs.collection_year
            and benchmarks.indicator = region_costs.indicator
            and region_costs.area_type = 'region'
),

-- money is not a count of children: only its denominator is controlled, and the money
-- goes with what the shared placement costs hide
controlled as (
    select
        *,
        {{ suppress_small_counts(
            "case when unit = 'gbp' then null else numerator end",
            ['indicator', 'collection_year'],
            'la_code',
            hidden_already='numerator_hidden_already'
        ) }} as numerator_hidden,
        {{ suppress_small_counts(
            'denominator', ['indicator', 'collection_year'], 'la_code', hidden_already='denominator_hidden_already'
        ) }} as denominator_hidden,
        region_numerator >= 1 and region_numerator < {{ var('disclosure_threshold') }} and unit <> 'gbp'
            as region_numerator_hidden,
        region_denominator >= 1 and region_denominator < {{ var('disclosure_threshold') }}
            as region_denominator_hidden
    from with_costs_hidden
),

-- the region's value is the councils' total: hidden when its own count is small, with the
-- region's row of the shared placement costs, or where a council's hidden cell found no
-- other to hide with it (one council in the group, the others missing)
totals_controlled as (
    select
        *,
        coalesce(region_numerator_hidden, false)
        or coalesce(region_denominator_hidden, false)
        or region_hidden_already
        or {{ lone_hidden_cell('numerator_hidden', ['indicator', 'collection_year']) }}
        or {{ lone_hidden_cell('denominator_hidden', ['indicator', 'collection_year']) }}
            as region_value_hidden
    from controlled
),

shown as (
    select
        totals_controlled.*,
        totals_controlled.numerator_hidden or totals_controlled.denominator_hidden as value_hidden,
        {{ published_number(
            'totals_controlled.value', 'totals_controlled.numerator_hidden or totals_controlled.denominator_hidden'
        ) }} as shown_value,
        case
            when totals_controlled.polarity = 'lower_is_better' then totals_controlled.value
            else -totals_controlled.value
        end as sort_value
    from totals_controlled
),

ranked as (
    select
        shown.*,
        rank() over (
            partition by shown.indicator, shown.collection_year, shown.shown_value is null
            order by shown.sort_value
        ) as rank_position,
        ntile(4) over (
            partition by shown.indicator, shown.collection_year, shown.shown_value is null
            order by shown.sort_value, shown.la_code
        ) as quartile_position,
        count(shown.shown_value) over (partition by shown.indicator, shown.collection_year)
            as councils_shown
    from shown
),

neighbour_values as (
    {{ neighbour_average('statistical_neighbours', 'shown', 'shown_value') }}
),

previous_year as (
    select
        la_code,
        indicator,
        shown_value,
        {{ next_collection_year('collection_year') }} as collection_year
    from shown
),

final as (
    select
        -- ids
        ranked.benchmark_indicator_id,
        ranked.la_code,
        ranked.la_name,
        ranked.collection_year,
        ranked.period_end,
        ranked.is_in_year,
        ranked.indicator,
        ranked.indicator_name,
        ranked.unit,
        ranked.polarity,
        -- the council
        cast({{ published_number('ranked.numerator', 'ranked.numerator_hidden') }} as {{ type_double() }})
            as numerator,
        {{ publication_symbol('ranked.numerator', 'ranked.numerator_hidden') }} as numerator_symbol,
        cast({{ published_number('ranked.denominator', 'ranked.denominator_hidden') }} as {{ type_double() }})
            as denominator,
        {{ publication_symbol('ranked.denominator', 'ranked.denominator_hidden', "ranked.unit = 'count'") }}
            as denominator_symbol,
        ranked.shown_value as value,  -- noqa: RF04
        {{ publication_symbol(
            'ranked.value', 'ranked.value_hidden', "ranked.unit <> 'count' and ranked.denominator = 0"
        ) }} as value_symbol,
        -- the region
        {{ published_number('ranked.region_value', 'ranked.region_value_hidden') }} as region_value,
        {{ publication_symbol('ranked.region_value', 'ranked.region_value_hidden') }} as region_value_symbol,
        -- statistical neighbours and England
        neighbour_values.neighbour_value,
        case when coalesce(neighbour_values.neighbours_with_value, 0) = 0 then 'x' end
            as neighbour_value_symbol,
        cast(coalesce(neighbour_values.neighbours_with_value, 0) as integer) as neighbours_shown,
        case when ranked.unit <> 'count' then ranked.england_value end as england_value,
        {{ publication_symbol('ranked.england_value', 'false', "ranked.unit = 'count'") }}
            as england_value_symbol,
        -- position among the councils whose value is shown
        case when ranked.shown_value is not null then cast(ranked.rank_position as integer) end
            as rank_in_region,
        case when ranked.shown_value is not null then cast(ranked.quartile_position as integer) end
            as quartile_in_region,
        cast(ranked.councils_shown as integer) as councils_ranked,
        -- direction of travel, between shown values
        previous_year.shown_value as previous_value,
        {{ direction_of_travel('ranked.shown_value', 'previous_year.shown_value') }} as direction_of_travel,
        {{ travel_assessment('ranked.shown_value', 'previous_year.shown_value', 'ranked.polarity') }}
            as travel_assessment
    from ranked
    left join neighbour_values
        on
            ranked.la_code = neighbour_values.la_code
            and ranked.indicator = neighbour_values.indicator
            and ranked.collection_year = neighbour_values.collection_year
    left join previous_year
        on
            ranked.la_code = previous_year.la_code
            and ranked.indicator = previous_year.indicator
            and ranked.collection_year = previous_year.collection_year
)

select * from final
