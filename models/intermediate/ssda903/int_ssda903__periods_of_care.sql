-- Periods of care: the stitched episodes grouped by the period each belongs to (see
-- int_ssda903__episodes_stitched for where a period starts and ends).

with

episodes as (
    select * from {{ council_rows('int_ssda903__episodes_stitched') }}
),

ordered as (
    select
        episodes.*,
        row_number() over (
            partition by episodes.period_of_care_id order by episodes.episode_start_date
        ) as position_in_period,
        row_number() over (
            partition by episodes.period_of_care_id order by episodes.episode_start_date desc
        ) as position_from_end
    from episodes
),

summarised as (
    select
        period_of_care_id,
        la_code,
        child_token,
        child_key,
        period_number,
        min(episode_start_date) as period_start_date,
        max(case when position_from_end = 1 then episode_end_date end) as last_episode_end_date,
        max(case when position_from_end = 1 then reason_episode_ceased_code end)
            as last_episode_ceased_code,
        max(case when position_in_period = 1 then legal_status_code end) as first_legal_status_code,
        max(case when position_in_period = 1 then placement_type_code end) as first_placement_type_code,
        max(case when position_in_period = 1 then category_of_need_code end) as category_of_need_code,
        count(*) as episodes_count,
        min(case when is_short_break then 1 else 0 end) = 1 as is_short_breaks_only
    from ordered
    group by period_of_care_id, la_code, child_token, child_key, period_number
),

final as (
    select
        period_of_care_id,
        child_key,
        la_code,
        child_token,
        cast(period_number as integer) as period_number,
        period_start_date,
        case
            when last_episode_ceased_code <> 'X1' then last_episode_end_date
        end as period_end_date,
        case
            when last_episode_ceased_code <> 'X1' then last_episode_ceased_code
        end as reason_period_ceased_code,
        first_legal_status_code,
        first_placement_type_code,
        category_of_need_code,
        cast(episodes_count as integer) as episodes_count,
        is_short_breaks_only
    from summarised
)

select * from final
