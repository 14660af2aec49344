-- Every council-year with a loaded CIN census (the current file in the load manifest) has
-- a row for every CIN census indicator in benchmark_indicators, so each indicator is
-- defined in the seed and no council-year is dropped on the way.
{% set indicators %}
    {% for indicator, numerator, denominator in cin_census_indicators() %}
        select '{{ indicator }}' as indicator
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
{% endset %}

{% set returns %}
    select distinct
        la_code,
        collection_year
    from {{ source('ssda903', 'load_manifest') }}
    where kind = 'cin' and status = 'loaded'
{% endset %}

{{ benchmark_rows_missing(indicators, returns) }}
