{{ config(alias='councils') }}
-- The councils of the region, for the shared file.

with

councils as (
    select * from {{ ref('councils') }}
),

final as (
    select
        ons_code as la_code,
        la_number,
        la_name
    from councils
)

select * from final
