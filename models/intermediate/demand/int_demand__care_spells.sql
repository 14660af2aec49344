-- One row per episode of care (short breaks left out, as the DfE's count of children
-- looked after leaves them out), with the placement group it is in (seed
-- placement_cost_groups; other when no row matches) and the child's month of birth: the
-- history the demand model (csc.demand, docs/demand.md) reads its month-end states from.

with

episodes as (
    select * from {{ council_rows('int_ssda903__episodes_stitched') }}
    where not is_short_break
),

header as (
    select * from {{ council_rows('stg_ssda903__header') }}
),

births as (
    select
        la_code,
        child_token,
        min(birth_month) as birth_month
    from header
    group by la_code, child_token
),

grouped as (
    select
        episodes.episode_id,
        episodes.la_code,
        episodes.child_token,
        episodes.episode_start_date,
        episodes.episode_end_date,
        episodes.placement_type_code,
        {{ placement_group_columns() }}
    from episodes
    {{ join_placement_group('episodes.placement_type_code', 'episodes.placement_provider_code') }}
),

final as (
    select
        grouped.episode_id,
        grouped.la_code,
        grouped.child_token,
        grouped.la_code || ':' || grouped.child_token as child_key,
        grouped.episode_start_date,
        grouped.episode_end_date,
        grouped.placement_type_code,
        grouped.placement_group,
        births.birth_month
    from grouped
    left join births
        on
            grouped.la_code = births.la_code
            and grouped.child_token = births.child_token
)

select * from final
