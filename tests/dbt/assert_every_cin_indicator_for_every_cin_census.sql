-- Every council-year with a loaded CIN census (the current file in the load manifest) has
-- a row for every CIN census indicator in benchmark_indicators, so each indicator is
-- defined in the seed and no council-year is dropped on the way.
with

indicators as (
    {% for indicator, numerator, denominator in cin_census_indicators() %}
        select '{{ indicator }}' as indicator
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

returns as (
    select distinct
        la_code,
        collection_year
    from {{ source('ssda903', 'load_manifest') }}
    where kind = 'cin' and status = 'loaded'
),

expected as (
    select
        returns.la_code,
        returns.collection_year,
        indicators.indicator
    from returns
    cross join indicators
),

missing as (
    select expected.*
    from expected
    left join {{ ref('benchmark_indicators') }} as benchmark
        on
            expected.la_code = benchmark.la_code
            and expected.collection_year = benchmark.collection_year
            and expected.indicator = benchmark.indicator
    where benchmark.la_code is null
)

select * from missing
