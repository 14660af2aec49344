{{ config(materialized='table') }}

-- Moves between stages of the pathway, per council and collection year (of entering the
-- stage left) and for the region: how many moves, how many children, and the median days
-- from entering one stage to entering the next. Region rows carry the region's ONS code
-- in la_code (E12000008 for the South East) and area_type 'region'.

with

transitions as (
    select * from {{ ref('int_pathways__stage_transitions') }}
),

councils as (
    select * from {{ ref('councils') }}
),

placed as (
    select
        transitions.*,
        transitions.la_code || ':' || transitions.child_token as child_key,
        councils.la_name,
        {{ region_code('councils.region_name') }} as region_code,
        councils.region_name
    from transitions
    left join councils on transitions.la_code = councils.ons_code
),

by_area as (
    select
        'council' as area_type,
        la_code as area_code,
        max(la_name) as area_name,
        collection_year,
        from_stage,
        from_stage_order,
        to_stage,
        to_stage_order,
        count(*) as transitions,
        count(distinct child_key) as children,
        {{ median('days_to_next_stage') }} as median_days
    from placed
    group by la_code, collection_year, from_stage, from_stage_order, to_stage, to_stage_order
    union all
    select
        'region' as area_type,
        region_code as area_code,
        max(region_name) as area_name,
        collection_year,
        from_stage,
        from_stage_order,
        to_stage,
        to_stage_order,
        count(*) as transitions,
        count(distinct child_key) as children,
        {{ median('days_to_next_stage') }} as median_days
    from placed
    where region_code is not null
    group by region_code, collection_year, from_stage, from_stage_order, to_stage, to_stage_order
),

shared as (
    select
        by_area.*,
        sum(by_area.transitions) over (
            partition by by_area.area_code, by_area.collection_year, by_area.from_stage
        ) as transitions_from_stage
    from by_area
),

final as (
    select
        -- ids
        area_code || ':' || collection_year || ':' || from_stage || ':' || to_stage as pathway_transition_id,
        area_type,
        area_code as la_code,
        area_name,
        collection_year,
        -- the move
        from_stage,
        cast(from_stage_order as integer) as from_stage_order,
        to_stage,
        cast(to_stage_order as integer) as to_stage_order,
        to_stage_order > from_stage_order as is_forward,
        -- measures
        cast(transitions as bigint) as transitions,
        cast(children as bigint) as children,
        cast(transitions_from_stage as bigint) as transitions_from_stage,
        cast(transitions as {{ type_double() }}) * 100.0 / nullif(transitions_from_stage, 0)
            as pct_of_transitions_from_stage,
        cast(median_days as {{ type_double() }}) as median_days
    from shared
)

select * from final
