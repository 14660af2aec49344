with

current_rows as (
    {{ current_submission('early_help', 'annex_a') }}
),

final as (
    select
        {{ return_lineage('child_unique_id') }},
        -- the child as listed
        {{ annex_a_child_columns() }},
        -- the early help assessment
        {{ iso_date('assessment_start_date') }} as early_help_start_date,
        {{ iso_date('assessment_completion_date') }} as early_help_completion_date,
        nullif(trim(organisation_completing_assessment), '') as completing_organisation
    from current_rows
)

select * from final
