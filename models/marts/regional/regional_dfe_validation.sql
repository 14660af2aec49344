{{ config(alias='dfe_validation') }}
-- The DfE rules each council's returns fail, by return and reference date, beside the same
-- rule at the return's previous reference date: the rule's code, the DfE's severity and
-- wording (from the warehouse's rule list, never from a file), whether it would block
-- submission, and its rows failing. Only rules failing at the date or at the one before
-- are kept; a rule left out found no rows at either.
--
-- A number of failing rows can be a number of children, so 1-9 is hidden, as in
-- data_quality_rules. The same failures are published there too, per file, where a
-- second rule may have been hidden beside a lone hidden one: a cell here is hidden as
-- well wherever data_quality_rules hides the same rule on a file that stood for the return
-- at that date, or the number hidden there could be read here. Nothing published adds
-- these cells up unless every one of them is shown (dfe_validation_trend), so no other
-- cell needs hiding beside them.

with

validation as (
    select * from {{ ref('rpt_dfe_validation') }}
),

files as (
    select * from {{ ref('stg_loads__files') }}
),

shared_rules as (
    select * from {{ ref('regional_data_quality_rules') }}
),

-- each version of a council's file of one kind and year stands for the return from its
-- reference date until the next version's
versions as (
    select distinct
        la_code,
        collection_year,
        kind,
        reference_date
    from files
    where status in ('loaded', 'superseded')
),

windows as (
    select
        la_code,
        collection_year,
        kind,
        reference_date,
        lead(reference_date) over (
            partition by la_code, collection_year, kind order by reference_date
        ) as next_reference_date
    from versions
),

hidden_on_files as (
    select distinct
        files.la_code,
        files.collection_year,
        shared_rules.rule_id,
        windows.reference_date as from_date,
        windows.next_reference_date as until_date
    from shared_rules
    inner join files on shared_rules.file_id = files.file_id
    inner join windows
        on
            files.la_code = windows.la_code
            and files.collection_year = windows.collection_year
            and files.kind = windows.kind
            and files.reference_date = windows.reference_date
    where shared_rules.rows_failing_symbol = 'c'
),

hidden_elsewhere as (
    select distinct validation.dfe_validation_id
    from validation
    inner join hidden_on_files
        on
            validation.la_code = hidden_on_files.la_code
            and validation.collection_year = hidden_on_files.collection_year
            and validation.rule_id = hidden_on_files.rule_id
            and validation.reference_date >= hidden_on_files.from_date
            and (hidden_on_files.until_date is null or validation.reference_date < hidden_on_files.until_date)
    where validation.rows_failing > 0
),

-- each cell is a group of its own: the macro's small-count rule, and the cells hidden in
-- data_quality_rules
controlled as (
    select
        validation.*,
        {{ suppress_small_counts(
            'validation.rows_failing', ['validation.dfe_validation_id'], 'validation.dfe_validation_id',
            hidden_already='hidden_elsewhere.dfe_validation_id is not null'
        ) }} as rows_hidden
    from validation
    left join hidden_elsewhere on validation.dfe_validation_id = hidden_elsewhere.dfe_validation_id
),

compared as (
    select
        controlled.*,
        previous.rows_hidden as previous_rows_hidden
    from controlled
    left join controlled as previous
        on
            controlled.la_code = previous.la_code
            and controlled.collection_year = previous.collection_year
            and controlled.rule_id = previous.rule_id
            and controlled.previous_reference_date = previous.reference_date
    where controlled.rows_failing > 0 or controlled.previous_rows_failing > 0
),

final as (
    select
        -- ids
        dfe_validation_id,
        la_code,
        la_name,
        -- the return
        return_name,
        return_title,
        collection_year,
        reference_date,
        reference_date_number,
        is_latest_reference_date,
        previous_reference_date,
        -- the rule, in the DfE's words as the warehouse lists them
        rule_id,
        rule_code,
        dfe_severity,
        rule_message,
        blocks_submission,
        needs_explanation,
        -- measures
        cast({{ published_number('rows_failing', 'rows_hidden') }} as bigint) as rows_failing,
        {{ publication_symbol('rows_failing', 'rows_hidden') }} as rows_failing_symbol,
        cast(
            {{ published_number('previous_rows_failing', 'coalesce(previous_rows_hidden, false)') }} as bigint
        ) as previous_rows_failing,
        {{ publication_symbol(
            'previous_rows_failing', 'coalesce(previous_rows_hidden, false)',
            not_applicable='previous_reference_date is null'
        ) }} as previous_rows_failing_symbol,
        -- only where both numbers are shown
        case
            when rows_hidden or coalesce(previous_rows_hidden, true) then null
            when previous_rows_failing is null then null
            when rows_failing < previous_rows_failing then 'fewer'
            when rows_failing > previous_rows_failing then 'more'
            else 'same'
        end as change_direction
    from compared
)

select * from final
