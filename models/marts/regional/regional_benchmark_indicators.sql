{{ config(alias='benchmark_indicators') }}
-- benchmark_indicators as it may be shared beyond the region's hub: every count of 1-9
-- children hidden (macros/disclosure_control.sql), with secondary suppression across the
-- councils of an indicator and year (their sum is the region's published total), and
-- every value, rank and comparison worked out again from shown values only, so nothing
-- published can be combined to recover a hidden number.

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

-- An average weekly cost is pounds over weeks, neither of them children: it is hidden
-- with the children of its placement group, as the shared placement costs hide them.
cost_groups_hidden as (
    select
        la_code,
        collection_year,
        case placement_group
            when 'in_house_fostering' then 'average_weekly_cost_fostering_in_house'
            when 'agency_fostering' then 'average_weekly_cost_fostering_agency'
            when 'childrens_home' then 'average_weekly_cost_childrens_home'
        end as indicator,
        children_symbol = 'c' as group_hidden
    from shared_placement_costs
    where area_type = 'council'
),

with_groups as (
    select
        benchmarks.*,
        coalesce(cost_groups_hidden.group_hidden, false) as group_hidden
    from benchmarks
    left join cost_groups_hidden
        on
            benchmarks.la_code = cost_groups_hidden.la_code
            and benchmarks.collection_year = cost_groups_hidden.collection_year
            and benchmarks.indicator = cost_groups_hidden.indicator
),

-- money is not a count of children: only its denominator (children) is controlled
controlled as (
    select
        *,
        {{ suppress_small_counts(
            "case when unit = 'gbp' then null else numerator end",
            ['indicator', 'collection_year'],
            'la_code',
            hidden_already='group_hidden'
        ) }} as numerator_hidden,
        {{ suppress_small_counts(
            'denominator', ['indicator', 'collection_year'], 'la_code', hidden_already='group_hidden'
        ) }} as denominator_hidden,
        region_numerator >= 1 and region_numerator < {{ var('disclosure_threshold') }} and unit <> 'gbp'
            as region_numerator_hidden,
        region_denominator >= 1 and region_denominator < {{ var('disclosure_threshold') }}
            as region_denominator_hidden
    from with_groups
),

shown as (
    select
        controlled.*,
        controlled.numerator_hidden or controlled.denominator_hidden as value_hidden,
        coalesce(controlled.region_numerator_hidden, false)
        or coalesce(controlled.region_denominator_hidden, false) as region_value_hidden,
        {{ published_number(
            'controlled.value', 'controlled.numerator_hidden or controlled.denominator_hidden'
        ) }} as shown_value,
        case
            when controlled.polarity = 'lower_is_better' then controlled.value
            else -controlled.value
        end as sort_value
    from controlled
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
