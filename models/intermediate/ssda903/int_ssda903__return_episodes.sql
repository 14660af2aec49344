-- Each council's current return for each collection year, episode by episode, with the
-- placements numbered within the return as the DfE counts them for that year. Indicators
-- for a collection year are computed from that year's return alone.

with

episodes as (
    select
        row_id,
        la_code,
        collection_year,
        year_ending,
        year_start_date,
        reference_date,
        child_token,
        episode_start_date,
        episode_end_date,
        reason_new_episode_code,
        legal_status_code,
        placement_type_code,
        placement_urn,
        placement_postcode_sector,
        reason_episode_ceased_code,
        is_short_break
    from {{ council_rows('stg_ssda903__episodes') }}
),

sequenced as (
    {{ placement_sequence('episodes', 'row_id', ['la_code', 'collection_year', 'child_token']) }}
),

final as (
    select
        sequenced.*,
        sequenced.episode_start_date <= sequenced.reference_date
        and (
            sequenced.episode_end_date is null
            or sequenced.episode_end_date > sequenced.reference_date
        ) as is_open_at_reference_date
    from sequenced
)

select * from final
