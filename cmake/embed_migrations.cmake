# Compiles the storage/migrations/*.sql files into the binary, in file-name order, so `oauthd migrate` needs no
# files on disk. Usage: cmake -DDIR=migrations -DOUTPUT=f.cc -P embed_migrations.cmake
file(GLOB files RELATIVE ${DIR} ${DIR}/*.sql)
list(SORT files)
set(body "")
foreach(f ${files})
  file(READ ${DIR}/${f} sql)
  string(APPEND body "    {\"${f}\", R\"oauthd_sql(${sql})oauthd_sql\"},\n")
endforeach()
file(WRITE ${OUTPUT} "// Generated from ${DIR}; do not edit.\n#include \"storage/migration_files.h\"\n"
     "namespace oauthd::storage {\nconst std::vector<MigrationFile>& MigrationFiles() {\n"
     "  static const std::vector<MigrationFile> kFiles = {\n${body}  };\n  return kFiles;\n}\n}  // namespace oauthd::storage\n")
