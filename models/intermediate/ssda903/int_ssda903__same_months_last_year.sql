-- For each council's in-year SSDA903 extract (a return whose reference date is before 31
-- March), the same months of the year before: from 1 April of the previous collection year
-- to the same day a year before the extract's date, counted in the previous year's return
-- by the rules the in-year figures follow (int_ssda903__indicator_values): periods of care
-- started (RNE S) and ended (REC other than X1) in those months, short breaks left out,
-- and the children looked after on that day (the numerator of cla_at_31_march and of
-- cla_rate_per_10k). A part of a year is compared with the same part of the year before,
-- never with a whole year. No previous return, no row.

with

return_episodes as (
    select * from {{ council_rows('int_ssda903__return_episodes') }}
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

in_year as (
    {{ same_months_a_year_before('returns') }}
),

previous as (
    select
        in_year.la_code,
        in_year.collection_year,
        in_year.reference_date,
        in_year.same_months_from,
        in_year.same_months_to,
        in_year.previous_collection_year,
        return_episodes.child_token,
        return_episodes.episode_start_date,
        return_episodes.episode_end_date,
        return_episodes.reason_new_episode_code,
        return_episodes.reason_episode_ceased_code
    from in_year
    inner join return_episodes
        on
            in_year.la_code = return_episodes.la_code
            and in_year.previous_collection_year = return_episodes.collection_year
    where not return_episodes.is_short_break
),

counted as (
    select
        la_code,
        collection_year,
        reference_date,
        same_months_from,
        same_months_to,
        previous_collection_year,
        sum(
            case
                when
                    reason_new_episode_code = 'S'
                    and episode_start_date between same_months_from and same_months_to
                    then 1
                else 0
            end
        ) as started,
        sum(
            case
                when
                    reason_episode_ceased_code <> 'X1'
                    and episode_end_date between same_months_from and same_months_to
                    then 1
                else 0
            end
        ) as ceased,
        count(
            distinct case
                when
                    episode_start_date <= same_months_to
                    and (episode_end_date is null or episode_end_date > same_months_to)
                    then child_token
            end
        ) as looked_after
    from previous
    group by
        la_code, collection_year, reference_date, same_months_from, same_months_to, previous_collection_year
),

measures as (
    select
        *,
        'cla_at_31_march' as indicator,
        false as is_flow,
        looked_after as same_months_value
    from counted
    union all
    select
        *,
        'cla_rate_per_10k' as indicator,
        false as is_flow,
        looked_after as same_months_value
    from counted
    union all
    select
        *,
        'cla_started_in_year' as indicator,
        true as is_flow,
        started as same_months_value
    from counted
    union all
    select
        *,
        'cla_ceased_in_year' as indicator,
        true as is_flow,
        ceased as same_months_value
    from counted
),

final as (
    select
        la_code || ':' || collection_year || ':' || indicator as same_months_id,
        la_code,
        collection_year,
        reference_date,
        indicator,
        is_flow,
        same_months_from,
        same_months_to,
        previous_collection_year,
        cast(same_months_value as bigint) as same_months_value
    from measures
)

select * from final
