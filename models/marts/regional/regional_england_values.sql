{{ config(alias='england_values') }}
-- England's published value of each indicator and year, where it was read, and whether it
-- is approximate, for the shared file: the pack says where each England figure comes from.

with

england as (
    select * from {{ ref('england_indicator_values') }}
),

final as (
    select
        indicator,
        collection_year,
        cast(value as {{ type_double() }}) as value,  -- noqa: RF04
        is_approximate,
        source
    from england
)

select * from final
