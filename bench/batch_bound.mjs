// The SQL of one client's share of bench/batch_bound.sh's workload, on stdout, one statement (or one batch of
// statements) per line:
//   node bench/batch_bound.mjs MODE APP FIRST COUNT
//     MODE   single: what oauthd sends per first-code exchange today (storage/grant_store.cc): the exchange read
//            and one CALL of oauthd_issue_token (migration 0006);
//            batchB: B exchanges at once, as a set-based design would send them: one read of the B codes, then one
//            transaction with one multi-row statement per table and one COMMIT
//            blockB: the batch as one anonymous compound statement that checks every code was there before it
//            writes (what oauthd sends for a batch of first grants, storage/issue_batch.cc)
//            writesB: each exchange's read alone (as today), the writes as blockB's
//            pipeB: B exchanges' statements unchanged, but sent B at a time in one packet (the B reads, then the B
//            CALLs), as a client that queues statements for a busy connection could send them
//            refreshB: B refreshes at once, as oauthd sends a batch of them (storage/issue_batch.cc): one read of the B
//            refresh tokens, then a compound statement with one compare-and-swap UPDATE per grant, the DELETE of the
//            replaced sessions and one INSERT of the new ones
//     APP    the app whose codes are spent (seeded by batch_bound.sh: code c<APP number>x<user number>), or for
//            refreshB whose grants are refreshed (token o<APP number>x<user>, refresh token q…, session p…)
//     FIRST  the first user number; COUNT exchanges from there
// The reads' columns and joins are those of CodeExchangeSql and RefreshExchangeSql; keep them in step when those change.
const [mode, app, firstArg, countArg] = process.argv.slice(2);
const first = Number(firstArg);
const count = Number(countArg);
if (!/^(single|(batch|block|writes|pipe|refresh)[1-9][0-9]*)$/.test(mode || '') || !/^pa[0-9]{24}$/.test(app || '') ||
    !(first >= 1) || !(count >= 1)) {
  console.error('usage: batch_bound.mjs single|batchB|blockB|writesB|pipeB|refreshB APP FIRST COUNT');
  process.exit(2);
}

const appNumber = Number(app.slice(2));
const id = (prefix, n) => prefix + String(n).padStart(26 - prefix.length, '0');
// A new session's, token's or refresh token's id: the letter, the app's number, then the user's.
const newId = (letter, n) => id(`${letter}${appNumber}x`, n);
const code = (n) => `c${appNumber}x${String(n).padStart(40, '0')}`;
// A grant seeded for refreshB: its token, and its refresh token.
const oldToken = (n) => id(`o${appNumber}x`, n);
const oldRefresh = (n) => id(`q${appNumber}x`, n);
// Values in their two stored forms (clear and, as a stand-in for the digest, 'x' first), as LookupForms gives them.
const storedForms = (values) => values.map((v) => `'${v}', 'x${v}'`).join(', ');
const now = 1796544670450;
const expires = now + 30 * 24 * 3600 * 1000;
const callback = 'https://app.example.com/cb';

const appColumns = 'o.Id, o.CreatorId, o.CreateAt, o.UpdateAt, o.ClientSecret, o.Name, o.Description, o.IconURL, ' +
  'o.CallbackUrls, o.Homepage, o.IsTrusted, o.MattermostAppID, x.IsDynamicallyRegistered, x.ClientSecret, ' +
  'x.IsResourceServer, ps.ClientSecret, ps.ExpiresAt';
const codeColumns = 'd.ClientId, d.UserId, d.Code, d.ExpiresIn, d.CreateAt, d.RedirectUri, d.State, d.Scope, ' +
  'dx.CodeChallenge, dx.CodeChallengeMethod, dx.Resource';
const userColumns = 'u.Id, u.CreateAt, u.UpdateAt, u.DeleteAt, u.Username, u.Email, u.Roles, u.MfaActive, u.Locale';
const accessColumns = 'a.Token, a.RefreshToken, a.RedirectUri, a.ClientId, a.UserId, a.ExpiresAt, a.Scope, ' +
  'g.Audience, g.RefreshToken';
// Both exchange reads begin with the app, whether or not the value presented is found.
const appFrom = `FROM (SELECT 1) one LEFT JOIN OAuthApps o ON o.Id = '${app}' LEFT JOIN OAuthdApps x ON x.AppId = o.Id ` +
  'LEFT JOIN OAuthdPreviousSecrets ps ON ps.AppId = o.Id ';

// The exchange read for the users `ns`.
function read(ns) {
  return `SELECT ${appColumns}, ${codeColumns}, ${userColumns}, ${accessColumns}, s.Id ${appFrom}` +
    `LEFT JOIN OAuthAuthData d ON d.Code IN (${storedForms(ns.map(code))}) ` +
    'LEFT JOIN OAuthdAuthData dx ON dx.Code = d.Code ' +
    'LEFT JOIN Users u ON u.Id = d.UserId ' +
    'LEFT JOIN OAuthAccessData a ON a.ClientId = d.ClientId AND a.UserId = d.UserId ' +
    'LEFT JOIN OAuthdAccessData g ON g.ClientId = a.ClientId AND g.UserId = a.UserId ' +
    'LEFT JOIN Sessions s ON s.Token = a.Token;';
}

