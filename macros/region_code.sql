{#- The ONS code of an English region from its name (as in the councils seed). -#}
{% macro region_code(region_name) -%}
    case lower({{ region_name }})
        when 'north east' then 'E12000001'
        when 'north west' then 'E12000002'
        when 'yorkshire and the humber' then 'E12000003'
        when 'east midlands' then 'E12000004'
        when 'west midlands' then 'E12000005'
        when 'east of england' then 'E12000006'
        when 'london' then 'E12000007'
        when 'south east' then 'E12000008'
        when 'south west' then 'E12000009'
    end
{%- endmacro %}
