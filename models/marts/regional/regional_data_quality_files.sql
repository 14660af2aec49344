{{ config(alias='data_quality_files') }}
-- Every file each council dropped, when, and what became of it: the folder it came in
-- (council, reference date), its kind, its name and counts, nothing read from its
-- content. The file name is the council's own; the publication gate checks it with every
-- other value. A file's row count can be a count of children (a UASC table of three rows
-- is three children), and its numbers of failing rows counts of children with some trait,
-- so all three are controlled like any other count. Nothing sums row counts; the failures
-- of one severity are the total of that severity's rules in data_quality_rules, which
-- hides a second rule beside a lone hidden one, and where there is no second rule the
-- total here is hidden instead.

with

files as (
    select * from {{ ref('stg_loads__files') }}
),

councils as (
    select * from {{ ref('councils') }}
),

shared_rules as (
    select * from {{ ref('regional_data_quality_rules') }}
),

rule_groups as (
    select
        file_id,
        severity,
        {{ lone_hidden_cell("rows_failing_symbol = 'c'", ['file_id', 'severity']) }} as lone_hidden_rule
    from shared_rules
),

totals_exposed as (
    select
        file_id,
        max(case when severity = 'critical' and lone_hidden_rule then 1 else 0 end) = 1 as critical_exposed,
        max(case when severity = 'warning' and lone_hidden_rule then 1 else 0 end) = 1 as warning_exposed
    from rule_groups
    group by file_id
),

controlled as (
    select
        files.*,
        councils.la_name,
        {{ suppress_small_counts('files.row_count', ['files.file_id'], 'files.file_id') }} as rows_hidden,
        {{ suppress_small_counts(
            'files.critical_failures', ['files.file_id'], 'files.file_id',
            hidden_already='totals_exposed.critical_exposed'
        ) }} as critical_hidden,
        {{ suppress_small_counts(
            'files.warning_failures', ['files.file_id'], 'files.file_id',
            hidden_already='totals_exposed.warning_exposed'
        ) }} as warning_hidden
    from files
    left join councils on files.la_code = councils.ons_code
    left join totals_exposed on files.file_id = totals_exposed.file_id
),

final as (
    select
        -- ids
        file_id,
        la_code,
        la_name,
        reference_date,
        collection_year,
        kind,
        file_name,
        -- outcome
        status,
        cast({{ published_number('row_count', 'rows_hidden') }} as bigint) as row_count,
        {{ publication_symbol('row_count', 'rows_hidden') }} as row_count_symbol,
        cast({{ published_number('critical_failures', 'critical_hidden') }} as bigint) as critical_failures,
        {{ publication_symbol('critical_failures', 'critical_hidden') }} as critical_failures_symbol,
        cast({{ published_number('warning_failures', 'warning_hidden') }} as bigint) as warning_failures,
        {{ publication_symbol('warning_failures', 'warning_hidden') }} as warning_failures_symbol,
        first_seen_at,
        loaded_at
    from controlled
)

select * from final
