-- One row per move of a child from one stage of the pathway to the next. Only events that
-- mark entering a stage count (a contact, an early help assessment starting, a referral,
-- an assessment starting, an S47 enquiry or ICPC, a CIN or CP plan starting, a period of
-- care starting, a care leaver's follow-up, a referral closing); ends of plans, placement
-- changes and authorisations do not move a child on. Consecutive entries in the same
-- stage are one stay: a second contact before any referral is still the contact stage.
-- Events are in journey order (macro journey_order), as in fct_child_journey_events. Days
-- are counted from entering the stage to entering the next one. The year of a move is the
-- collection year of entering the stage it leaves. A child is a council and a token.

with

events as (
    select * from {{ council_rows('int_pathways__events_collected') }}
),

entries as (
    select
        events.la_code,
        events.child_token,
        events.event_date,
        events.event_type,
        events.stage,
        events.stage_order,
        lag(events.stage) over child_order as previous_entry_stage,
        row_number() over child_order as entry_number
    from events
    where events.is_stage_entry
    window child_order as (
        partition by events.la_code, events.child_token
        order by {{ journey_order('events') }}
    )
),

stays as (
    select entries.*
    from entries
    where entries.previous_entry_stage is null or entries.previous_entry_stage <> entries.stage
),

paired as (
    select
        stays.*,
        lead(stays.stage) over child_order as next_stage,
        lead(stays.stage_order) over child_order as next_stage_order,
        lead(stays.event_type) over child_order as next_event_type,
        lead(stays.event_date) over child_order as next_event_date
    from stays
    window child_order as (partition by stays.la_code, stays.child_token order by stays.entry_number)
),

final as (
    select
        -- ids: the event of entering the stage moved from (as in fct_child_journey_events)
        la_code || ':' || child_token || ':' || event_type || ':'
        || cast(event_date as {{ dbt.type_string() }}) as stage_transition_id,
        la_code,
        child_token,
        {{ collection_year_of('event_date') }} as collection_year,
        -- from
        stage as from_stage,
        stage_order as from_stage_order,
        event_type as from_event_type,
        event_date as from_date,
        -- to
        next_stage as to_stage,
        cast(next_stage_order as integer) as to_stage_order,
        next_event_type as to_event_type,
        next_event_date as to_date,
        -- how long
        cast({{ dbt.datediff('event_date', 'next_event_date', 'day') }} as integer) as days_to_next_stage
    from paired
    where next_stage is not null
)

select * from final
