-- Every rule a file or row can fail, in the warehouse's own fixed words (raw.load_rules,
-- rewritten by the loader on each load): what a report beyond the hub may say about a
-- rule, since a failure's own message can quote the file.

with

rules as (
    select * from {{ source('loads', 'load_rules') }}
),

final as (
    select
        -- ids
        rule_id,
        -- the rule
        severity,
        description,
        dfe_severity
    from rules
)

select * from final
