{#- The collection year after one written '2023-24': '2024-25'. -#}
{% macro next_collection_year(collection_year) -%}
    (
        cast(cast(substr({{ collection_year }}, 1, 4) as integer) + 1 as {{ dbt.type_string() }})
        || '-'
        || substr(cast(cast(substr({{ collection_year }}, 1, 4) as integer) + 2 as {{ dbt.type_string() }}), 3, 2)
    )
{%- endmacro %}

{#- How a value moved from the year before: 'up', 'down' or 'same' (equal to one decimal
    place, the precision the pack shows); null when either year has no value. -#}
{% macro direction_of_travel(value, previous_value) -%}
    case
        when {{ value }} is null or {{ previous_value }} is null then null
        when {{ round_places(value, 1) }} > {{ round_places(previous_value, 1) }} then 'up'
        when {{ round_places(value, 1) }} < {{ round_places(previous_value, 1) }} then 'down'
        else 'same'
    end
{%- endmacro %}

{#- Whether that move is good news by the indicator's polarity: 'better', 'worse', 'same',
    or 'neutral' where higher is neither better nor worse; null when not comparable. -#}
{% macro travel_assessment(value, previous_value, polarity) -%}
    case
        when {{ value }} is null or {{ previous_value }} is null then null
        when {{ round_places(value, 1) }} = {{ round_places(previous_value, 1) }} then 'same'
        when {{ polarity }} = 'higher_is_better'
            then case when {{ value }} > {{ previous_value }} then 'better' else 'worse' end
        when {{ polarity }} = 'lower_is_better'
            then case when {{ value }} < {{ previous_value }} then 'better' else 'worse' end
        else 'neutral'
    end
{%- endmacro %}
