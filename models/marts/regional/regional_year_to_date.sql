{{ config(alias='year_to_date') }}
-- The same months of the year before, beside each council's in-year SSDA903 extract and
-- CIN census, as they may be shared: the count (children, periods, referrals or enquiries)
-- and the indicator's value from it, a rate per 10,000 children taking the previous
-- year's population as that year's published rate does. A count of 1 to 9 is hidden, and
-- so is a count of events in the months (periods started or ended, referrals, enquiries)
-- whose rest of that year (the whole year's published count less these months) is 1 to 9,
-- since subtracting one from the other would show it; a hidden count hides its rate.

{% set threshold = var('disclosure_threshold') %}

with

ssda903_same_months as (
    select * from {{ ref('int_ssda903__same_months_last_year') }}
),

cin_census_same_months as (
    select * from {{ ref('int_children_in_need__same_months_last_year') }}
),

ssda903_values as (
    select * from {{ ref('int_ssda903__indicator_values') }}
),

cin_census_values as (
    select * from {{ ref('int_children_in_need__indicator_values') }}
),

definitions as (
    select * from {{ ref('indicator_definitions') }}
),

councils as (
    select * from {{ ref('councils') }}
),

same_months as (
    select
        la_code,
        collection_year,
        reference_date,
        indicator,
        is_flow,
        previous_collection_year,
        same_months_from,
        same_months_to,
        same_months_value as same_months_count
    from ssda903_same_months
    union all
    select
        la_code,
        collection_year,
        reference_date,
        indicator,
        is_flow,
        previous_collection_year,
        same_months_from,
        same_months_to,
        same_months_value as same_months_count
    from cin_census_same_months
),

indicator_values as (
    select
        la_code,
        collection_year,
        indicator,
        numerator,
        denominator
    from ssda903_values
    union all
    select
        la_code,
        collection_year,
        indicator,
        numerator,
        denominator
    from cin_census_values
),

joined as (
    select
        same_months.*,
        councils.la_name,
        definitions.unit,
        full_year.numerator as full_year_count,
        case
            when definitions.unit = 'rate_per_10k'
                then round(same_months.same_months_count * 10000.0 / nullif(full_year.denominator, 0), 1)
            else cast(same_months.same_months_count as {{ type_double() }})
        end as same_months_value  -- noqa: RF04
    from same_months
    inner join definitions on same_months.indicator = definitions.indicator
    left join councils on same_months.la_code = councils.ons_code
    left join indicator_values as full_year
        on
            same_months.la_code = full_year.la_code
            and same_months.previous_collection_year = full_year.collection_year
            and same_months.indicator = full_year.indicator
),

checked as (
    select
        *,
        coalesce(same_months_count >= 1 and same_months_count < {{ threshold }}, false)
        or (
            is_flow
            and coalesce(
                full_year_count - same_months_count >= 1
                and full_year_count - same_months_count < {{ threshold }},
                false
            )
        ) as is_hidden
    from joined
),

final as (
    select
        la_code,
        la_name,
        collection_year,
        reference_date as period_end,
        indicator,
        unit,
        is_flow,
        previous_collection_year,
        same_months_from,
        same_months_to,
        cast({{ published_number('same_months_count', 'is_hidden') }} as bigint) as same_months_count,
        {{ publication_symbol('same_months_count', 'is_hidden') }} as same_months_count_symbol,
        cast({{ published_number('same_months_value', 'is_hidden') }} as {{ type_double() }})
            as same_months_value,
        {{ publication_symbol('same_months_value', 'is_hidden') }} as same_months_value_symbol
    from checked
)

select * from final
