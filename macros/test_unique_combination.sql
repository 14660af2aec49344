{#- Generic test: no two rows of the model share the same values of `columns` (the
    primary key of a model whose key is several columns). -#}
{% test unique_combination(model, columns) %}
    select
        {{ columns | join(', ') }},
        count(*) as occurrences
    from {{ model }}
    group by {{ columns | join(', ') }}
    having count(*) > 1
{% endtest %}
