{#- What Spark needs that DuckDB and PostgreSQL do not (docs/engines.md).

    The project names its types as DuckDB and PostgreSQL both read them (`varchar`,
    `double precision`, `integer`, `date`): in seeds' column types and in the contracts'
    column types. Spark reads `string`, `double` and `timestamp_ntz` instead; `spark_type`
    translates, and it is the one place that does. -#}

{% macro spark_type(data_type) -%}
    {%- set name = data_type | trim | lower -%}
    {%- if name in ('varchar', 'text') or name.startswith('varchar(') -%}
        string
    {%- elif name == 'double precision' -%}
        double
    {%- elif name == 'timestamp' -%}
        {#- DuckDB's and PostgreSQL's timestamp has no time zone; Spark's is local time. -#}
        timestamp_ntz
    {%- else -%}
        {{ name }}
    {%- endif -%}
{%- endmacro %}

{#- A contract's columns as Spark types, for dbt to compare with what a model returns. -#}
{% macro spark__get_empty_schema_sql(columns) -%}
    {%- set translated = {} -%}
    {%- for name in columns -%}
        {%- set column = columns[name] -%}
        {%- do translated.update({name: dict(column, data_type=spark_type(column['data_type']))}) -%}
    {%- endfor -%}
    {{ return(dbt.default__get_empty_schema_sql(translated)) }}
{%- endmacro %}

{#- A seed's value as a Spark literal: text escaped (Spark reads a backslash as an escape),
    a missing value as null. -#}
{% macro spark_literal(value) -%}
    {%- if value is none -%}
        null
    {%- elif value is number -%}
        {{ value }}
    {%- elif value is sameas true or value is sameas false -%}
        {{ 'true' if value else 'false' }}
    {%- else -%}
        '{{ value | string | replace("\\", "\\\\") | replace("'", "\\'") }}'
    {%- endif -%}
{%- endmacro %}

{% macro spark__create_csv_table(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set quote_seed_column = model['config'].get('quote_columns', None) -%}
    {%- set sql -%}
        create table {{ this.render() }} (
        {%- for col_name in agate_table.column_names -%}
            {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
            {{ adapter.quote_seed_column(col_name | string, quote_seed_column) }}
            {{ spark_type(column_override.get(col_name, inferred_type)) }}
            {%- if not loop.last -%}, {% endif -%}
        {%- endfor -%}
        )
        {{ file_format_clause() }}
        {{ comment_clause() }}
    {%- endset -%}
    {%- call statement('_') -%}
        {{ sql }}
    {%- endcall -%}
    {{ return(sql) }}
{%- endmacro %}

{#- dbt-spark's loader passes values as bindings that its session method writes unescaped
    and writes a missing value as the text 'None'; this one writes literals. -#}
{% macro spark__load_csv_rows(model, agate_table) -%}
    {%- set column_override = model['config'].get('column_types', {}) -%}
    {%- set types = [] -%}
    {%- for col_name in agate_table.column_names -%}
        {%- set inferred_type = adapter.convert_type(agate_table, loop.index0) -%}
        {%- do types.append(spark_type(column_override.get(col_name, inferred_type))) -%}
    {%- endfor -%}
    {%- set statements = [] -%}
    {%- for chunk in agate_table.rows | batch(get_batch_size()) -%}
        {%- set tuples = [] -%}
        {%- for row in chunk -%}
            {%- set cells = [] -%}
            {%- for value in row -%}
                {%- do cells.append('cast(' ~ spark_literal(value) ~ ' as ' ~ types[loop.index0] ~ ')') -%}
            {%- endfor -%}
            {%- do tuples.append('(' ~ cells | join(', ') ~ ')') -%}
        {%- endfor -%}
        {%- set sql = 'insert into ' ~ this.render() ~ ' values\n' ~ tuples | join(',\n') -%}
        {%- do adapter.add_query(sql, abridge_sql_log=True) -%}
        {%- if loop.first -%}
            {%- do statements.append(sql) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(statements[0] if statements else '') }}
{%- endmacro %}
