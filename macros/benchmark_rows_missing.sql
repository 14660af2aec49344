{#- The council-years of a return that lack a benchmark_indicators row for one of the
    indicators they should have: for the singular tests that check no indicator and no
    council-year is dropped between a return and the benchmark. `returns` is a select of
    la_code and collection_year; `indicators` a select of indicator. -#}
{% macro benchmark_rows_missing(indicators, returns) -%}
    with

    indicators as (
        {{ indicators }}
    ),

    returns as (
        {{ returns }}
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
{%- endmacro %}
