-- Legal status spells: within a period of care, consecutive episodes under the same legal
-- status (LS) make one spell, however often the placement changed meanwhile.

with

episodes as (
    select * from {{ council_rows('int_ssda903__episodes_stitched') }}
),

flagged as (
    select
        episodes.*,
        case
            when lag(episodes.episode_start_date) over period_order is null then 1
            when
                coalesce(lag(episodes.legal_status_code) over period_order, '')
                = coalesce(episodes.legal_status_code, '')
                then 0
            else 1
        end as starts_spell
    from episodes
    window period_order as (
        partition by episodes.period_of_care_id order by episodes.episode_start_date
    )
),

numbered as (
    select
        flagged.*,
        sum(flagged.starts_spell) over (
            partition by flagged.period_of_care_id
            order by flagged.episode_start_date
            rows between unbounded preceding and current row
        ) as spell_number
    from flagged
),

ordered as (
    select
        numbered.*,
        row_number() over (
            partition by numbered.period_of_care_id, numbered.spell_number
            order by numbered.episode_start_date desc
        ) as position_from_end
    from numbered
),

final as (
    select
        period_of_care_id || ':' || cast(spell_number as {{ dbt.type_string() }})
            as legal_status_spell_id,
        period_of_care_id,
        child_key,
        la_code,
        child_token,
        cast(spell_number as integer) as spell_number,
        max(legal_status_code) as legal_status_code,
        max(legal_status) as legal_status,
        min(episode_start_date) as spell_start_date,
        max(case when position_from_end = 1 then episode_end_date end) as spell_end_date,
        cast(count(*) as integer) as episodes_count
    from ordered
    group by period_of_care_id, child_key, la_code, child_token, spell_number
)

select * from final
