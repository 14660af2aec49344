{{ config(alias='pathway_flows') }}
-- Moves between stages of the pathway (fct_pathway_transitions) as they may be shared:
-- moves and children of 1-9 hidden, with secondary suppression within each year and move
-- across the councils and the region's row (their total): one hidden cell in such a group
-- could be recovered by difference, two cannot. The region's row is a cell of the group,
-- so a council alone in a move is hidden with it: the whole group. Medians and percentages
-- are left out: they are worked out from counts that may be hidden.

with

transitions as (
    select * from {{ ref('fct_pathway_transitions') }}
),

controlled as (
    select
        *,
        {{ suppress_small_counts('transitions', ['collection_year', 'from_stage', 'to_stage'], 'la_code') }}
            as transitions_hidden,
        {{ suppress_small_counts('children', ['collection_year', 'from_stage', 'to_stage'], 'la_code') }}
            as children_hidden
    from transitions
),

final as (
    select
        -- ids
        pathway_transition_id,
        area_type,
        la_code,
        area_name,
        collection_year,
        -- the move
        from_stage,
        from_stage_order,
        to_stage,
        to_stage_order,
        is_forward,
        -- how many
        cast({{ published_number('transitions', 'transitions_hidden') }} as {{ type_double() }})
            as transitions,
        {{ publication_symbol('transitions', 'transitions_hidden') }} as transitions_symbol,
        cast({{ published_number('children', 'children_hidden') }} as {{ type_double() }}) as children,
        {{ publication_symbol('children', 'children_hidden') }} as children_symbol
    from controlled
)

select * from final
