-- The DfE failures of a return's current files are published twice beyond the hub: per
-- file and rule in data_quality_rules, and per return and rule, as the return now stands,
-- in dfe_validation. Where data_quality_rules hides a DfE rule on a current file, the
-- return's cell for that rule must be hidden too, or the hidden number could be read there.

with

shared_rules as (
    select * from {{ ref('regional_data_quality_rules') }}
),

files as (
    select * from {{ ref('stg_loads__files') }}
),

cells as (
    select * from {{ ref('regional_dfe_validation') }}
),

hidden_on_current_files as (
    select distinct
        files.la_code,
        files.collection_year,
        shared_rules.rule_id
    from shared_rules
    inner join files on shared_rules.file_id = files.file_id
    where
        shared_rules.rows_failing_symbol = 'c'
        and files.status = 'loaded'
        and (shared_rules.rule_id like '903:%' or shared_rules.rule_id like 'cin:%')
),

shown_here as (
    select hidden_on_current_files.*
    from hidden_on_current_files
    inner join cells
        on
            hidden_on_current_files.la_code = cells.la_code
            and hidden_on_current_files.collection_year = cells.collection_year
            and hidden_on_current_files.rule_id = cells.rule_id
    where cells.is_latest_reference_date and cells.rows_failing_symbol is null
)

select * from shown_here
