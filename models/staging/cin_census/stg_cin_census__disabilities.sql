with

current_rows as (
    {{ current_submission('disabilities', 'cin_census') }}
),

typed as (
    select
        {{ return_lineage('lachildid') }},
        _child_number as child_number,
        _item_number as item_number,
        nullif(trim(disability), '') as disability_code
    from current_rows
),

final as (
    select
        typed.*,
        {{ decoded('Disability', 'typed.disability_code', 'disability') }}
    from typed
    {{ join_code('Disability', 'typed.disability_code', 'cin_codes') }}
)

select * from final
