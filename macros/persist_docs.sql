{#- Descriptions on tables and columns (DuckDB comments) are written when a table is
    created or rebuilt whole. A council-level table rebuilt by council is neither: it keeps
    the descriptions it has, so they are not written again on every refresh. -#}
{% macro default__persist_docs(relation, model, for_relation, for_columns) -%}
    {%- if building_by_council() -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(dbt.default__persist_docs(relation, model, for_relation, for_columns)) }}
{%- endmacro %}

{#- Spark writes a table's description as it creates it, and column descriptions only on
    the table formats that hold them (not Parquet). -#}
{% macro spark__persist_docs(relation, model, for_relation, for_columns) -%}
    {{ return(dbt.spark__persist_docs(relation, model, for_relation, for_columns)) }}
{%- endmacro %}
