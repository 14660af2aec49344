{{ config(alias='year_to_date') }}
-- The same months of the year before, beside each council's in-year extract, as they may
-- be shared: a count of 1 to 9 children is hidden, and so is a count of periods started or
-- ended whose rest of that year (the whole year's published count less these months) is
-- 1 to 9, since subtracting one from the other would show it.

{% set threshold = var('disclosure_threshold') %}

with

same_months as (
    select * from {{ ref('int_ssda903__same_months_last_year') }}
),

indicator_values as (
    select * from {{ ref('int_ssda903__indicator_values') }}
),

councils as (
    select * from {{ ref('councils') }}
),

joined as (
    select
        same_months.*,
        councils.la_name,
        full_year.numerator as full_year_value
    from same_months
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
        coalesce(same_months_value >= 1 and same_months_value < {{ threshold }}, false)
        or (
            indicator <> 'cla_at_31_march'
            and coalesce(
                full_year_value - same_months_value >= 1
                and full_year_value - same_months_value < {{ threshold }},
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
        previous_collection_year,
        same_months_from,
        same_months_to,
        cast({{ published_number('same_months_value', 'is_hidden') }} as bigint) as same_months_value,
        {{ publication_symbol('same_months_value', 'is_hidden') }} as same_months_value_symbol
    from checked
)

select * from final
