-- Care leavers' OC3 rows: one per care leaver per collection year (current returns), with
-- the age they turn that year and the DfE outcome flags.

with

care_leavers as (
    select * from {{ council_rows('stg_ssda903__oc3') }}
),

final as (
    select
        care_leavers.row_id as care_leaver_outcome_id,
        care_leavers.la_code || ':' || care_leavers.child_token as child_key,
        care_leavers.la_code,
        care_leavers.child_token,
        care_leavers.collection_year,
        care_leavers.reference_date,
        cast({{ age_at_birthday_in_year('care_leavers.birth_month', 'care_leavers.year_ending') }} as integer)
            as age_at_birthday_in_year,
        care_leavers.in_touch_code,
        care_leavers.in_touch,
        care_leavers.activity_code,
        care_leavers.activity,
        care_leavers.accommodation_code,
        care_leavers.accommodation,
        care_leavers.is_in_education_employment_training,
        care_leavers.is_suitably_accommodated
    from care_leavers
)

select * from final
