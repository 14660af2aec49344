with

placements as (
    select * from {{ council_rows('int_ssda903__placements') }}
),

codes as (
    select * from {{ ref('ssda903_codes') }}
),

final as (
    select
        -- ids
        placements.placement_id,
        placements.period_of_care_id,
        placements.child_key,
        placements.la_code,
        placements.child_token,
        placements.period_number,
        placements.placement_number,
        -- dates
        placements.placement_start_date,
        placements.placement_end_date,
        cast(
            {{ dbt.datediff('placements.placement_start_date', 'placements.placement_end_date', 'day') }}
            as integer
        ) as duration_days,
        -- what and where
        placements.placement_type_code,
        place.description as placement_type,
        placements.latest_placement_type_code,
        placements.placement_provider_code,
        provider_code.description as placement_provider,
        placements.placement_postcode_sector,
        placements.placement_urn,
        placements.reason_place_change_code,
        change_code.description as reason_place_change,
        placements.episodes_count,
        placements.placement_end_date is null as is_open
    from placements
    left join codes as place on place.field = 'PLACE' and placements.placement_type_code = place.code
    left join codes as provider_code
        on
            provider_code.field = 'PLACE_PROVIDER'
            and placements.placement_provider_code = provider_code.code
    left join codes as change_code
        on
            change_code.field = 'REASON_PLACE_CHANGE'
            and placements.reason_place_change_code = change_code.code
)

select * from final
