with

current_rows as (
    {{ current_submission('cp_plans', 'cin_census') }}
),

typed as (
    select
        {{ return_lineage('lachildid') }},
        _child_number as child_number,
        _referral_number as referral_number,
        _item_number as item_number,
        -- dates
        {{ iso_date('cppstartdate') }} as cp_plan_start_date,
        {{ iso_date('cppenddate') }} as cp_plan_end_date,
        -- codes and counts
        nullif(trim(initialcategoryofabuse), '') as initial_category_of_abuse_code,
        nullif(trim(latestcategoryofabuse), '') as latest_category_of_abuse_code,
        {{ text_to_integer('numberofpreviouscpp') }} as previous_cp_plans
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded(
            'CategoryOfAbuse', 'typed.initial_category_of_abuse_code', 'initial_category_of_abuse',
            alias='initial_category_list'
        ) }},
        {{ decoded(
            'CategoryOfAbuse', 'typed.latest_category_of_abuse_code', 'latest_category_of_abuse',
            alias='latest_category_list'
        ) }}
    from typed
    {{ join_code(
        'CategoryOfAbuse', 'typed.initial_category_of_abuse_code', 'cin_codes', alias='initial_category_list'
    ) }}
    {{ join_code(
        'CategoryOfAbuse', 'typed.latest_category_of_abuse_code', 'cin_codes', alias='latest_category_list'
    ) }}
)

select * from final
