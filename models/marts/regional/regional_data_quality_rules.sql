{{ config(alias='data_quality_rules') }}
-- Which rules each file failed, and on how many rows: the rule's id and its fixed
-- description (stg_loads__rules), never a failure's own message, which can quote the
-- file, nor the rows' values or children. A number of failing rows can be a number of
-- children, so 1-9 is hidden; the rules of one severity add up to the file's published
-- number of failures (data_quality_files), so a second rule is hidden beside a lone hidden
-- one, and where the file failed no other rule of that severity, its number of failures
-- is hidden instead (data_quality_files reads which).

with

failures as (
    select * from {{ ref('stg_loads__failures') }}
),

rules as (
    select * from {{ ref('stg_loads__rules') }}
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
        count(*) as rows_failing
    from failures
    group by file_id, la_code, reference_date, kind, file_name, rule_id, severity
),

controlled as (
    select
        counted.*,
        rules.description,
        {{ suppress_small_counts(
            'counted.rows_failing', ['counted.file_id', 'counted.severity'], 'counted.rule_id'
        ) }} as rows_hidden
    from counted
    left join rules on counted.rule_id = rules.rule_id
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
        -- the rule, in the warehouse's own words
        rule_id,
        severity,
        description as message,
        cast({{ published_number('rows_failing', 'rows_hidden') }} as bigint) as rows_failing,
        {{ publication_symbol('rows_failing', 'rows_hidden') }} as rows_failing_symbol
    from controlled
)

select * from final
