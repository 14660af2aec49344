-- Every dated event of a child's journey from every source, once. CIN census activity
-- comes from the stitched referrals and their modules (already one version per record);
-- Annex A lists 1-3 add contacts, early help and referrals the CIN census does not hold;
-- the SSDA903 adds periods of care, placement changes and care leavers' follow-ups. An
-- event is a council, a child, an event type and a day: where several records or returns
-- give the same one, the record itself beats a fallback (the ICPC date on the enquiry
-- rather than on the referral), the CIN census beats Annex A, and a later return beats an
-- earlier one. Each event type belongs to one stage of the pathway (see event_types). The
-- table is kept narrow (no per-row ids): it holds every event of every child and is read
-- by the journey mart, the transitions and the cohorts.

{% set event_types = [
    ('contact', 'contact', 1, 1, true),
    ('early_help_start', 'early_help', 2, 1, true),
    ('early_help_end', 'early_help', 2, 2, false),
    ('referral', 'referral', 3, 1, true),
    ('assessment_start', 'assessment', 4, 1, true),
    ('assessment_authorised', 'assessment', 4, 2, false),
    ('s47_start', 's47_icpc', 5, 1, true),
    ('icpc', 's47_icpc', 5, 2, true),
    ('cin_plan_start', 'cin_plan', 6, 1, true),
    ('cin_plan_end', 'cin_plan', 6, 2, false),
    ('cp_plan_start', 'cp_plan', 7, 1, true),
    ('cp_plan_end', 'cp_plan', 7, 2, false),
    ('period_of_care_start', 'looked_after', 8, 1, true),
    ('placement_change', 'looked_after', 8, 2, false),
    ('period_of_care_end', 'looked_after', 8, 3, false),
    ('care_leaver_contact', 'care_leaver', 9, 1, true),
    ('referral_closed', 'closed_step_down', 10, 1, true),
] %}

with

referrals as (
    select * from {{ council_rows('int_children_in_need__referrals_stitched') }}
),

assessments as (
    select * from {{ council_rows('int_children_in_need__assessments_stitched') }}
),

section47 as (
    select * from {{ council_rows('int_children_in_need__section47_stitched') }}
),

cin_plans as (
    select * from {{ council_rows('int_children_in_need__cin_plans_stitched') }}
),

cp_plans as (
    select * from {{ council_rows('int_children_in_need__cp_plans_stitched') }}
),

contacts as (
    select * from {{ council_rows('stg_annex_a__contacts') }}
),

early_help as (
    select * from {{ council_rows('stg_annex_a__early_help') }}
),

annex_a_referrals as (
    select * from {{ council_rows('stg_annex_a__referrals') }}
),

episodes as (
    select * from {{ council_rows('int_ssda903__episodes_stitched') }}
),

periods as (
    select * from {{ council_rows('int_ssda903__periods_of_care') }}
),

placements as (
    select * from {{ council_rows('int_ssda903__placements') }}
),

care_leavers as (
    select * from {{ council_rows('stg_ssda903__oc3') }}
),

