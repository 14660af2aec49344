-- Every council with a current placement cost return for a year has a row for every
-- placement cost indicator in the benchmark.
{% set indicators %}
    {% for indicator, numerator, denominator in placement_cost_indicators() %}
        select '{{ indicator }}' as indicator
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
{% endset %}

{% set returns %}
    select distinct
        la_code,
        collection_year
    from {{ ref('stg_placement_costs__cost_lines') }}
{% endset %}

{{ benchmark_rows_missing(indicators, returns) }}
