-- One row per dated event in a child's journey, across the CIN census, Annex A and the
-- SSDA903, numbered in the order the child met them (macro journey_order): by date, then
-- by stage in pathway order (contact, early help, referral, assessment, S47/ICPC, CIN plan,
-- CP plan, looked after, care leaver, closed/step down), then start before end. A child is
-- a council and a token: a child known to two councils has two tokens and two journeys.

with

events as (
    select * from {{ council_rows('int_pathways__events_collected') }}
),

final as (
    select
        -- ids
        events.la_code || ':' || events.child_token || ':' || events.event_type || ':'
        || cast(events.event_date as {{ dbt.type_string() }}) as child_journey_event_id,
        events.la_code || ':' || events.child_token as child_key,
        events.la_code,
        events.child_token,
        -- when and what
        events.event_date,
        {{ collection_year_of('events.event_date') }} as collection_year,
        cast(row_number() over (
            partition by events.la_code, events.child_token
            order by {{ journey_order('events') }}
        ) as integer) as event_sequence,
        events.event_type,
        events.stage,
        events.stage_order,
        events.is_stage_entry,
        events.event_detail,
        -- lineage
        events.source_name || ' ' || events.source_collection_year as source_return,
        events.source_collection_year,
        events.source_reference_date,
        events.source_file
    from events
)

select * from final
