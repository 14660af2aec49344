{{ config(materialized='table') }}

with

councils as (
    select * from {{ ref('councils') }}
),

population as (
    select * from {{ ref('population') }}
),

latest_population as (
    select
        ons_code,
        mid_year,
        population_0_17,
        row_number() over (partition by ons_code order by mid_year desc) as recency
    from population
),

final as (
    select
        councils.ons_code as la_code,
        councils.la_number,
        councils.la_name,
        councils.region_name,
        cast(latest_population.mid_year as integer) as latest_population_year,
        cast(latest_population.population_0_17 as integer) as latest_population_0_17
    from councils
    left join latest_population
        on councils.ons_code = latest_population.ons_code and latest_population.recency = 1
)

select * from final
