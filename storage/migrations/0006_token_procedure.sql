-- oauthd_issue_token: the whole write of a token exchange (code, refresh or implicit grant) in one CALL, so that it
-- costs one round trip and one statement dispatch instead of five to seven (bench/README.md, "The token exchange in
-- two round trips"). Every decision is oauthd's; this only applies them atomically:
--   * p_code, p_code_digest: the redeemed code's stored forms (NULL: not a code redemption). The code goes with its
--     OAuthdAuthData row; if it is already gone, nothing is written ('code_gone'): a code is redeemed once.
--   * the grant row of (p_client, p_user) is a compare-and-swap: with p_replaced it must still hold that token (its
--     session is then deleted), without it there must be no row yet; otherwise nothing is written ('changed').
--   * the new session, then oauthd's part of the grant (a new audience; under a key, the sealed refresh token).
-- The answer is one row with one column, outcome: 'ok', 'code_gone' or 'changed'. A database error rolls back and
-- reaches the caller as it is (a deadlock or a certification failure is retried there: the swap makes that safe).
-- The write is idempotent: p_token is new and unique, so a grant row that already holds it means an earlier CALL with
-- these values committed (its answer was lost with the connection); the same CALL then answers 'ok' again.
-- SQL SECURITY INVOKER: it runs with the privileges of the user that calls it (oauthd serve's), not of the user that
-- migrated, who may be gone later. That user needs EXECUTE; the migrating one CREATE ROUTINE and ALTER ROUTINE.
DROP PROCEDURE IF EXISTS oauthd_issue_token;

DELIMITER $$
CREATE PROCEDURE oauthd_issue_token(
  IN p_code VARCHAR(128), IN p_code_digest VARCHAR(128), IN p_client VARCHAR(26), IN p_user VARCHAR(26),
  IN p_replaced VARCHAR(26), IN p_session VARCHAR(26), IN p_token VARCHAR(26), IN p_create_at BIGINT,
  IN p_expires_at BIGINT, IN p_grant_expires_at BIGINT, IN p_roles TEXT, IN p_props TEXT,
  IN p_refresh VARCHAR(26), IN p_redirect TEXT, IN p_scope VARCHAR(128), IN p_audience VARCHAR(512),
  IN p_refresh_sealed VARCHAR(255))
  MODIFIES SQL DATA
  SQL SECURITY INVOKER
proc: BEGIN
  DECLARE taken INT DEFAULT 0;
  DECLARE EXIT HANDLER FOR SQLEXCEPTION
  BEGIN
    ROLLBACK;
    RESIGNAL;
  END;
  START TRANSACTION;
  IF p_code IS NOT NULL THEN
    DELETE d, x FROM OAuthAuthData d LEFT JOIN OAuthdAuthData x ON x.Code = d.Code
      WHERE d.Code IN (p_code, p_code_digest);
    IF ROW_COUNT() = 0 THEN
      ROLLBACK;
      SELECT IF(EXISTS (SELECT 1 FROM OAuthAccessData WHERE Token = p_token), 'ok', 'code_gone') AS outcome;
      LEAVE proc;
    END IF;
  END IF;
  -- The grant row first: it is what two racing callers both want, so the loser waits on its lock (or, on a
  -- cluster, fails certification) before anything else is written.
  IF p_replaced IS NOT NULL THEN
    UPDATE OAuthAccessData SET Token = p_token, RefreshToken = p_refresh, RedirectUri = p_redirect,
        ExpiresAt = p_grant_expires_at, Scope = p_scope
      WHERE ClientId = p_client AND UserId = p_user AND BINARY Token = p_replaced;
    IF ROW_COUNT() = 0 THEN
      ROLLBACK;
      SELECT IF(EXISTS (SELECT 1 FROM OAuthAccessData WHERE Token = p_token), 'ok', 'changed') AS outcome;
      LEAVE proc;
    END IF;
    -- The replaced session may be gone already (expired sessions are cleaned up); that is fine.
    DELETE FROM Sessions WHERE Token = p_replaced;
  ELSE
    BEGIN
      DECLARE CONTINUE HANDLER FOR 1062 SET taken = 1;
      INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, Scope)
        VALUES (p_token, p_refresh, p_redirect, p_client, p_user, p_grant_expires_at, p_scope);
    END;
    IF taken THEN
      ROLLBACK;
      SELECT IF(EXISTS (SELECT 1 FROM OAuthAccessData WHERE Token = p_token), 'ok', 'changed') AS outcome;
      LEAVE proc;
    END IF;
  END IF;
  INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, Roles, IsOAuth,
                        ExpiredNotify, Props)
    VALUES (p_session, p_token, p_create_at, p_expires_at, p_create_at, p_user, '', p_roles, 1, 0, p_props);
  -- A grant keeps its audience when a new token comes without one (Mattermost's rule).
  IF p_audience <> '' OR p_refresh_sealed IS NOT NULL THEN
    INSERT INTO OAuthdAccessData (ClientId, UserId, Audience, RefreshToken)
      VALUES (p_client, p_user, p_audience, p_refresh_sealed)
      ON DUPLICATE KEY UPDATE Audience = IF(VALUES(Audience) = '', Audience, VALUES(Audience)),
        RefreshToken = VALUES(RefreshToken);
  END IF;
  COMMIT;
  SELECT 'ok' AS outcome;
END $$
DELIMITER ;
