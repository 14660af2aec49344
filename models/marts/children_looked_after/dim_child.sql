with

header as (
    select * from {{ council_rows('stg_ssda903__header') }}
),

episodes as (
    select * from {{ council_rows('int_ssda903__episodes_stitched') }}
),

uasc as (
    select * from {{ council_rows('stg_ssda903__uasc') }}
),

latest_header as (
    select
        header.*,
        row_number() over (
            partition by header.la_code, header.child_token order by header.reference_date desc
        ) as recency
    from header
),

care as (
    select
        child_key,
        la_code,
        child_token,
        min(episode_start_date) as first_episode_start_date,
        max(episode_start_date) as last_episode_start_date,
        max(period_number) as periods_of_care,
        min(first_collection_year) as first_collection_year,
        max(source_collection_year) as last_collection_year
    from episodes
    group by child_key, la_code, child_token
),

ever_uasc as (
    select distinct la_code || ':' || child_token as child_key
    from uasc
),

final as (
    select
        care.child_key,
        care.la_code,
        care.child_token,
        latest_header.sex,
        latest_header.birth_month,
        latest_header.ethnicity_code,
        latest_header.ethnicity,
        care.first_episode_start_date,
        care.last_episode_start_date,
        cast(care.periods_of_care as integer) as periods_of_care,
        ever_uasc.child_key is not null as was_ever_uasc,
        care.first_collection_year,
        care.last_collection_year
    from care
    left join latest_header
        on
            care.child_key = latest_header.la_code || ':' || latest_header.child_token
            and latest_header.recency = 1
    left join ever_uasc on care.child_key = ever_uasc.child_key
)

select * from final
