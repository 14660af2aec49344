with

current_rows as (
    {{ current_submission('assessment_factors', 'cin_census') }}
),

typed as (
    select
        {{ return_lineage('lachildid') }},
        _child_number as child_number,
        _referral_number as referral_number,
        _assessment_number as assessment_number,
        _item_number as item_number,
        nullif(trim(assessmentfactors), '') as assessment_factor_code
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded('AssessmentFactors', 'typed.assessment_factor_code', 'assessment_factor') }}
    from typed
    {{ join_code('AssessmentFactors', 'typed.assessment_factor_code', 'cin_codes') }}
)

select * from final
