{#- Run before every build (dbt_project.yml, on-run-start): an engine whose raw tables are
    files the loader wrote registers them here (macros/spark.sql); DuckDB and PostgreSQL hold
    their raw tables already. -#}
{% macro register_raw_tables() -%}
    {{ return(adapter.dispatch('register_raw_tables')()) }}
{%- endmacro %}

{% macro default__register_raw_tables() -%}
    {{ return('select 1') }}
{%- endmacro %}

{#- On Spark: the raw tables, Parquet files the loader wrote from the private DuckDB
    file (csc.engines.sync_spark), registered under the `raw` schema. The loader names the
    folder and the tables in CSC_SPARK_RAW and CSC_SPARK_RAW_TABLES. -#}
{% macro spark__register_raw_tables() -%}
    {%- set folder = env_var('CSC_SPARK_RAW', '') -%}
    {%- set tables = env_var('CSC_SPARK_RAW_TABLES', '').split() -%}
    {%- if execute and folder and tables -%}
        {%- do run_query('create schema if not exists raw') -%}
        {%- for table in tables -%}
            {%- do run_query('drop table if exists raw.' ~ table) -%}
            {%- set location = folder ~ '/' ~ table -%}
            {%- do run_query("create table raw." ~ table ~ " using parquet location '" ~ location ~ "'") -%}
        {%- endfor -%}
    {%- endif -%}
    {{ return('select 1') }}
{%- endmacro %}
