{{ config(alias='dfe_validation_trend') }}
-- Each council's return by reference date: how many of the DfE's rules it fails that
-- would block submission (errors) and how many that need an explanation (queries), and
-- their rows failing, so a council can follow its return getting cleaner.
--
-- The number of rules failing counts rules, not children: every rule whose cell is hidden
-- in dfe_validation is known to fail there anyway. The rows are totals of dfe_validation's
-- cells, so a total is shown only where every cell of its severity is shown (and it is not
-- 1-9): beside even two hidden cells it would give their sum, which data_quality_rules
-- may keep apart.

with

validation as (
    select * from {{ ref('rpt_dfe_validation') }}
),

shared as (
    select * from {{ ref('regional_dfe_validation') }}
),

cells as (
    select
        validation.la_code,
        validation.la_name,
        validation.return_name,
        validation.return_title,
        validation.collection_year,
        validation.reference_date,
        validation.reference_date_number,
        validation.is_latest_reference_date,
        validation.dfe_severity,
        validation.rows_failing,
        coalesce(shared.rows_failing_symbol = 'c', false) as is_hidden
    from validation
    left join shared on validation.dfe_validation_id = shared.dfe_validation_id
),

totals as (
    select
        la_code,
        la_name,
        return_name,
        return_title,
        collection_year,
        reference_date,
        reference_date_number,
        is_latest_reference_date,
        count(*) as rules_checked,
        sum(case when dfe_severity = 'error' and rows_failing > 0 then 1 else 0 end) as error_rules_failing,
        sum(case when dfe_severity = 'query' and rows_failing > 0 then 1 else 0 end) as query_rules_failing,
        sum(case when dfe_severity = 'error' then rows_failing else 0 end) as error_rows,
        sum(case when dfe_severity = 'query' then rows_failing else 0 end) as query_rows,
        max(case when dfe_severity = 'error' and is_hidden then 1 else 0 end) = 1 as error_cell_hidden,
        max(case when dfe_severity = 'query' and is_hidden then 1 else 0 end) = 1 as query_cell_hidden
    from cells
    group by
        la_code,
        la_name,
        return_name,
        return_title,
        collection_year,
        reference_date,
        reference_date_number,
        is_latest_reference_date
),

controlled as (
    select
        *,
        error_cell_hidden
        or (error_rows >= 1 and error_rows < {{ var('disclosure_threshold') }}) as error_hidden,
        query_cell_hidden
        or (query_rows >= 1 and query_rows < {{ var('disclosure_threshold') }}) as query_hidden
    from totals
),

final as (
    select
        -- ids: the reference date as yyyymmdd, as in dfe_validation
        la_code || ':' || return_name || ':' || collection_year || ':' || cast(
            cast(
                extract(year from reference_date) * 10000
                + extract(month from reference_date) * 100
                + extract(day from reference_date) as {{ dbt.type_int() }}
            ) as {{ dbt.type_string() }}
        ) as dfe_validation_trend_id,
        la_code,
        la_name,
        -- the return
        return_name,
        return_title,
        collection_year,
        reference_date,
        reference_date_number,
        is_latest_reference_date,
        -- rules
        cast(rules_checked as bigint) as rules_checked,
        cast(error_rules_failing as bigint) as error_rules_failing,
        cast(query_rules_failing as bigint) as query_rules_failing,
        error_rules_failing > 0 as blocks_submission,
        -- rows
        cast({{ published_number('error_rows', 'error_hidden') }} as bigint) as error_rows,
        {{ publication_symbol('error_rows', 'error_hidden') }} as error_rows_symbol,
        cast({{ published_number('query_rows', 'query_hidden') }} as bigint) as query_rows,
        {{ publication_symbol('query_rows', 'query_hidden') }} as query_rows_symbol
    from controlled
)

select * from final
