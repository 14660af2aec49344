{{ config(alias='statistical_neighbours') }}
-- Each council's ten statistical neighbours, for the shared file.

with

neighbours as (
    select * from {{ ref('statistical_neighbours') }}
),

final as (
    select
        ons_code as la_code,
        neighbour_ons_code as neighbour_la_code,
        neighbour_rank
    from neighbours
)

select * from final
