-- Care and placement histories for "as at" questions: one row per stitched episode, each
-- valid from its start (inclusive) to valid_to (exclusive), so the children looked after
-- on any day D, with their legal status, placement, and the periods and placements they
-- were in, are the rows where valid_from <= D < valid_to. Ends follow the SSDA903: on the
-- day an episode ceases the child is in the next one, or no longer looked after, as in
-- the DfE's count of children looked after at 31 March. Nothing is claimed beyond what
-- the returns have seen: an episode with no end is valid to the day after the reference
-- date of the latest return holding it (a child missing from later returns is not
-- assumed still in care). Where episodes overlap (a DfE rule breach) a child is still
-- in one row a day: an episode that a later return's episode covers from before it
-- starts is that return's correction of it (a start date moved, say) and holds on no
-- day, and no other row runs past the start of the child's next episode.

with

stitched as (
    select
        *,
        -- an episode with no end holds to the day after the latest return holding it
        coalesce(
            episode_end_date, cast({{ dbt.dateadd('day', 1, 'source_reference_date') }} as date)
        ) as held_to
    from {{ council_rows('int_ssda903__episodes_stitched') }}
),

superseded as (
    select distinct older.episode_id
    from stitched as older
    inner join stitched as newer
        on
            older.la_code = newer.la_code
            and older.child_token = newer.child_token
            and older.episode_id <> newer.episode_id
            and older.source_reference_date < newer.source_reference_date
            and older.episode_start_date >= newer.episode_start_date
            and older.episode_start_date < newer.held_to
),

kept as (
    select
        stitched.episode_id,
        lead(stitched.episode_start_date) over (
            partition by stitched.la_code, stitched.child_token
            order by stitched.episode_start_date
        ) as next_episode_start_date
    from stitched
    left join superseded on stitched.episode_id = superseded.episode_id
    where superseded.episode_id is null
),

episodes as (
    select
        stitched.*,
        kept.episode_id is null as is_superseded,
        kept.next_episode_start_date
    from stitched
    left join kept on stitched.episode_id = kept.episode_id
),

periods as (
    select * from {{ council_rows('int_ssda903__periods_of_care') }}
),

placements as (
    select * from {{ council_rows('int_ssda903__placements') }}
),

care_returns as (
    select * from {{ council_rows('stg_ssda903__header') }}
),

children as (
    select * from {{ council_rows('dim_child') }}
),

horizons as (
    select
        la_code,
        max(reference_date) as observed_to
    from care_returns
    group by la_code
),

-- the placement each episode is part of: the one started on or before the episode and not
-- ended by then (overlapping placements, a DfE rule breach, take the latest started)
episode_placements as (
    select
        episodes.episode_id,
        placements.placement_id,
        placements.placement_start_date,
        row_number() over (
            partition by episodes.episode_id
            order by placements.placement_start_date desc
        ) as match_rank
    from episodes
    inner join placements
        on
            episodes.period_of_care_id = placements.period_of_care_id
            and episodes.episode_start_date >= placements.placement_start_date
            and (
                placements.placement_end_date is null
                or episodes.episode_start_date < placements.placement_end_date
            )
),

final as (
    select
        -- ids
        episodes.episode_id,
        episodes.child_key,
        episodes.la_code,
        episodes.child_token,
        episodes.period_of_care_id,
        episode_placements.placement_id,
        -- when the row holds
        episodes.episode_start_date as valid_from,
        case
            when episodes.is_superseded then episodes.episode_start_date
            when episodes.next_episode_start_date < episodes.held_to then episodes.next_episode_start_date
            else episodes.held_to
        end as valid_to,
        episodes.episode_end_date is null as is_open,
        episodes.source_reference_date,
        horizons.observed_to,
        -- the child's care then
        periods.period_start_date,
        episode_placements.placement_start_date,
        children.birth_month,
        episodes.legal_status_code,
        episodes.legal_status,
        episodes.category_of_need_code,
        episodes.placement_type_code,
        episodes.placement_type,
        episodes.placement_provider_code,
        episodes.placement_provider,
        episodes.is_short_break
    from episodes
    left join periods on episodes.period_of_care_id = periods.period_of_care_id
    left join episode_placements
        on
            episodes.episode_id = episode_placements.episode_id
            and episode_placements.match_rank = 1
    left join horizons on episodes.la_code = horizons.la_code
    left join children on episodes.child_key = children.child_key
)

select * from final
