-- Events counted in the same months of the year before (periods of care started and
-- ended, referrals, section 47 enquiries) are some of that whole year's: never more than
-- the year's own indicator counts, from the same return.
with

same_months as (
    select
        same_months_id,
        la_code,
        previous_collection_year,
        indicator,
        same_months_value
    from {{ ref('int_ssda903__same_months_last_year') }}
    where is_flow
    union all
    select
        same_months_id,
        la_code,
        previous_collection_year,
        indicator,
        same_months_value
    from {{ ref('int_children_in_need__same_months_last_year') }}
    where is_flow
),

whole_year as (
    select
        la_code,
        collection_year,
        indicator,
        numerator
    from {{ ref('int_ssda903__indicator_values') }}
    union all
    select
        la_code,
        collection_year,
        indicator,
        numerator
    from {{ ref('int_children_in_need__indicator_values') }}
)

select same_months.same_months_id
from same_months
left join whole_year
    on
        same_months.la_code = whole_year.la_code
        and same_months.previous_collection_year = whole_year.collection_year
        and same_months.indicator = whole_year.indicator
where whole_year.numerator is null or same_months.same_months_value > whole_year.numerator
