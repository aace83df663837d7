-- What oauthd adds to Mattermost's schema for its security features. Mattermost never reads these tables, and the
-- one change to its own tables only widens a column, so a database stays shareable with a Mattermost server.

-- An encrypted refresh token ("oe1:KEYID:..." of a 26-character token) is 85 characters (storage/secret_cipher.h).
-- Widening keeps every value Mattermost writes valid.
ALTER TABLE OAuthAccessData MODIFY RefreshToken varchar(128) DEFAULT NULL;

-- --secret-rotation-grace: the one previous secret of an app that the token endpoint still accepts until ExpiresAt
-- (ms). ClientSecret is stored like OAuthApps.ClientSecret (encrypted under --secret-encryption-key).
CREATE TABLE IF NOT EXISTS OAuthdPreviousSecrets (
  AppId varchar(26) NOT NULL,
  ClientSecret varchar(128) NOT NULL,
  ExpiresAt bigint(20) NOT NULL,
  PRIMARY KEY (AppId)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

-- --dcr-idle-ttl: when a dynamically registered client last got a token (ms).
CREATE TABLE IF NOT EXISTS OAuthdClientActivity (
  ClientId varchar(26) NOT NULL,
  LastTokenAt bigint(20) NOT NULL,
  PRIMARY KEY (ClientId)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
