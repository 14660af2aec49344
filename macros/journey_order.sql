{#- The order of events in a child's journey: by date, then by stage in pathway order, then
    by the event's place within its stage (a start before its end), then by event type, so
    events on one day come out in pathway order and the order never depends on how the
    engine reads rows. `relation` is the alias of a relation of pathway events. -#}
{% macro journey_order(relation) -%}
    {{ relation }}.event_date,
    {{ relation }}.stage_order,
    {{ relation }}.event_order,
    {{ relation }}.event_type
{%- endmacro %}
