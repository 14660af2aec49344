{#- The columns every Annex A child list starts with, typed: gender and ethnicity as the
    council's lettered label, sex read from the gender label, date of birth and age. -#}
{% macro annex_a_child_columns() -%}
    nullif(trim(gender), '') as gender_label,
    case
        when lower(gender) like '%female%' then 'Female'
        when lower(gender) like '%male%' then 'Male'
        when lower(gender) like '%neither%' then 'Neither'
        when lower(gender) like '%not stated%' or lower(gender) like '%not recorded%' then 'Not stated'
    end as sex,
    nullif(trim(ethnicity), '') as ethnicity_label,
    {{ iso_date('date_of_birth') }} as birth_date,
    {{ text_to_integer('age_of_child_years') }} as age_years
{%- endmacro %}
