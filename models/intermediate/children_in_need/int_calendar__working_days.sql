{{ config(materialized='table') }}

-- One row per day from calendar_start_date to calendar_end_date (vars), with whether it is
-- a working day (Monday to Friday, not an England bank holiday) and its working-day
-- number: the working days from the start of the calendar up to and including that day.
-- The working days after one day up to and including a later one are the difference of
-- their numbers, so an assessment started on a Friday and authorised the next Monday took
-- 1 working day. The spine is built from digits, so it needs no package and runs on any
-- engine; 1 January 2000 was a Saturday, which fixes the weekday of every day after it.

with

bank_holidays as (
    select * from {{ ref('england_bank_holidays') }}
),

digits as (
    {% for digit in range(10) %}
        select {{ digit }} as digit
        {% if not loop.last %}union all{% endif %}
    {% endfor %}
),

day_numbers as (
    select
        ten_thousands.digit * 10000
        + thousands.digit * 1000
        + hundreds.digit * 100
        + tens.digit * 10
        + units.digit as day_number
    from digits as ten_thousands
    cross join digits as thousands
    cross join digits as hundreds
    cross join digits as tens
    cross join digits as units
),

spine as (
    select
        day_number,
        cast({{ dbt.dateadd('day', 'day_number', "cast('2000-01-01' as date)") }} as date) as calendar_date,
        -- 0 = Monday ... 6 = Sunday (day 0 was a Saturday)
        mod(day_number + 5, 7) as weekday_number
    from day_numbers
),

in_range as (
    select spine.*
    from spine
    where
        spine.calendar_date >= cast('{{ var("calendar_start_date", "2000-01-01") }}' as date)
        and spine.calendar_date <= cast('{{ var("calendar_end_date", "2040-12-31") }}' as date)
),

flagged as (
    select
        in_range.calendar_date,
        in_range.weekday_number,
        in_range.weekday_number >= 5 as is_weekend,
        bank_holidays.holiday_date is not null as is_bank_holiday,
        bank_holidays.holiday_name,
        in_range.weekday_number < 5 and bank_holidays.holiday_date is null as is_working_day
    from in_range
    left join bank_holidays on in_range.calendar_date = bank_holidays.holiday_date
),

final as (
    select
        calendar_date,
        cast(weekday_number as integer) as weekday_number,
        is_weekend,
        is_bank_holiday,
        holiday_name,
        is_working_day,
        cast(sum(case when is_working_day then 1 else 0 end) over (
            order by calendar_date
            rows between unbounded preceding and current row
        ) as integer) as working_day_number
    from flagged
)

select * from final
