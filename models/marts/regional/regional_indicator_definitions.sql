{{ config(alias='indicator_definitions') }}
-- What each indicator counts and which DfE definition it follows, for the shared file.

with

definitions as (
    select * from {{ ref('indicator_definitions') }}
),

final as (
    select
        indicator,
        name,
        unit,
        polarity,
        follows,
        definition,
        cast(display_order as integer) as display_order
    from definitions
)

select * from final
