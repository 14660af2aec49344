-- One row per cost line in each council's current placement cost return: dates typed,
-- amounts and shares as numbers (a blank share is 0), the placement type and provider
-- decoded through the SSDA903 code lists, and the placement group it is costed under
-- (seed placement_cost_groups; a placement matching no row of it is costed as other).

with

current_rows as (
    {{ current_submission('cost_lines', 'placement_costs') }}
),

typed as (
    select
        {{ return_lineage('child') }},
        -- dates
        {{ uk_date('place_start') }} as placement_start_date,
        {{ uk_date('cost_start') }} as cost_start_date,
        {{ uk_date('cost_end') }} as cost_end_date,
        -- the placement
        nullif(place, '') as placement_type_code,
        nullif(place_provider, '') as placement_provider_code,
        nullif(urn, '') as placement_urn,
        -- the cost and who pays it
        {{ text_to_double('weekly_cost') }} as weekly_cost,
        coalesce({{ text_to_double('la_share') }}, 0) as la_share_pct,
        coalesce({{ text_to_double('health_share') }}, 0) as health_share_pct,
        coalesce({{ text_to_double('education_share') }}, 0) as education_share_pct
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded('PLACE', 'typed.placement_type_code', 'placement_type') }},
        {{ decoded('PLACE_PROVIDER', 'typed.placement_provider_code', 'placement_provider') }},
        {{ placement_group_columns() }},
        cost_groups.placement_group is not null as is_placement_group_known,
        abs(typed.la_share_pct + typed.health_share_pct + typed.education_share_pct - 100) < 0.01
            as has_complete_shares
    from typed
    {{ join_code('PLACE', 'typed.placement_type_code') }}
    {{ join_code('PLACE_PROVIDER', 'typed.placement_provider_code') }}
    {{ join_placement_group('typed.placement_type_code', 'typed.placement_provider_code') }}
)

select * from final
