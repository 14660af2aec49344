{{ config(alias='data_quality_rules') }}
-- Which rules each file failed, and on how many rows: never the rows' values or children.
-- A number of failing rows can be a number of children, so 1-9 is hidden, and because the
-- rules of one severity add up to the file's published number of failures, a second rule
-- is hidden beside a lone hidden one.

with

failures as (
    select * from {{ ref('stg_loads__failures') }}
),

counted as (
    select
        file_id,
        la_code,
        reference_date,
        kind,
        file_name,
        rule_id,
        severity,
        count(*) as rows_failing,
        min(message) as message
    from failures
    group by file_id, la_code, reference_date, kind, file_name, rule_id, severity
),

controlled as (
    select
        counted.*,
        {{ suppress_small_counts('rows_failing', ['file_id', 'severity'], 'rule_id') }} as rows_hidden
    from counted
),

final as (
    select
        -- ids
        file_id || ':' || rule_id as data_quality_rule_id,
        file_id,
        la_code,
        reference_date,
        kind,
        file_name,
        -- the rule
        rule_id,
        severity,
        message,
        cast({{ published_number('rows_failing', 'rows_hidden') }} as bigint) as rows_failing,
        {{ publication_symbol('rows_failing', 'rows_hidden') }} as rows_failing_symbol
    from controlled
)

select * from final
