-- Numerator and denominator of every placement cost indicator for each council's current
-- placement cost return of each collection year, in the shape of
-- int_ssda903__indicator_values so that the benchmark can union them. Ids: macro
-- placement_cost_indicators; definitions: seeds/indicator_definitions.csv. Spend is the
-- cost lines' spend in the year (stitched across returns, costed to the return's
-- reference date) in whole pounds; placement-weeks are the days costed in the year / 7,
-- rounded to whole weeks (numerators and denominators are whole numbers; the exact
-- averages are in rpt_placement_unit_costs). Money is in unit gbp (value = numerator /
-- denominator). Children looked after in the year come from the council's SSDA903 return
-- for the same collection year (children with an episode in it, not short breaks); with no
-- such return the denominator is 0. A return with nothing to count gives 0, so a zero
-- denominator shows as a missing value downstream rather than a missing row.

{% set cost_groups = ['in_house_fostering', 'agency_fostering', 'childrens_home'] %}

with

cost_years as (
    select * from {{ council_rows('int_finance__cost_line_years') }}
),

cost_returns as (
    select * from {{ council_rows('int_finance__cost_returns') }}
),

return_episodes as (
    select * from {{ council_rows('int_ssda903__return_episodes') }}
),

spend_in_year as (
    select
        la_code,
        collection_year,
        -- Summed in pence, exactly: a sum of doubles depends on the order the engine adds
        -- them in, and could fall either side of a whole pound.
        sum(cast(spend as decimal(18, 2))) as spend,
        {% for group in cost_groups %}
            sum(case when placement_group = '{{ group }}' then cast(spend as decimal(18, 2)) end)
                as {{ group }}_spend,
            sum(case when placement_group = '{{ group }}' then placement_days end) as {{ group }}_days,
        {% endfor %}
        sum(case when placement_group in ('in_house_fostering', 'agency_fostering') then placement_days end)
            as fostering_days
    from cost_years
    group by la_code, collection_year
),

looked_after_in_year as (
    select
        la_code,
        collection_year,
        count(distinct child_token) as children
    from return_episodes
    where not is_short_break
    group by la_code, collection_year
),

measures as (
    select
        cost_returns.la_code,
        cost_returns.collection_year,
        cost_returns.reference_date,
        coalesce(cast({{ round_places('spend_in_year.spend', 0) }} as {{ type_double() }}), 0) as spend,
        {% for group in cost_groups %}
            coalesce(
                cast({{ round_places('spend_in_year.' ~ group ~ '_spend', 0) }} as {{ type_double() }}), 0
            ) as {{ group }}_spend,
            coalesce(spend_in_year.{{ group }}_days, 0) as {{ group }}_days,
            coalesce(round(spend_in_year.{{ group }}_days / 7.0), 0) as {{ group }}_weeks,
        {% endfor %}
        coalesce(spend_in_year.fostering_days, 0) as fostering_days,
        coalesce(looked_after_in_year.children, 0) as looked_after_in_year
    from cost_returns
    left join spend_in_year
        on
            cost_returns.la_code = spend_in_year.la_code
            and cost_returns.collection_year = spend_in_year.collection_year
    left join looked_after_in_year
        on
            cost_returns.la_code = looked_after_in_year.la_code
            and cost_returns.collection_year = looked_after_in_year.collection_year
),

long_format as (
    {{ indicator_rows(placement_cost_indicators(), 'measures') }}
),

final as (
    select
        la_code || ':' || collection_year || ':' || indicator as indicator_value_id,
        la_code,
        collection_year,
        reference_date,
        indicator,
        numerator,
        denominator
    from long_format
)

select * from final
