{#- A CIN module's rows (assessments, CIN plans, section 47 enquiries or CP plans) with the
    date of the referral each was recorded under in the same return. -#}
{% macro with_referral_date(module, referrals) -%}
    select
        {{ module }}.*,
        {{ referrals }}.referral_date
    from {{ module }}
    left join {{ referrals }}
        on
            {{ module }}.la_code = {{ referrals }}.la_code
            and {{ module }}.collection_year = {{ referrals }}.collection_year
            and {{ module }}.child_number = {{ referrals }}.child_number
            and {{ module }}.referral_number = {{ referrals }}.referral_number
{%- endmacro %}
