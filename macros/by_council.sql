{#- Building by council.

    Every council's rows of a council-level model depend on that council's own returns
    only, so when a load changes some councils' current submissions, `csc build` rebuilds
    just their rows: it names the councils in the environment variable CSC_BUILD_COUNCILS
    (ONS codes separated by spaces), and each council-level model (materialized
    `incremental` with the strategy `by_council`) reads only those councils' rows of its
    inputs and replaces only those councils' rows of its table. Models that compare
    councils (the region's rows, the benchmark, the regional schema) stay tables rebuilt
    whole. Without the variable, or with `--full-refresh`, every model is built whole.

    The variable is read while models run, never while dbt parses the project, so a
    different list of councils does not cost a fresh parse. -#}

{#- The councils to rebuild, or none for every council. -#}
{% macro councils_to_build() -%}
    {%- if not execute -%}
        {{ return(none) }}
    {%- endif -%}
    {%- set named = env_var('CSC_BUILD_COUNCILS', '-') -%}
    {%- if named == '-' -%}
        {{ return(none) }}
    {%- endif -%}
    {{ return(named.split()) }}
{%- endmacro %}

{#- True while a council-level model is rebuilding some councils' rows only. -#}
{% macro building_by_council() -%}
    {{ return(councils_to_build() is not none and is_incremental()) }}
{%- endmacro %}

{#- `la_code in (...)` for the councils being rebuilt (false when the list is empty). -#}
{% macro council_predicate(column='la_code') -%}
    {%- set quoted = [] -%}
    {%- for council in councils_to_build() -%}
        {%- do quoted.append("'" ~ (council | replace("'", "")) ~ "'") -%}
    {%- endfor -%}
    {%- if quoted -%}
        {{ column }} in ({{ quoted | join(', ') }})
    {%- else -%}
        1 = 0
    {%- endif -%}
{%- endmacro %}

{#- A council-level model's input: the whole of `model_name`, or only the rows of the
    councils being rebuilt when the model is rebuilding by council. -#}
{% macro council_rows(model_name) -%}
    {%- set relation = ref(model_name) -%}
    {%- if building_by_council() -%}
        (select * from {{ relation }} where {{ council_predicate() }}) as {{ model_name }}
    {%- else -%}
        {{ relation }}
    {%- endif -%}
{%- endmacro %}

{#- The incremental strategy `by_council`: the rebuilt councils' rows replace theirs, or,
    with no list of councils, every row is replaced. -#}
{% macro get_incremental_by_council_sql(arg_dict) -%}
    {{ return(adapter.dispatch('by_council_sql')(arg_dict)) }}
{%- endmacro %}

{% macro default__by_council_sql(arg_dict) -%}
    {%- set target = arg_dict['target_relation'] -%}
    {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
    delete from {{ target }}
    {%- if councils_to_build() is not none %} where {{ council_predicate() }}{% endif %};
    insert into {{ target }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{%- endmacro %}

{#- Whether `relation` is a council-level model's table (materialized by council). -#}
{% macro is_built_by_council(relation) -%}
    {%- for node in graph.nodes.values() -%}
        {%- if node.resource_type == 'model'
            and node.config.materialized == 'incremental'
            and node.schema == relation.schema
            and node.alias == relation.identifier -%}
            {{ return(true) }}
        {%- endif -%}
    {%- endfor -%}
    {{ return(false) }}
{%- endmacro %}

{#- What a generic data test reads of the model it tests (dbt's own macro, with one
    addition): besides the test's `where`, while some councils are rebuilt a council-level
    model is tested on their rows only, since no other council's rows changed since the
    last build that passed. Tables rebuilt whole are tested whole. -#}
{% macro get_where_subquery(relation) -%}
    {%- set conditions = [] -%}
    {%- set where = config.get('where', '') -%}
    {%- if where -%}
        {%- do conditions.append('(' ~ where ~ ')') -%}
    {%- endif -%}
    {%- if councils_to_build() is not none and is_built_by_council(relation) -%}
        {%- do conditions.append(council_predicate()) -%}
    {%- endif -%}
    {%- if conditions -%}
        {{ return('(select * from ' ~ relation ~ ' where ' ~ conditions | join(' and ') ~ ') dbt_subquery') }}
    {%- else -%}
        {{ return(relation) }}
    {%- endif -%}
{%- endmacro %}

{#- Run before every build (dbt_project.yml, on-run-start). A build by council commits a
    few hundred small changes, and DuckDB writes its file anew (a checkpoint) whenever the
    changes not yet written pass 16 MB: in a refresh, most of the time spent committing.
    Here the changes wait in DuckDB's write-ahead log until dbt closes the file, when they
    are written once; a build killed part-way leaves the log, which the next opening of
    the file applies. Full builds keep DuckDB's default, so that their log stays small. -#}
{% macro refresh_settings() -%}
    {{ return(adapter.dispatch('refresh_settings')()) }}
{%- endmacro %}

{% macro default__refresh_settings() -%}
    {{ return('select 1') }}
{%- endmacro %}

{% macro duckdb__refresh_settings() -%}
    {%- if councils_to_build() is not none -%}
        {{ return("set checkpoint_threshold = '1GB'") }}
    {%- endif -%}
    {{ return('select 1') }}
{%- endmacro %}
