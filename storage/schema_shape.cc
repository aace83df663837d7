#include "storage/schema_shape.h"

#include <algorithm>
#include <map>
#include <memory>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "storage/migration_files.h"
#include "storage/migrator.h"

namespace oauthd::storage {
namespace {

constexpr char kCreatePrefix[] = "CREATE TABLE IF NOT EXISTS ";

// "UNIQUE KEY Name (Name)" → "Name"; "PRIMARY KEY (Id)" → "PRIMARY".
std::string KeyName(absl::string_view def) {
  if (absl::StartsWith(def, "PRIMARY KEY")) return "PRIMARY";
  std::vector<absl::string_view> words = absl::StrSplit(def, ' ', absl::SkipEmpty());
  for (size_t i = 0; i + 1 < words.size(); ++i) {
    if (words[i] == "KEY") return std::string(words[i + 1]);
  }
  return "";
}

bool IsKeyLine(absl::string_view line) {
  for (const char* p : {"PRIMARY KEY", "UNIQUE KEY", "KEY ", "FULLTEXT KEY"}) {
    if (absl::StartsWith(line, p)) return true;
  }
  return false;
}

std::vector<TableShape> ParseShapes() {
  std::vector<TableShape> out;
  for (const MigrationFile& f : MigrationFiles()) {
    if (!absl::StartsWith(f.name, "0001_")) continue;
    for (const std::string& stmt : SplitStatements(f.sql)) {
      absl::string_view s = absl::StripAsciiWhitespace(stmt);
      if (!absl::ConsumePrefix(&s, kCreatePrefix)) continue;
      TableShape t;
      t.name = std::string(s.substr(0, s.find(' ')));
      const size_t open = s.find('('), close = s.rfind(')');
      t.body = std::string(s.substr(open + 1, close - open - 1));
      for (absl::string_view line : absl::StrSplit(t.body, '\n')) {
        line = absl::StripAsciiWhitespace(line);
        absl::ConsumeSuffix(&line, ",");
        if (line.empty()) continue;
        if (IsKeyLine(line)) {
          t.keys.emplace_back(KeyName(line), std::string(line));
        } else {
          // Columns are written one per line with single spaces collapsed later by the server.
          std::vector<absl::string_view> words = absl::StrSplit(line, ' ', absl::SkipEmpty());
          t.columns.emplace_back(std::string(words[0]), absl::StrJoin(words, " "));
        }
      }
      out.push_back(std::move(t));
    }
  }
  return out;
}

struct Column {
  int position = 0;
  std::string attributes;  // type, nullability, default, collation, extra
};

absl::StatusOr<std::map<std::string, Column>> ReadColumns(DbConn& c, const std::string& table) {
  auto& st = c.Prepare(
      "SELECT COLUMN_NAME, ORDINAL_POSITION, COLUMN_TYPE, IS_NULLABLE, "
      "COALESCE(COLUMN_DEFAULT, '(none)'), COALESCE(COLLATION_NAME, ''), EXTRA "
      "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?");
  st.setString(1, table);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::map<std::string, Column> out;
  while (rs->next()) {
    out[GetStr(*rs, 1)] =
        Column{static_cast<int>(GetInt(*rs, 2)),
               absl::StrCat(GetStr(*rs, 3), " null=", GetStr(*rs, 4), " default=", GetStr(*rs, 5),
                            " collation=", GetStr(*rs, 6), " extra=", GetStr(*rs, 7))};
  }
  return out;
}

// Index name → its signature (uniqueness, type, columns in order).
std::map<std::string, std::string> ReadKeys(DbConn& c, const std::string& table) {
  auto& st = c.Prepare(
      "SELECT INDEX_NAME, NON_UNIQUE, INDEX_TYPE, COLUMN_NAME, COALESCE(SUB_PART, 0) "
      "FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ? "
      "ORDER BY INDEX_NAME, SEQ_IN_INDEX");
  st.setString(1, table);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  std::map<std::string, std::string> out;
  while (rs->next()) {
    std::string& sig = out[GetStr(*rs, 1)];
    if (sig.empty()) absl::StrAppend(&sig, "unique=", GetInt(*rs, 2) == 0, " ", GetStr(*rs, 3));
    absl::StrAppend(&sig, " ", GetStr(*rs, 4), "/", GetInt(*rs, 5));
  }
  return out;
}

// MariaDB's CHECK constraints (JSON columns); MySQL 8 keeps JSON natively and lists none per table.
std::vector<std::string> ReadChecks(DbConn& c, const std::string& table) {
  std::vector<std::string> out;
  try {
    auto& st = c.Prepare(
        "SELECT CONSTRAINT_NAME, CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
        "WHERE CONSTRAINT_SCHEMA = DATABASE() AND TABLE_NAME = ?");
    st.setString(1, table);
    std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
    while (rs->next()) out.push_back(absl::StrCat("check ", GetStr(*rs, 1), " ", GetStr(*rs, 2)));
  } catch (const sql::SQLException&) {
    // No TABLE_NAME column there (MySQL): nothing to compare.
  }
  return out;
}

// Expected columns in `want`'s order, with the live position of each (0 when missing).
bool SameColumns(const TableShape& want, const std::map<std::string, Column>& live,
                 const std::map<std::string, Column>& reference) {
  int last_position = 0;
  for (const auto& [name, def] : want.columns) {
    auto l = live.find(name);
    auto r = reference.find(name);
    if (l == live.end() || r == reference.end() || l->second.attributes != r->second.attributes ||
        l->second.position <= last_position) {
      return false;
    }
    last_position = l->second.position;
  }
  return true;
}

}  // namespace

const std::vector<TableShape>& MattermostTableShapes() {
  static const std::vector<TableShape>* shapes = new std::vector<TableShape>(ParseShapes());
  return *shapes;
}

absl::StatusOr<std::vector<std::string>> DescribeTable(DbConn& c, const std::string& table) {
  auto columns = ReadColumns(c, table);
  if (!columns.ok()) return columns.status();
  std::vector<std::string> out;
  for (const auto& [name, col] : *columns)
    out.push_back(absl::StrCat("column ", name, " #", col.position, " ", col.attributes));
  for (const auto& [name, sig] : ReadKeys(c, table))
    out.push_back(absl::StrCat("key ", name, " ", sig));
  for (std::string& check : ReadChecks(c, table)) out.push_back(std::move(check));
  auto& st = c.Prepare(
      "SELECT ENGINE, TABLE_COLLATION FROM information_schema.TABLES "
      "WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = ?");
  st.setString(1, table);
  std::unique_ptr<sql::ResultSet> rs(st.executeQuery());
  if (rs->next()) out.push_back(absl::StrCat("table ", GetStr(*rs, 1), " ", GetStr(*rs, 2)));
  std::sort(out.begin(), out.end());
  return out;
}

absl::StatusOr<std::vector<std::string>> ReshapeClauses(DbConn& c, const TableShape& want) {
  const std::string scratch = absl::StrCat("oauthd_reshape_", want.name);
  c.Execute(absl::StrCat("DROP TABLE IF EXISTS ", scratch));
  c.Execute(absl::StrCat("CREATE TABLE ", scratch, " (", want.body,
                         ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4"));
  auto live = ReadColumns(c, want.name);
  auto reference = ReadColumns(c, scratch);
  const auto live_keys = ReadKeys(c, want.name);
  const auto reference_keys = ReadKeys(c, scratch);
  c.Execute(absl::StrCat("DROP TABLE ", scratch));
  if (!live.ok()) return live.status();
  if (!reference.ok()) return reference.status();
  if (live->empty()) return absl::NotFoundError(absl::StrCat("no table ", want.name));

  std::vector<std::string> clauses;
  // Any difference redefines every column in order: positions shift together, and one ALTER TABLE
  // rebuilds the table once however many clauses it has.
  if (!SameColumns(want, *live, *reference)) {
    std::string previous;
    for (const auto& [name, def] : want.columns) {
      clauses.push_back(
          absl::StrCat(live->count(name) ? "MODIFY COLUMN " : "ADD COLUMN ", def,
                       previous.empty() ? " FIRST" : absl::StrCat(" AFTER ", previous)));
      previous = name;
    }
  }
  for (const auto& [name, sig] : live_keys) {
    if (name != "PRIMARY" && !reference_keys.count(name)) clauses.push_back("DROP INDEX " + name);
  }
  for (const auto& [name, def] : want.keys) {
    auto l = live_keys.find(name);
    auto r = reference_keys.find(name);
    if (l != live_keys.end() && r != reference_keys.end() && l->second == r->second) continue;
    if (l != live_keys.end())
      clauses.push_back(name == "PRIMARY" ? "DROP PRIMARY KEY" : "DROP INDEX " + name);
    clauses.push_back("ADD " + def);
  }
  return clauses;
}

}  // namespace oauthd::storage