event_types as (
    {% for event_type, stage, stage_order, event_order, is_entry in event_types %}
        select
            '{{ event_type }}' as event_type,
            '{{ stage }}' as stage,  -- noqa: RF04
            {{ stage_order }} as stage_order,
            {{ event_order }} as event_order,
            {{ 'true' if is_entry else 'false' }} as is_stage_entry
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

-- periods of care that are not only short breaks, with the episodes that start and end them
care_periods as (
    select period_of_care_id
    from periods
    where not is_short_breaks_only
),

care_episodes as (
    select episodes.*
    from episodes
    inner join care_periods on episodes.period_of_care_id = care_periods.period_of_care_id
),

care_period_starts as (
    select care_episodes.*
    from care_episodes
    where care_episodes.starts_period_of_care
),

care_period_ends as (
    select care_episodes.*
    from care_episodes
    where care_episodes.reason_episode_ceased_code <> 'X1'
),

placement_changes as (
    select
        placements.*,
        episodes.source_collection_year,
        episodes.source_reference_date,
        episodes.source_file
    from placements
    inner join episodes
        on
            placements.la_code = episodes.la_code
            and placements.child_token = episodes.child_token
            and placements.placement_start_date = episodes.episode_start_date
    where placements.placement_number > 1
),

care_leaver_follow_ups as (
    select
        care_leavers.*,
        cast(
            {{ dbt.dateadd(
                'year',
                age_at_birthday_in_year('care_leavers.birth_month', 'care_leavers.year_ending'),
                'care_leavers.birth_month'
            ) }} as date
        ) as birthday_in_year
    from care_leavers
),

{#- Each source of events: relation, date column, event type, detail, source,
    the columns holding the collection year, reference date and file of the version used,
    and priority (lower wins). Stitched records name their version's return; staging rows
    their own. -#}
{% set stitched = ('source_collection_year', 'source_reference_date', 'source_file') %}
{% set as_returned = ('collection_year', 'reference_date', 'source_file') %}
{% set no_detail = 'cast(null as ' ~ dbt.type_string() ~ ')' %}
{% set sources = [
    ('referrals', 'referral_date', 'referral', 'referral_source_code', 'CIN census', stitched, 1),
    ('referrals', 'closure_date', 'referral_closed', 'reason_for_closure_code', 'CIN census', stitched, 1),
    ('referrals', 'initial_cpc_date', 'icpc', no_detail, 'CIN census', stitched, 2),
    ('assessments', 'assessment_start_date', 'assessment_start', no_detail, 'CIN census', stitched, 1),
    ('assessments', 'authorisation_date', 'assessment_authorised',
        'cast(working_days_to_authorisation as ' ~ dbt.type_string() ~ ')', 'CIN census', stitched, 1),
    ('section47', 's47_start_date', 's47_start', no_detail, 'CIN census', stitched, 1),
    ('section47', 'initial_cpc_date', 'icpc',
        'cast(working_days_to_icpc as ' ~ dbt.type_string() ~ ')', 'CIN census', stitched, 1),
    ('cin_plans', 'cin_plan_start_date', 'cin_plan_start', no_detail, 'CIN census', stitched, 1),
    ('cin_plans', 'cin_plan_end_date', 'cin_plan_end', no_detail, 'CIN census', stitched, 1),
    ('cp_plans', 'cp_plan_start_date', 'cp_plan_start', 'initial_category_of_abuse_code',
        'CIN census', stitched, 1),
    ('cp_plans', 'cp_plan_end_date', 'cp_plan_end', 'latest_category_of_abuse_code',
        'CIN census', stitched, 1),
    ('contacts', 'contact_date', 'contact', 'contact_source', 'Annex A', as_returned, 3),
    ('early_help', 'early_help_start_date', 'early_help_start', 'completing_organisation',
        'Annex A', as_returned, 3),
    ('early_help', 'early_help_completion_date', 'early_help_end', 'completing_organisation',
        'Annex A', as_returned, 3),
    ('annex_a_referrals', 'referral_date', 'referral', 'referral_source', 'Annex A', as_returned, 3),
    ('care_period_starts', 'episode_start_date', 'period_of_care_start', 'legal_status_code',
        'SSDA903', stitched, 1),
    ('care_period_ends', 'episode_end_date', 'period_of_care_end',
        'reason_episode_ceased_code', 'SSDA903', stitched, 1),
    ('placement_changes', 'placement_start_date', 'placement_change', 'placement_type_code',
        'SSDA903', stitched, 1),
    ('care_leaver_follow_ups', 'birthday_in_year', 'care_leaver_contact', 'in_touch_code',
        'SSDA903', as_returned, 1),
] %}

unioned as (
    {% for relation, date_column, event_type, detail, source_name, lineage, priority
        in sources %}
        select
            {{ relation }}.la_code,
            {{ relation }}.child_token,
            {{ relation }}.{{ date_column }} as event_date,
            '{{ event_type }}' as event_type,
            {{ detail }} as event_detail,
            '{{ source_name }}' as source_name,
            {{ relation }}.{{ lineage[0] }} as source_collection_year,
            {{ relation }}.{{ lineage[1] }} as source_reference_date,
            {{ relation }}.{{ lineage[2] }} as source_file,
            {{ priority }} as source_priority
        from {{ relation }}
        where {{ relation }}.{{ date_column }} is not null
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

ranked as (
    select
        unioned.*,
        row_number() over (
            partition by unioned.la_code, unioned.child_token, unioned.event_type, unioned.event_date
            order by
                unioned.source_priority asc,
                unioned.source_reference_date desc,
                unioned.source_file asc,
                -- where two referrals close the same day, RC9 (a step down) is kept
                unioned.event_detail desc
        ) as event_rank
    from unioned
    where unioned.event_date is not null and unioned.child_token is not null
),

final as (
    select
        ranked.la_code,
        ranked.child_token,
        ranked.event_date,
        ranked.event_type,
        event_types.stage,
        cast(event_types.stage_order as integer) as stage_order,
        cast(event_types.event_order as integer) as event_order,
        event_types.is_stage_entry,
        ranked.event_detail,
        ranked.source_name,
        ranked.source_collection_year,
        ranked.source_reference_date,
        ranked.source_file
    from ranked
    inner join event_types on ranked.event_type = event_types.event_type
    where ranked.event_rank = 1
)

select * from final
