with

current_rows as (
    {{ current_submission('contacts', 'annex_a') }}
),

final as (
    select
        {{ return_lineage('child_unique_id') }},
        -- the child as listed
        {{ annex_a_child_columns() }},
        -- the contact
        {{ iso_date('date_of_contact') }} as contact_date,
        nullif(trim(contact_source), '') as contact_source
    from current_rows
)

select * from final
