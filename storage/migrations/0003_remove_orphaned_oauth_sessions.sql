-- OAuth sessions that no access data names. Earlier releases could leave them when two refreshes of one token, or
-- two first redemptions for one user and app, ran at once (and Mattermost's implicit grant leaves one when the user
-- already holds a grant): the losing session kept working, and deauthorizing or deleting the app, which find
-- sessions through OAuthAccessData.Token, could not reach it. Token issuance is now a compare-and-swap on the
-- access-data row, so no new ones appear; this removes those that exist.
DELETE s FROM Sessions s LEFT JOIN OAuthAccessData a ON a.Token = s.Token WHERE s.IsOAuth = 1 AND a.Token IS NULL;
