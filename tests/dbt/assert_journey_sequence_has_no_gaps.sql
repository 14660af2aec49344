-- Each child's journey is numbered 1, 2, 3 ... with no gaps or repeats: the sequence of
-- a child's last event equals the number of events the child has.
select
    child_key,
    count(*) as events,
    max(event_sequence) as last_sequence
from {{ ref('fct_child_journey_events') }}
group by child_key
having count(*) <> max(event_sequence) or min(event_sequence) <> 1
