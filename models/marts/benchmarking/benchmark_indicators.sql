-- One row per council, collection year and indicator: the council's value beside the
-- region's, its rank (1 = best, or highest where higher is neither better nor worse) and
-- quartile (1 = best) among the councils with a value. period_end is the reference date of
-- the council's current return: 31 March, or an in-year extract's date. Indicators come
-- from the SSDA903 (children looked after), the CIN census (children in need) and the
-- placement cost return (money, unit gbp); each council-year's values come from that
-- return alone. Beside the region: the average of
-- the council's ten statistical neighbours' values (a simple mean, as the DfE's LAIT
-- does), England's value where the england_indicator_values seed has it, and the
-- direction of travel from the council's value a year earlier.

with

ssda903_values as (
    select * from {{ ref('int_ssda903__indicator_values') }}
),

cin_census_values as (
    select * from {{ ref('int_children_in_need__indicator_values') }}
),

placement_cost_values as (
    select * from {{ ref('int_finance__indicator_values') }}
),

indicator_values as (
    select
        la_code,
        collection_year,
        reference_date,
        indicator,
        numerator,
        denominator
    from ssda903_values
    union all
    select
        la_code,
        collection_year,
        reference_date,
        indicator,
        numerator,
        denominator
    from cin_census_values
    union all
    select
        la_code,
        collection_year,
        reference_date,
        indicator,
        numerator,
        denominator
    from placement_cost_values
),

definitions as (
    select * from {{ ref('indicator_definitions') }}
),

councils as (
    select * from {{ ref('councils') }}
),

statistical_neighbours as (
    select * from {{ ref('statistical_neighbours') }}
),

england as (
    select * from {{ ref('england_indicator_values') }}
),

scaled as (
    select
        indicator_values.*,
        definitions.name as indicator_name,
        definitions.unit,
        definitions.polarity,
        case definitions.unit
            when 'rate_per_10k' then 10000.0
            when 'percent' then 100.0
            when 'gbp' then 1.0
        end as unit_scale
    from indicator_values
    inner join definitions on indicator_values.indicator = definitions.indicator
),

valued as (
    select
        scaled.*,
        case
            when scaled.unit = 'count' then cast(scaled.numerator as {{ type_double() }})
            else scaled.numerator * scaled.unit_scale / nullif(scaled.denominator, 0)
        end as value  -- noqa: RF04
    from scaled
),

regional as (
    select
        indicator,
        collection_year,
        sum(numerator) as region_numerator,
        sum(denominator) as region_denominator,
        count(value) as councils_with_value
    from valued
    group by indicator, collection_year
),

ranked as (
    select
        valued.*,
        case
            when valued.polarity = 'lower_is_better' then valued.value
            else -valued.value
        end as sort_value
    from valued
),

positioned as (
    select
        ranked.*,
        rank() over (
            partition by ranked.indicator, ranked.collection_year, ranked.value is null
            order by ranked.sort_value
        ) as rank_position,
        -- councils tied on a value are split between quartiles by code, so the split is
        -- the same on every run
        ntile(4) over (
            partition by ranked.indicator, ranked.collection_year, ranked.value is null
            order by ranked.sort_value, ranked.la_code
        ) as quartile_position
    from ranked
),

neighbour_values as (
    {{ neighbour_average('statistical_neighbours', 'valued') }}
),

previous_year as (
    select
        la_code,
        indicator,
        value,
        {{ next_collection_year('collection_year') }} as collection_year
    from valued
),

final as (
    select
        -- ids
        positioned.la_code || ':' || positioned.collection_year || ':' || positioned.indicator
            as benchmark_indicator_id,
        positioned.la_code,
        councils.la_name,
        positioned.collection_year,
        positioned.reference_date as period_end,
        positioned.reference_date <> cast(
            cast(cast(substr(positioned.collection_year, 1, 4) as integer) + 1 as {{ dbt.type_string() }})
            || '-03-31' as date
        ) as is_in_year,
        positioned.indicator,
        positioned.indicator_name,
        positioned.unit,
        positioned.polarity,
        -- the council
        positioned.numerator,
        positioned.denominator,
        positioned.value,
        -- the region
        cast(regional.region_numerator as bigint) as region_numerator,
        cast(regional.region_denominator as bigint) as region_denominator,
        case
            when positioned.unit = 'count' then cast(regional.region_numerator as {{ type_double() }})
            else regional.region_numerator * positioned.unit_scale / nullif(regional.region_denominator, 0)
        end as region_value,
        case when positioned.value is not null then cast(positioned.rank_position as integer) end
            as rank_in_region,
        cast(regional.councils_with_value as integer) as councils_ranked,
        case when positioned.value is not null then cast(positioned.quartile_position as integer) end
            as quartile_in_region,
        -- statistical neighbours and England
        neighbour_values.neighbour_value,
        cast(coalesce(neighbour_values.neighbours_with_value, 0) as integer) as neighbours_with_value,
        cast(england.value as {{ type_double() }}) as england_value,
        -- direction of travel
        previous_year.value as previous_value,
        {{ direction_of_travel('positioned.value', 'previous_year.value') }} as direction_of_travel,
        {{ travel_assessment('positioned.value', 'previous_year.value', 'positioned.polarity') }}
            as travel_assessment
    from positioned
    inner join regional
        on
            positioned.indicator = regional.indicator
            and positioned.collection_year = regional.collection_year
    left join councils on positioned.la_code = councils.ons_code
    left join neighbour_values
        on
            positioned.la_code = neighbour_values.la_code
            and positioned.indicator = neighbour_values.indicator
            and positioned.collection_year = neighbour_values.collection_year
    left join england
        on
            positioned.indicator = england.indicator
            and positioned.collection_year = england.collection_year
    left join previous_year
        on
            positioned.la_code = previous_year.la_code
            and positioned.indicator = previous_year.indicator
            and positioned.collection_year = previous_year.collection_year
)

select * from final
