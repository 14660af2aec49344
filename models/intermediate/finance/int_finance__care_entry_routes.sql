-- The route each period of care (not of short breaks only) came by: what the child's
-- journey (int_pathways__events_collected: the CIN census stitched, Annex A lists 1 to 3)
-- held on the day the period started. The first of these that applies:
--   cp_plan              a child protection plan open that day (started on or before it, not
--                        ended before it: a plan ending the day care starts counts)
--   cin_plan             a child in need plan open that day
--   referral_assessment  a referral open that day (referred on or before it, not closed
--                        before it), with no plan: straight from referral, assessment or S47
--   early_help           no open referral, but an early help assessment starting in the 12
--                        months up to that day
--   previously_known     none of those, but an earlier contact, early help, referral or plan
--   no_cin_history       nothing in the journey on or before that day
-- Only what the loaded returns hold is seen: a period starting before the earliest CIN
-- census and Annex A loaded has little history, so it tends to no_cin_history.

{% set routes = [
    ('cp_plan', 'Entered care from a child protection plan', 1),
    ('cin_plan', 'Entered care from a child in need plan', 2),
    ('referral_assessment', 'Entered care from a referral or assessment, before any plan', 3),
    ('early_help', 'Entered care after early help in the previous 12 months, with no open referral', 4),
    ('previously_known', 'Entered care after earlier contact with social care had closed', 5),
    ('no_cin_history', 'Entered care with no earlier contact, early help or referral recorded', 6),
] %}

with

periods as (
    select * from {{ council_rows('int_ssda903__periods_of_care') }}
    where not is_short_breaks_only
),

events as (
    select * from {{ council_rows('int_pathways__events_collected') }}
    where
        event_type in (
            'contact',
            'early_help_start',
            'referral',
            'referral_closed',
            'cin_plan_start',
            'cin_plan_end',
            'cp_plan_start',
            'cp_plan_end'
        )
),

route_list as (
    {% for route, label, route_order in routes %}
        select
            '{{ route }}' as care_entry_route,
            '{{ label }}' as care_entry_route_label,
            {{ route_order }} as route_order
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- the latest of each kind of event up to the day care started (ends: before that day)
history as (
    select
        periods.period_of_care_id,
        max(case when events.event_type = 'cp_plan_start' then events.event_date end) as last_cp_plan_start,
        max(
            case
                when events.event_type = 'cp_plan_end' and events.event_date < periods.period_start_date
                    then events.event_date
            end
        ) as last_cp_plan_end,
        max(case when events.event_type = 'cin_plan_start' then events.event_date end) as last_cin_plan_start,
        max(
            case
                when events.event_type = 'cin_plan_end' and events.event_date < periods.period_start_date
                    then events.event_date
            end
        ) as last_cin_plan_end,
        min(case when events.event_type = 'referral' then events.event_date end) as first_referral,
        max(case when events.event_type = 'referral' then events.event_date end) as last_referral,
        max(
            case
                when events.event_type = 'referral_closed' and events.event_date < periods.period_start_date
                    then events.event_date
            end
        ) as last_referral_closed,
        max(case when events.event_type = 'early_help_start' then events.event_date end)
            as last_early_help_start,
        count(*) as events_before
    from periods
    inner join events
        on
            periods.la_code = events.la_code
            and periods.child_token = events.child_token
            and periods.period_start_date >= events.event_date
    group by periods.period_of_care_id
),

routed as (
    select
        periods.period_of_care_id,
        periods.child_key,
        periods.la_code,
        periods.child_token,
        periods.period_start_date,
        history.last_cp_plan_start,
        history.last_cin_plan_start,
        history.first_referral,
        history.last_referral,
        history.last_early_help_start,
        case
            when
                history.last_cp_plan_start is not null
                and (
                    history.last_cp_plan_end is null
                    or history.last_cp_plan_end < history.last_cp_plan_start
                )
                then 'cp_plan'
            when
                history.last_cin_plan_start is not null
                and (
                    history.last_cin_plan_end is null
                    or history.last_cin_plan_end < history.last_cin_plan_start
                )
                then 'cin_plan'
            when
                history.last_referral is not null
                and (
                    history.last_referral_closed is null
                    or history.last_referral_closed < history.last_referral
                )
                then 'referral_assessment'
            when
                history.last_early_help_start
                >= cast({{ dbt.dateadd('month', -12, 'periods.period_start_date') }} as date)
                then 'early_help'
            when history.events_before > 0 then 'previously_known'
            else 'no_cin_history'
        end as care_entry_route,
        history.last_early_help_start is not null as had_early_help_before_care
    from periods
    left join history on periods.period_of_care_id = history.period_of_care_id
),

final as (
    select
        routed.period_of_care_id,
        routed.child_key,
        routed.la_code,
        routed.child_token,
        routed.period_start_date,
        routed.care_entry_route,
        route_list.care_entry_route_label,
        cast(route_list.route_order as integer) as route_order,
        routed.had_early_help_before_care,
        routed.last_cp_plan_start,
        routed.last_cin_plan_start,
        routed.first_referral,
        routed.last_referral,
        routed.last_early_help_start
    from routed
    inner join route_list on routed.care_entry_route = route_list.care_entry_route
)

select * from final
