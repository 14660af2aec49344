-- A return's rows failing the DfE's errors (or queries) at a reference date are published
-- only as the sum of that severity's shown cells in dfe_validation: never beside a hidden
-- cell, whose number (or whose sum with another hidden cell) the total would give away.

with

trend as (
    select * from {{ ref('regional_dfe_validation_trend') }}
),

cells as (
    select * from {{ ref('regional_dfe_validation') }}
),

by_severity as (
    select
        la_code,
        return_name,
        collection_year,
        reference_date,
        dfe_severity,
        sum(case when rows_failing_symbol = 'c' then 1 else 0 end) as hidden_cells,
        sum(coalesce(rows_failing, 0)) as shown_rows
    from cells
    group by la_code, return_name, collection_year, reference_date, dfe_severity
),

totals as (
    select
        la_code,
        return_name,
        collection_year,
        reference_date,
        'error' as dfe_severity,
        error_rows as total_rows
    from trend
    where error_rows_symbol is null
    union all
    select
        la_code,
        return_name,
        collection_year,
        reference_date,
        'query' as dfe_severity,
        query_rows as total_rows
    from trend
    where query_rows_symbol is null
),

wrong as (
    select
        totals.*,
        by_severity.hidden_cells,
        by_severity.shown_rows
    from totals
    left join by_severity
        on
            totals.la_code = by_severity.la_code
            and totals.return_name = by_severity.return_name
            and totals.collection_year = by_severity.collection_year
            and totals.reference_date = by_severity.reference_date
            and totals.dfe_severity = by_severity.dfe_severity
    where
        coalesce(by_severity.hidden_cells, 0) > 0
        or totals.total_rows <> coalesce(by_severity.shown_rows, 0)
)

select * from wrong
