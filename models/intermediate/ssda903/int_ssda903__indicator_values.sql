-- Numerator and denominator of every SSDA903 indicator for each council's current return
-- of each collection year, computed from that return as the DfE computes it (long-term
-- stability also reads the stitched history). Definitions: seeds/indicator_definitions.csv.
-- A return with nothing to count gives 0, so a zero denominator shows as a missing value
-- downstream rather than a missing row.

with

return_episodes as (
    select * from {{ council_rows('int_ssda903__return_episodes') }}
),

cla as (
    select * from {{ council_rows('int_ssda903__cla_at_reference_date') }}
),

care_leavers as (
    select * from {{ council_rows('stg_ssda903__oc3') }}
),

missing as (
    select * from {{ council_rows('stg_ssda903__missing') }}
),

population as (
    select * from {{ ref('population') }}
),

reason_groups as (
    select * from {{ ref('ssda903_reason_ceased_groups') }}
),

returns as (
    select distinct
        la_code,
        collection_year,
        year_ending,
        year_start_date,
        reference_date
    from return_episodes
),

cla_counts as (
    select
        la_code,
        collection_year,
        count(*) as looked_after,
        sum(case when has_three_or_more_placements then 1 else 0 end) as three_plus_placements,
        sum(case when is_long_term_cohort then 1 else 0 end) as long_term_cohort,
        sum(case when is_long_term_stable then 1 else 0 end) as long_term_stable,
        sum(case when is_uasc then 1 else 0 end) as uasc
    from cla
    group by la_code, collection_year
),

starts as (
    select
        la_code,
        collection_year,
        count(*) as started
    from return_episodes
    where
        reason_new_episode_code = 'S'
        and not is_short_break
        and episode_start_date between year_start_date and reference_date
    group by la_code, collection_year
),

ceased as (
    select
        return_episodes.la_code,
        return_episodes.collection_year,
        coalesce(reason_groups.reason_group, 'other') as reason_group
    from return_episodes
    left join reason_groups
        on return_episodes.reason_episode_ceased_code = reason_groups.code
    where
        return_episodes.reason_episode_ceased_code <> 'X1'
        and not return_episodes.is_short_break
        and return_episodes.episode_end_date between return_episodes.year_start_date
        and return_episodes.reference_date
),

leavers as (
    select
        la_code,
        collection_year,
        count(*) as aged_19_to_21,
        sum(case when is_in_education_employment_training then 1 else 0 end) as in_eet,
        sum(case when is_suitably_accommodated then 1 else 0 end) as suitably_accommodated
    from care_leavers
    where {{ age_at_birthday_in_year("birth_month", "year_ending") }} between 19 and 21
    group by la_code, collection_year
),

missing_in_year as (
    select
        missing.la_code,
        missing.collection_year,
        count(*) as incidents,
        count(distinct missing.child_token) as children
    from missing
    inner join returns
        on
            missing.la_code = returns.la_code
            and missing.collection_year = returns.collection_year
    where
        missing.missing_type_code = 'M'
        and missing.missing_start_date between returns.year_start_date and returns.reference_date
    group by missing.la_code, missing.collection_year
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
        returns.la_code,
        returns.collection_year,
        returns.reference_date,
        coalesce(cla_counts.looked_after, 0) as looked_after,
        coalesce(cla_counts.three_plus_placements, 0) as three_plus_placements,
        coalesce(cla_counts.long_term_cohort, 0) as long_term_cohort,
        coalesce(cla_counts.long_term_stable, 0) as long_term_stable,
        coalesce(cla_counts.uasc, 0) as uasc,
        coalesce(starts.started, 0) as started,
        coalesce(leavers.aged_19_to_21, 0) as leavers_19_to_21,
        coalesce(leavers.in_eet, 0) as leavers_in_eet,
        coalesce(leavers.suitably_accommodated, 0) as leavers_suitably_accommodated,
        coalesce(missing_in_year.incidents, 0) as missing_incidents,
        coalesce(missing_in_year.children, 0) as missing_children,
        coalesce(looked_after_in_year.children, 0) as looked_after_in_year,
        population.population_0_17
    from returns
    left join cla_counts
        on returns.la_code = cla_counts.la_code and returns.collection_year = cla_counts.collection_year
    left join starts
        on returns.la_code = starts.la_code and returns.collection_year = starts.collection_year
    left join leavers
        on returns.la_code = leavers.la_code and returns.collection_year = leavers.collection_year
    left join missing_in_year
        on
            returns.la_code = missing_in_year.la_code
            and returns.collection_year = missing_in_year.collection_year
    left join looked_after_in_year
        on
            returns.la_code = looked_after_in_year.la_code
            and returns.collection_year = looked_after_in_year.collection_year
    -- the mid-year estimate of the June before the year's end
    left join population
        on returns.la_code = population.ons_code and returns.year_ending - 1 = population.mid_year
),

reason_group_list as (
    select distinct reason_group from reason_groups
),

ceased_by_group as (
    select
        returns.la_code,
        returns.collection_year,
        returns.reference_date,
        reason_group_list.reason_group,
        count(ceased.la_code) as ceased
    from returns
    cross join reason_group_list
    left join ceased
        on
            returns.la_code = ceased.la_code
            and returns.collection_year = ceased.collection_year
            and reason_group_list.reason_group = ceased.reason_group
    group by
        returns.la_code, returns.collection_year, returns.reference_date, reason_group_list.reason_group
),

long_format as (
    {% set measures = [
        ('cla_at_31_march', 'looked_after', 'null'),
        ('cla_rate_per_10k', 'looked_after', 'population_0_17'),
        ('cla_started_in_year', 'started', 'null'),
        ('cla_3plus_placements_pct', 'three_plus_placements', 'looked_after'),
        ('cla_long_term_stability_pct', 'long_term_stable', 'long_term_cohort'),
        ('care_leavers_eet_pct', 'leavers_in_eet', 'leavers_19_to_21'),
        ('care_leavers_suitable_accom_pct', 'leavers_suitably_accommodated', 'leavers_19_to_21'),
        ('cla_uasc_at_31_march', 'uasc', 'null'),
        ('cla_missing_incidents', 'missing_incidents', 'null'),
        ('cla_missing_children_pct', 'missing_children', 'looked_after_in_year'),
    ] %}
    {% for indicator, numerator, denominator in measures %}
        select
            la_code,
            collection_year,
            reference_date,
            '{{ indicator }}' as indicator,
            cast({{ numerator }} as bigint) as numerator,
            cast({{ denominator }} as bigint) as denominator
        from measures
        union all
    {% endfor %}
    select
        la_code,
        collection_year,
        reference_date,
        'cla_ceased_in_year' as indicator,
        cast(sum(ceased) as bigint) as numerator,
        cast(null as bigint) as denominator
    from ceased_by_group
    group by la_code, collection_year, reference_date
    union all
    select
        la_code,
        collection_year,
        reference_date,
        'cla_ceased_' || reason_group as indicator,
        cast(ceased as bigint) as numerator,
        cast(null as bigint) as denominator
    from ceased_by_group
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
