{#- The lineage columns of an SSDA903 staging model (see return_lineage): the child is CHILD. -#}
{% macro ssda903_lineage() -%}
    {{ return_lineage('child') }}
{%- endmacro %}
