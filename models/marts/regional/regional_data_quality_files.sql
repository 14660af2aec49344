{{ config(alias='data_quality_files') }}
-- Every file each council dropped, when, and what became of it. A file's row count can
-- be a count of children (a UASC table of three rows is three children), so it is
-- controlled like any other count; nothing sums these counts, so there is no secondary
-- suppression.

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
        {{ suppress_small_counts('files.row_count', ['files.file_id'], 'files.file_id') }} as rows_hidden
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
        critical_failures,
        warning_failures,
        first_seen_at,
        loaded_at
    from controlled
)

select * from final
