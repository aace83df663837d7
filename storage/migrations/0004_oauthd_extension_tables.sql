-- What oauthd stores beyond Mattermost's columns, in tables of its own keyed by Mattermost's ids (Mattermost's MySQL
-- schema has none of these columns, and a column added to its tables breaks Mattermost's SELECT * reads). A row
-- exists only when it has something to say: an app that Mattermost created, a code without PKCE or a grant without
-- an audience has none, and reads join with LEFT JOIN.

-- Per app: whether it was registered dynamically (RFC 7591), whether it may introspect every token as a resource
-- server does (RFC 7662; set by a system admin), and its client secret sealed under --secret-encryption-key (then
-- OAuthApps.ClientSecret holds a placeholder that matches no secret).
CREATE TABLE IF NOT EXISTS OAuthdApps (
  AppId varchar(26) NOT NULL,
  IsDynamicallyRegistered tinyint(1) NOT NULL DEFAULT 0,
  IsResourceServer tinyint(1) NOT NULL DEFAULT 0,
  ClientSecret varchar(255) DEFAULT NULL,
  PRIMARY KEY (AppId),
  KEY idx_oauthdapps_dynamic (IsDynamicallyRegistered)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Per pending code (keyed by OAuthAuthData.Code as stored): the PKCE challenge (RFC 7636) and the RFC 8707 resource.
CREATE TABLE IF NOT EXISTS OAuthdAuthData (
  Code varchar(128) NOT NULL,
  CodeChallenge varchar(128) NOT NULL DEFAULT '',
  CodeChallengeMethod varchar(10) NOT NULL DEFAULT '',
  Resource varchar(512) NOT NULL DEFAULT '',
  PRIMARY KEY (Code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- Per grant (the one OAuthAccessData row of a user and app): the RFC 8707 audience of its tokens, and, under
-- --secret-encryption-key, its refresh token sealed (OAuthAccessData.RefreshToken then holds only a digest to look
-- it up by; the sealed copy is what a repeated code exchange hands back, as Mattermost hands back the same pair).
CREATE TABLE IF NOT EXISTS OAuthdAccessData (
  ClientId varchar(26) NOT NULL,
  UserId varchar(26) NOT NULL,
  Audience varchar(512) NOT NULL DEFAULT '',
  RefreshToken varchar(255) DEFAULT NULL,
  PRIMARY KEY (ClientId, UserId)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
