-- Rows as a Mattermost v10 server writes them, for the tests that run oauthd on Mattermost's own schema
-- (tests/data/mattermost-mysql-schema.sql): an admin with a login session, a user who authorized an app (an OAuth
-- session and its access data), the built-in roles, the app, and a pending authorization code of the admin. Every
-- column is written as Mattermost's stores write it: JSON where it marshals maps, NULL only where its model holds a
-- pointer (AuthData, RemoteId). The code's CreateAt is "now", so it is still valid when a test loads this file.
--
-- Known values the tests use:
--   admin session token   mmadmintoken00000000000000
--   app id / secret       mmapp000000000000000000000 / mmappsecret000000000000000
--   app callback          https://mm-app.example.com/callback
--   user's access token   mmusertoken000000000000000   refresh token mmrefresh00000000000000000
--   pending code          mmcode0000000000000000000000000000000000000000000000 (for the admin)

INSERT INTO Roles (Id, Name, DisplayName, Description, CreateAt, UpdateAt, DeleteAt, Permissions, SchemeManaged, BuiltIn)
VALUES ('mmroleadmin000000000000000', 'system_admin', 'authentication.roles.global_admin.name',
        'authentication.roles.global_admin.description', 1700000000000, 1700000000000, 0,
        'manage_system manage_oauth manage_system_wide_oauth edit_other_users create_team', 1, 1),
       ('mmroleuser0000000000000000', 'system_user', 'authentication.roles.global_user.name',
        'authentication.roles.global_user.description', 1700000000000, 1700000000000, 0,
        'create_team create_group_channel', 1, 1);

INSERT INTO Users (Id, CreateAt, UpdateAt, DeleteAt, Username, Password, AuthData, AuthService, Email, EmailVerified,
                   Nickname, FirstName, LastName, Roles, AllowMarketing, Props, NotifyProps, LastPasswordUpdate,
                   LastPictureUpdate, FailedAttempts, Locale, MfaActive, MfaSecret, Position, Timezone, RemoteId,
                   LastLogin, MfaUsedTimestamps)
VALUES ('mmadmin0000000000000000000', 1700000000000, 1700000000000, 0, 'sysadmin',
        '$2a$10$3mIowZJd7aLkRpUUuV2vIeh3bOIT8Tq0MCaY1mcBKtU6zQ0YPk7vy', NULL, '', 'sysadmin@example.com', 1, '',
        'Sys', 'Admin', 'system_admin system_user', 0, '{}',
        '{"channel":"true","comments":"never","desktop":"mention","desktop_sound":"true","email":"true","first_name":"false","mention_keys":"","push":"mention","push_status":"away"}',
        1700000000000, 0, 0, 'en', 0, '', '',
        '{"automaticTimezone":"","manualTimezone":"","useAutomaticTimezone":"true"}', NULL, 1700000000000, 'null'),
       ('mmuser00000000000000000000', 1700000000001, 1700000000001, 0, 'alice',
        '$2a$10$3mIowZJd7aLkRpUUuV2vIeh3bOIT8Tq0MCaY1mcBKtU6zQ0YPk7vy', NULL, '', 'alice@example.com', 1, '',
        'Alice', '', 'system_user', 0, '{}',
        '{"channel":"true","comments":"never","desktop":"mention","desktop_sound":"true","email":"true","first_name":"false","mention_keys":"","push":"mention","push_status":"away"}',
        1700000000001, 0, 0, 'en', 0, '', '',
        '{"automaticTimezone":"","manualTimezone":"","useAutomaticTimezone":"true"}', NULL, 0, 'null');

INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, Roles, IsOAuth, Props,
                      ExpiredNotify)
VALUES ('mmsessionadmin000000000000', 'mmadmintoken00000000000000', 1700000000000, 0, 1700000000000,
        'mmadmin0000000000000000000', '', 'system_admin system_user', 0,
        '{"browser":"Chrome/120.0","csrf":"mmcsrf000000000000000000000","isSaml":"false","is_guest":"false","os":"Linux","platform":"Linux"}',
        0),
       ('mmsessionuseroauth00000000', 'mmusertoken000000000000000', 1700000000002, 4102444800000, 1700000000002,
        'mmuser00000000000000000000', '', 'system_user', 1,
        '{"browser":"OAuth2","csrf":"mmcsrf111111111111111111111","mattermost_app_id":"","oauth_app_id":"mmapp000000000000000000000","os":"OAuth2","platform":"Mattermost app"}',
        0);

INSERT INTO OAuthApps (Id, CreatorId, CreateAt, UpdateAt, ClientSecret, Name, Description, CallbackUrls, Homepage,
                       IsTrusted, IconURL, MattermostAppID)
VALUES ('mmapp000000000000000000000', 'mmadmin0000000000000000000', 1700000000000, 1700000000000,
        'mmappsecret000000000000000', 'Mattermost app', 'Made by Mattermost',
        '["https://mm-app.example.com/callback"]', 'https://mm-app.example.com', 0, '', '');

INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, Scope)
VALUES ('mmusertoken000000000000000', 'mmrefresh00000000000000000', 'https://mm-app.example.com/callback',
        'mmapp000000000000000000000', 'mmuser00000000000000000000', 4102444800000, 'user');

INSERT INTO OAuthAuthData (ClientId, UserId, Code, ExpiresIn, CreateAt, RedirectUri, State, Scope)
VALUES ('mmapp000000000000000000000', 'mmadmin0000000000000000000',
        'mmcode0000000000000000000000000000000000000000000000', 600, ROUND(UNIX_TIMESTAMP(NOW(3)) * 1000),
        'https://mm-app.example.com/callback', 'mmstate', 'user');

INSERT INTO Preferences (UserId, Category, Name, Value)
VALUES ('mmuser00000000000000000000', 'oauth_app', 'mmapp000000000000000000000', 'user'),
       ('mmuser00000000000000000000', 'display_settings', 'use_military_time', 'false');
