{#- The CIN census indicators: id, numerator and denominator column of
    int_children_in_need__indicator_values. Definitions in seeds/indicator_definitions.csv;
    the singular test assert_every_cin_indicator_for_every_cin_census reads the ids. -#}
{% macro cin_census_indicators() -%}
    {{ return([
        ('referrals_per_10k', 'referrals', 'population_0_17'),
        ('re_referrals_12m_pct', 're_referrals', 'referrals'),
        ('assessments_within_45wd_pct', 'assessments_within_45wd', 'assessments_completed'),
        ('cin_rate_per_10k', 'children_in_need', 'population_0_17'),
        ('s47_per_10k', 's47_started', 'population_0_17'),
        ('icpc_within_15wd_pct', 'icpcs_within_15wd', 'icpcs_held'),
        ('cpp_rate_per_10k', 'children_on_cp_plans', 'population_0_17'),
        ('cpp_second_or_subsequent_pct', 'cp_plans_second_or_subsequent', 'cp_plans_started'),
        ('cpp_ended_lasting_2y_pct', 'cp_plans_ended_after_two_years', 'cp_plans_ended'),
    ]) }}
{%- endmacro %}
