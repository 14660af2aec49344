-- Every council with a current SSDA903 return for a year has a row for every SSDA903
-- indicator (every indicator that is not a CIN census or placement cost one; those have
-- their own tests).
{% set others = [] %}
{% for indicator, numerator, denominator in cin_census_indicators() + placement_cost_indicators() %}
    {% do others.append("'" ~ indicator ~ "'") %}
{% endfor %}

{% set indicators %}
    select indicator
    from {{ ref('indicator_definitions') }}
    where indicator not in ({{ others | join(', ') }})
{% endset %}

{% set returns %}
    select distinct
        la_code,
        collection_year
    from {{ ref('stg_ssda903__episodes') }}
{% endset %}

{{ benchmark_rows_missing(indicators, returns) }}
