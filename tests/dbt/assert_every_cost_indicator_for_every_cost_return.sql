-- Every council with a current placement cost return for a year has a row for every
-- placement cost indicator in the benchmark.
with

indicators as (
    select indicator from {{ ref('indicator_definitions') }}
    where indicator in (
        {% for indicator, numerator, denominator in placement_cost_indicators() %}
            '{{ indicator }}'{% if not loop.last %},{% endif %}
        {% endfor %}
    )
),

returns as (
    select distinct
        la_code,
        collection_year
    from {{ ref('stg_placement_costs__cost_lines') }}
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
