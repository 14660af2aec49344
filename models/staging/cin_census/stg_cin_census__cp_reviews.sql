with

current_rows as (
    {{ current_submission('cp_reviews', 'cin_census') }}
),

final as (
    select
        {{ return_lineage('lachildid') }},
        _child_number as child_number,
        _referral_number as referral_number,
        _plan_number as plan_number,
        _item_number as item_number,
        {{ iso_date('cppreviewdate') }} as cp_review_date
    from current_rows
)

select * from final
