-- One row per episode across all returns. An episode is a council, a child and a start
-- date (DECOM). The same episode appears in every return whose year it was open in; the
-- version from the latest return wins (it carries the end date, the reason it ended and any
-- correction), and the lineage columns say which returns held it.
-- Periods of care: a period starts at a child's first episode or at the episode after one
-- whose reason for ending (REC) is not X1, and ends at the first episode whose REC is not X1.

with

episodes as (
    select * from {{ council_rows('stg_ssda903__episodes') }}
),

versions as (
    {{ return_versions('episodes', 'episode_start_date') }}
),

latest as (
    select
        versions.*,
        case
            when lag(versions.reason_episode_ceased_code) over child_order = 'X1' then 0
            else 1
        end as starts_period
    from versions
    where versions.version_rank = 1
    window child_order as (
        partition by versions.la_code, versions.child_token order by versions.episode_start_date
    )
),

numbered as (
    select
        latest.*,
        sum(latest.starts_period) over (
            partition by latest.la_code, latest.child_token
            order by latest.episode_start_date
            rows between unbounded preceding and current row
        ) as period_number
    from latest
),

final as (
    select
        -- ids
        la_code || ':' || child_token || ':' || cast(episode_start_date as {{ dbt.type_string() }})
            as episode_id,
        la_code || ':' || child_token as child_key,
        la_code || ':' || child_token || ':' || cast(period_number as {{ dbt.type_string() }})
            as period_of_care_id,
        la_code,
        child_token,
        row_number() over (
            partition by la_code, child_token order by episode_start_date
        ) as episode_number,
        cast(period_number as integer) as period_number,
        starts_period = 1 as starts_period_of_care,
        -- dates
        episode_start_date,
        episode_end_date,
        -- codes and what they mean
        reason_new_episode_code,
        reason_new_episode,
        legal_status_code,
        legal_status,
        category_of_need_code,
        category_of_need,
        placement_type_code,
        placement_type,
        placement_provider_code,
        placement_provider,
        reason_episode_ceased_code,
        reason_episode_ceased,
        reason_place_change_code,
        -- places
        home_postcode_sector,
        placement_postcode_sector,
        placement_urn,
        -- flags
        is_short_break,
        -- lineage
        first_collection_year,
        collection_year as source_collection_year,
        reference_date as source_reference_date,
        source_file,
        source_row,
        returns_holding
    from numbered
)

select * from final
