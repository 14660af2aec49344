{#- The placement cost indicators: id, numerator and denominator column of
    int_finance__indicator_values. Definitions in seeds/indicator_definitions.csv; tests
    and the benchmark can read the ids here, as they do for cin_census_indicators. -#}
{% macro placement_cost_indicators() -%}
    {{ return([
        ('spend_per_cla', 'spend', 'looked_after_in_year'),
        ('average_weekly_cost_fostering_in_house', 'in_house_fostering_spend', 'in_house_fostering_weeks'),
        ('average_weekly_cost_fostering_agency', 'agency_fostering_spend', 'agency_fostering_weeks'),
        ('average_weekly_cost_childrens_home', 'childrens_home_spend', 'childrens_home_weeks'),
        ('pct_placement_weeks_in_house_fostering', 'in_house_fostering_days', 'fostering_days'),
    ]) }}
{%- endmacro %}
