-- Stitching never loses a referral: every dated referral of every current CIN census is
-- in the stitched referrals under the same council, child and referral date.
select referrals.row_id
from {{ ref('stg_cin_census__referrals') }} as referrals
left join {{ ref('int_children_in_need__referrals_stitched') }} as stitched
    on
        referrals.la_code = stitched.la_code
        and referrals.child_token = stitched.child_token
        and referrals.referral_date = stitched.referral_date
where referrals.referral_date is not null and stitched.referral_id is null
