with

current_rows as (
    {{ current_submission('placed_adoption') }}
),

final as (
    select
        {{ ssda903_lineage() }},
        {{ uk_date('dob') }} as birth_month,
        {{ uk_date('date_placed') }} as decision_date,
        {{ uk_date('date_placed_ceased') }} as decision_ceased_date,
        reason_placed_ceased as reason_decision_ceased_code
    from current_rows
)

select * from final
