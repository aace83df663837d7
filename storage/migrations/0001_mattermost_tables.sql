-- Mattermost's own tables in exactly the shape its last MySQL migrations leave (Mattermost v10; the same statements
-- as tests/data/mattermost-mysql-schema.sql, which records where each column comes from). oauthd adds no column to
-- them and changes no type: what it stores beyond Mattermost lives in its own OAuthd* tables (0004). IF NOT EXISTS
-- leaves a database that Mattermost made as it is; a database that oauthd makes can later be adopted by a Mattermost
-- server.

CREATE TABLE IF NOT EXISTS Systems (
  Name  varchar(64) NOT NULL,
  Value text,
  PRIMARY KEY (Name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS Roles (
  Id            varchar(26) NOT NULL,
  Name          varchar(64) DEFAULT NULL,
  DisplayName   varchar(128) DEFAULT NULL,
  Description   text,
  CreateAt      bigint(20) DEFAULT NULL,
  UpdateAt      bigint(20) DEFAULT NULL,
  DeleteAt      bigint(20) DEFAULT NULL,
  Permissions   longtext,
  SchemeManaged tinyint(1) DEFAULT NULL,
  BuiltIn       tinyint(1) DEFAULT NULL,
  PRIMARY KEY (Id),
  UNIQUE KEY Name (Name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS Sessions (
  Id             varchar(26) NOT NULL,
  Token          varchar(26) DEFAULT NULL,
  CreateAt       bigint(20) DEFAULT NULL,
  ExpiresAt      bigint(20) DEFAULT NULL,
  LastActivityAt bigint(20) DEFAULT NULL,
  UserId         varchar(26) DEFAULT NULL,
  DeviceId       text,
  Roles          text,
  IsOAuth        tinyint(1) DEFAULT NULL,
  Props          json DEFAULT NULL,
  ExpiredNotify  tinyint(1) DEFAULT NULL,
  PRIMARY KEY (Id),
  KEY idx_sessions_user_id (UserId),
  KEY idx_sessions_token (Token),
  KEY idx_sessions_expires_at (ExpiresAt),
  KEY idx_sessions_create_at (CreateAt),
  KEY idx_sessions_last_activity_at (LastActivityAt)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS Users (
  Id                 varchar(26) NOT NULL,
  CreateAt           bigint(20) DEFAULT NULL,
  UpdateAt           bigint(20) DEFAULT NULL,
  DeleteAt           bigint(20) DEFAULT NULL,
  Username           varchar(64) DEFAULT NULL,
  Password           varchar(128) DEFAULT NULL,
  AuthData           varchar(128) DEFAULT NULL,
  AuthService        varchar(32) DEFAULT NULL,
  Email              varchar(128) DEFAULT NULL,
  EmailVerified      tinyint(1) DEFAULT NULL,
  Nickname           varchar(64) DEFAULT NULL,
  FirstName          varchar(64) DEFAULT NULL,
  LastName           varchar(64) DEFAULT NULL,
  Roles              text,
  AllowMarketing     tinyint(1) DEFAULT NULL,
  Props              json DEFAULT NULL,
  NotifyProps        json DEFAULT NULL,
  LastPasswordUpdate bigint(20) DEFAULT NULL,
  LastPictureUpdate  bigint(20) DEFAULT NULL,
  FailedAttempts     int(11) DEFAULT NULL,
  Locale             varchar(5) DEFAULT NULL,
  MfaActive          tinyint(1) DEFAULT NULL,
  MfaSecret          varchar(128) DEFAULT NULL,
  Position           varchar(128) DEFAULT NULL,
  Timezone           json DEFAULT NULL,
  RemoteId           varchar(26) DEFAULT NULL,
  LastLogin          bigint(20) NOT NULL DEFAULT 0,
  MfaUsedTimestamps  json DEFAULT NULL,
  PRIMARY KEY (Id),
  UNIQUE KEY Username (Username),
  UNIQUE KEY AuthData (AuthData),
  UNIQUE KEY Email (Email),
  KEY idx_users_update_at (UpdateAt),
  KEY idx_users_create_at (CreateAt),
  KEY idx_users_delete_at (DeleteAt),
  FULLTEXT KEY idx_users_all_txt (Username, FirstName, LastName, Nickname, Email),
  FULLTEXT KEY idx_users_all_no_full_name_txt (Username, Nickname, Email),
  FULLTEXT KEY idx_users_names_txt (Username, FirstName, LastName, Nickname),
  FULLTEXT KEY idx_users_names_no_full_name_txt (Username, Nickname)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS Preferences (
  UserId   varchar(26) NOT NULL,
  Category varchar(32) NOT NULL,
  Name     varchar(32) NOT NULL,
  Value    text,
  PRIMARY KEY (UserId, Category, Name),
  KEY idx_preferences_category (Category),
  KEY idx_preferences_name (Name)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS OAuthApps (
  Id              varchar(26) NOT NULL,
  CreatorId       varchar(26) DEFAULT NULL,
  CreateAt        bigint(20) DEFAULT NULL,
  UpdateAt        bigint(20) DEFAULT NULL,
  ClientSecret    varchar(128) DEFAULT NULL,
  Name            varchar(64) DEFAULT NULL,
  Description     text,
  CallbackUrls    text,
  Homepage        text,
  IsTrusted       tinyint(1) DEFAULT NULL,
  IconURL         text,
  MattermostAppID varchar(32) NOT NULL DEFAULT '',
  PRIMARY KEY (Id),
  KEY idx_oauthapps_creator_id (CreatorId)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS OAuthAuthData (
  ClientId    varchar(26) DEFAULT NULL,
  UserId      varchar(26) DEFAULT NULL,
  Code        varchar(128) NOT NULL,
  ExpiresIn   int(11) DEFAULT NULL,
  CreateAt    bigint(20) DEFAULT NULL,
  RedirectUri text,
  State       text,
  Scope       varchar(128) DEFAULT NULL,
  PRIMARY KEY (Code)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;

CREATE TABLE IF NOT EXISTS OAuthAccessData (
  Token        varchar(26) NOT NULL,
  RefreshToken varchar(26) DEFAULT NULL,
  RedirectUri  text,
  ClientId     varchar(26) DEFAULT NULL,
  UserId       varchar(26) DEFAULT NULL,
  ExpiresAt    bigint(20) DEFAULT NULL,
  Scope        varchar(128) DEFAULT NULL,
  PRIMARY KEY (Token),
  UNIQUE KEY ClientId (ClientId, UserId),
  KEY idx_oauthaccessdata_user_id (UserId),
  KEY idx_oauthaccessdata_refresh_token (RefreshToken)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
