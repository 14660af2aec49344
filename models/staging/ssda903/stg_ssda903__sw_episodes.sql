with

current_rows as (
    {{ current_submission('sw_episodes') }}
),

final as (
    select
        {{ ssda903_lineage() }},
        {{ uk_date('dob') }} as birth_month,
        sw_id as social_worker_token,
        {{ uk_date('sw_decom') }} as social_worker_start_date,
        {{ uk_date('sw_dec') }} as social_worker_end_date,
        sw_reason as social_worker_change_reason_code
    from current_rows
)

select * from final
