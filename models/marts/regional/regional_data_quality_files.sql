{{ config(alias='data_quality_files') }}
-- Every file each council dropped, when, and what became of it. A file's row count can
-- be a count of children (a UASC table of three rows is three children), and its numbers
-- of failing rows counts of children with some trait, so all three are controlled like
-- any other count. Nothing sums row counts; the failures are the totals of
-- data_quality_rules, which applies secondary suppression within each file.

with

files as (
    select * from {{ ref('stg_loads__files') }}
),

councils as (
    select * from {{ ref('councils') }}
),

controlled as (
    select
        files.*,
        councils.la_name,
        {{ suppress_small_counts('files.row_count', ['files.file_id'], 'files.file_id') }} as rows_hidden,
        {{ suppress_small_counts('files.critical_failures', ['files.file_id'], 'files.file_id') }}
            as critical_hidden,
        {{ suppress_small_counts('files.warning_failures', ['files.file_id'], 'files.file_id') }}
            as warning_hidden
    from files
    left join councils on files.la_code = councils.ons_code
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
