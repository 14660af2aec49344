with

episodes as (
    select * from {{ ref('int_ssda903__episodes_stitched') }}
),

codes as (
    select * from {{ ref('ssda903_codes') }}
),

children as (
    select * from {{ ref('dim_child') }}
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
        rne.description as reason_new_episode,
        episodes.legal_status_code,
        ls.description as legal_status,
        episodes.category_of_need_code,
        cin.description as category_of_need,
        episodes.placement_type_code,
        place.description as placement_type,
        episodes.placement_provider_code,
        provider_code.description as placement_provider,
        episodes.reason_episode_ceased_code,
        rec.description as reason_episode_ceased,
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
    left join codes as rne on rne.field = 'RNE' and episodes.reason_new_episode_code = rne.code
    left join codes as ls on ls.field = 'LS' and episodes.legal_status_code = ls.code
    left join codes as cin on cin.field = 'CIN' and episodes.category_of_need_code = cin.code
    left join codes as place on place.field = 'PLACE' and episodes.placement_type_code = place.code
    left join codes as provider_code
        on
            provider_code.field = 'PLACE_PROVIDER'
            and episodes.placement_provider_code = provider_code.code
    left join codes as rec on rec.field = 'REC' and episodes.reason_episode_ceased_code = rec.code
)

select * from final
