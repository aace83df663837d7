-- The schema of the previous release (oauthd before the layout of migration 0005): its migrations 0001 and 0002
-- as they were, for the upgrade test (tests/integration/layout_upgrade_test.cc). Not used by oauthd itself.

-- Mattermost's tables with Mattermost's names and columns (spec §8). IF NOT EXISTS keeps this harmless on a
-- database Mattermost already created. Every column not named in spec §8 has a default, so an INSERT that names
-- only the spec's columns succeeds.

CREATE TABLE IF NOT EXISTS OAuthApps (
  Id varchar(26) NOT NULL,
  CreatorId varchar(26) DEFAULT NULL,
  CreateAt bigint(20) DEFAULT NULL,
  UpdateAt bigint(20) DEFAULT NULL,
  ClientSecret varchar(128) DEFAULT NULL,
  Name varchar(64) DEFAULT NULL,
  Description text,
  IconURL text,
  CallbackUrls text,
  Homepage text,
  IsTrusted tinyint(1) DEFAULT NULL,
  MattermostAppID varchar(32) NOT NULL DEFAULT '',
  IsDynamicallyRegistered tinyint(1) DEFAULT 0,
  PRIMARY KEY (Id),
  KEY idx_oauthapps_creator_id (CreatorId, CreateAt),
  KEY idx_oauthapps_create_at (CreateAt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS OAuthAuthData (
  ClientId varchar(26) DEFAULT NULL,
  UserId varchar(26) DEFAULT NULL,
  Code varchar(128) NOT NULL,
  ExpiresIn int(11) DEFAULT NULL,
  CreateAt bigint(20) DEFAULT NULL,
  RedirectUri text,
  State text,
  Scope varchar(128) DEFAULT NULL,
  CodeChallenge varchar(128) DEFAULT '',
  CodeChallengeMethod varchar(10) DEFAULT '',
  Resource varchar(512) DEFAULT '',
  PRIMARY KEY (Code),
  KEY idx_oauthauthdata_user_client (UserId, ClientId)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS OAuthAccessData (
  Token varchar(26) NOT NULL,
  RefreshToken varchar(26) DEFAULT NULL,
  RedirectUri text,
  ClientId varchar(26) DEFAULT NULL,
  UserId varchar(26) DEFAULT NULL,
  ExpiresAt bigint(20) DEFAULT NULL,
  Scope varchar(128) DEFAULT NULL,
  Audience varchar(512) DEFAULT '',
  PRIMARY KEY (Token),
  UNIQUE KEY ClientId (ClientId, UserId),
  KEY idx_oauthaccessdata_refresh_token (RefreshToken),
  KEY idx_oauthaccessdata_user_id (UserId)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS Sessions (
  Id varchar(26) NOT NULL,
  Token varchar(26) DEFAULT NULL,
  CreateAt bigint(20) DEFAULT NULL,
  ExpiresAt bigint(20) DEFAULT NULL,
  LastActivityAt bigint(20) DEFAULT NULL,
  UserId varchar(26) DEFAULT NULL,
  DeviceId text,
  Roles varchar(64) DEFAULT NULL,
  IsOAuth tinyint(1) DEFAULT NULL,
  ExpiredNotify tinyint(1) DEFAULT NULL,
  Props json DEFAULT NULL,
  PRIMARY KEY (Id),
  KEY idx_sessions_user_id (UserId),
  KEY idx_sessions_token (Token),
  KEY idx_sessions_expires_at (ExpiresAt),
  KEY idx_sessions_create_at (CreateAt),
  KEY idx_sessions_last_activity_at (LastActivityAt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS Users (
  Id varchar(26) NOT NULL,
  CreateAt bigint(20) DEFAULT 0,
  UpdateAt bigint(20) DEFAULT 0,
  DeleteAt bigint(20) DEFAULT 0,
  Username varchar(64) DEFAULT NULL,
  Password varchar(128) DEFAULT '',
  AuthService varchar(32) DEFAULT '',
  Email varchar(128) DEFAULT NULL,
  EmailVerified tinyint(1) DEFAULT 0,
  Nickname varchar(64) DEFAULT '',
  FirstName varchar(64) DEFAULT '',
  LastName varchar(64) DEFAULT '',
  Roles varchar(256) DEFAULT '',
  MfaActive tinyint(1) DEFAULT 0,
  Locale varchar(5) DEFAULT 'en',
  PRIMARY KEY (Id),
  UNIQUE KEY Username (Username),
  UNIQUE KEY Email (Email)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS Roles (
  Id varchar(26) NOT NULL,
  Name varchar(64) DEFAULT NULL,
  DisplayName varchar(128) DEFAULT NULL,
  Description text,
  CreateAt bigint(20) DEFAULT NULL,
  UpdateAt bigint(20) DEFAULT NULL,
  DeleteAt bigint(20) DEFAULT NULL,
  Permissions text,
  SchemeManaged tinyint(1) DEFAULT NULL,
  BuiltIn tinyint(1) DEFAULT NULL,
  PRIMARY KEY (Id),
  UNIQUE KEY Name (Name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS Preferences (
  UserId varchar(26) NOT NULL,
  Category varchar(32) NOT NULL,
  Name varchar(32) NOT NULL,
  Value text,
  PRIMARY KEY (UserId, Category, Name),
  KEY idx_preferences_category (Category),
  KEY idx_preferences_name (Name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

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
