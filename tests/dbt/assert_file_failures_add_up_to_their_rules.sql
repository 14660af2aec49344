-- A file's numbers of critical and warning failures are the sums of its rules' failing
-- rows of that severity: the shared data-quality tables publish them as totals of the
-- rules, and protect the rules' numbers on that understanding.

with

files as (
    select * from {{ ref('stg_loads__files') }}
),

failures as (
    select * from {{ ref('stg_loads__failures') }}
),

counted as (
    select
        file_id,
        sum(case when severity = 'critical' then 1 else 0 end) as critical_failures,
        sum(case when severity = 'warning' then 1 else 0 end) as warning_failures
    from failures
    group by file_id
),

unequal as (
    select
        files.file_id,
        files.critical_failures,
        files.warning_failures,
        counted.critical_failures as rules_critical_failures,
        counted.warning_failures as rules_warning_failures
    from files
    left join counted on files.file_id = counted.file_id
    where
        coalesce(files.critical_failures, 0) <> coalesce(counted.critical_failures, 0)
        or coalesce(files.warning_failures, 0) <> coalesce(counted.warning_failures, 0)
)

select * from unequal
