with

periods as (
    select * from {{ council_rows('int_ssda903__periods_of_care') }}
),

placements as (
    select * from {{ council_rows('int_ssda903__placements') }}
),

children as (
    select * from {{ council_rows('dim_child') }}
),

reason_groups as (
    select * from {{ ref('ssda903_reason_ceased_groups') }}
),

placement_counts as (
    select
        period_of_care_id,
        count(*) as placements
    from placements
    group by period_of_care_id
),

final as (
    select
        -- ids
        periods.period_of_care_id,
        periods.child_key,
        periods.la_code,
        periods.child_token,
        periods.period_number,
        -- dates
        periods.period_start_date,
        periods.period_end_date,
        cast({{ age_in_years('children.birth_month', 'periods.period_start_date') }} as integer)
            as age_at_start,
        cast({{ age_in_years('children.birth_month', 'periods.period_end_date') }} as integer)
            as age_at_end,
        cast({{ dbt.datediff('periods.period_start_date', 'periods.period_end_date', 'day') }} as integer)
            as duration_days,
        -- how it started and ended
        periods.first_legal_status_code,
        periods.first_placement_type_code,
        periods.category_of_need_code,
        periods.reason_period_ceased_code,
        reason_groups.reason_group as reason_period_ceased_group,
        -- measures and flags
        periods.episodes_count,
        cast(coalesce(placement_counts.placements, 0) as integer) as placements_count,
        periods.is_short_breaks_only,
        periods.period_end_date is null as is_open
    from periods
    left join children on periods.child_key = children.child_key
    left join placement_counts on periods.period_of_care_id = placement_counts.period_of_care_id
    left join reason_groups on periods.reason_period_ceased_code = reason_groups.code
)

select * from final
