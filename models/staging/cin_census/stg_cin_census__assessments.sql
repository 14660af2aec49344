with

current_rows as (
    {{ current_submission('assessments', 'cin_census') }}
),

final as (
    select
        {{ return_lineage('lachildid') }},
        _child_number as child_number,
        _referral_number as referral_number,
        _item_number as item_number,
        {{ iso_date('assessmentactualstartdate') }} as assessment_start_date,
        {{ iso_date('assessmentinternalreviewdate') }} as internal_review_date,
        {{ iso_date('assessmentauthorisationdate') }} as authorisation_date
    from current_rows
)

select * from final
