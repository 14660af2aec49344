-- A file's published number of critical (or warning) failures is the total of its rules
-- of that severity; where exactly one of those rules' numbers is hidden, the total must be
-- hidden too, or the hidden number is the total less the shown ones.

with

rules as (
    select * from {{ ref('regional_data_quality_rules') }}
),

files as (
    select * from {{ ref('regional_data_quality_files') }}
),

lone_hidden as (
    select
        file_id,
        severity
    from rules
    where severity in ('critical', 'warning')
    group by file_id, severity
    having sum(case when rows_failing_symbol = 'c' then 1 else 0 end) = 1
),

totals_shown as (
    select
        lone_hidden.file_id,
        lone_hidden.severity
    from lone_hidden
    inner join files on lone_hidden.file_id = files.file_id
    where
        (lone_hidden.severity = 'critical' and files.critical_failures_symbol is distinct from 'c')
        or (lone_hidden.severity = 'warning' and files.warning_failures_symbol is distinct from 'c')
)

select * from totals_shown
