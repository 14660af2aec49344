-- For each council's in-year CIN census (a return whose reference date is before 31
-- March), the same months of the year before: from 1 April of the previous collection
-- year to the same day a year before the census's date, counted in the previous year's
-- census by the rules the in-year figures follow (int_children_in_need__indicator_values):
-- referrals received and section 47 enquiries started in those months, and the children
-- in need and the children on a child protection plan on that day. The numerators of
-- referrals_per_10k, s47_per_10k, cin_rate_per_10k and cpp_rate_per_10k; percentages
-- are not compared. No previous census, no row.

with

header as (
    select * from {{ council_rows('stg_cin_census__header') }}
),

children as (
    select * from {{ council_rows('stg_cin_census__children') }}
),

referrals as (
    select * from {{ council_rows('stg_cin_census__referrals') }}
),

section47 as (
    select * from {{ council_rows('stg_cin_census__section47') }}
),

cp_plans as (
    select * from {{ council_rows('stg_cin_census__cp_plans') }}
),

returns as (
    select
        la_code,
        collection_year,
        year_ending,
        year_start_date,
        reference_date
    from header
    union
    select
        la_code,
        collection_year,
        year_ending,
        year_start_date,
        reference_date
    from children
),

in_year as (
    {{ same_months_a_year_before('returns') }}
),

-- referrals received in those months, each once
referrals_received as (
    select
        in_year.la_code,
        in_year.collection_year,
        referrals.child_token,
        referrals.referral_date
    from in_year
    inner join referrals
        on
            in_year.la_code = referrals.la_code
            and in_year.previous_collection_year = referrals.collection_year
    where referrals.referral_date between in_year.same_months_from and in_year.same_months_to
    group by in_year.la_code, in_year.collection_year, referrals.child_token, referrals.referral_date
),

referral_counts as (
    select
        la_code,
        collection_year,
        count(*) as referrals
    from referrals_received
    group by la_code, collection_year
),

-- children with a referral open on the day that was not a no-further-action one
children_in_need as (
    select
        in_year.la_code,
        in_year.collection_year,
        count(distinct referrals.child_token) as children_in_need
    from in_year
    inner join referrals
        on
            in_year.la_code = referrals.la_code
            and in_year.previous_collection_year = referrals.collection_year
    where
        referrals.referral_date <= in_year.same_months_to
        and (referrals.closure_date is null or referrals.closure_date > in_year.same_months_to)
        and not referrals.is_referral_nfa
    group by in_year.la_code, in_year.collection_year
),

-- section 47 enquiries started in those months, each once
enquiries_started as (
    select
        in_year.la_code,
        in_year.collection_year,
        section47.child_token,
        section47.s47_start_date
    from in_year
    inner join section47
        on
            in_year.la_code = section47.la_code
            and in_year.previous_collection_year = section47.collection_year
    where section47.s47_start_date between in_year.same_months_from and in_year.same_months_to
    group by in_year.la_code, in_year.collection_year, section47.child_token, section47.s47_start_date
),

enquiry_counts as (
    select
        la_code,
        collection_year,
        count(*) as s47_started
    from enquiries_started
    group by la_code, collection_year
),

-- children on a child protection plan on the day
children_on_plans as (
    select
        in_year.la_code,
        in_year.collection_year,
        count(distinct cp_plans.child_token) as children_on_cp_plans
    from in_year
    inner join cp_plans
        on
            in_year.la_code = cp_plans.la_code
            and in_year.previous_collection_year = cp_plans.collection_year
    where
        cp_plans.cp_plan_start_date <= in_year.same_months_to
        and (cp_plans.cp_plan_end_date is null or cp_plans.cp_plan_end_date > in_year.same_months_to)
    group by in_year.la_code, in_year.collection_year
),

-- only where the previous year's census was loaded
previous_returns as (
    select in_year.*
    from in_year
    inner join returns
        on
            in_year.la_code = returns.la_code
            and in_year.previous_collection_year = returns.collection_year
),

counted as (
    select
        previous_returns.*,
        coalesce(referral_counts.referrals, 0) as referrals,
        coalesce(children_in_need.children_in_need, 0) as children_in_need,
        coalesce(enquiry_counts.s47_started, 0) as s47_started,
        coalesce(children_on_plans.children_on_cp_plans, 0) as children_on_cp_plans
    from previous_returns
    left join referral_counts
        on
            previous_returns.la_code = referral_counts.la_code
            and previous_returns.collection_year = referral_counts.collection_year
    left join children_in_need
        on
            previous_returns.la_code = children_in_need.la_code
            and previous_returns.collection_year = children_in_need.collection_year
    left join enquiry_counts
        on
            previous_returns.la_code = enquiry_counts.la_code
            and previous_returns.collection_year = enquiry_counts.collection_year
    left join children_on_plans
        on
            previous_returns.la_code = children_on_plans.la_code
            and previous_returns.collection_year = children_on_plans.collection_year
),

measures as (
    select
        *,
        'referrals_per_10k' as indicator,
        true as is_flow,
        referrals as same_months_value
    from counted
    union all
    select
        *,
        's47_per_10k' as indicator,
        true as is_flow,
        s47_started as same_months_value
    from counted
    union all
    select
        *,
        'cin_rate_per_10k' as indicator,
        false as is_flow,
        children_in_need as same_months_value
    from counted
    union all
    select
        *,
        'cpp_rate_per_10k' as indicator,
        false as is_flow,
        children_on_cp_plans as same_months_value
    from counted
),

final as (
    select
        la_code || ':' || collection_year || ':' || indicator as same_months_id,
        la_code,
        collection_year,
        reference_date,
        indicator,
        is_flow,
        same_months_from,
        same_months_to,
        previous_collection_year,
        cast(same_months_value as bigint) as same_months_value
    from measures
)

select * from final
