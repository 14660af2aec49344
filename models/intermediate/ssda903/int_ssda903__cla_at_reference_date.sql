-- One row per child looked after at the reference date of each council's current return
-- (31 March for a full-year return, the extract date for an in-year one): an episode open
-- on that day (started on or before it, not ended on or before it) that is not a short
-- break (V3, V4). With what the indicators need: placements in the year (from the return),
-- age, UASC status, and the current period and placement from the stitched history.

with

return_episodes as (
    select * from {{ council_rows('int_ssda903__return_episodes') }}
),

header as (
    select * from {{ council_rows('stg_ssda903__header') }}
),

uasc as (
    select * from {{ council_rows('stg_ssda903__uasc') }}
),

periods as (
    select * from {{ council_rows('int_ssda903__periods_of_care') }}
),

placements as (
    select * from {{ council_rows('int_ssda903__placements') }}
),

looked_after as (
    select
        la_code,
        collection_year,
        reference_date,
        child_token,
        max(placement_type_code) as placement_type_code
    from return_episodes
    where is_open_at_reference_date and not is_short_break
    group by la_code, collection_year, reference_date, child_token
),

placements_in_year as (
    select
        la_code,
        collection_year,
        child_token,
        sum(case when is_new_placement then 1 else 0 end) as placements_in_year
    from return_episodes
    where
        not is_short_break
        and not is_temporary
        and (episode_end_date is null or episode_end_date >= year_start_date)
    group by la_code, collection_year, child_token
),

births as (
    select
        la_code,
        collection_year,
        child_token,
        min(birth_month) as birth_month
    from header
    group by la_code, collection_year, child_token
),

still_uasc as (
    select distinct
        la_code,
        collection_year,
        child_token
    from uasc
    where ceased_uasc_date is null or ceased_uasc_date > reference_date
),

joined as (
    select
        looked_after.la_code,
        looked_after.collection_year,
        looked_after.reference_date,
        looked_after.child_token,
        looked_after.placement_type_code,
        births.birth_month,
        coalesce(placements_in_year.placements_in_year, 0) as placements_in_year,
        still_uasc.child_token is not null as is_uasc,
        current_period.period_start_date,
        current_placement.placement_start_date,
        -- Overlapping episodes (a DfE rule breach) could match two periods or placements:
        -- the latest started is the current one.
        row_number() over (
            partition by looked_after.la_code, looked_after.collection_year, looked_after.child_token
            order by current_period.period_start_date desc, current_placement.placement_start_date desc
        ) as match_rank
    from looked_after
    left join placements_in_year
        on
            looked_after.la_code = placements_in_year.la_code
            and looked_after.collection_year = placements_in_year.collection_year
            and looked_after.child_token = placements_in_year.child_token
    left join births
        on
            looked_after.la_code = births.la_code
            and looked_after.collection_year = births.collection_year
            and looked_after.child_token = births.child_token
    left join still_uasc
        on
            looked_after.la_code = still_uasc.la_code
            and looked_after.collection_year = still_uasc.collection_year
            and looked_after.child_token = still_uasc.child_token
    left join periods as current_period
        on
            looked_after.la_code = current_period.la_code
            and looked_after.child_token = current_period.child_token
            and looked_after.reference_date >= current_period.period_start_date
            and (
                current_period.period_end_date is null
                or looked_after.reference_date < current_period.period_end_date
            )
            and not current_period.is_short_breaks_only
    left join placements as current_placement
        on
            looked_after.la_code = current_placement.la_code
            and looked_after.child_token = current_placement.child_token
            and looked_after.reference_date >= current_placement.placement_start_date
            and (
                current_placement.placement_end_date is null
                or looked_after.reference_date < current_placement.placement_end_date
            )
),

final as (
    select
        la_code || ':' || collection_year || ':' || child_token as cla_id,
        la_code,
        collection_year,
        reference_date,
        child_token,
        placement_type_code,
        birth_month,
        {{ age_in_years('birth_month', 'reference_date') }} as age_at_reference_date,
        cast(placements_in_year as integer) as placements_in_year,
        placements_in_year >= 3 as has_three_or_more_placements,
        is_uasc,
        period_start_date,
        placement_start_date,
        -- DfE long-term stability: under 16, looked after for 2.5 years or more ...
        coalesce(
            {{ age_in_years('birth_month', 'reference_date') }} < 16
            and period_start_date <= {{ dbt.dateadd('month', -30, 'reference_date') }},
            false
        ) as is_long_term_cohort,
        -- ... and in the same placement for 2 years or more, or placed for adoption.
        coalesce(
            {{ age_in_years('birth_month', 'reference_date') }} < 16
            and period_start_date <= {{ dbt.dateadd('month', -30, 'reference_date') }}
            and (
                placement_start_date <= {{ dbt.dateadd('year', -2, 'reference_date') }}
                or placement_type_code in ('A3', 'A4', 'A5', 'A6')
            ),
            false
        ) as is_long_term_stable
    from joined
    where match_rank = 1
)

select * from final
