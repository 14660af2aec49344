{#- The areas the demand marts speak of: each council of the region (area_type 'council')
    and the region itself under its ONS code ('region'), with their names. -#}
{% macro demand_areas() -%}
    select
        'council' as area_type,
        ons_code as area_code,
        la_name as area_name
    from {{ ref('councils') }}
    union all
    select distinct
        'region' as area_type,
        {{ region_code('region_name') }} as area_code,
        region_name as area_name
    from {{ ref('councils') }}
{%- endmacro %}