function call(n) {
  const args = [`'${code(n)}'`, `'x${code(n)}'`, `'${app}'`, `'${id('pu', n)}'`, 'NULL', `'${newId('s', n)}'`,
    `'${newId('t', n)}'`, now, expires, expires, "'system_user'", "'{}'", `'${newId('r', n)}'`,
    `'${callback}'`, "'user'", "''", 'NULL'];
  return `CALL oauthd_issue_token(${args.join(', ')});`;
}

// The rows a batch of the users `ns` writes, as SQL lists: the codes' stored forms, the grants and the sessions.
function batchRows(ns) {
  return {
    forms: storedForms(ns.map(code)),
    grants: ns.map((n) => `('${newId('t', n)}', '${newId('r', n)}', '${callback}', '${app}', ` +
      `'${id('pu', n)}', ${expires}, 'user')`).join(', '),
    sessions: ns.map((n) => `('${newId('s', n)}', '${newId('t', n)}', ${now}, ${expires}, ` +
      `${now}, '${id('pu', n)}', '', 'system_user', 1, 0, '{}')`).join(', '),
  };
}

function writeBatch(ns) {
  const { forms, grants, sessions } = batchRows(ns);
  return 'START TRANSACTION; ' +
    `DELETE d, x FROM OAuthAuthData d LEFT JOIN OAuthdAuthData x ON x.Code = d.Code WHERE d.Code IN (${forms}); ` +
    'INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, Scope) ' +
    `VALUES ${grants}; ` +
    'INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, Roles, IsOAuth, ' +
    `ExpiredNotify, Props) VALUES ${sessions}; COMMIT;`;
}

function writeBlock(ns) {
  const { forms, grants, sessions } = batchRows(ns);
  return 'BEGIN NOT ATOMIC DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END; START TRANSACTION; ' +
    `DELETE FROM OAuthAuthData WHERE Code IN (${forms}); ` +
    `IF ROW_COUNT() <> ${ns.length} THEN ROLLBACK; SELECT 'split' AS outcome; ELSE ` +
    `DELETE FROM OAuthdAuthData WHERE Code IN (${forms}); ` +
    'INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, UserId, ExpiresAt, Scope) ' +
    `VALUES ${grants}; ` +
    'INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, Roles, IsOAuth, ' +
    `ExpiredNotify, Props) VALUES ${sessions}; COMMIT; SELECT 'ok' AS outcome; END IF; END //`;
}

// The refresh read for the users `ns`: the app, then the grants holding their refresh tokens.
function refreshRead(ns) {
  return `SELECT ${appColumns}, ${accessColumns}, ${userColumns} ${appFrom}` +
    `LEFT JOIN OAuthAccessData a ON a.RefreshToken IN (${storedForms(ns.map(oldRefresh))}) ` +
    'LEFT JOIN OAuthdAccessData g ON g.ClientId = a.ClientId AND g.UserId = a.UserId ' +
    'LEFT JOIN Users u ON u.Id = a.UserId //';
}

// The writes of B refreshes: each grant swapped to its new token if it still holds the old one, the old sessions
// deleted, the new ones inserted.
function refreshBlock(ns) {
  const { sessions } = batchRows(ns);
  const swaps = ns.map((n) => `UPDATE OAuthAccessData SET Token = '${newId('t', n)}', RefreshToken = ` +
    `'${newId('r', n)}', RedirectUri = '${callback}', ExpiresAt = ${expires}, Scope = 'user' ` +
    `WHERE ClientId = '${app}' AND UserId = '${id('pu', n)}' AND BINARY Token = '${oldToken(n)}'; ` +
    "IF ROW_COUNT() <> 1 THEN ROLLBACK; SELECT 'split' AS outcome; LEAVE batch; END IF; ").join('');
  const replaced = ns.map((n) => `'${oldToken(n)}'`).join(', ');
  return 'BEGIN NOT ATOMIC DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END; ' +
    `batch: BEGIN START TRANSACTION; ${swaps}DELETE FROM Sessions WHERE Token IN (${replaced}); ` +
    'INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, DeviceId, Roles, IsOAuth, ' +
    `ExpiredNotify, Props) VALUES ${sessions}; COMMIT; SELECT 'ok' AS outcome; END batch; END //`;
}

const lines = [];
if (mode === 'single') {
  for (let n = first; n < first + count; n++) lines.push(read([n]), call(n));
} else {
  const size = Number(mode.replace(/^[a-z]+/, ''));
  // A pipe's packet is one line ending in the delimiter //, which the mariadb client sends as one query.
  if (!mode.startsWith('batch')) lines.push('DELIMITER //');
  for (let n = first; n < first + count; n += size) {
    const ns = [];
    for (let k = n; k < Math.min(n + size, first + count); k++) ns.push(k);
    if (mode.startsWith('batch')) {
      lines.push(read(ns), writeBatch(ns));
    } else if (mode.startsWith('block')) {
      lines.push(read(ns).replace(/;$/, ' //'), writeBlock(ns));
    } else if (mode.startsWith('refresh')) {
      lines.push(refreshRead(ns), refreshBlock(ns));
    } else if (mode.startsWith('writes')) {
      lines.push(...ns.map((k) => read([k]).replace(/;$/, ' //')), writeBlock(ns));
    } else {
      lines.push(ns.map((k) => read([k])).join(' ') + ' //', ns.map(call).join(' ') + ' //');
    }
  }
}
process.stdout.write(lines.join('\n') + '\n');
