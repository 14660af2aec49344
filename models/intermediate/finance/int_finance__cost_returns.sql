-- One row per council's current placement cost return for each collection year: the file
-- the load manifest marks loaded for kind placement_costs, even one with no cost lines in
-- it, with the year's first day and the return's reference date. The years a council has
-- costs for, and the day its spend in each runs to.

with

files as (
    select * from {{ council_rows('stg_loads__files') }}
),

final as (
    select
        la_code || ':' || collection_year as cost_return_id,
        la_code,
        collection_year,
        cast(substr(collection_year, 1, 4) || '-04-01' as date) as year_start_date,
        reference_date,
        file_name as source_file
    from files
    where kind = 'placement_costs' and status = 'loaded' and la_code is not null
)

select * from final
