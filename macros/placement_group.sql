{#- The placement group a placement is costed and projected under (seed
    placement_cost_groups): a left join on its PLACE code and PLACE_PROVIDER, where a row's
    provider_rule is a provider code or 'any'. The seed's test
    assert_placement_cost_groups_match_once keeps it to one row per placement, so the join
    never multiplies rows; a placement matching no row has nulls, and
    placement_group_columns reads those as other. -#}
{% macro join_placement_group(place_code, provider_code, alias='cost_groups') -%}
    left join {{ ref('placement_cost_groups') }} as {{ alias }}
        on
            {{ place_code }} = {{ alias }}.place_code
            and (
                {{ alias }}.provider_rule = 'any'
                or {{ provider_code }} = {{ alias }}.provider_rule
            )
{%- endmacro %}

{#- The group's name, label and order from join_placement_group, other where none
    matched. -#}
{% macro placement_group_columns(alias='cost_groups') -%}
    coalesce({{ alias }}.placement_group, 'other') as placement_group,
    coalesce({{ alias }}.placement_group_label, 'Other placements') as placement_group_label,
    coalesce({{ alias }}.group_order, 5) as group_order
{%- endmacro %}

{#- Every placement group with its label and order (seed placement_cost_groups), and
    'all' (All placements, 0) for their total: the rows the demand tables name. -#}
{% macro placement_groups_and_all() -%}
    select distinct
        placement_group,
        placement_group_label,
        group_order
    from {{ ref('placement_cost_groups') }}
    union all
    select
        'all' as placement_group,
        'All placements' as placement_group_label,
        0 as group_order
{%- endmacro %}
