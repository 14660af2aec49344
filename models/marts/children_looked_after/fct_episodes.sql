with

episodes as (
    select * from {{ council_rows('int_ssda903__episodes_stitched') }}
),

children as (
    select * from {{ council_rows('dim_child') }}
),

final as (
    select
        -- ids
        episodes.episode_id,
        episodes.child_key,
        episodes.period_of_care_id,
        episodes.la_code,
        episodes.child_token,
        cast(episodes.episode_number as integer) as episode_number,
        episodes.period_number,
        -- dates
        episodes.episode_start_date,
        episodes.episode_end_date,
        cast({{ age_in_years('children.birth_month', 'episodes.episode_start_date') }} as integer)
            as age_at_start,
        -- codes and their meaning
        episodes.reason_new_episode_code,
        episodes.reason_new_episode,
        episodes.legal_status_code,
        episodes.legal_status,
        episodes.category_of_need_code,
        episodes.category_of_need,
        episodes.placement_type_code,
        episodes.placement_type,
        episodes.placement_provider_code,
        episodes.placement_provider,
        episodes.reason_episode_ceased_code,
        episodes.reason_episode_ceased,
        episodes.reason_place_change_code,
        -- places
        episodes.home_postcode_sector,
        episodes.placement_postcode_sector,
        episodes.placement_urn,
        -- flags
        episodes.is_short_break,
        episodes.starts_period_of_care,
        -- lineage
        episodes.first_collection_year,
        episodes.source_collection_year,
        episodes.source_reference_date,
        episodes.source_file,
        episodes.source_row,
        cast(episodes.returns_holding as integer) as returns_holding
    from episodes
    left join children on episodes.child_key = children.child_key
)

select * from final
