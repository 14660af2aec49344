-- Stitching never loses an episode: every episode of every current return is in
-- fct_episodes under the same council, child and start date.
select episodes.row_id
from {{ ref('stg_ssda903__episodes') }} as episodes
left join {{ ref('fct_episodes') }} as stitched
    on
        episodes.la_code = stitched.la_code
        and episodes.child_token = stitched.child_token
        and episodes.episode_start_date = stitched.episode_start_date
where stitched.episode_id is null
