with

current_rows as (
    {{ current_submission('header', 'cin_census') }}
),

final as (
    select
        {{ return_lineage() }},
        -- collection details
        collection as collection_name,
        year as census_year,
        {{ iso_date('referencedate') }} as census_reference_date,
        -- source
        sourcelevel as source_level,
        lea as la_number,
        softwarecode as software_code,
        release as software_release,
        serialno as serial_number,
        datetime as file_created_at
    from current_rows
)

select * from final
