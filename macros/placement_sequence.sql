{#- Number the placements in a sequence of episodes, as the DfE counts them.

    `episodes` is a relation of episodes with episode_start_date, reason_new_episode_code,
    placement_type_code, placement_urn and placement_postcode_sector; `key` is its unique
    column; `partition_by` is the list of columns one sequence is within (a period of care,
    or a child's episodes in one return). Adds:
      is_temporary       the episode is a temporary placement (T0-T4): not a placement
      is_new_placement   the episode starts a placement
      placement_number   the placement the episode belongs to (null for temporary ones)

    A placement starts with the first non-temporary episode of the sequence, an episode
    with RNE S, or a change of placement and carer (RNE P or B). A change with the same
    carers (RNE T or U, such as short-term to long-term fostering) is not a move, nor is a
    placement for adoption with the current foster carers (A3, A5), nor a return from a
    temporary placement to the placement the child left (same type, URN and postcode
    sector). A legal status change alone (RNE L) never starts one. -#}
{% macro placement_sequence(episodes, key, partition_by) -%}
    {%- set partition = partition_by | join(', ') -%}
    with

    marked as (
        select
            {{ episodes }}.*,
            coalesce({{ episodes }}.placement_type_code in ('T0', 'T1', 'T2', 'T3', 'T4'), false)
                as is_temporary,
            coalesce(lag({{ episodes }}.placement_type_code) over (
                partition by {{ partition }} order by {{ episodes }}.episode_start_date
            ) in ('T0', 'T1', 'T2', 'T3', 'T4'), false) as follows_temporary
        from {{ episodes }}
    ),

    settled as (
        select
            marked.*,
            lag(marked.placement_type_code) over settled_order as previous_place,
            lag(marked.placement_urn) over settled_order as previous_urn,
            lag(marked.placement_postcode_sector) over settled_order as previous_postcode,
            row_number() over settled_order as settled_number
        from marked
        where not marked.is_temporary
        window settled_order as (partition by {{ partition }} order by marked.episode_start_date)
    ),

    flagged as (
        select
            settled.*,
            (
                settled.settled_number = 1
                or settled.reason_new_episode_code = 'S'
                or (
                    settled.reason_new_episode_code in ('P', 'B')
                    and coalesce(settled.placement_type_code not in ('A3', 'A5'), true)
                    and not (
                        settled.follows_temporary
                        and settled.placement_type_code is not distinct from settled.previous_place
                        and settled.placement_urn is not distinct from settled.previous_urn
                        and settled.placement_postcode_sector
                        is not distinct from settled.previous_postcode
                    )
                )
            ) as is_new_placement
        from settled
    ),

    numbered as (
        select
            flagged.*,
            sum(case when flagged.is_new_placement then 1 else 0 end) over (
                partition by {{ partition }}
                order by flagged.episode_start_date
                rows between unbounded preceding and current row
            ) as placement_number
        from flagged
    )

    select
        marked.*,
        coalesce(numbered.is_new_placement, false) as is_new_placement,
        numbered.placement_number
    from marked
    left join numbered
        on marked.{{ key }} = numbered.{{ key }}
{%- endmacro %}
