with

current_rows as (
    {{ current_submission('episodes') }}
),

typed as (
    select
        {{ ssda903_lineage() }},
        -- dates
        {{ uk_date('decom') }} as episode_start_date,
        {{ uk_date('dec') }} as episode_end_date,
        -- codes
        rne as reason_new_episode_code,
        ls as legal_status_code,
        cin as category_of_need_code,
        place as placement_type_code,
        place_provider as placement_provider_code,
        rec as reason_episode_ceased_code,
        reason_place_change as reason_place_change_code,
        -- places
        home_post as home_postcode_sector,
        pl_post as placement_postcode_sector,
        urn as placement_urn
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded('RNE', 'typed.reason_new_episode_code', 'reason_new_episode') }},
        {{ decoded('LS', 'typed.legal_status_code', 'legal_status') }},
        {{ decoded('CIN', 'typed.category_of_need_code', 'category_of_need') }},
        {{ decoded('PLACE', 'typed.placement_type_code', 'placement_type') }},
        {{ decoded('PLACE_PROVIDER', 'typed.placement_provider_code', 'placement_provider') }},
        {{ decoded('REC', 'typed.reason_episode_ceased_code', 'reason_episode_ceased') }},
        {{ decoded('REASON_PLACE_CHANGE', 'typed.reason_place_change_code', 'reason_place_change') }},
        typed.legal_status_code in ('V3', 'V4') as is_short_break,
        typed.reason_episode_ceased_code is not null
        and typed.reason_episode_ceased_code <> 'X1' as ends_period_of_care
    from typed
    {{ join_code('RNE', 'typed.reason_new_episode_code') }}
    {{ join_code('LS', 'typed.legal_status_code') }}
    {{ join_code('CIN', 'typed.category_of_need_code') }}
    {{ join_code('PLACE', 'typed.placement_type_code') }}
    {{ join_code('PLACE_PROVIDER', 'typed.placement_provider_code') }}
    {{ join_code('REC', 'typed.reason_episode_ceased_code') }}
    {{ join_code('REASON_PLACE_CHANGE', 'typed.reason_place_change_code') }}
)

select * from final
