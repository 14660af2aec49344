-- Each council's DfE validation by rule, return and reference date: the DfE's severity,
-- the rows failing, whether it would stop the return being submitted, and the same rule
-- at the return's previous reference date, so a council sees this month beside last.
--
-- What blocks submission follows the DfE's own guidance (see the model's description): an
-- error must be put right before the DfE accepts the return; a query is checked and then
-- amended or explained, and does not stop it.

with

checks as (
    select * from {{ council_rows('stg_loads__dfe_checks') }}
),

rules as (
    select * from {{ ref('stg_loads__rules') }}
),

councils as (
    select * from {{ ref('councils') }}
),

-- the reference dates each return was checked at, in order
return_dates as (
    select distinct
        la_code,
        return_name,
        collection_year,
        reference_date
    from checks
),

sequenced as (
    select
        la_code,
        return_name,
        collection_year,
        reference_date,
        lag(reference_date) over (
            partition by la_code, return_name, collection_year order by reference_date
        ) as previous_reference_date,
        -- Cast: Spark's row_number() is an int, the contract's (and DuckDB's) a bigint.
        cast(row_number() over (
            partition by la_code, return_name, collection_year order by reference_date
        ) as bigint) as reference_date_number,
        row_number() over (
            partition by la_code, return_name, collection_year order by reference_date desc
        ) = 1 as is_latest_reference_date
    from return_dates
),

compared as (
    select
        checks.dfe_check_id,
        checks.la_code,
        checks.return_name,
        checks.collection_year,
        checks.reference_date,
        sequenced.previous_reference_date,
        sequenced.reference_date_number,
        sequenced.is_latest_reference_date,
        checks.rule_id,
        checks.dfe_severity,
        checks.rows_failing,
        -- blank where the rule was not checked at the previous date (a rule new to the
        -- warehouse since), or where there is no previous date
        previous.rows_failing as previous_rows_failing,
        checks.checked_at
    from checks
    inner join sequenced
        on
            checks.la_code = sequenced.la_code
            and checks.return_name = sequenced.return_name
            and checks.collection_year = sequenced.collection_year
            and checks.reference_date = sequenced.reference_date
    left join checks as previous
        on
            checks.la_code = previous.la_code
            and checks.collection_year = previous.collection_year
            and checks.rule_id = previous.rule_id
            and sequenced.previous_reference_date = previous.reference_date
),

final as (
    select
        -- ids
        compared.dfe_check_id as dfe_validation_id,
        compared.la_code,
        councils.la_name,
        -- the return
        compared.return_name,
        case compared.return_name
            when '903' then 'SSDA903'
            when 'cin' then 'CIN census'
        end as return_title,
        compared.collection_year,
        compared.reference_date,
        compared.reference_date_number,
        compared.is_latest_reference_date,
        compared.previous_reference_date,
        -- the rule, in the DfE's words as the warehouse lists them
        compared.rule_id,
        -- the id less its return and colon: 903:103 is rule 103
        substr(compared.rule_id, length(compared.return_name) + 2) as rule_code,
        compared.dfe_severity,
        rules.description as rule_message,
        -- measures
        compared.rows_failing,
        compared.previous_rows_failing,
        compared.rows_failing - compared.previous_rows_failing as change_in_rows,
        -- flags
        compared.rows_failing > 0 as is_failing,
        compared.dfe_severity = 'error' and compared.rows_failing > 0 as blocks_submission,
        compared.dfe_severity = 'query' and compared.rows_failing > 0 as needs_explanation,
        compared.checked_at
    from compared
    left join rules on compared.rule_id = rules.rule_id
    left join councils on compared.la_code = councils.ons_code
)

select * from final
