-- Tables of oauthd's own for its security features; Mattermost never reads them. (Earlier releases also widened
-- OAuthAccessData.RefreshToken here to hold encrypted tokens; 0005 undoes that, and tokens are now stored in forms
-- that fit Mattermost's columns.)

-- --secret-rotation-grace: the one previous secret of an app that the token endpoint still accepts until ExpiresAt
-- (ms). ClientSecret is clear text, or sealed under --secret-encryption-key (storage/secret_cipher.h).
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
