#ifndef TRACKER_CSQLITE_SHIM_H
#define TRACKER_CSQLITE_SHIM_H
#include <sqlite3.h>

// Swift cannot import the SQLITE_TRANSIENT / SQLITE_STATIC macros (they are casts of
// integers to function pointers), so they are provided here as functions.
static inline sqlite3_destructor_type csqlite_transient(void) { return SQLITE_TRANSIENT; }
static inline sqlite3_destructor_type csqlite_static(void) { return SQLITE_STATIC; }

// sqlite3_db_config is variadic; Swift cannot call variadic C functions.
static inline int csqlite_db_config_int(sqlite3 *db, int op, int value, int *out) {
    return sqlite3_db_config(db, op, value, out);
}
#endif
