-- Every council of the region has exactly ten statistical neighbours, none of them itself.
with

councils as (
    select * from {{ ref('councils') }}
),

neighbours as (
    select * from {{ ref('statistical_neighbours') }}
),

counted as (
    select
        councils.ons_code,
        count(neighbours.neighbour_ons_code) as neighbours,
        sum(case when neighbours.neighbour_ons_code = councils.ons_code then 1 else 0 end) as self_listed
    from councils
    left join neighbours on councils.ons_code = neighbours.ons_code
    group by councils.ons_code
)

select * from counted
where neighbours <> 10 or self_listed > 0
