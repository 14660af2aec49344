with

current_rows as (
    {{ current_submission('oc2') }}
),

typed as (
    select
        {{ ssda903_lineage() }},
        {{ uk_date('dob') }} as birth_month,
        cast(sdq_score as integer) as sdq_score,
        sdq_reason as sdq_reason_code,
        convicted = '1' as was_convicted,
        health_check = '1' as had_health_check,
        immunisations = '1' as immunisations_up_to_date,
        teeth_check = '1' as had_teeth_check,
        health_assessment = '1' as had_health_assessment,
        substance_misuse = '1' as had_substance_misuse_problem,
        intervention_received = '1' as received_substance_intervention,
        intervention_offered = '1' as offered_substance_intervention
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded('SDQ_REASON', 'typed.sdq_reason_code', 'sdq_reason') }}
    from typed
    {{ join_code('SDQ_REASON', 'typed.sdq_reason_code') }}
)

select * from final
