-- The region's numerator and denominator for each indicator and year are the sums over the
-- councils' rows; a difference means a council was dropped or counted twice.
with

benchmark as (
    select * from {{ ref('benchmark_indicators') }}
),

summed as (
    select
        indicator,
        collection_year,
        sum(numerator) as councils_numerator,
        sum(denominator) as councils_denominator,
        max(region_numerator) as region_numerator,
        min(region_numerator) as region_numerator_low,
        max(region_denominator) as region_denominator
    from benchmark
    group by indicator, collection_year
)

select *
from summed
where
    councils_numerator <> region_numerator
    or region_numerator <> region_numerator_low
    or councils_denominator is distinct from region_denominator
