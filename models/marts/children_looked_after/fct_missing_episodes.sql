-- Missing and away-without-authorisation episodes across returns: a council, a child and a
-- start date identify one; the latest return's version wins, as for care episodes.

with

missing as (
    select * from {{ council_rows('stg_ssda903__missing') }}
),

versions as (
    {{ return_versions('missing', 'missing_start_date') }}
),

final as (
    select
        la_code || ':' || child_token || ':' || cast(missing_start_date as {{ dbt.type_string() }})
            as missing_episode_id,
        la_code || ':' || child_token as child_key,
        la_code,
        child_token,
        missing_type_code,
        case missing_type_code
            when 'M' then 'Missing from placement'
            when 'A' then 'Away from placement without authorisation'
        end as missing_type,
        missing_start_date,
        missing_end_date,
        cast({{ dbt.datediff('missing_start_date', 'missing_end_date', 'day') }} as integer) as duration_days,
        missing_end_date is null as is_open,
        first_collection_year,
        collection_year as source_collection_year,
        source_file,
        source_row
    from versions
    where version_rank = 1
)

select * from final
