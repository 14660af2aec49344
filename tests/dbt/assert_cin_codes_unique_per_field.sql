-- Each CIN census code appears once per code list, so decoding a value never doubles a row.
select
    field,
    code,
    count(*) as occurrences
from {{ ref('cin_codes') }}
group by field, code
having count(*) > 1
