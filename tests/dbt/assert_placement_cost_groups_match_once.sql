-- A placement type is grouped either for any provider (one 'any' row) or provider by
-- provider (one row per PLACE_PROVIDER code), never both and never twice: so the join of
-- join_placement_group matches at most one row and never multiplies a placement.

select
    place_code,
    provider_rule
from {{ ref('placement_cost_groups') }}
group by place_code, provider_rule
having count(*) > 1

union all

select
    place_code,
    'any and a provider' as provider_rule
from {{ ref('placement_cost_groups') }}
group by place_code
having
    sum(case when provider_rule = 'any' then 1 else 0 end) > 0
    and count(*) > 1
