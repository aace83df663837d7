#include "storage/issue_batch.h"

#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace oauthd::storage {
namespace {

std::string Value(const std::optional<std::string>& v) { return v ? SqlQuote(*v) : "NULL"; }

std::string Rows(const std::vector<std::string>& rows) { return absl::StrJoin(rows, ", "); }

// The statements after which the batch stops, writing nothing, when `count` rows did not change.
std::string SplitUnless(size_t count) {
  return absl::StrCat("IF ROW_COUNT() <> ", count,
                      " THEN ROLLBACK; SELECT 'split' AS outcome; LEAVE batch; END IF; ");
}

}  // namespace

std::string IssueBatchSql(const std::vector<const IssueArgs*>& items) {
  std::vector<std::string> code_forms, swaps, replaced, grants, sessions, extras;
  size_t codes = 0;
  for (const IssueArgs* item : items) {
    const IssueArgs& a = *item;
    if (a[kArgCode]) {
      ++codes;
      code_forms.push_back(Value(a[kArgCode]));
      if (a[kArgCodeDigest]) code_forms.push_back(Value(a[kArgCodeDigest]));
    }
    const std::string client = Value(a[kArgClient]), user = Value(a[kArgUser]);
    if (a[kArgReplaced]) {
      // The compare-and-swap, one statement per grant: the values are literals, so the grant is
      // found by its (ClientId, UserId) key (joined with a derived table of values, MariaDB read
      // every row of OAuthAccessData).
      swaps.push_back(absl::StrCat(
          "UPDATE OAuthAccessData SET Token = ", Value(a[kArgToken]),
          ", RefreshToken = ", Value(a[kArgRefresh]), ", RedirectUri = ", Value(a[kArgRedirect]),
          ", ExpiresAt = ", Value(a[kArgGrantExpiresAt]), ", Scope = ", Value(a[kArgScope]),
          " WHERE ClientId = ", client, " AND UserId = ", user,
          " AND BINARY Token = ", Value(a[kArgReplaced]), "; ", SplitUnless(1)));
      replaced.push_back(Value(a[kArgReplaced]));
    } else {
      grants.push_back(absl::StrCat("(", Value(a[kArgToken]), ", ", Value(a[kArgRefresh]), ", ",
                                    Value(a[kArgRedirect]), ", ", client, ", ", user, ", ",
                                    Value(a[kArgGrantExpiresAt]), ", ", Value(a[kArgScope]), ")"));
    }
    sessions.push_back(absl::StrCat("(", Value(a[kArgSession]), ", ", Value(a[kArgToken]), ", ",
                                    Value(a[kArgCreateAt]), ", ", Value(a[kArgExpiresAt]), ", ",
                                    Value(a[kArgCreateAt]), ", ", user, ", '', ",
                                    Value(a[kArgRoles]), ", 1, 0, ", Value(a[kArgProps]), ")"));
    // As the CALL: oauthd's part of the grant only with an audience or a sealed refresh token.
    if (a[kArgAudience].value_or("") != "" || a[kArgRefreshSealed]) {
      extras.push_back(absl::StrCat("(", client, ", ", user, ", ", Value(a[kArgAudience]), ", ",
                                    Value(a[kArgRefreshSealed]), ")"));
    }
  }
  // The CALL's order: the codes, then the grants (what racing writers both want), then the
  // sessions and oauthd's part.
  std::string sql =
      "BEGIN NOT ATOMIC DECLARE EXIT HANDLER FOR SQLEXCEPTION BEGIN ROLLBACK; RESIGNAL; END; "
      "batch: BEGIN START TRANSACTION; ";
  if (codes > 0) {
    absl::StrAppend(&sql, "DELETE FROM OAuthAuthData WHERE Code IN (", Rows(code_forms), "); ",
                    SplitUnless(codes), "DELETE FROM OAuthdAuthData WHERE Code IN (",
                    Rows(code_forms), "); ");
  }
  if (!swaps.empty()) {
    absl::StrAppend(&sql, absl::StrJoin(swaps, ""), "DELETE FROM Sessions WHERE Token IN (",
                    Rows(replaced), "); ");
  }
  if (!grants.empty()) {
    absl::StrAppend(&sql,
                    "INSERT INTO OAuthAccessData (Token, RefreshToken, RedirectUri, ClientId, "
                    "UserId, ExpiresAt, Scope) VALUES ",
                    Rows(grants), "; ");
  }
  absl::StrAppend(&sql,
                  "INSERT INTO Sessions (Id, Token, CreateAt, ExpiresAt, LastActivityAt, UserId, "
                  "DeviceId, Roles, IsOAuth, ExpiredNotify, Props) VALUES ",
                  Rows(sessions), "; ");
  if (!extras.empty()) {
    absl::StrAppend(&sql,
                    "INSERT INTO OAuthdAccessData (ClientId, UserId, Audience, RefreshToken) "
                    "VALUES ",
                    Rows(extras),
                    " ON DUPLICATE KEY UPDATE Audience = IF(VALUES(Audience) = '', Audience, "
                    "VALUES(Audience)), RefreshToken = VALUES(RefreshToken); ");
  }
  return sql + "COMMIT; SELECT 'ok' AS outcome; END batch; END";
}

IssueBatcher::IssueBatcher(AsyncDb* db, Single single, absl::Duration timeout, int max_in_flight,
                           size_t max_batch)
    : db_(db), single_(std::move(single)), timeout_(timeout), queue_(max_in_flight, max_batch) {}

void IssueBatcher::Submit(IssueArgs args, Done done) {
  std::vector<Item> now = queue_.Add("", {std::move(args), std::move(done)});
  if (!now.empty()) Send(std::move(now));
}

void IssueBatcher::Send(std::vector<Item> items) {
  if (items.size() == 1) {
    Done done = std::move(items[0].done);
    return single_(items[0].args, [this, done = std::move(done)](absl::Status st) {
      Finished();
      done(std::move(st));
    });
  }
  std::vector<const IssueArgs*> args;
  for (const Item& item : items) args.push_back(&item.args);
  std::string sql = IssueBatchSql(args);
  db_->Query(
      std::move(sql),
      [this, items = std::move(items)](absl::StatusOr<QueryResult> rs) mutable {
        Finished();
        Answer(items, std::move(rs));
      },
      /*resend=*/true, timeout_);
}

void IssueBatcher::Answer(std::vector<Item>& items, absl::StatusOr<QueryResult> rs) {
  if (rs.ok() && rs->Next() && rs->Str(1) == "ok") {
    for (Item& item : items) item.done(absl::OkStatus());
    return;
  }
  // No answer from the database (refused, timed out, lost twice): each exchange gets what its
  // CALL would have got. Written or not is unknown; each may be sent again by its client.
  if (absl::IsUnavailable(rs.status())) {
    ++unknown_;
    for (Item& item : items) item.done(rs.status());
    return;
  }
  // Nothing was written ('split', a colliding grant, a deadlock or a certification failure): each
  // exchange is decided alone.
  ++split_;
  for (Item& item : items) single_(item.args, std::move(item.done));
}

void IssueBatcher::Finished() {
  std::vector<Item> next = queue_.Next("");
  if (!next.empty()) Send(std::move(next));
}

}  // namespace oauthd::storage
