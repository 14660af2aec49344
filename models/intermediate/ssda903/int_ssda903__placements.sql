-- Placements across all returns, counted as the DfE counts them (see the
-- placement_sequence macro): within each period of care of the stitched episodes.

with

episodes as (
    select * from {{ council_rows('int_ssda903__episodes_stitched') }}
    where not is_short_break
),

sequenced as (
    {{ placement_sequence('episodes', 'episode_id', ['la_code', 'child_token', 'period_number']) }}
),

placement_episodes as (
    select
        sequenced.*,
        row_number() over (
            partition by
                sequenced.la_code, sequenced.child_token, sequenced.period_number, sequenced.placement_number
            order by sequenced.episode_start_date desc
        ) as position_from_end
    from sequenced
    where not sequenced.is_temporary
),

final as (
    select
        period_of_care_id || ':' || cast(placement_number as {{ dbt.type_string() }}) as placement_id,
        period_of_care_id,
        child_key,
        la_code,
        child_token,
        cast(period_number as integer) as period_number,
        cast(placement_number as integer) as placement_number,
        min(episode_start_date) as placement_start_date,
        max(case when position_from_end = 1 then episode_end_date end) as placement_end_date,
        max(case when is_new_placement then placement_type_code end) as placement_type_code,
        max(case when position_from_end = 1 then placement_type_code end) as latest_placement_type_code,
        max(case when is_new_placement then placement_provider_code end) as placement_provider_code,
        max(case when is_new_placement then placement_postcode_sector end) as placement_postcode_sector,
        max(case when is_new_placement then placement_urn end) as placement_urn,
        -- The DfE records the reason for a placement change on the episode that ends with it.
        max(case when position_from_end = 1 then reason_place_change_code end) as reason_place_change_code,
        cast(count(*) as integer) as episodes_count
    from placement_episodes
    group by period_of_care_id, child_key, la_code, child_token, period_number, placement_number
)

select * from final
